"""The citizen accounts' queries are served by indexes on PostgreSQL: the administrators' search by CCCD or
phone and its pages, the recovery page's look-up by CCCD or phone and its per-address count read index ranges,
never the account table whole (the way tests/test_query_plans.py checks the dossiers' pages)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from test_query_plans import captured, nodes

from engine.cases import citizens
from engine.data.model import User

pytestmark = pytest.mark.postgresql
COPIES = 5000


@pytest.fixture
def backend():
    return "postgresql"


def explained(engine, statements) -> list[tuple[str, list]]:
    out = []
    with engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            if statement.lstrip().upper().startswith("SELECT") and (
                    "FROM user_account" in statement or "FROM recovery_attempt" in statement):
                plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()[0]["Plan"]
                out.append((statement, list(nodes(plan))))
    assert out
    return out


def test_search_and_recovery_read_their_indexes(app, clock):
    engine, sessions = app.extensions["tthc"]["engine"], app.extensions["tthc"]["sessions"]
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO user_account (username, password_hash, full_name, roles, cccd, phone, standardised, created_at) "
            "SELECT '0461' || lpad(CAST(g AS text), 8, '0'), '!', 'Công dân ' || g, 'citizen', "
            "'0461' || lpad(CAST(g AS text), 8, '0'), '09' || lpad(CAST(g AS text), 8, '0'), true, now() "
            "FROM generate_series(1, :n) g"), {"n": COPIES})
        conn.execute(text("INSERT INTO recovery_attempt (remote_addr, at) SELECT '10.0.' || (g % 250) || '.1', "
                          "now() - g * interval '1 second' FROM generate_series(1, :n) g"), {"n": COPIES})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    now = clock.now()
    with sessions() as session, captured(engine) as seen:
        admin = session.scalar(select(User).where(User.username == "demo.admin"))
        first = citizens.search(session, admin)
        citizens.search(session, admin, before=first[-1].id)
        citizens.search(session, admin, "046100001234")
        citizens.search(session, admin, "0900001234")
        citizens.recoverable(session, "046100001234")
        citizens.recoverable(session, "0900001234")
        citizens.count_recovery(session, "10.9.9.9", now + timedelta(seconds=1))
        session.rollback()
    found = explained(engine, seen)
    assert [s[:200] for s, plan in found if any(n["Node Type"] == "Seq Scan" for n in plan)] == []
    used = {s: {n.get("Index Name") for n in plan} - {None} for s, plan in found}
    assert any("ix_user_account_phone" in names for names in used.values())
    assert any("ix_user_account_cccd" in names for names in used.values())
    assert any("ix_recovery_attempt_remote_addr_at" in names for names in used.values())
    by_phone = [s for s in used if "user_account.phone IN" in s]  # both ways of writing a number: 09…, +849…
    assert by_phone and all("ix_user_account_phone" in used[s] for s in by_phone)
    paged = [s for s in used if "ORDER BY user_account.id DESC" in s and "user_account.phone IN" not in s
             and "user_account.cccd =" not in s]
    assert paged and all("pk_user_account" in used[s] for s in paged)
