"""Who signs, in what capacity: the signer block of an administrative document (NĐ 30/2020, Phụ lục I, II).

The block above the signature names the signer's authority and title, from the kind of issuing agency and the
signer's role, never the engine's role label ("LÃNH ĐẠO PHÒNG" means nothing on a People's Committee
certificate):

- a body under collective leadership (Ủy ban nhân dân): the head signs "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH", a
  deputy "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH";
- a body headed by one person (Sở, Trung tâm, Phòng, Chi cục): the head signs with the head's title
  ("GIÁM ĐỐC"), a deputy "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC".

The engine's roles map onto this: ``head_of_agency`` (and the director of a centre for the centre) is the head,
the other leaders (``department_leader``) sign as deputies on the head's behalf.
"""
from __future__ import annotations

import re
import unicodedata

from engine.core import vocabulary

# (pattern of the agency's name, collective body's name or None, head's title)
KINDS: tuple[tuple[str, str | None, str], ...] = (
    (r"^(ủy|uỷ) ban nhân dân|^ubnd\b", "Ủy ban nhân dân", "Chủ tịch"),
    (r"^hội đồng nhân dân", "Hội đồng nhân dân", "Chủ tịch"),
    (r"^sở\b", None, "Giám đốc"),
    (r"^trung tâm\b", None, "Giám đốc"),
    (r"^chi cục\b", None, "Chi cục trưởng"),
    (r"^cục\b", None, "Cục trưởng"),
    (r"^văn phòng\b", None, "Chánh Văn phòng"),
    (r"^phòng\b", None, "Trưởng phòng"),
    (r"^ban\b", None, "Trưởng ban"),
)
HEAD_ROLES = frozenset({"head_of_agency", "centre_director"})


def _kind(agency_name: str) -> tuple[str | None, str]:
    name = unicodedata.normalize("NFC", agency_name).strip().lower()
    for pattern, collective, head in KINDS:
        if re.search(pattern, name):
            return collective, head
    return None, vocabulary.ROLES["head_of_agency"]


def signer_block(agency_name: str, signer_role: str) -> list[str]:
    """The lines above the signature, upper case ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")."""
    collective, head = _kind(agency_name)
    lines = [f"TM. {collective}"] if collective else []
    if signer_role in HEAD_ROLES:
        lines.append(head)
    else:
        lines += [f"KT. {head}", f"Phó {head}"]
    return [line.upper() for line in lines]
