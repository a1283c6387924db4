"""The exports (pure): tidy frames checked against the scoring engine's output, CSV with BOM,
the workbook's sheets."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from dx_assess.core.dashboards import export_columns, export_frames, export_wide, exports
from dx_assess.core.dashboards.kpis import compute_kpis
from dx_assess.core.filenames import content_disposition, download_name
from dx_assess.core.questionnaire.numbering import question_numbers
from dx_assess.core.results import RoundResults
from dx_assess.core.scoring import OVERALL, score_response
from tests.support.rounds import fixed_round


@pytest.fixture(scope="module")
def results() -> RoundResults:
    return fixed_round()


RESPONDED = ["900001", "900002", "900003", "900004", "900005", "900006"]


def test_answers_one_row_per_municipality_and_question(results: RoundResults) -> None:
    q = results.questionnaire
    frame = export_frames.answers_frame(results)
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
    assert set(export_frames.answers_frame(results, {"900001"})["code"]) == {"900001"}
    assert set(export_frames.scores_frame(results, {"900004", "999999"})["code"]) == {"900004"}
    assert export_frames.answers_frame(results, set()).empty


def test_scores_equal_the_engine(results: RoundResults) -> None:
    q = results.questionnaire
    frame = export_frames.scores_frame(results)
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
    frame = export_frames.peers_frame(results)
    groups = results.peers.groups.reset_index(drop=True)
    assert len(frame) == len(groups)
    pd.testing.assert_frame_equal(frame[list(groups.columns)], groups)
    assert set(frame["group_type_label"]) >= {"対象市町村全体", "同じ振興局"}
    assert frame.loc[frame["pillar"] == OVERALL, "pillar_title"].iloc[0] == "総合"


def test_kpis_frame_matches_the_table(results: RoundResults) -> None:
    table = compute_kpis(results)
    frame = export_frames.kpis_frame(results, table)
    assert len(frame) == len(table.rows) * len(table.definitions)
    overall = frame[(frame["region"] == table.overall.region) & (frame["kpi"] == "mynumber_rate")]
    assert overall["kpi_value"].item() == pytest.approx(58.0)
    assert overall["numerator"].item() == 5800


def test_csv_has_a_bom_and_round_trips_japanese(results: RoundResults) -> None:
    frame = export_frames.answers_frame(results)
    data = exports.to_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"団体コード": str})
    assert len(back) == len(frame)
    assert back["設問"].tolist() == frame["question_text"].tolist()
    assert "テスト一町" in set(back["市町村名"])
    assert back["団体コード"].iloc[0] == "900001"  # leading digits kept as text


def test_files_have_japanese_headers_and_words(results: RoundResults) -> None:
    """Headers, statuses and flags as a person in a Japanese office reads them; no snake_case,
    no True/False, no submitted/draft."""
    answers = pd.read_csv(
        io.BytesIO(exports.to_csv(export_frames.answers_frame(results))),
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    assert list(answers.columns) == [
        "調査回番号", "年度", "年度（和暦）", "調査票の版", "回答した市町村の範囲", "団体コード",
        "市町村名", "振興局",
        "回答の状態", "確定・暫定", "章", "問番号", "設問ID", "設問", "回答方法", "分野",
        "単位", "表示", "回答の有無", "回答", "回答（コード）", "回答（数値）",
    ]  # fmt: skip
    assert set(answers["回答の状態"]) == {"提出済み", "回答中"}
    assert set(answers["確定・暫定"]) == {"確定", "暫定"}
    assert set(answers["表示"]) == {"表示", "非表示"}
    assert set(answers["回答の有無"]) == {"回答あり", "未回答"}
    first = answers[(answers["団体コード"] == "900001")]
    assert first.iloc[0]["問番号"] == "問1-1"
    population = first[first["設問ID"] == "basic_population"].iloc[0]
    assert (population["問番号"], population["回答方法"]) == ("問1-3", "整数")
    for data in (
        exports.to_csv(export_frames.scores_frame(results)),
        exports.to_csv(export_frames.peers_frame(results)),
    ):
        text = data.decode("utf-8-sig")
        assert not {"True", "False", "submitted", "draft", "_"} & set(
            text.replace(",", "\n").splitlines()
        )
        assert "pillar" not in text.splitlines()[0]


def test_numbers_are_rounded_with_the_unit_in_the_header(results: RoundResults) -> None:
    scores = export_columns.present(export_frames.scores_frame(results))
    overall = scores[(scores["団体コード"] == "900001") & (scores["分野"] == "総合")].iloc[0]
    card = score_response(results.questionnaire, results.answers["900001"])
    assert card.overall is not None
    assert overall["得点（点）"] == round(card.overall, 1)  # 60.598… → 60.6
    assert overall["得点（点）"] == 60.6
    assert overall["回答の網羅率（%）"] == round(100 * card.coverage, 1)  # 0.3586… → 35.9
    assert overall["回答の網羅率（%）"] == 35.9
    # a derived answer keeps the question's decimals: 1,500 / 3,000 × 100 = 50.0
    answers = export_frames.answers_frame(results)
    rate = answers[(answers["code"] == "900002") & (answers["question_id"] == "mnc_holding_rate")]
    assert rate["value_number"].item() == 50.0
    peers = export_columns.present(export_frames.peers_frame(results))
    medians = peers["中央値（点）"].dropna()
    assert all(round(m, 1) == m for m in medians)


def test_wide_sheet_one_row_per_town_one_column_per_question(results: RoundResults) -> None:
    q = results.questionnaire
    wide = export_wide.wide_frame(results)
    assert wide["団体コード"].tolist() == RESPONDED
    grid = next(x for x in q.questions if x.type == "status_grid")
    questions = len(q.questions) - 1 + len(grid.rows)
    assert len(wide.columns) == 5 + questions
    assert list(wide.columns[:5]) == [
        "団体コード",
        "市町村名",
        "振興局",
        "回答の状態",
        "確定・暫定",
    ]
    numbers = question_numbers(q)
    assert wide.columns[5] == f"{numbers[q.questions[0].id]} 回答を取りまとめた課・係の名前"
    row = wide.set_index("団体コード").loc["900002"]
    assert row["問1-3 住民基本台帳人口（人）"] == 3000
    assert row[f"{numbers['mnc_holding_rate']} マイナンバーカード保有率（%）"] == 50.0
    assert row["回答の状態"] == "提出済み"
    seikatsu = next(r for r in grid.rows if r.id == "seikatsu_hogo")
    first = wide.set_index("団体コード").loc["900001"]
    assert first[f"{numbers[grid.id]} {seikatsu.label}"] == "対象外"
    # every question column is explained with its whole question on the 説明 sheet
    notes = dict(export_wide.wide_notes(results))
    assert notes["問1-3 住民基本台帳人口（人）"] == q.question("basic_population").text
    assert set(notes) == set(wide.columns[5:])


def test_question_numbers_follow_sections_and_positions(results: RoundResults) -> None:
    q = results.questionnaire
    numbers = question_numbers(q)
    assert len(set(numbers.values())) == len(q.questions)
    for s, section in enumerate(q.sections, start=1):
        for p, question in enumerate(section.questions, start=1):
            assert numbers[question.id] == f"問{s}-{p}"
    assert list(numbers) == [x.id for x in q.questions]


def test_workbook_sheets(results: RoundResults) -> None:
    sheets = {
        exports.SHEET_NAMES["wide"]: export_wide.wide_frame(results),
        exports.SHEET_NAMES["answers"]: export_frames.answers_frame(results),
        exports.SHEET_NAMES["scores"]: export_frames.scores_frame(results),
        exports.SHEET_NAMES["peers"]: export_frames.peers_frame(results),
    }
    data = exports.to_xlsx(sheets, [("調査", "テスト調査")], export_wide.wide_notes(results))
    book = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype={"団体コード": str})
    assert list(book) == ["説明", "回答（一覧）", "回答", "得点", "類似団体の統計"]
    assert len(book["回答"]) == len(sheets["回答"])
    about = book["説明"]
    assert about.iloc[0].tolist() == ["調査", "テスト調査"]
    about = about.fillna("")
    explained = dict(zip(about["項目"].astype(str), about["内容"].astype(str), strict=True))
    # every column of every sheet is explained, and nothing points at the repository
    for name, frame in book.items():
        if name != "説明":
            missing = [c for c in frame.columns if not explained.get(c)]
            assert missing == [], name
    assert not any(".md" in text or "docs/" in text for text in explained.values())
    scores = book["得点"]
    first = scores[(scores["団体コード"] == "900001") & (scores["分野"] == "総合")]
    expected = score_response(results.questionnaire, results.answers["900001"]).overall
    assert expected is not None
    assert first["得点（点）"].item() == round(expected, 1)


def test_download_names_follow_one_rule() -> None:
    assert download_name(2025, "回答", ext="csv") == "dx_2025_回答.csv"
    assert download_name(2025, "014630", "占冠村", ext="pdf") == "dx_2025_014630_占冠村.pdf"
    assert download_name(2025, "014630", "", ext="pdf") == "dx_2025_014630.pdf"  # no "_."
    assert download_name(2025, "a/b: c", ext="zip") == "dx_2025_a-b-c.zip"
    header = content_disposition("dx_2025_回答.csv")
    assert (
        header
        == "attachment; filename=\"dx_2025.csv\"; filename*=UTF-8''dx_2025_%E5%9B%9E%E7%AD%94.csv"
    )
    assert (
        content_disposition("dx_2025_reports.zip") == 'attachment; filename="dx_2025_reports.zip"'
    )


def test_a_round_without_responses(results: RoundResults) -> None:
    """Every dashboard builder copes with a round nobody has answered yet."""
    from dx_assess.core.dashboards import regional
    from dx_assess.core.dashboards.charts import distribution_chart
    from dx_assess.core.dashboards.status import reminder_text, status_table
    from dx_assess.core.results import build_round_results
    from tests.support.rounds import MUNICIPALITIES

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
    assert export_frames.answers_frame(empty).empty
    assert export_frames.scores_frame(empty).empty
    csv = exports.to_csv(export_frames.answers_frame(empty))
    assert csv.startswith(b"\xef\xbb\xbf\xe8\xaa\xbf")
    assert export_wide.wide_frame(empty).empty
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
    frame = export_frames.answers_frame(changed, {"900001"})
    data = exports.to_csv(frame)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    issues = back[back["設問ID"] == "std_issues"]
    assert issues["回答"].item() == '\'=HYPERLINK("http://example.com","x")'
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx({"answers": frame}, [])))
    cells = [c for row in book["answers"].iter_rows() for c in row]
    typed = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert typed
    assert all(c.data_type == "s" for c in typed)
