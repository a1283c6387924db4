"""A round's results from the database, cached until anything they depend on changes.

The cache key is a fingerprint read with a few cheap queries on every call: the round's id,
year, title and questionnaire (content hash and name) and the later versions of its key
(their maps trace the KPI bindings an older version does not declare), the id,
municipality, version, status and timestamps of every response of this round and of the round
before it (trends), every municipality's code, name, type, population, support flag and 振興局
(name and order: peer groups and the rows' order), and the peer configuration (population
bands, minimum group size). Every saved answer bumps its response's version, so a changed
answer changes the fingerprint, and the next call recomputes; several worker processes each
keep their own cache and never serve a stale one. Scorecards are cached per response version,
so a recomputation scores only the responses that changed.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dx_assess.core.results import ResponseInput, RoundResults, build_round_results
from dx_assess.core.scoring import MunicipalityInfo, PeerConfig, Scorecard, score_response
from dx_assess.core.vocabulary import reiwa
from dx_assess.models import Municipality, Response, Subprefecture, SurveyRound
from dx_assess.models.base import DbSession
from dx_assess.services.responses import current_answers
from dx_assess.services.rounds import round_questionnaire
from dx_assess.services.versions import binding_sources, published_bindings

_ROUND_CACHE_SIZE = 8
_CARD_CACHE_SIZE = 20_000


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    scored: int = 0  # responses scored (card cache misses)


_lock = threading.Lock()
_rounds: OrderedDict[str, RoundResults] = OrderedDict()
_cards: OrderedDict[tuple[str, int, int, str], Scorecard] = OrderedDict()
stats = CacheStats()


def clear_cache() -> None:
    with _lock:
        _rounds.clear()
        _cards.clear()
        stats.hits = stats.misses = stats.scored = 0


def _municipalities(
    session: DbSession, round_ids: list[int], everyone: bool = False
) -> list[tuple[Municipality, str]]:
    """The municipalities of a round: every one when ``everyone`` (a round answered by all),
    else the supported ones and any other with a response."""
    with_response = select(Response.municipality_id).where(Response.round_id.in_(round_ids))
    query = select(Municipality, Subprefecture.short_name).join(Municipality.subprefecture)
    if not everyone:
        query = query.where(Municipality.supported | Municipality.id.in_(with_response))
    rows = session.execute(query.order_by(Subprefecture.order, Municipality.code)).all()
    return [(m, short) for m, short in rows]


def _fingerprint(session: DbSession, chain: list[SurveyRound]) -> str:
    """A digest of every input a round's results are built from (see the module docstring).

    Whatever :func:`_compute` reads must be here: a field left out serves stale results after
    it changes (``registry load`` renaming a town or changing its type once left the peer
    groups stale)."""
    digest = hashlib.sha256()
    digest.update(f"peers:{PeerConfig()!r};".encode())  # population bands, minimum group size
    for r in chain:
        digest.update(
            f"round:{r.id}:{r.fiscal_year}:{r.title}:{r.created_at}:{r.is_demo}:{r.population}:"
            f"{r.questionnaire_version.content_hash}:{r.questionnaire_version.source_name};".encode()
        )
    responses = session.execute(
        select(
            Response.round_id,
            Response.id,
            Response.municipality_id,
            Response.version,
            Response.status,
            Response.created_at,
            Response.updated_at,
        )
        .where(Response.round_id.in_([r.id for r in chain]))
        .order_by(Response.id)
    ).all()
    for r in chain:  # bindings a version does not declare are traced from later versions
        for later in binding_sources(session, r.questionnaire_version):
            digest.update(f"later:{later.version}:{later.content_hash};".encode())
    for row in responses:  # the timestamps guard against ids reused after a database reset
        digest.update(repr(tuple(row)).encode() + b";")
    registry = session.execute(
        select(
            Municipality.id,
            Municipality.code,
            Municipality.name,
            Municipality.kind,
            Municipality.supported,
            Municipality.population,
            Municipality.subprefecture_id,
            Subprefecture.short_name,
            Subprefecture.order,
        )
        .join(Municipality.subprefecture)
        .order_by(Municipality.code)
    ).all()
    for town in registry:  # repr keeps field boundaries even when a name contains ":"
        digest.update(repr(tuple(town)).encode() + b";")
    return digest.hexdigest()


def _chain(session: DbSession, survey_round: SurveyRound) -> list[SurveyRound]:
    """This round and the one before it (by fiscal year), oldest first."""
    previous = session.scalar(
        select(SurveyRound)
        .where(SurveyRound.fiscal_year < survey_round.fiscal_year)
        .order_by(SurveyRound.fiscal_year.desc())
        .limit(1)
    )
    return [previous, survey_round] if previous is not None else [survey_round]


def results_fingerprint(session: DbSession, survey_round: SurveyRound) -> str:
    """The digest of every input of ``survey_round``'s results (the key of the cache below):
    equal digests give equal results."""
    return _fingerprint(session, _chain(session, survey_round))


def round_results(session: DbSession, survey_round: SurveyRound) -> RoundResults:
    """The results of ``survey_round`` (with trends against the round before it)."""
    chain = _chain(session, survey_round)
    key = _fingerprint(session, chain)
    with _lock:
        cached = _rounds.get(key)
        if cached is not None:
            _rounds.move_to_end(key)
            stats.hits += 1
            return cached
        stats.misses += 1
    previous = _compute(session, chain[0], None) if len(chain) == 2 else None
    results = _compute(session, survey_round, previous)
    with _lock:
        _rounds[key] = results
        while len(_rounds) > _ROUND_CACHE_SIZE:
            _rounds.popitem(last=False)
    return results


def _scorecard(qhash: str, response: Response, answers: dict[str, object]) -> Scorecard:
    key = (qhash, response.id, response.version, str(response.updated_at))
    with _lock:
        card = _cards.get(key)
        if card is not None:
            _cards.move_to_end(key)
            return card
    card = score_response(round_questionnaire(response.round), answers)
    with _lock:
        stats.scored += 1
        _cards[key] = card
        while len(_cards) > _CARD_CACHE_SIZE:
            _cards.popitem(last=False)
    return card


def _compute(
    session: DbSession, survey_round: SurveyRound, previous: RoundResults | None
) -> RoundResults:
    questionnaire = round_questionnaire(survey_round)
    qhash = survey_round.questionnaire_version.content_hash
    responses = session.scalars(
        select(Response)
        .where(Response.round_id == survey_round.id)
        .options(selectinload(Response.answers), selectinload(Response.municipality))
    ).all()
    inputs: dict[str, ResponseInput] = {}
    cards: dict[str, Scorecard] = {}
    for response in responses:
        answers = current_answers(response, questionnaire)
        code = response.municipality.code
        inputs[code] = ResponseInput(
            status=response.status.value,
            version=response.version,
            answers=answers,
            updated_at=response.updated_at if response.version else None,
            carried_over=frozenset(a.question_id for a in response.answers if a.carried_over),
        )
        if answers:
            cards[code] = _scorecard(qhash, response, dict(answers))
    registry = _municipalities(session, [survey_round.id], everyone=survey_round.answered_by_all)
    municipalities = [
        MunicipalityInfo(
            code=m.code,
            name=m.name,
            kind=m.kind,
            population=m.population,
            subprefecture=short,
            # in a round answered by all, every municipality takes part in peers and KPIs
            supported=m.supported or survey_round.answered_by_all,
        )
        for m, short in registry
    ]
    programme = frozenset(m.code for m, _short in registry if m.supported)
    return build_round_results(
        round_id=survey_round.id,
        fiscal_year=survey_round.fiscal_year,
        round_label=reiwa(survey_round.fiscal_year),
        title=survey_round.title,
        is_demo=survey_round.is_demo,
        questionnaire=questionnaire,
        municipalities=municipalities,
        responses=inputs,
        scorecards=cards,
        previous=previous,
        population=survey_round.population,
        programme=programme,
        bindings=published_bindings(session, survey_round.questionnaire_version),
    )
