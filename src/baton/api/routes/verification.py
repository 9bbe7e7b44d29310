"""Confirm a customer's e-mail address with a one-time code before Baton writes to it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, EmailStr, Field, StringConstraints

from baton.api.deps import ApiKeyDep, Now, RuntimeDep, SessionDep
from baton.api.errors import error_body
from baton.api.routes.turns import _ERRORS, ConversationId
from baton.reroute import refresh_offers
from baton.transfer import verify

router = APIRouter(prefix="/v1", tags=["bot"])

_PROBLEMS = {
    "none_pending": (422, "code_not_pending", "no code is waiting for this conversation"),
    "expired": (422, "code_expired", "the code has expired or was tried too often; ask again"),
    "wrong": (422, "code_wrong", "the code does not match"),
}


class VerificationStart(BaseModel):
    email: EmailStr = Field(max_length=320, description="the address the customer gave")


class VerificationStarted(BaseModel):
    email: str
    expires_at: datetime


class VerificationConfirm(BaseModel):
    code: Annotated[str, StringConstraints(pattern=r"^\s*\d{6}\s*$")] = Field(
        description="the six digits the customer read back"
    )


class VerificationConfirmed(BaseModel):
    email: str
    email_verified: bool = True


@router.post(
    "/conversations/{conversation_id}/email/verify",
    response_model=VerificationStarted,
    status_code=202,
    responses={**_ERRORS, 404: _ERRORS[409], 429: _ERRORS[409]},
)
def post_email_verify(
    body: VerificationStart,
    session: SessionDep,
    now: Now,
    _key: ApiKeyDep,
    conversation_id: str = ConversationId,
) -> VerificationStarted:
    """E-mail a one-time code to the address the customer gave; the bot relays it back."""
    expires = verify.start(
        session=session, conversation_id=conversation_id, email=str(body.email), now=now
    )
    return VerificationStarted(email=str(body.email), expires_at=expires)


@router.post(
    "/conversations/{conversation_id}/email/confirm",
    response_model=VerificationConfirmed,
    responses={**_ERRORS, 404: _ERRORS[409]},
)
def post_email_confirm(
    body: VerificationConfirm,
    session: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    _key: ApiKeyDep,
    conversation_id: str = ConversationId,
) -> VerificationConfirmed | JSONResponse:
    """Check the code the customer typed; a wrong try is counted even though it answers 422."""
    outcome = verify.confirm(
        session=session, conversation_id=conversation_id, code=body.code.strip(), now=now
    )
    if outcome.email is None:
        status, code, message = _PROBLEMS[outcome.problem or "wrong"]
        return JSONResponse(error_body(code, message, "code"), status_code=status)
    refresh_offers(session, policy=runtime.policy, conversation_id=conversation_id, now=now)
    return VerificationConfirmed(email=outcome.email)
