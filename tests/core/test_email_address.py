"""The one e-mail address check shared by contacts, account imports and the account service."""

from __future__ import annotations

import pytest

from dx_assess.core.email_address import EMAIL_MAX, email_message, is_email_address


@pytest.mark.parametrize(
    "text",
    [
        "taro@town.example.lg.jp",
        "soumu.ka+dx@town.shimukappu.example.jp",
        "a@b.jp",
        "x" * (EMAIL_MAX - len("@town.example.jp")) + "@town.example.jp",
    ],
)
def test_addresses_are_accepted(text: str) -> None:
    assert is_email_address(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "taro",
        "taro@",
        "@town.example.jp",
        "taro@localhost",
        "a@b@c.jp",
        "taro@town..jp",
        "taro @town.example.jp",
        "たろう@town.example.jp",
        "soumu@town",
        "x" * (EMAIL_MAX + 1 - len("@town.example.jp")) + "@town.example.jp",
    ],
)
def test_what_is_not_an_address_is_refused(text: str) -> None:
    assert not is_email_address(text)


def test_the_message_for_a_file_names_what_was_typed() -> None:
    assert email_message("bad@") == (
        "メールアドレス「bad@」の形が正しくありません（例: taro@town.example.lg.jp）。"
    )
