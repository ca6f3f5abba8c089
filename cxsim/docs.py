"""The scenario-file reference page, generated from the schema itself.

``docs/scenario-reference.md`` is the output of :func:`render_reference`: every section of the schema
comes from the pydantic models in :mod:`cxsim.scenario` (field types, defaults and attribute docstrings),
and the default tables come from the data the simulator uses (:data:`cxsim.transfer_policy.POLICIES`,
:data:`cxsim.incentives.SCHEME_DEFAULTS`), so the page cannot drift from the code. Regenerate it with::

    python -m cxsim.reference > docs/scenario-reference.md

``tests/test_reference.py`` fails when the committed page is stale or a schema field has no docstring.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import math
import re
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from ruamel.yaml import YAML

from cxsim import distributions, scenario
from cxsim.engine.population import leave_probability
from cxsim.policies import INCENTIVE_SCHEMES, INCENTIVE_TUNABLES, TRANSFER_POLICIES, TransferPolicy, defaults
from cxsim.scenario import Churn, ChurnWeights, Incentive, Scenario, Transfer
from cxsim.units import UNIT_HOURS, format_duration, parse_duration, parse_rate
from cxsim.working_hours import WorkingHours

__all__ = ["EXAMPLE_SCENARIO", "reachable_models", "render_reference"]

POLICIES = TRANSFER_POLICIES
SCHEME_DEFAULTS = defaults(INCENTIVE_SCHEMES, INCENTIVE_TUNABLES)

#: A complete small scenario (``scenarios/minimal.yaml``), kept here so that rendering does not depend on the
#: working directory; ``tests/test_reference.py`` checks that it loads.
EXAMPLE_SCENARIO = """\
# Two designs on the same cases: three narrow lanes with cold transfers versus one team that owns every
# case. Every key not given takes its default.
name: minimal
horizon: 60 days
warmup: 10 days
replications: 5

customers:
  count: 300
  case_rate: 1 per month

case_types:
  how_to:  {share: 0.6, skills: [product], fix_time: 10 min}
  billing: {share: 0.1, skills: [billing], fix_time: 15 min}
  bug:
    share: 0.3
    skills: [engineering]
    fix_time: {dist: lognormal, mean: 1 h, sd: 30 min}
    difficulty: 0.3

effort:
  chasing: 1 h per day

designs:
  lanes:
    teams:
      product:     {agents: 2, skills: [product]}
      engineering: {agents: 2, skills: [engineering]}
      billing:     {agents: 1, skills: [billing]}
    transfer: {policy: cold}
    incentive: {scheme: close_fast}
  one_team:
    teams:
      support: {agents: 5, skills: [product, engineering, billing]}
