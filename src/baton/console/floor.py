"""The supervisors' live floor: `/console/floor`, its fragment for live swaps (the inbox stream
says when something changed), and reassigning a case from there."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from baton.api.deps import Now, SessionDep
from baton.console.actions import UnitOfWork, _me
from baton.console.auth import AgentRuntimeDep, CsrfChecked, SignedInDep
from baton.console.web import ConsoleRoute, render
from baton.desk import agents, board, inbox, service
from baton.desk.sessions import SignedIn
from baton.engine import Runtime
from baton.errors import Forbidden

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


def _lead(signed: SignedIn) -> None:
    if not agents.role_of(signed.agent).sees_every_queue:
        raise Forbidden("the floor is for supervisors and admins", field="role")


def _context(session: Session, runtime: Runtime, signed: SignedIn, now: Any) -> dict[str, Any]:
    floor = board.floor_view(
        session=session, tenant_id=signed.agent.tenant_id, policy=runtime.policy, now=now
    )
    return {
        "signed": signed,
        "agent": signed.agent,
        "floor": floor,
        "team": [a for a in floor.agents],
        "now": now,
    }


@router.get("/floor", response_class=HTMLResponse)
def floor_page(
    request: Request,
    session: SessionDep,
    runtime: AgentRuntimeDep,
    signed: SignedInDep,
    now: Now,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Backlog, longest wait, cases at SLA risk and the team's presence and load, live."""
    _lead(signed)
    context = {
        **_context(session, runtime, signed, now),
        "notice": "The case was reassigned." if done == "reassigned" else None,
        "cursor": inbox.last_event_id(session=session),
    }
    return render(request, "floor.html", context)


@router.get("/floor/fragment", response_class=HTMLResponse)
def floor_fragment(
    request: Request, session: SessionDep, runtime: AgentRuntimeDep, signed: SignedInDep, now: Now
) -> Response:
    _lead(signed)
    return render(request, "_floor.html", _context(session, runtime, signed, now))


@router.post("/floor/cases/{handoff_id}/reassign")
def reassign(
    handoff_id: str,
    session: UnitOfWork,
    runtime: AgentRuntimeDep,
    signed: CsrfChecked,
    now: Now,
    agent_id: Annotated[str, Form(max_length=40)],
) -> RedirectResponse:
    """Give the case to another agent (a transfer to them, noted as the supervisor's)."""
    _lead(signed)
    service.transfer(
        session=session,
        handoff_id=handoff_id,
        agent=_me(session, signed.agent.id),
        policy=runtime.policy,
        now=now,
        to_agent_id=agent_id,
        note="reassigned from the floor",
    )
    return RedirectResponse("/console/floor?done=reassigned", status_code=303)
