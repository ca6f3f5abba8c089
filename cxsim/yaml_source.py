"""Load scenario YAML and turn every kind of mistake into one clear, located line.

A scenario file is YAML that is validated by pydantic models (the schema lives elsewhere).  Both halves
produce errors that are hard to act on: ruamel.yaml prints multi-line dumps with 0-based marks, and
pydantic reports ``loc`` tuples that contain union member names, discriminator tags and validator names
but no line numbers.  This module sits between the two:

* :func:`load_source` reads a file with ruamel.yaml's round-trip loader (YAML 1.2, so ``no``/``yes``/``on``
  stay strings; duplicate keys are rejected), converts the document to plain Python builtins and records
  the 1-based line of every node in :attr:`Source.lines`.
* :func:`validation_error_to_scenario_error` maps a :class:`pydantic.ValidationError` back onto the data
  tree, so the result names the file, the line and the dotted field, with a short human message.

Everything raises or returns :class:`ScenarioError`, whose ``str()`` is a single line such as
``scenarios/x.yaml:12: designs.one_lane.teams.billing.agents: must be an integer (got 'three')``, so a CLI
can print it and exit with status 2 without a traceback.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as _dt
import difflib
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cxsim.errors import ScenarioError
from cxsim.errors import one_line as _one_line

try:  # name of the attribute holding ``<<`` merge sources; internal to ruamel.yaml
    from ruamel.yaml.comments import merge_attrib as _MERGE_ATTRIB
except ImportError:  # pragma: no cover - depends on the ruamel.yaml version
    _MERGE_ATTRIB = "_yaml_merge"

__all__ = [
    "MAPPING_REQUIRED",
    "ScenarioError",
    "Source",
    "allowed_keys_for_model",
    "format_path",
    "load_source",
    "source_from_dict",
    "source_from_text",
    "validation_error_to_scenario_error",
]

MAPPING_REQUIRED = "a scenario file must be a mapping of keys such as name, customers, case_types, designs"

# Limits that keep a hostile or mistaken file from hanging the loader (a scenario needs far less of each):
#: bytes of one scenario file (ruamel's round-trip parser reads 70 to 130 KB a second, so this takes up to
#: about 4 s; the largest shipped scenario is 34 KB)
MAX_SOURCE_BYTES = 256_000
#: the cap in force (``file_size_limit``: ``--allow-large`` lifts it for one command)
_max_source_bytes: contextvars.ContextVar[int | None] = contextvars.ContextVar("cxsim_max_source_bytes",
                                                                              default=MAX_SOURCE_BYTES)
#: values (mappings, lists and scalars) in the document once aliases are expanded ("billion laughs")
MAX_VALUES = 200_000
#: characters of text (strings and keys) in the document once aliases are expanded: sixteen full-size
#: files' worth, so a short file repeating a long string through aliases cannot take GBs and minutes to
#: expand and validate (the largest shipped scenario holds about 12,000). --allow-large does not lift
#: either cap, but a longer file (read with it) may expand to as many values and characters as it is long
MAX_TEXT_CHARS = 16 * MAX_SOURCE_BYTES
#: levels of nesting (a scenario needs about 6)
MAX_DEPTH = 64


# --------------------------------------------------------------------------------------------- errors


_SIMPLE_KEY = re.compile(r"[^\s.\[\]'\"]+")


def format_path(path: Sequence[Any]) -> str:
    """Dotted form of a data path: ``('a', 'b', 2, 'c')`` -> ``a.b[2].c``.

    Keys that contain dots, brackets, quotes or whitespace (or are empty) are shown as ``['a b']``.
    """
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
            continue
        key = str(part)
        if _SIMPLE_KEY.fullmatch(key):
            out += f".{key}" if out else key
        else:
            out += f"[{key!r}]"
    return out


# --------------------------------------------------------------------------------------------- source


@dataclasses.dataclass
class Source:
    """A scenario document as plain Python data plus where each node came from.

    ``lines`` maps a path (str keys, int list indices) to a 1-based line: for a mapping entry the line of
    its key, for a sequence item the line of the item; ``()`` maps to line 1.  It is empty when the data
    did not come from text (see :func:`source_from_dict`).
    """

    data: dict[str, Any]
    file: str
    text: str | None = None
    lines: dict[tuple, int] = dataclasses.field(default_factory=dict)

    def line_for(self, path: Sequence[Any]) -> int | None:
        """Line of the deepest prefix of ``path`` whose line is known (None if none is)."""
        path = tuple(path)
        for n in range(len(path), -1, -1):
            line = self.lines.get(path[:n])
            if line is not None:
                return line
        return None

    def error(self, path: Sequence[Any], message: str) -> ScenarioError:
        """A :class:`ScenarioError` for the node at ``path`` (field and line taken from the path)."""
        path = tuple(path)
        field = format_path(path) or None
        return ScenarioError(message, file=self.file, line=self.line_for(path), field=field)


def source_from_dict(data: Mapping[str, Any], label: str = "<dict>") -> Source:
    """Wrap data given through the Python API; no lines are known.  The data is used as is (not copied)."""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{MAPPING_REQUIRED} (got {_describe(data)})", file=label)
    return Source(data=data if isinstance(data, dict) else dict(data), file=label, text=None, lines={})


def load_source(path: str | Path, *, label: str | None = None) -> Source:
    """Read and parse a scenario file.  Every failure is raised as a :class:`ScenarioError`.

    ``label`` is the file name used in messages (default: ``str(path)`` as given).
    """
    label = str(path) if label is None else label
    limit = _max_source_bytes.get()
    try:
        size = Path(path).stat().st_size
        if limit is not None and size > limit and Path(path).is_file():
            raise ScenarioError(_too_big(size, limit), file=label)
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScenarioError("file not found", file=label) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a scenario file", file=label) from None
    except PermissionError:
        raise ScenarioError("permission denied", file=label) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror or exc}", file=label) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise ScenarioError(
            f"not valid UTF-8 text (byte 0x{bad}); save the file as UTF-8", file=label, line=line
        ) from None
    return source_from_text(text, label)


def _too_big(size: int, limit: int) -> str:
    return (f"the file is {size:,} bytes; a scenario file may hold at most {limit:,} "
            "(cxsim.yaml_source.MAX_SOURCE_BYTES): give --allow-large (allow_large=True in Python) to read "
            "it anyway (parsing takes about 1 s per 100 KB)")


@contextlib.contextmanager
def file_size_limit(limit: int | None):
    """Within this block, scenario files of up to ``limit`` bytes are read (None: any size; the CLI's
    ``--allow-large``); the default is ``MAX_SOURCE_BYTES``."""
    token = _max_source_bytes.set(limit)
    try:
        yield
    finally:
        _max_source_bytes.reset(token)


def large_files(allowed: bool):
    """Files of any size when ``allowed`` (an API call's ``allow_large=True``); else the cap in force."""
    return file_size_limit(None) if allowed else contextlib.nullcontext()


def source_from_text(text: str, label: str = "<string>") -> Source:
    """Parse YAML text (see :func:`load_source`); ``label`` names it in messages."""
    limit = _max_source_bytes.get()
    if limit is not None and len(text) > limit:
        raise ScenarioError(_too_big(len(text.encode("utf-8", "replace")), limit), file=label)
    _check_characters(text, label)
    _check_nesting(text, label)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        doc = yaml.load(text)
    except DuplicateKeyError as exc:
        raise _duplicate_key_error(exc, text, label) from None
    except MarkedYAMLError as exc:
        raise _syntax_error(exc, text, label) from None
    except YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {_one_line(str(exc))}", file=label, line=1) from None
    except RecursionError:
        raise ScenarioError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", file=label,
                            line=1) from None
    except (ValueError, TypeError, LookupError, AttributeError, ArithmeticError) as exc:
        # ruamel builds tagged values (``!!int 1.5``, ``<<: !!set {...}``) with Python's own conversions
        raise _construction_error(exc, text, label) from None

    if doc is None:
        raise ScenarioError(f"the file is empty; {MAPPING_REQUIRED}", file=label, line=1)
    if not isinstance(doc, Mapping):
        line = _node_line(doc) or 1
        raise ScenarioError(f"the top level is {_describe(doc)}; {MAPPING_REQUIRED}", file=label, line=line)

    saw_null = _check_expanded_size(doc, label, len(text))
    if saw_null and _ANCHOR.search(text) and _ALIAS.search(text):  # ruamel reads a recursive alias as null
        _check_recursive_aliases(text, label)
    lines: dict[tuple, int] = {(): 1}
    try:
        data = _convert(doc, (), lines, label, set())
    except RecursionError:  # pragma: no cover - _convert stops at MAX_DEPTH first
        raise ScenarioError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", file=label,
                            line=1) from None
    return Source(data=data, file=label, text=text, lines=lines)


