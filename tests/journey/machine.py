"""The journey as a hypothesis state machine: random interleavings of customers, bots, agents
and the worker's clock, each step checked against the reference model (`tests.journey.model`).

Two tenants are in play, each with the same conversation ids and its own policy (`default` on
the shipped one, `strict` on a stricter one): every invariant holds per tenant, and nothing
crosses between them (turns, handoffs, events, assignments to agents, waits).
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from baton.detect import DetectState
from baton.domain import BotSignal, Brief, Conversation, Customer, Role, Turn
from baton.errors import BatonError, NotFound
from baton.route.queues import choose_queue
from baton.store.tables import ConversationRow, HandoffRow
from tests.journey.driver import (
    BOT_FAIRLY_SURE,
    BOT_FALLBACK,
    BOT_UNSURE,
    FORCING,
    TENANTS,
    Journey,
)
from tests.journey.model import (
    CASE,
    OPEN,
    CaseModel,
    ConversationModel,
    check_presence,
    check_store,
    check_tenants,
    independent_kpis,
)

CUSTOMER_LINES = (
    "hello",
    "thanks, and what about sundays?",
    "get me a human please",
    FORCING,
    "no that's not what I asked",
    "someone stole my card, freeze it right now",
)
BOT_SIGNALS: tuple[dict[str, Any], ...] = (
    BOT_FALLBACK,
    BOT_UNSURE,
    BOT_FAIRLY_SURE,
    {"confidence": 0.95},
)
CONVERSATIONS = 3  # per tenant, with the same ids in each
CONVS = CONVERSATIONS * len(TENANTS)
AGENTS = 2  # per tenant
ADVANCES = (0, 30, 300, 1800, 4 * 3600)


class JourneyMachine(RuleBasedStateMachine):
    """Set `journey` before running; each run uses fresh conversation and agent names."""

    journey: ClassVar[Journey]
    runs: ClassVar[int] = 0
    # The tenants in play; a run with one has half the conversations, so each sees more episodes.
    tenants: ClassVar[tuple[str, ...]] = TENANTS

    def __init__(self) -> None:
        super().__init__()
        type(self).runs += 1
        self.j = type(self).journey
        self.j.clock.next_week()
        tag = f"r{type(self).runs}"
        self.convs = [
            ConversationModel(f"{tag}-c{i}", tenant)
            for tenant in self.tenants
            for i in range(CONVERSATIONS)
        ]
        self.cases: dict[str, CaseModel] = {}
        queues = ("support", "billing", "account", "security", "sales")
        self.agent_tenant: dict[str, str] = {}
        for tenant in self.tenants:
            for i in range(AGENTS):
                agent = self.j.add_agent(
                    f"{tag}{tenant}a{i}", queues=queues, capacity=1 + i, tenant=tenant
                )
                self.agent_tenant[agent] = tenant
        self.agents = list(self.agent_tenant)
        self.consoles: dict[str, int | None] = {
            a: self.j.open_console(a, tenant=t) for a, t in self.agent_tenant.items()
        }

    # -- the customer and the bot ----------------------------------------------------------------

    @rule(c=st.integers(0, CONVS - 1), line=st.sampled_from(CUSTOMER_LINES))
    def customer_says(self, c: int, line: str) -> None:
        self._turn(self.convs[c % len(self.convs)], line, "user", None)

    @rule(c=st.integers(0, CONVS - 1), signal=st.sampled_from(BOT_SIGNALS))
    def bot_answers(self, c: int, signal: dict[str, Any]) -> None:
        self._turn(self.convs[c % len(self.convs)], "Here is what I found.", "bot", signal)

    def _turn(
        self, conv: ConversationModel, text: str, role: str, bot: dict[str, Any] | None
    ) -> None:
        before = self.cases.get(conv.open_case) if conv.open_case else None
        fresh = conv.begin_turn(f"t{self.j.turns + 1}")
        extra: dict[str, Any] = {"bot": bot} if bot else {}
        answer = self.j.turn(conv.id, text, role=role, tenant=conv.tenant, **extra)
        assert answer["episode"] == conv.episode, (answer["episode"], conv.episode)
        assert answer["decision"]["policy_hash"] == self.j.runtime_of(conv.tenant).policy_hash
        if fresh and conv.episode > 1:
            self._fresh_decision(conv.tenant, answer, text, role, bot)
        action = answer["decision"]["action"]
        if before is not None:
            assert answer["handoff"]["id"] == before.id, "an open case answers every turn"
            if before.status == "offered" and action == "handoff":
                assert answer["handoff"]["status"] == "queued", "a forcing turn queues the offer"
                assert answer["message"], "the customer is told what happens next"
                self._check_route(conv.tenant, before.id)
                before.status = "queued"
        elif action != "continue":
            self._opened(conv, answer, "queued" if action == "handoff" else "offered")
        else:
            assert answer["handoff"] is None

    def _fresh_decision(
        self,
        tenant: str,
        answer: dict[str, Any],
        text: str,
        role: str,
        bot: dict[str, Any] | None,
    ) -> None:
        """The first turn of a new episode is judged as if the conversation began there."""
        turn = Turn(
            turn_id="x",
            role=Role(role),
            text=text,
            sent_at=self.j.clock.now,
            bot=BotSignal.model_validate(bot) if bot else None,
        )
        conversation = Conversation(id="x", turns=(turn,))
        detector = self.j.runtime_of(tenant).detector
        expected, _ = detector.decide(conversation, DetectState(), self.j.clock.now)
        got = answer["decision"]
        assert got["action"] == expected.action.value, (got, expected)
        assert [r["code"] for r in got["reasons"]] == [r.code.value for r in expected.reasons]

    def _opened(self, conv: ConversationModel, answer: dict[str, Any], status: str) -> None:
        handoff = answer["handoff"]
        assert handoff["status"] == status, answer
        assert answer["message"], answer
        earlier = list(conv.handoffs)
        case = CaseModel(handoff["id"], conv.id, status, conv.episode, tenant=conv.tenant)
        self.cases[case.id] = case
        conv.open_case = case.id
        conv.handoffs.append(case.id)
        read = self.j.handoff_read(case.id, tenant=conv.tenant)
        assert read["previous_handoff_id"] == (earlier[-1] if earlier else None)
        for other in TENANTS:
            if other != conv.tenant:
                assert self.j.handoff_status(case.id, tenant=other) == 404
        brief = self.j.brief(case.id, tenant=conv.tenant)
        assert {line["turn_id"] for line in brief["transcript"]} <= set(conv.episode_turns)
        prior = [h for h in earlier if self.cases[h].episode < conv.episode]
        assert list(brief["earlier_handoffs"]) == prior
        if status == "queued":
            self._check_route(conv.tenant, case.id)

    def _check_route(self, tenant: str, handoff_id: str) -> None:
        """The case sits in the queue that every reason so far routes to, by its tenant's policy."""
        brief = Brief.model_validate(self.j.brief(handoff_id, tenant=tenant))
        with self.j.session() as s:
            row = s.get(HandoffRow, handoff_id)
            assert row is not None
            conv = s.get(ConversationRow, (row.tenant_id, row.conversation_id))
            customer = Customer.model_validate(conv.customer) if conv and conv.customer else None
            assert row.tenant_id == tenant
            queue, _ = choose_queue(brief=brief, customer=customer, policy=self.j.policy(tenant))
            assert row.queue == queue, (row.queue, queue, [r.code for r in brief.reasons])

    @rule(c=st.integers(0, CONVS - 1), pick=st.booleans())
    def customer_asks_for_a_person(self, c: int, pick: bool) -> None:
        conv = self.convs[c % len(self.convs)]
        if conv.episode == 0:
            return
        before = self.cases.get(conv.open_case) if conv.open_case else None
        response = self.j.handoff(
            conv.id, tenant=conv.tenant, **({"channel": "email"} if pick else {})
        )
        if response.status_code != 200:  # refused: nothing changed, not even the episode
            assert response.status_code in (409, 422), response.text
            return
        if conv.handed_back:
            conv.begin_turn("-")
            conv.episode_turns.clear()
        answer = response.json()
        if before is None:
            self._opened(
                conv, {**answer, "handoff": {**answer["handoff"], "status": "queued"}}, "queued"
            )
            self.cases[answer["handoff"]["id"]].status = answer["handoff"]["status"]
        else:
            assert answer["handoff"]["id"] == before.id
            if before.status == "offered":
                before.status = "queued"

    @rule(c=st.integers(0, CONVS - 1))
    def customer_declines(self, c: int) -> None:
        conv = self.convs[c % len(self.convs)]
        if conv.episode == 0:
            return
        case = self.cases.get(conv.open_case) if conv.open_case else None
        response = self.j.handoff(conv.id, tenant=conv.tenant, decline=True)
        if case is not None and case.status == "offered":
            assert response.status_code == 200, response.text
            case.status = "declined"
            conv.open_case = None
        else:
            assert response.json()["error"]["code"] == "illegal_transition", response.text

    @rule(c=st.integers(0, CONVS - 1), by_flag=st.booleans())
    def customer_leaves(self, c: int, by_flag: bool) -> None:
        conv = self.convs[c % len(self.convs)]
        case = self.cases.get(conv.open_case) if conv.open_case else None
        if by_flag:
            conv.begin_turn(f"t{self.j.turns + 1}")
            answer = self.j.turn(conv.id, "bye", left=True, tenant=conv.tenant)
            assert answer["bot_active"] is True
        elif conv.episode == 0:
            return
        else:
            response = self.j.cancel(conv.id, tenant=conv.tenant)
            if case is None:
                assert response.json()["error"]["code"] == "illegal_transition", response.text
                return
            assert response.status_code == 200, response.text
        if case is not None:
            case.status = "abandoned"
            assert self.j.events(case.id)[-1] == ("abandoned", {"cause": "customer_left"})
            conv.hand_back()

    # -- agents ---------------------------------------------------------------------------------

    @rule(
        a=st.integers(0, AGENTS * len(TENANTS) - 1),
        presence=st.sampled_from(("online", "away", "offline")),
    )
    def agent_presence(self, a: int, presence: str) -> None:
        self.j.presence(self.agents[a % len(self.agents)], presence)
        self._sync()

    @rule(a=st.integers(0, AGENTS * len(TENANTS) - 1))
    def agent_closes_or_opens_the_console(self, a: int) -> None:
        agent = self.agents[a % len(self.agents)]
        tenant = self.agent_tenant[agent]
        connection = self.consoles[agent]
        if connection is None:
            self.consoles[agent] = self.j.open_console(agent, tenant=tenant)
        else:
            self.j.close_console(connection, tenant=tenant)
            self.consoles[agent] = None
        self._sync()

    @rule(a=st.integers(0, AGENTS * len(TENANTS) - 1), data=st.data())
    def agent_acts(self, a: int, data: st.DataObject) -> None:
        """An agent acts on any open case, its own tenant's or (refused, as not found) another's."""
        agent = self.agents[a % len(self.agents)]
        # In the order the cases opened: their ids are random, so sorting by id would make the
        # same drawn index pick another case when Hypothesis replays a failure.
        open_cases = [h for h, c in self.cases.items() if c.status in CASE]
        if not open_cases:
            return
        handoff_id = data.draw(st.sampled_from(open_cases))
        action = data.draw(st.sampled_from(("accept", "reply", "resolve")))
        case = self.cases[handoff_id]
        if case.tenant != self.agent_tenant[agent]:
            try:
                getattr(self.j, action)(agent, handoff_id)
            except NotFound:
                pass
            else:
                raise AssertionError(
                    f"{agent} of {self.agent_tenant[agent]} did {action} on {case}"
                )
            assert self.j.handoff_read(handoff_id, tenant=case.tenant)["status"] == case.status
            return
        with contextlib.suppress(BatonError):  # refused moves are the desk's to refuse
            getattr(self.j, action)(agent, handoff_id)
        self._sync()

    @rule(seconds=st.sampled_from(ADVANCES))
    def time_passes(self, seconds: int) -> None:
        self.j.clock.advance(seconds)
        self.j.tick()
        self._sync()
        with self.j.session() as s:
            check_presence(s, now=self.j.clock.now, policy=self.j.runtime.policy)

    def _sync(self) -> None:
        """Read what agents and the worker did; the model checks each move was legal."""
        for case in self.cases.values():
            if case.status not in OPEN:
                continue
            status = self.j.handoff_read(case.id, tenant=case.tenant)["status"]
            if status in ("resolved", "abandoned"):
                conv = next(
                    c for c in self.convs if (c.id, c.tenant) == (case.conversation, case.tenant)
                )
                conv.hand_back()
                kinds = [k for k, _ in self.j.stream(conv.id, tenant=conv.tenant)]
                assert kinds[-1] == "handback", kinds[-3:]
            case.status = status

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def store_holds(self) -> None:
        with self.j.session() as s:
            check_store(s)

    @invariant()
    def a_handback_leaves_the_detector_fresh(self) -> None:
        """The next episode starts with no streaks; nothing of the last steers its first turn."""
        with self.j.session() as s:
            for conv in self.convs:
                if conv.handed_back:
                    row = s.get(ConversationRow, (conv.tenant, conv.id))
                    assert row is not None
                    assert not row.state, (conv.id, row.state)

    @invariant()
    def nothing_crosses_tenants(self) -> None:
        with self.j.session() as s:
            check_tenants(s)
            for case in self.cases.values():
                row = s.get(HandoffRow, case.id)
                assert row is not None
                assert (row.tenant_id, row.conversation_id) == (case.tenant, case.conversation)

    @invariant()
    def bot_knows_who_holds_each_conversation(self) -> None:
        for conv in self.convs:
            if conv.episode == 0:
                continue
            read = self.j.conversation(conv.id, tenant=conv.tenant)
            case = self.cases.get(conv.open_case) if conv.open_case else None
            holds = case is not None and case.status in CASE
            assert read["bot_active"] is (not holds), (conv.id, read, case)
            assert read["episode"] == conv.episode
            expected_open = conv.open_case if case is not None and case.status in OPEN else None
            assert read["open_handoff_id"] == expected_open, (read, case)

    @invariant()
    def assignments_reach_the_stream(self) -> None:
        self._each_event_reaches_the_stream("assigned")

    @invariant()
    def reassignments_reach_the_stream(self) -> None:
        self._each_event_reaches_the_stream("reassigned")

    def _each_event_reaches_the_stream(self, kind: str) -> None:
        """Every logged `kind` event of a case is on its conversation's stream, once."""
        for conv in self.convs:
            stream = [
                d.get("handoff_id")
                for k, d in self.j.stream(conv.id, tenant=conv.tenant)
                if k == f"handoff.{kind}"
            ]
            for handoff_id in conv.handoffs:
                logged = [k for k, _ in self.j.events(handoff_id)].count(kind)
                assert stream.count(handoff_id) == logged, (handoff_id, kind, logged, stream)

    @precondition(lambda self: self.j.turns % 3 == 0)
    @invariant()
    def kpis_match_the_raw_events(self) -> None:
        for tenant in self.tenants:
            with self.j.session() as s:
                mine = independent_kpis(s, tenant)
            theirs = self.j.kpis(tenant=tenant)
            overall = theirs["overall"]
            for key in ("handoffs", "reached", "abandoned", "completion_rate"):
                assert overall[key] == mine[key], (tenant, key, overall[key], mine[key])
            got = (theirs["episodes"], theirs["deflected"])
            assert got == (mine["episodes"], mine["deflected"]), tenant
            assert mine["handoffs"] + mine["deflected"] <= mine["episodes"]

    def teardown(self) -> None:
        """The drain rule: past every timeout, the workers leave every handoff final."""
        policies = [self.j.policy(tenant) for tenant in self.tenants]
        longest = max(
            max(
                p.lifecycle.offer_ignored_seconds,
                p.lifecycle.customer_silent_seconds,
                *(q.offer_timeout_seconds for q in p.queues),
            )
            for p in policies
        )
        for agent in self.agents:
            self.j.presence(agent, "offline")
        for _ in range(2):
            self.j.clock.advance(longest + 1)
            self.j.tick()
        self._sync()
        still_open = {h: c.status for h, c in self.cases.items() if c.status in OPEN}
        assert not still_open, f"the drain left handoffs open: {still_open}"
        with self.j.session() as s:
            check_store(s)
            check_tenants(s)
