"""How the export files show a frame's columns to people: Japanese headers (units in 全角括弧),
the explanation of each column on the 説明 sheet, and the words for statuses and flags.

Pure (pandas; no Flask, no SQLAlchemy). :func:`present` turns a frame of
:mod:`~dx_assess.core.dashboards.export_frames` (or the round status) into what a file shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from dx_assess.core.questionnaire import QUESTION_TYPES
from dx_assess.core.vocabulary import STATUS_LABELS


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
