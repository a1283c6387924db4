"""The prefecture's plan KPIs (北海道Society5.0推進計画の指標), computed from a round's answers.

Pure: imports neither Flask nor SQLAlchemy. :func:`compute_kpis` takes a
:class:`~dx_assess.core.results.RoundResults` and returns a :class:`KpiTable`: one row per
振興局 in the prefecture's order (all 14, also those without a response) and an overall row.

Which responses count: the *final* ones (submitted responses of the municipalities that answer
the round, the same set as the peer statistics). A round is answered either by every
municipality (the overall row is 全道, and a row for the support programme, うち対象市町村, is
shown beside it) or by the support programme only (the overall row is 対象市町村).
Drafts and reopened responses are left out, so a KPI never
moves while someone is still typing. A response counts in a KPI's denominator only when it
answers the questions that KPI needs (``n`` says how many did). Answers are read as normalised
by the questionnaire (``True`` for 「はい」, choice values, a status grid as row -> status); a
question hidden by its ``show_when`` is ignored.

Which question is which is the version's **bindings** (``bindings:`` in the questionnaire file,
``results.bindings``; for an older version traced through the version map, see
:mod:`dx_assess.core.questionnaire.bindings`): below, each role is named with the question it is
bound to in the shipped versions. A role the version does not bind leaves its KPI empty.

The four KPIs (the Japanese definitions below are what the pages and the PDF report show):

``mynumber_rate`` マイナンバーカード保有率
    Σ cards held (``cards_held``: ``mnc_cards_held``) ÷ Σ population (``population``:
    ``basic_population``) × 100, over the responses that answer both: a population-weighted
    rate, not a mean of the towns' rates.
``online_share`` 申請・届出等オンライン化システム導入自治体割合
    Share (%) of responses that accept online applications through マイナポータル
    「ぴったりサービス」 (``online_pittari``: ``onl_pittari`` = はい) **or** use their own or a
    shared e-application system (``online_own_system``: ``onl_own_system`` = its bound choice
    使っている), among those answering either.
``standard_share`` 標準仕様に適合した情報システム利用自治体割合
    Share (%) of responses whose status grid (``standard_status``: ``std_status``) has the
    bound status 移行完了 for every one of the 20 business systems the municipality runs (rows
    answered 対象外 are left out; a row still in progress, delayed, designated 特定移行支援 or
    unanswered means "not yet"), among responses with at least one system it runs.
``opendata_count`` オープンデータ取組済の市町村数
    Number of responses answering 「はい」 to ``open_data`` (``od_published``); the
    denominator is the number answering the question at all.

And one reference figure (参考指標, ``reference=True``), because the strict standardization KPI
stays at 0 % until a municipality has finished all of its systems:

``standard_systems_share`` 標準準拠システムへの移行完了率（業務単位）
    Σ rows of the ``standard_status`` grid with 移行完了 ÷ Σ rows of systems the municipality
    runs (対象外 left out) × 100, over the responses with at least one system it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from dx_assess.core.questionnaire import Questionnaire, visible_question_ids
from dx_assess.core.questionnaire.bindings import (
    CARDS_HELD,
    ONLINE_OWN_SYSTEM,
    ONLINE_PITTARI,
    OPEN_DATA,
    POPULATION,
    STANDARD_STATUS,
    Bindings,
)
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.core.results import MunicipalityRow, RoundResults
from dx_assess.core.scoring.peers import SUBPREFECTURES
from dx_assess.core.vocabulary import answer_number

MYNUMBER_RATE = "mynumber_rate"
ONLINE_SHARE = "online_share"
STANDARD_SHARE = "standard_share"
OPENDATA_COUNT = "opendata_count"
STANDARD_SYSTEMS_SHARE = "standard_systems_share"
#: Label of the overall row of a round answered by the support programme only.
OVERALL_LABEL = "対象市町村（全体）"
#: Labels of a round answered by every municipality: the overall row, and the programme row.
ALL_LABEL = "全道（全市町村）"
PROGRAMME_LABEL = "うち対象市町村"


@dataclass(frozen=True)
class KpiDefinition:
    id: str
    name: str  # Japanese name as in the plan
    definition: str  # how it is computed from the answers, in Japanese
    unit: str  # "%" or "団体"
    roles: tuple[str, ...]  # the bindings it reads (dx_assess.core.questionnaire.bindings)
    reference: bool = False  # a reference figure (参考指標), not one of the plan's KPIs


@dataclass(frozen=True)
class KpiValue:
    """One KPI for one row: ``value`` is None when no response could be used (n = 0)."""

    kpi: str
    value: float | None
    numerator: float
    denominator: float
    n: int  # responses used


@dataclass(frozen=True)
class KpiRow:
    region: str  # 振興局 short name, or OVERALL_LABEL
    is_overall: bool
    municipalities: int  # municipalities that answer the round in the region
    responses: int  # final (submitted) responses in the region
    values: tuple[KpiValue, ...]  # in the order of KpiTable.definitions
    is_programme: bool = False  # the support programme's row of a round answered by all

    def value(self, kpi_id: str) -> KpiValue:
        return next(v for v in self.values if v.kpi == kpi_id)


@dataclass(frozen=True)
class KpiTable:
    round_id: int
    round_label: str
    definitions: tuple[KpiDefinition, ...]
    rows: tuple[KpiRow, ...]  # 14 振興局, [the programme row,] then the overall row
    population: str = "programme"  # who answered the round: "all" or "programme"

    @property
    def overall(self) -> KpiRow:
        return self.rows[-1]

    @property
    def programme(self) -> KpiRow | None:
        """The support programme's row, beside the overall row (rounds answered by all)."""
        return next((r for r in self.rows if r.is_programme), None)

    @property
    def scope(self) -> str:
        """Which municipalities the overall row covers, in words."""
        return "全道の全市町村" if self.population == "all" else "支援対象の市町村（対象市町村）"

    def definition(self, kpi_id: str) -> KpiDefinition:
        return next(d for d in self.definitions if d.id == kpi_id)

    def region(self, name: str) -> KpiRow | None:
        return next((r for r in self.rows if r.region == name), None)


DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        MYNUMBER_RATE,
        "マイナンバーカード保有率",
        "回答のあった市町村の「マイナンバーカードの保有枚数」の合計を、「住民基本台帳人口」の"
        "合計で割り、100を掛けた値です（人口で重み付けした率。両方に回答した市町村で計算）。",
        "%",
        (CARDS_HELD, POPULATION),
    ),
    KpiDefinition(
        ONLINE_SHARE,
        "申請・届出等オンライン化システム導入自治体割合",
        "マイナポータル「ぴったりサービス」でオンライン申請を受け付けている、または独自・共同利用の"
        "電子申請システムを「使っている」と回答した市町村の割合です。",
        "%",
        (ONLINE_PITTARI, ONLINE_OWN_SYSTEM),
    ),
    KpiDefinition(
        STANDARD_SHARE,
        "標準仕様に適合した情報システム利用自治体割合",
        "基幹業務20業務のうち、その市町村で対象となるすべての業務（「対象外」を除く）で"
        "標準準拠システムへの「移行完了」と回答した市町村の割合です。",
        "%",
        (STANDARD_STATUS,),
    ),
    KpiDefinition(
        OPENDATA_COUNT,
        "オープンデータ取組済の市町村数",
        "「オープンデータを公開していますか」に「はい」と回答した市町村の数です"
        "（分母はこの設問に回答した市町村の数）。",
        "団体",
        (OPEN_DATA,),
    ),
    KpiDefinition(
        STANDARD_SYSTEMS_SHARE,
        "標準準拠システムへの移行完了率（業務単位）",
        "回答のあった市町村が対象とする基幹業務（「対象外」を除く）のうち、「移行完了」と"
        "回答された業務の割合です。上の指標が0%のうちの進み具合を見るための参考指標です。",
        "%",
        (STANDARD_STATUS,),
        reference=True,
    ),
)

Answers = Mapping[str, AnswerValue]
#: A KPI's contribution from one response: (numerator, denominator), or None when unusable.
Part = tuple[float, float] | None


def _answer(b: Bindings, role: str, a: Answers) -> AnswerValue | None:
    question = b.question(role)
    return a.get(question) if question is not None else None


def _mynumber(q: Questionnaire, b: Bindings, a: Answers) -> Part:
    cards = answer_number(_answer(b, CARDS_HELD, a))
    population = answer_number(_answer(b, POPULATION, a))
    if cards is None or population is None or population <= 0:
        return None
    return cards, population


def _online(q: Questionnaire, b: Bindings, a: Answers) -> Part:
    pittari = _answer(b, ONLINE_PITTARI, a)
    own = _answer(b, ONLINE_OWN_SYSTEM, a)
    if not isinstance(pittari, bool) and not isinstance(own, str):
        return None
    own_binding = b.get(ONLINE_OWN_SYSTEM)
    using = own_binding is not None and own in own_binding.choices
    return float(pittari is True or using), 1.0


