"""Tests for cxsim.yaml_source: YAML loading with line tracking and pydantic error mapping."""

from __future__ import annotations

import io
import pickle
import textwrap
from pathlib import Path
from typing import Annotated, Literal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML

from cxsim import yaml_source
from cxsim.yaml_source import (
    MAPPING_REQUIRED,
    MAX_TEXT_CHARS,
    ScenarioError,
    Source,
    allowed_keys_for_model,
    file_size_limit,
    format_path,
    large_files,
    load_source,
    source_from_dict,
    source_from_text,
    validation_error_to_scenario_error,
)


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_text(tmp_path: Path, text: str) -> Source:
    return load_source(write(tmp_path, text))


def raises_scenario_error(tmp_path: Path, text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_text(tmp_path, text)
    return info.value


NESTED = """
name: demo                      # 1
designs:                        # 2
  one_lane:                     # 3
    teams:                      # 4
      billing:                  # 5
        agents: 3               # 6
        skills: [a, b]          # 7
case_types:                     # 8
  x:                            # 9
    fix_time:                   # 10
      values:                   # 11
        - 1                     # 12
        - 2                     # 13
        -                       # 14
          nested: yes           # 15
    answer: no                  # 16
"""


# ------------------------------------------------------------------------------------------ loading


def test_lines_of_nested_keys_and_list_items(tmp_path: Path) -> None:
    src = load_text(tmp_path, NESTED)
    assert src.lines[()] == 1
    assert src.lines[("name",)] == 1
    assert src.lines[("designs", "one_lane", "teams", "billing")] == 5
    assert src.lines[("designs", "one_lane", "teams", "billing", "agents")] == 6
    assert src.lines[("designs", "one_lane", "teams", "billing", "skills", 1)] == 7
    assert src.lines[("case_types", "x", "fix_time", "values", 0)] == 12
    assert src.lines[("case_types", "x", "fix_time", "values", 1)] == 13
    assert src.lines[("case_types", "x", "fix_time", "values", 2, "nested")] == 15
    assert src.lines[("case_types", "x", "answer")] == 16


def test_line_for_uses_deepest_known_prefix(tmp_path: Path) -> None:
    src = load_text(tmp_path, NESTED)
    assert src.line_for(("designs", "one_lane", "teams", "billing", "nope")) == 5
    assert src.line_for(("designs", "one_lane", "teams", "billing", "agents")) == 6
    assert src.line_for(("unknown", "deeper")) == 1
    assert src.line_for(()) == 1


def test_yaml_12_keeps_no_yes_as_strings(tmp_path: Path) -> None:
    src = load_text(tmp_path, NESTED)
    assert src.data["case_types"]["x"]["answer"] == "no"
    assert src.data["case_types"]["x"]["fix_time"]["values"][2]["nested"] == "yes"
    assert load_text(tmp_path, "a: on\nb: off\nc: true\n").data == {"a": "on", "b": "off", "c": True}


def _assert_plain(value: object) -> None:
    if isinstance(value, dict):
        assert type(value) is dict
        for key, item in value.items():
            assert type(key) is str
            _assert_plain(item)
    elif isinstance(value, list):
        assert type(value) is list
        for item in value:
            _assert_plain(item)
    else:
        assert value is None or type(value) in (str, int, float, bool), (value, type(value))


def test_conversion_gives_plain_builtins(tmp_path: Path) -> None:
    src = load_text(
        tmp_path,
        """
        f: 1e3
        g: &g 1.50
        h: *g
        i: &i 0o17
        j: 0x1F
        k: 12
        b: &b true
        c: *b
        n: null
        t: ~
        d: 2024-01-02
        dt: 2024-01-02T03:04:05
        tz: 2024-01-02T03:04:05+02:00
        tagged: !custom value
        lit: |
          line one
          line two
        quoted: "q"
        seq: [1, [2, {x: 3}]]
        tagged_map: !thing {a: 1}
        1: int key
        2.5: float key
        null: null key
        """,
    )
    _assert_plain(src.data)
    d = src.data
    assert d["f"] == 1000.0 and type(d["f"]) is float
    assert d["g"] == d["h"] == 1.5
    assert d["i"] == 15 and d["j"] == 31 and d["k"] == 12
    assert d["b"] is True and d["c"] is True
    assert d["n"] is None and d["t"] is None
    assert d["d"] == "2024-01-02"
    assert d["dt"] == "2024-01-02T03:04:05"
    assert d["tz"] == "2024-01-02T03:04:05+02:00"
    assert d["tagged"] == "value"
    assert d["lit"] == "line one\nline two\n"
    assert d["tagged_map"] == {"a": 1}
    assert d["1"] == "int key" and d["2.5"] == "float key"
    assert d["null"] == "null key"
    assert load_text(tmp_path, "true: t\nfalse: f\n").data == {"true": "t", "false": "f"}


def test_anchors_aliases_and_merge_keys(tmp_path: Path) -> None:
    src = load_text(
        tmp_path,
        """
        base: &base
          agents: 2
          shift: day
        teams:
          billing:
            <<: *base
            agents: 5
          tech: *base
        """,
    )
    assert src.data["teams"]["billing"] == {"agents": 5, "shift": "day"}
    assert src.data["teams"]["tech"] == {"agents": 2, "shift": "day"}
    _assert_plain(src.data)
    assert src.lines[("teams", "billing", "agents")] == 7
    # a merged-in key points to where its value is written (the anchored mapping)
    assert src.lines[("teams", "billing", "shift")] == 3
    assert "<<" not in src.data["teams"]["billing"]


def repeated_string(length: int, times: int) -> str:
    """A scenario-like document whose ``notes`` list repeats one anchored ``length``-character string."""
    return (f"name: demo\ntext: &t {'x' * length}\ncase_types:\n  how_to:\n"
            f"    notes: [{', '.join(['*t'] * times)}]\n")


def test_aliases_repeating_a_long_string_are_refused_before_expanding(tmp_path: Path) -> None:
    # 1,000 aliases of a 10,000-character string: a 13 KB file, 10 million characters once expanded
    err = raises_scenario_error(tmp_path, repeated_string(10_000, 1_000))
    assert str(err) == (
        f"{err.file}:5: case_types.how_to.notes: the document holds more than {MAX_TEXT_CHARS:,} characters "
        "of text once its aliases (*name) are expanded (cxsim.yaml_source.MAX_TEXT_CHARS): is an alias "
        "repeating a long string?")
    assert (err.line, err.field) == (5, "case_types.how_to.notes")
    # just under the cap, the same shape loads exactly as written
    length = MAX_TEXT_CHARS // 1_000 - 10
    src = load_text(tmp_path, repeated_string(length, 1_000))
    assert src.data["case_types"]["how_to"]["notes"] == ["x" * length] * 1_000


def test_mapping_keys_count_as_text_and_allow_large_does_not_lift_the_cap(tmp_path: Path) -> None:
    # a mapping with five 1,000-character keys (YAML's longest plain key), repeated 1,000 times
    keys = "".join(f"  {letter * 1_000}: 1\n" for letter in "abcde")
    text = f"row: &row\n{keys}table: [{', '.join(['*row'] * 1_000)}]\n"
    for lifted in (file_size_limit(None), large_files(True)):  # --allow-large, allow_large=True
        with lifted:
            err = raises_scenario_error(tmp_path, text)
        assert "characters of text" in str(err)
        assert (err.line, err.field) == (7, "table")


def test_aliases_of_a_long_string_in_nested_lists_are_refused_before_expanding(tmp_path: Path) -> None:
    # "billion laughs" with a 2,000-character string: 222 million characters in 111,111 values (expanding
    # them would take minutes and GBs; the check counts each anchored list once)
    levels = "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n"
                     for a, b in zip("sabcd", "abcde", strict=True))
    err = raises_scenario_error(tmp_path, f"s: &s {'x' * 2_000}\n" + levels)
    assert "characters of text" in str(err)
    assert (err.line, err.field) == (5, "d")  # the first anchor repeating more than the cap


