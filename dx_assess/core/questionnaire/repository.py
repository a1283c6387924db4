"""Questionnaire files under a root folder (``questionnaires/<key>/<file>.yaml``).

Pure functions the CLI calls: :func:`check_root`, :func:`discover`, :func:`load_version`,
:func:`resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dx_assess.core.questionnaire.errors import Problem, QuestionnaireError, sort_problems
from dx_assess.core.questionnaire.loader import content_hash, read_questionnaire
from dx_assess.core.questionnaire.mapping import check_mapping
from dx_assess.core.questionnaire.model import Questionnaire


@dataclass(frozen=True)
class QuestionnaireFileInfo:
    path: Path
    name: str  # path relative to the root, used in messages
    content_hash: str
    questionnaire: Questionnaire | None  # None when the file has problems
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.questionnaire is not None

    @property
    def key(self) -> str | None:
        return self.questionnaire.key if self.questionnaire else None

    @property
    def version(self) -> str | None:
        return self.questionnaire.version if self.questionnaire else None


def questionnaire_files(root: Path) -> list[Path]:
    """``*.yaml`` / ``*.yml`` files under ``root`` (skipping names starting with ``_`` or ``.``)."""
    files = [p for pattern in ("*.yaml", "*.yml") for p in Path(root).rglob(pattern)]
    return sorted(
        p
        for p in files
        if not any(part.startswith(("_", ".")) for part in p.relative_to(root).parts)
    )


def _sort_key(info: QuestionnaireFileInfo) -> tuple[str, int, str, str]:
    q = info.questionnaire
    return (q.key, q.fiscal_year, q.version, info.name) if q else ("~", 0, "", info.name)


def _read_one(path: Path, name: str) -> QuestionnaireFileInfo:
    """One file, loaded and checked; whatever goes wrong is a problem of this file only, so
    one broken file never hides the others (the loader bounds size, nesting, aliases and
    formulas; the last ``except`` is the boundary for anything it did not foresee)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        message = f"ファイルを読めません（{exc.strerror or type(exc).__name__}）"
        return QuestionnaireFileInfo(path, name, "", None, (Problem(name, "", message),))
    try:
        questionnaire, problems = read_questionnaire(data, name)
    except Exception as exc:  # the per-file boundary, see the docstring
        message = f"このファイルを読み込めませんでした（{type(exc).__name__}）"
        questionnaire, problems = None, [Problem(name, "", message)]
    return QuestionnaireFileInfo(path, name, content_hash(data), questionnaire, tuple(problems))


def discover(root: Path) -> list[QuestionnaireFileInfo]:
    """Every questionnaire file under ``root``, loaded and checked on its own.

    Sorted by key, fiscal year and version; files with problems come last.
    """
    infos = [
        _read_one(path, path.relative_to(root).as_posix()) for path in questionnaire_files(root)
    ]
    return sorted(infos, key=_sort_key)


def folder_problem(root: Path) -> Problem | None:
    """Why ``root`` cannot be the questionnaire folder: missing, not a folder, or without
    any questionnaire file (None when it is fine)."""
    hint = "設定 DX_QUESTIONNAIRES_DIR を確かめてください"
    if not Path(root).exists():
        return Problem(str(root), "", f"調査票のフォルダがありません（{hint}）")
    if not Path(root).is_dir():
        return Problem(str(root), "", f"調査票のフォルダではなくファイルです（{hint}）")
    if not questionnaire_files(root):
        return Problem(str(root), "", f"調査票のファイル（.yaml）が 1 つもありません（{hint}）")
    return None


def check_root(root: Path) -> list[Problem]:
    """All problems in all files under ``root``, plus checks across files:
    a (key, version) used twice, the folder name differing from the key, a declared
    previous version that does not exist, and the version map against that version.
    A missing or empty folder is a problem, never "no problems"."""
    missing = folder_problem(root)
    if missing is not None:
        return [missing]
    infos = discover(root)
    problems = [p for info in infos for p in info.problems]
    seen: dict[tuple[str, str], QuestionnaireFileInfo] = {}
    for info in infos:
        q = info.questionnaire
        if q is None:
            continue
        folder = Path(info.name).parent.name
        if folder and folder != q.key:
            message = f"フォルダ名「{folder}」と key「{q.key}」が違います"
            problems.append(Problem(info.name, "key", message))
        other = seen.get((q.key, q.version))
        if other is not None:
            problems.append(
                Problem(
                    info.name, "version", f"{q.key} の版 {q.version} は {other.name} にもあります"
                )
            )
        seen[(q.key, q.version)] = info
    for info in infos:
        q = info.questionnaire
        if q is None or q.version_map is None:
            continue
        prev_info = seen.get((q.key, q.version_map.previous_version))
        if prev_info is None or prev_info.questionnaire is None:
            problems.append(
                Problem(
                    info.name,
                    "previous.version",
                    f"前の版 {q.version_map.previous_version} が見つかりません",
                    q.version_map.line,
                )
            )
            continue
        prev = prev_info.questionnaire
        if prev.fiscal_year > q.fiscal_year:
            problems.append(
                Problem(
                    info.name, "fiscal_year", f"前の版 {prev.version} より前の年度になっています"
                )
            )
        problems.extend(check_mapping(prev, q))
    return sort_problems(problems)


def load_version(root: Path, key: str, version: str) -> Questionnaire:
    """The questionnaire ``key`` at ``version``.

    Raises :class:`LookupError` if no loadable file has that key and version.
    """
    infos = discover(root)
    for info in infos:
        q = info.questionnaire
        if q is not None and q.key == key and q.version == version:
            return q
    broken = [i.name for i in infos if not i.ok]
    hint = f"（問題があって読めないファイル: {'、'.join(broken)}）" if broken else ""
    raise LookupError(f"調査票 {key} の版 {version} が見つかりません{hint}")


def resolve(root: Path, spec: str) -> Questionnaire:
    """A questionnaire named by a file path, ``KEY:VERSION`` or a bare ``VERSION``."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        questionnaire, problems = read_questionnaire(path.read_bytes(), path.name)
        if questionnaire is None:
            raise QuestionnaireError(problems)
        return questionnaire
    if ":" in spec:
        key, version = spec.split(":", 1)
        return load_version(root, key, version)
    found = [
        i.questionnaire
        for i in discover(root)
        if i.questionnaire is not None and i.questionnaire.version == spec
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        raise LookupError(f"版 {spec} の調査票が見つかりません")
    raise LookupError(f"版 {spec} の調査票が複数あります。KEY:VERSION の形で指定してください")


def latest_versions(root: Path) -> dict[str, Questionnaire]:
    """For each key, the loadable questionnaire with the latest fiscal year and version."""
    out: dict[str, Questionnaire] = {}
    for info in discover(root):
        if info.questionnaire is not None:
            out[info.questionnaire.key] = info.questionnaire  # discover() sorts ascending
    return out


def format_file_list(infos: list[QuestionnaireFileInfo]) -> list[str]:
    """One Japanese line per file (for ``dx-assess questionnaire list``)."""
    lines = []
    for info in infos:
        q = info.questionnaire
        if q is None:
            count = len(info.problems)
            lines.append(
                f"{info.name}  読み込めません（問題 {count} 件。check で確かめてください）"
            )
            continue
        lines.append(
            f"{q.key}  版 {q.version}  {q.fiscal_year}年度  {q.title.ja}  "
            f"設問 {len(q.questions)} 問  sha256:{info.content_hash[:12]}  {info.name}"
        )
    return lines
