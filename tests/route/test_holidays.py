"""Public holidays from the `holidays` package close a queue, beside a policy's own dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli.main import app
from baton.errors import PolicyInvalid
from baton.policy import CalendarConfig, Policy, parse_policy
from baton.policy.loader import default_policy_path
from baton.route import BusinessCalendar, FloorSnapshot, QueueLoad, route
from baton.route.calendar import calendar_from_spec
from tests.route.test_queues import brief

FIXED_TODAY = date(2026, 12, 1)
STAFFED = FloorSnapshot(
    queues={"support": QueueLoad(agents_online=2, servers=6, free_slots=2, waiting=0)}
)
WEEKLY = {"mon": ["08:00-20:00"], "fri": ["08:00-20:00"], "thu": ["08:00-20:00"]}


def policy_with(holidays: str) -> Policy:
    text = default_policy_path().read_text(encoding="utf-8")
    line = "    holidays: {country: GB, subdivision: ENG}  # England's bank holidays, every year"
    assert line in text
    return parse_policy(text.replace(line, f"    holidays: {holidays}"))


def test_gb_holidays_close_the_queue_on_the_next_uk_bank_holiday() -> None:
    policy = policy_with("{country: GB}")
    office = policy.calendars["office"].holidays
    assert office.upcoming(FIXED_TODAY, 1) == [(date(2026, 12, 25), "Christmas Day")]

    def at(when: datetime) -> tuple[bool, datetime | None]:
        ho = route(
            brief=brief(), customer=None, policy=policy, snapshot=STAFFED, now=when, handoff_id="h"
        )
        assert ho.queue == "support"
        return ho.queue_open, ho.opens_at

    assert at(datetime(2026, 12, 24, 10, 0, tzinfo=UTC)) == (True, None)
    # Christmas Day, Boxing Day (a Saturday), Sunday, Boxing Day observed: open on Tuesday.
    assert at(datetime(2026, 12, 25, 10, 0, tzinfo=UTC)) == (
        False,
        datetime(2026, 12, 29, 8, 0, tzinfo=UTC),
    )


def test_extra_and_except_adjust_the_country_and_plain_dates_still_work() -> None:
    config = CalendarConfig.model_validate(
        {
            "timezone": "Europe/London",
            "weekly": WEEKLY,
            "holidays": {
                "country": "GB",
                "subdivision": "ENG",
                "extra": ["2026-12-24"],
                "except": ["2026-12-28"],
            },
        }
    )
    calendar = BusinessCalendar.from_config(config)
    assert not calendar.is_open(datetime(2026, 12, 24, 10, 0, tzinfo=UTC))
    assert calendar.is_open(datetime(2026, 12, 28, 10, 0, tzinfo=UTC))
    assert not calendar.is_open(datetime(2026, 8, 31, 10, 0, tzinfo=UTC))  # England only
    plain = CalendarConfig.model_validate({"weekly": WEEKLY, "holidays": ["2026-12-24"]})
    assert date(2026, 12, 24) in plain.holidays and date(2026, 12, 25) not in plain.holidays
    assert plain.holidays.extra == (date(2026, 12, 24),)


@pytest.mark.parametrize(
    ("holidays", "field"),
    [("{country: XX}", "country"), ("{country: GB, subdivision: TEX}", "subdivision")],
)
def test_an_unknown_country_or_subdivision_is_refused_by_name(holidays: str, field: str) -> None:
    with pytest.raises(PolicyInvalid) as err:
        policy_with(holidays)
    assert "calendars.office.holidays" in str(err.value.field)
    assert f"{field}:" in err.value.message


def test_policy_check_lists_the_next_five_holidays_per_queue(tmp_path: Path) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(default_policy_path().read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["policy", "check", str(file), "--on", FIXED_TODAY.isoformat()], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    support = next(line for line in result.output.splitlines() if "support:" in line)
    assert support.split("; ") == [
        "  support: Fri 25 Dec 2026 Christmas Day",
        "Sat 26 Dec 2026 Boxing Day",
        "Mon 28 Dec 2026 Boxing Day (observed)",
        "Fri 01 Jan 2027 New Year's Day",
        "Fri 26 Mar 2027 Good Friday",
    ]
    assert "security: none" in result.output  # a queue on calendar time has no days off


def test_a_timer_stored_calendar_round_trips_with_its_country() -> None:
    config = policy_with("{country: GB, except: [2026-12-28]}").calendars["office"]
    stored = calendar_from_spec(config.model_dump(mode="json"))
    assert stored == BusinessCalendar.from_config(config)
    assert stored.is_open(datetime(2026, 12, 28, 10, 0, tzinfo=UTC))
    assert not stored.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=UTC))
    old_format = {"timezone": "UTC", "weekly": WEEKLY, "holidays": ["2026-12-24"]}
    assert not calendar_from_spec(old_format).is_open(datetime(2026, 12, 24, 10, 0, tzinfo=UTC))