"""

#: One example per distribution family, as written in a scenario file (checked by rendering them).
DISTRIBUTION_EXAMPLES: dict[str, str] = {
    "constant": "{dist: constant, value: 10 min}",
    "exponential": "{dist: exponential, mean: 20 min}",
    "lognormal": "{dist: lognormal, mean: 40 min, sd: 20 min}",
    "gamma": "{dist: gamma, mean: 1 h, sd: 30 min}",
    "uniform": "{dist: uniform, low: 2 days, high: 5 days}",
    "empirical": "{dist: empirical, values: [5 min, 30 min, 2 h], weights: [6, 3, 1]}",
}

_DURATION_EXAMPLES = ("90 s", "30 min", "2.5 h", "3 days", "2 weeks", "12 months", "1 year")
_RATE_EXAMPLES = ("20 per day", "1.5 / month", "3 per 2 hours", "1 per month")
_EFFORT_RATE_EXAMPLES = ("1 h per day", "30 min / week")
_HOURS_EXAMPLES = (
    "24/7",
    "business",
    "{days: mon-fri, open: '08:00', close: '20:00'}",
    "{days: [mon, wed, fri], open: '09:00', close: '13:00'}",
    "{days: daily, open: '00:00', close: '24:00'}",
    "[{days: mon-fri, open: '08:00', close: '18:00'}, {days: sat, open: '09:00', close: '12:00'}]",
)
_CHURN_SCORES = (0, 5, 10, 15, 20, 25, 30, 40, 60)
#: What each churn weight multiplies (see ``cxsim.churn.experience_score``).
_CHURN_QUANTITIES = {
    "effort_hours": "customer effort hours",
    "transfers": "number of transfers",
    "reopens": "number of reopens",
    "days": "days open",
    "unresolved": "(1 if the case ended unresolved, else 0)",
}

# The schema's own custom types, to read the examples exactly as a scenario file is read.
_DURATION = TypeAdapter(scenario.Duration)
_RATE = TypeAdapter(scenario.Rate)
_EFFORT_RATE = TypeAdapter(scenario.EffortRate)
_DURATION_DIST = TypeAdapter(scenario.DurationDist)
_HOURS = TypeAdapter(scenario.Hours)

_SCHEMA_TITLE = "Schema"
_UNIT_WORDS = {"s": "second", "min": "minute", "h": "hour", "day": "day", "week": "week", "month": "month",
               "year": "year"}
_PLURAL_UNITS = {"s": "s", "min": "min", "h": "h", "day": "days", "week": "weeks", "month": "months",
                 "year": "years"}


# ---------------------------------------------------------------- value formatting (YAML terms)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _num(x: float) -> str:
    return f"{x:g}" if float(x).is_integer() or abs(x) >= 1e-4 else f"{x:.6g}"


def _fmt_duration(hours: float) -> str:
    """``format_duration``, unless it rounds: then the exact value in the largest unit that keeps it short."""
    text = format_duration(hours)
    if _close(parse_duration(text), hours):
        return text
    for unit in sorted(UNIT_HOURS, key=UNIT_HOURS.__getitem__, reverse=True):
        count = hours / UNIT_HOURS[unit]
        short = f"{count:.4g}"
        if abs(count) >= 1 and _close(float(short), count):
            return f"{short} {_PLURAL_UNITS[unit] if float(short) != 1 else unit}"
    return f"{hours:.6g} h"


def _fmt_rate(per_hour: float) -> str:
    """Events per hour as 'N per unit', choosing the first unit in which N is at least 1 and exact."""
    if per_hour == 0:
        return "0"
    for unit in ("h", "day", "week", "month", "year"):
        text = f"{per_hour * UNIT_HOURS[unit]:.4g} per {_UNIT_WORDS[unit]}"
        if per_hour * UNIT_HOURS[unit] >= 1 and _close(parse_rate(text), per_hour):
            return text
    return f"{per_hour:.6g} per hour"


def _fmt_effort_rate(value: float) -> str:
    """Customer hours per calendar hour as 'amount per unit', e.g. '1 h per day'."""
    if value == 0:
        return "0"
    for unit in ("day", "week", "month", "h"):
        amount = _fmt_duration(value * UNIT_HOURS[unit])
        if _close(parse_duration(amount) / UNIT_HOURS[unit], value):
            return f"{amount} per {_UNIT_WORDS[unit]}"
    return f"{_fmt_duration(value * 24.0)} per day"


def _fmt_plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, str):
        return '""' if value == "" else value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt_plain(v) for v in value) + "]"
    return str(value)


# ---------------------------------------------------------------- types in plain words


@dataclasses.dataclass(frozen=True)
class _Type:
    words: str
    """The type in plain words (Markdown)."""
    fmt: Callable[[Any], str] = _fmt_plain
    """A value of the type in YAML terms."""
    code: bool = True
    """Whether ``fmt``'s text is YAML to show as code (distributions and hours are described in words)."""


def _validator_funcs(alias: Any) -> set[Callable[..., Any]]:
    return {m.func for m in getattr(alias, "__metadata__", ()) if callable(getattr(m, "func", None))}


def _duration_dist_text(dist: Any) -> str:
    return dist.describe(_fmt_duration)


def _number_dist_text(dist: Any) -> str:
    return dist.describe()


def _hours_text(hours: WorkingHours) -> str:
    return hours.describe()


# The scenario's custom types, recognised by their validators (whatever the field is called).
_CUSTOM_TYPES: list[tuple[set[Callable[..., Any]], _Type]] = [
    (_validator_funcs(scenario.Duration), _Type("duration", _fmt_duration)),
    (_validator_funcs(scenario.Rate), _Type("rate", _fmt_rate)),
    (_validator_funcs(scenario.EffortRate), _Type("effort rate", _fmt_effort_rate)),
    (_validator_funcs(scenario.DurationDist), _Type("distribution of durations", _duration_dist_text, False)),
    (_validator_funcs(scenario.NumberDist), _Type("distribution of numbers", _number_dist_text, False)),
    (_validator_funcs(scenario.Hours), _Type("working hours", _hours_text, False)),
]
_NAME_PATTERN = next(
    m.pattern for m in get_args(scenario.Name)[1].metadata if getattr(m, "pattern", None) is not None
)


