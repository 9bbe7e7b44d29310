"""`baton encoder`: prepare Detect's encoder mode (the ONNX export of a sentence encoder)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from baton.cli.common import console, err_console

app = typer.Typer(help="Detect's sentence encoder (encoder mode).", no_args_is_help=True)


@app.command("export")
def export(
    name: Annotated[
        str, typer.Argument(help="a packaged encoder's name or a local Hugging Face model folder")
    ] = "all-MiniLM-L6-v2",
    int8: Annotated[
        bool,
        typer.Option(
            "--int8", help="also write NAME-int8, its weights quantised (see docs/detect.md)"
        ),
    ] = False,
    cache_dir: Annotated[
        Path | None, typer.Option("--cache-dir", help="model cache (BATON_MODEL_CACHE_DIR)")
    ] = None,
) -> None:
    """Write the encoder's ONNX graph and tokenizer into the model cache (needs the export extra).

    Done once per machine; encoder mode then runs on onnxruntime alone. Nothing is downloaded."""
    from baton.config import get_settings
    from baton.detect.encoder import INT8_SUFFIX, load_encoder
    from baton.detect.encoder_export import export_encoder
    from baton.errors import BatonError

    cache = cache_dir or get_settings().model_cache_dir
    try:
        folder = export_encoder(name, cache, int8=int8)
        if int8:
            name = name.removesuffix(INT8_SUFFIX) + INT8_SUFFIX
        encoder = load_encoder(name, cache)
    except BatonError as exc:
        err_console.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(1) from exc
    console.print(f"{name}: {folder / 'model.onnx'} (version {encoder.version}, dim {encoder.dim})")
    console.print(f"use it with the policy key  detect.encoder: {name}")
