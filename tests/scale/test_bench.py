"""The benchmarks run end to end with small numbers (their speed is read, never asserted)."""

from __future__ import annotations

from typer.testing import CliRunner

from baton.cli.main import app


def test_bench_ingest_prints_the_ratio_and_latencies() -> None:
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "ingest",
            "--engine",
            "sqlite",
            "--requests",
            "60",
            "--warmup",
            "10",
            "--concurrency",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Baton/limit" in result.output and "p99" in result.output
    assert "limit" in result.output and "bare" in result.output
    assert "sqlite" in result.output


def test_bench_soak_samples_memory() -> None:
    result = CliRunner().invoke(
        app, ["bench", "soak", "--engine", "sqlite", "--seconds", "5", "--rate", "20"]
    )
    assert result.exit_code in (0, 1), result.output
    assert "RSS" in result.output and ("flat" in result.output or "GROWING" in result.output)
