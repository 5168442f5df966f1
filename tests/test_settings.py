"""Settings: config/default.toml, then TTHC_CONFIG, then TTHC_* variables; wrong values are refused by name,
and the command line says so in one line, without a traceback."""
from __future__ import annotations

import subprocess
import sys

import pytest

from engine.core.settings import PROJECT_ROOT, SettingsError, load_settings, with_secrets


def test_variables_override_the_defaults_with_their_type():
    settings = load_settings({"TTHC_PROXY_HOPS": "1", "TTHC_TIMER_BATCH": "50", "TTHC_SCRIPT_TIME_LIMIT": "0.5"})
    assert (settings.proxy_hops, settings.timer_batch, settings.script_time_limit) == (1, 50, 0.5)
    assert load_settings({}).proxy_hops == 0  # by default no proxy header is trusted


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("TTHC_PROXY_HOPS", "-1", "proxy_hops phải ít nhất 0"),
    ("TTHC_TIMER_INTERVAL_SECONDS", "0", "timer_interval_seconds phải ít nhất 0.01"),
    ("TTHC_TIMER_BATCH", "0", "timer_batch phải ít nhất 1"),
    ("TTHC_PROXY_HOPS", "một", "proxy_hops: 'một' không phải số nguyên"),
])
def test_a_value_that_makes_no_sense_is_refused_by_name(variable, value, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({variable: value})


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "1e9", "61"])
def test_a_script_time_limit_that_would_switch_the_limit_off_is_refused(value):
    with pytest.raises(SettingsError, match="script_time_limit phải là số từ 0.001 đến 60"):
        load_settings({"TTHC_SCRIPT_TIME_LIMIT": value})
    assert load_settings({"TTHC_SCRIPT_TIME_LIMIT": "60"}).script_time_limit == 60


def test_an_unknown_key_in_a_config_file_is_refused(tmp_path):
    config = tmp_path / "site.toml"
    config.write_text('proxy_hop = 1\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="thiết lập không tồn tại: .*proxy_hop"):
        load_settings({"TTHC_CONFIG": str(config)})


def test_the_command_line_reports_a_wrong_setting_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-c", "from engine.cli import run; run()", "calendar", "day", "2026-01-01"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
                          env={"TTHC_PROXY_HOPS": "-1", "TTHC_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert done.stderr.strip() == "lỗi cấu hình: thiết lập proxy_hops phải ít nhất 0, không phải -1"
    assert "Traceback" not in done.stderr + done.stdout


def test_settings_touch_no_file_until_an_edge_resolves_the_secrets(tmp_path):
    data, pki = tmp_path / "data", tmp_path / "pki"
    settings = load_settings({}, data_dir=str(data), pki_dir=str(pki), pki_passphrase="", secret_key="")
    for name in ("passphrase", "session_secret"):
        with pytest.raises(SettingsError, match="with_secrets"):
            getattr(settings, name)
    assert not data.exists() and not pki.exists()  # reading settings wrote nothing
    resolved = with_secrets(settings)
    assert sorted(p.name for p in pki.iterdir()) == [".passphrase"]
    assert sorted(p.name for p in data.iterdir()) == ["payment_secret", "secret_key"]
    again = with_secrets(load_settings({}, data_dir=str(data), pki_dir=str(pki), pki_passphrase="", secret_key=""))
    assert (again.passphrase, again.session_secret) == (resolved.passphrase, resolved.session_secret)
    assert len(resolved.passphrase) >= 32 and resolved.passphrase != resolved.session_secret


def test_configured_secrets_are_used_as_they_are_and_no_file_is_made(tmp_path):
    settings = with_secrets(load_settings({}, data_dir=str(tmp_path / "data"), pki_dir=str(tmp_path / "pki"),
                                          pki_passphrase="from-the-vault", secret_key="cookie-key",
                                          payment_hash_secret="gateway-key"))
    assert (settings.passphrase, settings.session_secret) == ("from-the-vault", "cookie-key")
    assert settings.payment_secret == "gateway-key"
    assert not (tmp_path / "data").exists() and not (tmp_path / "pki").exists()
