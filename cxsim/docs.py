"""The scenario reference page, rendered from the scenario's JSON Schema.

``docs/scenario-reference.md`` is :func:`render`: one section per model of ``Scenario.model_json_schema()``
(the schema ``cxsim schema`` prints for editors), depth first from the root in field order. Each field's
type, default and description come from that schema, which takes them from the types and docstrings in
:mod:`cxsim.scenario`; choices (``x-choices``) and the defaults a choice sets (``x-defaults``) too. The short
general sections are computed from the public tables and parsers they describe (every example is read by
the parser it illustrates, so a wrong one fails the render), and the example is ``scenarios/minimal.yaml``,
read from the file. Regenerate the page from the repository root with::

    python -m cxsim.docs > docs/scenario-reference.md

``tests/system/test_docs.py`` fails when the committed page differs from a fresh render.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from cxsim.distributions import DISTRIBUTION_JSON_SCHEMA, parse_distribution
from cxsim.engine.population import base_churn, disloyal_share, high_effort, renewal_churn
from cxsim.scenario import Churn, Customers, Name, Scenario
from cxsim.units import (
    TIME_UNITS,
    UNIT_ALIASES,
    UNIT_HOURS,
    format_duration,
    parse_duration,
    parse_effort_rate,
    parse_rate,
)
from cxsim.working_hours import parse_hours

__all__ = ["COMMAND", "EXAMPLE", "render"]

COMMAND = "python -m cxsim.docs > docs/scenario-reference.md"
#: The example scenario, relative to the repository root.
EXAMPLE = Path("scenarios") / "minimal.yaml"

FORMATS = {"duration": "duration", "rate": "rate", "effort-rate": "effort rate"}
NAME = TypeAdapter(Name).json_schema()

DURATIONS = ("90 s", "30 min", "45 minutes", "2.5 h", "3 hours", "3 days", "2 weeks", "6 months", "1 year")
RATES = ("20 per day", "1.5 / month", "3 per 2 hours")
EFFORT_RATES = ("1 h per day", "30 min / week")
DISTRIBUTIONS = {
    "constant": {"dist": "constant", "value": "10 min"},
    "exponential": {"dist": "exponential", "mean": "20 min"},
    "lognormal": {"dist": "lognormal", "mean": "40 min", "sd": "20 min"},
    "gamma": {"dist": "gamma", "mean": "1 h", "sd": "30 min"},
    "uniform": {"dist": "uniform", "low": "2 days", "high": "5 days"},
    "empirical": {"dist": "empirical", "values": ["5 min", "30 min", "2 h"], "weights": [6, 3, 1]},
}
HOURS = (
    "24/7",
    "business",
    {"days": "mon-fri", "open": "08:00", "close": "20:00"},
    {"days": ["mon", "wed", "fri"], "open": "09:00", "close": "13:00"},
    [{"days": "mon-fri", "open": "08:00", "close": "18:00"},
     {"days": "sat", "open": "09:00", "close": "12:00"}],
)
CHURN_SCORES = (0, 5, 10, 15, 20, 25, 30, 40, 60)
TERM_EXPERIENCES = (0, 0.1, 0.25, 0.5, 0.75, 1)


# ---------------------------------------------------------------- Markdown and YAML text


def _num(x: float) -> str:
    return f"{x:.10g}"


def _yaml(value: Any) -> str:
    """A value as YAML flow text, as a scenario file would write it."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(_yaml, value)) + "]"
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        return _num(value)
    return value if re.fullmatch(r"[A-Za-z0-9_][\w .\-/]*", value) else f"'{value}'"


def _md(text: str) -> str:
    """Docstring text as one Markdown paragraph for a table cell: ``code`` becomes `code`, and outside code
    the characters Markdown or HTML would take as markup are escaped."""
    text = re.sub(r"``(.+?)``", r"`\1`", " ".join(text.split()))
    parts = re.split(r"(`[^`]*`)", text)
    escaped = [p if p.startswith("`") else p.replace("<", "&lt;").replace(">", "&gt;").replace("*", r"\*")
               for p in parts]
    return "".join(escaped).replace("|", r"\|")


def _paragraphs(text: str) -> str:
    return "\n\n".join(_md(p) for p in text.split("\n\n"))


def _table(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(row) + " |" for row in [header, ["---"] * len(header), *rows])


def _link(title: str) -> str:
    return f"[{title}](#{title.lower()})"


# ---------------------------------------------------------------- the schema in words


