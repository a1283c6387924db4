"""Japanese first, English available; the English catalog is complete and compiled."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from tests.support import Browser
from tests.support.paths import REPO

ROOT = REPO
CATALOG = ROOT / "dx_assess" / "translations" / "en" / "LC_MESSAGES"


def source_messages() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "N_": None}
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "dx_assess"), method_map=method_map, keywords=keywords
        )
        if isinstance(message, str)
    }


def test_every_message_in_the_source_has_an_english_translation() -> None:
    with (CATALOG / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="en")
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(source_messages() - translated.keys())
    assert missing == [], "run: pybabel extract/update, translate, pybabel compile (see README)"


def test_compiled_catalog_matches_the_po_file() -> None:
    with (CATALOG / "messages.po").open("rb") as f:
        po = {m.id: m.string for m in read_po(f, locale="en") if m.id}
    with (CATALOG / "messages.mo").open("rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert mo == po, "messages.mo is stale: run pybabel compile -d dx_assess/translations"


def test_japanese_is_the_default(browser: Browser) -> None:
    html = browser.get("/login").get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "ログインIDとパスワードを入力してください" in html


def test_switching_to_english_and_back(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    response = browser.post("/language", {"lang": "en", "next": "/login"}, form_page="/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    html = browser.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Enter the login ID and password the prefecture gave you." in html

    make_user("prefecture", login="pref")
    browser.login("pref")
    assert "Prefecture DX division" in browser.get("/").get_data(as_text=True)

    browser.post("/language", {"lang": "ja", "next": "/"}, form_page="/")
    assert "道庁 DX推進課のページ" in browser.get("/").get_data(as_text=True)


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(browser: Browser) -> None:
    assert browser.post("/language", {"lang": "fr"}, form_page="/login").status_code == 400
    for target in ("//evil.example/", "/\t/evil.example", "https://evil.example/"):
        response = browser.post("/language", {"lang": "en", "next": target}, form_page="/login")
        assert response.status_code == 400  # the Japanese 400 page; the language is unchanged
        assert "Location" not in response.headers
    assert "ログイン" in browser.get("/login").get_data(as_text=True)
    response = browser.post("/language", {"lang": "en", "next": "/login"}, form_page="/login")
    assert response.headers["Location"] == "/login"


def test_statuses_made_by_pure_code_are_translated(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    from dx_assess.extensions import db
    from dx_assess.models import Municipality
    from tests.support.answers import open_test_round

    town = db.session.scalar(select(Municipality).where(Municipality.code == "014630"))
    assert town is not None
    town.supported = True
    db.session.commit()
    open_test_round(2025, "2025.1")
    make_user("municipal", "014630", login="muni")
    browser.login("muni")
    assert "未着手" in browser.get("/").get_data(as_text=True)
    browser.post("/language", {"lang": "en", "next": "/"}, form_page="/")
    html = browser.get("/").get_data(as_text=True)
    assert "Not started" in html
    assert "未着手" not in html


# ------------------------------------------------------------ untranslated literals (issue 16)

#: Kana and kanji (punctuation alone, such as 「（」 or 「・」, is not text to translate).
JAPANESE = re.compile(r"[\u3041-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
#: N_ is dx_assess.core.messages.N_: a message that services raise and pages translate.
GETTEXT_CALLS = {"_", "gettext", "_l", "lazy_gettext", "ngettext", "lazy_ngettext", "N_"}

#: Where Japanese literals outside gettext are right, and why. A key is a path (a folder
#: ends with "/") or "path::name", name being the function or module-level variable.
ALLOWED_PYTHON = {
    "dx_assess/core/": "the pure layer: questionnaire content and checks, Japanese documents "
    "(PDF reports, the Excel answer file, CSV/Excel exports for Japanese Excel users) and "
    "labels that pages translate through the `label` filter (listed in dx_assess/web/labels.py)",
    # Services raise and report dx_assess.core.messages.Message (N_), which pages translate;
    # what stays Japanese here is a record, a document or a file, never a page's text.
    "dx_assess/services/accounts.py::ROLE_NAMES": "how the security log names roles (stored "
    "records); pages show these names through the `label` filter",
    "dx_assess/services/accounts.py::signed_in": "reasons stored in the security log (records)",
    "dx_assess/services/accounts.py::create_user": "the security log's detail (a record)",
    "dx_assess/services/excel_upload.py::reason": "the audit trail's reason (a record)",
    "dx_assess/services/statistics_upload.py::reason_text": "the audit trail's reason (a record)",
    "dx_assess/services/prefill.py::prefill": "the audit trail's reason (a record)",
    "dx_assess/services/notices.py::receipt": "a mail body, Japanese by design",
    "dx_assess/services/receipts.py": "the receipt and slip PDFs and their file names "
    "(Japanese documents)",
    "dx_assess/services/account_imports.py::passwords_csv": "the password file's header row "
    "(file contents, Japanese like the import file's)",
    "dx_assess/services/registry.py::lines": "the registry import's summary for the command line "
    "(operators, Japanese only)",
    "dx_assess/services/demo/": "demo data: synthetic answers, sections and names (data)",
    "dx_assess/cli/": "the command line for the prefecture's operators, Japanese only",
    "dx_assess/__main__.py": "the command line's help text",
    "dx_assess/config.py": "configuration errors at start-up, for operators",
    "dx_assess/gunicorn_conf.py": "configuration errors at start-up, for operators",
    "dx_assess/web/security.py": "a start-up refusal (debug mode in production), for operators",
    "dx_assess/web/health.py": "the operators' health check",
    "dx_assess/models/registry.py": "市・町・村 are the stored kinds of municipality (data)",
    "dx_assess/web/presenters.py": "市・町・村 are the stored kinds of municipality (data)",
    "dx_assess/web/registry/forms.py": "市・町・村 are the stored kinds of municipality (data)",
    "dx_assess/web/i18n.py": "「日本語」 is the language's own name in the language menu",
    "dx_assess/web/auth/throttle.py": "the reason stored in the security log (a record)",
    "dx_assess/web/answering/forms.py::__init__": "UnknownFieldType: a programming error",
    "dx_assess/web/dashboards/views.py::EXPORT_NAMES": "download file names (Japanese rule)",
    "dx_assess/web/dashboards/views.py::export_xlsx": "the export's 説明 sheet (Japanese)",
    "dx_assess/web/reports/views.py::batch_zip": "download file name (Japanese rule)",
    "dx_assess/web/rounds/views.py::round_status_csv": "download file name (Japanese rule)",
    "dx_assess/web/rounds/views.py::follow_up_csv": "download file name (Japanese rule)",
    "dx_assess/web/admin/views.py::users_import_passwords": "download file name (Japanese rule)",
}

#: Templates, and lines in them, where Japanese outside gettext is right.
ALLOWED_TEMPLATES = {
    "dx_assess/core/reports/": "PDF reports are Japanese documents",
    "dx_assess/web/answering/templates/survey/_question.html:'（未回答）'": "compared with "
    "the answer's display text (the core's marker for no answer), not shown",
    "dx_assess/web/templates/_registry_counts.html:'市'": "compared with the stored kind",
    "dx_assess/web/templates/_registry_counts.html:'町'": "compared with the stored kind",
    "dx_assess/web/templates/_registry_counts.html:'村'": "compared with the stored kind",
    "dx_assess/web/admin/templates/admin/import_upload.html:ログインID,氏名,役割,団体コード,"
    "メールアドレス": "an example of the file's header row, which is Japanese in every language",
    "dx_assess/web/admin/templates/admin/import_upload.html:shimukappu01,占冠村 総務課 山田,"
    "市町村職員,014630,yamada@example.jp": "an example line of the file (data, not text)",
}


def _allowed(key: str, allowed: dict[str, str]) -> bool:
    """``key`` ("path" or "path::scope") falls under an entry: its folder, its file, or its
    file and scope."""
    path = key.split("::")[0]
    return any(key == k or path == k or (k.endswith("/") and path.startswith(k)) for k in allowed)


def python_literals(path: Path, relative: str) -> list[str]:
    """Japanese string literals outside gettext calls and docstrings, as 'path::scope:line'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    scope_of: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if name in GETTEXT_CALLS:
                skip.update(id(sub) for sub in ast.walk(node))
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skip.add(id(first.value))  # a docstring

    # the innermost function (or module-level variable) a literal belongs to
    def mark(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = child.name
            elif scope == "" and isinstance(child, ast.Assign | ast.AnnAssign):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                inner = next((t.id for t in targets if isinstance(t, ast.Name)), "")
            scope_of[id(child)] = inner
            mark(child, inner)

    mark(tree, "")
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and JAPANESE.search(node.value)
        ):
            found.append(f"{relative}::{scope_of.get(id(node), '')}:{node.lineno}: {node.value!r}")
    return found


