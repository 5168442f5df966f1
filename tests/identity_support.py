"""Accounts whose holder's identity was checked: by the national e-ID or by an officer who saw the card
(engine.cases.eid.account_for and engine.cases.citizens.create_at_desk set ``User.identity_checked``). Only such an
account sees the dossiers filed for its CCCD by others (D2, D4). A test about what the owner of such a dossier sees
starts from a checked account, as the demo citizen is one; how an account gets checked, and what an unchecked one
sees, is tests/test_identity_checked.py's."""
from __future__ import annotations

from sqlalchemy import select

from engine.data.model import User


def checked(app, username: str, how: str = "desk") -> None:
    """The account ``username`` as the one-stop leaves it once the officer has seen its holder's card."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        session.scalar(select(User).where(User.username == username)).identity_checked = how
