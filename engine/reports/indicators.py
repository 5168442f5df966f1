"""QĐ 766/QĐ-TTg indicators (notes/domain-research.md §5.2) as far as the notes give a formula and the engine
holds the data: each with its id, group, name, formula text, inputs and value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from engine.core.settings import Settings
from engine.reports.scope import Scope


@dataclass
class Indicator:
    id: str                  # "2a", "2b", "3a", ...
    group: int               # 1..5
    name: str                # the Vietnamese name
    formula: str             # the formula as text, naming the inputs
    inputs: dict[str, float | int | None] = field(default_factory=dict)
    value: float | None = None  # percent (0..100) or hours for 2b; None when the denominator is 0
    unit: str = "%"
    certainty: str = "R"     # V: verified formula; R: reconstructed (notes §5.2)


def indicators(session: Session, settings: Settings, scope: Scope, now: datetime) -> list[Indicator]:
    """The indicators of ``scope`` (grouping ignored: one value per indicator)."""
    raise NotImplementedError
