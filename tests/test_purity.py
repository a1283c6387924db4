"""Everything under ``dx_assess/core/`` is pure: it imports neither Flask nor SQLAlchemy (nor
WTForms, Werkzeug, Flask-Login). Purity is where a file lives: a new module in core is checked
without being listed here."""

from __future__ import annotations

import pytest

from tests.support.paths import REPO
from tests.support.purity import forbidden_loaded

CORE = REPO / "dx_assess" / "core"


def core_modules() -> list[str]:
    names = []
    for path in sorted(CORE.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def test_every_core_module_imports_without_flask_or_sqlalchemy() -> None:
    modules = core_modules()
    assert len(modules) > 50  # the walk found the core
    assert forbidden_loaded("\n".join(f"import {m}" for m in modules)) == []


@pytest.mark.parametrize("package", ["dx_assess.core.questionnaire", "dx_assess.core.scoring"])
def test_the_engine_alone_loads_no_web_package(package: str) -> None:
    assert forbidden_loaded(f"import {package}") == []
