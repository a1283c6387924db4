"""Take the README's screenshots from a demo server, with Debian's Chromium through Playwright.

    .venv/bin/python scripts/screenshots.py          # writes docs/screenshots/*.png

Needs `pip install playwright` and `apt-get install chromium fonts-noto-cjk` (never
`playwright install`). The server runs on a temporary instance folder, so it touches nothing else.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
BIN = Path(sys.executable).parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def login(page: Page, base: str, user: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#login", user)
    page.fill("#password", password)
    page.click("button[type=submit]:has-text('ログイン')")


def logout(page: Page) -> None:
    page.click("button:has-text('ログアウト')")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "DX_ENV": "development", "DX_INSTANCE_PATH": instance}
        cli = str(BIN / "dx-assess")
        subprocess.run([cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([cli, "demo", "setup"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [cli, "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz")
                    break
                except OSError:
                    time.sleep(0.1)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1200, "height": 820}, locale="ja-JP")
                page.goto(f"{base}/login")
                page.screenshot(path=OUT / "login.png")
                login(page, base, "prefecture", "demo-pref-2026")
                page.screenshot(path=OUT / "home-prefecture.png", full_page=True)
                page.goto(f"{base}/municipalities?subprefecture=上川")
                page.screenshot(path=OUT / "municipalities.png")
                logout(page)
                login(page, base, "admin", "demo-admin-2026")
                page.goto(f"{base}/admin/users")
                page.screenshot(path=OUT / "admin-users.png")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
