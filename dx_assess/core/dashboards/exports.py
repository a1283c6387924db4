"""A round's data as tidy (long) pandas frames, CSV (UTF-8 with BOM) and a multi-sheet .xlsx.

Pure (pandas and openpyxl; no Flask, no SQLAlchemy). Every frame is built from a
:class:`~dx_assess.core.results.RoundResults`, i.e. from the scoring engine's output, never
re-scored. ``codes`` limits the per-municipality frames (answers, scores) to the municipalities
a user may see; the peer statistics and KPIs are aggregates.

* ``answers``: one row per municipality with a response × question of the round's
  questionnaire version (derived values included, computed from the answers);
* ``scores``: one row per municipality with a score × pillar (and ``overall``);
* ``peers``: the peer-group statistics (one row per group type × group × pillar);
* ``kpis``: the plan KPIs per 振興局 and overall.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dx_assess.core.answers.display import UNANSWERED, display_value
from dx_assess.core.dashboards.kpis import KpiTable
from dx_assess.core.questionnaire import (
    QUESTION_TYPES,
    Question,
    type_of,
    visible_question_ids,
    with_derived,
)
from dx_assess.core.questionnaire.numbering import question_numbers, short_label
from dx_assess.core.results import GROUP_TYPE_LABELS, RoundResults
from dx_assess.core.scoring import OVERALL
from dx_assess.core.vocabulary import STATUS_LABELS

KINDS = ("wide", "answers", "scores", "peers", "kpis")
#: Sheet names of the workbook (Japanese), in order after the 説明 sheet.
SHEET_NAMES = {
    "wide": "回答（一覧）",
    "answers": "回答",
    "scores": "得点",
    "peers": "類似団体の統計",
    "kpis": "計画の指標",
}
#: What each file or sheet holds (the 説明 sheet and the download list say it the same way).
KIND_TITLES = {
    "wide": "回答の一覧（市町村 × 問番号、1行に1市町村）",
    "answers": "回答（市町村 × 設問、1行に1つの回答）",
    "scores": "得点（市町村 × 分野）",
    "peers": "類似団体の統計（比較グループ × 分野）",
    "kpis": "計画の指標（振興局 × 指標）",
}


@dataclass(frozen=True)
class Column:
    """How a frame column is written for people: its Japanese header (with the unit in 全角括弧)
    and its explanation on the 説明 sheet; ``kind`` says how the values are shown."""

    header: str
    note: str
    kind: str = "text"  # text | score (1 decimal) | share (0–1 → %, 1 decimal) | flag | status


#: Yes / no words per flag column (``None`` stays empty).
FLAG_WORDS: dict[str, tuple[str, str]] = {
    "final": ("確定", "暫定"),
    "shown": ("表示", "非表示"),
    "answered": ("回答あり", "未回答"),
    "comparable": ("比較できる", "参考値"),
    "too_small": ("少数のため比較しない", "比較する"),
    "supported": ("支援対象", "対象外"),
    "rules_changed": ("基準が変わった（参考値）", "同じ基準"),
}
STATUS_WORDS = STATUS_LABELS
#: Each question type's name in the data (e.g. 「はい・いいえ」).
QUESTION_TYPE_WORDS = {name: t.export_label for name, t in QUESTION_TYPES.items()}

COLUMNS: dict[str, Column] = {
    "round_id": Column("調査回番号", "このシステムでの調査回の番号"),
    "fiscal_year": Column("年度", "調査の年度（西暦）"),
    "round_label": Column("年度（和暦）", "調査の年度（和暦）"),
    "questionnaire_version": Column("調査票の版", "回答に使った調査票の版"),
    "answered_by": Column(
        "回答した市町村の範囲",
        "この調査回に回答した市町村の範囲（全道（全市町村）または対象市町村）",
    ),
    "code": Column("団体コード", "全国地方公共団体コード（6桁、文字列）"),
    "municipality": Column("市町村名", "市町村の名前"),
    "subprefecture": Column("振興局", "市町村が属する振興局"),
    "kind": Column("区分", "市・町・村の別"),
    "population": Column("人口（人）", "住民基本台帳人口（人）"),
    "status": Column("回答の状態", "未着手・回答中・提出済み・差し戻し中のいずれか", "status"),
    "final": Column(
        "確定・暫定",
        "提出済みの回答は「確定」（比較や統計に使います）、それ以外は「暫定」",
        "flag",
    ),
    "section": Column("章", "設問が載っている調査票の章"),
    "question_number": Column("問番号", "調査票での設問の番号（問<章>-<章の中の順番>）"),
    "question_id": Column(
        "設問ID", "設問の識別子（年度をまたいで同じ設問なら同じ。集計の突き合わせ用）"
    ),
    "question_text": Column("設問", "設問の文"),
    "question_type": Column("回答方法", "選択・数値・文章などの回答の形"),
    "pillar": Column("分野", "設問が得点に入る分野（得点に入らない設問は空欄）"),
    "pillar_title": Column("分野", "分野の名前（「総合」は全分野の加重平均）"),
    "unit": Column("単位", "数値の単位"),
    "shown": Column(
        "表示",
        "それまでの回答に応じて表示された設問なら「表示」、表示されなかったなら「非表示」",
        "flag",
    ),
    "answered": Column("回答の有無", "回答があれば「回答あり」、なければ「未回答」", "flag"),
    "value": Column("回答", "回答（選択肢の名前、単位付きの数値など、人が読む形）"),
    "value_code": Column(
        "回答（コード）", "回答を機械処理しやすい形にしたもの（選択肢の値、日付は年-月-日）"
    ),
    "value_number": Column("回答（数値）", "数値で答える設問の回答（単位は「単位」の列）"),
    "score": Column("得点（点）", "0〜100点。小数第1位まで", "score"),
    "level": Column("成熟度レベル", "1〜5。得点から決まる成熟度の段階"),
    "coverage": Column(
        "回答の網羅率（%）",
        "採点する設問のうち回答があった割合（重みで加重、小数第1位まで）",
        "share",
    ),
    "change": Column(
        "前回からの変化（ポイント）", "前回の調査からの得点の変化（提出済みの回答のみ）", "score"
    ),
    "comparable": Column(
        "前回との比較",
        "設問の変更が小さく前回と比べられるなら「比較できる」、大きく変わったなら「参考値」",
        "flag",
    ),
    "rescored_base": Column(
        "前回の得点（今回の基準）（点）",
        "前回の回答を今回の採点基準で採点し直した得点（前回と同じ設問だけ）",
        "score",
    ),
    "like_for_like_change": Column(
        "同じ基準での変化（ポイント）",
        "今回の得点から「前回の得点（今回の基準）」を引いた変化（前回と同じ設問だけ）",
        "score",
    ),
    "rules_changed": Column(
        "採点基準の変更",
        "採点の基準が前回から変わった分野なら「基準が変わった（参考値）」",
        "flag",
    ),
    "group_type_label": Column(
        "比較グループの種類", "対象市町村全体・同じ種別・同じ人口規模・同じ振興局"
    ),
    "group": Column("比較グループ", "比較グループの名前（例：村、5千人未満、上川）"),
    "n": Column("回答数", "集計に使った提出済みの回答の数"),
    "median": Column("中央値（点）", "得点の中央値", "score"),
    "q1": Column("第1四分位（点）", "得点の下位25%の境目", "score"),
    "q3": Column("第3四分位（点）", "得点の上位25%の境目", "score"),
    "min": Column("最小値（点）", "得点の最小値", "score"),
    "max": Column("最大値（点）", "得点の最大値", "score"),
    "too_small": Column(
        "団体数が少ない",
        "回答が5団体未満のため統計を示さないグループなら「少数のため比較しない」",
        "flag",
    ),
    "region": Column("地域", "振興局、または対象市町村全体"),
    "municipalities": Column("支援対象の市町村数", "その地域の支援対象の市町村の数"),
    "responses": Column("提出済みの回答数", "その地域で提出済みの回答の数"),
    "kpi_name": Column("指標", "計画の指標の名前"),
    "kpi_value": Column("値", "指標の値（小数第1位まで。単位は「単位」の列）", "score"),
    "numerator": Column("分子", "指標を計算した分子"),
    "denominator": Column("分母", "指標を計算した分母"),
    "definition": Column("定義", "指標の計算のしかた"),
    # the round status (dx_assess.core.dashboards.status.status_frame)
    "supported": Column("支援対象", "支援対象の市町村なら「支援対象」", "flag"),
    "answered_count": Column("回答済みの設問数", "表示される設問のうち回答済みの数"),
    "total": Column("設問数", "回答に応じて表示される設問の数"),
    "percent": Column("進み具合（%）", "回答済みの設問の割合"),
    "last_activity_jst": Column("最終更新（日本時間）", "回答が最後に保存された日時"),
}
#: Columns the frames carry for programs but the files do not show (ids with a label beside).
HIDDEN_COLUMNS = frozenset({"group_type", "kpi", "question_order", "pillar", "status_label"})
#: Column descriptions (Japanese) for the 説明 sheet of the workbook, by frame column.
COLUMN_NOTES: dict[str, str] = {key: column.note for key, column in COLUMNS.items()}


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


WIDE_HEAD = ("code", "municipality", "subprefecture", "status", "final")


def wide_columns(results: RoundResults) -> list[tuple[str, str, str | None]]:
    """The question columns of the wide sheet: (header, question id, grid row id or None).

    A header is 「問番号 短い名前（単位）」; a status grid has one column per row
    (「問2-1 住民基本台帳」)."""
    q = results.questionnaire
    numbers = question_numbers(q)
    out: list[tuple[str, str, str | None]] = []
    for question in q.questions:
        number = numbers[question.id]
        if type_of(question).has_rows:
            out += [(f"{number} {row.label}", question.id, row.id) for row in question.rows]
            continue
        unit = type_of(question).unit(question)
        suffix = f"（{unit}）" if unit else ""
        out.append((f"{number} {short_label(question)}{suffix}", question.id, None))
    return out


def _wide_value(question: Question, value: object, row: str | None) -> object:
    """A cell of the wide sheet: numbers stay numbers (rounded to the question's decimals),
    everything else as a person reads it; empty when not answered."""
    if row is not None:
        status = value.get(row) if isinstance(value, Mapping) else None
        choice = question.choice(str(status)) if status else None
        return choice.label if choice else (status or "")
    number = _number(question, value)
    if number is not None:
        return int(number) if number.is_integer() else number
    text = display_value(question, value)
    return "" if text == UNANSWERED else text


def wide_frame(results: RoundResults, codes: Collection[str] | None = None) -> pd.DataFrame:
    """One row per municipality with a response, one column per question (問番号 order), as
    the 総務省 tabulations are laid out; headers are Japanese already."""
    q = results.questionnaire
    columns = wide_columns(results)
    head = [COLUMNS[c].header for c in WIDE_HEAD]
    records: list[list[object]] = []
    for row in results.rows:
        if row.code not in results.answers or (codes is not None and row.code not in codes):
            continue
        answers = results.answers[row.code]
        values = with_derived(q, answers)
        shown = set(visible_question_ids(q, answers))
        cells: list[object] = [
            row.code,
            row.name,
            row.subprefecture,
            STATUS_WORDS.get(row.status, row.status),
            FLAG_WORDS["final"][0 if row.final else 1],
        ]
        for _header, qid, grid_row in columns:
            value = values.get(qid) if qid in shown else None
            cells.append(_wide_value(q.question(qid), value, grid_row))
        records.append(cells)
    return pd.DataFrame(records, columns=[*head, *(c[0] for c in columns)])


def wide_notes(results: RoundResults) -> list[tuple[str, str]]:
    """説明 lines for the wide sheet: each 問番号 column with its whole question."""
    q = results.questionnaire
    lines = []
    for header, qid, row in wide_columns(results):
        question = q.question(qid)
        text = question.text if row is None else f"{question.text}（この列はこの業務の状況）"
        lines.append((header, text))
    return lines


def _flag(words: tuple[str, str]) -> Callable[[object], object]:
    def word(v: object) -> object:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return ""
        return words[0] if bool(v) else words[1]

    return word


def _rounded(v: object, factor: float = 1.0) -> object:
    if v is None or v is pd.NA or isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return None if math.isnan(float(v)) else round(float(v) * factor, 1)
    return v


def present(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as the files show it: Japanese headers (units in 全角括弧), statuses and flags
    in words (提出済み, 確定 …), scores and shares rounded to one decimal; ids that have a
    label beside them are left out. Columns without a description pass unchanged."""
    out = pd.DataFrame(index=frame.index)
    for key in frame.columns:
        if key in HIDDEN_COLUMNS:
            continue
        column = COLUMNS.get(str(key))
        if column is None:
            out[key] = frame[key]
            continue
        values = frame[key]
        if column.kind == "status":
            values = values.map(lambda v: STATUS_WORDS.get(str(v), v))
        elif column.kind == "flag":
            values = values.map(_flag(FLAG_WORDS[str(key)]), na_action=None)
        elif column.kind == "score":
            values = values.map(_rounded).astype("Float64")
        elif column.kind == "share":
            values = values.map(lambda v: _rounded(v, 100.0)).astype("Float64")
        elif key == "question_type":
            values = values.map(lambda v: QUESTION_TYPE_WORDS.get(str(v), v))
        out[column.header] = values
    return out


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
    """CSV for Excel: Japanese headers and words (see :func:`present`), UTF-8 with a byte-order
    mark, CRLF line ends; text that would run as a formula is quoted with an apostrophe."""
    safe = _text_safe(present(frame), quote=True)
    text = safe.to_csv(index=False, lineterminator="\r\n", date_format="%Y-%m-%d %H:%M")
    return ("\ufeff" + text).encode("utf-8")


def column_notes(sheets: Mapping[str, pd.DataFrame]) -> list[tuple[str, str]]:
    """(header, explanation) of every column the sheets show, each header once."""
    seen: dict[str, str] = {}
    for frame in sheets.values():
        for key in frame.columns:
            column = COLUMNS.get(str(key))
            if key in HIDDEN_COLUMNS or column is None:
                continue
            seen.setdefault(column.header, column.note)
    return list(seen.items())


def to_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    about: list[tuple[str, str]],
    extra_notes: list[tuple[str, str]] | None = None,
) -> bytes:
    """A workbook: a 説明 sheet (``about`` lines, what each sheet holds, then every column
    explained, then ``extra_notes`` such as the wide sheet's 問番号), then one sheet per frame
    (shown as :func:`present` writes it) with a frozen, filterable header row."""
    buffer = io.BytesIO()
    shown = {name: present(frame) for name, frame in sheets.items()}
    lines: list[tuple[str, str]] = [*about, ("", ""), ("シート", "内容")]
    titles = {SHEET_NAMES[k]: t for k, t in KIND_TITLES.items()}
    lines += [(name, titles.get(name, "")) for name in shown]
    lines += [("", ""), ("列", "意味"), *column_notes(sheets)]
    if extra_notes:
        lines += [("", ""), ("問番号の列", "設問"), *extra_notes]
    about_frame = pd.DataFrame(lines, columns=["項目", "内容"])
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _text_safe(about_frame, quote=False).to_excel(writer, sheet_name="説明", index=False)
        for row in writer.sheets["説明"].iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
        writer.sheets["説明"].column_dimensions["A"].width = 30
        writer.sheets["説明"].column_dimensions["B"].width = 90
        for name, frame in shown.items():
            _text_safe(frame, quote=False).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if cell.data_type == "f":  # text that looks like a formula stays text
                        cell.data_type = "s"
            sheet.freeze_panes = "B2" if name == SHEET_NAMES["wide"] else "A2"
            sheet.auto_filter.ref = sheet.dimensions
            for i, column in enumerate(frame.columns, start=1):
                longest = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
                letter = sheet.cell(row=1, column=i).column_letter
                sheet.column_dimensions[letter].width = min(60, max(8, longest * 1.3 + 2))
    return buffer.getvalue()
