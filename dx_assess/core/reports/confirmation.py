"""The 確認票 (for the section chief's approval before submitting) and the 提出控え (the
answers as submitted) as plain data for ``reports/confirmation.html`` (pure).

Both are drawn from the same :class:`~dx_assess.core.answers.review.Review` as the review
page, so the paper says what the page said.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from dx_assess.core.answers.review import Review, SlipContext
from dx_assess.core.reports.text import printable_tree

KIND = "confirmation"  # the report kind (template reports/confirmation.html)


def slip_context(review: Review, slip: SlipContext) -> dict[str, Any]:
    """The template's ``r``: what the slip is, the counts and every answer by section."""
    context: dict[str, Any] = {
        **asdict(slip),
        "contact_rows": slip.contact.rows,
        "contact_empty": slip.contact.empty,
        "count_text": review.count_text,
        "answered": review.answered,
        "applicable": review.applicable,
        "missing": review.missing,
        "warning_count": review.warning_count,
        "loose_warnings": list(review.warnings),
        "sections": [
            {
                "number": s.number,
                "title": s.title,
                "items": [asdict(i) for i in s.items],
            }
            for s in review.sections
        ],
    }
    return printable_tree(context)  # type: ignore[no-any-return]
