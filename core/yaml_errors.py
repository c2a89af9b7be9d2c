"""Readable errors for the YAML files people edit (taxonomies, mappings, catalogs, scorecards): the file, the line,
the field, and the fix when there is a usual one.

YAML 1.1, which PyYAML reads, turns unquoted `no`, `yes`, `on`, `off`, `true` and `false` into booleans and `007`
or `1.5` into numbers; a field that wants text then fails with pydantic's "Input should be a valid string". The
problems here say which word it was and to quote it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.errors import InvalidInput


def read_yaml(path: Path, what: str) -> tuple[Any, str]:
    """(data, text) of a YAML file; an unreadable or malformed file is an `InvalidInput` naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{what} {path}: not UTF-8 text") from None
    return parse_yaml(text, f"{what} {path}"), text


def parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InvalidInput(f"{source}: not valid YAML{where}: {problem}") from None


def problems(exc: ValidationError, text: str | None, prefix: Sequence[str | int] = ()) -> list[str]:
    """One line per validation error: `line N: field.path: message (the fix)`; `prefix` is the path of the
    validated value inside the file (a product validated on its own sits at products.3)."""
    root = _compose(text)
    out = []
    for error in exc.errors():
        loc = [*prefix, *error["loc"]]
        node = _node_at(root, loc)
        line = f"line {node.start_mark.line + 1}: " if node is not None else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        out.append(f"{line}{'.'.join(str(p) for p in loc)}: {message}{_hint(error, node)}")
    return out


def _hint(error: Any, node: yaml.Node | None) -> str:
    value = error.get("input")
    if error.get("type") != "string_type" or not isinstance(value, bool | int | float):
        return ""
    raw = node.value if isinstance(node, yaml.ScalarNode) else str(value)
    kind = "true/false" if isinstance(value, bool) else "a number"
    return f' (YAML read {raw} as {kind}: quote it, "{raw}")'


def _compose(text: str | None) -> yaml.Node | None:
    if text is None:
        return None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def _node_at(node: yaml.Node | None, loc: Sequence[str | int]) -> yaml.Node | None:
    """The node at a pydantic location; the deepest one found when the path ends early (a missing field)."""
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
        if child is None:
            return node
        node = child
    return node
