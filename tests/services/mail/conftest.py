"""The people and the round of the mail tests: 占冠村 in the support programme with two staff
accounts (one with an e-mail address), a colleague without one, and the prefecture."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import Municipality, User

TOWN = "014630"  # 占冠村
YAMADA = "yamada@town.shimukappu.example.jp"
TANAKA = "tanaka@town.shimukappu.example.jp"


@pytest.fixture
def people(smtp_app: Flask, registry: None, make_user: Callable[..., User]) -> dict[str, User]:
    town = db.session.scalar(select(Municipality).where(Municipality.code == TOWN))
    assert town is not None
    town.supported = True
    yamada = make_user("municipal", TOWN, login="yamada")
    tanaka = make_user("municipal", TOWN, login="tanaka")
    sato = make_user("municipal", TOWN, login="sato")  # no e-mail: gets nothing
    yamada.email, tanaka.email = YAMADA, TANAKA
    db.session.commit()
    return {
        "yamada": yamada,
        "tanaka": tanaka,
        "sato": sato,
        "pref": make_user("prefecture", login="pref"),
        "admin": make_user("admin", login="admin"),
    }
