"""Profile one section request (GET the page, POST a save) in-process on PostgreSQL.

    .venv/bin/python bench/profile_section.py --database-url postgresql://postgres@127.0.0.1/EMPTY_DB

Same instance as bench/capacity.py (one municipality's user), the app with production settings
in this process (Flask's test client, no HTTP). Logs in, opens every section once (warm), then
times ``--repeat`` rounds of: GET a section, POST changed values of every question (expects
302), over all sections; prints the median wall and CPU time per GET and per POST, and the top
functions by cumulative and by own time under cProfile. The database is emptied at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.datastructures import MultiDict

if TYPE_CHECKING:
    from flask import Flask

    from dx_assess.core.questionnaire import Section

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))

from answering_latency import PASSWORD, answers_for, clean_up  # noqa: E402
from capacity import prepare  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BASE_VERSION_RE = re.compile(r'name="base_version"[^>]*value="(\d*)"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an EMPTY PostgreSQL database")
    parser.add_argument("--repeat", type=int, default=10, help="rounds over all sections")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sql", action="store_true", help="print the SQL of one GET and POST")
    parser.add_argument("--dump", help="also write the cProfile data to this file")
    parser.add_argument(
        "--fragments",
        action="store_true",
        help="also compare, in this run, the section GET without and with the question "
        "fragment cache (web/answering/fragments.py): calls and CPU per GET, pages compared",
    )
    parser.add_argument(
        "--html",
        help="write every section page (GET, and the page after its save) of one round to "
        "this folder, the CSRF token masked: two runs' folders compare equal when the HTML "
        "is the same",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dx-profile-") as folder:
        instance = Path(folder)
        setup = prepare(args.database_url, instance, 1)
        try:
            run(args, setup, instance)
        finally:
            clean_up(args.database_url, instance)
    return 0


def run(args: argparse.Namespace, setup: object, instance: Path) -> None:
    import logging

    from dx_assess import create_app

    os.environ["DX_INSTANCE_PATH"] = str(instance)
    app = create_app(
        {
            "DX_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DX_ALLOW_PLAIN_HTTP": "1",
            "DATABASE_URL": args.database_url,
        }
    )
    logging.disable(logging.INFO)  # the request log line is not what is profiled here
    login, code = setup.towns[0]
    sections = setup.sections
    round_id = setup.round_id
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_RE.search(page)
    if token is None:
        raise SystemExit("no CSRF token on /login")
    reply = client.post(
        "/login", data={"csrf_token": token.group(1), "login": login, "password": PASSWORD}
    )
    expect(reply.status_code == 302, f"log-in: HTTP {reply.status_code}")
    iteration = 0

    def path(section_id: str) -> str:
        return f"/rounds/{round_id}/responses/{code}/sections/{section_id}"

    def one_round(
        gets: list[tuple[float, float]],
        posts: list[tuple[float, float]],
        only: Sequence[Section] | None = None,
        html: Path | None = None,
    ) -> None:
        nonlocal iteration
        for section in only or sections:
            iteration += 1
            w, c = time.perf_counter(), time.process_time()
            page = client.get(path(section.id))
            gets.append((time.perf_counter() - w, time.process_time() - c))
            expect(page.status_code == 200, f"open: HTTP {page.status_code}")
            body = page.get_data(as_text=True)
            token, version = CSRF_RE.search(body), BASE_VERSION_RE.search(body)
            if html is not None:
                (html / f"{section.id}.html").write_text(masked(body), encoding="utf-8")
            if token is None or version is None:
                raise SystemExit("no form on the section page")
            data = [
                ("csrf_token", token.group(1)),
                ("base_version", version.group(1)),
                ("action", "save"),
                *answers_for(section, iteration),
            ]
            w, c = time.perf_counter(), time.process_time()
            saved = client.post(path(section.id), data=MultiDict(data))
            posts.append((time.perf_counter() - w, time.process_time() - c))
            expect(saved.status_code == 302, f"save: HTTP {saved.status_code}")
            if html is not None:  # the page the save's redirect shows
                after = client.get(path(section.id)).get_data(as_text=True)
                (html / f"{section.id}.saved.html").write_text(masked(after), encoding="utf-8")

    one_round([], [])  # warm: parse the questionnaire, build the forms, first answers
    if args.html:
        Path(args.html).mkdir(parents=True, exist_ok=True)
        one_round([], [], html=Path(args.html))
    gets: list[tuple[float, float]] = []
    posts: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        one_round(gets, posts)

    def med(values: list[tuple[float, float]], i: int) -> float:
        return statistics.median(v[i] for v in values) * 1000

    print(
        f"in-process, PostgreSQL, {len(gets)} GETs and {len(posts)} POSTs over "
        f"{len(sections)} sections: GET median {med(gets, 0):.1f} ms wall / "
        f"{med(gets, 1):.1f} ms CPU; POST median {med(posts, 0):.1f} ms wall / "
        f"{med(posts, 1):.1f} ms CPU"
    )
    if args.sql:
        show_sql(app, lambda: one_round([], [], sections[:1]))
    profile(lambda: one_round([], []), args.repeat, len(sections), args.top, args.dump)
    if args.fragments:
        compare_fragments(client, [path(s.id) for s in sections], args.repeat)


def compare_fragments(client: object, paths: list[str], repeat: int) -> None:
    """GETs of every section (same answers: nothing saved in between), without and with the
    fragment cache, alternating; the pages must be the same."""
    from dx_assess.web.answering import fragments

    calls: dict[bool, list[int]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    pages: dict[bool, list[str]] = {}
    for p in paths:  # the last save's flash is shown (once) here
        client.get(p)  # type: ignore[attr-defined]
    for _ in range(repeat):
        for enabled in (False, True):
            fragments.enabled = enabled
            seen = []
            for p in paths:
                profiler = cProfile.Profile()
                c = time.process_time()
                profiler.enable()
                page = client.get(p)  # type: ignore[attr-defined]
                profiler.disable()
                cpu[enabled].append(time.process_time() - c)
                calls[enabled].append(pstats.Stats(profiler).total_calls)  # type: ignore[attr-defined]
                seen.append(masked(page.get_data(as_text=True)))
            pages.setdefault(enabled, seen)
            expect(seen == pages[enabled], "a page changed between two GETs")
    fragments.enabled = True
    expect(pages[False] == pages[True], "the pages differ with the fragment cache")
    for enabled in (False, True):
        print(
            f"section GET {'with' if enabled else 'without'} the fragment cache: "
            f"{statistics.mean(calls[enabled]):,.0f} Python calls per GET (mean over "
            f"{len(paths)} sections), CPU median {statistics.median(cpu[enabled]) * 1000:.1f} ms "
            "(under cProfile)"
        )
    print(
        f"calls with / without: {statistics.mean(calls[True]) / statistics.mean(calls[False]):.2f}"
        f"; the {len(paths)} pages are the same byte for byte"
    )


def masked(body: str) -> str:
    """The page with what differs from run to run (the CSRF token) replaced."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1…", body)


def expect(ok: bool, message: str) -> None:
    if not ok:
        raise SystemExit(message)


def show_sql(app: Flask, work: Callable[[], None]) -> None:
    from sqlalchemy import event

    from dx_assess.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split())[:160])

    event.listen(engine, "before_cursor_execute", seen)
    work()
    event.remove(engine, "before_cursor_execute", seen)
    print(f"{len(statements)} statements for one GET + one POST:")
    for statement in statements:
        print("  " + statement)


def profile(
    work: Callable[[], None], repeat: int, sections: int, top: int, dump: str | None
) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        work()
    profiler.disable()
    if dump:
        profiler.dump_stats(dump)
    stats = pstats.Stats(profiler)
    pairs = repeat * sections
    print(
        f"Python function calls per open+save (cProfile, does not depend on the machine's "
        f"load): {stats.total_calls / pairs:,.0f}"
    )
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        if top:
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
            print(out.getvalue())


if __name__ == "__main__":
    sys.exit(main())