def test_a_file_longer_than_the_expansion_caps_loads_without_aliases(tmp_path: Path, monkeypatch) -> None:
    """A big file read with --allow-large may hold more values and text than the caps (which bound what
    aliases add); past its own length, aliases are still refused."""
    monkeypatch.setattr(yaml_source, "MAX_VALUES", 100)
    monkeypatch.setattr(yaml_source, "MAX_TEXT_CHARS", 100)
    plain = "rows:\n" + "".join(f"  row{i}: {'y' * 10}\n" for i in range(200))  # 400 values, 2,600 chars
    with file_size_limit(None):
        assert len(load_text(tmp_path, plain).data["rows"]) == 200
        aliased = plain.replace("rows:", "rows: &r", 1) + f"again: [{', '.join(['*r'] * 30)}]\n"
        err = raises_scenario_error(tmp_path, aliased)  # 30 x 400 values: past the file's own length
    assert "once its aliases (*name) are expanded" in str(err)


def test_duplicate_key_names_key_and_second_line(tmp_path: Path) -> None:
    err = raises_scenario_error(
        tmp_path,
        """
        name: demo
        designs:
          one_lane:
            agents: 1
            skills: []
            agents: 2
        """,
    )
    assert err.line == 6
    assert "duplicate key 'agents'" in err.message
    assert "line 4" in err.message
    assert err.field == "designs.one_lane.agents"
    assert err.file is not None and err.file.endswith("scenario.yaml")