def _strip_annotated(tp: Any, meta: list[Any]) -> tuple[Any, list[Any]]:
    """The bare type under any ``Annotated`` layers, and all their metadata (FieldInfo flattened)."""
    meta = list(meta)
    while get_origin(tp) is Annotated:
        tp, *extras = get_args(tp)
        for item in extras:
            meta.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return tp, meta


def _bounds(meta: list[Any]) -> dict[str, float]:
    found: dict[str, float] = {}
    for item in meta:
        for key in ("ge", "gt", "le", "lt"):
            value = getattr(item, key, None)
            if value is not None:
                found[key] = value
    return found


def _number_words(base: str, meta: list[Any]) -> str:
    b = _bounds(meta)
    if base == "number" and b == {"ge": 0, "le": 1}:
        return "probability (0–1)"
    if set(b) == {"ge", "le"}:
        return f"{base} {_num(b['ge'])}–{_num(b['le'])}"
    parts = [f"{sym} {_num(b[key])}" for key, sym in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤"))
             if key in b]
    return f"{base} " + " and ".join(parts) if parts else base


def _size_words(meta: list[Any], noun: str) -> str:
    low = next((m.min_length for m in meta if getattr(m, "min_length", None) is not None), None)
    high = next((m.max_length for m in meta if getattr(m, "max_length", None) is not None), None)
    if low and high:
        return f" ({low}–{high} {noun}s)"
    if low:
        return f" (at least {low} {noun}{'' if low == 1 else 's'})"
    if high is not None:
        return f" (at most {high} {noun}s)"
    return ""


