"""Read YAML into plain Python data while remembering the line of every value.

Uses :func:`yaml.compose` with a safe loader (never ``yaml.load`` with an unsafe loader).
Only ``true`` / ``false`` are booleans here (YAML 1.2 style), so ``yes:`` and ``no:`` stay
plain strings, which matters for yes/no scoring keys.

Hostile files are bounded (questionnaires/README.md, section 2): at most :data:`MAX_DEPTH`
levels of nesting (checked while composing, before Python's recursion limit is near), at most
:data:`MAX_ALIASES` values reached through aliases (``*name``; a "billion laughs" file of
under 1 KB would otherwise expand to billions of values), keys must be plain scalars, and a
control character (a vertical tab pasted from Word) is reported with its line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

#: Deepest nesting of mappings and lists a questionnaire file may use (the shipped files
#: use about 10).
MAX_DEPTH = 50
#: Most values (scalars, lists, mappings) a file may reach through aliases, counted as
#: expanded: an alias of a list of 9 values counts 10.
MAX_ALIASES = 10_000


class StrictBoolLoader(yaml.SafeLoader):
    """SafeLoader where only true/false (any case) are booleans, refusing deep nesting while
    composing (the composer recurses once per level)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlSyntaxError(f"入れ子が深すぎます（{MAX_DEPTH} 段まで）", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


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


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, max(0, position)) + 1


def _bad_character(text: str, exc: yaml.reader.ReaderError) -> YamlSyntaxError:
    code = exc.character if isinstance(exc.character, int) else 0
    kind = "制御文字" if unicodedata.category(chr(code)).startswith("C") else "文字"
    message = (
        f"使えない{kind}（U+{code:04X}）が含まれています。"
        "Word などから貼り付けたときに入る見えない文字です。消して書き直してください"
    )
    return YamlSyntaxError(message, _line_at(text, exc.position))


@dataclass
class _Budget:
    seen: set[int] = field(default_factory=set)
    expanded: int = 0


def read_yaml(text: str) -> Source:
    """Parse one YAML document; raises :class:`YamlSyntaxError` with a line number."""
    try:
        loader = StrictBoolLoader(text)
    except yaml.reader.ReaderError as exc:
        raise _bad_character(text, exc) from None
    try:
        node = loader.get_single_node()
        source = Source(data=None)
        if node is not None:
            source.data = _convert(loader, node, "", source, 0, _Budget())
        return source
    except yaml.reader.ReaderError as exc:
        raise _bad_character(text, exc) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = exc.problem or exc.context or "不明な誤り"
        raise YamlSyntaxError(f"YAML の書き方に誤りがあります（{detail}）", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML を読み取れません（{exc}）", None) from None
    finally:
        loader.dispose()


def _convert(
    loader: StrictBoolLoader, node: yaml.Node, path: str, src: Source, depth: int, budget: _Budget
) -> Any:
    line = node.start_mark.line + 1
    if depth > MAX_DEPTH:
        raise YamlSyntaxError(f"入れ子が深すぎます（{MAX_DEPTH} 段まで）", line)
    if id(node) in budget.seen:  # reached again: through an alias
        budget.expanded += 1
        if budget.expanded > MAX_ALIASES:
            message = f"別名（*）の展開が多すぎます（{MAX_ALIASES:,} 個まで）"
            raise YamlSyntaxError(message, line)
    else:
        budget.seen.add(id(node))
    src.lines.setdefault(path, line)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                message = "キーには文字か数を書いてください（一覧やキーと値の組はキーにできません）"
                raise YamlSyntaxError(message, key_node.start_mark.line + 1)
            raw_key = loader.construct_object(key_node, deep=True)
            key = raw_key if isinstance(raw_key, str) else str(raw_key)
            child = join(path, key)
            if key in out:
                src.duplicate_keys.append((child, key_node.start_mark.line + 1))
            src.lines[child] = key_node.start_mark.line + 1
            out[key] = _convert(loader, value_node, child, src, depth + 1, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(loader, item, join(path, i), src, depth + 1, budget)
            for i, item in enumerate(node.value)
        ]
    value = loader.construct_object(node, deep=True)
    if isinstance(value, str) and node.end_mark.line > node.start_mark.line:
        return _joined(loader, node, value)
    return value


_JAPANESE = re.compile(
    r"[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
_FOLD_GAP = re.compile(rf"(?<={_JAPANESE.pattern})[ \t]+(?={_JAPANESE.pattern})")


def _joined(loader: StrictBoolLoader, node: yaml.Node, value: str) -> str:
    """A string written over several lines as Japanese reads it: YAML folds each line break
    into a space, and Japanese puts none between words (「事業者と⏎スケジュール」 is
    「事業者とスケジュール」). Only the spaces made from line breaks go; one typed inside a
    line stays (「総務課 情報政策係」). ``|`` blocks keep their line breaks."""
    style = getattr(node, "style", None)
    if style == "|":
        return value
    buffer = getattr(loader, "buffer", "")
    raw = buffer[node.start_mark.index : node.end_mark.index] if buffer else ""
    lines = raw.splitlines()
    if style == ">":
        lines = lines[1:]  # the header line (">", ">-")
    parts = [line.strip() for line in lines if line.strip()]
    if style is None and parts and " ".join(parts) == value.strip():
        pass  # a plain scalar over several lines: the parts are exactly its lines
    elif not (style == ">" and parts and " ".join(parts) == value.strip()):
        return _FOLD_GAP.sub("", value)  # quoted, or blank lines inside: every gap
    out = parts[0]
    for part in parts[1:]:
        japanese = _JAPANESE.fullmatch(out[-1]) and _JAPANESE.fullmatch(part[0])
        out += ("" if japanese else " ") + part
    return out + value[len(value.rstrip()) :]
