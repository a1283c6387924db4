"""The questionnaires shipped in questionnaires/ load cleanly and cover the domain."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

from dx_assess.core.questionnaire import (
    Questionnaire,
    check_root,
    content_hash,
    discover,
    load_questionnaire,
)
from tests.support.fixture_files import POSTAL_TEST
from tests.support.paths import REPO

QUESTIONNAIRES = REPO / "questionnaires"
DX_MATURITY = QUESTIONNAIRES / "dx-maturity"

STANDARD_SYSTEMS = [
    "住民基本台帳",
    "戸籍",
    "戸籍の附票",
    "印鑑登録",
    "選挙人名簿管理",
    "固定資産税",
    "個人住民税",
    "法人住民税",
    "軽自動車税",
    "国民健康保険",
    "国民年金",
    "後期高齢者医療",
    "介護保険",
    "障害者福祉",
    "生活保護",
    "健康管理",
    "就学",
    "児童手当",
    "児童扶養手当",
    "子ども・子育て支援",
]
CASE_MUNICIPALITIES = {"芦別市", "苫小牧市", "北見市", "音更町", "札幌市", "倶知安町", "富良野市"}
PILLARS = {"standardization", "mynumber", "online", "opendata", "ai_rpa", "governance"}


#: Digital Agency 自治体標準オープンデータセット as numbered in DOMAIN.md (18-21 left out).
DATASETS = [
    "01 公共施設一覧",
    "02 文化財一覧",
    "03 指定緊急避難場所一覧",
    "04 地域・年齢別人口",
    "05 子育て施設一覧",
    "06 オープンデータ一覧",
    "07 公衆無線LANアクセスポイント一覧",
    "08 AED設置箇所一覧",
    "09 介護サービス事業所一覧",
    "10 医療機関一覧",
    "11 観光施設一覧",
    "12 イベント一覧",
    "13 公衆トイレ一覧",
    "14 消防水利施設一覧",
    "15 食品等営業許可・届出一覧",
    "16 学校給食献立情報",
    "17 小中学校通学区域情報",
    "22 支援制度情報",
    "23 防災行政無線設置一覧",
    "24 教育機関一覧",
    "25 公営駐車場一覧",
    "26 公営駐輪場一覧",
    "27 投票所一覧",
    "28 ゴミの分別方法一覧",
    "29 赤ちゃんの駅一覧",
    "30 ゴミ集積場所一覧",
    "31 観光ポイント一覧",
]


def _domain_datasets() -> list[str] | None:
    """The numbered dataset list as written in DOMAIN.md, when that file is at hand."""
    domain = REPO.parent / "shared" / "DOMAIN.md"
    if not domain.exists():
        return None
    text = domain.read_text(encoding="utf-8")
    block = text[text.index("rather than guess):") : text.index("5. **AI・RPA**")]
    flat = re.sub(r"\s+", " ", block)
    return [f"{n} {name}" for n, name in re.findall(r"(\d{2}) ([^,.]+?)(?=,|\.)", flat)]


def test_check_root_finds_no_problems() -> None:
    assert check_root(QUESTIONNAIRES) == []


def test_discover_lists_every_version() -> None:
    infos = discover(QUESTIONNAIRES)
    assert [(i.key, i.version) for i in infos] == [
        ("dx-maturity", "2024.1"),
        ("dx-maturity", "2025.1"),
        ("dx-maturity", "2026.1"),
    ]
    assert all(i.ok and i.problems == () for i in infos)
    assert infos[0].content_hash == content_hash(DX_MATURITY / "fy2024.yaml")
    assert infos[0].content_hash == content_hash((DX_MATURITY / "fy2024.yaml").read_bytes())
    assert re.fullmatch(r"[0-9a-f]{64}", infos[1].content_hash)


@pytest.mark.parametrize("name", ["fy2024", "fy2025"])
def test_shipped_file_shape(name: str, request: pytest.FixtureRequest) -> None:
    q: Questionnaire = request.getfixturevalue(name)
    assert 40 <= len(q.questions) <= 70
    assert {p.id for p in q.pillars} == PILLARS
    for pillar in q.pillars:
        assert any(x.scored for x in q.questions_for_pillar(pillar.id)), pillar.id
    assert [lv.min_score for lv in q.levels.levels] == [0, 20, 40, 60, 80]
    grid = q.question("std_status")
    assert grid.type == "status_grid"
    assert [r.label for r in grid.rows] == STANDARD_SYSTEMS
    assert {c.municipality for c in q.cases} == CASE_MUNICIPALITIES
    cited = {case for rec in q.recommendations for case in rec.cases}
    assert cited == {c.id for c in q.cases}
    assert q.question("mnc_holding_rate").formula is not None
    assert {c.id for c in q.checks} >= {"cards_within_population", "online_within_26"}
    assert q.question("onl_childcare_count").max == 26
    assert q.question("onl_care_count").max == 26


@pytest.mark.parametrize("name", ["fy2024", "fy2025"])
def test_open_data_options_match_domain_list(name: str, request: pytest.FixtureRequest) -> None:
    q: Questionnaire = request.getfixturevalue(name)
    labels = [c.label for c in q.question("od_datasets").choices]
    assert labels == DATASETS
    from_domain = _domain_datasets()
    if from_domain is not None:
        assert labels == from_domain
    assert not any(label.startswith(("18 ", "19 ", "20 ", "21 ")) for label in labels)


def test_every_question_type_is_used(fy2024: Questionnaire, fy2025: Questionnaire) -> None:
    """Each type is used by a shipped questionnaire, or (not yet asked in a survey) by the
    test questionnaire of its own tests."""
    from dx_assess.core.questionnaire import QUESTION_TYPES

    used = {x.type for q in (fy2024, fy2025) for x in q.questions}
    test_only = {x.type for x in load_questionnaire(POSTAL_TEST).questions} - used
    assert used | test_only == set(QUESTION_TYPES)
    assert test_only == {"postal_code"}


def test_fy2025_adds_generative_ai(fy2025: Questionnaire) -> None:
    ids = {x.id for x in fy2025.questions}
    assert {"gen_ai_use", "gen_ai_rules", "gen_ai_training"} <= ids
    statuses = [c.label for c in fy2025.question("std_status").choices]
    assert "特定移行支援（期限延長）" in statuses
    assert any("遅延" in s for s in statuses)


def test_package_imports_without_flask_or_sqlalchemy() -> None:
    """The questionnaire package itself pulls in neither Flask nor SQLAlchemy.

    The parent package ``dx_assess`` is replaced by an empty namespace so that this checks
    the questionnaire package alone, whatever ``dx_assess/__init__.py`` imports.
    """
    code = textwrap.dedent(f"""
        import sys, types
        parent = types.ModuleType("dx_assess")
        parent.__path__ = [{str(REPO / "dx_assess")!r}]
        sys.modules["dx_assess"] = parent
        import dx_assess.core.questionnaire as q
        q.load_questionnaire({str(DX_MATURITY / "fy2025.yaml")!r})
        banned = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug")
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in banned)
        print(",".join(heavy))
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == ""
