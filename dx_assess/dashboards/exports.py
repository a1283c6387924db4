"""A round's data as tidy (long) pandas frames, CSV (UTF-8 with BOM) and a multi-sheet .xlsx.

Pure (pandas and openpyxl; no Flask, no SQLAlchemy). Every frame is built from a
:class:`~dx_assess.results.model.RoundResults`, i.e. from the scoring engine's output, never
re-scored. ``codes`` limits the per-municipality frames (answers, scores) to the municipalities
a user may see; the peer statistics and KPIs are aggregates.

* ``answers``: one row per municipality with a response × question of the round's
  questionnaire version (derived values included, computed from the answers);
* ``scores``: one row per municipality with a score × pillar (and ``overall``);
* ``peers``: the peer-group statistics (one row per group type × group × pillar);
* ``kpis``: the plan KPIs per 振興局 and overall.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Collection, Mapping

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dx_assess.dashboards.kpis import KpiTable
from dx_assess.questionnaire import Question, visible_question_ids, with_derived
from dx_assess.results.model import GROUP_TYPE_LABELS, RoundResults
from dx_assess.scoring import OVERALL
from dx_assess.survey.display import UNANSWERED, display_value

KINDS = ("answers", "scores", "peers", "kpis")
SHEET_NAMES = {
    "answers": "answers",
    "scores": "scores",
    "peers": "peer_statistics",
    "kpis": "kpis",
}
#: Column descriptions (Japanese) for the 説明 sheet of the workbook.
COLUMN_NOTES: dict[str, str] = {
    "round_id": "調査回の番号",
    "fiscal_year": "年度（西暦）",
    "round_label": "年度（和暦）",
    "answered_by": "この調査回に回答した市町村の範囲（全道（全市町村）または対象市町村）",
    "questionnaire_version": "調査票の版",
    "code": "全国地方公共団体コード（6桁）",
    "municipality": "市町村名",
    "subprefecture": "振興局",
    "kind": "市・町・村",
    "status": "回答の状態（draft 回答中 / submitted 提出済み / reopened 差し戻し中）",
    "final": "提出済みで、比較・統計に使う回答なら TRUE",
    "section": "調査票の章",
    "question_order": "調査票での設問の順番",
    "question_id": "設問ID（版をまたいで同じ設問なら同じID）",
    "question_text": "設問文",
    "question_type": "設問の種類",
    "pillar": "柱（分野）のID。overall は総合",
    "pillar_title": "柱（分野）の名前",
    "unit": "単位",
    "shown": "回答に応じて表示される設問なら TRUE（表示されない設問は FALSE）",
    "answered": "回答があれば TRUE",
    "value": "回答（人が読む形）",
    "value_code": "回答（選択肢の値・ISO日付など機械処理用の形）",
    "value_number": "数値の回答（数値の設問のみ）",
    "score": "得点（0〜100）",
    "level": "成熟度レベル（1〜5）",
    "coverage": "回答率（得点の根拠となった回答の重みの割合、0〜1）",
    "change": "前回調査からの変化（ポイント、提出済みの回答のみ）",
    "comparable": "設問の変更が小さく、前回と比較できるなら TRUE",
    "rescored_base": "前回の回答を今回の採点基準で採点し直した得点（前回と同じ設問だけ）",
    "like_for_like_change": "同じ基準での変化（今回の得点 − rescored_base、前回と同じ設問だけ）",
    "rules_changed": "採点の基準が前回から変わったなら TRUE（change は参考値）",
    "group_type": "類似団体の種類（all / kind / population_band / subprefecture）",
    "group_type_label": "類似団体の種類（日本語）",
    "group": "類似団体",
    "n": "集計に使った回答の数",
    "median": "中央値",
    "q1": "第1四分位",
    "q3": "第3四分位",
    "min": "最小値",
    "max": "最大値",
    "too_small": "回答数が少ない（5未満）ため統計を示さない団体なら TRUE",
    "region": "振興局（または全体）",
    "kpi": "指標のID",
    "kpi_name": "指標名",
    "kpi_value": "指標の値（% または団体数）",
    "numerator": "分子",
    "denominator": "分母",
    "definition": "指標の定義",
    "municipalities": "支援対象の市町村数",
    "responses": "提出済みの回答数",
}


def _round_columns(results: RoundResults) -> dict[str, object]:
    return {
        "round_id": results.round_id,
        "fiscal_year": results.fiscal_year,
        "round_label": results.round_label,
        "questionnaire_version": results.questionnaire.version,
        "answered_by": results.population_label,
    }


def _code_value(question: Question, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return ";".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, tuple | list):
        return ";".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


COLUMN_ORDER_ANSWERS = (
    "code",
    "municipality",
    "subprefecture",
    "status",
    "final",
    "section",
    "question_order",
    "question_id",
    "question_text",
    "question_type",
    "pillar",
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
    section_of = {question.id: str(s.title) for s in q.sections for question in s.questions}
    base = _round_columns(results)
    records: list[dict[str, object]] = []
    for row in results.rows:
        if row.code not in results.answers or (codes is not None and row.code not in codes):
            continue
        answers = results.answers[row.code]
        values = with_derived(q, answers)
        shown = set(visible_question_ids(q, answers))
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
                    "question_id": question.id,
                    "question_text": question.text,
                    "question_type": question.type,
                    "pillar": question.pillar or "",
                    "unit": question.unit or "",
                    "shown": question.id in shown,
                    "answered": value is not None,
                    "value": "" if text == UNANSWERED else text,
                    "value_code": _code_value(question, value),
                    "value_number": _number(value),
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


#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text_safe(frame: pd.DataFrame, *, quote: bool) -> pd.DataFrame:
    """Text cells without characters a workbook cannot hold; with ``quote``, a text cell that
    a spreadsheet would run as a formula (e.g. a typed answer 「=HYPERLINK(…)」) gets a
    leading apostrophe, so Excel shows it as text."""
    out = frame.copy()
    for column in out.columns:
        kind = out[column].dtype
        if pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind):
            continue

        def clean(v: object) -> object:
            if not isinstance(v, str):
                return v
            v = ILLEGAL_CHARACTERS_RE.sub("", v)
            return "'" + v if quote and v.startswith(FORMULA_START) else v

        out[column] = out[column].map(clean)
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV for Excel: UTF-8 with a byte-order mark, CRLF line ends, TRUE/FALSE for flags;
    text that would run as a formula is quoted with an apostrophe."""
    safe = _text_safe(frame, quote=True)
    text = safe.to_csv(index=False, lineterminator="\r\n", date_format="%Y-%m-%d %H:%M")
    return ("\ufeff" + text).encode("utf-8")


