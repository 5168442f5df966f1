"""Settings: one frozen object built from config/default.toml, TTHC_CONFIG and TTHC_* variables.

This is the only module that reads ``os.environ``. Unknown keys fail loudly, so a typo in a
province's configuration is found at start-up, not in production; an unknown TTHC_* variable (a misspelled
name would silently do nothing) is named in a warning. Relative paths follow the current directory, as
config/default.toml says, so that a designer can work in a folder of their own (its processes/ and forms/).
"""
from __future__ import annotations

import dataclasses
import difflib
import logging
import math
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILE = PROJECT_ROOT / "config" / "default.toml"
SHIPPED_CALENDAR = PROJECT_ROOT / "config" / "calendar.toml"  # calendar_file = "": the one that comes with the engine
# TTHC_* variables read for something else: the traceback of an unexpected error (engine.cli, which names it in
# its error line), the PostgreSQL of tests
NOT_SETTINGS = {"TTHC_CONFIG", "TTHC_TRACEBACK", "TTHC_PG_BIN", "TTHC_PG_MEMORY_DIR"}
# TTHC_PAYMENT_SECRET_<MERCHANT>: the hash secret of one merchant (payment_secrets), kept apart from the others
MERCHANT_SECRET_VAR = "TTHC_PAYMENT_SECRET_"
log = logging.getLogger(__name__)


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
    public_url: str
    audit_checkpoint_minutes: float
    session_cookie_secure: bool
    pkcs11_module: str
    tsa_url: str
    crl_url: str
    smtp_host: str
    smtp_port: int
    smtp_from: str
    sms_url: str
    sms_token: str
    notify_batch: int
    notify_max_attempts: int
    notify_retry_seconds: float
    notify_lease_seconds: float
    payment_hash_secret: str = ""
    # (merchant code, hash secret) pairs, sorted: the merchants with a secret of their own (payment_secrets)
    payment_secrets: tuple[tuple[str, str], ...] = dataclasses.field(default=(), repr=False)
    report_database_url: str = ""
    report_statement_timeout_seconds: float = 20.0
    report_max_days: int = 1830
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_cccd_claim: str = "cccd"

    @property
    def passphrase(self) -> str:
        """The key passphrase. Reading it touches no file: ``with_secrets`` resolved it when the edge started."""
        if not self.pki_passphrase:
            raise SettingsError("pki_passphrase is not resolved: the entry point must call with_secrets()")
        return self.pki_passphrase

    @property
    def session_secret(self) -> str:
        """The key for session cookies and CSRF tokens, resolved by ``with_secrets`` like the passphrase."""
        if not self.secret_key:
            raise SettingsError("secret_key is not resolved: the entry point must call with_secrets()")
        return self.secret_key

    @property
    def payment_secret(self) -> str:
        """The payment gateways' hash secret (HMAC key), resolved by ``with_secrets`` like the passphrase."""
        if not self.payment_hash_secret:
            raise SettingsError("payment_hash_secret is not resolved: the entry point must call with_secrets()")
        return self.payment_hash_secret

    def payment_secret_of(self, merchant: str | None) -> str:
        """The hash secret of one merchant (vnp_TmnCode, MaDoiTac): its own from ``payment_secrets``, else the
        province's ``payment_hash_secret`` (an agency's VNPay account, the national platform: each its own key)."""
        return dict(self.payment_secrets).get(merchant or "") or self.payment_secret

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'tthc.sqlite3'}"

    @property
    def resolved_report_database_url(self) -> str:
        """Where reports read: a read replica when one is configured, else the main database."""
        return self.report_database_url or self.resolved_database_url

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)


_LOWEST = {"proxy_hops": 0, "token_hours": 1, "max_request_bytes": 1, "script_time_limit": 0.001,
           "timer_interval_seconds": 0.01, "timer_batch": 1,
           "audit_checkpoint_minutes": 1.0, "report_statement_timeout_seconds": 0.001, "report_max_days": 1,
           "smtp_port": 1, "notify_batch": 1, "notify_max_attempts": 1, "notify_retry_seconds": 0.001,
           "notify_lease_seconds": 1.0}  # numbers below these make no sense
