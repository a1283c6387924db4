"""Compare two versions of a questionnaire (for ``dx-assess questionnaire diff A B``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dx_assess.core.questionnaire.model import Question, Questionnaire, ScoringRule

#: Question attributes compared by the diff, with their Japanese names.
FIELD_NAMES = {
    "type": "種類",
    "text": "設問文",
    "help": "説明",
    "section": "セクション",
    "required": "必須",
    "unit": "単位",
    "min": "最小値",
    "max": "最大値",
    "max_length": "最大文字数",
    "decimals": "小数桁数",
    "choices": "選択肢",
    "rows": "表の行",
    "formula": "計算式",
    "show_when": "表示条件",
    "pillar": "柱",
    "weight": "重み",
    "scoring": "採点",
}
SCORING_FIELDS = ("pillar", "weight", "scoring")


@dataclass(frozen=True)
class QuestionChange:
    old_id: str
    new_id: str
    fields: tuple[str, ...]  # keys of FIELD_NAMES


@dataclass(frozen=True)
class ScoringChange:
    question: str  # id in the new version
    before: str
    after: str


@dataclass(frozen=True)
class WeightChange:
    """A pillar weight: ``None`` on the side where the pillar does not exist."""

    pillar: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class ValueMapChange:
    """One option carried through a version map, with its score under each version."""

    question: str  # id in the new version
    old_value: str
    new_value: str
    old_score: float | None
    new_score: float | None


@dataclass(frozen=True)
class VersionDiff:
    key: str
    old_version: str
    new_version: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()  # (old id, new id)
    split: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (old id, new ids)
    merged: tuple[tuple[tuple[str, ...], str], ...] = ()  # (old ids, new id)
    changed: tuple[QuestionChange, ...] = ()
    scoring_changed: tuple[ScoringChange, ...] = ()
    pillars_added: tuple[str, ...] = ()
    pillars_removed: tuple[str, ...] = ()
    pillars_changed: tuple[str, ...] = ()
    levels_changed: bool = False
    recommendations_added: tuple[str, ...] = ()
    recommendations_removed: tuple[str, ...] = ()
    recommendations_changed: tuple[str, ...] = ()
    cases_added: tuple[str, ...] = ()
    cases_removed: tuple[str, ...] = ()
    checks_changed: tuple[str, ...] = ()
    scoring_added: tuple[ScoringChange, ...] = ()  # scored questions new in this version
    scoring_removed: tuple[ScoringChange, ...] = ()  # scored questions that no longer count
    pillar_weights: tuple[WeightChange, ...] = ()  # pillars whose weight differs (or new/gone)
    value_maps: tuple[ValueMapChange, ...] = ()  # options carried through a value map
    levels_before: str = ""
    levels_after: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.added,
                self.removed,
                self.renamed,
                self.split,
                self.merged,
                self.changed,
                self.scoring_changed,
                self.pillars_added,
                self.pillars_removed,
                self.pillars_changed,
                self.levels_changed,
                self.recommendations_added,
                self.recommendations_removed,
                self.recommendations_changed,
                self.cases_added,
                self.cases_removed,
                self.checks_changed,
                self.scoring_added,
                self.scoring_removed,
                self.pillar_weights,
                self.value_maps,
            )
        )


def _sources(old: Questionnaire, new: Questionnaire) -> dict[str, tuple[str, ...]]:
    """new id -> old ids, from the declared map when it is for ``old``, else by id."""
    vm = new.version_map
    declared = {}
    if vm is not None and vm.previous_version == old.version:
        declared = {e.question: e.sources for e in vm.entries}
    out: dict[str, tuple[str, ...]] = {}
    for q in new.questions:
        sources = declared.get(q.id, (q.id,))
        out[q.id] = tuple(s for s in sources if old.has_question(s))
    return out


def _choice_shape(q: Question) -> tuple[tuple[str, str, bool, bool], ...]:
    return tuple((c.value, c.label, c.exclusive, c.not_applicable) for c in q.choices)


CHOICE_SCORED = ("choice", "sum", "grid_average")


def _score_shape(q: Question) -> tuple[object, ...]:
    """The scoring rule plus, for methods that use them, the options' scores."""
    used = q.scoring is not None and q.scoring.method in CHOICE_SCORED
    scores = tuple((c.value, c.score, c.not_applicable) for c in q.choices) if used else ()
    return (q.scoring, scores)


