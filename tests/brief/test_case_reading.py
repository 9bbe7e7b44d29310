"""The issue-21 case, through the real engine: the brief follows the case, not its first line."""

from __future__ import annotations

from sqlalchemy.orm import Session

from baton.domain import BotSignal, Brief, ReasonCode, Role, Turn
from baton.engine import process_turn
from baton.store.tables import DEFAULT_TENANT, HandoffRow
from tests.factories.desk import later, runtime

FELL_BACK = BotSignal(confidence=0.1, fallback=True)


def _say(session: Session, n: int, text: str, bot: BotSignal | None = FELL_BACK) -> str | None:
    turn = Turn(turn_id=f"t{n}", role=Role.USER, text=text, sent_at=later(n), bot=bot)
    result = process_turn(
        session,
        runtime=runtime(),
        tenant_id=DEFAULT_TENANT,
        conversation_id="c-21",
        turn=turn,
        customer=None,
        now=later(n),
    )
    session.flush()
    return result.handoff.id if result.handoff else None


def test_the_case_is_the_double_charge_and_the_agent_phase_is_not_the_bots(
    session: Session,
) -> None:
    _say(session, 1, "My card payment was declined at the supermarket.")
    handoff_id = _say(
        session,
        2,
        "this is useless, I want to talk to a real person about a double charge on my card",
    )
    assert handoff_id is not None
    row = session.get(HandoffRow, handoff_id)
    assert row is not None
    row.status = "assigned"  # a person holds it now
    _say(session, 3, "thank you so much, that is great, really appreciate it", bot=None)
    _say(session, 4, "wonderful, thanks!", bot=None)
    brief = Brief.model_validate(row.brief)
    assert brief.intent == "transaction_charged_twice"
    assert brief.next_action_step == "charge-review"
    assert "double charge" in brief.desired_outcome
    assert f'Wants: "{brief.desired_outcome}"' in brief.summary
    assert "useless" not in brief.next_best_action
    assert "useless" not in brief.ticket_fields.subject
    codes = {r.code for r in brief.reasons}
    assert ReasonCode.NEGATIVE_SENTIMENT in codes
    assert brief.sentiment is not None and brief.sentiment.label != "positive"
    assert brief.sentiment.trend > 0  # calmer now: improving, not forgotten
    assert brief.opened_at_turn in {"t1", "t2"}
    assert len(brief.transcript) == 4