# ------------------------------------------------------------------------------ limits, checked on text

# Characters YAML 1.2 does not allow in a stream (it allows tab, line feed, carriage return, printable ASCII,
# NEL and printable Unicode); ruamel reports them by character offset, without a line.
_FORBIDDEN = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _check_characters(text: str, label: str) -> None:
    match = _FORBIDDEN.search(text)
    if match is None:
        return
    line = text.count("\n", 0, match.start()) + 1
    code = f"U+{ord(match.group()):04X}"
    raise ScenarioError(f"invalid YAML: a control character ({code}) is not allowed in a YAML file; "
                        "delete it (or write it as an escape inside double quotes)",
                        file=label, line=line, field=_field_near_line(text, line))


def _check_nesting(text: str, label: str) -> None:
    """Refuse text nested more than MAX_DEPTH levels (flow brackets plus block indentation), with its line.

    ruamel.yaml slows down quadratically in deep flow nesting (3,000 brackets: 8 s) before it hits Python's
    recursion limit, so the depth is estimated on the text first: quoted strings and comments are skipped;
    a bracket inside a plain scalar counts (only a file nested past the limit is refused anyway).
    """
    flow = 0
    indents: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        if flow == 0 and stripped and not stripped.startswith("#"):
            indent = len(line) - len(stripped)
            while indents and indents[-1] >= indent:
                indents.pop()
            indents.append(indent)
            # "- - - a" nests one level per dash
            indents.extend([indent] * (len(re.match(r"(?:-[ ]+)*", stripped).group()) // 2))
        quote = None
        i = 0
        while i < len(line):
            ch = line[i]
            if quote == '"':
                if ch == "\\":
                    i += 1
                elif ch == '"':
                    quote = None
            elif quote == "'":
                if ch == "'":
                    quote = None
            elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
                break
            elif ch in "\"'" and (i == 0 or line[i - 1] in " \t[{,:-"):
                quote = ch
            elif ch in "[{":
                flow += 1
            elif ch in "]}":
                flow = max(0, flow - 1)
            if flow + len(indents) > MAX_DEPTH:
                raise ScenarioError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep",
                                    file=label, line=number)
            i += 1


_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s,\]}]", re.MULTILINE)
_ALIAS = re.compile(r"(?:^|[\s\[{,])\*[^\s,\]}]", re.MULTILINE)


