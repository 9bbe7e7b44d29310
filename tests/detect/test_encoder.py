"""Encoder mode: the ONNX sentence encoder, the model trained with it, its cache and evidence.

These run on a few hundred shipped examples (seconds of CPU). They need the `encoder` extra and
the all-MiniLM-L6-v2 export in the model cache (`baton encoder export`, or made here once when
the `export` extra is installed); without them they skip and say why, or fail when
BATON_REQUIRE_ENCODER=1 (as CI sets it). Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import joblib
import numpy as np
import pytest

from baton.detect import Detector, DetectState, read_examples
from baton.detect.detector import Models
from baton.detect.encoder import (
    DEFAULT_ENCODER,
    INT8_SUFFIX,
    MAX_TOKENS,
    Encoder,
    EncoderUnavailable,
    encoder_runtime_missing,
    export_dir,
    find_model,
    load_encoder,
)
from baton.detect.examples import Example, resolve_training_path
from baton.detect.model import (
    DEFAULT_SCOPE_BUDGET,
    DEFAULT_SCOPE_CUT,
    VALIDATION_IN_SCOPE_FLOOR,
    cut_for_share,
    train_intent_model,
)
from baton.detect.training import load_models, models_key
from baton.domain import Conversation, ReasonCode
from baton.policy import Policy, default_policy
from tests.detect.conftest import NOW, turn

pytestmark = pytest.mark.encoder

REPO = Path(__file__).resolve().parents[2]
INTENTS = (
    "card_arrival",
    "lost_or_stolen_card",
    "request_refund",
    "exchange_rate",
    "terminate_account",
    "top_up_failed",
)


def _skip(reason: str) -> None:
    if os.environ.get("BATON_REQUIRE_ENCODER") == "1":
        pytest.fail(f"BATON_REQUIRE_ENCODER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """The model cache holding the encoder's export (exported here once if torch is installed)."""
    missing = encoder_runtime_missing()
    if missing:
        _skip(f"encoder mode needs its extra: {missing}")
    cache = Path(os.environ.get("BATON_MODEL_CACHE_DIR", REPO / ".baton-cache"))
    if not (export_dir(DEFAULT_ENCODER, cache) / "model.onnx").is_file():
        if importlib.util.find_spec("torch") is None:
            _skip(f"no {DEFAULT_ENCODER} export in {cache}: run `baton encoder export`")
        from baton.detect.encoder_export import export_encoder

        export_encoder(DEFAULT_ENCODER, cache)
    return cache


@pytest.fixture(scope="session")
def encoder(model_cache: Path) -> Encoder:
    return load_encoder(DEFAULT_ENCODER, model_cache)


@pytest.fixture(scope="session")
def examples() -> list[Example]:
    """Thirty shipped BANKING77 training examples of each of six intents."""
    shipped = read_examples(resolve_training_path("baton:detect/data/intents.jsonl", None))
    picked: list[Example] = []
    for intent in INTENTS:
        picked.extend([e for e in shipped if e.intent == intent][:30])
    return picked


