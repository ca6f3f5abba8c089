"""report.html reads well at 800 and 1280 px and on paper: no text overflows its box in a real browser, the
assumptions are a compact table with the file's comments, and the per-case-type table the CLI prints is
in it."""

from __future__ import annotations

import re

import pytest

import cxsim
from cxsim import formatting as fmt
from cxsim.report import render_report
from tests.system.test_long_names import _scenario
from tests.system.test_report import _chromium, _run_chromium, parse

SCENARIO = """\
# A small scenario whose comments the report keeps.
name: commented
horizon: 25 days
warmup: 5 days
customers:
  count: 80  # [assumption] active accounts, CRM export of March
  case_rate: 1 per month  # from last year's tickets
case_types:
  how_to: {share: 0.7, skills: [product], fix_time: 10 min}
  bug: {share: 0.3, skills: [engineering], fix_time: {dist: lognormal, mean: 1 h, sd: 30 min}}
designs:
  lanes:
    teams:
      product: {agents: 2, skills: [product]}
      engineering: {agents: 1, skills: [engineering]}
    transfer: {policy: cold}
  one_team:
    teams:
      support: {agents: 3, skills: [product, engineering]}
"""


@pytest.fixture(scope="module")
def commented(tmp_path_factory):
    import cxsim.report

    path = tmp_path_factory.mktemp("commented") / "commented.yaml"
    path.write_text(SCENARIO)
    result = cxsim.run(path, replications=2, seed=1)
    with pytest.MonkeyPatch.context() as patch:  # the tables only: drawing the charts is most of the time
        patch.setattr(cxsim.report, "applicable_charts", lambda view: {})
        return result, render_report(result)


def _table(html: str, cls: str) -> list[list[str]]:
    body = re.search(rf'<table class="{cls}">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [[re.sub(r"<[^>]+>", "", c).replace("&#39;", "'").strip()
             for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)] for row in rows]


def test_the_assumptions_are_a_table_with_the_files_comments(commented):
    _, html = commented
    rows = _table(html, "parameters")
    assert rows[0] == ["parameter", "value", "comment"]
    by_path = {r[0]: r[1:] for r in rows[1:]}
    assert by_path["customers.count"] == ["80", "[assumption] active accounts, CRM export of March"]
    assert by_path["customers.case_rate"] == ["1 per month", "from last year's tickets"]
    assert by_path["case_types.bug.fix_time"][0] == "lognormal(mean=1 h, sd=30 min)"
    assert len(rows) < 30  # the file as written, not every resolved default
    assert "<pre>" not in html
    assert 'class="assumption"' in html


def test_the_report_has_the_clis_per_case_type_table(commented):
    result, html = commented
    rows = _table(html, "case-types")
    assert rows[0] == ["case type", *result.designs]
    expected = [[ctype, *cells] for ctype, cells in fmt.case_type_cells(result.summary, result.designs)]
    assert rows[1:] == expected


def test_the_report_has_print_rules(commented):
    _, html = commented
    assert "@media print" in html and "thead { display: table-header-group; }" in html


@pytest.fixture(scope="module")
def long_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long_report")
    cxsim.run(_scenario(3), replications=2, seed=1).write(folder, charts=False)
    return folder / "report.html"


@pytest.mark.parametrize("width", [800, 1280])
def test_no_text_overflows_its_box_in_chromium(long_report, tmp_path, width):
    binary = _chromium()
    url = long_report.resolve().as_uri()
    dumped = _run_chromium(binary, tmp_path / f"profile-{width}", "--virtual-time-budget=5000",
                           f"--window-size={width},2000", "--dump-dom", url)
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    body = parse(dumped.stdout).body
    assert body.get("data-charts-total") == body.get("data-charts-visible") != "0", body
    assert body.get("data-overflowing") == "", body.get("data-overflowing")
