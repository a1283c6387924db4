"""The mail settings and the prefecture's contact: defaults, conversions, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from dx_assess.config import ConfigError, build_config, prefecture_contact
from dx_assess.core.mail import PrefectureContact
from dx_assess.core.vocabulary import DEFAULT_DEPARTMENT

KEY = {"SECRET_KEY": "x" * 40}


def config(tmp_path: Path, environ: dict[str, str]) -> dict[str, object]:
    return build_config(tmp_path, {}, {**KEY, **environ}, None)


def test_defaults_keep_mail_in_the_outbox(tmp_path: Path) -> None:
    cfg = config(tmp_path, {})
    assert cfg["DX_MAIL_BACKEND"] == "outbox"
    assert cfg["DX_PASSWORD_RESET_MINUTES"] == 60
    assert cfg["DX_REMINDER_DAYS"] == (1, 7)
    assert prefecture_contact(cfg) == PrefectureContact(DEFAULT_DEPARTMENT, "", "")


def test_smtp_settings_from_the_environment(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        {
            "DX_MAIL_BACKEND": "SMTP",
            "DX_SMTP_HOST": "mail.pref.example.jp",
            "DX_SMTP_PORT": "587",
            "DX_SMTP_STARTTLS": "1",
            "DX_SMTP_TIMEOUT": "15",
            "DX_BASE_URL": "https://dx.pref.example.jp/",
            "DX_REMINDER_DAYS": "14, 3,1",
            "DX_DEPARTMENT": "北海道 DX推進課",
            "DX_CONTACT_PHONE": "011-204-5000",
            "DX_CONTACT_EMAIL": "dx@pref.example.jp",
        },
    )
    assert cfg["DX_MAIL_BACKEND"] == "smtp"
    assert (cfg["DX_SMTP_PORT"], cfg["DX_SMTP_TIMEOUT"]) == (587, 15)
    assert cfg["DX_SMTP_STARTTLS"] is True
    assert cfg["DX_SMTP_SSL"] is False
    assert cfg["DX_BASE_URL"] == "https://dx.pref.example.jp"
    assert cfg["DX_REMINDER_DAYS"] == (1, 3, 14)
    contact = prefecture_contact(cfg)
    assert contact.lines() == [
        "北海道 DX推進課",
        "電話: 011-204-5000",
        "メール: dx@pref.example.jp",
    ]
    assert contact.one_line() == "北海道 DX推進課（電話 011-204-5000）"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DX_MAIL_BACKEND": "sendmail"}, "DX_MAIL_BACKEND は outbox または smtp"),
        ({"DX_MAIL_BACKEND": "smtp", "DX_BASE_URL": "https://x.jp"}, "DX_SMTP_HOST"),
        ({"DX_MAIL_BACKEND": "smtp", "DX_SMTP_HOST": "mail"}, "DX_BASE_URL"),
        ({"DX_SMTP_PORT": "twenty-five"}, "DX_SMTP_PORT は整数"),
        ({"DX_PASSWORD_RESET_MINUTES": "1"}, "DX_PASSWORD_RESET_MINUTES は 5 以上"),
        ({"DX_SMTP_STARTTLS": "1", "DX_SMTP_SSL": "1"}, "どちらか一方"),
        ({"DX_REMINDER_DAYS": "7,-1"}, "DX_REMINDER_DAYS"),
        ({"DX_BASE_URL": "dx.example.jp"}, "http:// または https://"),
    ],
)
def test_bad_mail_settings_are_refused_in_japanese(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        config(tmp_path, environ)


def test_smtp_password_is_masked_by_config_show() -> None:
    from dx_assess.cli.config import masked

    assert masked("DX_SMTP_PASSWORD", "hunter22") == "********（8文字）"
