"""Typed access to the parsed YAML that records a :class:`Problem` for each mistake."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any

from dx_assess.core.questionnaire.errors import Problem
from dx_assess.core.questionnaire.model import LocalizedText
from dx_assess.core.questionnaire.yamlsrc import Source, join

_TYPE_NAMES = {
    dict: "キーと値の組（マッピング）",
    list: "一覧（- で始まるリスト）",
    str: "文字列",
    bool: "true/false",
    int: "整数",
    float: "数値",
    dt.date: "日付",
}


_JAPANESE = (
    r"[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
_FOLD_GAP = re.compile(rf"(?<={_JAPANESE})[ \t]+(?={_JAPANESE})")


def unfold(text: str) -> str:
    """Remove the space a folded YAML line (``>``) leaves between two Japanese characters:
    Japanese puts no spaces between words: 「事業者と スケジュール」 is 「事業者とスケジュール」.
    Spaces next to Latin letters or digits, and line breaks (``|`` blocks), stay."""
    return _FOLD_GAP.sub("", text)


def describe(value: object) -> str:
    if value is None:
        return "空"
    for cls, name in _TYPE_NAMES.items():
        if type(value) is cls:
            return name
    return type(value).__name__


class Reader:
    """Collects problems for one file while reading values out of ``source.data``."""

    def __init__(self, file: str, source: Source) -> None:
        self.file = file
        self.source = source
        self.problems: list[Problem] = []
        for path, line in source.duplicate_keys:
            key = path.rsplit(".", 1)[-1]
            self.problems.append(
                Problem(file, path, f"キー「{key}」が同じ場所に 2 回書かれています", line)
            )

    def add(self, path: str, message: str, qid: str | None = None) -> None:
        self.problems.append(Problem(self.file, path, message, self.source.line(path), qid))

    def wrong(
        self, path: str, key: str, expected: str, value: object, qid: str | None, hint: str = ""
    ) -> None:
        message = f"「{key}」は{expected}にしてください（いまは {describe(value)}）{hint}"
        self.add(path, message, qid)

    # --- containers -------------------------------------------------------------------

    def mapping(
        self,
        value: object,
        path: str,
        qid: str | None = None,
        *,
        allowed: Iterable[str] = (),
        required: Iterable[str] = (),
    ) -> dict[str, Any] | None:
        """``value`` as a mapping, reporting a wrong type, unknown keys and missing keys."""
        if not isinstance(value, dict):
            self.add(
                path, f"キーと値の組（マッピング）にしてください（いまは {describe(value)}）", qid
            )
            return None
        allowed_set = set(allowed)
        if allowed_set:
            for key in value:
                if key not in allowed_set:
                    choices = "、".join(sorted(allowed_set))
                    self.add(
                        join(path, key), f"不明なキー「{key}」です（使えるキー: {choices}）", qid
                    )
        for key in required:
            if key not in value or value[key] is None:
                self.add(join(path, key), f"必須のキー「{key}」がありません", qid)
        return value

    def items(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        qid: str | None = None,
        *,
        required: bool = False,
    ) -> list[tuple[str, Any]]:
        """``obj[key]`` as a list; returns (item path, item) pairs."""
        value = obj.get(key)
        where = join(path, key)
        if value is None:
            if required and key in obj:
                self.add(where, f"「{key}」が空です", qid)
            return []
        if not isinstance(value, list):
            self.add(
                where,
                f"「{key}」は一覧（- で始まるリスト）にしてください（いまは {describe(value)}）",
                qid,
            )
            return []
        return [(join(where, i), item) for i, item in enumerate(value)]

    def records(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        qid: str | None = None,
        *,
        allowed: Iterable[str] = (),
        required: Iterable[str] = (),
        required_list: bool = False,
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """The mappings in the list ``obj[key]`` as (item path, mapping) pairs.

        Each item is checked as :meth:`mapping` checks it, when the caller reaches it (so its
        problems come before those found reading its values); an item that is not a mapping
        is reported and skipped. ``required_list``: an empty list is a problem (see :meth:`items`).
        """
        for item_path, raw in self.items(obj, key, path, qid, required=required_list):
            m = self.mapping(raw, item_path, qid, allowed=allowed, required=required)
            if m is not None:
                yield item_path, m

    # --- scalars ----------------------------------------------------------------------

    def string(
        self, obj: dict[str, Any], key: str, path: str, qid: str | None = None, default: str = ""
    ) -> str:
        value = obj.get(key)
        if value is None:
            return default
        if isinstance(value, str):  # line breaks in Japanese already joined (yamlsrc._joined)
            return value.strip()
        quote = isinstance(value, int | float)
        hint = '。"2025.1" のように引用符で囲んでください' if quote else ""
        self.wrong(join(path, key), key, "文字列", value, qid, hint)
        return default

    def opt_string(
        self, obj: dict[str, Any], key: str, path: str, qid: str | None = None
    ) -> str | None:
        if obj.get(key) is None:
            return None
        return self.string(obj, key, path, qid) or None

    def number(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        qid: str | None = None,
        default: float | None = None,
    ) -> float | None:
        value = obj.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.wrong(join(path, key), key, "数値", value, qid)
            return default
        return float(value)

    def integer(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        qid: str | None = None,
        default: int | None = None,
    ) -> int | None:
        value = obj.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.wrong(join(path, key), key, "整数", value, qid)
            return default
        return value

    def boolean(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        qid: str | None = None,
        default: bool = False,
    ) -> bool:
        value = obj.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.wrong(join(path, key), key, "true か false", value, qid)
            return default
        return value

    def text(
        self, obj: dict[str, Any], key: str, path: str, qid: str | None = None
    ) -> LocalizedText:
        """A title: either a plain string (Japanese) or ``{ja: ..., en: ...}``."""
        value = obj.get(key)
        if isinstance(value, dict):
            m = self.mapping(value, join(path, key), qid, allowed=("ja", "en"), required=("ja",))
            sub = join(path, key)
            ja = self.string(m, "ja", sub, qid) if m else ""
            en = self.opt_string(m, "en", sub, qid) if m else None
            return LocalizedText(ja, en)
        return LocalizedText(self.string(obj, key, path, qid))

    def str_list(
        self, obj: dict[str, Any], key: str, path: str, qid: str | None = None
    ) -> tuple[str, ...]:
        out: list[str] = []
        for item_path, item in self.items(obj, key, path, qid):
            if isinstance(item, str):
                out.append(item.strip())
            else:
                self.wrong(item_path, f"{key} の要素", "文字列", item, qid)
        return tuple(out)
