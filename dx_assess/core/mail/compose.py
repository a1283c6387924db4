"""The text of every mail the service sends: Japanese, plain text with a short HTML part, each
ending with whom to contact (問い合わせ先). Pure: dates, names and absolute links come in as
arguments."""

from __future__ import annotations

import enum
import html
from dataclasses import dataclass
from datetime import date, datetime

from dx_assess.core.mail.contact import PrefectureContact
from dx_assess.core.vocabulary import JST, wareki

SERVICE_NAME = "北海道 市町村DX成熟度調査"


class MailKind(enum.StrEnum):
    ROUND_OPENED = "round_opened"  # 調査開始のお知らせ
    REMINDER = "reminder"  # 締切前のお願い（未提出の団体へ）
    SENT_BACK = "sent_back"  # 差し戻しのお知らせ
    RECEIPT = "receipt"  # 提出の受付（提出控え）
    PASSWORD_RESET = "password_reset"  # パスワード再設定  # noqa: S105

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    MailKind.ROUND_OPENED: "調査開始のお知らせ",
    MailKind.REMINDER: "締切前のお願い",
    MailKind.SENT_BACK: "差し戻しのお知らせ",
    MailKind.RECEIPT: "提出の受付",
    MailKind.PASSWORD_RESET: "パスワード再設定",
}


@dataclass(frozen=True)
class MailContent:
    kind: MailKind
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Link:
    label: str
    url: str


