"""`tthc db prune-files` (engine.cases.store_prune): the stored files no document nor live held file refers to, older
than the grace period, are removed; what a row refers to, what was written or reused lately, stays. The race with a
request storing the same bytes meanwhile is played for real: a row committed, the same bytes stored again, between
the prune's two looks."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from conftest import CITIZEN, OFFICERS
from sqlalchemy import select

from engine.cases import held_uploads, store_prune
from engine.cases.dossiers import Context
from engine.cli import main
from engine.data.model import Document, Dossier, User
from engine.data.portal_model import HeldUpload
from engine.paperwork import documents

DAY = 24 * 3600


def _age(path, days: float) -> None:
    then = datetime.now(timezone.utc).timestamp() - days * DAY
    os.utime(path, (then, then))


def _citizen_ctx(session, settings, now) -> Context:
    return Context(session.scalar(select(User).where(User.username == CITIZEN)), now, settings)


def test_the_files_of_refused_filings_and_expired_held_files_go_what_rows_refer_to_stays(api, app, tmp_path):
    ext = app.extensions["tthc"]
    settings, sessions = ext["settings"], ext["sessions"]
    data_dir = settings.data_dir
    code = api.file()["code"]
    api.act(OFFICERS["intake"], code, "receive")  # Mẫu 01, sealed after the commit: a document in the store
    with sessions() as session:
        docs = session.scalars(select(Document).join(Dossier).where(Dossier.code == code)).all()
    assert docs and all(documents.path_for(data_dir, d.sha256).exists() for d in docs)
    for doc in docs:
        _age(documents.path_for(data_dir, doc.sha256), 30)
    orphan = documents.store_bytes(data_dir, b"%PDF-1.7 the file of a filing refused for one field")
    _age(documents.path_for(data_dir, orphan), 3)
    young = documents.store_bytes(data_dir, b"%PDF-1.7 refused an hour ago")
    now = datetime.now(timezone.utc)
    with sessions.begin() as session:
        [live] = held_uploads.hold(session, _citizen_ctx(session, settings, now), [("don", "don.pdf", b"%PDF held")])
        [stale] = held_uploads.hold(session, _citizen_ctx(session, settings, now - timedelta(days=2)),
                                    [("anh", "anh.pdf", b"%PDF held two days ago, never sent again")])
        live_sha, stale_sha = live.sha256, stale.sha256
    for sha in (live_sha, stale_sha):
        _age(documents.path_for(data_dir, sha), 3)
    folder = documents.path_for(data_dir, orphan).parent
    half, fresh_half = folder / "tmpab12cd", folder / "tmpef34gh"
    half.write_bytes(b"%PDF half wri")
    fresh_half.write_bytes(b"%PDF being written")
    _age(half, 3)
    env = {"TTHC_DATABASE_URL": settings.resolved_database_url, "TTHC_DATA_DIR": str(data_dir),
           "TTHC_PKI_DIR": str(settings.pki_dir)}

    def tthc(*args):
        result = CliRunner().invoke(main, ["db", "prune-files", *args], env=env)
        assert result.exit_code == 0, (result.output, result.exception)
        return json.loads(result.stdout), result.stderr

    counted, said = tthc("--dry-run")
    assert counted["removed"] == 2 and counted["leftovers"] == 1 and counted["held_rows"] == 1, counted
    assert counted["in_use"] == len(docs) + 1 and counted["young"] == 1 and counted["dry_run"] is True
    assert "sẽ xóa 2 tệp không còn dùng" in said and "đã xem" in said
    assert documents.path_for(data_dir, orphan).exists() and half.exists()  # a dry run changes nothing
    with sessions() as session:
        assert session.scalar(select(HeldUpload.id).where(HeldUpload.sha256 == stale_sha)) is not None

    done, said = tthc()
    assert (done["removed"], done["leftovers"], done["held_rows"], done["in_use"], done["young"]) == (
        2, 1, 1, len(docs) + 1, 1), done
    assert done["freed_bytes"] == len(b"%PDF-1.7 the file of a filing refused for one field") + len(
        b"%PDF held two days ago, never sent again")
    assert "đã xóa 2 tệp không còn dùng" in said
    assert not documents.path_for(data_dir, orphan).exists() and not documents.path_for(data_dir, stale_sha).exists()
    assert not half.exists() and fresh_half.exists()
    assert documents.path_for(data_dir, young).exists() and documents.path_for(data_dir, live_sha).exists()
    with sessions() as session:
        assert session.scalar(select(HeldUpload.id).where(HeldUpload.sha256 == stale_sha)) is None
    receipt = next(d for d in docs if d.kind == "receipt")
    r = api.get(f"/api/v1/documents/{receipt.id}", CITIZEN)
    assert r.status_code == 200 and r.data.startswith(b"%PDF")  # what a row refers to is served as before

    again, _ = tthc()
    assert again["removed"] == 0 and again["leftovers"] == 0 and again["held_rows"] == 0
    refused = CliRunner().invoke(main, ["db", "prune-files", "--older-than", "0"], env=env)
    assert refused.exit_code == 2 and "--older-than" in refused.output


SQLITE = pytest.mark.parametrize("backend", ["sqlite"])  # the races below are the store's own: one database


@SQLITE
def test_a_file_stored_again_is_young_again(app):
    data_dir = app.extensions["tthc"]["settings"].data_dir
    sha = documents.store_bytes(data_dir, b"%PDF the same bytes, filed twice")
    _age(documents.path_for(data_dir, sha), 10)
    assert documents.store_bytes(data_dir, b"%PDF the same bytes, filed twice") == sha
    done = store_prune.prune(app.extensions["tthc"]["sessions"], data_dir, datetime.now(timezone.utc))
    assert done.young >= 1 and documents.path_for(data_dir, sha).exists()


def _old_file(app, content: bytes):
    """The store's folder, the sessions, and the SHA-256 of ``content`` stored ten days ago and referred to by no row."""
    ext = app.extensions["tthc"]
    data_dir = ext["settings"].data_dir
    sha = documents.store_bytes(data_dir, content)
    _age(documents.path_for(data_dir, sha), 10)
    return data_dir, ext["sessions"], sha


