"""One brief, three renderings; and the ticket in HubSpot, Zendesk and Salesforce field names."""

from __future__ import annotations

import json

from baton.brief import build_brief, render, render_markdown, render_text, ticket_payload
from baton.domain import Brief, Conversation, Customer
from baton.policy import default_policy
from baton.policy.schema import TicketSystem
from tests.factories.brief import T0, decision, labelled_conversations, turn

POLICY = default_policy()


def _brief() -> Brief:
    case = next(c for c in labelled_conversations() if c.id.startswith("syn-06"))
    return build_brief(
        conversation=case.conversation, decision=case.decision, policy=POLICY, now=T0
    )


def test_json_round_trips() -> None:
    brief = _brief()
    assert Brief.model_validate(json.loads(render(brief, "json"))) == brief


def test_text_has_every_section_and_the_transcript() -> None:
    brief = _brief()
    text = render_text(brief)
    for heading in (
        "SUMMARY",
        "NEXT BEST ACTION",
        "IDENTIFIERS",
        "WHY IT WAS HANDED OVER",
        "WHAT THE BOT TRIED",
        "TRANSCRIPT",
    ):
        assert f"\n{heading}\n" in text
    assert "- ticket: 4471023 (from turn:t3)" in text
    assert "[2026-11-24 09:00 UTC] Customer: Your API has been returning 503" in text
    assert render(brief, "text") == text


def test_markdown_shows_customer_text_without_interpreting_it() -> None:
    conversation = Conversation(
        id="c",
        customer=Customer(name="Eve"),
        turns=(
            turn(
                "t1", "user", "click [here](http://evil.example) <script>alert(1)</script> **now**"
            ),
        ),
    )
    brief = build_brief(
        conversation=conversation, decision=decision("human_requested"), policy=POLICY, now=T0
    )
    markdown = render_markdown(brief)
    assert "[here](" not in markdown and "<script>" not in markdown and "**now**" not in markdown
    assert r"\[here\](http://evil.example) \<script\>alert(1)\</script\> \*\*now\*\*" in markdown
    assert markdown.startswith("# Case brief\n")
    assert "## Summary" in markdown and "## Transcript" in markdown


def test_sections_without_content_are_left_out() -> None:
    brief = build_brief(
        conversation=Conversation(id="e"), decision=decision(), policy=POLICY, now=T0
    )
    text = render_text(brief)
    assert "WHAT THE BOT TRIED" not in text and "TRANSCRIPT" not in text


def test_zendesk_payload() -> None:
    payload = ticket_payload(_brief().ticket_fields, POLICY.brief.tickets.systems["zendesk"])
    ticket = payload["ticket"]
    assert ticket["subject"].startswith("Outage: ")
    assert ticket["comment"]["body"].startswith("CASE BRIEF")
    assert ticket["priority"] == "normal"
    assert ticket["requester"] == {"email": "mark.hughes@example.co.uk", "name": "Mark Hughes"}
    assert "urgent" in ticket["tags"]


def test_hubspot_payload() -> None:
    payload = ticket_payload(_brief().ticket_fields, POLICY.brief.tickets.systems["hubspot"])
    props = payload["properties"]
    assert props["hs_pipeline"] == "0" and props["hs_pipeline_stage"] == "1"
    assert props["hs_ticket_priority"] == "MEDIUM"
    assert props["hs_ticket_category"] == "PRODUCT_ISSUE"
    assert props["content"].startswith("CASE BRIEF")


def test_salesforce_payload() -> None:
    payload = ticket_payload(_brief().ticket_fields, POLICY.brief.tickets.systems["salesforce"])
    assert payload["Origin"] == "Chat"
    assert payload["Priority"] == "Medium"
    assert payload["SuppliedEmail"] == "mark.hughes@example.co.uk"
    assert payload["SuppliedName"] == "Mark Hughes"
    assert payload["SuppliedPhone"] == "+442079460958"
    assert payload["Subject"].startswith("Outage: ")


def test_custom_fields_by_id_and_critical_priority() -> None:
    system = TicketSystem(
        fields={"custom.ticket": "ticket.custom_fields[360001]", "priority": "ticket.priority"},
        priorities={"critical": "urgent"},  # type: ignore[dict-item]
    )
    fields = _brief().ticket_fields.model_copy(update={"priority": "critical"})
    assert ticket_payload(fields, system) == {
        "ticket": {"custom_fields": [{"id": 360001, "value": "4471023"}], "priority": "urgent"}
    }
