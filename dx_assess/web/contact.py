"""The prefecture's contact (問い合わせ先) for the templates: every page's footer shows it."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from dx_assess.config import prefecture_contact


def init_app(app: Flask) -> None:
    @app.context_processor
    def contact() -> dict[str, Any]:
        return {"prefecture_contact": prefecture_contact(current_app.config)}