def _changed_fields(a: Question, b: Question) -> tuple[str, ...]:
    fields = []
    for name in FIELD_NAMES:
        if name == "choices":
            differs = _choice_shape(a) != _choice_shape(b)
        elif name == "scoring":
            differs = _score_shape(a) != _score_shape(b)
        elif name == "formula":
            differs = (a.formula.source if a.formula else None) != (
                b.formula.source if b.formula else None
            )
        else:
            differs = getattr(a, name) != getattr(b, name)
        if differs:
            fields.append(name)
    return tuple(fields)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def describe_scoring(q: Question) -> str:
    """A short Japanese description of how a question is scored."""
    rule: ScoringRule | None = q.scoring
    if rule is None:
        return "採点しない"
    head = f"柱 {q.pillar}・重み {_num(q.weight)}・"
    if rule.method == "yes_no":
        return head + f"はい {_num(rule.yes or 0)} / いいえ {_num(rule.no or 0)}"
    if rule.method == "breakpoints":
        return head + "区切り点 " + ", ".join(f"{_num(x)}→{_num(s)}" for x, s in rule.breakpoints)
    if rule.method == "count":
        full = rule.full_at or sum(1 for c in q.choices if not c.exclusive)
        return head + f"選んだ数 ÷ {full}（上限 1）"
    scores = ", ".join(
        f"{c.value}=対象外" if c.not_applicable else f"{c.value}={_num(c.score or 0)}"
        for c in q.choices
    )
    label = {
        "choice": "選択肢の得点",
        "sum": "選んだ選択肢の得点の合計（上限 1）",
        "grid_average": "行ごとの状況の得点の平均",
    }.get(rule.method, rule.method)
    return head + f"{label} {scores}"


def describe_levels(q: Questionnaire) -> str:
    """The maturity thresholds as text, e.g. ``1 着手前 0〜・2 準備 20〜``."""
    return "・".join(f"{lv.level} {lv.label} {_num(lv.min_score)}〜" for lv in q.levels.levels)


def _option_score(q: Question, value: str) -> float | None:
    c = q.choice(value)
    if c is None or c.not_applicable or q.scoring is None:
        return None
    if q.scoring.method not in CHOICE_SCORED:
        return None
    return c.score


def _value_maps(old: Questionnaire, new: Questionnaire) -> tuple[ValueMapChange, ...]:
    vm = new.version_map
    if vm is None or vm.previous_version != old.version:
        return ()
    out = []
    for e in vm.entries:
        if not e.value_map or not e.sources or not old.has_question(e.sources[0]):
            continue
        a, b = old.question(e.sources[0]), new.question(e.question)
        for ov, nv in e.value_map:
            out.append(ValueMapChange(b.id, ov, nv, _option_score(a, ov), _option_score(b, nv)))
    return tuple(out)


def _pillar_weights(old: Questionnaire, new: Questionnaire) -> tuple[WeightChange, ...]:
    before = {p.id: p.weight for p in old.pillars}
    after = {p.id: p.weight for p in new.pillars}
    ids = list(dict.fromkeys([*after, *before]))
    return tuple(
        WeightChange(p, before.get(p), after.get(p)) for p in ids if before.get(p) != after.get(p)
    )


def diff_versions(old: Questionnaire, new: Questionnaire) -> VersionDiff:
    """What changed from ``old`` to ``new`` (uses ``new``'s version map for renames)."""
    sources = _sources(old, new)
    feeds = Counter(s for srcs in sources.values() for s in srcs)
    used = set(feeds)
    added = tuple(n for n, s in sources.items() if not s)
    removed = tuple(q.id for q in old.questions if q.id not in used)
    renamed, changed, scoring = [], [], []
    scoring_added: list[ScoringChange] = []
    splits: dict[str, list[str]] = {}
    merged = []
    for n, srcs in sources.items():
        b = new.question(n)
        if not srcs and b.scored:
            scoring_added.append(ScoringChange(n, "（前の版になし）", describe_scoring(b)))
        if len(srcs) > 1 or (len(srcs) == 1 and feeds[srcs[0]] > 1):
            if len(srcs) > 1:
                merged.append((srcs, n))
            else:
                splits.setdefault(srcs[0], []).append(n)
            before = " ＋ ".join(f"{s}（{describe_scoring(old.question(s))}）" for s in srcs)
            if len(srcs) == 1:
                before = describe_scoring(old.question(srcs[0]))
            if before != describe_scoring(b):
                scoring.append(ScoringChange(n, before, describe_scoring(b)))
        elif len(srcs) == 1:
            a, b = old.question(srcs[0]), new.question(n)
            if a.id != b.id:
                renamed.append((a.id, b.id))
            fields = _changed_fields(a, b)
            if fields:
                changed.append(QuestionChange(a.id, b.id, fields))
            if any(f in SCORING_FIELDS for f in fields):
                scoring.append(ScoringChange(b.id, describe_scoring(a), describe_scoring(b)))
    old_p = {p.id: p for p in old.pillars}
    new_p = {p.id: p for p in new.pillars}
    old_r = {r.id: r for r in old.recommendations}
    new_r = {r.id: r for r in new.recommendations}
    old_c = {c.id: c for c in old.checks}
    new_c = {c.id: c for c in new.checks}
    return VersionDiff(
        key=new.key,
        old_version=old.version,
        new_version=new.version,
        added=added,
        removed=removed,
        renamed=tuple(renamed),
        split=tuple((k, tuple(v)) for k, v in splits.items()),
        merged=tuple(merged),
        changed=tuple(changed),
        scoring_changed=tuple(scoring),
        pillars_added=tuple(p for p in new_p if p not in old_p),
        pillars_removed=tuple(p for p in old_p if p not in new_p),
        pillars_changed=tuple(p for p in new_p if p in old_p and new_p[p] != old_p[p]),
        levels_changed=old.levels != new.levels,
        recommendations_added=tuple(r for r in new_r if r not in old_r),
        recommendations_removed=tuple(r for r in old_r if r not in new_r),
        recommendations_changed=tuple(r for r in new_r if r in old_r and new_r[r] != old_r[r]),
        cases_added=tuple(
            c for c in (x.id for x in new.cases) if c not in {x.id for x in old.cases}
        ),
        cases_removed=tuple(
            c for c in (x.id for x in old.cases) if c not in {x.id for x in new.cases}
        ),
        checks_changed=tuple(
            sorted(
                set(old_c) ^ set(new_c) | {c for c in new_c if c in old_c and new_c[c] != old_c[c]}
            )
        ),
        scoring_added=tuple(scoring_added),
        scoring_removed=tuple(
            ScoringChange(q.id, describe_scoring(q), "（採点しない・廃止）")
            for q in old.questions
            if q.scored
            and (q.id not in used or not any(new.question(n).scored for n in _fed(q.id, sources)))
        ),
        pillar_weights=_pillar_weights(old, new),
        value_maps=_value_maps(old, new),
        levels_before=describe_levels(old) if old.levels != new.levels else "",
        levels_after=describe_levels(new) if old.levels != new.levels else "",
    )


