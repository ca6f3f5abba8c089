"""The CLI's tables: a run's comparison (designs as columns, or as rows at 80 columns), its teams and
warnings, a sweep's, a sensitivity analysis's, a ticket log's profile and a calibration's summary.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from cxsim import formatting as fmt
from cxsim.cli import common


def print_sweep(result) -> None:
    """One table per headline metric: a row per point, a column per design (mean and 95% CI; 'no cases'
    where the design counted none)."""
    from cxsim.report import NO_CASES_CELL

    for metric in result.metrics:
        table = Table(title=f"{fmt.label(metric)} by sweep point", title_justify="left")
        for path in result.parameters:
            table.add_column(path.split(".")[-1] if len(path) > 24 else path)
        for design in result.designs:
            table.add_column(design, justify="right")
        for point in result.points:
            cells = [escape(str(point.labels()[p])) for p in result.parameters]
            for design in result.designs:
                if point.summary is None:
                    cells.append("[red]failed[/]")
                elif (value := point.estimate(design, metric)) is None and design in point.counted_no_case():
                    cells.append(f"[yellow]{NO_CASES_CELL}[/]")
                else:
                    cells.append(_cell(fmt.cell(value, metric)))
            table.add_row(*cells)
        common.out_console.print(table)


def _cell(cell: fmt.Cell) -> str:
    return f"{cell.value} [dim]{cell.interval}[/]" if cell.interval else cell.value


NAME_ROOM = 20  # design names longer than this are printed as letters, with a key above the table


def _design_keys(designs: list[str]) -> dict[str, str]:
    """How designs are named in a narrow table: their names if all are short, else letters A, B, ..."""
    if all(len(d) <= NAME_ROOM for d in designs):
        return {d: d for d in designs}
    return {d: chr(ord("A") + i) if i < 26 else f"D{i + 1}" for i, d in enumerate(designs)}


def _wide_width(sections, designs: list[str], others: list[str]) -> int:
    """Characters the comparison table needs with a column per design and per difference."""
    rows = [row for section in sections for row in section.rows]
    label = max([len(r.label) + 2 for r in rows] + [6])
    cells = [max([len(d)] + [len(f"{r.cells[i].value} {r.cells[i].interval}") for r in rows])
             for i, d in enumerate(designs)]
    deltas = [max([len(d) + 2] + [len(r.deltas[i].text) for r in rows]) for i, d in enumerate(others)]
    return label + sum(cells) + sum(deltas) + 3 * (1 + len(cells) + len(deltas)) + 1


def _narrow(result) -> bool:
    """Whether the comparison table, a column per design, is wider than the terminal (then designs become
    rows, and long names letters, in every table of the run)."""
    others = [d for d in result.designs if d != result.summary.baseline]
    sections = fmt.comparison_table(result.summary, result.designs)
    return _wide_width(sections, list(result.designs), others) > common.out_console.width


def print_table(result) -> None:
    """The comparison table: one column per design (mean, 95% CI), and per non-baseline design the paired
    difference from the baseline, starred when its CI excludes zero; a section per metric group. When that
    does not fit the terminal (long design names, many designs), designs become rows: a row per metric and
    design, long names as letters with a key, so nothing is cut."""
    summary = result.summary
    base = summary.baseline
    others = [d for d in result.designs if d != base]
    title = f"{summary.scenario}: {fmt.plural(summary.replications, 'replication')}, seed {summary.seed}"
    sections = fmt.comparison_table(summary, result.designs)
    narrow = _narrow(result)
    keys = _design_keys(list(result.designs)) if narrow else {d: d for d in result.designs}
    if narrow:
        for design, key in keys.items():
            if key != design:
                common.out_console.print(f"{key} = {escape(design)}", highlight=False)
    table = Table(title=escape(title + f" (mean, 95% CI; Δ = paired difference from {keys[base]}, "
                               f"{fmt.SIGNIFICANT} = significant)"), title_justify="left")
    if narrow:
        _long_table(table, sections, list(result.designs), base, keys)
    else:
        table.add_column("metric")
        for design in result.designs:
            table.add_column(escape(design), justify="right")
        for design in others:
            table.add_column(escape(f"Δ {design}"), justify="right")
        for i, section in enumerate(sections):
            if i:
                table.add_section()
            table.add_row(f"[bold]{escape(section.heading)}[/]")
            for row in section.rows:
                deltas = [f"[bold]{d.text}[/]" if d.significant else f"[dim]{d.text}[/]" for d in row.deltas]
                table.add_row(("  " if row.indent else "") + row.label, *map(_cell, row.cells), *deltas)
    common.out_console.print(table)
    types = Table(title="by case type: median effort (h, all counted cases) / median days to resolution "
                  "(Kaplan–Meier, abandoned and open censored) \\[resolved only]", title_justify="left")
    types.add_column("case type", overflow="fold")
    for design in result.designs:
        types.add_column(escape(keys[design]), justify="right", overflow="fold")
    for ctype, cells in fmt.case_type_cells(summary, list(result.designs)):
        types.add_row(escape(ctype), *(escape(c) for c in cells))
    common.out_console.print(types)
    acc = {d: summary.designs[d].accounting for d in result.designs}
    common.out_console.print("cases: " + "; ".join(
        f"{keys[d]}: {acc[d].counted:,} counted = {acc[d].resolved:,} resolved + {acc[d].abandoned:,} "
        f"abandoned + {acc[d].open:,} open" for d in result.designs), highlight=False)


def _long_table(table, sections, designs: list[str], base: str, keys: dict[str, str]) -> None:
    """The comparison table with designs as rows: metric, design, mean (95% CI), Δ from the baseline."""
    for column, justify in (("metric", "left"), ("design", "left"), ("mean (95% CI)", "right"),
                            ("Δ", "right")):
        table.add_column(column, justify=justify, overflow="fold")  # wrap, never cut with '…'
    others = [d for d in designs if d != base]
    for i, section in enumerate(sections):
        if i:
            table.add_section()
        table.add_row(f"[bold]{escape(section.heading)}[/]")
        for row in section.rows:
            for k, design in enumerate(designs):
                delta = ""
                if design in others:
                    d = row.deltas[others.index(design)]
                    delta = f"[bold]{d.text}[/]" if d.significant else f"[dim]{d.text}[/]"
                label = (("  " if row.indent else "") + row.label) if k == 0 else ""
                table.add_row(label, escape(keys[design]), _cell(row.cells[k]), delta)


def print_sensitivity(result) -> None:
    """One table per headline metric: a row per parameter (its values at -vary / +vary, each design and
    difference at -vary / +vary), and whether the designs' order holds."""
    from cxsim.report import sensitivity_findings, sensitivity_tables

    quantities = result.quantities()
    for table in sensitivity_tables(result):
        grid = Table(title=f"{table['title']}: at -{result.vary:.0%} / +{result.vary:.0%}",
                     title_justify="left")
        grid.add_column("parameter")
        grid.add_column("values")
        for q in quantities:
            grid.add_column(q, justify="right")
        grid.add_column("order holds")
        grid.add_row("[bold]base[/]", "", *table["base"], "")
        for row in table["rows"]:
            grid.add_row(escape(row["parameter"]), escape(f"{row['low']} / {row['high']}"),
                         *(f"{lo} / {hi}" for lo, hi in row["cells"]),
                         row["holds"] if row["holds"] == "yes" else f"[bold red]{row['holds']}[/]")
        common.out_console.print(grid)
    for sentence in sensitivity_findings(result):
        common.out_console.print(escape(sentence), highlight=False, soft_wrap=True)