@pytest.fixture(scope="session")
def small_training(tmp_path_factory: pytest.TempPathFactory, examples: list[Example]) -> Path:
    path = tmp_path_factory.mktemp("encoder") / "train.jsonl"
    lines = [
        json.dumps({"turns": [{"role": "user", "text": e.text}], "expect": {"intent": e.intent}})
        for e in examples
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_embeddings_are_unit_length_and_put_paraphrases_together(encoder: Encoder) -> None:
    vectors = encoder.encode(["I lost my card", "my card is missing", "what's the weather"])
    assert vectors.shape == (3, encoder.dim) and encoder.dim == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    one = encoder.encode(["my card is missing"])[0]
    assert np.allclose(one, vectors[1], atol=1e-5)  # padding in a batch changes nothing


def test_one_message_is_embedded_alone_truncated_and_remembered(encoder: Encoder) -> None:
    text = "my card payment was declined at the shop"
    one = encoder.encode_one(text)
    assert np.allclose(one, encoder.encode([text, "hi"])[0], atol=1e-5)
    assert encoder.encode_one(text) is one and not one.flags.writeable
    long = " ".join(["my card was declined"] * 60)
    head = encoder._tokenizer.decode(encoder._tokenizer.encode(long).ids)
    assert len(encoder._tokenizer.encode(long).ids) == MAX_TOKENS
    assert np.allclose(encoder.encode_one(long), encoder.encode_one(head), atol=1e-3)


@pytest.fixture(scope="session")
def int8_encoder(model_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Encoder:
    """`baton encoder export --int8` beside a cached fp32 export: quantised without torch."""
    from baton.detect.encoder_export import export_encoder

    cache = tmp_path_factory.mktemp("int8")
    (cache / "encoders").mkdir()
    (cache / "encoders" / DEFAULT_ENCODER).symlink_to(export_dir(DEFAULT_ENCODER, model_cache))
    written = export_encoder(DEFAULT_ENCODER, cache, int8=True)
    name = f"{DEFAULT_ENCODER}{INT8_SUFFIX}"
    assert written == find_model(name, cache) == export_dir(name, cache)
    return Encoder(name, written)


def test_an_int8_graph_is_run_one_text_at_a_time_so_training_matches_serving(
    encoder: Encoder, int8_encoder: Encoder
) -> None:
    texts = ["I lost my card", "why was I charged twice for the same coffee this morning"]
    assert encoder.batched and not int8_encoder.batched
    rows = int8_encoder.encode(texts)
    for text, row in zip(texts, rows, strict=True):
        assert np.array_equal(row, int8_encoder.encode_one(text))
    cosine = (rows * encoder.encode(texts)).sum(axis=1)
    assert (cosine > 0.95).all()
    assert int8_encoder.version != encoder.version


def test_embeddings_are_kept_on_disk_by_encoder_and_texts(encoder: Encoder, tmp_path: Path) -> None:
    texts = ["where is my card", "refund please"]
    first = encoder.encode_cached(texts, tmp_path)
    files = list((tmp_path / "embeddings").iterdir())
    assert len(files) == 1
    np.save(files[0], first * 0)  # a cached file is read, not recomputed
    assert not encoder.encode_cached(texts, tmp_path).any()
    assert encoder.encode_cached(texts[:1], tmp_path).any()


def test_the_encoder_joins_the_features_and_names_the_nearest_example(
    encoder: Encoder, examples: list[Example]
) -> None:
    model = train_intent_model(examples, encoder=encoder)
    assert model.mode == "encoder"
    prediction = model.predict("my new card still has not come in the post")
    assert prediction.intent == "card_arrival"
    assert prediction.nearest in {e.text for e in examples if e.intent == "card_arrival"}
    expected = (
        encoder.encode([prediction.nearest or ""])[0]
        @ encoder.encode(["my new card still has not come in the post"])[0]
    )
    assert prediction.similarity == pytest.approx(float(expected), abs=1e-3)
    off_topic = model.predict("what is the best recipe for a chocolate cake")
    assert off_topic.out_of_scope > prediction.out_of_scope
    assert off_topic.similarity is not None and prediction.similarity is not None
    assert off_topic.similarity < prediction.similarity


def test_a_stored_model_keeps_its_embeddings_and_needs_its_encoder_again(
    encoder: Encoder, examples: list[Example], tmp_path: Path
) -> None:
    model = train_intent_model(examples, encoder=encoder)
    joblib.dump(model, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    assert loaded.encoder is None and loaded.embedding.vectors.shape == (len(examples), 384)
    with pytest.raises(RuntimeError):
        loaded.predict("refund me")
    loaded.attach(encoder)
    text = "I want my money back for this purchase"
    assert loaded.predict(text) == model.predict(text)
    loaded.embedding.encoder_version = "another"
    with pytest.raises(ValueError):
        loaded.attach(encoder)


def _policy(training: Path, encoder: str | None) -> Policy:
    policy = default_policy()
    detect = policy.detect.model_copy(update={"training": str(training), "encoder": encoder})
    return policy.model_copy(update={"detect": detect})


def test_load_models_keys_on_the_encoder_and_reads_the_cached_model(
    encoder: Encoder, model_cache: Path, small_training: Path, tmp_path: Path
) -> None:
    light = _policy(small_training, None)
    accurate = _policy(small_training, str(find_model(DEFAULT_ENCODER, model_cache)))
    assert models_key(light) != models_key(accurate, encoder=encoder)
    cache = tmp_path / "cache"
    (cache / "encoders").mkdir(parents=True)
    models = load_models(accurate, cache_dir=cache)
    assert models.mode == "encoder"
    stored = list(cache.glob("detect-*.joblib"))
    assert len(stored) == 1
    from baton.detect import training

    training._memo.clear()
    again = load_models(accurate, cache_dir=cache)
    assert again is not models and again.mode == "encoder"
    assert again.intents is not None and again.intents.encoder is not None
    assert list(cache.glob("detect-*.joblib")) == stored


def test_the_cache_key_follows_training_data_examples_and_the_encoder_not_thresholds(
    encoder: Encoder, int8_encoder: Encoder, small_training: Path, tmp_path: Path
) -> None:
    policy = _policy(small_training, DEFAULT_ENCODER)
    key = models_key(policy, encoder=encoder)
    assert models_key(policy, encoder=int8_encoder) != key
    detect = policy.detect.model_copy(update={"scope_threshold": 0.7})
    assert models_key(policy.model_copy(update={"detect": detect}), encoder=encoder) == key
    edited = tmp_path / "train.jsonl"
    edited.write_text(small_training.read_text().replace("card", "cards", 1))
    assert models_key(_policy(edited, DEFAULT_ENCODER), encoder=encoder) != key
    intents = dict(policy.intents)
    name = next(iter(intents))
    intents[name] = intents[name].model_copy(update={"examples": ("one more example",)})
    assert models_key(policy.model_copy(update={"intents": intents}), encoder=encoder) != key


def test_a_restart_reads_the_training_embeddings_from_the_cached_model(
    model_cache: Path, small_training: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from baton.detect import training

    cache = tmp_path / "cache"
    cache.mkdir()
    policy = _policy(small_training, str(find_model(DEFAULT_ENCODER, model_cache)))
    training._memo.clear()
    first = load_models(policy, cache_dir=cache)
    assert list((cache / "embeddings").iterdir())
    training._memo.clear()
    shutil.rmtree(cache / "embeddings")

    def no_batch_embedding(texts: object) -> np.ndarray:
        raise AssertionError("a restart must not embed the training examples again")

    used = load_encoder(policy.detect.encoder or "", cache)
    monkeypatch.setattr(used, "encode", no_batch_embedding)
    again = load_models(policy, cache_dir=cache)
    assert again is not first and again.intents is not None and first.intents is not None
    text = "I still have not received my new card"
    assert again.intents.predict(text) == first.intents.predict(text)


def test_an_out_of_scope_decision_shows_the_nearest_example(
    encoder: Encoder, model_cache: Path, small_training: Path
) -> None:
    policy = _policy(small_training, str(find_model(DEFAULT_ENCODER, model_cache)))
    detector = Detector(policy, load_models(policy, cache_dir=model_cache))
    text = "can you recommend a good pizza place near the station"
    conversation = Conversation(id="c", turns=(turn(1, text),))
    decision, _ = detector.decide(conversation, DetectState(), NOW)
    low = [r for r in decision.reasons if r.code is ReasonCode.LOW_CONFIDENCE]
    assert low and "nearest example" in low[0].evidence


def test_an_encoder_that_was_never_exported_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailable) as raised:
        find_model("no-such-encoder", tmp_path)
    assert raised.value.code == "encoder_unavailable"
    assert "baton encoder export no-such-encoder" in raised.value.message
    with pytest.raises(EncoderUnavailable) as raised:
        find_model(f"{DEFAULT_ENCODER}{INT8_SUFFIX}", tmp_path)
    assert f"baton encoder export {DEFAULT_ENCODER} --int8" in raised.value.message


@pytest.fixture(autouse=True)
def _no_hub() -> Iterator[None]:
    """Nothing may reach a model hub: the offline flags are set for every test here."""
    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_the_scope_cut_is_fixed_without_validation_and_the_policy_moves_it(
    encoder: Encoder, examples: list[Example]
) -> None:
    model = train_intent_model(examples, encoder=encoder)
    assert model.scope_cut == DEFAULT_SCOPE_CUT
    near, far = "my new card has still not arrived", "what is the capital of mongolia"
    assert model.predict(far).out_of_scope > 0.5 > model.predict(near).out_of_scope

    def low(text: str, detect: dict[str, float]) -> bool:
        detector = Detector(_with_detect(detect), Models(intents=model))
        decision, _ = detector.decide(
            Conversation(id="c", turns=(turn(1, text),)), DetectState(), NOW
        )
        return ReasonCode.LOW_CONFIDENCE in decision.codes

    assert low(far, {}) and not low(far, {"scope_cut": 0.0})
    assert not low(near, {}) and low(near, {"scope_cut": 1.5})
    share = Detector(
        _with_detect({"expected_out_of_scope_share": 0.2}), Models(intents=model)
    ).scope_cut
    assert share == pytest.approx(cut_for_share(0.2)) and share < DEFAULT_SCOPE_CUT


def _with_detect(update: dict[str, float]) -> Policy:
    policy = default_policy()
    return policy.model_copy(update={"detect": policy.detect.model_copy(update=update)})


def test_a_validation_file_fits_the_cut_to_the_in_scope_floor(
    encoder: Encoder, examples: list[Example]
) -> None:
    train = [e for i, e in enumerate(examples) if i % 3]
    held = [e for i, e in enumerate(examples) if not i % 3]
    model = train_intent_model(train, validation=held, encoder=encoder)
    assert model.scope_cut != DEFAULT_SCOPE_CUT
    predictions = model.predict_many([e.text for e in held])
    pairs = list(zip(predictions, held, strict=True))
    kept = [p.intent == e.intent and p.out_of_scope < 0.5 for p, e in pairs]
    raw = [p.intent == e.intent for p, e in pairs]
    floor = min(VALIDATION_IN_SCOPE_FLOOR, sum(raw) / len(raw) - DEFAULT_SCOPE_BUDGET)
    assert sum(kept) / len(kept) >= floor - 1e-9
