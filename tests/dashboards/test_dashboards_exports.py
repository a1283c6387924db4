"""The exports (pure): tidy frames checked against the scoring engine's output, CSV with BOM,
the workbook's sheets."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from dashboard_data import fixed_round

from dx_assess.dashboards import exports
from dx_assess.dashboards.kpis import compute_kpis
from dx_assess.results.model import RoundResults
from dx_assess.scoring import OVERALL, score_response


@pytest.fixture(scope="module")
def results() -> RoundResults:
    return fixed_round()


RESPONDED = ["900001", "900002", "900003", "900004", "900005", "900006"]


def test_answers_one_row_per_municipality_and_question(results: RoundResults) -> None:
    q = results.questionnaire
    frame = exports.answers_frame(results)
    assert len(frame) == len(RESPONDED) * len(q.questions)
    assert sorted(frame["code"].unique()) == RESPONDED  # 900007 has no response
    assert not frame.duplicated(["code", "question_id"]).any()
    assert set(frame["questionnaire_version"]) == {q.version}
    assert set(frame["round_id"]) == {results.round_id}
    row = frame[(frame["code"] == "900002") & (frame["question_id"] == "basic_population")]
    assert row["value"].item() == "3,000人"
    assert row["value_number"].item() == 3000
    assert row["question_text"].item() == q.question("basic_population").text
    # derived values are computed from the answers: 1,500 / 3,000 × 100
    rate = frame[(frame["code"] == "900002") & (frame["question_id"] == "mnc_holding_rate")]
    assert rate["value_number"].item() == 50.0
    grid = frame[(frame["code"] == "900001") & (frame["question_id"] == "std_status")]
    assert "seikatsu_hogo=not_applicable" in grid["value_code"].item()
    assert "生活保護: 対象外" in grid["value"].item()
    # a hidden follow-up question is a row too, not shown and unanswered
    hidden = frame[(frame["code"] == "900001") & (frame["question_id"] == "ai_rpa_processes")]
    assert (hidden["shown"].item(), hidden["answered"].item(), hidden["value"].item()) == (
        False,
        False,
        "",
    )
    draft = frame[frame["code"] == "900003"]
    assert set(draft["status"]) == {"draft"}
    assert set(draft["final"]) == {False}


def test_answers_and_scores_limited_to_codes(results: RoundResults) -> None:
    assert set(exports.answers_frame(results, {"900001"})["code"]) == {"900001"}
    assert set(exports.scores_frame(results, {"900004", "999999"})["code"]) == {"900004"}
    assert exports.answers_frame(results, set()).empty


def test_scores_equal_the_engine(results: RoundResults) -> None:
    q = results.questionnaire
    frame = exports.scores_frame(results)
    assert len(frame) == len(RESPONDED) * (len(q.pillars) + 1)
    for code in RESPONDED:
        card = score_response(q, results.answers[code])
        mine = frame[frame["code"] == code].set_index("pillar")
        assert mine.loc[OVERALL, "score"] == pytest.approx(card.overall)
        assert mine.loc[OVERALL, "level"] == card.level
        for p in card.pillars:
            assert mine.loc[p.pillar, "score"] == pytest.approx(p.score)
            assert mine.loc[p.pillar, "coverage"] == pytest.approx(p.coverage)
    final = frame.drop_duplicates("code").set_index("code")["final"].to_dict()
    assert final == {c: c in ("900001", "900002", "900004", "900005") for c in RESPONDED}


def test_peers_are_the_engines_group_statistics(results: RoundResults) -> None:
    frame = exports.peers_frame(results)
    groups = results.peers.groups.reset_index(drop=True)
    assert len(frame) == len(groups)
    pd.testing.assert_frame_equal(frame[list(groups.columns)], groups)
    assert set(frame["group_type_label"]) >= {"対象市町村全体", "同じ振興局"}
    assert frame.loc[frame["pillar"] == OVERALL, "pillar_title"].iloc[0] == "総合"


def test_kpis_frame_matches_the_table(results: RoundResults) -> None:
    table = compute_kpis(results)
    frame = exports.kpis_frame(results, table)
    assert len(frame) == len(table.rows) * len(table.definitions)
    overall = frame[(frame["region"] == table.overall.region) & (frame["kpi"] == "mynumber_rate")]
    assert overall["kpi_value"].item() == pytest.approx(58.0)
    assert overall["numerator"].item() == 5800


def test_csv_has_a_bom_and_round_trips_japanese(results: RoundResults) -> None:
    frame = exports.answers_frame(results)
    data = exports.to_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"code": str})
    assert list(back.columns) == list(frame.columns)
    assert len(back) == len(frame)
    assert back["question_text"].tolist() == frame["question_text"].tolist()
    assert "テスト一町" in set(back["municipality"])
    assert back["code"].iloc[0] == "900001"  # leading digits kept as text


def test_workbook_sheets(results: RoundResults) -> None:
    sheets = {
        "answers": exports.answers_frame(results),
        "scores": exports.scores_frame(results),
        "peer_statistics": exports.peers_frame(results),
    }
    data = exports.to_xlsx(sheets, [("調査", "テスト調査")])
    book = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype={"code": str})
    assert list(book) == ["説明", "answers", "scores", "peer_statistics"]
    assert len(book["answers"]) == len(sheets["answers"])
    about = book["説明"]
    assert about.iloc[0].tolist() == ["調査", "テスト調査"]
    assert "設問文" in set(about["内容"].dropna())
    scores = book["scores"]
    first = scores[(scores["code"] == "900001") & (scores["pillar"] == OVERALL)]
    expected = score_response(results.questionnaire, results.answers["900001"]).overall
    assert expected is not None
    assert math.isclose(first["score"].item(), expected)


def test_a_round_without_responses(results: RoundResults) -> None:
    """Every dashboard builder copes with a round nobody has answered yet."""
    from dashboard_data import MUNICIPALITIES

    from dx_assess.dashboards import regional
    from dx_assess.dashboards.charts import distribution_chart
    from dx_assess.dashboards.status import reminder_text, status_table
    from dx_assess.results.model import build_round_results

    empty = build_round_results(
        round_id=2,
        fiscal_year=2026,
        round_label="令和8年度",
        title="空の調査",
        is_demo=False,
        questionnaire=results.questionnaire,
        municipalities=MUNICIPALITIES,
        responses={},
        scorecards={},
    )
    table = regional.regional_table(empty)
    assert all(c.median is None and c.n == 0 for row in table.rows for c in row.cells)
    dists = regional.distributions(empty)
    assert all(d.n == 0 for d in dists)
    assert "提出された回答なし" in distribution_chart(dists, [20, 40], title="t", description="d")
    assert all(
        e.state in ("no_value", "outside") for e in regional.map_entries(empty, OVERALL).values()
    )
    kpis = compute_kpis(empty)
    assert all(v.value is None for row in kpis.rows for v in row.values)
    assert exports.answers_frame(empty).empty
    assert exports.scores_frame(empty).empty
    assert exports.to_csv(exports.answers_frame(empty)).startswith(b"\xef\xbb\xbfround_id,")
    status = status_table(empty, None)
    assert {r.status for r in status.rows} == {"not_started"}
    assert len(reminder_text(status.rows).splitlines()) == 6  # the supported ones


def test_typed_formulas_stay_text(results: RoundResults) -> None:
    """A free-text answer that looks like a formula is never run by Excel (CSV injection)."""
    import dataclasses

    import openpyxl

    answers = {code: dict(a) for code, a in results.answers.items()}
    answers["900001"]["std_issues"] = '=HYPERLINK("http://example.com","x")\x0b'
    changed = dataclasses.replace(results, answers=answers)
    frame = exports.answers_frame(changed, {"900001"})
    data = exports.to_csv(frame)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    issues = back[back["question_id"] == "std_issues"]
    assert issues["value"].item() == '\'=HYPERLINK("http://example.com","x")'
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx({"answers": frame}, [])))
    cells = [c for row in book["answers"].iter_rows() for c in row]
    typed = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert typed
    assert all(c.data_type == "s" for c in typed)
