"""What a fee costs at each office (D26 with D29): a procedure lists its fees, and a fee it leaves to the
province (``feeLocal.<key>``) costs, at an offering agency that gives its own amount (its offer's settings
``fees``), that amount; elsewhere the declared one. The same rule as the amount charged to a dossier filed there
(engine.cases.offers.own_amount, ``of_dossier`` below), read by procedure and agency, so that
the catalogue tells the citizen what the office they choose will charge.

Each reading is one query however many agencies or procedures it answers for (the offers' unique
(procedure_id, agency_id) index, or ix_procedure_offer_agency for one agency's page of the catalogue).

A dossier keeps the amounts in force when it was received (D1): the receiving agency's own amounts are recorded
then with the ``receive`` event (``in_force``, engine.cases.steps.intake), in the dossier's hash-chained trail that
no later change of the offer touches, and the fees falling due later (engine.cases.payments.request_due) and the
receipt Mẫu 01 are priced with them (``of_dossier``). No column for it: the trail is the dossier's own record.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import offers
from engine.cases.offers import own_amount
from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import AuditEvent, Dossier, ProcedureVersion
from engine.data.payment_model import Payment

RECORD = "local_fees"  # the key of the ``receive`` event's data: {fee key: the office's own amount, or None}


def priced(fees: list[dict], settings: dict | None) -> list[dict]:
    """The fees as an agency with these offer ``settings`` charges them: each fee as declared, a local fee the
    agency sets at its own amount (a fixed amount then, no expression over the form)."""
    found = []
    for fee in fees:
        amount = own_amount(settings, fee)
        if amount is None:
            found.append(fee)
        else:
            found.append({**{k: v for k, v in fee.items() if k != "expression"}, "amount": amount})
    return found


def _has_local(version: ProcedureVersion) -> bool:
    return any(f.get("local") for f in version.info["fees"])


def fees_by_agency(session: Session, version: ProcedureVersion, agency_ids: list[int]) -> dict[int, list[dict]]:
    """The fees of ``version`` at each of ``agency_ids``, in one query for all of them."""
    fees = version.info["fees"]
    settings: dict[int, Any] = {}
    if agency_ids and _has_local(version):
        settings = dict(session.execute(select(ProcedureOffer.agency_id, ProcedureOffer.settings).where(
            ProcedureOffer.procedure_id == version.procedure_id, ProcedureOffer.agency_id.in_(set(agency_ids)))).all())
    return {agency_id: priced(fees, settings.get(agency_id)) for agency_id in agency_ids}


def fees_at(session: Session, version: ProcedureVersion, agency_id: int | None) -> list[dict]:
    """The fees of ``version`` at the agency ``agency_id`` (None: as declared)."""
    if agency_id is None:
        return version.info["fees"]
    return fees_by_agency(session, version, [agency_id])[agency_id]


def fees_of_page(session: Session, versions: list[ProcedureVersion], agency_id: int) -> dict[int, list[dict]]:
    """One agency's page of the catalogue: the fees of each version (by version id) at that agency, in one
    query for the page."""
    wanted = {v.procedure_id for v in versions if _has_local(v)}
    settings: dict[int, Any] = {}
    if wanted:
        settings = dict(session.execute(select(ProcedureOffer.procedure_id, ProcedureOffer.settings).where(
            ProcedureOffer.agency_id == agency_id, ProcedureOffer.procedure_id.in_(wanted))).all())
    return {v.id: priced(v.info["fees"], settings.get(v.procedure_id)) for v in versions}


def by_office(session: Session, version: ProcedureVersion) -> list[dict]:
    """The fees as the procedure's page tells them, at the offices taking its dossiers (active offers at open
    agencies, one query): each fee with ``amount``, what every office charges when they agree (else the
    declared amount, None when computed from the form); ``offices``, each office charging otherwise with its
    amount ({"agency_name", "amount"}); ``varies`` when every office sets its own and they differ (the amount
    is then only by office)."""
    fees = version.info["fees"]
    if not _has_local(version):
        return fees
    rows = [(offer, agency) for offer, agency in offers.active_offers(session, version.procedure_id) if agency.active]
    shown = []
    for fee in fees:
        own: list[tuple[Agency, int | None]] = [(a, own_amount(o.settings, fee)) for o, a in rows]
        amounts = {amount for _a, amount in own}
        item = {**fee, "offices": [], "varies": False}
        if len(amounts) == 1 and None not in amounts:  # every office charges the same, its own amount
            item["amount"] = amounts.pop()
        elif None in amounts or not own:  # the declared amount somewhere: the others named
            item["offices"] = [{"agency_name": a.name, "amount": amount} for a, amount in own
                               if amount is not None and amount != fee.get("amount")]
        else:
            item["varies"] = True
            item["offices"] = [{"agency_name": a.name, "amount": amount} for a, amount in own]
        shown.append(item)
    return shown


def in_force(session: Session, dossier: Dossier) -> dict[str, int | None]:
    """The receiving agency's own amount of each local fee of the dossier's version now ({key: amount}; None:
    the declared amount applies), what the ``receive`` event records; {} when the version has no local fee."""
    version = dossier.procedure_version
    local = [f for f in version.info["fees"] if f.get("local")]
    if not local:
        return {}
    settings = session.scalar(select(ProcedureOffer.settings).where(
        ProcedureOffer.procedure_id == version.procedure_id, ProcedureOffer.agency_id == dossier.agency_id))
    found = {f["key"]: own_amount(settings, f) for f in local}
    if dossier.id is not None:  # a local fee already asked at filing stays at what it was asked for (D1, D26)
        for keys, amount in session.execute(select(Payment.fee_keys, Payment.amount).where(
                Payment.dossier_id == dossier.id, Payment.moment == "filing",
                Payment.status.in_(("pending", "paid")))):
            if len(keys or ()) == 1 and keys[0] in found:
                found[keys[0]] = amount
    return found


def _recorded(session: Session, dossier: Dossier) -> dict | None:
    """The amounts recorded when the dossier was received, or None: not received yet (the fees asked at filing
    are priced as the office charges them then), or received without a record (before the amounts were recorded,
    a liên thông share received with its parent's hand-over)."""
    if dossier.received_at is None or dossier.id is None:
        return None
    data = session.scalar(select(AuditEvent.data).where(AuditEvent.dossier_id == dossier.id,
                                                        AuditEvent.action == "receive")
                          .order_by(AuditEvent.id.desc()).limit(1))
    found = (data or {}).get(RECORD)
    return found if isinstance(found, dict) else None


def of_dossier(session: Session, dossier: Dossier, own: dict | None = None) -> list[dict]:
    """The fees of ``dossier`` as it is charged them (D1, D26, D29): a local fee at its receiving agency's own
    amount in force when the dossier was received (recorded then; ``own``: the amounts being recorded now, at
    the receipt itself), else the amount it charges now; the others as declared."""
    fees = dossier.procedure_version.info["fees"]
    if not _has_local(dossier.procedure_version):
        return fees
    if own is None:
        own = _recorded(session, dossier)
    if own is None:
        own = in_force(session, dossier)
    return priced(fees, {"fees": {k: v for k, v in own.items() if v is not None}})


def still_to_ask(session: Session, dossier: Dossier) -> list[dict]:
    """The fees of ``dossier`` (``of_dossier``) not asked yet: what a supplement's form must still let the engine
    compute (a fee asked, paid or refunded is settled at its amount, whatever the form now says). No query for a
    version whose fees are all fixed amounts."""
    fees = dossier.procedure_version.info["fees"]
    if not any(f.get("expression") for f in fees):
        return []
    asked = asked_keys(session, dossier)
    return [f for f in of_dossier(session, dossier) if f["key"] not in asked]


def asked_keys(session: Session, dossier: Dossier) -> set[str]:
    """The keys of the fees already asked of ``dossier`` (each payment row names the fees it asked)."""
    return {key for keys in session.scalars(select(Payment.fee_keys).where(Payment.dossier_id == dossier.id))
            for key in keys or ()}
