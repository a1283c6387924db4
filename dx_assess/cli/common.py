"""What every command shares."""

from __future__ import annotations

import getpass


def actor() -> str:
    """Who runs a command, for the records: ``cli:<os user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