def _fed(old_id: str, sources: dict[str, tuple[str, ...]]) -> list[str]:
    return [n for n, srcs in sources.items() if old_id in srcs]


def _ids(label: str, ids: tuple[str, ...]) -> list[str]:
    return [f"{label}（{len(ids)} 件）: {'、'.join(ids)}"] if ids else []


NONE = "（なし）"


def _score_text(x: float | None, none: str = "採点なし") -> str:
    return none if x is None else _num(x)


def format_diff(d: VersionDiff) -> list[str]:
    """The diff as plain Japanese text lines (for the CLI)."""
    lines = [f"調査票 {d.key}: 版 {d.old_version} → {d.new_version} の違い"]
    if d.is_empty:
        return [*lines, "違いはありません。"]
    lines += _ids("追加された設問", d.added)
    lines += _ids("廃止された設問", d.removed)
    lines += [f"設問 id の変更: {a} → {b}" for a, b in d.renamed]
    lines += [f"設問の分割: {a} → {'、'.join(b)}" for a, b in d.split]
    lines += [f"設問の統合: {'、'.join(a)} → {b}" for a, b in d.merged]
    if d.changed:
        lines.append(f"内容が変わった設問（{len(d.changed)} 件）:")
        for c in d.changed:
            name = c.new_id if c.old_id == c.new_id else f"{c.old_id} → {c.new_id}"
            lines.append(f"  {name}: {'、'.join(FIELD_NAMES[f] for f in c.fields)}")
    if d.scoring_changed:
        lines.append(f"採点が変わった設問（{len(d.scoring_changed)} 件）:")
        for s in d.scoring_changed:
            lines += [f"  {s.question}:", f"    前: {s.before}", f"    後: {s.after}"]
    if d.scoring_added:
        lines.append(f"採点に加わった設問（{len(d.scoring_added)} 件）:")
        lines += [f"  {s.question}: {s.after}" for s in d.scoring_added]
    if d.scoring_removed:
        lines.append(f"採点から外れた設問（{len(d.scoring_removed)} 件）:")
        lines += [f"  {s.question}: {s.before}" for s in d.scoring_removed]
    if d.value_maps:
        lines.append(
            f"選択肢の対応（value_map、{len(d.value_maps)} 件。"
            "前の回答はこの対応で採点し直します）:"
        )
        for v in d.value_maps:
            lines.append(
                f"  {v.question}: {v.old_value}（{_score_text(v.old_score)}）"
                f" → {v.new_value}（{_score_text(v.new_score)}）"
            )
    lines += _ids("追加された柱", d.pillars_added)
    lines += _ids("なくなった柱", d.pillars_removed)
    lines += _ids("名前・重み・説明が変わった柱", d.pillars_changed)
    if d.pillar_weights:
        lines.append("柱の重み:")
        lines += [
            f"  {w.pillar}: {_score_text(w.before, NONE)} → {_score_text(w.after, NONE)}"
            for w in d.pillar_weights
        ]
    if d.levels_changed:
        lines.append("成熟度レベルのしきい値または名前が変わりました。")
        lines += [f"  前: {d.levels_before}", f"  後: {d.levels_after}"]
    lines += _ids("追加された推奨事項", d.recommendations_added)
    lines += _ids("なくなった推奨事項", d.recommendations_removed)
    lines += _ids("内容が変わった推奨事項", d.recommendations_changed)
    lines += _ids("追加された先進事例", d.cases_added)
    lines += _ids("なくなった先進事例", d.cases_removed)
    lines += _ids("追加・削除・変更されたチェック", d.checks_changed)
    return lines