def _compose(
    kind: MailKind,
    topic: str,
    greeting: str,
    paragraphs: list[str],
    links: list[_Link],
    contact: PrefectureContact,
) -> MailContent:
    """The plain text and the HTML of one mail from the same parts; its subject is ``topic``
    after the service's name in 【】."""
    subject = f"【{SERVICE_NAME}】{topic}"
    text_lines = [greeting, ""]
    for paragraph in paragraphs:
        text_lines += [paragraph, ""]
    for link in links:
        text_lines += [f"■ {link.label}", link.url, ""]
    text_lines += [
        "このメールは送信専用のアドレスから送っています。ご不明な点は下記の問い合わせ先に"
        "ご連絡ください。",
        "",
        "――――――――――",
        "問い合わせ先",
        *contact.lines(),
        "――――――――――",
        SERVICE_NAME,
        "",
    ]
    e = html.escape
    parts = [f"<p>{e(greeting)}</p>"]
    parts += [f"<p>{e(p).replace(chr(10), '<br>')}</p>" for p in paragraphs]
    parts += [f'<p><a href="{e(link.url)}">{e(link.label)}</a></p>' for link in links]
    parts.append("<p>問い合わせ先: " + "<br>".join(e(line) for line in contact.lines()) + "</p>")
    parts.append(f"<p>{e(SERVICE_NAME)}</p>")
    body = "\n".join(parts)
    page = (
        '<!doctype html>\n<html lang="ja"><head><meta charset="utf-8">'
        f"<title>{e(subject)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )
    return MailContent(kind, subject, "\n".join(text_lines), page)


def _greeting(municipality: str | None, name: str | None = None) -> str:
    whom = f"{name} 様" if name else "ご担当者 様"
    return f"{municipality} {whom}" if municipality else whom


def round_opened(
    *,
    round_title: str,
    municipality: str,
    opens_on: date,
    closes_on: date,
    answer_url: str,
    contact: PrefectureContact,
    today: date,
) -> MailContent:
    """A new round (調査回) to answer: when it opens, the deadline, the link to the response."""
    starts = (
        f"{wareki(opens_on)}から回答できます。"
        if opens_on > today
        else "本日から回答できます。"
        if opens_on == today
        else f"{wareki(opens_on)}から回答を受け付けています。"
    )
    paragraphs = [
        f"「{round_title}」を開始します。{starts}",
        f"回答の締切は {wareki(closes_on)} です。下のリンクからログインして回答してください。"
        "前回の回答を引き継ぐこともできます。",
    ]
    return _compose(
        MailKind.ROUND_OPENED,
        f"{round_title}のご案内（締切 {wareki(closes_on)}）",
        _greeting(municipality),
        paragraphs,
        [_Link("回答する", answer_url)],
        contact,
    )


def reminder(
    *,
    round_title: str,
    municipality: str,
    closes_on: date,
    today: date,
    answer_url: str,
    contact: PrefectureContact,
) -> MailContent:
    """A reminder to a municipality that has not submitted yet."""
    days = (closes_on - today).days
    left = "本日が締切です。" if days == 0 else f"締切まであと{days}日です。"
    paragraphs = [
        f"「{round_title}」の回答の締切は {wareki(closes_on)} です（{left}）。"
        "まだ提出されていないため、お知らせします。",
        "回答は途中まで保存されています。下のリンクから続きを入力し、最後に「提出する」を"
        "押してください。行き違いで提出済みの場合は、このメールは破棄してください。",
    ]
    return _compose(
        MailKind.REMINDER,
        f"{round_title}の締切（{wareki(closes_on)}）が近づいています",
        _greeting(municipality),
        paragraphs,
        [_Link("回答を続ける", answer_url)],
        contact,
    )


def sent_back(
    *,
    round_title: str,
    municipality: str,
    reason: str,
    closes_on: date,
    answer_url: str,
    contact: PrefectureContact,
) -> MailContent:
    """A submitted response sent back (差し戻し) with its reason."""
    paragraphs = [
        f"提出いただいた「{round_title}」の回答を、道で確認したうえで差し戻しました。"
        "理由は次のとおりです。",
        f"差し戻しの理由:\n{reason.strip()}",
        "下のリンクから回答を直して、もう一度「提出する」を押してください"
        f"（調査の締切: {wareki(closes_on)}）。",
    ]
    return _compose(
        MailKind.SENT_BACK,
        f"{round_title}の回答が差し戻されました",
        _greeting(municipality),
        paragraphs,
        [_Link("回答を直す", answer_url)],
        contact,
    )


def submission_receipt(
    *,
    round_title: str,
    municipality: str,
    submitted_at: datetime,
    submitted_by: str,
    overview_url: str,
    contact: PrefectureContact,
    with_copy: bool = False,
) -> MailContent:
    """The receipt of a submission; ``with_copy``: the 提出控え PDF is attached."""
    at = submitted_at.astimezone(JST)
    when = f"{wareki(at.date())} {at.hour}時{at.minute:02d}分"
    paragraphs = [
        f"「{round_title}」の回答の提出を受け付けました。ご協力ありがとうございました。",
        f"団体: {municipality}\n提出日時: {when}\n提出した方: {submitted_by}",
        (
            "提出した内容の控え（PDF）を添付しています。"
            if with_copy
            else "提出した内容は下のリンクから確認できます。"
        )
        + "直す必要がある場合は、問い合わせ先に差し戻しを依頼してください。",
    ]
    return _compose(
        MailKind.RECEIPT,
        f"{round_title}の提出を受け付けました（{municipality}）",
        _greeting(municipality),
        paragraphs,
        [_Link("提出した回答を見る", overview_url)],
        contact,
    )


def password_reset(
    *,
    display_name: str,
    login: str,
    reset_url: str,
    valid_minutes: int,
    contact: PrefectureContact,
) -> MailContent:
    """The single-use link that sets a new password."""
    paragraphs = [
        f"ログインID「{login}」のパスワードの再設定を受け付けました。"
        f"下のリンクを開いて、新しいパスワードを設定してください。リンクは{valid_minutes}分間、"
        "1回だけ使えます。",
        "このメールに心当たりがない場合は、何もしないでください。パスワードは変わりません。",
    ]
    return _compose(
        MailKind.PASSWORD_RESET,
        "パスワード再設定のご案内",
        f"{display_name} 様",
        paragraphs,
        [_Link("新しいパスワードを設定する", reset_url)],
        contact,
    )
