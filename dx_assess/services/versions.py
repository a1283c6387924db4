"""Publishing questionnaire versions: the one place that writes ``questionnaire_version``.

A version is registered with the hash of its file when it is published (explicitly, or when a
round first uses it). From then on it is immutable: a file whose content changed under a
published version is refused with a message to bump the version. Rounds load the definition
from the stored content, never from the file, so editing files cannot change a running round.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from dx_assess.core.messages import N_, Message
from dx_assess.core.questionnaire import (
    Problem,
    Questionnaire,
    QuestionnaireFileInfo,
    check_root,
    discover,
    read_questionnaire,
)
from dx_assess.core.questionnaire.bindings import ROLES, Bindings, resolve_bindings
from dx_assess.core.shipped import content_dir
from dx_assess.core.vocabulary import jst
from dx_assess.models import QuestionnaireVersion
from dx_assess.models.base import DbSession

DEFAULT_ROOT = content_dir("questionnaires")


class PublishError(ValueError):
    def __init__(self, messages: list[Message]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def questionnaire_root() -> Path:
    """The folder of questionnaire files (``DX_QUESTIONNAIRES_DIR``, default ./questionnaires)."""
    return Path(current_app.config.get("DX_QUESTIONNAIRES_DIR") or DEFAULT_ROOT)


@dataclass(frozen=True)
class VersionStatus:
    """A file's version as the database knows it."""

    key: str
    version: str
    name: str
    fiscal_year: int
    title: str
    question_count: int
    published_at: str | None  # Japan time, or None when not published
    changed_since_published: bool


def _published(session: DbSession, key: str, version: str) -> QuestionnaireVersion | None:
    return session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == key, QuestionnaireVersion.version == version
        )
    )


def _bump_message(info: QuestionnaireFileInfo, row: QuestionnaireVersion) -> Message:
    return N_(
        "%(file)s: %(key)s の版 %(version)s は %(at)s に公開済みですが、"
        "ファイルの内容が公開時と違います。公開済みの版は変更できません。"
        "version を上げた新しいファイルを作り、previous で前の版との対応を書いてください"
        "（questionnaires/README.md の「版を上げる」）。",
        file=info.name,
        key=row.key,
        version=row.version,
        at=jst(row.published_at),
    )


def statuses(session: DbSession, root: Path) -> list[VersionStatus]:
    """Every loadable file under ``root`` with its publication state."""
    out = []
    for info in discover(root):
        q = info.questionnaire
        if q is None:
            continue
        row = _published(session, q.key, q.version)
        out.append(
            VersionStatus(
                key=q.key,
                version=q.version,
                name=info.name,
                fiscal_year=q.fiscal_year,
                title=str(q.title),
                question_count=len(q.questions),
                published_at=jst(row.published_at) if row else None,
                changed_since_published=row is not None and row.content_hash != info.content_hash,
            )
        )
    return out


def check_files(session: DbSession, root: Path) -> list[str]:
    """Problems in the files, plus files changed under an already published version."""
    return [str(p) for p in check_root(root)] + published_changes(session, root)


def broken_files(root: Path) -> list[QuestionnaireFileInfo]:
    """The files under ``root`` that cannot be loaded (each with its problems)."""
    return [info for info in discover(root) if not info.ok]


def published_changes(session: DbSession, root: Path) -> list[str]:
    """Files whose content differs from the version published under the same key/version."""
    messages: list[str] = []
    for info in discover(root):
        q = info.questionnaire
        if q is None:
            continue
        row = _published(session, q.key, q.version)
        if row is not None and row.content_hash != info.content_hash:
            messages.append(_bump_message(info, row))
    return messages


