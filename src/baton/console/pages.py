"""The console's pages: the inbox, a case with its brief on top, the knowledge base, the team."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from baton.api.deps import Now, SessionDep
from baton.console.auth import AgentRuntimeDep, SignedInDep
from baton.console.web import ConsoleRoute, render
from baton.desk import agents, canned, cases, followup, inbox, knowledge, notes, service
from baton.desk.sessions import SignedIn
from baton.desk.suggest import fields_from, suggest
from baton.domain import Brief
from baton.errors import Forbidden, InvalidRequest, NotFound
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.store import repositories as repo
from baton.store.tables import HandoffRow

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
NOTICES = {
    "accepted": "You accepted the case.",
    "replied": "Your reply was sent.",
    "took": "You accepted the case by replying: it is yours, and your reply was sent.",
    "transferred": "The case was transferred.",
    "resolved": "The case is resolved.",
    "labelled": "The label was saved.",
    "ticket": "The ticket fields were saved.",
    "followup": "You opened a follow-up of the resolved case; it is yours.",
    "noted": "Your internal note was saved. Only agents see it.",
    "reply_saved": "The canned reply was saved.",
    "reply_deleted": "The canned reply was deleted.",
    "reply_seeded": "The policy's replies were added to the team's library.",
    "presence": "Your presence was updated.",
    "agent": "The account was created.",
}


def _base(signed: SignedIn, notice: str | None = None) -> dict[str, Any]:
    return {"signed": signed, "agent": signed.agent, "notice": NOTICES.get(notice or "")}


def _lists(session: SessionDep, signed: SignedIn, policy: Policy) -> dict[str, Any]:
    names = [q.name for q in policy.queues]
    served = agents.visible_queues(signed.agent, names)
    return {
        "mine": inbox.mine(session=session, agent_id=signed.agent.id, policy=policy),
        "waiting": inbox.waiting(
            session=session, tenant_id=signed.agent.tenant_id, queues=served, policy=policy
        ),
        "served": served,
    }


@router.get("", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/console/inbox", status_code=303)


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    session: SessionDep,
    runtime: AgentRuntimeDep,
    signed: SignedInDep,
    now: Now,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The queues the agent serves, by priority with SLA countdowns, and their own cases."""
    context = {
        **_base(signed, done),
        **_lists(session, signed, runtime.policy),
        "now": now,
        "cursor": inbox.last_event_id(session=session),
    }
    return render(request, "inbox.html", context)


@router.get("/inbox/fragment", response_class=HTMLResponse)
def inbox_fragment(
    request: Request,
    session: SessionDep,
    runtime: AgentRuntimeDep,
    signed: SignedInDep,
    now: Now,
) -> Response:
    """The inbox's lists alone, for the page to swap in when the stream says something changed."""
    context = {**_base(signed), **_lists(session, signed, runtime.policy), "now": now}
    return render(request, "_lists.html", context)


@router.get("/cases", response_class=HTMLResponse)
def all_cases(
    request: Request,
    session: SessionDep,
    runtime: AgentRuntimeDep,
    signed: SignedInDep,
    now: Now,
    q: Annotated[str, Query(max_length=200)] = "",
    queue: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[str, Query(max_length=16)] = "open",
    agent: Annotated[str, Query(max_length=40)] = "",
    sla: Annotated[str, Query(max_length=16)] = "any",
) -> Response:
    """Every open and team case the agent may see, searched and filtered, SLA risk shown."""
    if status not in cases.STATUSES:
        raise InvalidRequest(f"status is one of {', '.join(cases.STATUSES)}", field="status")
    if sla not in cases.SLA_RISKS:
        raise InvalidRequest(f"sla is one of {', '.join(cases.SLA_RISKS)}", field="sla")
    names = [q_.name for q_ in runtime.policy.queues]
    filters = cases.Filters(q=q, queue=queue, status=status, agent=agent, sla=sla)
    team = agents.list_all(session=session, tenant_id=signed.agent.tenant_id)
    context = {
        **_base(signed),
        "filters": filters,
        "found": cases.search(
            session=session, agent=signed.agent, policy=runtime.policy, filters=filters, now=now
        ),
        "queues": agents.visible_queues(signed.agent, names),
        "statuses": cases.STATUSES,
        "risks": cases.SLA_RISKS,
        "team": team,
        "names": {a.id: a.name for a in team},
        "now": now,
    }
    return render(request, "cases.html", context)


def _actions(handoff: HandoffRow, signed: SignedIn) -> dict[str, bool]:
    status = HandoffStatus(handoff.status)
    mine = handoff.agent_id == signed.agent.id
    lead = agents.role_of(signed.agent).sees_every_queue
    open_ = status in (HandoffStatus.QUEUED, HandoffStatus.ASSIGNED, HandoffStatus.ACTIVE)
    accept = status is HandoffStatus.QUEUED or (status is HandoffStatus.ASSIGNED and mine)
    return {
        "accept": accept,
        # Replying to a case the agent may accept accepts it first; the page says so.
        "reply": accept or (mine and status is HandoffStatus.ACTIVE),
        "transfer": open_ and (mine or lead or status is HandoffStatus.QUEUED),
        "resolve": open_ and (mine or lead),
        "label": status is HandoffStatus.RESOLVED and (mine or lead),
    }