# Script limits must be finite and sensible: ``nan`` compares false with everything and ``inf`` never comes,
# so either would switch the limit off (``while True: pass`` in a procedure would then hold a thread for ever).
_HIGHEST = {"script_time_limit": 60.0, "smtp_port": 65535}
_KINDS = {int: "số nguyên", float: "số"}  # what a value of the wrong type is told it is not
_PATH_KEYS = {"data_dir", "processes_dir", "forms_dir", "calendar_file", "pki_dir", "trust_dir", "font_dir"}


def kept_secret(path: Path) -> str:
    """A random secret made once and kept in ``path`` (readable by the owner only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def with_secrets(settings: Settings) -> Settings:
    """The settings with their secrets resolved, once, by the edge that starts (app, command, service).

    A secret left empty in the configuration is generated once and kept in a file: the key passphrase beside
    the demo keys, the session key in the data folder. Loading settings and reading them never touch a file;
    this function is the one place that does.
    """
    return settings.replace(
        pki_passphrase=settings.pki_passphrase or kept_secret(settings.pki_dir / ".passphrase"),
        secret_key=settings.secret_key or kept_secret(settings.data_dir / "secret_key"),
        payment_hash_secret=settings.payment_hash_secret or kept_secret(settings.data_dir / "payment_secret"))


def _coerce(key: str, raw, kind):
    if kind is str and not isinstance(raw, str):  # str() would turn a TOML table or list into text
        raise SettingsError(f"thiết lập {key}: {raw!r} không phải văn bản")
    try:
        if kind is bool:
            return raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes"}
        value = kind(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"thiết lập {key}: {raw!r} không phải {_KINDS[kind]}") from exc
    if kind is float and not math.isfinite(value) and key not in _HIGHEST:  # nan passes every lower bound
        raise SettingsError(f"thiết lập {key}: {raw!r} không phải số hữu hạn")
    return value


def _merchant_secrets(raw, env) -> tuple[tuple[str, str], ...]:
    """The ``payment_secrets`` table (a TOML table, or its inline text ``{ "CODE" = "secret" }`` in
    TTHC_PAYMENT_SECRETS), then one TTHC_PAYMENT_SECRET_<CODE> variable per merchant; a secret must be text, not
    empty (an empty one would sign with nothing)."""
    if isinstance(raw, str):
        try:
            raw = tomllib.loads(f"t = {raw}")["t"] if raw.strip() else {}
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"thiết lập payment_secrets: không phải bảng TOML viết trên một dòng: {exc}") from None
    if not isinstance(raw, dict):
        raise SettingsError(f"thiết lập payment_secrets: {raw!r} không phải bảng mã đơn vị = khóa bí mật")
    table = dict(raw)
    table.update({var[len(MERCHANT_SECRET_VAR):]: value for var, value in env.items()
                  if var.startswith(MERCHANT_SECRET_VAR) and len(var) > len(MERCHANT_SECRET_VAR)})
    for merchant, secret in table.items():
        if not isinstance(secret, str) or not secret:
            raise SettingsError(f"thiết lập payment_secrets: khóa bí mật của đơn vị {merchant!r} phải là văn bản, "
                                f"không để trống")
    return tuple(sorted(table.items()))


def _path(key: str, raw) -> Path:
    """A path setting; a relative one follows the current directory (config/default.toml)."""
    if not isinstance(raw, (str, os.PathLike)):
        raise SettingsError(f"thiết lập {key}: {raw!r} không phải đường dẫn (văn bản)")
    if "\x00" in str(raw):
        raise SettingsError(f"thiết lập {key}: {raw!r} chứa ký tự NUL")
    path = Path(raw).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


def _read_toml(path, what: str) -> dict:
    """A TOML file, or a SettingsError naming it (missing, a folder, unreadable, not UTF-8, not TOML)."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        reason = "không có tệp"
    except IsADirectoryError:
        reason = "là thư mục, không phải tệp"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    except UnicodeDecodeError:
        reason = "không phải văn bản UTF-8"
    except tomllib.TOMLDecodeError as exc:
        reason = f"không phải TOML hợp lệ: {exc}"
    raise SettingsError(f"{what}={path}: {reason}")


