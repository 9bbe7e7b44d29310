"""A small policy for routing tests: a 24/7 queue, a skilled queue with office hours, sales."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baton.policy import Policy, parse_policy

POLICY = """
version: 1
queues:
  - name: support
    sla:
      first_response_minutes: 10
      next_response_minutes: 30
      resolution_minutes: 60
      clock: calendar
      warn_at: 0.5
    offer_timeout_seconds: 60
  - name: billing
    calendar: office
    skills: [billing]
    sla: {first_response_minutes: 60, next_response_minutes: 120, resolution_minutes: 480}
  - name: sales
    channels: [chat, email, meeting]
default_queue: support
calendars:
  office:
    timezone: Europe/London
    weekly:
      mon: ["09:00-17:00"]
      tue: ["09:00-17:00"]
      wed: ["09:00-17:00"]
      thu: ["09:00-17:00"]
      fri: ["09:00-17:00"]
priority: {aging_seconds_per_point: 30, breach_bump: 20}
"""

# A Tuesday morning in London (UTC+0 in November).
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def policy() -> Policy:
    return parse_policy(POLICY)
