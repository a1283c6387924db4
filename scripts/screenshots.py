"""Take the README's screenshots from a demo server, with Debian's Chromium through Playwright.

    .venv/bin/python scripts/screenshots.py          # writes docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py review   # only the pictures whose name has "review"

Needs `pip install playwright` and `apt-get install chromium fonts-noto-cjk` (never
`playwright install`). The server runs on a temporary instance folder with the data of
`dx-assess demo setup` (what `scripts/demo` serves), so it touches nothing else. The main pages
are taken at a phone's width (390×844, `phone-<name>.png`) and a desktop's (1280×800,
`desktop-<name>.png`); a long page is cut after MAX_HEIGHT pixels. Each PNG is reduced to 256
colours with Pillow (and passed through `optipng` when it is installed) to keep the repository
small. Running it again replaces the pictures.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
BIN = Path(sys.executable).parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
MAX_HEIGHT = {"phone": 2600, "desktop": 1800}
TOWN = "014630"  # 占冠村, the demo's `municipal` login (dx_assess.cli.main.DEMO_TOWN)
#: a town whose 令和8年度 response is a draft well under way (the demo data are fixed by a seed;
#: 占冠村 has not started it, so that carrying over can be tried)
DRAFT_TOWN = "011002"  # 札幌市, login m011002
PASSWORDS = {
    "municipal": "demo-municipal-2026",
    "adviser": "demo-adviser-2026",
    "prefecture": "demo-pref-2026",
    "admin": "demo-admin-2026",
    f"m{DRAFT_TOWN}": "demo-town-2026",
}
#: the bulk import file of the admin's preview (two accounts, one of them for 占冠村)
IMPORT_CSV = (
    "ログインID,氏名,役割,団体コード,メールアドレス\n"
    "shimukappu02,占冠村 総務課 佐藤,市町村職員,014630,sato@example.jp\n"
    "adv.kato,加藤 アドバイザー,アドバイザー,,\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log_in(browser: Browser, base: str, role: str, width: str) -> Page:
    context = browser.new_context(
        viewport=WIDTHS[width], locale="ja-JP", base_url=base, device_scale_factor=1
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("#login", role)
    page.fill("#password", PASSWORDS[role])
    page.click("button[type=submit]:has-text('ログイン')")
    page.wait_for_url(f"{base}/")
    return page


def shrink(path: Path) -> None:
    """256 colours (Japanese text stays sharp on a white page), then optipng if present."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", str(path)], check=True)  # noqa: S607


def shoot(page: Page, name: str, width: str) -> Path:
    path = OUT / f"{width}-{name}.png"
    height = page.evaluate("() => document.documentElement.scrollHeight")
    limit = MAX_HEIGHT[width]
    if height > limit:
        clip = {"x": 0, "y": 0, "width": WIDTHS[width]["width"], "height": limit}
        page.screenshot(path=path, full_page=True, clip=clip, animations="disabled")
    else:
        page.screenshot(path=path, full_page=True, animations="disabled")
    shrink(path)
    return path


def import_preview(page: Page, folder: Path) -> None:
    page.goto("/admin/users/import")
    upload = folder / "accounts.csv"
    upload.write_bytes(("\ufeff" + IMPORT_CSV).encode("utf-8"))
    page.get_by_label("アカウントの一覧（CSV または Excel）").set_input_files(str(upload))
    page.get_by_role("button", name="内容を確認する").click()
    page.get_by_role("table", name="作成するアカウント（2件）").wait_for()


def pictures(rounds: dict[int, int]) -> list[tuple[str, str, str | Callable[[Page, Path], None]]]:
    """(name, role, path or action) of every picture."""
    current, previous = rounds[max(rounds)], rounds[max(rounds) - 1]
    own = f"/rounds/{current}/responses/{TOWN}"
    draft = f"/rounds/{current}/responses/{DRAFT_TOWN}"
    return [
        ("municipal-home", "municipal", "/"),
        ("municipal-form-basic", "municipal", f"{own}/sections/basic"),
        ("municipal-form-grid", f"m{DRAFT_TOWN}", f"{draft}/sections/std"),
        ("municipal-review", f"m{DRAFT_TOWN}", f"{draft}/review"),
        ("municipal-results", "municipal", f"/rounds/{previous}/results/{TOWN}"),
        ("prefecture-regional", "prefecture", f"/rounds/{current}/regions"),
        ("prefecture-follow-up", "prefecture", f"/rounds/{current}/follow-up"),
        ("admin-import-preview", "admin", import_preview),
    ]


def demo_rounds(database: Path) -> dict[int, int]:
    """fiscal year → round id in the demo database."""
    with sqlite3.connect(database) as con:
        return dict(con.execute("SELECT fiscal_year, id FROM survey_round").fetchall())


def main(only: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "DX_ENV": "development", "DX_INSTANCE_PATH": instance}
        env.pop("DATABASE_URL", None)  # the instance's own SQLite file
        env.pop("DX_BROKER_URL", None)
        cli = str(BIN / "dx-assess")
        subprocess.run([cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([cli, "demo", "setup"], env=env, check=True, capture_output=True)
        rounds = demo_rounds(Path(instance) / "dx_assess.sqlite3")
        port = free_port()
        server = subprocess.Popen(
            [cli, "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"{base}/healthz")
                    break
                except OSError:
                    time.sleep(0.1)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                if not only:
                    written += general(browser, base)
                for width in WIDTHS:
                    pages: dict[str, Page] = {}
                    for name, role, target in pictures(rounds):
                        if only and not any(word in name for word in only):
                            continue
                        if role not in pages:
                            pages[role] = log_in(browser, base, role, width)
                        page = pages[role]
                        if callable(target):
                            target(page, Path(instance))
                        else:
                            page.goto(target)
                        written.append(shoot(page, name, width))
                    for page in pages.values():
                        page.context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    for path in written:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


def general(browser: Browser, base: str) -> list[Path]:
    """The log-in page, the prefecture's home, the municipality list and the account list."""
    context = browser.new_context(
        viewport={"width": 1200, "height": 820}, locale="ja-JP", base_url=base
    )
    page = context.new_page()
    shots = []

    def take(name: str, full_page: bool = False) -> None:
        path = OUT / f"{name}.png"
        page.screenshot(path=path, full_page=full_page)
        shrink(path)
        shots.append(path)

    page.goto("/login")
    take("login")
    page.fill("#login", "prefecture")
    page.fill("#password", PASSWORDS["prefecture"])
    page.click("button[type=submit]:has-text('ログイン')")
    page.wait_for_url(f"{base}/")
    take("home-prefecture", full_page=True)
    page.goto("/municipalities?subprefecture=上川")
    take("municipalities")
    context.close()
    admin = log_in(browser, base, "admin", "desktop")
    page = admin
    page.set_viewport_size({"width": 1200, "height": 820})
    page.goto("/admin/users")
    take("admin-users")
    admin.context.close()
    return shots


if __name__ == "__main__":
    main(sys.argv[1:])