def test_duplicate_key_after_string_conversion(tmp_path: Path) -> None:
    err = raises_scenario_error(tmp_path, "x:\n  1: a\n  '1': b\n")
    assert err.line == 3 and "duplicate key '1'" in err.message


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("a:\n  b: 1\n c: 2\n", 3, "indentation"),  # bad indentation
        ("a: [1, 2\nb: 3\n", 2, "line 1"),  # unclosed bracket followed by more content
        ("a: 1\nb: [1, 2\n\n\n", 2, "end of the file"),  # unclosed bracket at the end: where it opened
        ('a: 1\nb: "abc\n', 2, "end of the file"),  # unclosed quote
        ("a: 1\nb: c: d\n", 2, "not allowed"),
        ("a: 1\n\tb: 2\n", 2, "tab"),
        ("a: 1\nb: *nowhere\n", 2, "nowhere"),
        ("a: 1\n---\nb: 2\n", 2, "document"),
    ],
)
def test_syntax_errors_have_line_and_short_message(tmp_path: Path, text: str, line: int, needle: str) -> None:
    err = raises_scenario_error(tmp_path, text)
    assert err.line == line, str(err)
    assert needle in err.message
    assert "\n" not in str(err)
    assert err.message.startswith("invalid YAML: ")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    err = raises_scenario_error(tmp_path, text)
    assert "empty" in err.message and MAPPING_REQUIRED in err.message


@pytest.mark.parametrize(("text", "what"), [("- a\n- b\n", "a list"), ("just text\n", "'just text'")])
def test_top_level_must_be_mapping(tmp_path: Path, text: str, what: str) -> None:
    err = raises_scenario_error(tmp_path, text)
    assert MAPPING_REQUIRED in err.message and what in err.message
    assert err.line == 1


def test_unsupported_values_and_complex_keys(tmp_path: Path) -> None:
    err = raises_scenario_error(tmp_path, "a: 1\nb: !!binary aGVsbG8=\n")
    assert err.line == 2 and err.field == "b" and "binary" in err.message
    err = raises_scenario_error(tmp_path, "a: 1\n? [x, y]\n: 3\n")
    assert err.line == 2 and "keys" in err.message


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_source(tmp_path / "missing.yaml")
    assert info.value.file == str(tmp_path / "missing.yaml") and "not found" in info.value.message

    with pytest.raises(ScenarioError) as info:
        load_source(tmp_path)
    assert "directory" in info.value.message

    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"name: ok\nnote: caf\xe9\n")
    with pytest.raises(ScenarioError) as info:
        load_source(bad)
    assert info.value.line == 2 and "UTF-8" in info.value.message


