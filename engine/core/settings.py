"""Settings: one frozen object built from config/default.toml, TTHC_CONFIG and TTHC_* variables.

This is the only module that reads ``os.environ``. Unknown keys fail loudly, so a typo in a
province's configuration is found at start-up, not in production.
"""
from __future__ import annotations

import dataclasses
import math
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILE = PROJECT_ROOT / "config" / "default.toml"


class SettingsError(ValueError):
    """The configuration is wrong (unknown key, bad type)."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    secret_key: str
    token_hours: int
    proxy_hops: int
    max_request_bytes: int
    script_time_limit: float
    processes_dir: Path
    forms_dir: Path
    demo_password: str
    calendar_file: Path
    timer_interval_seconds: float
    timer_batch: int
    pki_dir: Path
    pki_passphrase: str
    trust_dir: Path
    font_dir: Path
    place_name: str

    @property
    def passphrase(self) -> str:
        """The key passphrase: configured, or generated once beside the demo keys."""
        return self.pki_passphrase or kept_secret(self.pki_dir / ".passphrase")

    @property
    def session_secret(self) -> str:
        """The key for session cookies and CSRF tokens: configured, or generated once in the data folder."""
        return self.secret_key or kept_secret(self.data_dir / "secret_key")

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'tthc.sqlite3'}"

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)


_LOWEST = {"proxy_hops": 0, "token_hours": 1, "max_request_bytes": 1, "script_time_limit": 0.001,
           "timer_interval_seconds": 0.01, "timer_batch": 1}  # numbers below these make no sense
# Script limits must be finite and sensible: ``nan`` compares false with everything and ``inf`` never comes,
# so either would switch the limit off (``while True: pass`` in a procedure would then hold a thread for ever).
_HIGHEST = {"script_time_limit": 60.0}
_PATH_KEYS = {"data_dir", "processes_dir", "forms_dir", "calendar_file", "pki_dir", "trust_dir", "font_dir"}


def kept_secret(path: Path) -> str:
    """A random secret made once and kept in ``path`` (readable by the owner only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _coerce(key: str, raw, kind):
    try:
        if kind is bool:
            return raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes"}
        return kind(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {key}: {raw!r} is not a valid {kind.__name__}") from exc


def load_settings(environ: dict[str, str] | None = None, **overrides) -> Settings:
    """Read the defaults, then the TTHC_CONFIG file, then TTHC_* variables, then ``overrides``."""
    env = os.environ if environ is None else environ
    with open(DEFAULT_FILE, "rb") as fh:
        values: dict = tomllib.load(fh)
    known = {f.name: f for f in dataclasses.fields(Settings)}
    extra_file = env.get("TTHC_CONFIG")
    if extra_file:
        with open(extra_file, "rb") as fh:
            extra = tomllib.load(fh)
        unknown = set(extra) - set(known)
        if unknown:
            raise SettingsError(f"unknown settings in {extra_file}: {', '.join(sorted(unknown))}")
        values.update(extra)
    for name in known:
        var = f"TTHC_{name.upper()}"
        if var in env:
            values[name] = env[var]
    for name, value in overrides.items():
        if name not in known:
            raise SettingsError(f"unknown setting: {name}")
        values[name] = value
    result = {}
    data_dir = Path(values.get("data_dir") or "data")
    data_dir = data_dir if data_dir.is_absolute() else PROJECT_ROOT / data_dir
    values["pki_dir"] = values.get("pki_dir") or str(data_dir / "pki")
    values["trust_dir"] = values.get("trust_dir") or str(Path(values["pki_dir"]) / "trust")
    for name, field in known.items():
        raw = values.get(name)
        if name in _PATH_KEYS:
            path = Path(raw)
            result[name] = path if path.is_absolute() else PROJECT_ROOT / path
        else:
            kind = {"int": int, "float": float, "str": str, "bool": bool}[str(field.type)]
            result[name] = _coerce(name, raw, kind)
    for name, highest in _HIGHEST.items():
        if not math.isfinite(result[name]) or result[name] > highest:
            raise SettingsError(f"setting {name} must be a number from {_LOWEST[name]} to {highest}, "
                                f"not {result[name]}")
    for name, lowest in _LOWEST.items():
        if result[name] < lowest:
            raise SettingsError(f"setting {name} must be at least {lowest}, not {result[name]}")
    return Settings(**result)
