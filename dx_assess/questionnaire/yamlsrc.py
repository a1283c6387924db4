"""Read YAML into plain Python data while remembering the line of every value.

Uses :func:`yaml.compose` with a safe loader (never ``yaml.load`` with an unsafe loader).
Only ``true`` / ``false`` are booleans here (YAML 1.2 style), so ``yes:`` and ``no:`` stay
plain strings, which matters for yes/no scoring keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml


class StrictBoolLoader(yaml.SafeLoader):
    """SafeLoader where only true/false (any case) are booleans."""


StrictBoolLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictBoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


@dataclass
class Source:
    """Parsed YAML plus line numbers keyed by location path."""

    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[str, int]] = field(default_factory=list)

    def line(self, path: str) -> int | None:
        """Line of ``path``, or of its nearest enclosing location."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = parent_path(path)


def parent_path(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    if "." in path:
        return path[: path.rindex(".")]
    return ""


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def read_yaml(text: str) -> Source:
    """Parse one YAML document; raises :class:`YamlSyntaxError` with a line number."""
    loader = StrictBoolLoader(text)
    try:
        node = loader.get_single_node()
        source = Source(data=None)
        if node is not None:
            source.data = _convert(loader, node, "", source, 0)
        return source
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = exc.problem or exc.context or "不明な誤り"
        raise YamlSyntaxError(f"YAML の書き方に誤りがあります（{detail}）", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML を読み取れません（{exc}）", None) from None
    finally:
        loader.dispose()


def _convert(loader: StrictBoolLoader, node: yaml.Node, path: str, src: Source, depth: int) -> Any:
    if depth > 50:
        raise yaml.YAMLError("入れ子が深すぎます")
    src.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            raw_key = loader.construct_object(key_node, deep=True)
            key = raw_key if isinstance(raw_key, str) else str(raw_key)
            child = join(path, key)
            if key in out:
                src.duplicate_keys.append((child, key_node.start_mark.line + 1))
            src.lines[child] = key_node.start_mark.line + 1
            out[key] = _convert(loader, value_node, child, src, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(loader, item, join(path, i), src, depth + 1)
            for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)
