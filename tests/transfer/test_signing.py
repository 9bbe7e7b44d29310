"""Standard Webhooks signatures: the spec's vector, tampering, stale timestamps, rotation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from baton.store.tables import DEFAULT_TENANT
from baton.transfer import webhooks
from baton.verify import InvalidSignature, new_secret, sign, verify

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def signed(secret: str | list[str], body: bytes, at: datetime = NOW) -> dict[str, str]:
    secrets = [secret] if isinstance(secret, str) else secret
    ts = int(at.timestamp())
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(ts),
        "webhook-signature": " ".join(
            sign(secret=s, msg_id="msg_1", timestamp=ts, body=body) for s in secrets
        ),
    }


def test_matches_the_standard_webhooks_reference_vector() -> None:
    # The worked example in the Standard Webhooks specification (standard-webhooks.md).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert (
        sign(secret=secret, msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=body)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_valid_message_returns_its_payload() -> None:
    secret = new_secret()
    body = json.dumps({"type": "handoff.created", "data": {"handoff_id": "ho_1"}}).encode()
    payload = verify(body=body, headers=signed(secret, body), secret=secret, now=NOW)
    assert payload["data"]["handoff_id"] == "ho_1"


def test_tampered_body_is_refused() -> None:
    secret = new_secret()
    body = b'{"type":"handoff.created","data":{"queue":"billing"}}'
    headers = signed(secret, body)
    with pytest.raises(InvalidSignature) as err:
        verify(body=body.replace(b"billing", b"sales"), headers=headers, secret=secret, now=NOW)
    assert err.value.code == "invalid_signature"


def test_stale_and_future_timestamps_are_refused() -> None:
    secret = new_secret()
    body = b"{}"
    just_in = signed(secret, body, at=NOW - timedelta(minutes=4, seconds=59))
    assert verify(body=body, headers=just_in, secret=secret, now=NOW) == {}
    for at in (NOW - timedelta(minutes=5, seconds=1), NOW + timedelta(minutes=6)):
        with pytest.raises(InvalidSignature) as err:
            verify(body=body, headers=signed(secret, body, at=at), secret=secret, now=NOW)
        assert err.value.field == "webhook-timestamp"


def test_wrong_secret_missing_header_and_other_schemes_are_refused() -> None:
    secret, other = new_secret(), new_secret()
    body = b"{}"
    with pytest.raises(InvalidSignature):
        verify(body=body, headers=signed(other, body), secret=secret, now=NOW)
    headers = signed(secret, body)
    del headers["webhook-signature"]
    with pytest.raises(InvalidSignature) as err:
        verify(body=body, headers=headers, secret=secret, now=NOW)
    assert err.value.field == "webhook-signature"
    headers = signed(secret, body)
    headers["webhook-signature"] = headers["webhook-signature"].replace("v1,", "v1a,")
    with pytest.raises(InvalidSignature):
        verify(body=body, headers=headers, secret=secret, now=NOW)


def test_rotated_secret_signs_with_both_until_the_grace_ends(session: Session) -> None:
    endpoint = webhooks.create_endpoint(
        tenant_id=DEFAULT_TENANT,
        session=session,
        url="http://127.0.0.1:9/h",
        event_types=[],
        description="",
        now=NOW,
    )
    old = webhooks.active_secrets(endpoint, NOW)[0]
    new = webhooks.rotate_secret(session=session, endpoint=endpoint, now=NOW)
    assert webhooks.active_secrets(endpoint, NOW) == [new, old]

    delivery_body = b'{"type":"handoff.resolved"}'
    during = webhooks.active_secrets(endpoint, NOW + timedelta(hours=23))
    headers = signed(during, delivery_body, at=NOW + timedelta(hours=23))
    assert len(headers["webhook-signature"].split()) == 2
    for receiver_secret in (old, new):
        verify(
            body=delivery_body,
            headers=headers,
            secret=receiver_secret,
            now=NOW + timedelta(hours=23),
        )

    after = NOW + timedelta(hours=25)
    assert webhooks.active_secrets(endpoint, after) == [new]
    headers = signed(webhooks.active_secrets(endpoint, after), delivery_body, at=after)
    verify(body=delivery_body, headers=headers, secret=new, now=after)
    with pytest.raises(InvalidSignature):
        verify(body=delivery_body, headers=headers, secret=old, now=after)


def test_the_former_import_path_is_the_same_helper() -> None:
    import baton.verify
    import baton.webhooks

    assert baton.webhooks.verify is baton.verify.verify
    assert baton.webhooks.InvalidSignature is InvalidSignature
