"""Baton's exception tree; each error carries a stable `code`, an HTTP status and the field.

    BatonError                      500 internal_error
    ├── InvalidRequest              422 invalid_request (and the finer codes below)
    │   ├── PayloadTooLarge         413 payload_too_large
    │   └── PolicyInvalid           422 policy_invalid
    ├── Unauthorized                401 unauthorized
    │   └── InvalidSignature        401 invalid_signature (a webhook that fails verification)
    ├── Forbidden                   403 forbidden
    ├── NotFound                    404 not_found
    │   ├── ConversationNotFound    404 conversation_not_found
    │   ├── HandoffNotFound         404 handoff_not_found
    │   ├── EndpointNotFound        404 webhook_endpoint_not_found
    │   ├── DeliveryNotFound        404 webhook_delivery_not_found
    │   └── AgentNotFound           404 agent_not_found
    ├── Conflict                    409 conflict
    │   ├── TurnConflict            409 turn_conflict
    │   ├── IllegalTransition       409 illegal_transition
    │   ├── EndpointDisabled        409 webhook_endpoint_disabled
    │   ├── CsatAlreadyRecorded     409 csat_already_recorded
    │   ├── OfferConflict           409 offer_conflict (not this agent's pending offer)
    │   └── AgentUnavailable        409 agent_unavailable (offline, or no free slot)
    ├── RateLimited                 429 rate_limited (with Retry-After)
    │   ├── TooManyStreams          429 too_many_streams (event streams open per key)
    │   └── LoginThrottled          429 login_throttled (wrong passwords, per account/address)
    └── StoreUnavailable            503 store_unavailable (with Retry-After)

The API maps each class to its status and code in one place (`baton.api.errors`).
"""

from __future__ import annotations


class BatonError(Exception):
    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidRequest(BatonError):
    status = 422
    code = "invalid_request"


class PayloadTooLarge(InvalidRequest):
    status = 413
    code = "payload_too_large"


class PolicyInvalid(InvalidRequest):
    code = "policy_invalid"

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None) -> None:
        where = f" (line {line})" if line is not None else ""
        super().__init__(f"{message}{where}", field=field)
        self.line = line


class Unauthorized(BatonError):
    status = 401
    code = "unauthorized"


class InvalidSignature(Unauthorized):
    code = "invalid_signature"


class Forbidden(BatonError):
    status = 403
    code = "forbidden"


class NotFound(BatonError):
    status = 404
    code = "not_found"


class ConversationNotFound(NotFound):
    code = "conversation_not_found"


class HandoffNotFound(NotFound):
    code = "handoff_not_found"


class EndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"


class DeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"


class AgentNotFound(NotFound):
    code = "agent_not_found"


class Conflict(BatonError):
    status = 409
    code = "conflict"


class TurnConflict(Conflict):
    code = "turn_conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class EndpointDisabled(Conflict):
    code = "webhook_endpoint_disabled"


class CsatAlreadyRecorded(Conflict):
    code = "csat_already_recorded"


class OfferConflict(Conflict):
    code = "offer_conflict"


class AgentUnavailable(Conflict):
    code = "agent_unavailable"


class RateLimited(BatonError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class TooManyStreams(RateLimited):
    code = "too_many_streams"


class LoginThrottled(RateLimited):
    code = "login_throttled"


class StoreUnavailable(BatonError):
    """The database cannot be reached or cannot take writes (restarting, full); retry later."""

    status = 503
    code = "store_unavailable"
    retry_after = 1
