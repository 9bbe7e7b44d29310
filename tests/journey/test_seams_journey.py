"""The seams between the lifecycle's stages, each defect of issue 13 as a black-box test.

Everything goes through the public surfaces (the bot API, the desk calls the console makes, the
worker on a controllable clock), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from baton.config import Settings
from baton.store.tables import OfferRow
from tests.journey.driver import ASK_PERSON, FORCING, NEUTRAL, STRICT, Journey, journey


@pytest.fixture
def j(settings: Settings) -> Iterator[Journey]:
    with journey(settings) as live:
        yield live


def _offered(j: Journey, conversation: str) -> dict[str, object]:
    answer = j.bot_unsure(conversation)
    assert answer["decision"]["action"] == "offer", answer
    assert answer["handoff"]["status"] == "offered"
    return answer


def test_forced_offer_a_forcing_turn_during_an_open_offer_queues_the_case(j: Journey) -> None:
    offer = _offered(j, "c1")
    answer = j.turn("c1", FORCING)
    assert answer["decision"]["action"] == "handoff"
    assert {"human_requested", "policy_restricted"} <= {
        r["code"] for r in answer["decision"]["reasons"]
    }
    case = answer["handoff"]
    assert case["id"] == offer["handoff"]["id"]
    assert case["status"] == "queued"
    assert case["queue"] == "billing"
    assert case["priority"] > offer["handoff"]["priority"]
    assert answer["message"]
    assert answer["bot_active"] is False
    read = j.handoff_read(case["id"])
    assert read["first_response_due"] is not None
    assert "handoff.created" in [kind for kind, _ in j.stream("c1")]


def test_stale_state_handback_starts_a_fresh_episode(j: Journey) -> None:
    agent = j.add_agent("Ada", queues=("support", "billing", "account", "security"), capacity=3)
    offer = _offered(j, "c2")
    first = j.handoff("c2").json()["handoff"]["id"]
    assert first == offer["handoff"]["id"]
    assert j.conversation("c2")["bot_active"] is False
    j.accept(agent, first)
    j.reply(agent, first)
    j.resolve(agent, first, note="explained the opening hours")
    state = j.conversation("c2")
    assert (state["bot_active"], state["open_handoff_id"]) == (True, None)
    kind, handback = j.stream("c2")[-1]
    assert kind == "handback"
    assert handback["note"] == "explained the opening hours"
    assert handback["outcome"] == "resolved" and handback["code"]
    assert [a["type"] for a in handback["agent_actions"]] == ["accepted", "replied"]

    # The old failure streak is gone: one bot fall-back after handback does not force a person.
    answer = j.bot_fallback("c2")
    assert answer["decision"]["action"] != "handoff", answer
    assert (answer["episode"], answer["bot_active"]) == (2, True)


def test_mixed_brief_a_new_episode_brief_covers_only_its_turns_and_links_the_last(
    j: Journey,
) -> None:
    agent = j.add_agent("Ada", queues=("support", "billing", "account", "security"), capacity=3)
    first = j.turn("c3", ASK_PERSON)["handoff"]["id"]
    j.accept(agent, first)
    j.resolve(agent, first)
    second = j.turn("c3", "one more thing, I need a person again")
    assert second["decision"]["action"] == "handoff", second
    new_id = second["handoff"]["id"]
    assert new_id != first
    brief = j.brief(new_id)
    assert [line["turn_id"] for line in brief["transcript"]] == ["t2"]
    assert (brief["episode"], brief["earlier_handoffs"]) == (2, [first])
    assert j.handoff_read(new_id)["previous_handoff_id"] == first
    assert j.handoff_read(first)["status"] == "resolved"


def test_customer_left_by_cancel_and_by_turn_flag(j: Journey) -> None:
    j.turn("c4", ASK_PERSON)
    cancelled = j.cancel("c4")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["handoff"]["status"] == "abandoned"
    assert j.cancel("c4").json()["error"]["code"] == "illegal_transition"
    case = j.turn("c5", ASK_PERSON)["handoff"]["id"]
    answer = j.turn("c5", "never mind, bye", left=True)
    assert answer["bot_active"] is True
    events = j.events(case)
    assert events[-1] == ("abandoned", {"cause": "customer_left"})
    kinds = [kind for kind, _ in j.stream("c5")]
    assert kinds[-2:] == ["handoff.abandoned", "handback"]


def test_no_silence_the_worker_abandons_ignored_offers_and_silent_customers(j: Journey) -> None:
    offer = _offered(j, "c6")["handoff"]["id"]
    case = j.turn("c7", ASK_PERSON)["handoff"]["id"]
    lifecycle = j.runtime.policy.lifecycle
    j.clock.advance(lifecycle.offer_ignored_seconds)
    j.tick()
    assert j.events(offer)[-1] == ("abandoned", {"cause": "offer_ignored"})
    assert j.handoff_read(case)["status"] == "queued"
    j.clock.advance(lifecycle.customer_silent_seconds)
    j.tick()
    assert j.events(case)[-1] == ("abandoned", {"cause": "customer_silent"})
    kpis = j.kpis()
    # One case abandoned and none reached; the ignored offer was never a case.
    assert (kpis["overall"]["abandoned"], kpis["overall"]["completion_rate"]) == (1, 0.0)
    assert (kpis["episodes"], kpis["deflected"]) == (2, 1)


def test_deflection_counts_episodes_with_no_handoff_and_not_open_cases(j: Journey) -> None:
    j.turn("d1", NEUTRAL)
    j.turn("d2", ASK_PERSON)
    kpis = j.kpis()
    assert (kpis["episodes"], kpis["deflected"], kpis["deflection_rate"]) == (2, 1, 0.5)
    assert kpis["overall"]["completion_rate"] is None


def test_assigned_off_stream_handoff_assigned_reaches_the_bot(j: Journey) -> None:
    agent = j.add_agent("Ada", queues=("support",), capacity=1)
    j.presence(agent, "online")
    case = j.turn("c8", ASK_PERSON)["handoff"]["id"]
    assert j.tick().assigned == 1
    kind, data = j.stream("c8")[-1]
    assert (kind, data["handoff_id"], data["agent_id"]) == ("handoff.assigned", case, agent)


def test_every_decision_is_stamped_with_the_policy_and_the_models(j: Journey) -> None:
    answer = j.turn("c9", NEUTRAL)
    decision = answer["decision"]
    assert decision["policy_hash"] == j.runtime.policy_hash
    assert decision["model_version"] == j.runtime.model_version
    handoff = j.turn("c10", ASK_PERSON)["handoff"]["id"]
    _, created = j.events(handoff)[0]
    assert created["policy_hash"] == j.runtime.policy_hash


def test_same_instant_handoffs_link_to_the_one_before(j: Journey) -> None:
    """Found by the journey machine on PostgreSQL: handoffs opened in the same instant were
    ordered by their random ids, so a new one could link to an older one."""
    ids = []
    for _ in range(4):
        ids.append(j.turn("c11", ASK_PERSON)["handoff"]["id"])
        assert j.cancel("c11").status_code == 200
    links = [j.handoff_read(h)["previous_handoff_id"] for h in ids]
    assert links == [None, *ids[:-1]]


def test_resolving_a_case_still_offered_to_its_agent_closes_the_offer(j: Journey) -> None:
    """Found by a 1,200-step journey run: an agent resolved a case the worker had offered them
    without accepting it first, and the offer stayed pending on a resolved case for ever."""
    agent = j.add_agent("Ada", queues=("support",), capacity=1)
    j.presence(agent, "online")
    case = j.turn("c12", ASK_PERSON)["handoff"]["id"]
    assert j.tick().assigned == 1
    j.resolve(agent, case)
    with j.session() as s:
        states = s.scalars(select(OfferRow.state).where(OfferRow.handoff_id == case)).all()
    assert list(states) == ["accepted"]


def test_each_tenant_runs_on_its_own_policy_through_the_turn_and_the_worker(j: Journey) -> None:
    """The same conversation id and bot answer in two tenants: the strict tenant offers a person
    where the default continues, and the worker times its offer out on its own, shorter clock."""
    fairly_sure = {"confidence": 0.6}
    calm = j.turn("c1", "Here you go.", role="bot", bot=fairly_sure)
    strict = j.turn("c1", "Here you go.", role="bot", bot=fairly_sure, tenant=STRICT)
    assert calm["decision"]["action"] == "continue" and calm["handoff"] is None
    assert strict["decision"]["action"] == "offer"
    assert strict["decision"]["policy_hash"] == j.runtime_of(STRICT).policy_hash
    assert (
        calm["decision"]["policy_hash"] == j.runtime.policy_hash != j.runtime_of(STRICT).policy_hash
    )
    theirs = strict["handoff"]["id"]
    mine = _offered(j, "c1")["handoff"]["id"]
    assert j.handoff_status(theirs, tenant="default") == 404
    j.clock.advance(j.policy(STRICT).lifecycle.offer_ignored_seconds)
    j.tick()
    assert j.events(theirs)[-1] == ("abandoned", {"cause": "offer_ignored"})
    assert j.handoff_read(mine)["status"] == "offered"
    assert theirs not in str(j.stream("c1")) and mine not in str(j.stream("c1", tenant=STRICT))
