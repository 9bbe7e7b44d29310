"""Aging priority never starves a case; the assignment plan never overfills an agent."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from baton.route import AgentSlot, CaseSlot, effective_priority, plan_assignments, queue_key

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
AGING = 30

arrivals = st.lists(st.tuples(st.integers(0, 100), st.integers(0, 7200)), min_size=2, max_size=40)


@given(cases=arrivals, later=st.integers(0, 20_000))
def test_queue_key_orders_like_effective_priority_at_any_time(
    cases: list[tuple[int, int]], later: int
) -> None:
    now = T0 + timedelta(seconds=7200 + later)
    keyed = [
        (
            queue_key(
                priority=p, queued_at=T0 + timedelta(seconds=s), aging_seconds_per_point=AGING
            ),
            -effective_priority(
                priority=p,
                queued_at=T0 + timedelta(seconds=s),
                now=now,
                aging_seconds_per_point=AGING,
            ),
        )
        for p, s in cases
    ]
    by_key = sorted(range(len(keyed)), key=lambda i: keyed[i][0])
    assert [keyed[i][1] for i in by_key] == sorted(k[1] for k in keyed)


@given(priority=st.integers(0, 100), rival=st.integers(0, 100), after=st.integers(0, 10_000))
def test_no_case_starves(priority: int, rival: int, after: int) -> None:
    """A case waits at most 100 points' worth of aging behind any later arrival."""
    mine = queue_key(priority=priority, queued_at=T0, aging_seconds_per_point=AGING)
    theirs = queue_key(
        priority=rival,
        queued_at=T0 + timedelta(seconds=100 * AGING + after + 1),
        aging_seconds_per_point=AGING,
    )
    assert mine < theirs


QUEUES = ["a", "b", "c"]
agents = st.lists(
    st.builds(
        lambda i, qs, sk, chat, email: AgentSlot(
            id=f"ag{i}",
            queues=frozenset(qs),
            skills=frozenset(sk),
            spare={"chat": chat, "email": email},
        ),
        st.integers(0, 10_000),
        st.sets(st.sampled_from(QUEUES), min_size=1),
        st.sets(st.sampled_from(["x", "y"])),
        st.integers(0, 4),
        st.integers(0, 4),
    ),
    max_size=8,
    unique_by=lambda a: a.id,
)
cases = st.lists(
    st.builds(
        lambda i, q, ch, sk: CaseSlot(id=f"c{i}", queue=q, channel=ch, skills=frozenset(sk)),
        st.integers(0, 10_000),
        st.sampled_from(QUEUES),
        st.sampled_from(["chat", "email"]),
        st.sets(st.sampled_from(["x", "y"]), max_size=1),
    ),
    max_size=30,
    unique_by=lambda c: c.id,
)


@settings(max_examples=300)
@given(agents=agents, cases=cases)
def test_plan_respects_capacity_skills_and_queues(
    agents: list[AgentSlot], cases: list[CaseSlot]
) -> None:
    plan = plan_assignments(cases, agents)
    by_agent = {a.id: a for a in agents}
    by_case = {c.id: c for c in cases}
    assert len({c for c, _ in plan}) == len(plan)
    used = Counter((a, by_case[c].channel) for c, a in plan)
    for (agent_id, channel), n in used.items():
        assert n <= by_agent[agent_id].spare[channel]
    for case_id, agent_id in plan:
        case, agent = by_case[case_id], by_agent[agent_id]
        assert case.queue in agent.queues and case.skills <= agent.skills
    # Work-conserving: a case left out had nobody eligible with a slot left at its turn.
    left = [c for c in cases if c.id not in {p[0] for p in plan}]
    for case in left:
        for agent in agents:
            if case.queue in agent.queues and case.skills <= agent.skills:
                assert used[(agent.id, case.channel)] == agent.spare[case.channel]


def test_ties_take_turns_and_those_who_passed_come_last() -> None:
    team = [AgentSlot(id=n, queues=frozenset({"a"}), spare={"chat": 2}) for n in ("x", "y", "z")]
    plan = plan_assignments([CaseSlot(id=str(i), queue="a") for i in range(6)], team)
    assert [a for _, a in plan] == ["x", "y", "z", "x", "y", "z"]
    passed = CaseSlot(id="p", queue="a", passed=frozenset({"x", "y"}))
    assert plan_assignments([passed], team) == [("p", "z")]
    assert plan_assignments([passed], team[:2]) == [("p", "x")]
