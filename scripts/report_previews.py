"""Render the demo's reports and write PNGs of their first two pages for the README.

    .venv/bin/python scripts/report_previews.py      # writes docs/reports/*.png (and the PDFs
                                                      # to a temporary folder it prints)

Builds a temporary instance (SQLite, the demo data of `dx-assess demo setup`), renders the
report of one demo municipality of the latest round (TOWN, else the first municipality by code
that submitted) and that round's regional report, and converts the
first two pages of each with poppler (`pdftoppm -png -r 60`), then `optipng` when installed.
Touches nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "reports"
TOWN = "014621"  # 南富良野町 (上川), when it has submitted in the demo's latest round


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="dx_previews-"))
    os.environ["DX_INSTANCE_PATH"] = str(work / "instance")
    import flask_migrate

    from dx_assess import create_app
    from dx_assess.extensions import db
    from dx_assess.models import Municipality, Response, ResponseStatus, SurveyRound
    from dx_assess.services.reports.service import municipality_report, regional_report
    from dx_assess.services.results import round_results

    app = create_app(
        {
            "DX_ENV": "development",
            "DATABASE_URL": f"sqlite:///{work / 'demo.sqlite3'}",
            "DX_REPORTS_DIR": str(work / "reports"),
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "setup"])
        if result.exit_code != 0:
            print(result.output, file=sys.stderr)
            return 1
        latest = db.session.scalar(
            db.select(SurveyRound).order_by(SurveyRound.fiscal_year.desc()).limit(1)
        )
        if latest is None:
            return 1
        submitted = db.session.scalars(
            db.select(Municipality.code)
            .join(Response, Response.municipality_id == Municipality.id)
            .where(Response.round_id == latest.id, Response.status == ResponseStatus.SUBMITTED)
            .order_by(Municipality.code)
        ).all()
        if not submitted:
            print(f"no submitted response in {latest.title}", file=sys.stderr)
            return 1
        code = TOWN if TOWN in submitted else submitted[0]
        results = round_results(db.session, latest)
        town = municipality_report(results, code)
        if town is None:
            print(f"{code} has no report in {latest.title}", file=sys.stderr)
            return 1
        print(f"{latest.title}: {code}")
        pdfs = {"municipality": town.data, "regional": regional_report(results).data}
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in pdfs.items():
        pdf = work / f"{name}.pdf"
        pdf.write_bytes(data)
        for page in (1, 2):
            target = OUT / f"{name}-{page}.png"
            subprocess.run(  # poppler with fixed arguments
                ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page),  # noqa: S607
                 "-singlefile", str(pdf), str(target.with_suffix(""))],
                check=True,
            )  # fmt: skip
            if shutil.which("optipng"):  # smaller, the same pixels
                subprocess.run(["optipng", "-quiet", "-o2", str(target)], check=True)  # noqa: S607
            print(target.relative_to(ROOT))
    print(f"PDFs: {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
