#!/usr/bin/env python3
"""Run README's "Running in production" and "Backup and restore" steps for real, outside the
checkout, and check the result (run by .ci/run; about two minutes).

The shell blocks between ``<!-- production-steps -->`` and ``<!-- backup-steps -->`` markers
are taken from README.md as they stand, with only these replacements (each must match, so the
README cannot drift away from what runs):

* ``/opt/dx_assess`` and ``/var/lib/dx_assess`` → folders in a new temporary directory;
* the database name and ``DATABASE_URL`` → a new PostgreSQL database of this run
  (``PGHOST``, ``PGPORT``, ``PGUSER``, default 127.0.0.1:5432 as postgres; the name starts with
  ``$PRODCHECK_DB_PREFIX``, default ``dx_assess_prodcheck``), dropped at the end;
* ``127.0.0.1:8000`` → a free port.

Then: ``/healthz`` is 200 with every check passing, ``questionnaire check`` found every file,
``admin`` logs in with the generated password, one PDF report downloads (demo data loaded with
``DX_ENV=development dx-assess demo setup``), ``/metrics`` adds up the workers; after the backup
steps a second gunicorn on the restored database shows the same response page, audit trail and
CSV export. The deploy/ files are checked with ``systemd-analyze verify`` and ``nginx -t``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "5432")
PGUSER = os.environ.get("PGUSER", "postgres")
PREFIX = os.environ.get("PRODCHECK_DB_PREFIX", "dx_assess_prodcheck")
TOWN = "014630"  # 占冠村: submitted in the demo's first round


def check(condition: object, what: object) -> None:
    if not condition:
        raise SystemExit(f"production check failed: {what}")


def say(message: str) -> None:
    print(f"-- {message}", flush=True)


def block(readme: str, marker: str) -> str:
    found = re.search(
        rf"<!-- {marker} -->\n```sh\n(.*?)```\n<!-- /{marker} -->", readme, flags=re.DOTALL
    )
    if not found:
        raise SystemExit(f"README.md has no {marker} block")
    return found.group(1)


def replace(text: str, replacements: list[tuple[str, str]]) -> str:
    for old, new in replacements:
        if old not in text:
            raise SystemExit(f"README.md no longer contains {old!r}: update {__file__}")
        text = text.replace(old, new)
    return text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        env=pg_env(),
    ).stdout.strip()


def pg_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(PGHOST=PGHOST, PGPORT=PGPORT, PGUSER=PGUSER)
    return env


class Client:
    """HTTP with cookies kept by hand: the service sets ``Secure`` cookies (behind TLS in real
    life), which a cookie jar would not send back over plain HTTP to 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        result = (answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
        connection.close()
        return result

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path)

    def login(self, login: str, password: str) -> None:
        status, _headers, page = self.get("/login")
        check(status == 200, status)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        check(token, "no CSRF token on the log-in page")
        status, headers, _page = self.request(
            "POST",
            "/login",
            {"csrf_token": token.group(1).decode(), "login": login, "password": password},
        )
        check(status == 302 and "/login" not in headers.get("location", ""), (status, headers))