def _ref(node: dict) -> str | None:
    """The model a field is (``$ref``, or ``$ref`` or null), if any."""
    for option in [node, *node.get("anyOf", [])]:
        if "$ref" in option:
            return option["$ref"].rsplit("/", 1)[-1]
    return None


def _map_value(node: dict) -> dict:
    """The schema of a mapping's values (a dict keyed by names has them under its name pattern)."""
    values = next(iter(node.get("patternProperties", {}).values()), node.get("additionalProperties", {}))
    return values if isinstance(values, dict) else {}  # additionalProperties: false has no values


def _size(node: dict, what: str) -> str:
    low, high = node.get(f"min{what}"), node.get(f"max{what}")
    if low is not None and high is not None:
        return f" ({low}–{high})"
    return f" (at least {low})" if low is not None else f" (at most {high})" if high is not None else ""


def _number(node: dict) -> str:
    base = node["type"]
    if base == "number" and (node.get("minimum"), node.get("maximum")) == (0, 1):
        return "probability 0–1"
    if "minimum" in node and "maximum" in node:
        return f"{base} {_num(node['minimum'])}–{_num(node['maximum'])}"
    signs = {"exclusiveMinimum": ">", "minimum": "≥", "exclusiveMaximum": "<", "maximum": "≤"}
    bounds = [f"{sign} {_num(node[key])}" for key, sign in signs.items() if key in node]
    return f"{base} " + " and ".join(bounds) if bounds else base


def _plural(words: str) -> str:
    first, _, rest = words.partition(" ")
    if words.startswith("["):
        return words
    first = first[:-1] + "ies" if first.endswith("y") else first + "s"
    return f"{first} {rest}".strip()


def _type(node: dict, default: Any = None) -> str:
    """A field's type in words."""
    if node.get("title") == "distribution":
        return "distribution of " + node.get("x-values", "values")
    if node.get("title") == "working hours":
        return "working hours"
    if "anyOf" in node:  # X or null: an optional X, shown as X with the default 'not set'
        return " or ".join(_type(option, default) for option in node["anyOf"] if option.get("type") != "null")
    if "$ref" in node:
        return _link(_ref(node))
    if node.get("format") in FORMATS:
        return FORMATS[node["format"]]
    if "enum" in node:
        return "one of " + ", ".join(f"`{choice}`" for choice in node["enum"])
    kind = node.get("type")
    if kind == "array":
        return "list of " + _plural(_type(node["items"])) + _size(node, "Items")
    if kind == "object":
        keys = "name" if NAME["pattern"] in node.get("patternProperties", {}) else "text"
        return f"mapping of {keys} → {_type(_map_value(node))}" + _size(node, "Properties")
    if kind == "string":
        return "name" if node.get("pattern") == NAME["pattern"] else "text"
    if kind in ("number", "integer"):
        return _number(node)
    return "true or false" if kind == "boolean" else "value"


def _model_defaults(model: dict) -> dict[str, Any]:
    """What a model's fields are when none is given: their defaults, then those of its default choice."""
    values = {key: field.get("default") for key, field in model["properties"].items()}
    if "x-defaults" in model:
        by, table = model["x-defaults"]["by"], model["x-defaults"]["table"]
        values.update(table[values[by]])
    return values


def _default(key: str, field: dict, model: dict, defs: dict) -> str:
    if key in model.get("required", []):
        return "**required**"
    if "default" not in field:  # a default made by a factory, which the schema does not show
        return "*optional*"
    value = field["default"]
    if value is None:  # not set, unless the model's default choice sets it
        by = model.get("x-defaults", {}).get("by")
        set_by_choice = by is not None and key in model["x-defaults"]["table"][_model_defaults(model)[by]]
        return f"*the `{by}`'s*" if set_by_choice else "*not set*"
    if _ref(field) and isinstance(value, dict):
        base = _model_defaults(defs[_ref(field)])
        changed = {k: v for k, v in value.items() if v != base.get(k)}
        return f"`{_yaml(changed)}`" if changed else "*all defaults*"
    return '`""`' if value == "" else f"`{_yaml(value)}`"


# ---------------------------------------------------------------- walking the schema


def _children(field: dict, key: str) -> list[tuple[str, str]]:
    """The models inside a field, each with the path from the field's key to it."""
    if _ref(field):
        return [(_ref(field), key)]
    found: list[tuple[str, str]] = []
    for node in field.get("anyOf", [field]):  # every form a field may take (a list or a mapping, say)
        if node.get("type") == "array":
            found += [(model, path + "[]") for model, path in _children(node["items"], key)]
        elif node.get("type") == "object":
            placeholder = f".<{key[:-1] if key.endswith('s') else key}>"
            found += [(model, path + placeholder) for model, path in _children(_map_value(node), key)]
    return found


