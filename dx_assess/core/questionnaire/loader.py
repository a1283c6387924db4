"""Load one questionnaire file: YAML -> checked, frozen :class:`Questionnaire`.

A file with any problem loads nothing: :func:`load_questionnaire` raises
:class:`QuestionnaireError` carrying every problem found.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from dx_assess.core.questionnaire.errors import Problem, QuestionnaireError, sort_problems
from dx_assess.core.questionnaire.expressions import ExpressionError, parse_rule
from dx_assess.core.questionnaire.model import (
    Binding,
    Case,
    CrossFieldRule,
    LevelThresholds,
    MapEntry,
    MaturityLevel,
    Pillar,
    Questionnaire,
    Recommendation,
    VersionMap,
)
from dx_assess.core.questionnaire.parse import parse_condition, parse_sections, read_id
from dx_assess.core.questionnaire.reader import Reader
from dx_assess.core.questionnaire.validate import validate
from dx_assess.core.questionnaire.yamlsrc import Source, YamlSyntaxError, join, read_yaml

FORMAT_VERSION = 1
TOP_KEYS = (
    "format",
    "key",
    "version",
    "fiscal_year",
    "title",
    "description",
    "previous",
    "levels",
    "cases",
    "pillars",
    "sections",
    "checks",
    "recommendations",
    "bindings",
)
REQUIRED_TOP = ("key", "version", "fiscal_year", "title", "levels", "pillars", "sections")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: The largest questionnaire file read (the shipped ones are about 45 KB).
MAX_FILE_BYTES = 1_000_000
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")


def content_hash(path_or_bytes: Path | str | bytes) -> str:
    """sha256 (hex) of the raw file bytes."""
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return hashlib.sha256(data).hexdigest()


def read_questionnaire(data: bytes, filename: str) -> tuple[Questionnaire | None, list[Problem]]:
    """Parse and check; returns (questionnaire, []) or (None, problems). Never raises for
    problems in the file itself."""
    key = (content_hash(data), filename)
    cached = _PARSED.get(key)
    if cached is None:
        cached = _read(data, filename)
        if len(_PARSED) >= 64:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = cached
    questionnaire, problems = cached
    return questionnaire, list(problems)


# Parsing is a pure function of the bytes and the name, and the results are immutable, so
# the same file is parsed once per process (publishing and rounds read it repeatedly).
_PARSED: dict[tuple[str, str], tuple[Questionnaire | None, tuple[Problem, ...]]] = {}


def _read(data: bytes, filename: str) -> tuple[Questionnaire | None, tuple[Problem, ...]]:
    if len(data) > MAX_FILE_BYTES:
        message = f"ファイルが大きすぎます（{len(data):,} バイト。{MAX_FILE_BYTES:,} バイトまで）"
        return None, (Problem(filename, "", message),)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"文字コードを UTF-8 にして保存してください（{exc.reason}）"
        return None, (Problem(filename, "", message),)
    try:
        source = read_yaml(text)
    except YamlSyntaxError as exc:
        return None, (Problem(filename, "", exc.message, exc.line),)
    reader = Reader(filename, source)
    questionnaire = _build(reader, source, filename, content_hash(data))
    if questionnaire is not None:
        validate(questionnaire, reader)
    if reader.problems or questionnaire is None:
        return None, tuple(sort_problems(reader.problems))
    return questionnaire, ()


def load_bytes(data: bytes, filename: str) -> Questionnaire:
    """Load from bytes; raises :class:`QuestionnaireError` listing every problem."""
    questionnaire, problems = read_questionnaire(data, filename)
    if questionnaire is None:
        raise QuestionnaireError(problems)
    return questionnaire


def load_questionnaire(path: Path | str) -> Questionnaire:
    """Load one file; raises :class:`QuestionnaireError` listing every problem."""
    p = Path(path)
    return load_bytes(p.read_bytes(), p.name)


def _build(r: Reader, source: Source, filename: str, digest: str) -> Questionnaire | None:
    data = r.mapping(source.data, "", allowed=TOP_KEYS, required=REQUIRED_TOP)
    if data is None:
        return None
    fmt = r.integer(data, "format", "", default=FORMAT_VERSION)
    if fmt != FORMAT_VERSION:
        r.add("format", f"この版のプログラムが読める format は {FORMAT_VERSION} だけです")
    key = r.string(data, "key", "")
    if key and not KEY_RE.match(key):
        r.add("key", f"key「{key}」は半角英小文字・数字・- で書いてください")
    version = r.string(data, "version", "")
    if version and not VERSION_RE.match(version):
        r.add("version", f"version「{version}」には半角英数字と . _ - だけが使えます")
    year = r.integer(data, "fiscal_year", "", default=0) or 0
    if "fiscal_year" in data and year and not 2000 <= year <= 2100:
        r.add("fiscal_year", f"fiscal_year「{year}」は西暦の年度（例: 2025）で書いてください")
    return Questionnaire(
        key=key,
        version=version,
        fiscal_year=year,
        title=r.text(data, "title", ""),
        description=r.string(data, "description", ""),
        pillars=_pillars(r, data),
        sections=parse_sections(r, data),
        levels=_levels(r, data),
        cases=_cases(r, data),
        checks=_checks(r, data),
        recommendations=_recommendations(r, data),
        version_map=_version_map(r, data),
        bindings=_bindings(r, data),
        source_file=filename,
        content_hash=digest,
    )


def _pillars(r: Reader, data: dict[str, Any]) -> tuple[Pillar, ...]:
    out: list[Pillar] = []
    for path, m in r.records(
        data,
        "pillars",
        "",
        allowed=("id", "title", "weight", "description"),
        required=("id", "title", "weight"),
        required_list=True,
    ):
        out.append(
            Pillar(
                read_id(r, m, path, "柱"),
                r.text(m, "title", path),
                r.number(m, "weight", path, default=0.0) or 0.0,
                r.string(m, "description", path),
            )
        )
    return tuple(out)


def _levels(r: Reader, data: dict[str, Any]) -> LevelThresholds:
    out: list[MaturityLevel] = []
    for path, m in r.records(
        data,
        "levels",
        "",
        allowed=("level", "min", "label", "description"),
        required=("level", "min", "label"),
        required_list=True,
    ):
        out.append(
            MaturityLevel(
                r.integer(m, "level", path, default=0) or 0,
                r.number(m, "min", path, default=0.0) or 0.0,
                r.string(m, "label", path),
                r.string(m, "description", path),
            )
        )
    return LevelThresholds(tuple(out))


def _cases(r: Reader, data: dict[str, Any]) -> tuple[Case, ...]:
    out: list[Case] = []
    for path, m in r.records(
        data,
        "cases",
        "",
        allowed=("id", "municipality", "title", "summary", "source"),
        required=("id", "municipality", "title", "source"),
    ):
        out.append(
            Case(
                read_id(r, m, path, "事例"),
                r.string(m, "municipality", path),
                r.string(m, "title", path),
                r.string(m, "summary", path),
                r.string(m, "source", path),
            )
        )
    return tuple(out)


def _checks(r: Reader, data: dict[str, Any]) -> tuple[CrossFieldRule, ...]:
    out: list[CrossFieldRule] = []
    for path, m in r.records(
        data, "checks", "", allowed=("id", "rule", "message"), required=("id", "rule", "message")
    ):
        rule = r.string(m, "rule", path)
        names: tuple[str, ...] = ()
        try:
            names = parse_rule(rule).names if rule else ()
        except ExpressionError as exc:
            r.add(join(path, "rule"), f"チェック式の誤り: {exc}")
        out.append(
            CrossFieldRule(
                read_id(r, m, path, "チェック"),
                rule,
                names,
                r.string(m, "message", path),
                path,
                r.source.line(path),
            )
        )
    return tuple(out)


def _recommendations(r: Reader, data: dict[str, Any]) -> tuple[Recommendation, ...]:
    out: list[Recommendation] = []
    for path, m in r.records(
        data,
        "recommendations",
        "",
        allowed=("id", "pillar", "when", "title", "text", "cases"),
        required=("id", "when", "title", "text"),
    ):
        if "when" not in m:
            continue
        when = parse_condition(r, m["when"], join(path, "when"), None, True)
        if when is None:
            continue
        out.append(
            Recommendation(
                read_id(r, m, path, "推奨事項"),
                when,
                r.string(m, "title", path),
                r.string(m, "text", path),
                r.opt_string(m, "pillar", path),
                r.str_list(m, "cases", path),
                path,
                r.source.line(path),
            )
        )
    return tuple(out)


def _bindings(r: Reader, data: dict[str, Any]) -> tuple[Binding, ...]:
    """``bindings:`` role -> question id, or role -> {question, choice} (checked in validate)."""
    if data.get("bindings") is None:
        return ()
    m = r.mapping(data["bindings"], "bindings")
    if m is None:
        return ()
    out: list[Binding] = []
    for role, raw in m.items():
        path = join("bindings", str(role))
        if isinstance(raw, str):
            question, choice = raw, None
        elif not isinstance(raw, dict):
            r.add(path, "設問の id か {question: 設問の id, choice: 選択肢の値} で書いてください")
            continue
        else:
            bm = r.mapping(raw, path, allowed=("question", "choice"), required=("question",))
            if bm is None:
                continue
            question = r.string(bm, "question", path)
            choice = r.opt_string(bm, "choice", path, question or None)
        if question:
            out.append(
                Binding(str(role), question, (choice,) if choice else (), path, r.source.line(path))
            )
    return tuple(out)


def _version_map(r: Reader, data: dict[str, Any]) -> VersionMap | None:
    if data.get("previous") is None:
        return None
    m = r.mapping(
        data["previous"], "previous", allowed=("version", "map", "retired"), required=("version",)
    )
    if m is None:
        return None
    entries: list[MapEntry] = []
    for path, em in r.records(
        m,
        "map",
        "previous",
        allowed=("question", "from", "value_map", "combine", "note"),
        required=("question", "from"),
    ):
        qid = r.string(em, "question", path) or None
        sources = (
            (r.string(em, "from", path, qid),)
            if isinstance(em.get("from"), str)
            else r.str_list(em, "from", path, qid)
        )
        pairs: list[tuple[str, str]] = []
        vm = em.get("value_map")
        if vm is not None and (vmm := r.mapping(vm, join(path, "value_map"), qid)) is not None:
            for old, new in vmm.items():
                if isinstance(new, str):
                    pairs.append((old, new))
                else:
                    r.add(
                        join(path, f"value_map.{old}"), "value_map の値は文字列にしてください", qid
                    )
        combine = r.opt_string(em, "combine", path, qid)
        if combine not in (None, "sum", "any"):
            r.add(join(path, "combine"), f"combine「{combine}」は sum か any で書いてください", qid)
        entries.append(
            MapEntry(
                qid or "",
                sources,
                tuple(pairs),
                combine,
                r.string(em, "note", path, qid),
                path,
                r.source.line(path),
            )
        )
    return VersionMap(
        r.string(m, "version", "previous"),
        tuple(entries),
        r.str_list(m, "retired", "previous"),
        "previous",
        r.source.line("previous"),
    )
