"""The response's contact person (回答担当者): checking what was typed (pure).

Forgiving: full-width digits, hyphens and ＠ are read as their half-width forms (NFKC), spaces
around are dropped; every field may be left empty. A phone number has 10 or 11 digits (with
hyphens or parentheses as the person likes, and an extension such as 「内線123」); an e-mail
address has one @ and a domain with a dot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from dx_assess.core.email_address import EMAIL_MESSAGE, is_email_address

#: Field → (maximum length, Japanese label); the lengths are the database columns'.
LIMITS: dict[str, tuple[int, str]] = {
    "name": (100, "氏名"),
    "section": (100, "所属（課・係）"),
    "phone": (40, "電話番号"),
    "email": (254, "メールアドレス"),
}
#: ``answer_change.question_id`` of a change of a contact field: ``contact.<field>``.
CONTACT_PREFIX = "contact."
#: Those ids → how the change history names them.
CONTACT_LABELS: dict[str, str] = {
    CONTACT_PREFIX + key: f"回答担当者（{label}）" for key, (_limit, label) in LIMITS.items()
}
_PHONE = re.compile(r"^[0-9()\-]+(内線[0-9]{1,6})?$")
_DASHES = str.maketrans({"－": "-", "ー": "-", "‐": "-", "−": "-", "―": "-", "–": "-"})


def _clean(value: object) -> str:
    text = value if isinstance(value, str) else ""
    return unicodedata.normalize("NFKC", text).strip()


def check_contact(raw: Mapping[str, object]) -> tuple[dict[str, str | None], dict[str, str]]:
    """(the values to store, None for empty; errors per field in Japanese)."""
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for key, (limit, label) in LIMITS.items():
        text = _clean(raw.get(key))
        if key == "phone":
            text = re.sub(r"\s+", "", text.translate(_DASHES))
        if key == "email":
            text = text.replace(" ", "")
        if len(text) > limit:
            errors[key] = f"{label}は{limit}文字以内で入力してください。"
        elif key == "phone" and text:
            digits = re.sub(r"内線[0-9]*$", "", text)
            count = sum(ch.isdigit() for ch in digits)
            if not _PHONE.match(text) or not 10 <= count <= 11:
                errors[key] = (
                    "電話番号は「0123-45-6789」のように、市外局番から数字（10桁か11桁）で"
                    "入力してください（ハイフンは省略できます）。"
                )
        elif key == "email" and text and not is_email_address(text):
            errors[key] = EMAIL_MESSAGE
        values[key] = text or None
    return values, errors
