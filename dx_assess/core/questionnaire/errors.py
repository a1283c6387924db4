"""Problems found while reading or checking questionnaire files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in a questionnaire file.

    ``path`` is the location inside the file, e.g. ``sections[2].questions[4].choices[1]``
    (list positions count from 0); ``line`` is 1-based when known.
    """

    file: str
    path: str
    message: str
    line: int | None = None
    question_id: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.path:
            parts.append(self.path)
        if self.question_id:
            parts.append(f"[{self.question_id}]")
        parts.append(self.message)
        return " ".join(parts)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order (by file, then line), keeping the order of equal lines."""
    return sorted(problems, key=lambda p: (p.file, p.line if p.line is not None else 0))


class QuestionnaireError(Exception):
    """Raised when a questionnaire file has problems; carries all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        lines = [f"調査票ファイルに {count} 件の問題があります。"]
        lines.extend(str(p) for p in self.problems)
        return "\n".join(lines)


class AnswerError(ValueError):
    """An answer value that does not fit its question (message in Japanese)."""

    def __init__(self, question_id: str, message: str) -> None:
        self.question_id = question_id
        self.message = message
        super().__init__(f"[{question_id}] {message}")
