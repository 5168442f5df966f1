"""`tthc notifications dispatch`, `dead` and `dead --retry`: the outbox from the command line (for cron)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import CITIZEN, make_settings

from engine.cases.smsprovider import SmsSimulator
from engine.cli import main
from engine.core.settings import with_secrets


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def sms():
    simulator = SmsSimulator(token="t", refuse=-1).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def settings(database_url, tmp_path, pki_dir, sms):
    return with_secrets(make_settings(tmp_path / "data", database_url, pki_dir)).replace(sms_url=sms.url,
                                                                                         sms_token="t")


def test_dispatch_dead_and_retry_from_the_command_line(api, settings, sms, tmp_path):
    api.file(CITIZEN)  # one notice with an SMS delivery (no smtp_host: no email)
    env = {"TTHC_DATABASE_URL": settings.resolved_database_url, "TTHC_DATA_DIR": str(tmp_path / "data"),
           "TTHC_PKI_DIR": str(settings.pki_dir), "TTHC_SMS_URL": sms.url, "TTHC_SMS_TOKEN": "t",
           "TTHC_NOTIFY_MAX_ATTEMPTS": "1"}

    def tthc(*args):
        result = CliRunner().invoke(main, list(args), env=env)
        assert result.exit_code == 0, (result.output, result.exception)
        return result

    done = json.loads(tthc("notifications", "dispatch").stdout)
    assert done["claimed"] == 1 and done["dead"] == 1 and done["channels"] == {"email": False, "sms": True}
    listed = tthc("notifications", "dead").stdout.splitlines()
    assert len(listed) == 1 and listed[0].split("\t")[1:3] == ["sms", "0912345678"]
    delivery_id = listed[0].split("\t")[0]
    assert tthc("notifications", "dead", "--retry", delivery_id).stdout.strip() == f"{delivery_id}\tpending"
    sms.refuse = 0
    assert json.loads(tthc("notifications", "dispatch").stdout)["sent"] == 1
    assert tthc("notifications", "dead").stdout == "" and len(sms.messages) == 1
    refused = CliRunner().invoke(main, ["notifications", "dead", "--retry", delivery_id], env=env)
    assert refused.exit_code == 1 and delivery_id in refused.output  # sent: no dead letter to retry


def test_the_worker_sends_the_outbox_in_its_beat(api, settings, sms, tmp_path):
    sms.refuse = 0
    api.file(CITIZEN)
    env = {"TTHC_DATABASE_URL": settings.resolved_database_url, "TTHC_DATA_DIR": str(tmp_path / "data"),
           "TTHC_PKI_DIR": str(settings.pki_dir), "TTHC_SMS_URL": sms.url, "TTHC_SMS_TOKEN": "t"}
    result = CliRunner().invoke(main, ["worker", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["notices"]["sent"] == 1 and len(sms.messages) == 1