def publish(
    session: DbSession, root: Path, key: str, version: str, *, actor: str
) -> tuple[QuestionnaireVersion, bool]:
    """Register ``key``/``version`` from its file. Returns (row, created).

    Publishing an unchanged file again is harmless (created is False). Raises PublishError
    if the file is missing, has any problem, or differs from what was published.
    """
    all_infos = discover(root)
    infos = [i for i in all_infos if i.key == key and i.version == version]
    if not infos:
        messages = [
            N_(
                "調査票 %(key)s の版 %(version)s のファイルが %(root)s にありません。",
                key=key,
                version=version,
                root=str(root),
            )
        ]
        broken = [p for i in all_infos if not i.ok for p in i.problems]
        if broken:
            messages.append(
                N_("問題があって読み込めないファイルがあります（そのどれかかもしれません）:")
            )
            messages += [Message(str(p)) for p in broken]
        raise PublishError(messages)
    if len(infos) > 1:
        names = "、".join(i.name for i in infos)
        raise PublishError(
            [
                N_(
                    "調査票 %(key)s の版 %(version)s のファイルが複数あります: %(names)s",
                    key=key,
                    version=version,
                    names=names,
                )
            ]
        )
    info = infos[0]
    problems: list[Problem] = [p for p in check_root(root) if p.file == info.name]
    if problems:
        raise PublishError([Message(str(p)) for p in problems])
    data = info.path.read_bytes()
    row = _published(session, key, version)
    if row is not None:
        if row.content_hash != info.content_hash:
            raise PublishError([_bump_message(info, row)])
        return row, False
    questionnaire = info.questionnaire
    if questionnaire is None:  # cannot happen without problems; never publish a broken file
        raise PublishError([N_("%(file)s を読み込めません。", file=info.name)])
    row = QuestionnaireVersion(
        key=key,
        version=version,
        fiscal_year=questionnaire.fiscal_year,
        title=str(questionnaire.title)[:200],
        content_hash=info.content_hash,
        source_name=info.name,
        content=data.decode("utf-8"),
        published_by=actor[:64],
    )
    session.add(row)
    session.flush()
    return row, True


def _published_later(session: DbSession, row: QuestionnaireVersion) -> list[QuestionnaireVersion]:
    """The published versions of ``row``'s key from its fiscal year on (``row`` left out)."""
    return list(
        session.scalars(
            select(QuestionnaireVersion)
            .where(
                QuestionnaireVersion.key == row.key,
                QuestionnaireVersion.fiscal_year >= row.fiscal_year,
                QuestionnaireVersion.id != row.id,
            )
            .order_by(QuestionnaireVersion.fiscal_year, QuestionnaireVersion.version)
        )
    )


def binding_sources(session: DbSession, row: QuestionnaireVersion) -> list[Questionnaire]:
    """The versions that may lend ``row`` the bindings it does not declare: the later versions
    of its key as published, and the files of later versions not published yet (a published
    version never changes, so the bindings of 2025.1 come from 2026.1's file and map). Empty
    when ``row`` declares every role itself."""
    questionnaire = load_published(row)
    if all(questionnaire.binding(role) for role in ROLES):
        return []
    later = {r.version: load_published(r) for r in _published_later(session, row)}
    for info in discover(questionnaire_root()):
        q = info.questionnaire
        if (
            q is not None
            and q.key == row.key
            and q.version != row.version
            and q.version not in later
            and q.fiscal_year >= row.fiscal_year
        ):
            later[q.version] = q
    return list(later.values())


def published_bindings(session: DbSession, row: QuestionnaireVersion) -> Bindings:
    """The bindings of a published version: those it declares, the others traced back from
    the later versions (:func:`binding_sources`) through their maps."""
    return resolve_bindings(load_published(row), binding_sources(session, row))


#: Parsed published versions of this process by (id, content hash, file name): a version is
#: immutable, so its content (~43 KB, deferred on the model) is read from the database only
#: the first time a process needs it, not on every request.
_parsed_versions: dict[tuple[int, str, str], Questionnaire] = {}


def load_published(row: QuestionnaireVersion) -> Questionnaire:
    """The definition exactly as published (from the stored content, not the file)."""
    cache_key = (row.id, row.content_hash, row.source_name)
    cached = _parsed_versions.get(cache_key)
    if cached is not None:
        return cached
    questionnaire, problems = read_questionnaire(row.content.encode("utf-8"), row.source_name)
    if questionnaire is None:  # it loaded when it was published; the loader must not regress
        raise PublishError([Message(str(p)) for p in problems])
    if len(_parsed_versions) >= 64:
        _parsed_versions.pop(next(iter(_parsed_versions)))
    _parsed_versions[cache_key] = questionnaire
    return questionnaire
