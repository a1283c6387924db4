"""The mail timers of deploy/ (dx-assess-mail, dx-assess-reminders): ``systemd-analyze
verify`` finds nothing (pointed at this venv's dx-assess), each timer starts its own service,
and each service runs a command that exists."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

UNITS = ("dx-assess-mail", "dx-assess-reminders")
COMMANDS = {"dx-assess-mail": "mail send", "dx-assess-reminders": "mail reminders"}


def _read(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="no systemd-analyze")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    assert SYSTEMD_ANALYZE is not None
    venv = Path(sys.prefix)
    assert (venv / "bin" / "dx-assess").exists()
    files = []
    for name in UNITS:
        for suffix in (".service", ".timer"):
            text = (REPO / "deploy" / f"{name}{suffix}").read_text(encoding="utf-8")
            target = tmp_path / f"{name}{suffix}"
            target.write_text(text.replace("/opt/dx_assess", str(venv)), encoding="utf-8")
            files.append(str(target))
    verify = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *files], capture_output=True, text=True, check=False
    )
    # it exits 0 on unknown keys or bad values (only a warning): any output is a failure
    assert verify.returncode == 0
    assert (verify.stdout + verify.stderr).strip() == ""


@pytest.mark.parametrize("name", UNITS)
def test_each_timer_starts_its_service_running_a_real_command(name: str) -> None:
    timer = _read(REPO / "deploy" / f"{name}.timer")
    service = _read(REPO / "deploy" / f"{name}.service")
    assert timer["Timer"]["Unit"] == f"{name}.service"
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert service["Service"]["Type"] == "oneshot"
    command = service["Service"]["ExecStart"]
    assert command == f"/opt/dx_assess/bin/dx-assess {COMMANDS[name]}"
    from dx_assess.cli.mail import mail_cli

    assert command.rsplit(" ", 1)[1] in mail_cli.commands
