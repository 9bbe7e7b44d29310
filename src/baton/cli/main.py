"""`baton`: one command group per module; this file only wires them together.

Command modules import what a command needs inside the command, not at the top: importing
them all (as `baton --help` and every command do) then costs typer and rich only, and each
command pays for its own dependencies (the API app, models, benchmarks) when it runs.
`tests/cli/test_imports.py` keeps it so.
"""

from __future__ import annotations

import typer

from baton.cli import (
    agents,
    audit,
    bench,
    db,
    demo,
    encoder,
    kb,
    keys,
    learn,
    outbox,
    policy,
    seed,
    serve,
    tenants,
    worker,
)
from baton.cli.eval import eval_command
from baton.cli.eval_brief import eval_brief_command

app = typer.Typer(
    help="Baton: AI-to-human conversation handoffs.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _every_command() -> None:
    """Baton: AI-to-human conversation handoffs."""
    from baton.cli.common import err_console
    from baton.logs import configure

    try:
        configure()  # one logging setup for every command: BATON_LOG_FORMAT=json or readable lines
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc


app.add_typer(agents.app, name="agents")
app.add_typer(bench.app, name="bench")
app.add_typer(db.app, name="db")
app.add_typer(encoder.app, name="encoder")
app.add_typer(kb.app, name="kb")
app.add_typer(keys.app, name="keys")
app.add_typer(policy.app, name="policy")
app.add_typer(outbox.app, name="outbox")
app.add_typer(seed.app, name="seed")
app.add_typer(tenants.app, name="tenants")
app.command("report")(learn.report)
app.command("replay")(learn.replay_cmd)
app.command("learn")(learn.learn_cmd)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("eval")(eval_command)
app.command("eval-brief")(eval_brief_command)
app.command("worker")(worker.worker)
app.command("audit")(audit.audit)