@router.get("/cases/{handoff_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    handoff_id: str,
    session: SessionDep,
    runtime: AgentRuntimeDep,
    signed: SignedInDep,
    now: Now,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The brief on top, then the transcript, the customer's profile, and the reply box."""
    handoff = service.load(session=session, handoff_id=handoff_id, agent=signed.agent)
    brief = Brief.model_validate(handoff.brief)
    conversation = repo.get_conversation_row(
        session=session, tenant_id=handoff.tenant_id, conversation_id=handoff.conversation_id
    )
    hits = knowledge.for_brief(session=session, tenant_id=handoff.tenant_id, brief=brief)
    events = repo.list_handoff_events(session=session, handoff_id=handoff.id)
    team = agents.list_all(session=session, tenant_id=signed.agent.tenant_id)
    policy = runtime.policy
    context = {
        **_base(signed, done),
        "handoff": handoff,
        "line": inbox.case_line(handoff, policy),
        "brief": brief,
        "turns": repo.list_turn_rows(
            session=session, tenant_id=handoff.tenant_id, conversation_id=handoff.conversation_id
        ),
        "handed_at": len(brief.transcript),
        "customer": (conversation.customer if conversation else None) or {},
        "history": cases.customer_history(
            session=session,
            handoff=handoff,
            customer=(conversation.customer if conversation else None) or {},
        ),
        "ticket": service.ticket(session=session, handoff=handoff),
        "suggestions": suggest(
            brief=brief,
            policy=policy,
            knowledge=hits,
            agent_name=service.first_name(signed.agent),
            queue=handoff.queue,
        ),
        "knowledge": hits,
        "notes": notes.for_case(
            session=session, tenant_id=handoff.tenant_id, handoff_id=handoff.id
        ),
        "canned": [
            {"shortcut": c.shortcut, "text": c.text, "team": c.team}
            for c in canned.filled(
                canned.library(session=session, agent=signed.agent),
                fields_from(
                    brief, agent_name=service.first_name(signed.agent), queue=handoff.queue
                ),
            )
        ],
        "events": events,
        "responded": any(e.type == EventType.REPLIED.value for e in events),
        "names": {a.id: a.name for a in team},
        "queues": [q.name for q in policy.queues],
        "colleagues": [a for a in team if a.id != signed.agent.id and a.disabled_at is None],
        "codes": policy.desk.resolution_codes,
        "outcomes": list(service.Outcome),
        "can": {
            **_actions(handoff, signed),
            "follow_up": followup.window_open(
                session, handoff, hours=policy.desk.follow_up_hours, now=now
            )
            and repo.get_open_handoff_row(
                session=session,
                tenant_id=handoff.tenant_id,
                conversation_id=handoff.conversation_id,
            )
            is None,
        },
        "now": now,
    }
    return render(request, "case.html", context)


@router.get("/cases/{handoff_id}/ticket.json")
def ticket_export(handoff_id: str, session: SessionDep, signed: SignedInDep) -> Response:
    """The ticket fields as a JSON download, for a helpdesk import."""
    handoff = service.load(session=session, handoff_id=handoff_id, agent=signed.agent)
    fields = service.ticket(session=session, handoff=handoff).model_dump(mode="json")
    body = {"handoff_id": handoff.id, "conversation_id": handoff.conversation_id, **fields}
    return JSONResponse(
        body,
        headers={
            "Content-Disposition": f'attachment; filename="{handoff.id}-ticket.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/kb", response_class=HTMLResponse)
def kb_search(
    request: Request,
    session: SessionDep,
    signed: SignedInDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    hits = (
        knowledge.search(session=session, tenant_id=signed.agent.tenant_id, query=q, limit=20)
        if q
        else []
    )
    return render(request, "kb.html", {**_base(signed), "q": q, "hits": hits})


@router.get("/kb/{slug}", response_class=HTMLResponse)
def kb_article(request: Request, slug: str, session: SessionDep, signed: SignedInDep) -> Response:
    article = knowledge.get(session=session, tenant_id=signed.agent.tenant_id, slug=slug)
    if article is None:
        raise NotFound(f"no article {slug!r}", field="slug")
    return render(request, "article.html", {**_base(signed), "article": article})


@router.get("/replies", response_class=HTMLResponse)
def replies_page(
    request: Request,
    session: SessionDep,
    signed: SignedInDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The canned-reply library: the agent's own, and the team's (edited by leads)."""
    rows = canned.library(session=session, agent=signed.agent)
    context = {
        **_base(signed, done),
        "own": [r for r in rows if r.owner != canned.TEAM],
        "team": [r for r in rows if r.owner == canned.TEAM],
        "is_lead": agents.role_of(signed.agent).sees_every_queue,
    }
    return render(request, "replies.html", context)


@router.get("/agents", response_class=HTMLResponse)
def team_page(
    request: Request,
    session: SessionDep,
    runtime: AgentRuntimeDep,
    signed: SignedInDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Supervisors and admins see the team and its load; admins add accounts."""
    if not agents.role_of(signed.agent).sees_every_queue:
        raise Forbidden("the team page is for supervisors and admins", field="role")
    team = [
        (a, service.open_cases(session=session, agent_id=a.id))
        for a in agents.list_all(session=session, tenant_id=signed.agent.tenant_id)
    ]
    context = {
        **_base(signed, done),
        "team": team,
        "queues": [q.name for q in runtime.policy.queues],
        "roles": list(agents.AgentRole),
        "is_admin": agents.role_of(signed.agent) is agents.AgentRole.ADMIN,
    }
    return render(request, "agents.html", context)