def print_planned_load(scenario) -> None:
    """Before a run: each team's offered load estimated from the scenario (no failure demand)."""
    from cxsim.stability import LOAD_LIMIT, planned_load

    common.out_console.print("offered load before the run (scenario estimate: arrivals x work where cases "
                             "are fixed "
                             "/ agent-hours; without failure demand):", highlight=False)
    for name, design in scenario.designs.items():
        loads = planned_load(scenario, design)
        parts = [f"[bold red]{escape(t)} {v:.0%}[/]" if v >= LOAD_LIMIT else f"{escape(t)} {v:.0%}"
                 for t, v in loads.items()]
        common.out_console.print(f"  {escape(name)}: " + ", ".join(parts), highlight=False)


def print_teams(result) -> None:
    """After a run: per team, utilisation, offered load (planned and measured, failure demand included),
    the share of its work that was failure demand, and queue waits."""
    summary = result.summary
    narrow = _narrow(result)
    keys = _design_keys(list(result.designs)) if narrow else {d: d for d in result.designs}
    title = "teams: utilisation, offered load (planned → measured), failure demand, queue wait"
    headers = ("design", "team", "utilisation", "load planned", "load measured", "failure demand",
               "wait mean (h)", "wait p90 (h)")
    if narrow:  # short headers (the title says what they are) and the design as a row above its teams,
        # so that team names (one_lane_tech's "performance_experts") keep their line at 80 columns
        title = ("teams under each design: util(isation), offered load plan(ned) → meas(ured), fail(ure "
                 "demand share), queue wait mean / p90 (h)")
        headers = ("team", "util", "plan", "meas", "fail", "wait", "p90")
    table = Table(title=title, title_justify="left")
    for column in headers:
        if column in ("design", "team"):  # narrow terminals: wrap names, never cut them with '…'
            table.add_column(column, justify="left", overflow="fold")
        else:  # numbers keep their line: the names' column gives way first
            table.add_column(column, justify="right", overflow="fold", no_wrap=True)
    for design in result.designs:
        d = summary.designs[design]
        if narrow:
            table.add_row(f"[bold]{escape(keys[design])}[/]", *[""] * (len(headers) - 1))
        teams = list(d.team_utilization.items())
        for i, (team, util) in enumerate(teams):
            ops = d.team_service.get(team, {})
            planned = d.planned_load.get(team)

            def show(key: str, metric: str = "") -> str:
                e = ops.get(key)  # noqa: B023 - used at once, inside the loop
                return fmt.number(e.mean if e else None, metric)

            cells = (fmt.number(util.mean, "utilization"), fmt.number(planned, "utilization"),
                     show("offered_load", "utilization"), show("failure_share", "utilization"),
                     show("wait_hours_mean"), show("wait_hours_p90"))
            if narrow:
                table.add_row(f"  {escape(team)}", *cells, end_section=i == len(teams) - 1)
            else:
                table.add_row(escape(keys[design]), escape(team), *cells)
    common.out_console.print(table)
    common.out_console.print("demand faced: " + "; ".join(
        f"{keys[d]}: {fmt.number(summary.designs[d].metrics['cases_per_month'].mean)} cases / month"
        for d in result.designs if "cases_per_month" in summary.designs[d].metrics), highlight=False)