def _check_recursive_aliases(text: str, label: str) -> None:
    """Refuse an anchor that contains an alias to itself (ruamel quietly reads the alias as null)."""
    try:
        root = YAML(typ="rt").compose(text)
    except (YAMLError, RecursionError):  # pragma: no cover - the text loaded a moment ago
        return
    done: set[int] = set()
    # iterative depth-first search: "open" nodes are on the current path, "done" ones fully explored
    stack: list[tuple[Node, bool]] = [(root, False)] if root is not None else []
    open_: set[int] = set()
    while stack:
        node, leaving = stack.pop()
        if leaving:
            open_.discard(id(node))
            done.add(id(node))
            continue
        if id(node) in done:
            continue
        open_.add(id(node))
        stack.append((node, True))
        children = ([v for pair in node.value for v in pair] if isinstance(node, MappingNode)
                    else list(node.value) if isinstance(node, SequenceNode) else [])
        for child in children:
            if id(child) in open_:
                name = getattr(child, "anchor", None)
                name = getattr(name, "value", name)
                line = child.start_mark.line + 1
                raise ScenarioError(f"an alias refers to its own anchor{f' (&{name})' if name else ''}: the "
                                    "data would be infinite", file=label, line=line,
                                    field=_field_near_line(text, line))
            if id(child) not in done:
                stack.append((child, False))


def _check_expanded_size(doc: Mapping, label: str, length: int) -> bool:
    """Refuse a document whose aliases expand to more than MAX_VALUES values or MAX_TEXT_CHARS characters
    of text, before expanding them; a file longer than either (read with --allow-large) may expand to its
    own length, which no file without aliases passes (each value takes a character or more).

    An alias is the same object as its anchor, so sizes are counted once per object: a 342-byte "billion
    laughs" file is measured in milliseconds. The values message names the top-level key holding the most,
    the text one the first part that alone holds too much. Returns whether a null was seen (the only trace
    of a recursive alias).
    """
    sizes: dict[int, tuple[int, int]] = {}
    saw_null = False
    max_values, max_chars = max(MAX_VALUES, length), max(MAX_TEXT_CHARS, length)

    def text(scalar: Any) -> int:
        scalar = scalar.value if isinstance(scalar, TaggedScalar) else scalar
        return len(scalar) if isinstance(scalar, str) else 0

    def size(node: Any, active: frozenset[int]) -> tuple[int, int]:
        """(values, characters of text) of ``node`` expanded; past either cap, a lower bound."""
        nonlocal saw_null
        if not isinstance(node, (Mapping, list, tuple)):
            saw_null = saw_null or node is None
            return 1, text(node)
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:  # recursive data: _convert reports it
            return 1, 0
        inner = active | {key}
        values, chars = 1, 0
        pairs = node.items() if isinstance(node, Mapping) else ((None, child) for child in node)
        for name, child in pairs:
            child_values, child_chars = size(child, inner)
            values += child_values
            chars += child_chars + text(name)
            if values > max_values or chars > max_chars:
                break
        sizes[key] = values, chars
        return values, chars

    try:
        values, chars = size(doc, frozenset())
    except RecursionError:  # pragma: no cover - the text was checked for depth
        return saw_null
    if values > max_values:
        biggest = max(doc, key=lambda k: size(doc[k], frozenset())[0])
        pos = _lc_data(doc).get(biggest)
        raise ScenarioError(
            f"the document holds more than {max_values:,} values once its aliases (*name) are expanded "
            "(cxsim.yaml_source.MAX_VALUES): is an alias repeating a large anchor?",
            file=label, line=pos[0] + 1 if pos else 1, field=_key_to_str(biggest))
    if chars > max_chars:
        path, line = _holding_too_much(doc, lambda node: size(node, frozenset())[1], max_chars)
        raise ScenarioError(
            f"the document holds more than {max_chars:,} characters of text once its aliases (*name) "
            "are expanded (cxsim.yaml_source.MAX_TEXT_CHARS): is an alias repeating a long string?",
            file=label, line=line or 1, field=format_path(path) or None)
    return saw_null


