"""A round's data as tidy (long) pandas frames: answers, scores, peer statistics and KPIs.

Pure (pandas; no Flask, no SQLAlchemy). Every frame is built from a
:class:`~dx_assess.core.results.RoundResults`, i.e. from the scoring engine's output, never
re-scored. ``codes`` limits the per-municipality frames (answers, scores) to the municipalities
a user may see; the peer statistics and KPIs are aggregates.

* ``answers``: one row per municipality with a response × question of the round's
  questionnaire version (derived values included, computed from the answers);
* ``scores``: one row per municipality with a score × pillar (and ``overall``);
* ``peers``: the peer-group statistics (one row per group type × group × pillar);
* ``kpis``: the plan KPIs per 振興局 and overall.

Column keys are explained in :mod:`~dx_assess.core.dashboards.export_columns`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator

import pandas as pd

from dx_assess.core.answers.display import UNANSWERED, display_value
from dx_assess.core.dashboards.kpis import KpiTable
from dx_assess.core.questionnaire import Question, type_of, visible_question_ids, with_derived
from dx_assess.core.questionnaire.numbering import question_numbers
from dx_assess.core.results import GROUP_TYPE_LABELS, MunicipalityRow, RoundResults
from dx_assess.core.scoring import OVERALL


def _round_columns(results: RoundResults) -> dict[str, object]:
    return {
        "round_id": results.round_id,
        "fiscal_year": results.fiscal_year,
        "round_label": results.round_label,
        "questionnaire_version": results.questionnaire.version,
        "answered_by": results.population_label,
    }


def _code_value(question: Question, value: object) -> str:
    return type_of(question).export_code(question, value)


def _number(question: Question, value: object) -> float | None:
    """A numeric answer as a float, rounded to the question's decimals when it has them."""
    return type_of(question).export_number(question, value)


def responses(
    results: RoundResults, codes: Collection[str] | None
) -> Iterator[tuple[MunicipalityRow, dict[str, object], set[str]]]:
    """Each municipality with a response (among ``codes`` when given), in row order, with its
    values (derived ones included) and the ids of the questions its answers show."""
    q = results.questionnaire
    for row in results.rows:
        if row.code not in results.answers or (codes is not None and row.code not in codes):
            continue
        answers = results.answers[row.code]
        yield row, with_derived(q, answers), set(visible_question_ids(q, answers))


COLUMN_ORDER_ANSWERS = (
    "code",
    "municipality",
    "subprefecture",
    "status",
    "final",
    "section",
    "question_order",
    "question_number",
    "question_id",
    "question_text",
    "question_type",
    "pillar",
    "pillar_title",
    "unit",
    "shown",
    "answered",
    "value",
    "value_code",
    "value_number",
)


def answers_frame(results: RoundResults, codes: Collection[str] | None = None) -> pd.DataFrame:
    """One row per municipality with a response × question (tidy, long)."""
    q = results.questionnaire
    order = {question.id: i for i, question in enumerate(q.questions, start=1)}
    numbers = question_numbers(q)
    section_of = {question.id: str(s.title) for s in q.sections for question in s.questions}
    base = _round_columns(results)
    records: list[dict[str, object]] = []
    for row, values, shown in responses(results, codes):
        for question in q.questions:
            value = values.get(question.id) if question.id in shown else None
            text = display_value(question, value)
            records.append(
                {
                    **base,
                    "code": row.code,
                    "municipality": row.name,
                    "subprefecture": row.subprefecture,
                    "status": row.status,
                    "final": row.final,
                    "section": section_of[question.id],
                    "question_order": order[question.id],
                    "question_number": numbers[question.id],
                    "question_id": question.id,
                    "question_text": question.text,
                    "question_type": question.type,
                    "pillar": question.pillar or "",
                    "pillar_title": results.pillar_title(question.pillar)
                    if question.pillar
                    else "",
                    "unit": question.unit or "",
                    "shown": question.id in shown,
                    "answered": value is not None,
                    "value": "" if text == UNANSWERED else text,
                    "value_code": _code_value(question, value),
                    "value_number": _number(question, value),
                }
            )
    columns = [*base, *COLUMN_ORDER_ANSWERS]
    return pd.DataFrame.from_records(records, columns=columns)


