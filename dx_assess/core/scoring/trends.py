"""Change of pillar and overall scores between rounds, across questionnaire versions.

Comparability (docs/scoring.md): a question of the newer version is *carried* from the older
version when the version mapping feeds it, at every step between the two versions, with mode
``direct``, ``convert`` or ``computed`` (a derived value present in both), and its sources in the
older version are scored questions of the same pillar. For each pillar,

* ``new_share`` = carried weight / scored weight of the pillar in the newer version,
* ``old_share`` = weight of the older questions that feed a carried question / scored weight of
  the pillar in the older version,

and the pillar is comparable when it exists in both versions and both shares are at least the
threshold (default 0.7). The overall score is comparable when every pillar of both versions is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dx_assess.core.questionnaire import Questionnaire, VersionMapping, build_mapping
from dx_assess.core.questionnaire.mapping import COMPUTED, CONVERT, DIRECT
from dx_assess.core.scoring.model import OVERALL, Scorecard
from dx_assess.core.scoring.score import scores_frame

CARRIED_MODES = frozenset({DIRECT, CONVERT, COMPUTED})
DEFAULT_THRESHOLD = 0.7


@dataclass(frozen=True)
class PillarComparability:
    pillar: str
    comparable: bool
    new_share: float  # 0..1 (0 when the pillar is missing from the newer version)
    old_share: float  # 0..1 (0 when the pillar is missing from the older version)
    carried: tuple[str, ...] = ()  # newer question ids carried from the older version
    added: tuple[str, ...] = ()  # newer scored question ids not carried
    dropped: tuple[str, ...] = ()  # older scored question ids that feed no carried question

    @property
    def share(self) -> float:
        return min(self.new_share, self.old_share)


@dataclass(frozen=True, eq=False)
class RoundScores:
    """The scores of one round: ``scores`` as made by :func:`scores_frame` (index = code)."""

    round: str  # e.g. "2024" (rounds are given in chronological order)
    questionnaire: Questionnaire
    scores: pd.DataFrame


_MAPPINGS: dict[tuple[str, str], VersionMapping] = {}


def _mapping(old: Questionnaire, new: Questionnaire) -> VersionMapping:
    if not (old.content_hash and new.content_hash):
        return build_mapping(old, new)
    key = (old.content_hash, new.content_hash)
    found = _MAPPINGS.get(key)
    if found is None:
        found = _MAPPINGS[key] = build_mapping(old, new)
    return found


def version_chain(
    old: Questionnaire, new: Questionnaire, known: Sequence[Questionnaire] = ()
) -> list[Questionnaire] | None:
    """Versions from ``old`` to ``new`` following each version's ``previous`` link through
    ``known`` (None when the chain cannot be found)."""
    if old.key != new.key:
        return None
    by_version = {q.version: q for q in (*known, old, new) if q.key == new.key}
    by_version[old.version] = old
    chain = [new]
    while chain[-1].version != old.version:
        vm = chain[-1].version_map
        if vm is None or vm.previous_version not in by_version or len(chain) > len(by_version):
            return None
        chain.append(by_version[vm.previous_version])
    chain.reverse()
    return chain


def _trace(chain: Sequence[Questionnaire]) -> dict[str, frozenset[str]]:
    """Newest question id -> ids in the oldest version it is carried from (empty: not carried)."""
    current = {q.id: frozenset({q.id}) for q in chain[-1].questions}
    for old, new in zip(chain[-2::-1], chain[:0:-1], strict=True):
        carries = {c.question: c for c in _mapping(old, new).carries}
        step: dict[str, frozenset[str]] = {}
        for qid, ids in current.items():
            sources: set[str] = set()
            for i in ids:
                c = carries[i]
                if c.mode not in CARRIED_MODES or not c.sources:
                    sources = set()
                    break
                sources.update(c.sources)
            step[qid] = frozenset(sources)
        current = step
    return current


def comparability(
    old: Questionnaire,
    new: Questionnaire,
    *,
    known: Sequence[Questionnaire] = (),
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, PillarComparability]:
    """Pillar id -> comparability of scores of ``new`` against scores of ``old``.

    Covers the pillars of both versions. Raises ``QuestionnaireError`` when a version map on
    the way is not sound.
    """
    chain = version_chain(old, new, known)
    pillars = list(dict.fromkeys([p.id for p in new.pillars] + [p.id for p in old.pillars]))
    if chain is None:
        return {p: PillarComparability(p, False, 0.0, 0.0) for p in pillars}
    traced = _trace(chain) if len(chain) > 1 else {q.id: frozenset({q.id}) for q in new.questions}
    old_ids = {p.id for p in old.pillars}
    new_ids = {p.id for p in new.pillars}
    out: dict[str, PillarComparability] = {}
    for pid in pillars:
        new_qs = [q for q in new.scored_questions() if q.pillar == pid]
        old_qs = [q for q in old.scored_questions() if q.pillar == pid]
        old_in_pillar = {q.id for q in old_qs}
        carried = [
            q for q in new_qs if traced.get(q.id) and all(s in old_in_pillar for s in traced[q.id])
        ]
        fed = {s for q in carried for s in traced[q.id]}
        new_total = sum(q.weight for q in new_qs)
        old_total = sum(q.weight for q in old_qs)
        new_share = sum(q.weight for q in carried) / new_total if new_total > 0 else 0.0
        old_share = sum(q.weight for q in old_qs if q.id in fed) / old_total if old_total else 0.0
        ok = pid in old_ids and pid in new_ids and min(new_share, old_share) >= threshold
        carried_ids = {q.id for q in carried}
        out[pid] = PillarComparability(
            pid,
            ok,
            new_share,
            old_share,
            tuple(q.id for q in carried),
            tuple(q.id for q in new_qs if q.id not in carried_ids),
            tuple(q.id for q in old_qs if q.id not in fed),
        )
    return out


TREND_COLUMNS = (
    "code",
    "round",
    "base_round",
    "pillar",
    "score",
    "base_score",
    "change",
    "comparable",
    "share",
    "like_for_like_change",
)


def trend_table(
    rounds: Sequence[RoundScores],
    *,
    known: Sequence[Questionnaire] = (),
    threshold: float = DEFAULT_THRESHOLD,
    against: str = "all",
) -> pd.DataFrame:
    """Changes against earlier rounds, one row per (code, round, base_round, pillar).

    ``against``: ``"all"`` (every earlier round) or ``"previous"`` (the round before only).
    Columns: code, round, base_round, pillar (the newer version's pillars, then ``overall``),
    score, base_score, change (score − base_score, points), comparable, share (the pillar's
    carried share, min of new/old; for overall the smallest pillar share), like_for_like_change
    (pillars: change when comparable; overall: the newer pillar-weighted mean of the changes of
    the comparable pillars scored in both rounds).
    """
    if against not in ("all", "previous"):
        raise ValueError("against must be 'all' or 'previous'")
    frames: list[pd.DataFrame] = []
    for j, later in enumerate(rounds):
        bases = range(j) if against == "all" else range(max(0, j - 1), j)
        for i in bases:
            frames.append(_pair(rounds[i], later, known, threshold))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in TREND_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def _pair(
    base: RoundScores, later: RoundScores, known: Sequence[Questionnaire], threshold: float
) -> pd.DataFrame:
    comp = comparability(base.questionnaire, later.questionnaire, known=known, threshold=threshold)
    pillars = [p.id for p in later.questionnaire.pillars]
    weights = np.array([p.weight for p in later.questionnaire.pillars], dtype="float64")
    codes = later.scores.index
    now = later.scores.reindex(columns=[*pillars, OVERALL]).to_numpy("float64", na_value=np.nan)
    before = base.scores.reindex(index=codes, columns=[*pillars, OVERALL]).to_numpy(
        "float64", na_value=np.nan
    )
    change = now - before
    ok = np.array([comp[p].comparable for p in pillars], dtype=bool)
    share = np.array([comp[p].share for p in pillars], dtype="float64")
    all_ok = bool(all(c.comparable for c in comp.values()))
    both = ~np.isnan(change[:, : len(pillars)]) & ok
    w = np.where(both, weights, 0.0)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        lfl_overall = np.where(
            total > 0, (w * np.nan_to_num(change[:, : len(pillars)])).sum(axis=1) / total, np.nan
        )
    lfl = np.where(ok, change[:, : len(pillars)], np.nan)
    n, k = len(codes), len(pillars) + 1
    return pd.DataFrame(
        {
            "code": np.repeat(codes.to_numpy(dtype=object), k).astype(str),
            "round": later.round,
            "base_round": base.round,
            "pillar": np.tile(np.array([*pillars, OVERALL], dtype=object), n).astype(str),
            "score": now.ravel(),
            "base_score": before.ravel(),
            "change": change.ravel(),
            "comparable": np.tile(np.append(ok, all_ok), n),
            "share": np.tile(np.append(share, share.min() if len(share) else 0.0), n),
            "like_for_like_change": np.column_stack([lfl, lfl_overall]).ravel(),
        }
    )


def scorecard_trends(
    history: Sequence[tuple[str, Questionnaire, Scorecard]],
    *,
    known: Sequence[Questionnaire] = (),
    threshold: float = DEFAULT_THRESHOLD,
    against: str = "all",
) -> pd.DataFrame:
    """:func:`trend_table` for one municipality from (round, questionnaire, scorecard) triples
    in chronological order (the ``code`` column is empty)."""
    rounds = [
        RoundScores(r, q, scores_frame({"": card}).drop(columns=["level", "coverage"]))
        for r, q, card in history
    ]
    return trend_table(rounds, known=known, threshold=threshold, against=against)