def _holding_too_much(doc: Mapping, measure: Callable[[Any], int], cap: int) -> tuple[tuple, int | None]:
    """Path and line of the first part of ``doc`` (in file order) that alone measures more than ``cap``,
    as deep as one does (the top-level key measuring the most when none does).

    First rather than largest: ``measure`` stops counting just past the cap, so any part over it is as big
    as another, and the first is the first place an alias repeats too much.
    """
    path: tuple = ()
    line: int | None = None
    node: Any = doc
    while isinstance(node, (Mapping, list, tuple)) and len(node):
        parts = list(node.items()) if isinstance(node, Mapping) else list(enumerate(node))
        over = [part for part in parts if measure(part[1]) > cap]
        if not over and path:
            break
        name, child = over[0] if over else max(parts, key=lambda part: measure(part[1]))
        step = _key_to_str(name) if isinstance(node, Mapping) else name
        if step is None:
            break
        pos = _lc_data(node).get(name)
        path, line, node = path + (step,), pos[0] + 1 if pos else line, child
    return path, line


def _construction_error(exc: Exception, text: str, label: str) -> ScenarioError:
    """A located error for a value ruamel could parse but not build: a tag on the wrong value."""
    try:
        root = YAML(typ="rt").compose(text)
    except (YAMLError, RecursionError):
        root = None
    found = _find_unbuildable(root) if root is not None else None
    if found is None:
        return ScenarioError(f"invalid YAML: cannot build a value ({_one_line(str(exc))})", file=label,
                             line=1)
    node, message = found
    line = node.start_mark.line + 1
    field = _field_near_line(text, line)
    return ScenarioError(f"invalid YAML: {message}", file=label, line=line, field=field)


_TAG_NAMES = {"int": "an integer", "float": "a number", "bool": "true or false", "timestamp": "a date",
              "null": "null", "binary": "base64 data"}


def _find_unbuildable(root: Node) -> tuple[Node, str] | None:
    """The first node whose explicit tag cannot build it, and why (ruamel raises without a position)."""
    builder = YAML(typ="rt").constructor
    stack: list[Node] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        tag = str(getattr(node.tag, "value", node.tag) or "")
        if isinstance(node, ScalarNode):
            name = tag.rsplit(":", 1)[-1]
            if name in _TAG_NAMES:
                try:
                    builder.construct_object(node, deep=True)
                except Exception:  # noqa: BLE001 - any failure to build it is the answer
                    return node, f"the value {node.value!r} tagged !!{name} is not {_TAG_NAMES[name]}"
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                if isinstance(key, ScalarNode) and key.value == "<<":
                    vtag = str(getattr(value.tag, "value", value.tag) or "")
                    if not vtag.endswith((":map", ":seq")):
                        return value, (f"a merge key '<<' takes a mapping or a list of mappings "
                                       f"(got {vtag.rsplit(':', 1)[-1] or 'a tagged value'})")
                stack.extend((value, key))
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
    return None


# ------------------------------------------------------------------------------ ruamel -> builtins


def _node_line(node: Any) -> int | None:
    lc = getattr(node, "lc", None)
    line = getattr(lc, "line", None) if lc is not None else None
    return line + 1 if isinstance(line, int) else None


def _lc_data(node: Any) -> dict:
    lc = getattr(node, "lc", None)
    data = getattr(lc, "data", None) if lc is not None else None
    return data if isinstance(data, dict) else {}


