"""The console's forms: each checks the CSRF token, runs one desk action, commits, and redirects."""

from __future__ import annotations

import mimetypes
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from baton.api.deps import Now, get_session
from baton.console.auth import AgentRuntimeDep, CsrfChecked
from baton.console.web import ConsoleRoute
from baton.desk import agents, canned, followup, notes, offers, service, signals
from baton.domain import MAX_TEXT_CHARS, Attachment, TicketFields
from baton.errors import Forbidden, InvalidRequest
from baton.store.tables import AgentRow

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
# Commits before the redirect is sent, so the page it leads to shows the change.
UnitOfWork = Annotated[Session, Depends(get_session, scope="function")]
ShortText = Annotated[str, Form(max_length=2000)]


def _back(handoff_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/console/cases/{handoff_id}?done={done}", status_code=303)


@router.post("/presence")
def presence(
    session: UnitOfWork, signed: CsrfChecked, now: Now, value: Annotated[agents.Presence, Form()]
) -> RedirectResponse:
    offers.change_presence(session=session, agent_id=signed.agent.id, presence=value, now=now)
    return RedirectResponse("/console/inbox?done=presence", status_code=303)


@router.post("/cases/{handoff_id}/accept")
def accept(handoff_id: str, session: UnitOfWork, signed: CsrfChecked, now: Now) -> RedirectResponse:
    service.accept(
        session=session, handoff_id=handoff_id, agent=_me(session, signed.agent.id), now=now
    )
    return _back(handoff_id, "accepted")


@router.post("/cases/{handoff_id}/reply")
def reply(
    handoff_id: str,
    session: UnitOfWork,
    signed: CsrfChecked,
    now: Now,
    text: Annotated[str, Form(max_length=MAX_TEXT_CHARS)] = "",
    attachment_url: Annotated[str, Form(max_length=2048)] = "",
    attachment_name: Annotated[str, Form(max_length=255)] = "",
) -> RedirectResponse:
    """Send the customer a message; a case not yet the agent's is accepted first (the page says
    so beside the button), as agents expect from other desks."""
    agent = _me(session, signed.agent.id)
    if not text.strip():
        raise InvalidRequest("the reply is empty", field="text")
    files = _attachment(attachment_url, attachment_name)
    took = service.accept_to_reply(session=session, handoff_id=handoff_id, agent=agent, now=now)
    service.reply(
        session=session, handoff_id=handoff_id, agent=agent, text=text, now=now, attachments=files
    )
    return _back(handoff_id, "took" if took else "replied")


@router.post("/cases/{handoff_id}/presence", status_code=204)
def case_presence(
    handoff_id: str,
    session: UnitOfWork,
    signed: CsrfChecked,
    now: Now,
    typing: Annotated[str, Form(pattern="^[01]$")] = "0",
) -> Response:
    """The page's heartbeat: this agent has the case open (and is typing when `typing=1`)."""
    agent = _me(session, signed.agent.id)
    handoff = service.load(session=session, handoff_id=handoff_id, agent=agent)
    signals.agent_here(session=session, handoff=handoff, agent=agent, typing=typing == "1", now=now)
    return Response(status_code=204)


@router.post("/cases/{handoff_id}/notes")
def add_note(
    handoff_id: str,
    session: UnitOfWork,
    signed: CsrfChecked,
    now: Now,
    text: Annotated[str, Form(max_length=notes.MAX_NOTE_CHARS)] = "",
) -> RedirectResponse:
    """An internal note for the tenant's agents; nothing is sent to the customer or the bot."""
    notes.add(
        session=session,
        handoff_id=handoff_id,
        agent=_me(session, signed.agent.id),
        text=text,
        now=now,
    )
    return _back(handoff_id, "noted")


@router.post("/cases/{handoff_id}/follow-up")
def follow_up(
    handoff_id: str, session: UnitOfWork, runtime: AgentRuntimeDep, signed: CsrfChecked, now: Now
) -> RedirectResponse:
    """A new case linked to this resolved one (never a reopen), taken by the agent."""
    follow = followup.open_follow_up(
        session=session,
        runtime=runtime,
        handoff_id=handoff_id,
        agent=_me(session, signed.agent.id),
        now=now,
    )
    return _back(follow.id, "followup")


@router.post("/replies")
def save_reply(
    session: UnitOfWork,
    signed: CsrfChecked,
    now: Now,
    shortcut: Annotated[str, Form(max_length=41)],
    text: Annotated[str, Form(max_length=MAX_TEXT_CHARS)],
    scope: Annotated[str, Form(pattern="^(mine|team)$")] = "mine",
) -> RedirectResponse:
    """Add or change a canned reply in the agent's own library or, for leads, the team's."""
    canned.save(
        session=session,
        agent=_me(session, signed.agent.id),
        team=scope == "team",
        shortcut=shortcut,
        text=text,
        now=now,
    )
    return RedirectResponse("/console/replies?done=reply_saved", status_code=303)


@router.post("/replies/seed")
def seed_replies(
    session: UnitOfWork, runtime: AgentRuntimeDep, signed: CsrfChecked, now: Now
) -> RedirectResponse:
    """Copy the policy's reply templates into the team's library (leads only)."""
    agent = _me(session, signed.agent.id)
    canned.seed(session=session, agent=agent, policy=runtime.policy, now=now)
    return RedirectResponse("/console/replies?done=reply_seeded", status_code=303)


@router.post("/replies/{reply_id}/delete")
def delete_reply(
    reply_id: Annotated[int, Path(ge=1, le=2**62)], session: UnitOfWork, signed: CsrfChecked
) -> RedirectResponse:
    canned.remove(session=session, agent=_me(session, signed.agent.id), reply_id=reply_id)
    return RedirectResponse("/console/replies?done=reply_deleted", status_code=303)


@router.post("/cases/{handoff_id}/transfer")
def transfer(
    handoff_id: str,
    session: UnitOfWork,
    runtime: AgentRuntimeDep,
    signed: CsrfChecked,
    now: Now,
    target: Annotated[str, Form(max_length=120)],
    note: ShortText = "",
) -> RedirectResponse:
    """`target` is `queue:<name>` or `agent:<id>`, as the form's one select offers them."""
    kind, _, value = target.partition(":")
    if kind not in ("queue", "agent") or not value:
        raise InvalidRequest("choose a queue or an agent", field="target")
    service.transfer(
        session=session,
        handoff_id=handoff_id,
        agent=_me(session, signed.agent.id),
        policy=runtime.policy,
        now=now,
        to_queue=value if kind == "queue" else None,
        to_agent_id=value if kind == "agent" else None,
        note=note,
    )
    return RedirectResponse("/console/inbox?done=transferred", status_code=303)


def _necessary(value: str) -> bool:
    if value not in ("yes", "no"):
        raise InvalidRequest("say whether the handoff was necessary", field="necessary")
    return value == "yes"


@router.post("/cases/{handoff_id}/resolve")
def resolve(
    handoff_id: str,
    session: UnitOfWork,
    runtime: AgentRuntimeDep,
    signed: CsrfChecked,
    now: Now,
    code: Annotated[str, Form(max_length=64)],
    outcome: Annotated[service.Outcome, Form()],
    necessary: Annotated[str, Form(max_length=3)] = "",
    note: ShortText = "",
) -> RedirectResponse:
    service.resolve(
        session=session,
        handoff_id=handoff_id,
        agent=_me(session, signed.agent.id),
        policy=runtime.policy,
        code=code,
        outcome=outcome,
        necessary=_necessary(necessary),
        now=now,
        note=note,
    )
    return _back(handoff_id, "resolved")


@router.post("/cases/{handoff_id}/label")
def label(
    handoff_id: str,
    session: UnitOfWork,
    signed: CsrfChecked,
    now: Now,
    necessary: Annotated[str, Form(max_length=3)] = "",
) -> RedirectResponse:
    agent = _me(session, signed.agent.id)
    service.label(
        session=session,
        handoff_id=handoff_id,
        agent=agent,
        necessary=_necessary(necessary),
        now=now,
    )
    return _back(handoff_id, "labelled")


@router.post("/cases/{handoff_id}/ticket")
def ticket(
    handoff_id: str,
    session: UnitOfWork,
    signed: CsrfChecked,
    now: Now,
    subject: Annotated[str, Form(min_length=1, max_length=300)],
    category: Annotated[str, Form(min_length=1, max_length=120)],
    priority: Annotated[str, Form(min_length=1, max_length=32)],
    description: Annotated[str, Form(max_length=8000)] = "",
    requester: Annotated[str, Form(max_length=200)] = "",
    tags: ShortText = "",
) -> RedirectResponse:
    """Save the agent's edits to the pre-filled ticket fields."""
    agent = _me(session, signed.agent.id)
    handoff = service.load(session=session, handoff_id=handoff_id, agent=agent)
    current = service.ticket(session=session, handoff=handoff)
    fields = TicketFields(
        subject=subject.strip(),
        description=description.strip(),
        category=category.strip(),
        priority=priority.strip(),
        requester=requester.strip() or None,
        tags=tuple(t.strip() for t in tags.split(",") if t.strip()),
        custom=current.custom,
    )
    service.save_ticket(session=session, handoff_id=handoff_id, agent=agent, fields=fields, now=now)
    return _back(handoff_id, "ticket")


@router.post("/agents")
def create_agent(
    session: UnitOfWork,
    runtime: AgentRuntimeDep,
    signed: CsrfChecked,
    now: Now,
    email: Annotated[str, Form(max_length=320)],
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[agents.AgentRole, Form()] = agents.AgentRole.AGENT,
    queues: Annotated[list[str] | None, Form()] = None,
    capacity: Annotated[int, Form(ge=1, le=50)] = 3,
) -> RedirectResponse:
    """Admins add agents, supervisors and admins."""
    if agents.role_of(signed.agent) is not agents.AgentRole.ADMIN:
        raise Forbidden("only an admin adds accounts", field="role")
    known = {q.name for q in runtime.policy.queues}
    unknown = [q for q in queues or [] if q not in known]
    if unknown:
        raise InvalidRequest(f"unknown queues: {', '.join(unknown)}", field="queues")
    agents.create(
        session=session,
        tenant_id=signed.agent.tenant_id,
        email=email,
        name=name,
        password=password,
        role=role,
        queues=queues or [],
        capacity=capacity,
        actor=f"agent:{signed.agent.id}",
        now=now,
    )
    return RedirectResponse("/console/agents?done=agent", status_code=303)


def _attachment(url: str, name: str) -> tuple[Attachment, ...]:
    """The file an agent attached by URL, if any; its type is guessed from the name."""
    url = url.strip()
    if not url:
        return ()
    shown = name.strip() or url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "file"
    guessed = mimetypes.guess_type(shown)[0] or mimetypes.guess_type(url.split("?")[0])[0]
    try:
        return (
            Attachment(
                url=url,
                name=shown[:255],
                content_type=(guessed or "application/octet-stream").lower(),
            ),
        )
    except ValidationError as exc:
        where = str(exc.errors()[0]["loc"][0]) if exc.errors() else "url"
        raise InvalidRequest(
            f"the attachment's {where} is not valid", field=f"attachment_{where}"
        ) from exc


def _me(session: Session, agent_id: str) -> AgentRow:
    """The signed-in agent, loaded in this unit of work."""
    agent = agents.get(session=session, agent_id=agent_id)
    if agent is None:
        raise Forbidden("your account no longer exists", field="agent")
    return agent
