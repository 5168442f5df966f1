"""Notices (D28): the one way the engine tells a person of an event, written in the same transaction as the event.

``notify`` is the API every use case calls where its event happens::

    notify(session, settings, "supplement_requested", now=now, dossier=dossier, document=form_02)   # the citizen
    notify(session, settings, "warning", now=now, dossier=dossier, roles={"specialist"})             # officers
    notify(session, settings, "paid", now=now, dossier=dossier, context={"amount": 100000})

With no ``users`` and no ``roles`` the notice goes to the dossier's applicant; with ``roles`` to every officer of
the dossier's agency (or ``agency_id``) holding one of them, expanded to people here, when the event happens, so
that each officer reads and marks their own notice and the count of unread notices is one indexed query per
person. (Resolving roles at dispatch would need a per-person read state anyway, and would tell an officer who
joins later of warnings about work that is no longer theirs to judge.)

Each person gets one ``Notice`` rendered from ``templates/notices/<event>.<language>.txt`` (first line: the
title; the rest: the body) in their language, and one ``NoticeDelivery`` per other channel they can be reached
on: email when smtp_host is set, they have an address and have not turned email off; SMS likewise with sms_url
and a phone. The dispatcher (engine.cases.dispatch) sends those later; nothing here touches the network.

The agency a citizen's notice names (``agency``, D28, D29): a notice about a document names the agency that
issued it, in whose register it is numbered (the processing agency's apology, extension letter or result when its
offer names one); a notice with no document (filed, supplement received, an administrator's suspension) names the
receiving agency, the one-stop that receives and returns, as do the intake's forms, issued in its name.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, pass_context
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine.cases.codeseal import seal_code
from engine.core.settings import Settings
from engine.core.vocabulary import vn_time
from engine.data.model import OFFICER_ROLES, Agency, Document, Dossier, User
from engine.data.notice_model import Notice, NoticeDelivery, NoticeSetting

LANGUAGES = ("vi", "en")
# The events a template exists for; a caller naming another is a programming error (KeyError), never a blank.
CITIZEN_EVENTS = ("filed", "received", "supplement_requested", "supplemented", "refused", "extension_confirmed",
                  "extension_letter", "apology_letter", "payment_requested", "paid", "refunded", "refund_given",
                  "result_ready", "returned", "ended", "operation", "replanned")
OFFICER_EVENTS = ("warning", "overdue", "intake_overdue", "digest", "lienthong_stopped")
ACCOUNT_EVENTS = ("one_time_code", "account_status")
EVENTS = CITIZEN_EVENTS + OFFICER_EVENTS + ACCOUNT_EVENTS
# Account events go out on every channel at once (``always``) and are written already read: the bell does not
# count them (a suspended person cannot sign in to read theirs). A change of the account's status is then
# listed in the portal as the person's history; a one-time code never is (it is for the phone or the mail
# only: engine.cases.notice_centre neither lists it nor finds it to be marked read).
ALREADY_READ = frozenset(ACCOUNT_EVENTS)
UNLISTED = frozenset({"one_time_code"})

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), undefined=StrictUndefined,
                   autoescape=False, keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)
_env.filters["when"] = lambda t: vn_time(t, "datetime", missing="—")
_env.filters["day"] = lambda t: vn_time(t, "date", missing="—")


@pass_context
def _money(context, amount) -> str:
    """An amount in đồng grouped as the notice's language groups it: "100.000 đ" in Vietnamese, "100,000 đ"
    in English (where "100.000 đ" reads as a hundred đồng), as the pages write it (engine.web.numbers)."""
    grouped = f"{int(amount):,}"
    return (grouped if context.get("notice_language") == "en" else grouped.replace(",", ".")) + " đ"


_env.filters["money"] = _money


def render(event: str, language: str, values: dict) -> tuple[str, str]:
    """(title, body) of ``event`` in ``language`` (Vietnamese where no translation exists). StrictUndefined:
    a value the template needs and the caller did not give is an error, not a blank in a message."""
    if event not in EVENTS:
        raise KeyError(f"no notice template for the event {event!r}")
    try:
        template = _env.get_template(f"notices/{event}.{language}.txt")
    except TemplateNotFound:
        template, language = _env.get_template(f"notices/{event}.vi.txt"), "vi"
    text = template.render(**values, notice_language=language).strip()
    title, _, body = text.partition("\n")
    return title.strip()[:255], body.strip() or title.strip()


def absolute(settings: Settings, path: str | None) -> str | None:
    """A site path as a person outside the portal reaches it (public_url)."""
    return settings.public_url.rstrip("/") + path if path else None


def dossier_path(dossier: Dossier, officer: bool) -> str:
    return f"/can-bo/ho-so/{dossier.code}" if officer else f"/ca-nhan/ho-so/{dossier.code}"


def document_path(document: Document) -> str:
    return f"/tai-lieu/{document.id}"


class Officers:
    """The officers of an agency and their choices, read once per agency (indexed by agency) and reused: a
    timer sweep tells the officers of many dossiers of the same agency."""

    def __init__(self) -> None:
        self._by_agency: dict[int, list[User]] = {}
        self.choices: dict[int, NoticeSetting | None] = {}

    def holding(self, session: Session, agency_id: int, roles) -> list[User]:
        if agency_id not in self._by_agency:
            people = list(session.scalars(
                select(User).where(User.agency_id == agency_id, User.locked_reason.is_(None)).order_by(User.id)))
            found = settings_of(session, [u.id for u in people])
            self.choices.update({u.id: found.get(u.id) for u in people})
            self._by_agency[agency_id] = people
        wanted = set(roles)
        return [u for u in self._by_agency[agency_id] if u.roles & wanted and u.roles & OFFICER_ROLES]


class Outbox:
    """Notices kept as rows and written by ``write`` in two statements (notices, then their deliveries), for a
    caller that writes many at once (a timer sweep's batch) instead of one unit-of-work object each."""

    def __init__(self) -> None:
        self.rows: list[tuple[dict, list[dict]]] = []

    def write(self, session: Session) -> None:
        if not self.rows:
            return
        ids = session.scalars(insert(Notice).returning(Notice.id, sort_by_parameter_order=True),
                              [notice for notice, _ in self.rows]).all()
        deliveries = [{**d, "notice_id": notice_id} for notice_id, (_, ds) in zip(ids, self.rows) for d in ds]
        if deliveries:
            session.execute(insert(NoticeDelivery), deliveries)
        self.rows.clear()


def citizen_of(session: Session, dossier: Dossier) -> User | None:
    """The citizen a dossier's notices go to first: the applicant who filed online; for a dossier an officer
    filed at the desk, the owner's own standardised account if there is one, else nobody (the owner deals with
    the desk on paper)."""
    people = citizens_of(session, dossier)
    return people[0] if people else None


def citizens_of(session: Session, dossier: Dossier) -> list[User]:
    """Everyone a dossier's notices go to as citizens: the applicant who filed online, and the owner's own
    standardised account when it is another person's dossier (D4: filed for another person, it is the owner's
    and visible to both, so both are told, D28), once the e-ID or the desk checked that account's CCCD (one only
    declared sees, and is told, nothing it did not file: D2, D3). The owner is looked up only when the owner is
    not the applicant: a citizen filing for themself costs no query."""
    applicant = dossier.applicant
    people = [applicant] if "citizen" in applicant.roles else []
    cccd = dossier.owner_cccd
    if cccd and not (people and applicant.standardised and applicant.cccd == cccd):
        owner = session.scalar(select(User).where(User.cccd == cccd, User.standardised.is_(True),
                                                  User.identity_checked.is_not(None),
                                                  User.cancelled_at.is_(None)).order_by(User.id).limit(1))
        if owner is not None and "citizen" in owner.roles and owner.id != applicant.id:
            people.append(owner)
    return people


_SETTINGS = select(NoticeSetting).where(NoticeSetting.user_id.in_(bindparam("ids", expanding=True)))  # built once


def settings_of(session: Session, user_ids) -> dict[int, NoticeSetting]:
    """The choices of these people (one query); a person without a row has the defaults."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return {s.user_id: s for s in session.scalars(_SETTINGS, {"ids": ids})}


def channels_for(settings: Settings, user: User, choice: NoticeSetting | None, *, always: bool = False) -> list:
    """(channel, address) of the deliveries a notice to ``user`` gets besides the portal."""
    found = []
    if settings.smtp_host and user.email and (always or choice is None or choice.email_on):
        found.append(("email", user.email))
    if settings.sms_url and user.phone and (always or choice is None or choice.sms_on):
        found.append(("sms", user.phone))
    return found


def code_channels(settings: Settings, user: User) -> list[str]:
    """The channels a one-time code to ``user`` goes on now (``notify_code``): each the account has an address on
    and this service can send (email with smtp_host, SMS with sms_url); none when neither can carry it."""
    return [channel for channel, _address in channels_for(settings, user, None, always=True)]


def tell_account(session: Session, settings: Settings, now: datetime, user: User, title: str, body: str) -> None:
    """A notice about ``user``'s account itself (listed, already read, as a change of its status is), sent on every
    channel the account has now, whatever it chose: a change of its contact or holder is told to the addresses
    known before it (the callers write this before they change them)."""
    notice = Notice(user_id=user.id, event="account_status", title=title, body=body, created_at=now, read_at=now)
    notice.deliveries = [NoticeDelivery(channel=channel, address=address, state="pending", attempts=0,
                                        next_attempt_at=now)
                         for channel, address in channels_for(settings, user, None, always=True)]
    session.add(notice)


# Notices sent to the address they were written for, never re-pointed when the person's contact changes: the
# notice of the change itself tells the addresses known before it (tell_account), and a one-time code goes where
# it was asked for.
KEPT_ADDRESS = frozenset(ACCOUNT_EVENTS)


def address_of(user: User, channel: str) -> str | None:
    """The person's address on ``channel`` now."""
    return user.email if channel == "email" else user.phone if channel == "sms" else None


def no_address(channel: str) -> str:
    """Why a delivery on ``channel`` is not sent: the person no longer has that channel."""
    return "Người nhận không còn " + ("địa chỉ thư điện tử" if channel == "email" else "số điện thoại") + "."


def readdress(session: Session, user: User, *, codes_ended: bool = False) -> None:
    """The deliveries of ``user`` not yet sent (pending, or claimed and in flight: a retry or a lease run out
    sends them again) follow the person's current email and phone (D28: delivered on the person's channels, as
    they are when sent): re-pointed to the current address of their channel, or ended as dead, with the reason,
    when the person no longer has that channel (an administrator may send it again once they do: dispatch.retry).
    Called where a person's contact changes, after the change. The account's own notices keep their addresses
    (KEPT_ADDRESS); with ``codes_ended`` (the account changed hands, its codes expired: citizens.take_over) the
    one-time codes still waiting are ended too, so nothing more reaches whoever made the account."""
    mine = select(Notice.id).where(Notice.user_id == user.id, Notice.event.not_in(KEPT_ADDRESS))
    unsent = (NoticeDelivery.state.in_(("pending", "sending")),)
    for channel in ("email", "sms"):
        address = address_of(user, channel)
        waiting = update(NoticeDelivery).where(NoticeDelivery.notice_id.in_(mine), NoticeDelivery.channel == channel,
                                               *unsent).execution_options(synchronize_session=False)
        if address:
            # one in flight is going to the old address: its claim ends (its outcome is not recorded) and it is
            # sent again to the new one when its lease runs out (at most once more, never lost)
            session.execute(waiting.where(NoticeDelivery.address != address)
                            .values(address=address, state="pending", claim_token=None))
        else:  # one in flight may arrive: left to finish; one waiting has nowhere to go
            session.execute(waiting.where(NoticeDelivery.state == "pending")
                            .values(state="dead", claim_token=None, last_error=no_address(channel)))
    if codes_ended:
        codes = select(Notice.id).where(Notice.user_id == user.id, Notice.event == "one_time_code")
        session.execute(update(NoticeDelivery).where(NoticeDelivery.notice_id.in_(codes), *unsent)
                        .values(state="dead", claim_token=None, last_error="Mã đã hết hiệu lực: tài khoản đã "
                                "được giao cho người có thẻ CCCD.").execution_options(synchronize_session=False))


def agency_named(session: Session, dossier: Dossier, document: Document | None) -> str:
    """The name of the agency a notice of ``dossier`` (about ``document``) names (see the module's docstring):
    no query when the receiving agency processes the dossier itself (most dossiers), at most one otherwise."""
    if dossier.processing_agency_id in (None, dossier.agency_id) or document is None:
        return dossier.agency.name
    issued_by = document.register_agency_id  # the register its number came from: whose name it bears
    if issued_by is None and document.kind == "result":  # a result numbered by hand: the issuing agency's (D34)
        issued_by = dossier.resolving_agency_id
    if issued_by in (None, dossier.agency_id):
        return dossier.agency.name
    found = session.get(Agency, issued_by)
    return found.name if found is not None else dossier.agency.name


def _values(session: Session, settings: Settings, dossier: Dossier | None, document: Document | None,
            officer: bool, context: dict) -> dict:
    values = {"code": None, "procedure": None, "agency": None, "link": None, "document_name": None,
              "document_link": None, "due_at": None, "public_url": settings.public_url.rstrip("/")}
    if dossier is not None:
        version = dossier.procedure_version
        values.update(code=dossier.code, procedure=version.procedure.name,
                      agency=agency_named(session, dossier, document),
                      owner=dossier.owner_name, due_at=dossier.due_at, intake_due_at=dossier.intake_due_at,
                      link=absolute(settings, dossier_path(dossier, officer)))
    if document is not None:
        values.update(document_name=document.name, document_link=absolute(settings, document_path(document)))
    values.update(context)
    return values


def _visible_to_citizen(dossier: Dossier) -> bool:
    from engine.cases.dossiers import visible_to_citizen  # it imports this module

    return visible_to_citizen(dossier)


def notify(session: Session, settings: Settings, event: str, *, now: datetime, dossier: Dossier | None = None,
           users: list[User] | None = None, roles=(), agency_id: int | None = None,
           document: Document | None = None, context: dict | None = None, officers: Officers | None = None,
           outbox: Outbox | None = None, always: bool = False) -> None:
    """Tell the people concerned of ``event`` (see the module's docstring): the notices and their deliveries are
    written at once with two Core statements in the caller's transaction (with ``outbox``, kept there for its
    ``write``); a unit-of-work object each cost more than the statement. ``always``: send on every channel the
    person has, whatever they chose (one-time codes)."""
    officer = bool(roles)
    if users is not None:
        people = list(users)
    elif roles:
        agency = agency_id if agency_id is not None else dossier.agency_id
        people = (officers or Officers()).holding(session, agency, roles)
    elif dossier is not None and not _visible_to_citizen(dossier):
        people = []  # a liên thông sub-dossier is between agencies (D33): its citizen is told of the parent only
    else:
        people = citizens_of(session, dossier)
    if not people:
        return
    if officers is not None and all(p.id in officers.choices for p in people):
        choices = {p.id: officers.choices[p.id] for p in people if officers.choices[p.id] is not None}
    else:
        choices = settings_of(session, [p.id for p in people])
    values = _values(session, settings, dossier, document, officer, dict(context or {}))
    rendered: dict[str, tuple[str, str]] = {}
    box = outbox if outbox is not None else Outbox()
    for person in people:
        choice = choices.get(person.id)
        language = choice.language if choice is not None and choice.language in LANGUAGES else "vi"
        if language not in rendered:
            rendered[language] = render(event, language, values)
        title, body = rendered[language]
        person_roles = sorted(person.roles & set(roles)) if roles else []
        link = document_path(document) if document is not None else (
            dossier_path(dossier, officer or person.is_officer) if dossier is not None else None)
        # the row has a name of its own: the template's ``values`` are rendered again for the next person
        # whose language differs (an officer who chose English among Vietnamese ones; an owner and a filer)
        row = {"user_id": person.id, "event": event, "title": title, "body": body,
               "dossier_id": dossier.id if dossier is not None else None,
               "document_id": document.id if document is not None else None, "link": link,
               "role": ",".join(person_roles)[:30] or None, "created_at": now,
               "read_at": now if event in ALREADY_READ else None}
        sends = [{"channel": channel, "address": address, "state": "pending", "attempts": 0, "next_attempt_at": now}
                 for channel, address in channels_for(settings, person, choice, always=always)]
        box.rows.append((row, sends))
    if outbox is None:
        box.write(session)


def notify_code(session: Session, settings: Settings, user: User, purpose: str, code: str, now: datetime,
                minutes: int = 10) -> None:
    """A one-time code (sign-in, recovery, a signing confirmation) sent by SMS and email at once, whatever the
    person chose; never listed in the portal. ``purpose`` is the words for what it is for ("đăng nhập").
    The notice's stored text holds the code sealed (``seal_code``): engine.cases.onetime keeps only the code's
    hash, and a copy of the database (without the data folder's ``secret_key``), a backup or the report replica
    must not hand out a live activation code (they last a day) beside it; the dispatcher opens it for the message
    alone (engine.cases.codeseal)."""
    notify(session, settings, "one_time_code", now=now, users=[user], always=True,
           context={"purpose": purpose, "otp": seal_code(settings, user.id, code), "minutes": minutes})


def choose(session: Session, user: User, *, language: str | None = None, email_on: bool | None = None,
           sms_on: bool | None = None) -> NoticeSetting:
    """Record a person's choices (the account page; the language switch of a signed-in person)."""
    choice = session.get(NoticeSetting, user.id)
    if choice is None:
        choice = NoticeSetting(user_id=user.id, language="vi", email_on=True, sms_on=True)
        session.add(choice)
    if language in LANGUAGES:
        choice.language = language
    if email_on is not None:
        choice.email_on = email_on
    if sms_on is not None:
        choice.sms_on = sms_on
    return choice
