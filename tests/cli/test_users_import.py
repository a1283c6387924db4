"""``dx-assess users import``: the admin page's bulk creation from the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import User

GOOD = (
    "ログインID,氏名,役割,団体コード,メールアドレス\n"
    "shimukappu01,占冠村 総務課 山田,市町村職員,014630,yamada@example.jp\n"
    "adv.kato,加藤 アドバイザー,アドバイザー,,\n"
)


def logins() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(User.login)))


def test_dry_run_create_and_refusal(app: object, registry: None, tmp_path: Path) -> None:
    runner = app.test_cli_runner()  # type: ignore[attr-defined]
    table = tmp_path / "accounts.csv"
    table.write_bytes(GOOD.encode("cp932"))
    result = runner.invoke(args=["users", "import", str(table), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2行目\tshimukappu01\t占冠村 総務課 山田\t市町村職員（占冠村）" in result.output
    assert "2件を作成できます" in result.output
    assert logins() == []

    out = tmp_path / "passwords.csv"
    result = runner.invoke(args=["users", "import", str(table), "--passwords", str(out)])
    assert result.exit_code == 0, result.output
    assert logins() == ["adv.kato", "shimukappu01"]
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [r["ログインID"] for r in rows] == ["shimukappu01", "adv.kato"]
    assert all(len(r["初期パスワード"]) == 14 for r in rows)
    assert out.stat().st_mode & 0o077 == 0  # readable by its owner only

    # the same file again: every login is taken, nothing created, each line named
    again = runner.invoke(
        args=["users", "import", str(table), "--passwords", str(tmp_path / "b.csv")]
    )
    assert again.exit_code == 1
    assert "2行目 「ログインID」: ログインID「shimukappu01」は既に使われています。" in again.output
    assert not (tmp_path / "b.csv").exists()
    assert logins() == ["adv.kato", "shimukappu01"]