def _systems_run(q: Questionnaire, b: Bindings, a: Answers) -> list[bool] | None:
    """For every system of the status grid the municipality runs: whether it is migrated
    (the bound status), or None when the grid is unanswered or every system is 対象外."""
    binding = b.get(STANDARD_STATUS)
    if binding is None or not q.has_question(binding.question):
        return None
    grid = a.get(binding.question)
    if not isinstance(grid, Mapping):
        return None
    question = q.question(binding.question)
    not_applicable = {c.value for c in question.choices if c.not_applicable}
    run = [grid.get(row.id) for row in question.rows if grid.get(row.id) not in not_applicable]
    return [status in binding.choices for status in run] or None


def _standard(q: Questionnaire, b: Bindings, a: Answers) -> Part:
    run = _systems_run(q, b, a)
    if run is None:
        return None
    return float(all(run)), 1.0


def _standard_systems(q: Questionnaire, b: Bindings, a: Answers) -> Part:
    run = _systems_run(q, b, a)
    if run is None:
        return None
    return float(sum(run)), float(len(run))


def _opendata(q: Questionnaire, b: Bindings, a: Answers) -> Part:
    published = _answer(b, OPEN_DATA, a)
    if not isinstance(published, bool):
        return None
    return float(published), 1.0


_PARTS: dict[str, Callable[[Questionnaire, Bindings, Answers], Part]] = {
    MYNUMBER_RATE: _mynumber,
    ONLINE_SHARE: _online,
    STANDARD_SHARE: _standard,
    OPENDATA_COUNT: _opendata,
    STANDARD_SYSTEMS_SHARE: _standard_systems,
}


def _shown(q: Questionnaire, answers: Answers) -> dict[str, AnswerValue]:
    """The answers to questions of ``q`` that are shown (a hidden question's stale answer and
    an answer to a question this version does not have are dropped)."""
    visible = set(visible_question_ids(q, answers))
    return {k: v for k, v in answers.items() if k in visible}


def _value(kpi: KpiDefinition, parts: Sequence[tuple[float, float]]) -> KpiValue:
    numerator = sum(p[0] for p in parts)
    denominator = sum(p[1] for p in parts)
    if not parts or denominator <= 0:
        return KpiValue(kpi.id, None, numerator, denominator, len(parts))
    value = numerator if kpi.unit == "団体" else 100 * numerator / denominator
    return KpiValue(kpi.id, value, numerator, denominator, len(parts))


def _row(
    region: str,
    is_overall: bool,
    members: Sequence[MunicipalityRow],
    parts: Mapping[str, Mapping[str, tuple[float, float]]],
    is_programme: bool = False,
) -> KpiRow:
    final = [m.code for m in members if m.final]
    values = tuple(
        _value(kpi, [parts[kpi.id][code] for code in final if code in parts[kpi.id]])
        for kpi in DEFINITIONS
    )
    return KpiRow(
        region=region,
        is_overall=is_overall,
        municipalities=sum(1 for m in members if m.supported),
        responses=len(final),
        values=values,
        is_programme=is_programme,
    )


def compute_kpis(results: RoundResults) -> KpiTable:
    """The plan KPIs of a round per 振興局 (prefecture order) and overall (module docstring)."""
    q = results.questionnaire
    bindings = results.bindings
    parts: dict[str, dict[str, tuple[float, float]]] = {k.id: {} for k in DEFINITIONS}
    for row in results.rows:
        if not row.final:
            continue
        answers = _shown(q, results.answers.get(row.code, {}))
        for kpi in DEFINITIONS:
            part = _PARTS[kpi.id](q, bindings, answers)
            if part is not None:
                parts[kpi.id][row.code] = part
    regions = list(SUBPREFECTURES)
    regions += sorted({r.subprefecture for r in results.rows} - set(regions) - {""})
    rows = [
        _row(region, False, [r for r in results.rows if r.subprefecture == region], parts)
        for region in regions
    ]
    if results.answered_by_all:
        programme = [r for r in results.rows if r.programme]
        rows.append(_row(PROGRAMME_LABEL, False, programme, parts, is_programme=True))
        rows.append(_row(ALL_LABEL, True, results.rows, parts))
    else:
        rows.append(_row(OVERALL_LABEL, True, results.rows, parts))
    return KpiTable(
        round_id=results.round_id,
        round_label=results.round_label,
        definitions=DEFINITIONS,
        rows=tuple(rows),
        population=results.population,
    )
