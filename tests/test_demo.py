"""The demo replay, read as its recipients would: what one person receives in a day, who hears what.

The whole Khánh Hòa plan, 2017-04-01 to 2021-01-31, replayed directly (the flow's own function, without
a Prefect run), once for the module; about half a minute.
"""

from __future__ import annotations

from datetime import date

import pytest

from obligations.config.settings import CONFIG_DIR
from obligations.flows.demo import run_demo
from obligations.flows.jobs import simulate_flow

EXAMPLE = CONFIG_DIR / "examples" / "khanh-hoa-2017-2020.yaml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(EXAMPLE, date(2017, 4, 1), date(2021, 1, 31), directory=tmp_path_factory.mktemp("demo"),
                    replay=lambda start, end: simulate_flow.fn(start=start, end=end))


def test_no_one_receives_more_than_one_reminder_message_a_morning(demo):
    inbox = demo.inbox
    assert sum(inbox.per_day.values()) == demo.mails > 500
    assert max(inbox.reminders_per_day.values()) == 1
    # Several tasks of one person due the same morning came as one listing message.
    assert demo.replay["dispatch"]["sent"] > demo.mails
    assert max(inbox.per_day.values()) <= 3  # a reminder, a decision on another task, the weekly digest
    assert set(inbox.spread()) <= {1, 2, 3} and inbox.spread()[1] > 0.9 * len(inbox.per_day)


def test_the_leadership_gets_reports_never_per_item_escalations(demo):
    assert demo.checks.leadership_items == 0
    leadership = [address for (address, _), _ in demo.inbox.per_day.items()
                  if demo.inbox.names.get(address) == "Trần Quang Minh"]  # UBND-TINH's manager
    assert 40 <= len(leadership) <= 46  # one report a month, April 2017 to January 2021


def test_nothing_is_sent_after_the_plan_and_its_grace(demo):
    assert demo.checks.after_the_end == 0
    last_day = max(day for _, day in demo.inbox.per_day)
    assert last_day <= date(2021, 1, 15)  # ten working days after 31/12/2020 (1/1 is off)

