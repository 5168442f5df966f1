"""The `tthc` command line (also reachable as `flask --app app ...`)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sqlalchemy import select
from alembic.util import CommandError
from sqlalchemy.exc import DBAPIError

from engine.cases import preflight
from engine.process import procedures
from engine.core.clock import SystemClock
from engine.cases.preflight import upgrade_database
from engine.cli.audit import audit as audit_group
from engine.cli.calendar import calendar as calendar_group
from engine.cli.procedure import echo_warnings, procedure as procedure_group
from engine.cli.citizens import citizen as citizen_group
from engine.cli.payments import payments_group
from engine.cli.offers import agency_problems, offer as offer_command
from engine.cli.render import render as render_command
from engine.cli.stats import stats as stats_command
from engine.cli.keys import token as token_command
from engine.cli.notifications import notifications as notifications_group
from engine.cli.signing import signing_method
from engine.cli.staff import agency as agency_group, officer as officer_group
from engine.cli.demo import DEMO_AGENCY, DEMO_CITIZEN, DEMO_USERS, load_demo, province_officers  # noqa: F401 (re-exported)
from engine.data.db import make_sessionmaker
from engine.core.errors import DefinitionError, EngineError
from engine.data.model import Agency
from engine.core.settings import Settings, SettingsError, with_secrets

_settings = preflight.command_settings


_sessions = preflight.command_sessions


@click.group(help="TTHC engine: thủ tục hành chính trên BPMN.")
def main() -> None:
    pass


@main.group(help="Cơ sở dữ liệu.")
def db() -> None:
    pass


@db.command("upgrade", help="Nâng cấp cơ sở dữ liệu lên phiên bản mới nhất (Alembic).")
def db_upgrade() -> None:
    upgrade_database(_settings())
    click.echo("database upgraded")


def _paths(paths: tuple[str, ...]) -> list[Path]:
    result = []
    for raw in paths:
        path = Path(raw)
        result.extend(sorted(path.rglob("*.bpmn")) if path.is_dir() else [path])
    return result


def _definitions(settings: Settings, paths: tuple[str, ...]):
    """Load every file; print every problem; exit 1 if any."""
    definitions, failed = [], False
    for path in _paths(paths):
        if not path.is_file():
            click.echo(f"{path}:0: -: tệp không tồn tại", err=True)
            failed = True
            continue
        try:
            definitions.append(procedures.load_file(path, settings.forms_dir))
            missing = definitions[-1].info["result"].get("template_missing")
            if missing:
                click.echo(f"cảnh báo: {path}: không có tệp mẫu kết quả {missing} bên cạnh; kết quả sẽ dùng mẫu "
                           "chung của hệ thống", err=True)
        except DefinitionError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
    if failed:
        sys.exit(1)
    echo_warnings(settings, definitions)  # a copied file's process id, code, components, fees: engine.process.similarity
    return definitions


@main.command(help="Kiểm tra tệp BPMN (và biểu mẫu) mà không triển khai.")
@click.argument("paths", nargs=-1, required=True)
@click.option("--simulate", "simulated", is_flag=True,
              help="Chạy thêm một hồ sơ theo đường đi mẫu (tiếp nhận → trả kết quả) qua tthc simulate.")
def validate(paths, simulated: bool) -> None:
    settings = _settings()
    definitions, failed = _definitions(settings, paths), False
    unknown = agency_problems(settings, definitions)  # the agency each file names must exist (D29)
    for definition in definitions:
        problems = [p for p in unknown if p.file == definition.file_name]
        if simulated and not problems:
            from engine import simulate as sim

            problems = sim.check_happy_path(definition, settings)
        for problem in problems:
            click.echo(str(problem), err=True)
        failed = failed or bool(problems)
        if not problems:
            click.echo(f"{definition.file_name}: ok ({definition.code}, {len(definition.info['steps'])} bước"
                       f"{', mô phỏng: ' + ' → '.join(definition.info['happy_path']) if simulated else ''})")
    if failed:
        sys.exit(1)


def deploy_paths(settings: Settings, paths, actor: str | None = None) -> list[tuple[str, int, bool]]:
    definitions = sorted(_definitions(settings, paths), key=procedures.calls_others)  # callees first (D33)
    sessions = _sessions(settings)
    results = []
    with sessions.begin() as session:
        for definition in definitions:
            version, changed = procedures.deploy(session, definition, SystemClock().now(), actor)
            results.append((definition.code, version.version, changed))
    return results


@main.command(help="Triển khai tệp BPMN thành phiên bản mới của thủ tục.")
@click.argument("paths", nargs=-1, required=True)
def deploy(paths) -> None:
    for code, version, changed in deploy_paths(_settings(), paths, "cli"):
        click.echo(f"{code}\tversion {version}\t{'changed' if changed else 'unchanged'}")


@main.group(help="Hạ tầng khóa ký số (PKI).")
def pki() -> None:
    pass


def init_pki(settings: Settings, pin: str | None = None) -> int:
    from engine.paperwork import results

    with _sessions(settings).begin() as session:
        return results.ensure_keys(session, settings, SystemClock().now(), pin=pin)


@pki.command("init", help="Tạo CA gốc demo, CA cơ quan, chứng thư cho mỗi cán bộ ký (mã hóa bằng mã PIN) và mỗi "
                          "tổ chức (PKCS#12).")
@click.option("--pin", default=None, help="Mã PIN của khóa cá nhân mới (mặc định: mật khẩu mẫu).")
def pki_init(pin: str | None) -> None:
    settings = with_secrets(_settings())  # signs: the key passphrase is resolved here
    upgrade_database(settings)
    made = init_pki(settings, pin=pin or settings.demo_password or "demo12345")
    click.echo(f"pki ready in {settings.pki_dir}: {made} new keys; trust anchors in {settings.trust_dir}")


@main.group(help="Dữ liệu mẫu.")
def demo() -> None:
    pass


@demo.command("load", help="Tạo cơ quan, người dùng mẫu cho mỗi vai trò, công dân mẫu và triển khai các thủ tục.")
@click.option("--password", default=None, help="Mật khẩu của mọi người dùng mẫu.")
def demo_load(password: str | None) -> None:
    settings = with_secrets(_settings())  # signs: the key passphrase is resolved here
    password = password or settings.demo_password or "demo12345"
    if len(password) < 8:
        raise click.UsageError("mật khẩu cần ít nhất 8 ký tự")
    load_demo(settings, password)
    click.echo(f"demo loaded: users {', '.join(u for u, _, _, _ in province_officers())}, "
               f"citizen {DEMO_CITIZEN['cccd']}; password: {password}")


@main.command(help="Chạy dịch vụ: ứng dụng web (máy chủ WSGI waitress) và dịch vụ hẹn giờ.")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--threads", default=8, type=click.IntRange(1, 64), help="Số luồng phục vụ yêu cầu (mặc định 8).")
@click.option("--demo", "with_demo", is_flag=True, help="Nâng cấp CSDL và nạp dữ liệu mẫu trước khi chạy.")
@click.option("--worker/--no-worker", default=True,
              help="Chạy dịch vụ hẹn giờ trong cùng tiến trình (mặc định có; tắt khi chạy `tthc worker` riêng).")
def serve(host: str, port: int, threads: int, with_demo: bool, worker: bool) -> None:
    import waitress

    from engine import timers
    from engine.web import create_app

    settings = with_secrets(_settings(calendar=True))
    services = sms = eid_sim = None
    if with_demo:
        password = settings.demo_password or "demo12345"
        load_demo(settings, password)
        click.echo(f"demo data loaded (password: {password})")
        services, settings = start_demo_services(settings, port + 1)
        click.echo(f"demo trust services on {services.url}: remote signing (CSC API: {services.url}/csc/v1, "
                   f"confirmations: {services.url}/csc/xac-nhan), timestamps {services.url}/tsa")
        if not settings.sms_url:  # the demo's SMS go to the local provider simulator, shown on its page
            from engine.cases.smsprovider import SmsSimulator

            sms = SmsSimulator(token=settings.sms_token).start()
            settings = settings.replace(sms_url=sms.url)
            click.echo(f"SMS simulator: messages at http://127.0.0.1:{sms.port}/")
        from engine.web import eidsim  # the e-ID sign-in goes to the local OpenID Connect provider simulator

        eid_sim, settings = eidsim.for_demo(settings)
        if eid_sim is not None:
            click.echo(f"e-ID sign-in simulator (OpenID Connect): {eid_sim.url}/")
    else:
        upgrade_database(settings)
    app = create_app(settings, threads=threads)
    if with_demo:
        _demo_gateway(app, settings, host, port)
    scheduler = None
    if worker:
        scheduler = timers.start_background_worker(app.extensions["tthc"]["sessions"], settings, SystemClock())
        drain = timers.RenderDrain(app.extensions["tthc"]["sessions"], settings, SystemClock()).start()
        app.extensions["tthc"]["after_commit"] = drain.wake  # documents to sign are rendered right after the commit
        click.echo(f"timer service: a sweep every {settings.timer_interval_seconds:g} s in this process")
    frozen = _settle(settings)
    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C to stop; {frozen} start-up objects set aside from the "
               f"cycle collector)")
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="tthc", **preflight.server_options(settings))
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if services is not None:
            services.stop()
        if sms is not None:
            sms.stop()
        if eid_sim is not None:
            eid_sim.stop()


def _settle(settings: Settings) -> int:
    """Before a long-running process serves: the document renderer and its fonts loaded, then what start-up built
    set aside from the cycle collector (engine.core.memory). Returns how many objects were."""
    from engine.core import memory
    from engine.paperwork import layout

    try:
        layout.prepare(Path(settings.font_dir))
    except Exception as exc:  # noqa: BLE001 - a font problem shows at the first document, with its own message
        click.echo(f"warning: document fonts not loaded now ({exc}); they load at the first document", err=True)
    return memory.settle()


def start_demo_services(settings: Settings, port: int):
    """The demo's remote signing service (a key per demo signer, Pki.remote_key), TSA and CRL on 127.0.0.1
    (engine.web.trustservices), on ``port`` or a free one; signatures are timestamped by it unless tsa_url
    names another TSA. Returns the running services and the settings to serve with."""
    from engine.paperwork import results
    from engine.web import trustservices

    from engine.cli.demo import AGENCIES

    now, keys, names = SystemClock().now(), results.pki(settings), {a[0]: a[1] for a in AGENCIES}
    for username, name, roles, code in province_officers():
        if roles & set(results.SIGNING_ROLES):
            keys.issue(keys.remote_key(username), name, names[code], now)
    try:
        services = trustservices.start(keys, now, port=port)
    except OSError:  # the port is taken: any free one (printed)
        services = trustservices.start(keys, now)
    return services, settings if settings.tsa_url else settings.replace(tsa_url=f"{services.url}/tsa")


def _demo_gateway(app, settings: Settings, host: str, port: int) -> None:
    """The demo's payment gateway: the simulator on 127.0.0.1 (a free port, a thread), and the demo agency set
    to take its fees through it."""
    from engine.cases import payments
    from engine.web import paysim

    engine_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    running = paysim.Running(paysim.Simulator(settings.payment_secret, f"{engine_url}/api/v1/payments/vnpay/ipn"))
    running.start()
    with app.extensions["tthc"]["sessions"].begin() as session:
        agency = session.scalar(select(Agency).where(Agency.code == DEMO_AGENCY[0]))
        payments.configure(session, agency.id, "vnpay", SystemClock().now(), running.sim.merchant, running.pay_url)
    click.echo(f"payment gateway simulator: {running.url}/ (the demo agency pays through it)")


@main.command(help="Dịch vụ hẹn giờ: quét hồ sơ đến hạn theo nhịp (timer service).")
@click.option("--once", is_flag=True, help="Quét một lần rồi dừng; in kết quả.")
def worker(once: bool) -> None:
    from engine import timers

    settings = with_secrets(_settings(calendar=True))
    upgrade_database(settings)
    sessions = make_sessionmaker(preflight.database_engine(settings))
    if once:
        from engine.cases import digests, dispatch

        done = timers.sweep(sessions, settings, SystemClock().now())
        rendered = timers.render_signing(sessions, settings, SystemClock().now())
        digested = digests.send_digests(sessions, settings, SystemClock().now())
        sent = dispatch.drain(sessions, settings, SystemClock())
        click.echo(json.dumps({"handled": done.handled, "effects": done.effects, "incidents": done.incidents,
                               "digests": digested, "notices": sent.as_dict(),
                               "rendered": rendered}))
        return
    _settle(settings)
    click.echo(f"timer service: a sweep every {settings.timer_interval_seconds:g} s (Ctrl+C to stop)")
    timers.run_worker(sessions, settings, SystemClock())


@main.command(help="Mô phỏng một hồ sơ trên đồng hồ ảo và in dòng thời gian (JSON).")
@click.argument("scenario", type=click.Path(dir_okay=False))
def simulate(scenario: str) -> None:
    from engine import simulate as sim

    path = Path(scenario)
    try:
        result = sim.run(sim.load_scenario(path), _settings(calendar=True), path.parent)
    except (sim.ScenarioError, DefinitionError) as exc:
        problems = getattr(exc, "problems", None)
        for problem in problems or [exc]:
            click.echo(f"lỗi: {problem}", err=True)
        sys.exit(1)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


main.add_command(calendar_group, "calendar")
main.add_command(audit_group, "audit")
main.add_command(payments_group, "payments")
main.add_command(offer_command, "offer")
main.add_command(render_command, "render")
main.add_command(stats_command, "stats")
pki.add_command(token_command, "token")
main.add_command(notifications_group, "notifications")
pki.add_command(signing_method, "method")
main.add_command(agency_group, "agency"), main.add_command(officer_group, "officer")
main.add_command(citizen_group, "citizen"), main.add_command(procedure_group, "procedure")


def register(app) -> None:
    """Make every command reachable as `flask --app app ...` too."""
    for name, command in main.commands.items():
        app.cli.add_command(command, name)


def run() -> None:  # pragma: no cover - console entry (tests run it in a subprocess)
    try:
        main()
    except EngineError as exc:
        click.echo(f"lỗi: {exc.message}", err=True)
        sys.exit(1)
    except (SettingsError, DBAPIError, CommandError) as exc:  # one line naming the setting, no traceback (README)
        click.echo(preflight.operator_line(exc), err=True)
        sys.exit(2 if isinstance(exc, SettingsError) else 3)