def _merged_key_line(node: Any, key: Any, seen: set[int] | None = None) -> int | None:
    """Line of ``key`` inside the ``<<`` merge sources of ``node`` (where the value is written)."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return None
    seen.add(id(node))
    for entry in getattr(node, _MERGE_ATTRIB, None) or ():
        source = entry[1] if isinstance(entry, tuple) and len(entry) == 2 else entry
        pos = _lc_data(source).get(key)
        if pos:
            return pos[0] + 1
        line = _merged_key_line(source, key, seen)
        if line is not None:
            return line
    return None


def _key_to_str(key: Any) -> str | None:
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, TaggedScalar):
        return _key_to_str(key.value)
    if isinstance(key, (str, int, float)):
        return str(_scalar(key))
    if isinstance(key, _dt.date):
        return key.isoformat()
    return None


def _scalar(value: Any) -> Any:
    """Plain builtin for a ruamel scalar; raises TypeError for unsupported values."""
    if value is None:
        return None
    if isinstance(value, bool) or type(value).__name__ == "ScalarBoolean":
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, TaggedScalar):
        return _scalar(value.value)
    if isinstance(value, (_dt.date, _dt.time)):  # datetime is a date
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _convert(node: Any, path: tuple, lines: dict[tuple, int], label: str, active: set[int]) -> Any:
    if len(path) > MAX_DEPTH:  # aliases can nest deeper than the text looks
        raise ScenarioError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep (through aliases)",
                            file=label, line=lines.get(path[:1]), field=format_path(path[:1]))
    if isinstance(node, (Mapping, list, tuple)):
        if id(node) in active:
            raise ScenarioError(
                "an alias refers to its own anchor (recursive data)",
                file=label,
                line=lines.get(path),
                field=format_path(path) or None,
            )
        active = active | {id(node)}

    if isinstance(node, Mapping):
        positions = _lc_data(node)
        out: dict[str, Any] = {}
        for raw_key, value in node.items():
            pos = positions.get(raw_key)
            line = pos[0] + 1 if pos else _merged_key_line(node, raw_key)
            key = _key_to_str(raw_key)
            where = line if line is not None else lines.get(path)
            if key is None:
                raise ScenarioError(
                    "mapping keys must be plain values such as names, not lists or mappings",
                    file=label,
                    line=where,
                    field=format_path(path) or None,
                )
            if key in out:
                raise ScenarioError(
                    f"duplicate key '{key}'", file=label, line=where, field=format_path(path + (key,))
                )
            child = path + (key,)
            if line is not None:
                lines[child] = line
            out[key] = _convert(value, child, lines, label, active)
        return out

    if isinstance(node, (list, tuple)):
        positions = _lc_data(node)
        items = []
        for index, value in enumerate(node):
            child = path + (index,)
            pos = positions.get(index)
            if pos:
                lines[child] = pos[0] + 1
            items.append(_convert(value, child, lines, label, active))
        return items

    width = getattr(node, "_width", None) if type(node).__name__ == "ScalarInt" else None
    if width is not None and width > len(str(abs(int(node)))):
        digits = str(abs(int(node))).rjust(width, "0")
        octal = f", YAML 1.1 tools as octal {int(digits, 8)}" if set(digits) <= set("01234567") else ""
        raise ScenarioError(
            f"'{digits}' has a leading zero: cxsim reads it as {int(digits)}{octal}; write {int(digits)}",
            file=label, line=lines.get(path), field=format_path(path) or None)
    try:
        return _scalar(node)
    except TypeError:
        kind = {"bytes": "binary data", "CommentedSet": "a set"}.get(type(node).__name__, type(node).__name__)
        raise ScenarioError(
            f"unsupported YAML value ({kind}); use a string, number, true/false, null, list or mapping",
            file=label,
            line=lines.get(path),
            field=format_path(path) or None,
        ) from None


# ------------------------------------------------------------------------------ YAML syntax errors


def _mark_line(mark: Any) -> int | None:
    line = getattr(mark, "line", None)
    return line + 1 if isinstance(line, int) else None


def _syntax_error(exc: MarkedYAMLError, text: str, label: str) -> ScenarioError:
    problem = _one_line(exc.problem or exc.context or "invalid YAML")
    context = _one_line(exc.context) if exc.problem and exc.context else None
    line = _mark_line(exc.problem_mark) or _mark_line(exc.context_mark)
    context_line = _mark_line(exc.context_mark)

    at_end = "<stream end>" in problem or "end of stream" in problem
    problem = problem.replace("'<stream end>'", "the end of the file")
    problem = problem.replace("found unexpected end of stream", "unexpected end of the file")
    second_document = "found another document" in problem
    if second_document:
        problem = "a scenario file holds one YAML document: a second one starts here ('---')"
        context = None
    elif "'\\t'" in problem:
        problem = "a tab character was found; indent YAML with spaces, not tabs"
    elif problem.startswith("expected <block end>"):
        problem = "bad indentation: this line does not line up with the lines above it"
    elif problem == "mapping values are not allowed here":
        problem += " (a ':' inside an unquoted value, or wrong indentation?)"
    message = f"invalid YAML: {problem}"
    if context and context_line is not None and context_line != line:
        message += f" ({context} that starts on line {context_line})"
    if at_end and context_line is not None:
        line = context_line  # "unclosed bracket/quote": point at where it was opened
    n_lines = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    if line is not None:
        line = min(max(line, 1), n_lines)
    field = _field_near_line(text, line) if line is not None and not second_document else None
    return ScenarioError(message, file=label, line=line, field=field)


_BLOCK_KEY = re.compile(r"^(\s*)(?:-\s+)?(['\"]?)([^#\s'\"][^:#'\"]*?)\2:(?:\s+(?P<value>[^#\s].*)?)?$")


def _field_near_line(text: str, line: int) -> str | None:
    """The dotted key path at (or just above) ``line``, read from indentation alone.

    A syntax error leaves no parsed tree, so this follows block-mapping keys by their indentation: good
    enough to name the field a planner should look at.
    """
    stack: list[tuple[int, str]] = []
    for raw in text.splitlines()[:line]:
        expanded = raw.replace("\t", "    ")
        match = _BLOCK_KEY.match(expanded)
        if not match:
            continue
        indent = len(match.group(1))
        # Only a key with no value on its line opens a block: a deeper key under "share: 0.3" is a
        # mis-indented sibling, not a child.
        while stack and (stack[-1][0] >= indent or not stack[-1][2]):
            stack.pop()
        stack.append((indent, match.group(3).strip(), match.group("value") is None))
    return ".".join(key for _, key, _ in stack) or None


def _duplicate_key_error(exc: DuplicateKeyError, text: str, label: str) -> ScenarioError:
    line = _mark_line(exc.problem_mark)
    found = None
    try:
        found = _find_duplicate(YAML(typ="rt").compose(text), line)
    except (YAMLError, RecursionError):
        pass
    if found is not None:
        path, key, first_line = found
        return ScenarioError(
            f"duplicate key '{key}' (first given on line {first_line})",
            file=label,
            line=line,
            field=format_path(path + (key,)),
        )
    match = re.search(r'duplicate key "(.*?)" with value', exc.problem or "")
    key = match.group(1) if match else "?"
    return ScenarioError(f"duplicate key '{key}'", file=label, line=line)


def _find_duplicate(root: Node | None, line: int | None) -> tuple[tuple, str, int] | None:
    """(path of the mapping, key, first line) of the duplicate key written on 1-based ``line``."""
    stack: list[tuple[Node, tuple]] = [(root, ())] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[str, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    key = str(key_node.value)
                    key_line = key_node.start_mark.line + 1
                    if key in first and key_line == line:
                        return path, key, first[key]
                    first.setdefault(key, key_line)
                    stack.append((value_node, path + (key,)))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, path + (index,)))
    return None


# ------------------------------------------------------------------------------ pydantic errors

_ABSENT = object()


def _child(node: Any, part: Any) -> Any:
    if isinstance(node, Mapping):
        if part in node:
            return node[part]
        return _ABSENT
    if isinstance(node, Sequence) and not isinstance(node, (str, bytes)):
        if isinstance(part, int) and not isinstance(part, bool) and 0 <= part < len(node):
            return node[part]
    return _ABSENT


def _match_loc(data: Any, loc: tuple) -> tuple:
    """Longest sub-sequence of ``loc`` that is a real path in ``data``.

    pydantic puts labels that are not keys into ``loc`` (union member names like ``'int'`` or
    ``'TeamModel'``, discriminator tags, ``'function-after[...]'``); they are dropped here.
    """
    memo: dict[tuple[int, int], tuple] = {}

    def best(node: Any, i: int) -> tuple:
        if i == len(loc):
            return ()
        key = (id(node), i)
        if key in memo:
            return memo[key]
        result = best(node, i + 1)  # skip loc[i]
        child = _child(node, loc[i])
        if child is not _ABSENT:
            taken = (loc[i],) + best(child, i + 1)
            if len(taken) >= len(result):
                result = taken
        memo[key] = result
        return result

    return best(data, 0)


def _node_at(data: Any, path: tuple) -> Any:
    node = data
    for part in path:
        node = _child(node, part)
        if node is _ABSENT:
            return _ABSENT
    return node


_TYPE_PHRASES = {
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "dict_type": "must be a mapping",
    "mapping_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "dataclass_type": "must be a mapping",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "frozen_set_type": "must be a list",
    "iterable_type": "must be a list",
    "none_required": "must be null",
}
_SHOULD = re.compile(
    r"^(?:Input|Value|String|List|Tuple|Set|Frozenset|Dictionary|Data|Object|Decimal|Date|Datetime|"
    r"Timedelta|Time|URL|Url|UUID|Number|Bytes|Path)\s+should\s+"
)
_NO_INPUT = {"missing", "extra_forbidden", "value_error", "assertion_error"}


def _describe(value: Any) -> str:
    """Short, one-line rendering of an input value for ``(got ...)``."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value) if isinstance(value, (str, int, float)) else f"a {type(value).__name__}"
    text = _one_line(text)
    return text if len(text) <= 60 else text[:57] + "..."


