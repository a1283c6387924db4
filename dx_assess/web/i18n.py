"""Language: Japanese by default; English on request (kept in the session)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, session
from flask_babel import get_locale


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in current_app.config["DX_LOCALES"]:
        return str(chosen)
    return str(current_app.config["DX_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    @app.context_processor
    def _language() -> dict[str, Any]:
        return {
            "current_lang": str(get_locale() or app.config["DX_DEFAULT_LOCALE"]),
            "available_langs": [("ja", "日本語"), ("en", "English")],
        }
