"""`baton demo`: a fresh SQLite store, seeded agents, a demo bot and a customer page."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from baton.cli.common import console, store_session


def demo(
    host: str = typer.Option("127.0.0.1", help="address to bind"),
    port: int = typer.Option(8000, help="port to bind"),
    db: Path = typer.Option(
        Path("baton-demo.db"), help="the demo's SQLite file, made anew each run"
    ),
) -> None:
    """Start Baton with a demo bot and a customer chat page on a fresh SQLite file.

    The worker loops (assignment, offer expiry, SLA timers) run in this process too, so a case
    reaches a signed-in agent by itself, as it would beside `baton worker` in production.
    """
    import threading

    import uvicorn

    from baton.api.app import create_app
    from baton.config import Settings, get_settings
    from baton.demo.seed import seed_demo
    from baton.desk import worker as loop
    from baton.policy import load_policy
    from baton.store.db import engine_for, make_session_factory

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    base = get_settings()
    settings = Settings(
        **{
            **base.model_dump(),
            "database_url": f"sqlite:///{db}",
            "public_url": f"http://{host}:{port}",
        }
    )
    with store_session(settings) as session:
        key = seed_demo(session=session, policy=load_policy(settings.policy), now=datetime.now(UTC))
    url = f"http://{host}:{port}"
    _banner(url, key, db)
    engine = engine_for(settings)
    stop = threading.Event()
    worker = threading.Thread(
        target=loop.run,
        kwargs={
            "factory": make_session_factory(engine),
            "policy": load_policy(settings.policy),
            "name": "demo-worker",
            "stop": stop,
        },
        name="demo-worker",
        daemon=True,
    )
    worker.start()
    try:
        uvicorn.run(
            create_app(settings, demo=True),
            host=host,
            port=port,
            log_level="warning",
            log_config=None,  # baton.logs formats uvicorn's lines too
            timeout_graceful_shutdown=10,
        )
    finally:
        stop.set()
        worker.join(timeout=5)
        engine.dispose()


def _banner(url: str, key: str, db: Path) -> None:
    """What a newcomer needs, each line usable exactly as printed."""
    from baton.demo.seed import DEMO_AGENTS, DEMO_PASSWORD, DEMO_SUPERVISOR

    cli = command_path()
    console.print(f"[bold green]Baton demo[/] on {url} (store: {db.resolve()})")
    print(f"  start here         : {url}/")
    print(f"  customer chat page : {url}/demo")
    print(f"  agent console      : {url}/console")
    print(f"    agent login      : {DEMO_AGENTS[0][0]}@demo.baton.dev / {DEMO_PASSWORD}")
    print(f"    supervisor login : {DEMO_SUPERVISOR[0]}@demo.baton.dev / {DEMO_PASSWORD}")
    print(f"  API docs           : {url}/docs")
    print(f"  health             : {url}/healthz")
    print(f"  bot API key        : {key}")
    print("  try a turn that escalates:")
    print(
        f"  curl -s -X POST {url}/v1/conversations/c-1/turns -H 'Authorization: Bearer {key}' "
        '-H \'Content-Type: application/json\' -d \'{"turn_id": "t-1", "role": "user", '
        '"text": "I want to talk to a human", "sent_at": "2026-11-24T10:00:00Z"}\''
    )
    print("  the command line (in another terminal, from this folder):")
    print(f"  {cli} --help")
    print(f"  BATON_DATABASE_URL=sqlite:///{db} {cli} kb search refund")


def command_path() -> str:
    """How to run `baton` again from here: the path this process was started by (relative to
    the current folder when inside it: `.venv/bin/baton`), or `python -m baton` as it was run."""
    started = Path(sys.argv[0])
    if started.name != "baton":
        return f"{sys.executable} -m baton"
    try:
        return str(started.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(started) if started.is_absolute() else "baton"