def to_xlsx(sheets: Mapping[str, pd.DataFrame], about: list[tuple[str, str]]) -> bytes:
    """A workbook: a 説明 sheet (``about`` lines, then the column notes), then one sheet per
    frame with a frozen, filterable header row."""
    buffer = io.BytesIO()
    used: list[str] = []
    for frame in sheets.values():
        used += [c for c in frame.columns if c not in used]
    notes = [(c, COLUMN_NOTES.get(c, "")) for c in used]
    about_frame = pd.DataFrame([*about, ("", ""), ("列", "意味"), *notes], columns=["項目", "内容"])
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _text_safe(about_frame, quote=False).to_excel(writer, sheet_name="説明", index=False)
        for row in writer.sheets["説明"].iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
        writer.sheets["説明"].column_dimensions["A"].width = 24
        writer.sheets["説明"].column_dimensions["B"].width = 90
        for name, frame in sheets.items():
            _text_safe(frame, quote=False).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if cell.data_type == "f":  # text that looks like a formula stays text
                        cell.data_type = "s"
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
            for i, column in enumerate(frame.columns, start=1):
                longest = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
                letter = sheet.cell(row=1, column=i).column_letter
                sheet.column_dimensions[letter].width = min(60, max(8, longest * 1.3 + 2))
    return buffer.getvalue()
