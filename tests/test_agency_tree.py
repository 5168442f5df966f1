"""The province's tree as data (D29): paths, subtrees, moves, offers backfilled, one-time codes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases import codeseal, onetime
from engine.data import agencies
from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.db import make_engine, make_sessionmaker
from engine.data.model import Procedure, User
from engine.data.notice_model import Notice


@pytest.fixture
def sessions(settings):
    engine = make_engine(settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _tree(session):
    province = agencies.place(session, Agency(code="000.00.00.H56", name="UBND tỉnh", level="province"), None)
    centre = agencies.place(session, Agency(code="000.00.01.H56", name="Trung tâm", level="centre"), province)
    ward = agencies.place(session, Agency(code="000.00.31.H56", name="Phường A", level="commune"), province)
    other = agencies.place(session, Agency(code="000.00.32.H56", name="Phường B", level="commune"), province)
    return province, centre, ward, other


def test_a_subtree_is_a_prefix_and_a_move_carries_the_descendants(sessions):
    with sessions.begin() as session:
        province, centre, ward, other = _tree(session)
        assert ward.path == f"{province.path}{ward.id}/"
        below = set(session.scalars(agencies.subtree_ids(province)))
        assert {province.id, centre.id, ward.id, other.id} <= below
        assert set(session.scalars(agencies.subtree_ids(ward))) == {ward.id}
        assert agencies.holds(province, ward) and not agencies.holds(ward, other)
        branch = agencies.place(session, Agency(code="000.00.02.H56", name="Chi nhánh", level="centre"), centre)
        agencies.place(session, centre, ward)  # moved under the ward: its branch follows
        assert branch.path == f"{province.path}{ward.id}/{centre.id}/{branch.id}/"
        with pytest.raises(ValueError):
            agencies.place(session, ward, branch)  # a cycle


def test_an_agency_inserted_without_a_path_gets_one(sessions):
    with sessions.begin() as session:
        root = Agency(code="000.00.99.H56", name="Sở X")
        session.add(root)
        session.flush()
        assert root.path == f"/{root.id}/"
        child = Agency(code="000.00.98.H56", name="Phòng Y", parent_id=root.id)
        session.add(child)
        session.flush()
        assert child.path == f"/{root.id}/{child.id}/"


def test_the_demo_procedure_is_offered_by_its_agency(sessions):
    with sessions.begin() as session:
        procedure = session.scalars(select(Procedure)).first()
        if session.scalar(select(ProcedureOffer).where(ProcedureOffer.procedure_id == procedure.id)) is None:
            pytest.skip("the demo loader records offers once the offers land")
        assert procedure.agency_id in {a.id for a in agencies.offering(session, procedure.id)}


def test_a_one_time_code_works_once_and_a_guess_counts(sessions, settings, clock):
    now = clock.now()
    with sessions.begin() as session:
        user = session.scalar(select(User).where(User.username == "demo.tiepnhan"))
        code = onetime.issue(session, settings, user, "reset", now)
        wrong = "000000" if code != "000000" else "111111"
        assert not onetime.consume(session, settings, user, "reset", wrong, now)
        assert onetime.consume(session, settings, user, "reset", code, now)
        assert not onetime.consume(session, settings, user, "reset", code, now)  # used
        sent = session.scalars(select(Notice).where(Notice.user_id == user.id,
                                                    Notice.event == "one_time_code")).all()
        assert any(code in codeseal.unsealed(settings, n, n.body) for n in sent)
        assert not any(code in n.body or code in n.title for n in sent), "a live code stored in clear"
        late = onetime.issue(session, settings, user, "reset", now)
        assert not onetime.consume(session, settings, user, "reset", late, now + timedelta(minutes=16))
        for _ in range(onetime.PER_HOUR - 2):
            onetime.issue(session, settings, user, "reset", now)
        with pytest.raises(onetime.TooManyCodes):
            onetime.issue(session, settings, user, "reset", now)


def test_an_administrator_acts_on_their_subtree_only(sessions, clock):
    from engine.cases import administration
    from engine.core.errors import Forbidden
    from engine.data.agency_model import AdminEvent

    with sessions.begin() as session:
        province, centre, ward, other = _tree(session)
        ward_admin = User(username="admin.a", password_hash="x", full_name="A", roles_text="administrator",
                          agency_id=ward.id, created_at=clock.now())
        province_admin = User(username="admin.p", password_hash="x", full_name="P", roles_text="administrator",
                              agency_id=province.id, created_at=clock.now())
        clerk = User(username="clerk.a", password_hash="x", full_name="C", roles_text="clerk",
                     agency_id=ward.id, created_at=clock.now())
        session.add_all([ward_admin, province_admin, clerk])
        session.flush()
        assert administration.may_administer(session, ward_admin, ward)
        assert not administration.may_administer(session, ward_admin, other)
        assert not administration.may_administer(session, clerk, ward)
        with pytest.raises(Forbidden):
            administration.require(session, ward_admin, province)
        assert administration.may_administer(session, province_admin, other)
        assert set(session.scalars(administration.agency_ids(session, ward_admin))) == {ward.id}
        event = administration.audit(session, clock.now(), ward_admin, "officer_suspended", "officer", "clerk.a",
                                     ward, reason="nghỉ việc")
        session.flush()
        assert session.get(AdminEvent, event.id).details == {"reason": "nghỉ việc"}