def _phrase(err: Mapping[str, Any]) -> tuple[str, bool]:
    """Rephrased pydantic message and whether it describes what the input should be."""
    etype = err.get("type", "")
    msg = _one_line(err.get("msg", ""))
    ctx = err.get("ctx") or {}
    if etype in _TYPE_PHRASES:
        return _TYPE_PHRASES[etype], True
    if etype in ("literal_error", "enum") and "expected" in ctx:
        return f"must be {ctx['expected']}", True
    match = _SHOULD.match(msg)
    if match and etype in ("too_short", "too_long"):  # "should have at least 1 item after validation, not 0"
        return "must " + msg[match.end() :].replace(" after validation", ""), False
    if match:
        return "must " + msg[match.end() :], True
    if msg[:1].isupper() and not msg[1:2].isupper():
        msg = msg[0].lower() + msg[1:]
    return msg, False


def _exception_text(err: Mapping[str, Any], prefix: str, fallback: str) -> str:
    exc = (err.get("ctx") or {}).get("error")
    text = str(exc) if isinstance(exc, BaseException) else ""
    if not text:
        msg = str(err.get("msg", ""))
        text = msg[len(prefix) :] if msg.startswith(prefix) else msg
    return _one_line(text) or fallback


def validation_error_to_scenario_error(
    err: ValidationError,
    source: Source,
    allowed_keys: Callable[[tuple], list[str]] | None = None,
) -> ScenarioError:
    """Turn the first error of ``err`` into a located :class:`ScenarioError`.

    Exception: when the first error is a missing key and a later error is an unknown key in the same
    mapping that looks like a misspelling of it, the unknown key is reported ("did you mean ...?").

    ``allowed_keys(path)`` may return the keys allowed in the mapping at ``path``; it is used to suggest
    a close match for an unknown key (see :func:`allowed_keys_for_model`).
    """
    errors = err.errors(include_url=False)
    if not errors:  # pragma: no cover - pydantic never raises an empty ValidationError
        return ScenarioError(str(err), file=source.file, line=source.line_for(()))
    first = _prefer_typo(errors)
    etype = first.get("type", "")
    ctx = first.get("ctx") or {}
    loc = tuple(part for part in first.get("loc", ()) if part != "[key]")
    is_key_error = bool(first.get("loc")) and first["loc"][-1] == "[key]"

    if etype == "missing" and loc:
        path = _match_loc(source.data, loc[:-1]) + (loc[-1],)
    else:
        path = _match_loc(source.data, loc)
    node = _node_at(source.data, path)

    if etype == "missing":
        last = path[-1] if path else None
        if isinstance(last, int) and not isinstance(last, bool):
            message = f"missing required item [{last}]"
        else:
            message = f"missing required key '{last}'"
    elif etype == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        message = f"unknown key '{key}'"
        parent = path[:-1] if path and loc and path[-1] == loc[-1] else path
        message += _suggest(key, parent, allowed_keys, _missing_siblings(errors, first))
    elif etype == "value_error":
        message = _exception_text(first, "Value error, ", "invalid value")
        below = getattr(ctx.get("error"), "path", None)  # a cross-field problem names its own field
        if isinstance(below, tuple):
            path = path + below
    elif etype == "assertion_error":
        message = _exception_text(first, "Assertion failed, ", "assertion failed")
    elif etype in ("union_tag_invalid", "union_tag_not_found"):
        tag_key = str(ctx.get("discriminator", "")).strip("'\"")
        if etype == "union_tag_not_found" and not isinstance(node, Mapping):
            got = node if node is not _ABSENT else first.get("input")
            message = f"must be a mapping (got {_describe(got)})"
        elif etype == "union_tag_not_found":
            path = path + (tag_key,)
            message = f"missing required key '{tag_key}'"
        else:
            if isinstance(node, Mapping) and tag_key in node:
                path = path + (tag_key,)
            expected = ctx.get("expected_tags", "")
            message = f"must be one of {expected} (got {_describe(ctx.get('tag'))})"
    else:
        message, shows_input = _phrase(first)
        value = first.get("input")
        if is_key_error:
            message = f"key {_describe(value)}{' ' if shows_input else ': '}{message}"
        elif shows_input and etype not in _NO_INPUT:
            message += _combine_union_alternatives(errors, first, source.data)
            message += f" (got {_describe(value)})"

    field = format_path(path) or None
    return ScenarioError(message, file=source.file, line=source.line_for(path), field=field)


