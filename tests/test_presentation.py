"""Presentation: one formatter for the CLI and the report."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from rich.console import Console

import cxsim
from cxsim import cli
from cxsim import formatting as fmt
from cxsim.estimates import Difference, Estimate
from cxsim.report import render_report

MINIMAL = "scenarios/minimal.yaml"


@pytest.fixture(scope="module")
def result():
    return cxsim.run(MINIMAL, replications=2, seed=1, horizon="30 days")


# ------------------------------------------------------------------ one formatter


def test_one_rounding_rule():
    assert fmt.number(1234.4) == "1,234"
    assert fmt.number(123.4) == "123"
    assert fmt.number(12.34) == "12.3"
    assert fmt.number(1.234) == "1.23"
    assert fmt.number(-0.01234) == "-0.01"
    assert fmt.number(0.4821, "churn_rate") == "48.2%"
    assert fmt.number(0.04821, "churn_rate") == "4.82%"
    assert fmt.number(None) == fmt.number(float("nan"), "churn_rate") == fmt.MISSING == "–"


def test_intervals_are_rounded_like_their_mean_and_in_its_unit():
    assert fmt.interval(Estimate(16.43, 9.871, 23.02)) == "(9.9–23.0)"
    assert fmt.interval(Estimate(0.482, 0.451, 0.513), "churn_rate") == "(45.1–51.3)"
    assert fmt.interval(Estimate(2.0, 1.5, 2.5), prefix="95% CI ") == "(95% CI 1.50–2.50)"
    assert fmt.interval(Estimate(2.0)) == ""


def test_differences_are_signed_in_points_for_shares_and_starred_when_significant():
    assert fmt.difference(Difference(-2.5, -3.0, 1.0, significant=False)) == "-2.50"
    assert fmt.difference(Difference(0.05, 0.01, 0.09, significant=True), "churn_rate") == "+5.00 pts *"
    assert fmt.difference(Difference(1234.0, 1000.0, 1500.0, significant=True)) == "+1,234 *"
    assert fmt.difference(Difference(None)) == "–"


class _Rows(HTMLParser):
    """The text of every row of the report's comparison table (the first table of the page)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.tables = 0
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables += 1
        if self.tables == 1 and tag == "tr":
            self.rows.append([])
        if self.tables == 1 and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if self.tables == 1 and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        if tag == "table":
            self.tables += 1

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_cli_and_report_print_the_same_text_for_the_same_numbers(result, monkeypatch):
    console = Console(record=True, width=400, color_system=None)
    monkeypatch.setattr(cli, "out_console", console)
    cli.print_table(result)
    lines = console.export_text().splitlines()
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("┡")):]
    body = body[:next(i for i, line in enumerate(body) if line.startswith("└"))]  # the comparison table
    cli_rows = [[c.strip() for c in line.strip().strip("│").split("│")]
                for line in body if line.startswith("│")]
    parser = _Rows()
    parser.feed(render_report(result))
    html_rows = parser.rows[1:]  # after the header row
    metrics = [r for r in html_rows if r and r[0] and any(r[1:])]
    assert len(metrics) == len(cxsim.catalogue.METRICS)
    assert cli_rows == html_rows
    # the table shows the summary's numbers, written the one way
    row = next(r for r in cli_rows if r[0] == "effort, mean (h)")
    e = result.summary.designs["lanes"].metrics["effort_hours_mean"]
    assert row[1] == f"{fmt.number(e.mean)} {fmt.interval(e)}"
