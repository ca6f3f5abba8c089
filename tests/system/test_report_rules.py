"""The report shows the rules each design ran with, defaults resolved (what 'cold' means, or an override)."""

from __future__ import annotations

import re

import pytest

import cxsim
from cxsim.report import render_report

pytestmark = pytest.mark.slow  # a full run and report: ~4 s


def rules_table(html: str) -> dict[str, list[str]]:
    table = html[html.index('<table class="rules">'):]
    table = table[:table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr><td>(.*?)</td>(.*?)</tr>", table, re.S):
        rows[row[0]] = re.findall(r"<td>(.*?)</td>", row[1])
    return rows


def test_the_report_shows_resolved_policy_values_and_overrides():
    scenario = cxsim.load_scenario("scenarios/minimal.yaml").with_changes(
        {"designs.one_team.transfer.reexplain": 0.5, "designs.lanes.incentive.deflection": 0.2})
    result = cxsim.run(scenario, replications=2, cases="none")
    rows = rules_table(render_report(result))
    assert rows["transfer policy"] == ["cold", "cold"]
    assert rows["re-explaining per transfer (share of effort.reexplain)"] == ["100%", "50%"]  # cold; override
    assert rows["agent time per hand-off"] == ["5 min", "5 min"]
    assert rows["incentive scheme"] == ["close_fast", "resolution"]
    assert rows["long in-skill cases sent away (&#39;not in my lane&#39;)"] == ["20%", "0%"]
    assert rows["a hand-off closes the ticket and opens a new one"] == ["yes", "yes"]
    memory = rows["who remembers the teams already tried (the next guess avoids them)"]
    assert memory == ["customer", "customer"]  # cold: the customer remembers whom they talked to