def test_utf8_bom_and_str_path(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: café\n".encode())
    src = load_source(str(path))
    assert src.data == {"name": "café"}
    assert src.file == str(path) and src.text is not None


# ------------------------------------------------------------------------------------------ errors


def test_scenario_error_str_format() -> None:
    err = ScenarioError("must be an integer (got 'three')", file="x.yaml", line=12, field="a.b")
    assert str(err) == "x.yaml:12: a.b: must be an integer (got 'three')"
    assert str(ScenarioError("boom", file="<dict>", field="a")) == "<dict>: a: boom"
    assert str(ScenarioError("boom", file="x.yaml", line=3)) == "x.yaml:3: boom"
    assert str(ScenarioError("boom")) == "<scenario>: boom"
    multi = ScenarioError("first\nsecond\r\n  third", file="f", line=1, field="x")
    assert str(multi) == "f:1: x: first second third"
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.line == 12


def test_format_path() -> None:
    assert format_path(("designs", "one_lane", "teams", "billing", "agents")) == (
        "designs.one_lane.teams.billing.agents"
    )
    assert format_path(("case_types", "x", "fix_time", "values", 2)) == "case_types.x.fix_time.values[2]"
    assert format_path((0, "a")) == "[0].a"
    assert format_path(("a", "b.c", "d e")) == "a['b.c']['d e']"
    assert format_path(()) == ""


def test_source_error_helper(tmp_path: Path) -> None:
    src = load_text(tmp_path, NESTED)
    err = src.error(("designs", "one_lane", "teams", "billing", "agents"), "too many")
    assert str(err) == f"{src.file}:6: designs.one_lane.teams.billing.agents: too many"


def test_source_from_dict() -> None:
    src = source_from_dict({"a": {"b": 1}})
    assert src.file == "<dict>" and src.line_for(("a", "b")) is None
    assert str(src.error(("a", "b"), "bad")) == "<dict>: a.b: bad"
    with pytest.raises(ScenarioError):
        source_from_dict([1, 2])  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ pydantic mapping


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError("must be positive\nreally")
    return value


class Team(Strict):
    agents: int
    skills: list[str] = []
    shift: Literal["day", "night"] = "day"


class Design(Strict):
    teams: dict[str, Team]
    note: str = ""


class FixTime(Strict):
    values: list[Annotated[float, AfterValidator(_positive)]]


class CaseType(Strict):
    fix_time: FixTime
    answer: str = ""
    priority: int | str = 0

    @field_validator("answer")
    @classmethod
    def _not_maybe(cls, value: str) -> str:
        if value == "maybe":  # an explicit raise: pytest rewrites `assert` messages in this module
            raise AssertionError("answer must be decided")
        return value


class Email(Strict):
    kind: Literal["email"]
    address: str


class Phone(Strict):
    kind: Literal["phone"]
    lines: int


class Scenario(Strict):
    name: str
    designs: dict[str, Design] = {}
    case_types: dict[str, CaseType] = {}
    channel: Annotated[Email | Phone, Field(discriminator="kind")] | None = None
    hours: tuple[int, int] = (9, 17)


def scenario_error(src: Source, **kwargs: object) -> ScenarioError:
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(src.data)
    return validation_error_to_scenario_error(info.value, src, **kwargs)  # type: ignore[arg-type]


def modify(tmp_path: Path, old: str, new: str) -> Source:
    assert old in NESTED
    text = NESTED.replace("nested: yes", "4").replace(old, new)  # item [2] becomes a valid number
    return load_text(tmp_path, text)


def test_valid_nested_scenario_validates(tmp_path: Path) -> None:
    src = modify(tmp_path, "name: demo", "name: demo")
    assert src.data["case_types"]["x"]["fix_time"]["values"] == [1, 2, 4]
    Scenario.model_validate(src.data)


def test_wrong_type(tmp_path: Path) -> None:
    src = modify(tmp_path, "agents: 3 ", "agents: three")
    err = scenario_error(src)
    assert err.field == "designs.one_lane.teams.billing.agents"
    assert err.line == 6
    assert err.message == "must be an integer (got 'three')"
    expected = "designs.one_lane.teams.billing.agents: must be an integer (got 'three')"
    assert str(err) == f"{src.file}:6: {expected}"


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    src = load_text(tmp_path, "name: x\ndesigns:\n  d:\n    teams: {}\n    nte: hi\n")
    err = scenario_error(src, allowed_keys=allowed_keys_for_model(Scenario))
    assert err.field == "designs.d.nte" and err.line == 5
    assert err.message == "unknown key 'nte'; did you mean 'note'? (allowed keys: teams, note)"

    err = scenario_error(src)
    assert err.message == "unknown key 'nte'"


def test_misspelt_required_key_reports_the_typo(tmp_path: Path) -> None:
    # pydantic reports `missing 'agents'` first and `extra_forbidden 'agnets'` second
    src = modify(tmp_path, "agents: 3 ", "agnets: 3")
    err = scenario_error(src)
    assert err.field == "designs.one_lane.teams.billing.agnets" and err.line == 6
    assert err.message == "unknown key 'agnets'; did you mean 'agents'?"


def test_broken_allowed_keys_helper_is_ignored(tmp_path: Path) -> None:
    def broken(path: tuple) -> list[str]:
        raise KeyError(path)

    src = load_text(tmp_path, "name: x\nnmae: y\n")
    err = scenario_error(src, allowed_keys=broken)
    assert (err.field, err.line, err.message) == ("nmae", 2, "unknown key 'nmae'")


def test_missing_key_points_at_parent(tmp_path: Path) -> None:
    src = modify(tmp_path, "agents: 3 ", "shift: day")
    err = scenario_error(src)
    assert err.field == "designs.one_lane.teams.billing.agents"
    assert err.line == 5
    assert err.message == "missing required key 'agents'"

    err = scenario_error(load_text(tmp_path, "designs: {}\n"))
    assert err.field == "name" and err.line == 1 and err.message == "missing required key 'name'"


def test_value_error_in_validator(tmp_path: Path) -> None:
    src = modify(tmp_path, "- 2 ", "- -2")
    err = scenario_error(src)
    assert err.field == "case_types.x.fix_time.values[1]"
    assert err.line == 13
    assert err.message == "must be positive really"


def test_assertion_error_in_field_validator(tmp_path: Path) -> None:
    src = modify(tmp_path, "answer: no", "answer: maybe")
    err = scenario_error(src)
    assert (err.field, err.line, err.message) == ("case_types.x.answer", 16, "answer must be decided")


def test_literal_and_list_item_type(tmp_path: Path) -> None:
    src = modify(tmp_path, "agents: 3 ", "agents: 3\n        shift: evening")
    err = scenario_error(src)
    assert err.field == "designs.one_lane.teams.billing.shift" and err.line == 7
    assert err.message == "must be 'day' or 'night' (got 'evening')"

    src = modify(tmp_path, "skills: [a, b]", "skills: [a, {x: 1}]")
    err = scenario_error(src)
    assert err.field == "designs.one_lane.teams.billing.skills[1]" and err.line == 7
    assert err.message == "must be a string (got a mapping)"


def test_plain_union_loc_labels_are_dropped(tmp_path: Path) -> None:
    # pydantic loc is ('case_types', 'x', 'priority', 'int') / (..., 'str')
    src = modify(tmp_path, "answer: no", "answer: no\n    priority: [1]")
    err = scenario_error(src)
    assert err.field == "case_types.x.priority" and err.line == 17
    assert err.message == "must be an integer or a string (got a list)"

    # two wrong sibling keys are not mistaken for union arms
    src = load_text(tmp_path, "name: n\nhours: [x, [1]]\n")
    err = scenario_error(src)
    assert (err.field, err.message) == ("hours[0]", "must be an integer (got 'x')")


def test_discriminated_union(tmp_path: Path) -> None:
    # loc includes the tag: ('channel', 'phone', 'lines')
    src = load_text(tmp_path, "name: n\nchannel:\n  kind: phone\n  lines: many\n")
    err = scenario_error(src)
    assert (err.field, err.line) == ("channel.lines", 4)
    assert err.message == "must be an integer (got 'many')"

    src = load_text(tmp_path, "name: n\nchannel:\n  kind: fax\n")
    err = scenario_error(src)
    assert (err.field, err.line) == ("channel.kind", 3)
    assert err.message == "must be one of 'email', 'phone' (got 'fax')"

    src = load_text(tmp_path, "name: n\nchannel:\n  lines: 2\n")
    err = scenario_error(src)
    assert (err.field, err.line, err.message) == ("channel.kind", 2, "missing required key 'kind'")

    src = load_text(tmp_path, "name: n\nchannel:\n  kind: email\n")
    err = scenario_error(src)
    assert (err.field, err.line, err.message) == ("channel.address", 2, "missing required key 'address'")


def test_tuple_and_top_level_errors(tmp_path: Path) -> None:
    src = load_text(tmp_path, "name: n\nhours:\n  - 9\n")
    err = scenario_error(src)
    assert (err.field, err.line, err.message) == ("hours[1]", 2, "missing required item [1]")

    src = load_text(tmp_path, "name: [a]\n")
    err = scenario_error(src)
    assert (err.field, err.line, err.message) == ("name", 1, "must be a string (got a list)")

    src = load_text(tmp_path, "name: n\ndesigns: 7\n")
    err = scenario_error(src)
    assert (err.field, err.line, err.message) == ("designs", 2, "must be a mapping (got 7)")


def test_dict_key_error(tmp_path: Path) -> None:
    class Keys(BaseModel):
        counts: dict[int, int]

    src = load_text(tmp_path, "counts:\n  1: 2\n  abc: 3\n")
    with pytest.raises(ValidationError) as info:
        Keys.model_validate(src.data)
    err = validation_error_to_scenario_error(info.value, src)
    assert (err.field, err.line) == ("counts.abc", 3)
    assert err.message == "key 'abc' must be an integer"


def test_errors_from_dict_source_have_no_line() -> None:
    src = source_from_dict({"name": "n", "designs": {"d": {"teams": {"t": {"agents": "x"}}}}})
    err = scenario_error(src)
    assert str(err) == "<dict>: designs.d.teams.t.agents: must be an integer (got 'x')"


def test_model_level_errors_and_validator_names_in_loc(tmp_path: Path) -> None:
    class Window(Strict):
        start: int
        end: int

        @model_validator(mode="after")
        def _ordered(self) -> Window:
            if self.end < self.start:
                raise ValueError("end must not be before start")
            return self

    class Holder(Strict):
        window: Window | int
        label: int = 0

    # loc is ('window', 'function-after[_ordered(), Window]') then ('window', 'int')
    src = load_text(tmp_path, "label: 1\nwindow:\n  start: 5\n  end: 1\n")
    with pytest.raises(ValidationError) as info:
        Holder.model_validate(src.data)
    assert "function-after" in str(info.value.errors()[0]["loc"])
    err = validation_error_to_scenario_error(info.value, src)
    assert (err.field, err.line, err.message) == ("window", 2, "end must not be before start")

    src = load_text(tmp_path, "window: 3\nlabel: " + "x" * 200 + "\n")
    with pytest.raises(ValidationError) as info:
        Holder.model_validate(src.data)
    err = validation_error_to_scenario_error(info.value, src)
    assert (err.field, err.line) == ("label", 2)
    assert err.message.startswith("must be an integer (got 'xxx") and err.message.endswith("...)")
    assert len(err.message) < 100


def test_allowed_keys_for_model() -> None:
    keys = allowed_keys_for_model(Scenario)
    assert keys(()) == ["name", "designs", "case_types", "channel", "hours"]
    assert keys(("designs", "any")) == ["teams", "note"]
    assert keys(("designs", "any", "teams", "t")) == ["agents", "skills", "shift"]
    assert keys(("case_types", "c", "fix_time")) == ["values"]
    assert set(keys(("channel",))) == {"kind", "address", "lines"}
    assert keys(("nope",)) == []


# ------------------------------------------------------------------------------------------ properties

_keys = st.text(alphabet="abcdefghij_-", min_size=1, max_size=6)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(alphabet="abc xyz:#-'\"", max_size=8),
)
_trees = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=20,
)


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, prefix + (index,))
    return out


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_keys, _trees, min_size=1, max_size=5), st.sampled_from([None, True]))
def test_round_trip_plain_data_and_lines(data: dict, flow: bool | None) -> None:
    yaml = YAML(typ="rt")
    yaml.default_flow_style = flow
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()
    try:
        YAML(typ="rt").load(text)
    except Exception:  # noqa: BLE001 - ruamel's dumper can emit text its loader rejects (e.g. ": '")
        assume(False)
    src = source_from_text(text, "p.yaml")
    assert src.data == data
    _assert_plain(src.data)
    n_lines = text.count("\n") + 1
    for path in _paths(data):
        line = src.line_for(path)
        assert line is not None and 1 <= line <= n_lines


@given(st.text(max_size=40), st.text(max_size=10), st.one_of(st.none(), st.integers(1, 999)))
def test_scenario_error_is_always_one_line(message: str, field: str, line: int | None) -> None:
    text = str(ScenarioError(message, file="f.yaml", line=line, field=field or None))
    assert len(text.splitlines()) <= 1
    assert text.startswith("f.yaml")
