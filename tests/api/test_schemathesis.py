"""schemathesis against the app's own OpenAPI spec, on a live server with a real API key: no 5xx,
and every 4xx is the documented JSON error. Bounded: a fixed number of examples per operation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from baton.api.app import create_app
from baton.config import Settings
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT
from tests.conftest import LiveServer

EXAMPLES = 60
# The event stream stays open for minutes by design; it is tested on its own.
SKIPPED = ("/v1/conversations/{conversation_id}/events",)


@pytest.fixture
def live(settings: Settings) -> Iterator[tuple[str, str]]:
    app = create_app(settings)
    with LiveServer(app) as server:
        with session_scope(app.state.session_factory) as session:
            key = repo.create_api_key(
                tenant_id=DEFAULT_TENANT,
                scopes="bot,read,admin",
                session=session,
                name="fuzz",
                now=datetime.now(UTC),
            )
        yield server.url, key


def _operations(base: str) -> list[Any]:
    spec = httpx.get(base + "/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if op.path not in SKIPPED]


def _check(response: httpx.Response, label: str) -> None:
    assert response.status_code < 500, f"{label}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "field"}, label
        assert isinstance(error["code"], str) and error["code"], label
        assert isinstance(error["message"], str) and error["message"], label


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_answers_5xx_or_an_undocumented_error(
    live: tuple[str, str], mode: GenerationMode
) -> None:
    base, key = live
    operations = _operations(base)
    assert {op.path for op in operations} >= {"/v1/conversations/{conversation_id}/turns"}
    seen: dict[int, int] = {}
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case: Any) -> None:
            kwargs = case.as_transport_kwargs(base_url=base)
            headers = dict(kwargs.pop("headers", None) or {})
            headers["Authorization"] = f"Bearer {key}"
            if isinstance(kwargs.get("data"), bytes | str):
                kwargs["content"] = kwargs.pop("data")
            response = httpx.request(headers=headers, timeout=30, **kwargs)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            _check(response, f"{case.method} {case.formatted_path}")

        try:
            fuzz()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, operation.path  # nothing to get wrong
    assert sum(seen.values()) >= EXAMPLES
    assert 200 in seen if mode is GenerationMode.POSITIVE else 422 in seen