def unknown_variables(env) -> list[str]:
    """TTHC_* variables that name no setting, each with the setting it was probably meant to be."""
    names = {f"TTHC_{f.name.upper()}" for f in dataclasses.fields(Settings)}
    found = []
    for var in sorted(v for v in env if v.startswith("TTHC_") and v not in names | NOT_SETTINGS
                      and not v.startswith(MERCHANT_SECRET_VAR)):
        close = difflib.get_close_matches(var, sorted(names | {"TTHC_CONFIG"}), n=1)
        found.append(f"{var} (có phải {close[0]}?)" if close else var)
    return found


def writable_data_dir(settings: "Settings") -> Path:
    """The data folder, made if needed; a SettingsError naming data_dir when it cannot be made or written."""
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(f"thiết lập data_dir: không tạo được thư mục {path}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise SettingsError(f"thiết lập data_dir: không ghi được vào thư mục {path}")
    return path


def load_settings(environ: dict[str, str] | None = None, **overrides) -> Settings:
    """Read the defaults, then the TTHC_CONFIG file, then TTHC_* variables, then ``overrides``."""
    env = os.environ if environ is None else environ
    if environ is None:
        unknown = unknown_variables(env)
        if unknown:
            log.warning("cảnh báo: biến môi trường không có tác dụng: %s", ", ".join(unknown))
    values: dict = _read_toml(DEFAULT_FILE, "thiết lập mặc định")
    known = {f.name: f for f in dataclasses.fields(Settings)}
    extra_file = env.get("TTHC_CONFIG")
    if extra_file:
        extra = _read_toml(extra_file, "TTHC_CONFIG")
        unknown = set(extra) - set(known)
        if unknown:
            raise SettingsError(f"{extra_file} có thiết lập không tồn tại: {', '.join(sorted(unknown))}")
        values.update(extra)
    for name in known:
        var = f"TTHC_{name.upper()}"
        if var in env:
            values[name] = env[var]
    for name, value in overrides.items():
        if name not in known:
            raise SettingsError(f"không có thiết lập {name}")
        values[name] = value
    result = {}
    data_dir = _path("data_dir", values.get("data_dir") or "data")
    values["pki_dir"] = values.get("pki_dir") or str(data_dir / "pki")
    values["trust_dir"] = values.get("trust_dir") or str(_path("pki_dir", values["pki_dir"]) / "trust")
    values["calendar_file"] = values.get("calendar_file") or str(SHIPPED_CALENDAR)
    for name, field in known.items():
        raw = values.get(name)
        if name in _PATH_KEYS:
            result[name] = _path(name, raw)
        elif name == "payment_secrets":
            # TTHC_PAYMENT_SECRET_<CODE> variables, unless ``overrides`` gives the whole table (it comes last)
            result[name] = _merchant_secrets(raw if raw is not None else {}, {} if name in overrides else env)
        else:
            kind = {"int": int, "float": float, "str": str, "bool": bool}[str(field.type)]
            result[name] = _coerce(name, raw, kind)
    for name, highest in _HIGHEST.items():
        if not math.isfinite(result[name]) or result[name] > highest:
            raise SettingsError(f"thiết lập {name} phải là số từ {_LOWEST[name]} đến {highest}, "
                                f"không phải {result[name]}")
    for name, lowest in _LOWEST.items():
        if result[name] < lowest:
            raise SettingsError(f"thiết lập {name} phải ít nhất {lowest}, không phải {result[name]}")
    return Settings(**result)
