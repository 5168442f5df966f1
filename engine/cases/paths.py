"""The path a dossier took, for its diagram, without loading its workflow (issue 15: every page within 50 ms).

engine.cases.dossiers.save_process stores the BPMN ids the workflow passed with each state it stores
(``Dossier.path_nodes``, the same list as ``Process.completed_nodes``), in the command's transaction. A dossier
whose last state was stored before migration 0028 has none: its workflow is read once, here, and the path kept
for the next view. That write is its own short transaction and leaves the row's version alone (the path adds
nothing to the stored state, it mirrors it); it lands only while the state is still the one it was read from,
and a failure to write is no failure of the page (the next command writes the path anyway)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine.cases.dossiers import Context, load_process
from engine.data.model import Dossier

log = logging.getLogger(__name__)
_DOSSIER = Dossier.__table__


def path_nodes(dossier: Dossier, ctx: Context,
               begin: Callable[[], AbstractContextManager[Session]] | None = None) -> list[str]:
    """The BPMN ids the dossier passed, each once, in the order first passed. ``begin`` opens the transaction that
    keeps a path read from the workflow (none: it is not kept)."""
    if dossier.path_nodes is not None:
        return list(dossier.path_nodes)
    nodes = load_process(dossier, ctx).completed_nodes()
    if begin is not None:
        try:
            with begin() as session:
                session.execute(update(_DOSSIER).where(_DOSSIER.c.id == dossier.id,
                                                       _DOSSIER.c.version == dossier.version,
                                                       _DOSSIER.c.path_nodes.is_(None)).values(path_nodes=nodes))
        except SQLAlchemyError:
            log.warning("the path of dossier %s was not kept", dossier.code, exc_info=True)
    return nodes
