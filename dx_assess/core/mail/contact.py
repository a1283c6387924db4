"""The prefecture's contact (問い合わせ先): shown in every page's footer, in every mail and on
report covers. Plain data, built from the settings by ``dx_assess.config.prefecture_contact``."""

from __future__ import annotations

from dataclasses import dataclass

from dx_assess.core.vocabulary import DEFAULT_DEPARTMENT


@dataclass(frozen=True)
class PrefectureContact:
    department: str = DEFAULT_DEPARTMENT
    phone: str = ""
    email: str = ""

    def lines(self) -> list[str]:
        """「問い合わせ先」 and its lines, for a mail or a report cover."""
        out = [self.department]
        if self.phone:
            out.append(f"電話: {self.phone}")
        if self.email:
            out.append(f"メール: {self.email}")
        return out

    def one_line(self) -> str:
        """The department with its phone in parentheses, e.g. for 「…にお問い合わせください」."""
        return f"{self.department}（電話 {self.phone}）" if self.phone else self.department
