"""Registry of question types.

Each type knows which keys its definition may use, which scoring methods fit it, how to
check its definition, and how to validate and normalise an answer value. The web form and
the scoring engine reuse :func:`normalize_answer`. An unknown type is always an error.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dx_assess.questionnaire.errors import AnswerError
from dx_assess.questionnaire.model import AnswerValue, Question
from dx_assess.questionnaire.numbers import foreign_digits, round_half_up

COMMON_KEYS = frozenset(
    {"id", "type", "text", "help", "required", "weight", "pillar", "show_when", "scoring", "carry"}
)

Normalizer = Callable[[Question, object], AnswerValue]


@dataclass(frozen=True)
class QuestionType:
    name: str
    label: str  # Japanese name shown in documentation and messages
    keys: frozenset[str]  # type-specific keys allowed in the definition
    scoring_methods: frozenset[str]
    normalize: Normalizer
    has_choices: bool = False
    has_rows: bool = False
    numeric: bool = False
    answerable: bool = True

    @property
    def allowed_keys(self) -> frozenset[str]:
        return COMMON_KEYS | self.keys

    @property
    def scorable(self) -> bool:
        return bool(self.scoring_methods)


def _is_empty(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, list | tuple | set | frozenset | dict) and not raw


_YES = {"yes", "true", "はい", "y", "1", "有", "あり"}
_NO = {"no", "false", "いいえ", "n", "0", "無", "なし"}


def _yes_no(q: Question, raw: object) -> AnswerValue:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
    raise AnswerError(q.id, "「はい」か「いいえ」で答えてください。")


def _single(q: Question, raw: object) -> AnswerValue:
    if isinstance(raw, str) and q.choice(raw.strip()) is not None:
        return raw.strip()
    raise AnswerError(q.id, f"選択肢にない値です（入力: {raw}）。")


def _multiple(q: Question, raw: object) -> AnswerValue:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple | set | frozenset):
        raise AnswerError(q.id, "選択肢の一覧で答えてください。")
    picked: set[str] = set()
    for item in items:
        if not isinstance(item, str) or q.choice(item.strip()) is None:
            raise AnswerError(q.id, f"選択肢にない値です（入力: {item}）。")
        picked.add(item.strip())
    exclusive = [c.label for c in q.choices if c.exclusive and c.value in picked]
    if exclusive and len(picked) > 1:
        raise AnswerError(q.id, f"「{exclusive[0]}」はほかの選択肢と一緒に選べません。")
    return tuple(c.value for c in q.choices if c.value in picked)


#: The largest number any answer may be (a trillion): far above any real answer, and far
#: below 2**53, up to which every integer is exact as a float (and in JSON).
LARGEST = 10**12

_NUMBER_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")


def _to_number(q: Question, raw: object) -> float:
    return _read_number(q, raw)[0]


def _read_number(q: Question, raw: object) -> tuple[float, str | float]:
    """The answer as a float, and as the decimal it was written as (the typed text after
    normalising, or the number itself) for :func:`round_half_up`."""
    if isinstance(raw, bool):
        raise AnswerError(q.id, "数値で答えてください。")
    written: str | float
    if isinstance(raw, int | float):
        value = written = float(raw)
    elif isinstance(raw, str):
        if foreign_digits(raw):  # ² ① ٣ …: NFKC would turn "10²" into 102
            message = f"数値は半角か全角の数字（0〜9）で入力してください（入力: {raw}）。"
            raise AnswerError(q.id, message)
        text = unicodedata.normalize("NFKC", raw).strip().replace(",", "")
        if q.unit:
            text = text.removesuffix(unicodedata.normalize("NFKC", q.unit)).strip()
        text = text.removesuffix("%").strip()
        if not _NUMBER_RE.match(text):
            raise AnswerError(q.id, f"数値で答えてください（入力: {raw}）。")
        value = float(text)
        written = text
    else:
        raise AnswerError(q.id, "数値で答えてください。")
    if not math.isfinite(value):
        raise AnswerError(q.id, "数値で答えてください。")
    unit = q.unit or ""
    if q.min is not None and value < q.min:
        raise AnswerError(q.id, f"{_fmt(q.min)}{unit}以上の値を入力してください。")
    if q.max is not None and value > q.max:
        raise AnswerError(q.id, f"{_fmt(q.max)}{unit}以下の値を入力してください。")
    if abs(value) > LARGEST:  # no answer is this large; and beyond it floats lose digits
        raise AnswerError(q.id, f"値が大きすぎます。{LARGEST:,}以下の値を入力してください。")
    return value, written


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _integer(q: Question, raw: object) -> AnswerValue:
    value = _to_number(q, raw)
    if not value.is_integer():
        raise AnswerError(q.id, "整数で答えてください。")
    return int(value)


def _decimal(q: Question, raw: object) -> AnswerValue:
    """Rounded 四捨五入 to ``decimals`` places on the decimal value written (12.5 → 13)."""
    value, written = _read_number(q, raw)
    return round_half_up(written, q.decimals) if q.decimals is not None else value


def _date(q: Question, raw: object) -> AnswerValue:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace("/", "-")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise AnswerError(q.id, "日付は 2025-03-31 の形で入力してください。")


#: Bidirectional controls: a right-to-left override makes stored text read differently from
#: what it holds (in the audit trail, exports and reports), so text answers may not hold them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_KINDS = {
    "Cc": "制御文字",
    "Cs": "文字として読めない符号",
    "Zl": "行区切り文字",
    "Zp": "段落区切り文字",
}


def unusable_character(text: str) -> tuple[int, str, str] | None:
    """The first character a text answer may not hold, as (1-based position, character,
    Japanese kind), or None. Refused: control characters other than tab and line break (NUL,
    escape, C1 controls), unpaired surrogates, line and paragraph separators, and the
    bidirectional controls (see BIDI_CONTROLS). Emoji, joiners and right-to-left scripts are
    ordinary text."""
    for position, c in enumerate(text, start=1):
        if c in "\t\n":
            continue
        if c in BIDI_CONTROLS:
            return position, c, "文字の向きを変える制御文字"
        kind = _KINDS.get(unicodedata.category(c))
        if kind:
            return position, c, kind
    return None


def _check_characters(q: Question, text: str) -> None:
    found = unusable_character(text)
    if found:
        position, c, kind = found
        raise AnswerError(
            q.id,
            f"入力できない文字が含まれています（{position}文字目: U+{ord(c):04X}、{kind}）。"
            "その文字を消してから保存してください（ほかのソフトから貼り付けたときに入ることがあります）。",
        )


def _text(default_max: int, single_line: bool) -> Normalizer:
    def normalize(q: Question, raw: object) -> AnswerValue:
        if not isinstance(raw, str):
            raise AnswerError(q.id, "文字で答えてください。")
        text = raw.strip().replace("\r\n", "\n").replace("\r", "\n")
        _check_characters(q, text)
        if single_line and "\n" in text:
            raise AnswerError(q.id, "改行を入れずに 1 行で入力してください。")
        limit = q.max_length or default_max
        if len(text) > limit:
            message = f"{limit} 文字以内で入力してください（いまは {len(text)} 文字）。"
            raise AnswerError(q.id, message)
        return text

    return normalize


def _grid(q: Question, raw: object) -> AnswerValue:
    if not isinstance(raw, Mapping):
        raise AnswerError(q.id, "行ごとに状況を選んでください。")
    rows = {r.id: r.label for r in q.rows}
    out: dict[str, str] = {}
    for row, status in raw.items():
        if row not in rows:
            raise AnswerError(q.id, f"表にない行です: {row!r}")
        if _is_empty(status):
            continue
        if not isinstance(status, str) or q.choice(status.strip()) is None:
            raise AnswerError(q.id, f"「{rows[row]}」の状況が選択肢にありません: {status!r}")
        out[row] = status.strip()
    return {r.id: out[r.id] for r in q.rows if r.id in out}


def _derived(q: Question, raw: object) -> AnswerValue:
    raise AnswerError(q.id, "この設問はほかの回答から計算されるため、入力できません。")


_NUMERIC_KEYS = frozenset({"unit", "min", "max"})
_BREAKPOINTS = frozenset({"breakpoints"})

QUESTION_TYPES: Mapping[str, QuestionType] = {
    t.name: t
    for t in (
        QuestionType("yes_no", "はい／いいえ", frozenset(), frozenset({"yes_no"}), _yes_no),
        QuestionType(
            "single_choice",
            "単一選択",
            frozenset({"choices"}),
            frozenset({"choice"}),
            _single,
            has_choices=True,
        ),
        QuestionType(
            "multiple_choice",
            "複数選択",
            frozenset({"choices"}),
            frozenset({"count", "sum"}),
            _multiple,
            has_choices=True,
        ),
        QuestionType("integer", "整数", _NUMERIC_KEYS, _BREAKPOINTS, _integer, numeric=True),
        QuestionType(
            "decimal",
            "小数（単位つき）",
            _NUMERIC_KEYS | {"decimals"},
            _BREAKPOINTS,
            _decimal,
            numeric=True,
        ),
        QuestionType(
            "percentage",
            "割合（％）",
            frozenset({"min", "max", "decimals"}),
            _BREAKPOINTS,
            _decimal,
            numeric=True,
        ),
        QuestionType("date", "日付", frozenset(), frozenset(), _date),
        QuestionType(
            "short_text", "短い文章", frozenset({"max_length"}), frozenset(), _text(200, True)
        ),
        QuestionType(
            "long_text", "長い文章", frozenset({"max_length"}), frozenset(), _text(4000, False)
        ),
        QuestionType(
            "status_grid",
            "状況の表",
            frozenset({"statuses", "rows"}),
            frozenset({"grid_average"}),
            _grid,
            has_choices=True,
            has_rows=True,
        ),
        QuestionType(
            "derived",
            "計算値",
            frozenset({"formula", "unit", "decimals"}),
            _BREAKPOINTS,
            _derived,
            numeric=True,
            answerable=False,
        ),
    )
}


def get_type(name: str) -> QuestionType | None:
    return QUESTION_TYPES.get(name)


def normalize_answer(question: Question, raw: object) -> AnswerValue | None:
    """Validate one answer and return its normal form; None means unanswered.

    Raises :class:`AnswerError` with a Japanese message when the value does not fit.
    """
    if _is_empty(raw):
        return None
    qtype = QUESTION_TYPES[question.type]
    value = qtype.normalize(question, raw)
    if isinstance(value, Mapping) and not value:
        return None
    return value


def is_answered(value: object) -> bool:
    return not _is_empty(value)