def print_warnings(result) -> None:
    """Warnings the reader must see (overload, a backlog still growing, a warm-up too short), on stderr."""
    for warning in result.summary.warnings:
        common.err_console.print(f"[bold yellow]warning[/] [dim]{warning.code}[/] {escape(warning.message)}",
                                 highlight=False, soft_wrap=True)
    summary = result.summary
    if sum(summary.designs[d].accounting.counted for d in result.designs) == 0:  # said even with --quiet
        from cxsim.report import no_cases_note

        common.err_console.print("[bold yellow]note[/] "
                                 f"{escape(no_cases_note(summary, list(result.designs)))}",
                                 highlight=False, soft_wrap=True)


def _share(value: float) -> str:
    return "—" if value != value else f"{100 * value:.1f}%"


def _days(value: float) -> str:
    if value != value:
        return "—"
    return "beyond the log" if value == float("inf") else f"{value:.2f}"


def print_log_profile(event_log, profile) -> None:
    """The profile of a log: its facts, then hand-offs, teams, ping-pong and days by hand-off bucket."""
    mapped = ", ".join(f"{k}={v}" for k, v in event_log.columns.mapped().items())
    skipped = "; ".join(f"{n} rows {why}" for why, n in event_log.skipped.items())
    common.out_console.print(f"{event_log.source} ({event_log.format}): {event_log.cases:,} cases, "
                             f"{event_log.events:,} events, {event_log.start:%Y-%m-%d} to "
                             f"{event_log.end:%Y-%m-%d}; "
                             f"timestamps {event_log.time_format}; columns {mapped}"
                             + (f"; skipped {skipped}" if skipped else ""), highlight=False, soft_wrap=True)
    p = profile
    table = Table(title="Journeys through teams", title_justify="left")
    table.add_column("statistic")
    table.add_column("value", justify="right")
    table.add_row("hand-offs per case: mean", f"{p.handoffs_mean:.2f}")
    table.add_row("hand-offs per case: median / p90 / p99 / max",
                  f"{p.handoffs_median:g} / {p.handoffs_p90:g} / {p.handoffs_p99:g} / {p.handoffs_max}")
    table.add_row("cases with >= 1 hand-off", _share(p.share_handoff))
    table.add_row("cases involving >= 3 / >= 5 teams",
                  f"{_share(p.share_3_teams)} / {_share(p.share_5_teams)}")
    table.add_row("cases back to a team they had left (ping-pong)", _share(p.share_ping_pong))
    table.add_row("cases without a team", f"{p.cases_without_team:,}")
    table.add_row("days to resolution: median / p90", f"{_days(p.days.median)} / {_days(p.days.p90)}")
    table.add_row("cases still open at the log's end (censored)", f"{p.days.censored:,}")
    common.out_console.print(table)
    buckets = Table(title="Days to resolution by hand-offs (Kaplan–Meier)", title_justify="left")
    for name in ("hand-offs", "cases", "share", "median days", "p90 days"):
        buckets.add_column(name, justify="right")
    for b in p.buckets:
        buckets.add_row(b.label, f"{b.cases:,}", _share(b.share), _days(b.days.median), _days(b.days.p90))
    common.out_console.print(buckets)
    for note in p.notes:
        common.out_console.print(f"[dim]note:[/] {escape(note)}", highlight=False, soft_wrap=True)


