"""`yaml.safe_load` that remembers where each mapping key and list entry was.

    >>> doc = load_located("a:\\n  - 1\\n  - x: 2\\n", "s.yaml")
    >>> doc.line_of("a"), doc["a"].line_of(1)
    (1, 3)

Only the SafeLoader's constructors are used, so YAML tags that build Python
objects are rejected exactly as `yaml.safe_load` rejects them.
"""
from __future__ import annotations

import yaml

from broadcaster.errors import ScriptError


class LocatedDict(dict):
    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    out = LocatedDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise ScriptError("a mapping key must be a plain value", where=f"line {key_node.start_mark.line + 1}") from None
        if key in out:
            raise ScriptError(f"duplicate key {key!r}", where=f"line {key_node.start_mark.line + 1}")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    out = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_located(text: str, name: str):
    """Parse YAML text; syntax errors become a ScriptError naming file and line."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except ScriptError as exc:
        raise ScriptError(exc.message, where=f"{name}:{exc.where.removeprefix('line ')}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise ScriptError(f"invalid YAML: {exc.problem or exc.context}", where=f"{name}:{line}") from None
    except yaml.YAMLError as exc:
        raise ScriptError(f"invalid YAML: {exc}", where=name) from None