def test_the_literal_scan_finds_japanese_outside_gettext(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""ドキュメント"""\n'
        "from flask_babel import gettext as _\n"
        "def view():\n"
        '    """説明"""\n'
        '    ok = _("保存しました。")\n'
        '    ok2 = _("%(n)d件", n=3)\n'
        '    punct = "（・）"\n'
        '    return "保存しました。"  # 翻訳されない\n',
        encoding="utf-8",
    )
    assert python_literals(sample, "sample.py") == ["sample.py::view:8: '保存しました。'"]


def test_no_untranslated_japanese_literal_in_python() -> None:
    found = []
    for path in sorted((ROOT / "dx_assess").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for hit in python_literals(path, relative):
            key = hit.split(":")[0] + "::" + hit.split("::", 1)[1].split(":")[0]  # path::scope
            if not _allowed(key, ALLOWED_PYTHON):
                found.append(hit)
    assert found == [], "wrap in _() / _l() and translate, or allow with a reason"


TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
TEMPLATE_GETTEXT = re.compile(
    r"""\b(?:_|gettext|ngettext)\(\s*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
)


def template_literals(text: str) -> list[tuple[int, str]]:
    """Japanese text outside {{ _() }} and {% trans %}: in the HTML, or as a string literal
    inside a tag that is not gettext's argument."""
    text = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(
        r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}",
        lambda m: "\n" * m.group(0).count("\n"),
        text,
        flags=re.S,
    )
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        outside = TAG.sub(" ", line)
        inside = " ".join(TEMPLATE_GETTEXT.sub("", t) for t in TAG.findall(line))
        parts = re.split(r"<[^>]*>", outside) + re.findall(r"'[^']*'|\"[^\"]*\"", inside)
        found += [(number, p.strip()) for p in parts if JAPANESE.search(p)]
    return found


def test_the_template_scan_finds_japanese_outside_gettext() -> None:
    html = (
        "<h1>{{ _('回答') }}</h1>\n<p>{% trans %}説明{% endtrans %}</p>\n"
        "{# メモ #}\n<p>未翻訳</p>\n{{ x or '未回答' }}\n<p>{{ _('%(n)s点', n=pts(x)) }}（・）</p>"
    )
    assert template_literals(html) == [(4, "未翻訳"), (5, "'未回答'")]


def test_no_untranslated_japanese_text_in_templates() -> None:
    found = []
    for path in sorted((ROOT / "dx_assess").rglob("templates/**/*.html")):
        relative = path.relative_to(ROOT).as_posix()
        if _allowed(relative, ALLOWED_TEMPLATES):
            continue
        for number, text in template_literals(path.read_text(encoding="utf-8")):
            if f"{relative}:{text}" not in ALLOWED_TEMPLATES:
                found.append(f"{relative}:{number}: {text}")
    assert found == [], "wrap in {{ _('…') }} and translate, or allow with a reason"
