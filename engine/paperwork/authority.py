"""Who signs, in what capacity: the signer block of an administrative document (NĐ 30/2020, Phụ lục I, II).

The block above the signature names the signer's authority and title, from the kind of issuing agency and the
signer's role, never the engine's role label ("LÃNH ĐẠO PHÒNG" means nothing on a People's Committee
certificate):

- a body under collective leadership (Ủy ban nhân dân): the head signs "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH", a
  deputy "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH";
- a body headed by one person (Sở, Trung tâm, Phòng, Chi cục, the police of a province or centrally-run
  city): the head signs with the head's title ("GIÁM ĐỐC"), a deputy "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC".

The engine's roles map onto this: ``head_of_agency`` (and the director of a centre for the centre) is the head,
the other leaders (``department_leader``) sign as deputies on the head's behalf. A centre director who
belongs to another body (the one-stop of a ward's People's Committee) is not its head: they sign with their
own title ("GIÁM ĐỐC TRUNG TÂM"), never as the Committee's chairman.

Every document with a signer (results, the refusal to resolve, the apology letters of
engine.paperwork.letters) takes its block from here.
"""
from __future__ import annotations

import re
import unicodedata

from engine.core import vocabulary

CENTRE = r"^trung tâm\b"
# (pattern of the agency's name, collective body's name or None, head's title)
KINDS: tuple[tuple[str, str | None, str], ...] = (
    (r"^(ủy|uỷ) ban nhân dân|^ubnd\b", "Ủy ban nhân dân", "Chủ tịch"),
    (r"^hội đồng nhân dân", "Hội đồng nhân dân", "Chủ tịch"),
    (r"^sở\b", None, "Giám đốc"),
    (CENTRE, None, "Giám đốc"),
    # the police of a province or centrally-run city (district police ended on 01/3/2025): its director
    (r"^công an (tỉnh|thành phố)\b", None, "Giám đốc"),
    (r"^chi cục\b", None, "Chi cục trưởng"),
    (r"^cục\b", None, "Cục trưởng"),
    (r"^văn phòng\b", None, "Chánh Văn phòng"),
    (r"^phòng\b", None, "Trưởng phòng"),
    (r"^ban\b", None, "Trưởng ban"),
)
HEAD_ROLES = frozenset({"head_of_agency", "centre_director"})


def _folded(agency_name: str) -> str:
    return unicodedata.normalize("NFC", agency_name).strip().lower()


def _kind(agency_name: str) -> tuple[str | None, str]:
    name = _folded(agency_name)
    for pattern, collective, head in KINDS:
        if re.search(pattern, name):
            return collective, head
    return None, vocabulary.ROLES["head_of_agency"]


def signer_block(agency_name: str, signer_role: str) -> list[str]:
    """The lines above the signature, upper case ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")."""
    if signer_role == "centre_director" and not re.search(CENTRE, _folded(agency_name)):
        return [vocabulary.ROLES["centre_director"].upper()]
    collective, head = _kind(agency_name)
    lines = [f"TM. {collective}"] if collective else []
    if signer_role in HEAD_ROLES:
        lines.append(head)
    else:
        lines += [f"KT. {head}", f"Phó {head}"]
    return [line.upper() for line in lines]