def _combine_union_alternatives(errors: list, first: Mapping[str, Any], data: Any) -> str:
    """`` or a string`` when the first error is one arm of a plain union such as ``int | str``.

    pydantic reports one error per union member, with the member name last in ``loc``
    (``('u', 'int')``, ``('u', 'str')``).  Only simple type errors of sibling arms whose last ``loc``
    part is a label (not a key of the data) are combined.
    """
    full = tuple(first.get("loc", ()))
    if len(full) < 2 or first.get("type") not in _TYPE_PHRASES:
        return ""
    parent = _node_at(data, _match_loc(data, full[:-1]))
    if _child(parent, full[-1]) is not _ABSENT:
        return ""
    own = _TYPE_PHRASES[first["type"]]
    extra: list[str] = []
    for other in errors[1:]:
        oloc = tuple(other.get("loc", ()))
        if len(oloc) != len(full) or oloc[:-1] != full[:-1] or other.get("type") not in _TYPE_PHRASES:
            break
        if _child(parent, oloc[-1]) is not _ABSENT:
            break
        phrase = _TYPE_PHRASES[other["type"]].removeprefix("must be ")
        if phrase not in extra and _TYPE_PHRASES[other["type"]] != own:
            extra.append(phrase)
    return "".join(f" or {phrase}" for phrase in extra)