def print_tail(log: Path, lines: int = 60) -> None:
    print("\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]))


def wait_for_health(port: int, process: subprocess.Popen[bytes], log: Path) -> dict[str, object]:
    deadline = time.monotonic() + 900  # a loaded machine installs slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print_tail(log)
            raise SystemExit(f"the steps stopped with exit status {process.returncode}")
        try:
            status, _headers, body = Client(port).get("/healthz")
        except OSError:
            time.sleep(0.5)
            continue
        if status != 200:
            raise SystemExit(f"/healthz answered {status}: {body.decode()}")
        return dict(json.loads(body))
    print_tail(log)
    raise SystemExit("the service did not answer /healthz in time")


def comparable(page: bytes) -> bytes:
    """A page without what differs per request (CSRF tokens, nonces, request ids)."""
    page = re.sub(rb'(name="csrf_token"[^>]*value=")[^"]+', rb"\1", page)
    page = re.sub(rb'(<meta name="csrf-token" content=")[^"]+', rb"\1", page)
    return re.sub(rb'nonce="[^"]+"', b'nonce=""', page)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def check_deploy_files(work: Path, venv: Path) -> None:
    """systemd-analyze verify on the units (pointed at the venv just installed) and nginx -t on
    the site with a throwaway self-signed certificate."""
    units = work / "units"
    units.mkdir()
    for unit in sorted([*(REPO / "deploy").glob("*.service"), *(REPO / "deploy").glob("*.timer")]):
        text = unit.read_text(encoding="utf-8").replace("/opt/dx_assess", str(venv))
        (units / unit.name).write_text(text, encoding="utf-8")
    if not (venv / "bin" / "dx-assess").exists():
        raise SystemExit("dx-assess is not installed")
    verify = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(u) for u in units.glob("*.*"))],
        capture_output=True,
        text=True,
        check=False,
    )
    # It exits 0 on unknown keys or bad values (only warning): any output is a failure.
    problems = (verify.stdout + verify.stderr).strip()
    if verify.returncode or problems:
        raise SystemExit(f"systemd-analyze verify:\n{problems}")
    say("systemd-analyze verify: deploy/*.service, deploy/*.timer ok")

    nginx = work / "nginx"
    (nginx / "logs").mkdir(parents=True)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=dx-assess.example.jp",
            "-keyout", str(nginx / "privkey.pem"), "-out", str(nginx / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    site = (REPO / "deploy" / "nginx-dx-assess.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/dx_assess/", f"{nginx}/")
    (nginx / "site.conf").write_text(site, encoding="utf-8")
    (nginx / "nginx.conf").write_text(
        f"pid {nginx}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {nginx}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    subprocess.run(
        ["nginx", "-t", "-q", "-p", str(nginx), "-c", str(nginx / "nginx.conf")], check=True
    )
    say("nginx -t: deploy/nginx-dx-assess.conf ok")


def main() -> None:
    started = time.monotonic()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    work = Path(tempfile.mkdtemp(prefix="dx-production-check-"))
    venv, srv = work / "opt", work / "srv"
    database = f"{PREFIX}_{os.getpid()}"
    restored = f"{database}_restored"
    port, port2 = free_port(), free_port()
    url = f"postgresql://{PGUSER}@{PGHOST}:{PGPORT}/{database}"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        steps = replace(
            block(readme, "production-steps"),
            [
                ("/opt/dx_assess", str(venv)),
                ("/var/lib/dx_assess", str(srv)),
                ("postgresql://dx@dbhost/dx_assess", url),
                ("createdb dx_assess", f"createdb {database}"),
                ("127.0.0.1:8000", f"127.0.0.1:{port}"),
            ],
        )
        (work / "steps.sh").write_text(steps, encoding="utf-8")
        log = work / "steps.log"
        env = pg_env()
        say(f"README production steps in {work} (database {database}, port {port})")
        with log.open("wb") as out:
            service = subprocess.Popen(
                ["sh", "-eux", str(work / "steps.sh")],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        processes.append(service)
        health = wait_for_health(port, service, log)
        output = log.read_text(encoding="utf-8", errors="replace")
        say(f"healthz after {time.monotonic() - started:.0f} s: {health['status']}")
        checks = dict(health["checks"])  # type: ignore[call-overload]
        failed = {k: v for k, v in checks.items() if not v["ok"]}
        check(health["status"] == "ok" and not failed, health)

        files = sorted((REPO / "questionnaires").glob("*/*.yaml"))
        check(f"問題はありません（{len(files)} ファイル）" in output, "questionnaire check")
        password = re.search(r"パスワード: (\S+)", output)
        check(password, "users create printed no password")

        admin = Client(port)
        admin.login("admin", password.group(1))  # the account README's steps created
        status, _headers, _page = admin.get("/admin/users")
        check(status == 200, f"the administrator's page answered {status}")

        # Demo data for a report (demo setup also resets the demo accounts' passwords).
        demo_env = {
            **env,
            "DX_ENV": "development",
            "DATABASE_URL": url,
            "DX_INSTANCE_PATH": str(srv / "instance"),
        }
        subprocess.run(
            [str(venv / "bin" / "dx-assess"), "demo", "setup"],
            cwd=srv,
            env=demo_env,
            check=True,
            capture_output=True,
        )
        round_id = psql("SELECT id FROM survey_round ORDER BY fiscal_year LIMIT 1", database)
        admin = Client(port)
        admin.login("prefecture", "demo-pref-2026")
        status, headers, pdf = admin.get(f"/rounds/{round_id}/reports/{TOWN}.pdf")
        check(status == 200 and pdf.startswith(b"%PDF-"), (status, pdf[:200]))
        check(
            headers["content-type"] == "application/pdf",
            'headers["content-type"] == "application/pdf"',
        )
        say(f"PDF report: {len(pdf)} bytes")
        status, _headers, metrics = Client(port).get("/metrics")
        check(status == 200, "status == 200")
        check(
            re.search(rb'dx_report_renders_total\{kind="municipality"\} 1\.0', metrics),
            "re.search(rb'dx_report_renders_total\\{kind=\"municipality\"\\} 1\\.0', metrics)",
        )
        check(b"dx_http_requests_total" in metrics, 'b"dx_http_requests_total" in metrics')
        say("metrics: the workers add up")

        pages = [
            f"/rounds/{round_id}/responses/{TOWN}",
            f"/rounds/{round_id}/responses/{TOWN}/history",
            f"/rounds/{round_id}/export/answers.csv",
        ]
        before = {page: admin.get(page) for page in pages}

        backup = replace(
            block(readme, "backup-steps"),
            [
                ("dx_assess_restored", restored),
                ("dx_assess.dump dx_assess", f"{work}/backup.dump {database}"),
                ("dx_assess.dump", f"{work}/backup.dump"),
            ],
        )
        subprocess.run(["sh", "-eux", "-c", backup], cwd=work, env=env, check=True)
        restored_env = {
            **env,
            "DX_ENV": "production",
            "SECRET_KEY": os.urandom(24).hex(),
            "DATABASE_URL": f"postgresql://{PGUSER}@{PGHOST}:{PGPORT}/{restored}",
            "DX_INSTANCE_PATH": str(work / "restored-instance"),
        }
        gunicorn = [
            str(venv / "bin" / "gunicorn"),
            "--config",
            "python:dx_assess.gunicorn_conf",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port2}",
            "dx_assess.wsgi:app",
        ]
        log2 = work / "restored.log"
        with log2.open("wb") as out:
            second = subprocess.Popen(
                gunicorn, cwd=srv, env=restored_env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        processes.append(second)
        wait_for_health(port2, second, log2)
        admin2 = Client(port2)
        admin2.login("prefecture", "demo-pref-2026")
        for page in pages:
            status, _headers, body = admin2.get(page)
            check(status == before[page][0] == 200, (page, status, before[page][0]))
            check(comparable(body) == comparable(before[page][2]), f"{page} differs")
        audit = "SELECT count(*), coalesce(max(id), 0) FROM answer_change"
        check(psql(audit, database) == psql(audit, restored), "audit trail differs")
        say(f"restored database: the same pages and audit trail ({psql(audit, restored)})")

        check_deploy_files(work, venv)
        say(f"production check passed in {time.monotonic() - started:.0f} s")
    finally:
        for process in processes:
            stop(process)
        for name in (database, restored):
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
