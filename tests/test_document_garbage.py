"""A document made after a command's commit collects its own garbage when it is done (D35's drain;
engine.core.memory.young_garbage), so that the full collections it would cause do not fall on the next command."""
from __future__ import annotations

import gc

from conftest import OFFICERS
from engine.cases import signing_requests


def test_the_collector_waits_until_a_sealed_form_is_made_then_collects_once(api, app):
    ext = app.extensions["tthc"]
    ext["after_commit"] = lambda: None  # the documents the receipt asks for are made below, alone
    code = api.file()["code"]
    api.act(OFFICERS["intake"], code, "receive")  # records Mẫu 01, to be rendered, sealed and verified
    starts: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            starts.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        made = signing_requests.drain(ext["sessions"].begin, ext["settings"], ext["clock"].now())
    finally:
        gc.callbacks.remove(seen)
    assert made == 1 and gc.isenabled()
    # Rendering, sealing and verifying a form allocate about 100,000 objects: the collector ran about 140 times
    # inside. Now once after the rendering and once after the seal and its verification, and in the transactions
    # around them (the claims, storing the document, the notice): 15-16 in all.
    assert len(starts) <= 30, starts
    dossier = api.get(f"/api/v1/dossiers/{code}", OFFICERS["intake"]).get_json()
    assert [d["kind"] for d in dossier["documents"]].count("receipt") == 1, dossier["documents"]
