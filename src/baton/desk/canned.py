"""Canned replies: the team's library and each agent's own, inserted with `/shortcut`.

A reply names brief fields as `{field}` (`customer_name`, `agent_name`, each identifier kind:
see `baton.desk.suggest.fields_from`). On a case the fields the brief has are filled in; one it
lacks stays as `{field}` in the reply box, for the agent to fill before sending. The team's
library is edited by supervisors and admins, an agent's own by that agent; the policy's
`desk.replies` can seed the team's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk.agents import AgentRole, role_of
from baton.desk.suggest import _FIELD
from baton.domain import MAX_TEXT_CHARS
from baton.errors import Forbidden, InvalidRequest, NotFound
from baton.policy import Policy
from baton.store.tables import AgentRow, CannedReplyRow

TEAM = "team"
SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,39}$")


@dataclass(frozen=True)
class Filled:
    """A library entry as the case page offers it: the shortcut and the text, filled."""

    shortcut: str
    text: str
    team: bool


def _may_edit(agent: AgentRow, owner: str) -> bool:
    if owner == TEAM:
        return role_of(agent) is not AgentRole.AGENT
    return owner == agent.id


def library(*, session: Session, agent: AgentRow) -> list[CannedReplyRow]:
    """The agent's own replies, then the team's, each by shortcut: an own reply wins a clash."""
    rows = session.scalars(
        select(CannedReplyRow)
        .where(
            CannedReplyRow.tenant_id == agent.tenant_id,
            CannedReplyRow.owner.in_([TEAM, agent.id]),
        )
        .order_by(CannedReplyRow.shortcut)
    )
    return sorted(rows, key=lambda r: (r.owner == TEAM, r.shortcut))


def save(
    *,
    session: Session,
    agent: AgentRow,
    team: bool,
    shortcut: str,
    text: str,
    now: datetime,
) -> CannedReplyRow:
    """Add a reply, or change the text of the one with that shortcut in the same library."""
    shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise InvalidRequest(
            "a shortcut is 1 to 40 of a-z, 0-9, '-' and '_', starting with a letter or digit",
            field="shortcut",
        )
    text = text.strip()
    if not text:
        raise InvalidRequest("the reply is empty", field="text")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidRequest(f"a reply is at most {MAX_TEXT_CHARS} characters", field="text")
    owner = TEAM if team else agent.id
    if not _may_edit(agent, owner):
        raise Forbidden("only supervisors and admins edit the team's replies", field="scope")
    row = session.scalar(
        select(CannedReplyRow).where(
            CannedReplyRow.tenant_id == agent.tenant_id,
            CannedReplyRow.owner == owner,
            CannedReplyRow.shortcut == shortcut,
        )
    )
    if row is None:
        row = CannedReplyRow(tenant_id=agent.tenant_id, owner=owner, shortcut=shortcut, text="")
        session.add(row)
    row.text, row.updated_by, row.updated_at = text, agent.id, now
    session.flush()
    return row


def remove(*, session: Session, agent: AgentRow, reply_id: int) -> None:
    """Delete a reply from a library the agent may edit; another tenant's is not found."""
    row = session.get(CannedReplyRow, reply_id)
    if row is None or row.tenant_id != agent.tenant_id or row.owner not in (TEAM, agent.id):
        raise NotFound(f"no canned reply {reply_id}", field="reply_id")
    if not _may_edit(agent, row.owner):
        raise Forbidden("only supervisors and admins edit the team's replies", field="scope")
    session.delete(row)
    session.flush()


def seed(*, session: Session, agent: AgentRow, policy: Policy, now: datetime) -> int:
    """Copy the policy's reply templates into the team's library, under their names as
    shortcuts; a shortcut already there is left as the team edited it. Returns how many."""
    if not _may_edit(agent, TEAM):
        raise Forbidden("only supervisors and admins edit the team's replies", field="scope")
    have = {r.shortcut for r in library(session=session, agent=agent) if r.owner == TEAM}
    added = 0
    for template in policy.desk.replies:
        name = template.name.lower()[:40]
        if name in have or not SHORTCUT.match(name):
            continue
        save(session=session, agent=agent, team=True, shortcut=name, text=template.text, now=now)
        have.add(name)
        added += 1
    return added


def filled(rows: list[CannedReplyRow], values: dict[str, str]) -> list[Filled]:
    """Each reply with the fields the case has filled in; one shortcut once (own first)."""
    out: list[Filled] = []
    seen: set[str] = set()
    for row in rows:
        if row.shortcut in seen:
            continue
        seen.add(row.shortcut)
        text = _FIELD.sub(lambda m: values.get(m.group(1)) or m.group(0), row.text)
        out.append(Filled(shortcut=row.shortcut, text=text, team=row.owner == TEAM))
    return out
