"""Synthetic answers for the demo (pure; deterministic by seed).

Each municipality gets a latent maturity between 0 and 1: larger towns a little higher, plus a
stable random part of its own, plus progress from one fiscal year to the next. Every answer is
drawn from that maturity, so a town is consistently ahead or behind across pillars and years,
like real data, and every cross-field check of the questionnaire holds.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from dx_assess.core.questionnaire import Question, Questionnaire


@dataclass(frozen=True)
class DemoTown:
    code: str
    name: str
    population: int


DEPARTMENTS = ("総務課 情報係", "企画課 DX推進係", "総務企画課 情報政策係", "デジタル推進室")
TEXTS = {
    "std_issues": (
        "ベンダーの作業日程の確保が難しい。",
        "移行後の運用経費の見通しが立っていない。",
    ),
    "od_use_case": ("避難所マップとして地域の学校で使われている。",),
    "ai_plans": (
        "議事録作成へのAI活用を検討している。",
        "窓口の問い合わせ対応にチャットボットを検討。",
    ),
    "gov_consult": ("道のデジタル化推進幹に相談している。",),
    "std_special_reason": ("事業者の対応が期限に間に合わないため。",),
}


def maturity(town: DemoTown, fiscal_year: int, seed: int) -> float:
    own = random.Random(f"{seed}:{town.code}").gauss(0, 0.12)
    size = (math.log10(max(town.population, 100)) - 3.0) / 3.0  # 1,000 -> 0; 1,000,000 -> 1
    progress = 0.08 * (fiscal_year - 2024)
    return min(0.95, max(0.05, 0.25 + 0.35 * size + own + progress))


def _ordered(question: Question) -> list[str]:
    """Scored options from best to worst (options without a score keep their order)."""
    usable = [c for c in question.choices if not c.not_applicable]
    return [c.value for c in sorted(usable, key=lambda c: -(c.score or 0.0))]


def _pick(rng: random.Random, options: list[str], level: float) -> str:
    position = (1 - level) * (len(options) - 1) + rng.gauss(0, 0.7)
    return options[min(len(options) - 1, max(0, round(position)))]


def synthetic_answers(
    questionnaire: Questionnaire, town: DemoTown, fiscal_year: int, seed: int = 2026
) -> dict[str, object]:
    """Raw answers (as a form would post them) for every answerable question."""
    rng = random.Random(f"{seed}:{town.code}:{fiscal_year}")
    level = maturity(town, fiscal_year, seed)
    pop = town.population
    staff = max(25, round(pop * 0.011 * rng.uniform(0.8, 1.2)))
    childcare = min(26, max(0, round(level * 18 + rng.gauss(0, 3))))
    numbers: dict[str, float] = {
        "basic_population": pop,
        "basic_staff": staff,
        "basic_it_staff": min(staff, max(0.5, round(staff * 0.02 * (0.5 + level) * 2) / 2)),
        "mnc_cards_held": min(pop, round(pop * min(0.97, 0.5 + 0.4 * level + rng.gauss(0, 0.03)))),
        "mnc_outreach_count": max(1, round(level * 8 + rng.gauss(0, 2))),
        "onl_childcare_count": childcare,
        "onl_care_count": min(26 - childcare, max(0, round(level * 8 + rng.gauss(0, 2)))),
        "onl_other_count": max(0, round(level * 40 + rng.gauss(0, 5))),
        "onl_usage_rate": round(min(95.0, max(1.0, 5 + 45 * level + rng.gauss(0, 5))), 1),
        "ai_rpa_processes": max(1, round(level * 12 + rng.gauss(0, 2))),
        "ai_rpa_hours": max(10, round(level * 600 + rng.gauss(0, 50))),
        "gov_training_rate": round(min(100.0, max(0.0, 15 + 70 * level + rng.gauss(0, 8))), 1),
    }
    out: dict[str, object] = {}
    for q in questionnaire.questions:
        if q.derived:
            continue
        if q.id in numbers:
            out[q.id] = str(numbers[q.id])
        elif q.id == "basic_department":
            out[q.id] = DEPARTMENTS[int(town.code) % len(DEPARTMENTS)]
        elif q.type == "date":
            out[q.id] = f"{fiscal_year}-06-{1 + int(town.code) % 28:02d}"
        elif q.type in ("short_text", "long_text"):
            texts = TEXTS.get(q.id)
            if texts and (q.required or rng.random() < 0.4):
                out[q.id] = rng.choice(texts)
            elif q.required:
                out[q.id] = "特になし"
        elif q.type == "yes_no":
            out[q.id] = "yes" if rng.random() < 0.2 + 0.75 * level else "no"
        elif q.type == "single_choice":
            out[q.id] = _pick(rng, _ordered(q), level)
        elif q.type == "multiple_choice":
            countable = [c.value for c in q.choices if not c.exclusive]
            k = min(len(countable), max(0, round(level * len(countable) + rng.gauss(0, 1))))
            exclusive = [c.value for c in q.choices if c.exclusive]
            out[q.id] = rng.sample(countable, k) if k or not exclusive else [exclusive[0]]
        elif q.type == "status_grid":
            statuses = _ordered(q)
            not_applicable = [c.value for c in q.choices if c.not_applicable]
            out[q.id] = {
                r.id: not_applicable[0]
                if not_applicable and rng.random() < 0.03
                else _pick(rng, statuses, level)
                for r in q.rows
            }
        elif q.type in ("integer", "decimal", "percentage"):
            low = q.min or 0.0
            high = q.max if q.max is not None else 20.0
            out[q.id] = str(round(low + (high - low) * level))
    return out