def _changes(results: RoundResults) -> dict[tuple[str, str], tuple[float | None, bool]]:
    if not len(results.trends):
        return {}
    out: dict[tuple[str, str], tuple[float | None, bool]] = {}
    for rec in results.trends.to_dict("records"):
        change = float(rec["change"])
        out[(str(rec["code"]), str(rec["pillar"]))] = (
            None if math.isnan(change) else change,
            bool(rec["comparable"]),
        )
    return out


def _float(value: object) -> float | None:
    if value is None:
        return None
    f = float(value)  # type: ignore[arg-type]
    return None if math.isnan(f) else f


def _same_rules(results: RoundResults) -> dict[tuple[str, str], tuple[object, object, object]]:
    """(code, pillar) -> (rescored base, like-for-like change, rules changed)."""
    t = results.trends
    if not len(t) or "like_for_like" not in t.columns:
        return {}
    return {
        (str(rec["code"]), str(rec["pillar"])): (
            _float(rec["rescored_base"]),
            _float(rec["like_for_like"]),
            bool(rec["rules_changed"]),
        )
        for rec in t.to_dict("records")
    }


def scores_frame(results: RoundResults, codes: Collection[str] | None = None) -> pd.DataFrame:
    """One row per municipality with a score × pillar and ``overall`` (drafts included and
    marked ``final`` = False: their scores are provisional)."""
    base = _round_columns(results)
    changes = _changes(results)
    same_rules = _same_rules(results)
    records: list[dict[str, object]] = []
    for row in results.rows:
        card = results.scorecards.get(row.code)
        if card is None or (codes is not None and row.code not in codes):
            continue
        head = {
            **base,
            "code": row.code,
            "municipality": row.name,
            "subprefecture": row.subprefecture,
            "kind": row.kind,
            "population": row.population,
            "status": row.status,
            "final": row.final,
        }
        items = [(p.pillar, p.score, p.level, p.coverage) for p in card.pillars]
        items.append((OVERALL, card.overall, card.level, card.coverage))
        for pillar, score, level, coverage in items:
            change, comparable = changes.get((row.code, pillar), (None, None))
            rescored, lfl, rules_changed = same_rules.get((row.code, pillar), (None, None, None))
            records.append(
                {
                    **head,
                    "pillar": pillar,
                    "pillar_title": results.pillar_title(pillar),
                    "score": score,
                    "level": level,
                    "coverage": coverage,
                    "change": change,
                    "comparable": comparable,
                    "rescored_base": rescored,
                    "like_for_like_change": lfl,
                    "rules_changed": rules_changed,
                }
            )
    columns = [
        *base,
        "code",
        "municipality",
        "subprefecture",
        "kind",
        "population",
        "status",
        "final",
        "pillar",
        "pillar_title",
        "score",
        "level",
        "coverage",
        "change",
        "comparable",
        "rescored_base",
        "like_for_like_change",
        "rules_changed",
    ]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["level"] = frame["level"].astype("Int64")
    frame["population"] = frame["population"].astype("Int64")
    return frame


def peers_frame(results: RoundResults) -> pd.DataFrame:
    """The peer-group statistics of the final responses (aggregates; small groups flagged)."""
    groups = results.peers.groups
    frame = pd.DataFrame({k: [v] * len(groups) for k, v in _round_columns(results).items()})
    frame["group_type"] = groups["group_type"].to_numpy()
    frame["group_type_label"] = [
        GROUP_TYPE_LABELS.get(str(g), str(g)) for g in groups["group_type"]
    ]
    frame["group"] = groups["group"].to_numpy()
    frame["pillar"] = groups["pillar"].to_numpy()
    frame["pillar_title"] = [results.pillar_title(str(p)) for p in groups["pillar"]]
    for column in groups.columns:
        if column not in frame.columns:
            frame[column] = groups[column].to_numpy()
    return frame


def kpis_frame(results: RoundResults, table: KpiTable) -> pd.DataFrame:
    """The plan KPIs, one row per region × KPI."""
    base = _round_columns(results)
    records = [
        {
            **base,
            "region": row.region,
            "municipalities": row.municipalities,
            "responses": row.responses,
            "kpi": v.kpi,
            "kpi_name": table.definition(v.kpi).name,
            "unit": table.definition(v.kpi).unit,
            "kpi_value": v.value,
            "numerator": v.numerator,
            "denominator": v.denominator,
            "n": v.n,
            "definition": table.definition(v.kpi).definition,
        }
        for row in table.rows
        for v in row.values
    ]
    return pd.DataFrame.from_records(records)