@SQLITE
def test_a_row_committed_between_the_two_looks_keeps_its_file(app, api, monkeypatch):
    content = b"%PDF attached by a filing that commits while the prune runs"
    data_dir, sessions, sha = _old_file(app, content)
    code = api.file()["code"]
    looks = []
    first_look = store_prune._referred

    def committed_meanwhile(sessions_, names, now):
        used = first_look(sessions_, names, now)
        if not looks and sha in names:  # the request's row commits right after the prune's first look
            with sessions.begin() as session:
                dossier = session.scalar(select(Dossier).where(Dossier.code == code))
                session.add(Document(dossier_id=dossier.id, kind="attachment", name="don.pdf",
                                     media_type="application/pdf", size=len(content), sha256=sha, created_at=now))
        looks.append(sorted(names))
        return used

    monkeypatch.setattr(store_prune, "_referred", committed_meanwhile)
    done = store_prune.prune(sessions, data_dir, datetime.now(timezone.utc))
    assert len(looks) == 2 and sha in looks[1]  # set aside, then looked at again
    assert done.removed == 0 and done.in_use == 1 and documents.path_for(data_dir, sha).exists()
    assert not (documents.path_for(data_dir, sha).parent / (store_prune.ASIDE + sha)).exists()


@SQLITE
def test_the_same_bytes_stored_between_the_two_looks_are_kept(app, monkeypatch):
    content = b"%PDF chosen again by a citizen while the prune runs"
    data_dir, sessions, sha = _old_file(app, content)
    first_look = store_prune._referred

    def stored_meanwhile(sessions_, names, now):
        used = first_look(sessions_, names, now)
        if sha in names:
            documents.store_bytes(data_dir, content)  # a request reuses the file: touched, young
        return used

    monkeypatch.setattr(store_prune, "_referred", stored_meanwhile)
    done = store_prune.prune(sessions, data_dir, datetime.now(timezone.utc))
    assert done.removed == 0 and documents.path_for(data_dir, sha).exists()


@SQLITE
def test_a_stopped_prune_is_finished_by_the_next_and_a_file_written_again_meanwhile_stays(app):
    ext = app.extensions["tthc"]
    data_dir, sessions = ext["settings"].data_dir, ext["sessions"]
    gone = documents.store_bytes(data_dir, b"%PDF set aside, then the prune stopped")
    back = documents.store_bytes(data_dir, b"%PDF set aside, then stored again by a request")
    for sha in (gone, back):
        path = documents.path_for(data_dir, sha)
        _age(path, 10)
        os.replace(path, path.parent / (store_prune.ASIDE + sha))
    assert documents.store_bytes(data_dir, b"%PDF set aside, then stored again by a request") == back  # new copy
    done = store_prune.prune(sessions, data_dir, datetime.now(timezone.utc))
    assert not documents.path_for(data_dir, gone).exists()
    assert documents.path_for(data_dir, back).exists()
    # the request's newer copy stayed, not the older one put back over it: the next prune still finds it young
    assert documents.path_for(data_dir, back).stat().st_mtime > datetime.now(timezone.utc).timestamp() - DAY
    assert not list(documents.path_for(data_dir, gone).parent.glob(store_prune.ASIDE + "*"))
    assert not list(documents.path_for(data_dir, back).parent.glob(store_prune.ASIDE + "*"))
    assert done.removed >= 1
