"""Dashboards of a round: regional comparison with the map, plan KPIs, CSV and Excel exports.

Access (decided with dx_assess.web.access): the regional comparison and the KPIs are for the
prefecture and administrators; the exports also for advisers, limited to the municipalities
assigned to them (answers and scores) plus the peer statistics, which are aggregates.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from dx_assess.core.dashboards import charts, export_frames, export_wide, exports
from dx_assess.core.dashboards import regional as rd
from dx_assess.core.dashboards.choropleth import render_choropleth
from dx_assess.core.dashboards.geo import CREDIT, map_geometry
from dx_assess.core.dashboards.kpis import compute_kpis
from dx_assess.core.dashboards.plan import load_plan, plan_indicators
from dx_assess.core.filenames import content_disposition, download_name
from dx_assess.core.results import RoundResults
from dx_assess.core.scoring import OVERALL
from dx_assess.core.vocabulary import reiwa
from dx_assess.extensions import db
from dx_assess.models import SurveyRound
from dx_assess.services.official_figures import official_card_rate
from dx_assess.services.results import round_results
from dx_assess.services.rounds import default_round, opens_on_of
from dx_assess.web.access import Duty, require_duty, visible_codes
from dx_assess.web.labels import label

bp = Blueprint("dashboards", __name__, template_folder="templates")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/regions")
@require_duty(Duty.OVERSEE)
def latest_regional() -> WerkzeugResponse:
    """The regional comparison of the default round (a stable link for the menu): the open
    round, else the latest with responses (``services.rounds.default_round``)."""
    latest = default_round(db.session)
    if latest is None:
        flash(_("調査回がまだありません。"), "warning")
        return redirect(url_for("rounds.rounds"))
    return redirect(url_for("dashboards.regional", round_id=latest.id))


@bp.route("/rounds/<int:round_id>/regions")
@require_duty(Duty.OVERSEE)
def regional(round_id: int) -> str:
    survey_round = db.get_or_404(SurveyRound, round_id)
    results = round_results(db.session, survey_round)
    metrics = rd.metrics(results)
    metric = request.args.get("pillar", OVERALL)
    if metric not in {m.id for m in metrics}:
        metric = OVERALL
    title = label(results.pillar_title(metric))
    table = _translated_classes(results, rd.regional_table(results))
    entries = rd.map_entries(results, metric)
    svg = render_choropleth(
        map_geometry(),
        entries,
        table.classes,
        title=_("%(round)s %(metric)sの得点（市町村別）", round=results.round_label, metric=title),
        description=_(
            "北海道の市町村を、提出された回答の得点で塗り分けた地図です。灰色は支援対象で"
            "提出された回答がない市町村、斜線は支援対象外の市町村です。点線で囲んだ薄い灰色は"
            "北方領土の6村（調査対象外）、太い線は振興局の境界です。"
        ),
        metric=title,
        legend_heading=_("%(metric)s（成熟度レベル・市町村数）", metric=title),
        no_value_label=_("提出された回答なし"),
        outside_label=_("支援対象外"),
    )
    distributions = rd.distributions(results)
    chart = charts.distribution_chart(
        [  # the chart's row labels in the page's language
            dataclasses.replace(
                d, metric=dataclasses.replace(d.metric, title=label(d.metric.title))
            )
            for d in distributions
        ],
        [c.lower for c in table.classes[1:]],
        title=_("%(round)s 柱ごとの得点の分布", round=results.round_label),
        description=_(
            "柱ごとに、箱が第1四分位から第3四分位、太線が中央値、横線が最小値から最大値、"
            "点が市町村ごとの得点です。同じ数値を下の表に示します。"
        ),
    )
    municipalities = [(r, entries.get(r.code)) for r in results.rows if r.supported]
    return render_template(
        "dashboards/regional.html",
        results=results,
        round=survey_round,
        opens_on=opens_on_of(survey_round),
        metrics=metrics,
        metric=metric,
        metric_title=title,
        table=table,
        map_svg=Markup(svg),  # noqa: S704 - built by our own renderer; every text is escaped
        chart_svg=Markup(chart),  # noqa: S704 - same
        distributions=distributions,
        municipalities=municipalities,
        credit=CREDIT,
        small_n=rd.SMALL_N,
    )


def _translated_classes(results: RoundResults, table: rd.RegionalTable) -> rd.RegionalTable:
    """The legend's maturity classes in the page's language (「3 推進（40以上60未満）」)."""
    levels = results.questionnaire.levels.levels
    if len(levels) != len(table.classes):
        return table
    labels = []
    for i, lv in enumerate(levels):
        low = f"{lv.min_score:g}"
        if i + 1 < len(levels):
            high = f"{levels[i + 1].min_score:g}"
            span = _("%(low)s以上%(high)s未満", low=low, high=high)
        else:
            span = _("%(low)s以上", low=low)
        labels.append(_("%(level)d %(name)s（%(span)s）", level=lv.level, name=lv.label, span=span))
    classes = tuple(
        dataclasses.replace(c, label=text) for c, text in zip(table.classes, labels, strict=True)
    )
    return dataclasses.replace(table, classes=classes)


@bp.route("/rounds/<int:round_id>/kpis")
@require_duty(Duty.OVERSEE)
def kpis(round_id: int) -> str:
    survey_round = db.get_or_404(SurveyRound, round_id)
    results = round_results(db.session, survey_round)
    table = compute_kpis(results)
    earlier = db.session.scalar(
        select(SurveyRound)
        .where(SurveyRound.fiscal_year < survey_round.fiscal_year)
        .order_by(SurveyRound.fiscal_year.desc())
        .limit(1)
    )
    before = compute_kpis(round_results(db.session, earlier)) if earlier is not None else None
    return render_template(
        "dashboards/kpis.html",
        results=results,
        round=survey_round,
        table=table,
        plan=plan_indicators(table, before),
        plan_source=load_plan()[1],
        previous_label=reiwa(earlier.fiscal_year) if earlier is not None else None,
        official=official_card_rate(db.session, survey_round),
    )


def _frames(results: RoundResults, kind: str, codes: set[str] | None) -> pd.DataFrame:
    if kind == "wide":
        return export_wide.wide_frame(results, codes)
    if kind == "answers":
        return export_frames.answers_frame(results, codes)
    if kind == "scores":
        return export_frames.scores_frame(results, codes)
    if kind == "peers":
        return export_frames.peers_frame(results)
    return export_frames.kpis_frame(results, compute_kpis(results))


#: The part of an export's file name that says what it holds.
EXPORT_NAMES = {
    "wide": "回答一覧",
    "answers": "回答",
    "scores": "得点",
    "peers": "類似団体の統計",
    "kpis": "計画の指標",
}


def _attachment(data: bytes, mimetype: str, filename: str) -> WerkzeugResponse:
    response = WerkzeugResponse(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/rounds/<int:round_id>/export/<kind>.csv")
@require_duty(Duty.EXPORT)
def export_csv(round_id: int, kind: str) -> WerkzeugResponse:
    if kind not in exports.KINDS:
        abort(404)
    codes = visible_codes(current_user)
    if kind == "kpis" and codes is not None:
        abort(403)  # the plan KPIs are the prefecture's
    survey_round = db.get_or_404(SurveyRound, round_id)
    results = round_results(db.session, survey_round)
    data = exports.to_csv(_frames(results, kind, codes))
    filename = download_name(results.fiscal_year, EXPORT_NAMES[kind], ext="csv")
    return _attachment(data, "text/csv", filename)


@bp.route("/rounds/<int:round_id>/export.xlsx")
@require_duty(Duty.EXPORT)
def export_xlsx(round_id: int) -> WerkzeugResponse:
    codes = visible_codes(current_user)
    survey_round = db.get_or_404(SurveyRound, round_id)
    results = round_results(db.session, survey_round)
    kinds = [k for k in exports.KINDS if codes is None or k != "kpis"]
    sheets = {exports.SHEET_NAMES[k]: _frames(results, k, codes) for k in kinds}
    scope = "全市町村" if codes is None else f"担当の{len(codes)}市町村（類似団体の統計は全体）"
    about = [
        ("調査", results.title),
        ("年度", f"{results.round_label}（{results.fiscal_year}年度）"),
        ("調査票の版", results.questionnaire.version),
        ("範囲", scope),
        ("デモデータ", "はい（実際のデータではありません）" if results.is_demo else "いいえ"),
        (
            "得点の計算方法",
            "設問ごとの得点（0〜1）を重みで平均して分野の得点（0〜100点）とし、分野の得点を"
            "重みで平均して総合点とします。提出済みの回答だけを比較・統計に使います。",
        ),
    ]
    data = exports.to_xlsx(sheets, about, export_wide.wide_notes(results))
    return _attachment(data, XLSX, download_name(results.fiscal_year, "集計", ext="xlsx"))
