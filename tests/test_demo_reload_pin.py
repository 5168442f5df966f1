"""api.md: "The demo's signing keys take the demo password (`tthc demo load --password PW`) as their PIN". Loaded
again with another password, the sign-in took the new one and every key kept the old: the leader signed in with one
password and had to sign with the other."""
from __future__ import annotations

from conftest import make_settings

from engine.cli.demo import load_demo
from engine.paperwork import results


def test_a_demo_loaded_again_with_another_password_signs_with_it(tmp_path):
    settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'demo.sqlite3'}", tmp_path / "pki")
    keys = results.pki(settings)
    load_demo(settings, "secret99", province=False)
    leader = keys.user_key("demo.lanhdao")
    assert keys.opens(leader, "secret99") and not keys.opens(leader, "other123")
    first = leader.read_bytes()
    load_demo(settings, "secret99", province=False)
    assert leader.read_bytes() == first  # the same password: the same keys, none opened but one
    load_demo(settings, "other123", province=False)
    assert keys.opens(leader, "other123") and keys.opens(keys.user_key("demo.thutruong"), "other123")
    assert not keys.opens(leader, "secret99")
