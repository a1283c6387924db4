"""Question types own their behaviour: no module outside questionnaire/qtypes switches on a
question's type name."""

from __future__ import annotations

import re

from tests.support.paths import REPO

PACKAGE = REPO / "dx_assess"
#: ``q.type == "yes_no"``, ``question.type in (...)``, ``x.type != ...`` in code or templates.
DISPATCH = re.compile(r"\b(q|question|x|target|src|s)\.type\s*(==|!=|in\b|not in\b)")
#: Left on purpose: the demo data picks plausible answers for the shipped questionnaire's
#: types (a type it does not know is left unanswered in the demo); a binding role declares
#: the types of question it accepts (a declaration a new type need not touch).
ALLOWED = {"services/demo/synthetic.py", "core/questionnaire/bindings.py"}


def test_no_module_switches_on_the_type_name() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in (".py", ".html", ".js") or "qtypes" in path.parts:
            continue
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DISPATCH.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []
