"""Probe row 7: webhook signing secrets are sealed at rest with the configured key, a production
start without one is refused, old plaintext rows are sealed by the migration, and rotation keeps
the old secret for its grace period."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr, ValidationError
from sqlalchemy import text
from sqlalchemy.orm import Session

from baton.api.app import create_app
from baton.config import Settings
from baton.store.db import make_engine, upgrade
from baton.store.tables import DEFAULT_TENANT
from baton.transfer import webhooks
from tests.api.conftest import authorized
from tests.factories.transfer import LOOPBACK


def _raw_secrets(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT secrets FROM webhook_endpoints")).all()
    finally:
        engine.dispose()
    return [json.dumps(r[0]) if not isinstance(r[0], str) else r[0] for r in rows]


def test_the_store_holds_no_plain_secret(settings: Settings) -> None:
    key = Fernet.generate_key().decode()
    sealed = settings.model_copy(
        update={"secrets_key": SecretStr(key), "webhook_allow_private": LOOPBACK}
    )
    with authorized(create_app(sealed)) as api:
        made = api.post("/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/h"}).json()
        rotated = api.post(f"/v1/webhooks/endpoints/{made['id']}/rotate-secret").json()["secret"]
        read = api.get(f"/v1/webhooks/endpoints/{made['id']}/secret").json()["secret"]
    assert made["secret"].startswith("whsec_") and read == rotated
    (stored,) = _raw_secrets(settings.database_url)
    assert made["secret"] not in stored and rotated not in stored
    assert "whsec_" not in stored and stored.count("fernet:") == 2  # the old one, in its grace
    with authorized(create_app(settings)) as other:  # another key cannot open them
        wrong = other.get(f"/v1/webhooks/endpoints/{made['id']}/secret")
    assert wrong.status_code == 500
    assert wrong.json()["error"]["code"] == "secrets_key_mismatch"


def test_production_refuses_to_start_without_a_secrets_key() -> None:
    with pytest.raises(ValidationError, match="BATON_SECRETS_KEY"):
        Settings(production=True)
    with pytest.raises(ValidationError, match="Fernet"):
        Settings(secrets_key="not-a-fernet-key")
    started = subprocess.run(
        [str(Path(sys.executable).parent / "baton"), "db", "upgrade"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("BATON_")},
            "BATON_PRODUCTION": "true",
            "BATON_DATABASE_URL": "sqlite:///:memory:",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode != 0
    assert "BATON_SECRETS_KEY" in started.stdout + started.stderr


def test_the_migration_seals_plaintext_secrets(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "scale_0001")
        plain = "whsec_" + "A" * 32
        now = datetime.now(UTC).isoformat()
        secrets = json.dumps([{"secret": plain, "expires_at": None}])
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO webhook_endpoints (id, url, description, event_types, secrets,"
                    " enabled, created_at, updated_at) VALUES ('ep_old', 'http://127.0.0.1:9/h',"
                    " '', '[]', :secrets, true, :now, :now)"
                ),
                {"secrets": secrets, "now": now},
            )
        upgrade(engine)
        with Session(engine) as session:
            endpoint = webhooks.get_endpoint(
                session=session, tenant_id=DEFAULT_TENANT, endpoint_id="ep_old"
            )
            assert webhooks.active_secrets(endpoint, datetime.now(UTC)) == [plain]
    finally:
        engine.dispose()
    (stored,) = _raw_secrets(db_url)
    assert plain not in stored and "fernet:" in stored
