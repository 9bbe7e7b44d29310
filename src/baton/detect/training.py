"""Train a policy's models from the files it names, and cache them on disk by content hash.

Training takes seconds; a server, a CLI run and a test process each train a policy's models at
most once (memoised in the process) and reuse them across runs through `cache_dir`. The key
covers the policy, the training files' bytes, the model format and, in encoder mode, the
encoder's name and version (its ONNX file's hash, its tokenizer's and the truncation length), so
editing any of them retrains. The cached model holds the
training examples' embeddings; the encoder itself is loaded from the cache and attached.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import joblib
import sklearn

from baton.detect.detector import Models
from baton.detect.encoder import Encoder, load_encoder
from baton.detect.examples import (
    Example,
    dedupe,
    policy_examples,
    read_examples,
    resolve_training_path,
    training_examples,
)
from baton.detect.model import train_intent_model
from baton.detect.person_model import MIN_CUT as PERSON_FLOOR
from baton.detect.person_model import train_person_model
from baton.policy import Policy

MODEL_FORMAT = "4"
PERSON_EXAMPLES = "baton:detect/data/human_request.jsonl"

_memo: dict[str, Models] = {}
_lock = threading.Lock()


def person_examples(extra: Sequence[Example] = ()) -> list[Example]:
    """The shipped person-request examples, plus a training file's when it labels any."""
    shipped = read_examples(resolve_training_path(PERSON_EXAMPLES, None))
    labelled = [e for e in extra if e.human_requested]
    added = [e for e in extra if e.human_requested is not None] if labelled else []
    return dedupe([*shipped, *added])


def train_models(
    policy: Policy,
    *,
    base_dir: Path | None = None,
    train: Sequence[Example] | None = None,
    validation: Sequence[Example] = (),
    cache_dir: Path | None = None,
    encoder: Encoder | None = None,
) -> Models:
    """Train the scope/intent model (from `train`, else the policy's file) and the person model.

    In encoder mode (`detect.encoder`), the encoder's export is looked up under `cache_dir`,
    where the training examples' embeddings are kept too; `encoder` stands in for it when given
    (an evaluation's, primed with a whole file's embeddings)."""
    encoder = encoder or policy_encoder(policy, cache_dir)
    if train is None:
        examples = training_examples(policy, base_dir)
    else:
        examples = [*train, *policy_examples(policy)]
    intent_examples = dedupe(e for e in examples if e.label is not None)
    labels = {e.label for e in intent_examples}
    intents = (
        train_intent_model(
            intent_examples, validation=validation, encoder=encoder, cache_dir=cache_dir
        )
        if len(labels) > 1
        else None
    )
    return Models(intents=intents, person=train_person_model(person_examples(train or ())))


def policy_encoder(policy: Policy, cache_dir: Path | None) -> Encoder | None:
    """The encoder the policy names (loaded once per process), or None in light mode."""
    name = policy.detect.encoder
    return load_encoder(name, cache_dir) if name else None


def models_key(policy: Policy, base_dir: Path | None = None, encoder: Encoder | None = None) -> str:
    """The cache key: what the models learn from (the policy's training file and intent examples,
    the shipped person examples), the model format, the scikit-learn version and the encoder's
    name and version (ONNX and tokenizer hashes, truncation). A threshold or queue change does
    not retrain."""
    digest = hashlib.sha256()
    examples = {name: list(c.examples) for name, c in sorted(policy.intents.items()) if c.examples}
    encoded = f"{encoder.name}@{encoder.version}" if encoder else "light"
    floor = f"person-floor={PERSON_FLOOR}"
    for part in (
        MODEL_FORMAT,
        sklearn.__version__,
        encoded,
        floor,
        json.dumps(examples, sort_keys=True),
    ):
        digest.update(part.encode())
    for name in (policy.detect.training, PERSON_EXAMPLES):
        if name:
            path = resolve_training_path(name, base_dir)
            digest.update(path.read_bytes() if path.is_file() else str(path).encode())
    return digest.hexdigest()[:20]


def load_models(
    policy: Policy, *, base_dir: Path | None = None, cache_dir: Path | None = None
) -> Models:
    """The policy's trained models: from this process, else the disk cache, else trained now."""
    encoder = policy_encoder(policy, cache_dir)
    key = models_key(policy, base_dir, encoder)
    with _lock:
        if key in _memo:
            return _memo[key]
        path = cache_dir / f"detect-{key}.joblib" if cache_dir is not None else None
        models = _read(path) if path is not None else None
        if models is not None and encoder is not None and models.intents is not None:
            models.intents.attach(encoder)
        if models is None:
            models = train_models(policy, base_dir=base_dir, cache_dir=cache_dir)
            if path is not None:
                _write(path, models)
        _memo[key] = models
        return models


def cached_models(version: str, *, policy: Policy, cache_dir: Path | None) -> Models | None:
    """The models a decision stamped `version` was made with, if this process or the disk cache
    still has them (a replay plays the decision again with them); None when they are gone."""
    with _lock:
        if version in _memo:
            return _memo[version]
    path = cache_dir / f"detect-{version}.joblib" if cache_dir is not None else None
    models = _read(path) if path is not None else None
    if models is not None and models.intents is not None and models.intents.mode == "encoder":
        encoder = policy_encoder(policy, cache_dir)
        try:
            if encoder is None:
                return None
            models.intents.attach(encoder)
        except ValueError:
            return None
    if models is not None:
        with _lock:
            _memo[version] = models
    return models


def _read(path: Path) -> Models | None:
    """A cached model, or None when absent or unreadable (then it is retrained)."""
    if not path.is_file():
        return None
    try:
        loaded = joblib.load(path)
    except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return None
    return loaded if isinstance(loaded, Models) else None


def _write(path: Path, models: Models) -> None:
    """Write atomically, so concurrent workers never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        joblib.dump(models, tmp, compress=3)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