def _slug(title: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def _link(model: type[BaseModel]) -> str:
    return f"[{model.__name__}](#{_slug(model.__name__)})"


def _plural(words: str) -> str:
    if words in ("name", "integer", "number", "duration", "rate"):
        return words + "s"
    return f"{words} items"


def _describe_type(tp: Any, meta: list[Any] | tuple[Any, ...] = ()) -> _Type:
    """A field's type in plain words, with the formatter for its values."""
    tp, meta = _strip_annotated(tp, list(meta))
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _describe_type(args[0], meta)
        return _Type(" or ".join(_describe_type(a).words for a in args))
    funcs = {m.func for m in meta if callable(getattr(m, "func", None))}
    for known, kind in _CUSTOM_TYPES:
        if funcs & known:
            return kind
    if origin is Literal:
        return _Type("one of " + ", ".join(_fmt_plain(a) for a in get_args(tp)))
    if origin is dict:
        key_type, value_type = (_describe_type(a) for a in get_args(tp))
        return _Type(f"mapping of {key_type.words} → {value_type.words}{_size_words(meta, 'entry')}")
    if origin in (list, tuple, set, frozenset):
        item = _describe_type(get_args(tp)[0])
        return _Type(f"list of {_plural(item.words)}{_size_words(meta, 'item')}")
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _Type(_link(tp), _model_default, False)
    if tp is bool:
        return _Type("true or false")
    if tp is int:
        return _Type(_number_words("integer", meta))
    if tp is float:
        return _Type(_number_words("number", meta))
    if tp is str:
        if any(getattr(m, "pattern", None) == _NAME_PATTERN for m in meta):
            return _Type("name")
        return _Type("text" + _size_words(meta, "character"))
    return _Type(getattr(tp, "__name__", str(tp)))


def _field_type(field: FieldInfo) -> _Type:
    return _describe_type(field.annotation, field.metadata)


def _value_text(kind: _Type, value: Any) -> str:
    text = kind.fmt(value)
    return f"`{text}`" if kind.code else text


def _model_default(value: BaseModel) -> str:
    cls = type(value)
    try:
        base: BaseModel | None = cls()
    except ValidationError:
        base = None
    if value == base:
        return "*all defaults*"
    parts = []
    for name, field in cls.model_fields.items():
        current = getattr(value, name)
        if base is None or current != getattr(base, name):
            parts.append(f"{field.alias or name}: {_field_type(field).fmt(current)}")
    return "`{" + ", ".join(parts) + "}`"


def _default_text(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "*not set*"
    return _value_text(_field_type(field), value)


# ---------------------------------------------------------------- walking the schema


def _nested(tp: Any) -> Iterator[tuple[type[BaseModel], str]]:
    """Models inside a field type, each with the path step from the field to it ('' or '.<x>' or '[]')."""
    tp, _ = _strip_annotated(tp, [])
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        yield tp, ""
    elif origin is dict:
        for model, rest in _nested(get_args(tp)[1]):
            yield model, "{key}" + rest
    elif origin in (list, tuple, set, frozenset):
        for model, rest in _nested(get_args(tp)[0]):
            yield model, "[]" + rest
    elif origin in (Union, types.UnionType):
        for arg in get_args(tp):
            yield from _nested(arg)


def reachable_models(root: type[BaseModel] = Scenario) -> dict[type[BaseModel], list[str]]:
    """Every model reachable from ``root`` in depth-first order of first appearance, with its YAML paths."""
    found: dict[type[BaseModel], list[str]] = {}

    def walk(model: type[BaseModel], path: str) -> None:
        if model in found:
            found[model].append(path)
            return
        found[model] = [path]
        for name, field in model.model_fields.items():
            key = field.alias or name
            placeholder = "<" + (key[:-1] if key.endswith("s") else key).replace("_", " ") + ">"
            for sub, step in _nested(field.annotation):
                step = step.replace("{key}", f".{placeholder}")
                walk(sub, f"{path}.{key}{step}" if path else f"{key}{step}")

    walk(root, "")
    return found


# ---------------------------------------------------------------- Markdown helpers

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def _markdown(text: str, *, table: bool = False) -> str:
    """Docstring text as Markdown: RST ``code`` to `code`, HTML-like characters escaped outside code.

    In a table cell paragraphs are joined with <br><br> and pipes are escaped.
    """
    text = inspect.cleandoc(text)
    text = re.sub(r"``(.+?)``", r"`\1`", text, flags=re.DOTALL)
    out: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_escape(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_escape(text[last:]))
    text = "".join(out)
    paragraphs = [" ".join(line.strip() for line in p.splitlines()) for p in re.split(r"\n\s*\n", text)]
    if table:
        return "<br><br>".join(paragraphs).replace("|", "\\|")
    return "\n\n".join(paragraphs)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def _attribute_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings of a (data)class, read from its source."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):
        return {}
    docs: dict[str, str] = {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for node, after in zip(body, body[1:], strict=False):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


# ---------------------------------------------------------------- sections


def _intro(models: dict[type[BaseModel], list[str]]) -> str:
    strict = Scenario.model_config.get("extra") == "forbid"
    contents = [
        "[Durations, rates and units](#durations-rates-and-units)",
        "[Distributions](#distributions)",
        "[Working hours](#working-hours)",
        "[Names](#names)",
        "[A complete example](#a-complete-example)",
        f"[{_SCHEMA_TITLE}](#{_slug(_SCHEMA_TITLE)}): " + ", ".join(_link(m) for m in models),
        "[The churn curve](#the-churn-curve)",
        "[Transfer policy defaults](#transfer-policy-defaults)",
        "[Incentive scheme defaults](#incentive-scheme-defaults)",
    ]
    return "\n".join([
        "# Scenario file reference",
        "",
        "<!-- Generated from cxsim/scenario.py by `python -m cxsim.reference > docs/scenario-reference.md`;",
        "     do not edit by hand. -->",
        "",
        "A scenario file is YAML. It describes what all org designs share (customers, case types, how",
        "customers spend effort and how they churn) and several named `designs` (teams, intake, transfer",
        "policy, incentive scheme) that are simulated on the same customers and cases and compared.",
        "Every key not given takes the default listed below"
        + ("; unknown keys are errors, so a typo is reported rather than ignored." if strict else "."),
        "",
        *[f"{i}. {item}" for i, item in enumerate(contents, 1)],
    ])


def _units_section() -> str:
    aliases: dict[str, list[str]] = {unit: [] for unit in UNIT_HOURS}
    for alias, unit in getattr(sys.modules[parse_duration.__module__], "_ALIASES", {}).items():
        if alias != unit:
            aliases[unit].append(alias)
    rows = []
    for unit, hours in UNIT_HOURS.items():
        length = f"{_num(hours)} h" if hours >= 1 else f"{_num(hours * 3600)} s"
        rows.append([f"`{unit}`", length, ", ".join(aliases[unit]) or "—"])
    time_units = _field_type(Scenario.model_fields["time_unit"]).words
    examples = [[f"`{e}`", "duration", f"{_num(_DURATION.validate_python(e))} h"] for e in _DURATION_EXAMPLES]
    examples += [[f"`{e}`", "rate", f"{_RATE.validate_python(e):.4g} per hour"] for e in _RATE_EXAMPLES]
    examples += [[f"`{e}`", "effort rate", f"{_EFFORT_RATE.validate_python(e):.4g} customer hours per hour"]
                 for e in _EFFORT_RATE_EXAMPLES]
    return "\n\n".join([
        "## Durations, rates and units",
        "**Durations** are written with a unit: `30 min`, `2 h`, `3 days`, `1.5 weeks`. A bare number is "
        "refused (is `30` minutes or hours?) unless the scenario sets `time_unit` "
        f"({time_units}), which then says what bare numbers in durations, rates and distributions of "
        "durations mean; `0` needs no unit. Inside the simulator every time is in hours.",
        _table(["Unit", "Length", "Also written"], rows),
        "`m` is refused as ambiguous: write `min` for minutes or `month` for months. A month is a twelfth "
        f"of a year of {_num(UNIT_HOURS['year'] / UNIT_HOURS['day'])} days.",
        "**Rates** are events per time, written `N per unit` or `N / unit`, also over a longer period "
        "(`3 per 2 hours`); with `time_unit` a bare number means per one such unit. **Effort rates** are "
        "customer time per calendar time, e.g. `1 h per day`.",
        _table(["Written", "Kind", "Means"], examples),
        "Defaults below are shown in these terms; distributions and working hours are described in words.",
    ])


def _distributions_section() -> str:
    families = getattr(distributions, "_FAMILIES", {})
    classes = {name.lower(): getattr(distributions, name) for name in distributions.__all__
               if isinstance(getattr(distributions, name), type)}
    rows = []
    for family, (required, optional) in families.items():
        params = ", ".join([f"`{p}`" for p in required] + [f"`{p}` (optional)" for p in optional])
        example = DISTRIBUTION_EXAMPLES.get(family)
        described = _DURATION_DIST.validate_python(_yaml(example)).describe(_fmt_duration) if example else ""
        doc = inspect.getdoc(classes[family]) if family in classes else ""
        rows.append([f"`{family}`", params, _markdown((doc or "").split("\n\n")[0], table=True),
                     f"`{example}`" if example else "—", described])
    return "\n\n".join([
        "## Distributions",
        "Random times (and numbers such as a customer's monthly value) are distributions. A single value is "
        "a constant: `fix_time: 5 min` (or `monthly_value: 2500` for numbers). Otherwise write a mapping "
        "naming the family under `dist` with its parameters; `mean` and `sd` are those of the variable "
        "itself (not of its logarithm), and each parameter is a duration or, for distributions of numbers, "
        "a plain number.",
        _table(["`dist`", "Parameters", "Shape", "Example", "Reads as"], rows),
    ])


def _hours_section() -> str:
    rows = [[f"`{e}`", _HOURS.validate_python(_yaml(f"x: {e}")["x"]).describe()] for e in _HOURS_EXAMPLES]
    return "\n\n".join([
        "## Working hours",
        "Teams work, and customers open cases, during working hours. Write `24/7` (or `always`), `business` "
        "(Monday to Friday, 09:00 to 17:00), a mapping `{days, open, close}`, or a list of such mappings, "
        "which are combined. `days` is a range (`mon-fri`, or `fri-mon` across the weekend), a comma "
        "list (`mon,wed,fri`), a list of day names, `weekdays`, `weekend` or `daily`. Times are `HH:MM` "
        "from `00:00` to `24:00`; quote them in YAML. A shift past midnight is two entries. The simulation "
        "starts on a Monday at 00:00.",
        _table(["Written", "Means"], rows),
    ])


def _names_section() -> str:
    meta = get_args(scenario.Name)[1].metadata
    low = next(m.min_length for m in meta if getattr(m, "min_length", None) is not None)
    high = next(m.max_length for m in meta if getattr(m, "max_length", None) is not None)
    return "\n\n".join([
        "## Names",
        f"Names (of the scenario, case types, skills, teams and designs) are {low} to {high} characters: "
        "letters, digits, `_`, `.`, `-` and spaces, starting with a letter, digit or `_` "
        f"(the pattern `{_NAME_PATTERN}`).",
    ])


def _example_section() -> str:
    return "\n\n".join([
        "## A complete example",
        "The smallest useful scenario (also `scenarios/minimal.yaml`): copy it and grow it.",
        "```yaml\n" + EXAMPLE_SCENARIO.rstrip("\n") + "\n```",
    ])


def _model_section(model: type[BaseModel], paths: list[str]) -> str:
    doc = model.__dict__.get("__doc__")
    where = ", ".join(f"`{p}`" for p in paths if p) or "the top level of the file"
    rows = []
    for name, field in model.model_fields.items():
        description = _markdown(field.description, table=True) if field.description else "*(undocumented)*"
        rows.append([f"`{field.alias or name}`", _field_type(field).words, _default_text(field), description])
    parts = [f"### {model.__name__}"]
    if doc:
        parts.append(_markdown(doc))
    parts.append(f"Where: {where}.")
    parts.append(_table(["Key", "Type", "Default", "Description"], rows))
    return "\n\n".join(parts)


def _schema_section(models: dict[type[BaseModel], list[str]]) -> str:
    intro = (f"## {_SCHEMA_TITLE}\n\nEvery section of a scenario file, starting at the top level; "
             "a section used under a key is described once. `<name>` stands for a name you choose.")
    return "\n\n".join([intro, *(_model_section(m, p) for m, p in models.items())])


def _churn_section() -> str:
    churn = Churn()
    weights = ChurnWeights.model_fields
    width = max(map(len, weights))
    score = "\n    + ".join(f"{key:<{width}} × {_CHURN_QUANTITIES.get(key, key)}" for key in weights)
    defaults = ", ".join(f"`{key}` {_num(field.default)}" for key, field in weights.items())
    rows = [[_num(x), f"{leave_probability(churn, x):.1%}"] for x in _CHURN_SCORES]
    return "\n\n".join([
        "## The churn curve",
        "Each finished case gets an experience score x in effort-hour equivalents, weighted by "
        f"[`churn.weights`](#churnweights) (defaults: {defaults}):",
        f"```text\nx =   {score}\n```",
        "The curve turns it into p(x), the probability that the case makes the customer decide to leave:",
        "```text\np(x) = floor + (ceiling - floor) / (1 + exp(-(x - midpoint) / scale))\n```",
        "The customer's loyalty (the probability of renewing) is multiplied by 1 − p(x) after each case, and "
        "the decision acts at the next contract renewal. With `curve: none` p is 0. With the defaults "
        f"(floor {_num(churn.floor)}, ceiling {_num(churn.ceiling)}, midpoint {_num(churn.midpoint)}, "
        f"scale {_num(churn.scale)}):",
        _table(["Score x", "p(x)"], rows),
    ])


def _transfer_section() -> str:
    policies = list(POLICIES.values())
    docs = _attribute_docs(TransferPolicy)
    rows = []
    for f in dataclasses.fields(TransferPolicy):
        if f.name == "name":
            continue
        if f.name in Transfer.model_fields:
            kind = _field_type(Transfer.model_fields[f.name])
            cells = [_value_text(kind, getattr(p, f.name)) for p in policies]
            meaning = f"Default of `transfer.{f.name}` (a design may override it)."
            key = f"`{f.name}`"
        else:
            cells = ["yes" if getattr(p, f.name) else "no" for p in policies]
            meaning = _markdown(docs.get(f.name, ""), table=True)
            key = f.name.replace("_", " ")
        rows.append([key, *cells, meaning])
    return "\n\n".join([
        "## Transfer policy defaults",
        "What each `transfer.policy` does when an agent cannot fix a case, and the defaults it sets for the "
        "numbers a design leaves out.",
        _table(["", *(f"`{p.name}`" for p in policies), "Meaning"], rows),
    ])


def _incentive_section() -> str:
    schemes = list(SCHEME_DEFAULTS)
    keys = list(dict.fromkeys(k for values in SCHEME_DEFAULTS.values() for k in values))
    rows = []
    for key in keys:
        kind = _field_type(Incentive.model_fields[key]) if key in Incentive.model_fields else _Type("")
        cells = [_value_text(kind, SCHEME_DEFAULTS[s][key]) if key in SCHEME_DEFAULTS[s] else "—"
                 for s in schemes]
        rows.append([f"`{key}`", *cells])
    return "\n\n".join([
        "## Incentive scheme defaults",
        "The defaults each `incentive.scheme` sets for the behaviour a design leaves out (no published "
        "rates exist: these are stated assumptions to sweep).",
        _table(["", *(f"`{s}`" for s in schemes)], rows),
    ])


def render_reference() -> str:
    """The scenario reference page (Markdown), generated from the schema models and default tables."""
    models = reachable_models(Scenario)
    sections = [
        _intro(models),
        _units_section(),
        _distributions_section(),
        _hours_section(),
        _names_section(),
        _example_section(),
        _schema_section(models),
        _churn_section(),
        _transfer_section(),
        _incentive_section(),
    ]
    return "\n\n".join(sections) + "\n"


if __name__ == "__main__":
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8", newline="\n")
    print(render_reference(), end="")