def _models(schema: dict) -> dict[str, list[str]]:
    """Every model of a JSON Schema (the root as its title) with the paths it is used at, in reading order:
    depth first from the root, in field order."""
    found: dict[str, list[str]] = {}

    def walk(name: str, model: dict, path: str) -> None:
        first = name not in found
        found.setdefault(name, []).append(path)
        for key, field in model["properties"].items() if first else ():
            for child, step in _children(field, key):
                walk(child, schema["$defs"][child], f"{path}.{step}" if path else step)

    walk(schema["title"], schema, "")
    return found


def _choices(key: str, field: dict) -> str:
    enum = field.get("enum") or next(a["enum"] for a in field.get("anyOf", ()) if "enum" in a)  # optional
    lines = [f"- `{choice}`: {_md(field['x-choices'][choice])}" for choice in enum]
    return f"`{key}` is one of:\n\n" + "\n".join(lines)


def _defaults_table(model: dict) -> str:
    by, table = model["x-defaults"]["by"], model["x-defaults"]["table"]
    columns = model["properties"][by]["enum"]
    keys = [key for key in model["properties"] if any(key in table[c] for c in columns)]
    rows = [[f"`{key}`", *(f"`{_yaml(table[c][key])}`" if key in table[c] else "—" for c in columns)]
            for key in keys]
    return (f"Defaults set by `{by}` (a value given in the file overrides them):\n\n"
            + _table([f"`{by}`", *(f"`{c}`" for c in columns)], rows))


def _model_section(name: str, model: dict, paths: list[str], defs: dict) -> str:
    rows = []
    for key, field in model["properties"].items():
        # pydantic leaves out a field's description when it repeats the docstring of the field's model.
        description = field.get("description") or defs.get(_ref(field), {}).get("description", "")
        rows.append([f"`{key}`", _type(field, field.get("default")), _default(key, field, model, defs),
                     _md(description)])
    where = ", ".join(f"`{p}`" for p in paths if p) or "the top level of the file"
    parts = [f"### {name}", _paragraphs(model.get("description", "")), f"Where: {where}.",
             _table(["Key", "Type", "Default", "Description"], rows)]
    parts += [_choices(key, field) for key, field in model["properties"].items() if "x-choices" in field]
    if "x-defaults" in model:
        parts.append(_defaults_table(model))
    return "\n\n".join(parts)


# ---------------------------------------------------------------- the general sections


def _units() -> str:
    lengths = [[f"`{unit}`", f"{_num(hours * 3600)} s" if hours < 1 else f"{_num(hours)} h",
                ", ".join(name for name in UNIT_ALIASES[unit] if name != unit)]
               for unit, hours in UNIT_HOURS.items()]
    examples = [[f"`{t}`", "duration", f"{_num(parse_duration(t))} h"] for t in DURATIONS]
    examples += [[f"`{t}`", "rate", f"{parse_rate(t):.4g} per h"] for t in RATES]
    examples += [[f"`{t}`", "effort rate", f"{parse_effort_rate(t):.4g} h per h"] for t in EFFORT_RATES]
    return "\n\n".join([
        "## Durations, rates and units",
        "**Durations** carry a unit (`30 min`, `2 h`, `3 days`); a bare number is refused unless the "
        "scenario sets `time_unit` (" + ", ".join(f"`{u}`" for u in TIME_UNITS) + "), which then says what "
        "bare numbers in durations, rates and effort rates mean; `0` needs no unit. Units may also be "
        "written in full or plural; `m` is refused as ambiguous (`min` or `month`?).",
        _table(["Unit", "Length", "Also written"], lengths),
        "**Rates** are events per time (`20 per day`, `1.5 / month`, `3 per 2 hours`); **effort rates** are "
        "customer time per calendar time (`1 h per day`). Inside the simulator every time is in hours:",
        _table(["Written", "Kind", "Means"], examples),
    ])


