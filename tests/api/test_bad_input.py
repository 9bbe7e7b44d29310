"""Hostile input: deep nesting, invalid UTF-8, streamed oversize bodies, reused turn ids, and
hypothesis on the turn parser. Each is a 4xx JSON error, and nothing is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from baton.api.schemas import TurnCreate, json_depth
from tests.api.conftest import row_counts
from tests.api.test_errors import EMPTY, GOOD, URL

JSON = {"Content-Type": "application/json"}
GOOD_BYTES = json.dumps(GOOD).encode()


def _nested(depth: int) -> bytes:
    head = b'{"turn_id": "t1", "role": "user", "text": "hi", "sent_at": "2026-11-24T10:00:00Z", '
    return head + b'"metadata": {"a": ' + b"[" * depth + b"1" + b"]" * depth + b"}}"


def test_ten_thousand_nested_arrays_are_malformed_json(api: TestClient) -> None:
    r = api.post(URL, content=_nested(10_000), headers=JSON)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"
    assert row_counts(api) == EMPTY


def test_metadata_nested_past_the_limit_names_the_field(api: TestClient) -> None:
    r = api.post(URL, content=_nested(100), headers=JSON)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "metadata"
    assert "16 levels" in r.json()["error"]["message"]
    assert row_counts(api) == EMPTY
    assert api.post(URL, content=_nested(8), headers=JSON).status_code == 200


def test_invalid_utf8_is_malformed_json(api: TestClient) -> None:
    body = GOOD_BYTES.replace(b'"hello"', b'"caf\xe9 \xff"')
    assert body != GOOD_BYTES
    r = api.post(URL, content=body, headers=JSON)
    assert r.status_code == 400
    assert r.json()["error"] == {
        "code": "malformed_json",
        "message": "the body is not JSON: it must be UTF-8 and not nested too deeply",
        "field": None,
    }
    assert row_counts(api) == EMPTY


def test_a_streamed_body_without_length_is_cut_at_the_limit(api: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"turn_id": "t1", "text": "'
        for _ in range(400):
            yield b"x" * 1024
        yield b'"}'

    r = api.post(URL, content=chunks(), headers=JSON)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert row_counts(api) == EMPTY


def test_a_reused_turn_id_with_another_role_is_a_conflict_and_the_first_is_kept(
    api: TestClient,
) -> None:
    assert api.post(URL, json=GOOD).status_code == 200
    r = api.post(URL, json={**GOOD, "role": "bot"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "turn_conflict"
    replay = api.post(URL, json=GOOD)
    assert replay.status_code == 200
    assert replay.json()["replayed"] is True
    assert row_counts(api)["turns"] == 1


PARSE = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=25,
)


def _parses_or_refuses(parse: Any) -> None:
    try:
        turn = parse()
    except ValidationError as exc:
        assert exc.errors()
        return
    assert isinstance(turn, TurnCreate)
    assert json_depth(turn.metadata) <= 16


@PARSE
@given(st.binary(max_size=300))
def test_the_turn_parser_on_any_bytes(raw: bytes) -> None:
    _parses_or_refuses(lambda: TurnCreate.model_validate_json(raw))


@PARSE
@given(
    st.dictionaries(st.sampled_from([*GOOD, "bot", "customer", "metadata", "channel"]), json_values)
)
def test_the_turn_parser_on_any_fields(overrides: dict[str, Any]) -> None:
    _parses_or_refuses(lambda: TurnCreate.model_validate({**GOOD, **overrides}))


def test_nul_characters_are_refused_not_a_500(api: TestClient) -> None:
    r = api.post(URL, json={**GOOD, "text": "a\u0000b"})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "text"
    assert row_counts(api) == EMPTY
    for path in ("/v1/handoffs?status=%00", "/v1/handoffs/ho_%00", "/v1/handoffs?queue=a%00"):
        r = api.get(path)
        assert r.status_code < 500, (path, r.text)
        if r.status_code >= 400:  # PostgreSQL cannot hold a NUL; SQLite can, and just finds nothing
            assert r.json()["error"]["code"] in ("invalid_value", "handoff_not_found")