def _missing_siblings(errors: list, extra: Mapping[str, Any]) -> list[str]:
    """Names of required keys reported missing from the same mapping (same model) as ``extra``."""
    prefix = tuple(extra.get("loc", ()))[:-1]
    return [
        str(e["loc"][-1])
        for e in errors
        if e.get("type") == "missing" and e.get("loc") and tuple(e["loc"])[:-1] == prefix
    ]


def _prefer_typo(errors: list) -> Mapping[str, Any]:
    """The error to report: the first one, unless it is a missing key that was simply misspelt.

    A typo such as ``agnets: 3`` gives two errors, ``missing 'agents'`` (first) and ``extra_forbidden
    'agnets'``; the unknown key is the more useful one to show (with "did you mean 'agents'?").
    """
    first = errors[0]
    if first.get("type") != "missing" or not first.get("loc"):
        return first
    missing = str(first["loc"][-1])
    prefix = tuple(first["loc"])[:-1]
    for other in errors[1:]:
        oloc = tuple(other.get("loc", ()))
        if other.get("type") == "extra_forbidden" and oloc[:-1] == prefix and oloc:
            if difflib.get_close_matches(str(oloc[-1]), [missing], n=1, cutoff=0.6):
                return other
    return first


def _suggest(
    key: str,
    parent: tuple,
    allowed_keys: Callable[[tuple], list[str]] | None,
    missing: list[str],
) -> str:
    allowed: list[str] = []
    if allowed_keys is not None:
        try:
            allowed = [str(k) for k in allowed_keys(parent) or ()]
        except Exception:  # a broken helper must not hide the real error
            allowed = []
    close = difflib.get_close_matches(key, missing, n=1, cutoff=0.6) or difflib.get_close_matches(
        key, allowed, n=1, cutoff=0.6
    )
    text = f"; did you mean '{close[0]}'?" if close else ""
    if allowed:
        shown = ", ".join(allowed[:20]) + (", ..." if len(allowed) > 20 else "")
        text += f" (allowed keys: {shown})"
    return text


# ------------------------------------------------------------------------------ allowed keys helper


def _expand(annotation: Any) -> list[Any]:
    """Members of Annotated/Optional/Union annotations."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _expand(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_expand(arg))
        return out
    return [annotation]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _step(annotation: Any, part: Any) -> list[Any]:
    out: list[Any] = []
    for tp in _expand(annotation):
        if _is_model(tp):
            if isinstance(part, str):
                for name, info in tp.model_fields.items():
                    if part in (name, info.alias):
                        out.append(info.annotation)
            continue
        origin = typing.get_origin(tp) or tp
        args = typing.get_args(tp)
        if not isinstance(origin, type):
            continue
        if issubclass(origin, Mapping) and len(args) == 2:
            out.append(args[1])
        elif issubclass(origin, tuple) and args and isinstance(part, int):
            if len(args) == 2 and args[1] is Ellipsis:
                out.append(args[0])
            elif 0 <= part < len(args):
                out.append(args[part])
        elif issubclass(origin, (list, set, frozenset, Sequence)) and not issubclass(origin, str) and args:
            out.append(args[0])
    return out


def allowed_keys_for_model(model: type[BaseModel]) -> Callable[[tuple], list[str]]:
    """An ``allowed_keys`` helper for :func:`validation_error_to_scenario_error` from a root model.

    It follows model fields, ``dict[..., X]``, ``list[X]``/``tuple`` and Optional/Union annotations along
    the path; for a union of models it returns the keys of all member models.
    """

    def keys(path: tuple) -> list[str]:
        current: list[Any] = [model]
        for part in path:
            current = [nxt for tp in current for nxt in _step(tp, part)]
        result: list[str] = []
        for tp in current:
            for member in _expand(tp):
                if _is_model(member):
                    for name, info in member.model_fields.items():
                        key = info.alias or name
                        if key not in result:
                            result.append(key)
        return result

    return keys