def _distributions() -> str:
    rows = []
    for family in (f for f in DISTRIBUTION_JSON_SCHEMA["oneOf"] if "properties" in f):
        name, required = family["title"], family["required"]
        params = [f"`{p}`" + ("" if p in required else " (optional)")
                  for p in family["properties"] if p != "dist"]
        example = DISTRIBUTIONS[name]
        rows.append([f"`{name}`", ", ".join(params), f"`{_yaml(example)}`",
                     parse_distribution(example).describe(format_duration)])
    return "\n\n".join([
        "## Distributions",
        _md(DISTRIBUTION_JSON_SCHEMA["description"]) + " Parameters are durations, or plain numbers in a "
        "distribution of numbers (such as a customer's `monthly_value`).",
        _table(["`dist`", "Parameters", "Example", "Reads as"], rows),
    ])


def _working_hours() -> str:
    rows = [[f"`{_yaml(example)}`", parse_hours(example).describe()] for example in HOURS]
    return "\n\n".join([
        "## Working hours",
        "Teams work, and customers open cases, during working hours: `24/7`, `business`, a mapping "
        "`{days, open, close}` or a list of them (combined). `days` is a range (`mon-fri`), a list of day "
        "names, `weekdays`, `weekend` or `daily`; times are `'HH:MM'` (quoted) up to `'24:00'`. The "
        "simulation starts on a Monday at 00:00.",
        _table(["Written", "Means"], rows),
    ])


def _names() -> str:
    return (f"## Names\n\nNames (of the scenario, case types, skills, teams and designs) are "
            f"{NAME['minLength']} to {NAME['maxLength']} characters matching `{NAME['pattern']}`: letters, "
            "digits, `_`, `.`, `-` and spaces, not starting with `.`, `-` or a space.")


def _example(root: Path) -> str:
    text = (root / EXAMPLE).read_text(encoding="utf-8")
    return "\n\n".join([
        "## A complete example",
        f"The shipped `{EXAMPLE.as_posix()}`, as it is:",
        "```yaml\n" + text + ("" if text.endswith("\n") else "\n") + "```",
    ])


def _editors() -> str:
    return "\n\n".join([
        "## Editor support",
        "`cxsim schema` prints the JSON Schema this page is generated from. Editors that use the YAML "
        "language server (e.g. VS Code with the YAML extension) then complete keys, show these descriptions "
        "and flag unknown keys. Save the schema, and name it in the first line of a scenario file (the "
        "path is relative to that file; here a scenario in `scenarios/` and the schema beside that folder):",
        "```bash\ncxsim schema > cxsim.schema.json\n```",
        "```yaml\n# yaml-language-server: $schema=../cxsim.schema.json\nname: my_scenario\n```",
        "`cxsim validate` remains the full check (units, cross-field rules).",
    ])


def _churn_curve() -> str:
    churn = Churn()
    loyalty = Customers.model_fields["loyalty"].default
    year = base_churn(loyalty, 8766.0)
    scores = [[_num(x), f"{high_effort(churn, x):.1%}"] for x in CHURN_SCORES]
    terms = [[_num(e), f"{disloyal_share(churn, e):.1%}", f"{renewal_churn(churn, year, e):.1%}"]
             for e in TERM_EXPERIENCES]
    return "\n\n".join([
        "## The churn curve",
        f"How high-effort a case was, h(x) of [Churn](#churn) with its defaults (midpoint "
        f"{_num(churn.midpoint)}, scale {_num(churn.scale)}), for a case's experience score x (weighted by "
        "[ChurnWeights](#churnweights)):",
        _table(["Score x", "h(x)"], scores),
        "The decision at an annual renewal, for the term's experience E (the recency-weighted average of h "
        f"over the term's cases, half-life {_num(churn.half_life / 24.0)} days), at the default loyalty "
        f"{_num(loyalty)}. How CEB's figures map onto it: E = 0 (only low-effort cases, or none) is the 9% "
        "of customers made disloyal by low-effort service and gives exactly the base churn 1 - loyalty; "
        "E = 1 (only high-effort cases) is the 96% made disloyal by high-effort service, and gives "
        "96/9 = 10.7 times the base churn; in between, churn rises in proportion to the disloyal share D(E):",
        _table(["Term experience E", "disloyal D(E)", "churn at renewal"], terms),
    ])