def print_calibration(cal, out: Path) -> None:
    """What calibration found: demand, teams and their agents, routing against the log, waits, reopens."""
    lo, hi = cal.window
    common.out_console.print(f"{cal.source}: {cal.cases:,} cases; arrivals {cal.rate_per_hour * 24:.1f} per "
                             "day "
                             f"({lo:%Y-%m-%d} to {hi:%Y-%m-%d}); mean hand-offs: log {cal.log_handoffs:.3f}, "
                             f"matrix {cal.matrix_handoffs:.3f}", highlight=False, soft_wrap=True)
    table = Table(title="Calibrated teams", title_justify="left")
    for column in ("team", "cases", "intake", "agents", "people/week", "hours", "session time (fit)",
                   "KS D", "ask customer"):
        table.add_column(column, justify="left" if column in ("team", "hours", "session time (fit)")
                         else "right")
    for t in cal.teams.values():
        hours = t.hours if isinstance(t.hours, str) else "; ".join(
            f"{h['days']} {h['open']}-{h['close']}" for h in t.hours)
        fit = "—" if t.work_time is None else (f"{t.work_time.dist}, mean "
                                               f"{t.work_time.spec()['mean']}")
        people = "—" if t.people_per_week is None else f"{t.people_per_week:g}"
        table.add_row(t.name + (f" ({len(t.members)} teams)" if len(t.members) > 1 else ""), f"{t.cases:,}",
                      _share(cal.intake.get(t.name, 0.0)), str(t.agents), people, hours, fit,
                      "—" if t.work_time is None else f"{t.work_time.ks:.3f}", f"{t.ask_customer:.3f}")
    common.out_console.print(table)
    waits = ("not estimated" if cal.reply_time is None
             else f"{cal.waits:,} customer waits, reply time {cal.reply_time.dist} mean "
                  f"{cal.reply_time.spec()['mean']}")
    reopens = ("not estimated" if cal.reopen_rate is None
               else f"reopen rate {_share(cal.reopen_rate)} ({cal.reopens:,} reopens)")
    common.out_console.print(f"{waits}; {reopens}", highlight=False, soft_wrap=True)
    common.out_console.print(f"wrote {out}", highlight=False)
