"""`tthc demo load` (and `tthc serve --demo`, which runs it at every start) is idempotent: it put the repository's
file back over an administrator's own version, as a new current version deployed by "demo", at every restart."""
from __future__ import annotations

import io

import pytest
from conftest import PASSWORD, SAMPLE, SAMPLE_CODE

from engine.cli.demo import load_demo

ADMIN = "demo.admin"


def _versions(api) -> list[tuple[int, str]]:
    r = api.get(f"/api/v1/procedures/{SAMPLE_CODE}/versions", ADMIN)
    assert r.status_code == 200, r.get_json()
    return [(v["version"], v.get("deployed_by")) for v in r.get_json()]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_demo_reload_keeps_the_administrators_version(api, app):
    settings = app.extensions["tthc"]["settings"]
    xml = SAMPLE.read_text(encoding="utf-8").replace(
        '<spiffworkflow:property name="duration" value="3" />', '<spiffworkflow:property name="duration" value="4" />', 1)
    r = api.post("/api/v1/procedures", ADMIN, content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(xml.encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()
    before = _versions(api)
    load_demo(settings, PASSWORD, province=False)
    assert _versions(api) == before, before
    r = api.get(f"/api/v1/procedures/{SAMPLE_CODE}", ADMIN).get_json()
    assert r["version"] == max(v for v, _ in before), r