def _stability() -> str:
    from cxsim import stability, warmup

    limit = f"{stability.LOAD_LIMIT:.0%}"
    return "\n\n".join([
        "## Stability warnings",
        "Before a run, `cxsim run` prints each team's **planned offered load**: the scenario's arrival "
        "rate (the Poisson rate, or the customers at the start x `customers.case_rate`) x each case type's "
        "share x the work it needs where it is fixed (`exchanges` diagnoses and the fix, divided by the "
        "team's speed, diagnosis shortened by the incentive's rush; when `intake.team` lacks the skill, its "
        "diagnoses and a hand-off too, and the briefed diagnosis at the fixer), shared evenly among the "
        "teams that fix it, / the team's agent-hours per calendar hour. It is an analytic estimate "
        "**without failure demand** (no misroutes, misses, deflections or reopens).",
        "After the run, `summary.json` (`teams`), the CLI and the report give per team the utilisation, the "
        "**measured offered load** (sessions that reached the team in the window, i.e. those served plus "
        "the growth of its queue, x their mean work / its agent-hours; failure demand included), the "
        "**failure-demand share** of its work (sessions at a team without the case's skill, except the "
        "look an `intake.team` takes by design before any transfer; sessions that end handing the case "
        "on; any session after a reopen) and the mean and p90 queue wait (calendar hours from joining the "
        "queue to a session's start, counted cases, waits that ended in a session). The metric "
        "`cases_per_month` is the demand each design faced.",
        "`summary.json` lists `warnings`, each with a machine-readable `code`, the `design`, the `team` "
        "where it applies, a `value` and a `message`; the CLI prints them on stderr and the report under "
        "*Load and stability*:",
        _table(["code", "rule"], [
            ["`planned_load_high`", f"a team's planned offered load is at or above {limit}"],
            ["`offered_load_high`", f"a team's measured offered load is at or above {limit}"],
            ["`utilization_high`", f"a team's utilisation is at or above {limit}"],
            ["`backlog_growing`", "results depend on the horizon: the daily open cases (every case, sampled "
             "at each day from the start, averaged over replications) still grow over the last "
             f"{stability.LAST_PART:.0%} of the horizon. The rule: cut that part into "
             f"{stability.TREND_BATCHES} batch means, fit a least-squares line, and warn when its slope is "
             f"positive at one-sided p < {stability.TREND_P:g} (Student t, {stability.TREND_BATCHES - 2} "
             "degrees of freedom) and the growth it implies over that part is at least "
             f"{stability.TREND_GROWTH:.0%} of the mean open cases there (and at least one case)"],
            ["`warmup_too_short`", f"MSER-{warmup.BATCH} (White 1997) on the same daily series: batch "
             f"means of {warmup.BATCH} days, truncation d minimising sum((Z_j - mean)^2) / (m - d)^2 over "
             "the first half of the series; warned (with the suggested warm-up as `value`, in hours) when "
             "the suggestion is longer than `warmup` and the batches it would drop beyond the warm-up differ "
             f"from those it keeps (t-test, two-sided p < {warmup.SIGNIFICANCE:g})"],
            ["`no_steady_state`", "as above, but MSER's minimum is at the end of the half it searches: no "
             "warm-up makes the run stationary"],
        ]),
        "`summary.json`'s `stability` block gives, per design, the backlog trend (`from_day`, "
        "`slope_per_day`, `growth`, `level`, `p_value`, `growing`) and MSER's answer (`truncate` in days, "
        "`batches`, `settled`, `given_hours`, `suggested_hours`).",
    ])


# ---------------------------------------------------------------- the page


def _contents_line(section: str) -> str:
    title = section.split("\n", 1)[0].removeprefix("## ")
    anchor = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")  # as GitHub makes it
    return f"- [{title}](#{anchor})"


def render(root: str | Path = ".") -> str:
    """The scenario reference page (Markdown); ``root`` is the repository (for ``scenarios/minimal.yaml``)."""
    schema = Scenario.model_json_schema()
    found = _models(schema)
    defs = {**schema["$defs"], schema["title"]: schema}
    sections = [
        _units(), _distributions(), _working_hours(), _names(), _example(Path(root)), _editors(),
        "## Sections of a scenario file\n\nFrom the top level down (`<design>`, `<team>` and the like stand "
        "for names you choose): " + ", ".join(_link(name) for name in found) + ".",
        *(_model_section(name, defs[name], paths, defs) for name, paths in found.items()),
        _churn_curve(), _stability(),
    ]
    return "\n\n".join([
        "# Scenario file reference",
        f"<!-- Generated from the JSON Schema of cxsim/scenario.py by `{COMMAND}`; do not edit by hand. -->",
        _md(schema["description"]) + " A scenario file is YAML; every key not given takes the default listed "
        "below, and unknown keys are errors.",
        "\n".join(_contents_line(s) for s in sections if s.startswith("## ")),
        *sections,
    ]) + "\n"


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.stdout.write(render())
