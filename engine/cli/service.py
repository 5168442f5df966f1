"""The service's commands: `tthc db upgrade`, `tthc pki init`, `tthc demo load`, `tthc serve` (the web application
and the timer service), `tthc worker` and `tthc simulate`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from engine.cases import preflight
from engine.cases.preflight import upgrade_database
from engine.core.clock import SystemClock
from engine.core.errors import DefinitionError
from engine.core.settings import Settings, with_secrets
from engine.data.db import make_sessionmaker

_settings = preflight.command_settings


@click.command("upgrade", help="Nâng cấp cơ sở dữ liệu lên phiên bản mới nhất (Alembic).")
def db_upgrade() -> None:
    upgrade_database(_settings())
    click.echo("đã nâng cấp cơ sở dữ liệu")


@click.command("init", help="Tạo CA gốc demo, CA cơ quan, chứng thư cho mỗi cán bộ ký (mã hóa bằng mã PIN) và mỗi "
                          "tổ chức (PKCS#12).")
@click.option("--pin", default=None, help="Mã PIN của khóa cá nhân mới (mặc định: mật khẩu mẫu).")
def pki_init(pin: str | None) -> None:
    from engine.cli.keys import init_pki

    if pin is not None and (len(pin) < 6 or any(ch < " " or ch == "\x7f" for ch in pin)):
        # "" took the demo password silently; a control character can never be typed at the signing page
        raise click.BadParameter("mã PIN cần ít nhất 6 ký tự, không có ký tự điều khiển", param_hint="--pin")
    settings = with_secrets(_settings())  # signs: the key passphrase is resolved here
    upgrade_database(settings)
    made = init_pki(settings, pin=pin or settings.demo_password or "demo12345")
    click.echo(f"đã sẵn sàng hạ tầng khóa công khai tại {settings.pki_dir}: {made} khóa mới; chứng thư gốc tin cậy "
               f"tại {settings.trust_dir}")


@click.command("load", help="Tạo cơ quan, người dùng mẫu cho mỗi vai trò, công dân mẫu và triển khai các thủ tục.")
@click.option("--password", default=None, help="Mật khẩu của mọi người dùng mẫu.")
def demo_load(password: str | None) -> None:
    from engine.cases.accounts import password_problem
    from engine.cli.demo import DEMO_CITIZEN, load_demo, province_officers

    settings = with_secrets(_settings())  # signs: the key passphrase is resolved here
    if password is None:  # "" is refused below, as pki init's --pin "": it took the default silently
        password = settings.demo_password or "demo12345"
    problem = password_problem(password)  # a control character locked every demo account out: the login refuses it
    if problem:
        raise click.UsageError(problem[0].lower() + problem[1:])
    load_demo(settings, password)
    click.echo(f"đã nạp dữ liệu mẫu: người dùng {', '.join(u for u, _, _, _ in province_officers())}, "
               f"công dân {DEMO_CITIZEN['cccd']}; mật khẩu: {password}")


@click.command(help="Chạy dịch vụ: ứng dụng web (máy chủ WSGI waitress) và dịch vụ hẹn giờ.")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=click.IntRange(1, 65535))  # 99999 served on 34463 (waitress: % 65536)
@click.option("--threads", default=8, type=click.IntRange(1, 64), help="Số luồng phục vụ yêu cầu (mặc định 8).")
@click.option("--demo", "with_demo", is_flag=True, help="Nâng cấp CSDL và nạp dữ liệu mẫu trước khi chạy.")
@click.option("--worker/--no-worker", default=True,
              help="Chạy dịch vụ hẹn giờ trong cùng tiến trình (mặc định có; tắt khi chạy `tthc worker` riêng).")
def serve(host: str, port: int, threads: int, with_demo: bool, worker: bool) -> None:
    settings = with_secrets(_settings(calendar=True))  # a wrong setting is told before the engine is loaded
    from engine import timers
    from engine.cli.demo import load_demo
    from engine.web import create_app

    services = sms = eid_sim = None
    if with_demo:
        password = settings.demo_password or "demo12345"
        load_demo(settings, password)
        click.echo(f"đã nạp dữ liệu mẫu (mật khẩu: {password})")
        settings = _demo_public_url(settings, host, port)
        services, settings = start_demo_services(settings, port + 1)
        click.echo(f"dịch vụ tin cậy mẫu tại {services.url}: ký số từ xa (CSC API: {services.url}/csc/v1, "
                   f"xác nhận: {services.url}/csc/xac-nhan), dấu thời gian {services.url}/tsa")
        if not settings.sms_url:  # the demo's SMS go to the local provider simulator, shown on its page
            from engine.cases.smsprovider import SmsSimulator

            sms = SmsSimulator(token=settings.sms_token).start()
            settings = settings.replace(sms_url=sms.url)
            click.echo(f"mô phỏng nhà mạng SMS: tin nhắn đã gửi tại http://127.0.0.1:{sms.port}/")
        from engine.web import eidsim  # the e-ID sign-in goes to the local OpenID Connect provider simulator

        eid_sim, settings = eidsim.for_demo(settings)
        if eid_sim is not None:
            click.echo(f"mô phỏng đăng nhập bằng định danh điện tử (OpenID Connect): {eid_sim.url}/")
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
        click.echo(f"dịch vụ hẹn giờ: quét mỗi {settings.timer_interval_seconds:g} giây trong tiến trình này")
    try:
        server = _server(app, host=host, port=port, threads=threads, ident="tthc",
                         **preflight.server_options(settings))
        frozen = _settle(settings)
        click.echo(f"đang phục vụ tại http://{host}:{port}/ (Ctrl+C để dừng; {frozen} đối tượng khởi động được "
                   f"để riêng khỏi bộ thu gom vòng tham chiếu)")
        server.print_listen("Đang lắng nghe tại http://{}:{}")
        server.run()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if services is not None:
            services.stop()
        if sms is not None:
            sms.stop()
        if eid_sim is not None:
            eid_sim.stop()


def _server(app, **options):
    """waitress.serve's server, listening, with the answers waitress gives itself (a body over the limit refused at
    its headers, a malformed header or chunk) in the application's words: its JSON error under /api/, its page
    elsewhere (engine.web.ui.refusal), not waitress's English plain text. A host or port it cannot listen on is
    told in one line naming them (it was an unexpected ValueError, after "serving on" had been printed)."""
    import logging

    import waitress
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    from engine.web import ui

    class Refusal(ErrorTask):
        def execute(self):
            error = self.request.error
            cookie = (getattr(self.request, "headers", None) or {}).get("COOKIE")  # their language, who they are
            body, content_type = ui.refusal(app, error.code, _path_of(self.request),
                                            {"Cookie": cookie} if cookie else None)
            self.status = f"{error.code} {error.reason}"
            self.response_headers.append(("Content-Type", content_type))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class Channel(HTTPChannel):
        error_task_class = Refusal

    logging.basicConfig()  # as waitress.serve does
    where = f"{options.get('host')}:{options.get('port')}"
    try:
        server = waitress.create_server(app, **options)
    except ValueError:  # waitress: "Invalid host/port specified." (an empty or unknown host name)
        raise click.BadParameter(f"không lắng nghe được trên {where}: tên máy {options.get('host')!r} trống hoặc "
                                 "không phân giải được thành địa chỉ (ví dụ 127.0.0.1, 0.0.0.0)",
                                 param_hint="--host") from None
    except OSError as exc:
        from engine.cli import OS_REASONS

        reason = OS_REASONS.get(exc.errno) or exc.strerror or str(exc)
        raise click.ClickException(f"không lắng nghe được trên {where}: {reason}") from None
    for each in [server, *getattr(server, "map", {}).values()]:  # one socket, or several (host names)
        if hasattr(each, "channel_class"):
            each.channel_class = Channel
    return server


def _path_of(request) -> str:
    """The path of a request waitress refused: parsed, or read off its first line when a header was refused."""
    path = getattr(request, "path", "") or ""
    if not path:
        parts = (getattr(request, "first_line", b"") or b"").split()
        path = parts[1].decode("latin-1").split("?", 1)[0] if len(parts) >= 2 else ""
    return path


def _settle(settings: Settings) -> int:
    """Before a long-running process serves: the document renderer and its fonts loaded, then what start-up built
    set aside from the cycle collector (engine.core.memory). Returns how many objects were."""
    from engine.core import memory
    from engine.paperwork import layout

    try:
        layout.prepare(Path(settings.font_dir))
    except Exception as exc:  # noqa: BLE001 - a font problem shows at the first document, with its own message
        click.echo(f"cảnh báo: chưa nạp được phông chữ của tài liệu ({exc}); sẽ nạp lại khi tạo tài liệu đầu tiên",
                   err=True)
    return memory.settle()


def start_demo_services(settings: Settings, port: int):
    """The demo's remote signing service (a key per demo signer, Pki.remote_key), TSA and CRL on 127.0.0.1
    (engine.web.trustservices), on ``port`` or a free one; signatures are timestamped by it unless tsa_url
    names another TSA. Returns the running services and the settings to serve with."""
    from engine.paperwork import results
    from engine.web import trustservices

    from engine.cli.demo import AGENCIES, province_officers

    now, keys, names = SystemClock().now(), results.pki(settings), {a[0]: a[1] for a in AGENCIES}
    for username, name, roles, code in province_officers():
        if roles & set(results.SIGNING_ROLES):
            keys.issue(keys.remote_key(username), name, names[code], now)
    try:
        services = trustservices.start(keys, now, port=port)
    except (OSError, OverflowError):  # the port is taken (or --port 65535 + 1): any free one (printed)
        services = trustservices.start(keys, now)
    return services, settings if settings.tsa_url else settings.replace(tsa_url=f"{services.url}/tsa")


def _served_url(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"


def _demo_public_url(settings: Settings, host: str, port: int) -> Settings:
    """The demo on another port than its configuration's loopback public_url (``--port 5122``): the links of the
    notices, SMS and results, and the e-ID return, follow the port served, not a dead 127.0.0.1:5000. Only the port
    changes (the scheme, the host the browser uses and any path stay); a public_url that is not this machine's
    loopback is the operator's and stays."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        configured = urlsplit(settings.public_url)
        name, configured_port = configured.hostname or "", configured.port
    except ValueError:
        return settings
    if name not in ("127.0.0.1", "localhost", "::1") or configured_port == port:
        return settings
    served = urlunsplit(configured._replace(netloc=f"[{name}]:{port}" if ":" in name else f"{name}:{port}"))
    click.echo(f"địa chỉ công khai của bản mẫu: {served} (public_url {settings.public_url} là cổng khác)")
    return settings.replace(public_url=served)


def _demo_gateway(app, settings: Settings, host: str, port: int) -> None:
    """The demo's payment gateway: the simulator on 127.0.0.1 (a free port, a thread), and the demo agency set
    to take its fees through it."""
    from sqlalchemy import select

    from engine.cases import payments
    from engine.cli.demo import DEMO_AGENCY
    from engine.data.model import Agency
    from engine.web import paysim

    engine_url = _served_url(host, port)
    running = paysim.Running(paysim.Simulator(settings.payment_secret, f"{engine_url}/api/v1/payments/vnpay/ipn"))
    running.start()
    with app.extensions["tthc"]["sessions"].begin() as session:
        agency = session.scalar(select(Agency).where(Agency.code == DEMO_AGENCY[0]))
        payments.configure(session, agency.id, "vnpay", SystemClock().now(), running.sim.merchant, running.pay_url)
    click.echo(f"mô phỏng cổng thanh toán: {running.url}/ (cơ quan mẫu thu phí qua cổng này)")


@click.command(help="Dịch vụ hẹn giờ: quét hồ sơ đến hạn theo nhịp (timer service).")
@click.option("--once", is_flag=True, help="Quét một lần rồi dừng; in kết quả.")
def worker(once: bool) -> None:
    settings = with_secrets(_settings(calendar=True))  # a wrong setting is told before the engine is loaded
    from engine import timers

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
    click.echo(f"dịch vụ hẹn giờ: quét mỗi {settings.timer_interval_seconds:g} giây (Ctrl+C để dừng)")
    timers.run_worker(sessions, settings, SystemClock())


@click.command(help="Mô phỏng một hồ sơ trên đồng hồ ảo và in dòng thời gian (JSON).")
@click.argument("scenario", type=click.Path(dir_okay=False))
def simulate(scenario: str) -> None:
    from engine import simulate as sim

    path = Path(scenario)
    try:
        loaded = sim.load_scenario(path)
        result = sim.run(loaded, _settings(calendar=True), path.parent)
    except (sim.ScenarioError, DefinitionError) as exc:
        problems = getattr(exc, "problems", None)
        for problem in problems or [exc]:
            click.echo(f"lỗi: {problem}", err=True)
        sys.exit(1)
    if result["dossier"] is None:  # the filing was refused: no dossier, nothing after it could run
        for event in result["events"][:1]:
            fields = ", ".join(f"{k}: {v}" for k, v in (event.get("fields") or {}).items())
            click.echo(f"lỗi: bước 1 ({event['do']}) lúc {event['at']} không thực hiện được: {event['message']}"
                       + (f" ({fields})" if fields else ""), err=True)
        sys.exit(1)
    back = _back_in_time(sim, loaded)
    if back is not None:  # run in time order all the same (the first by time is the filing): said, not silent
        click.echo(f"cảnh báo: bước {back} có thời điểm sớm hơn bước viết trước nó; các bước được chạy theo thời "
                   "điểm, không theo thứ tự viết", err=True)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


def _back_in_time(sim, scenario: dict) -> int | None:
    """The number of the first step written after a later one (its ``at`` earlier), None when none is."""
    last = None
    for number, step in enumerate(scenario["steps"], 1):
        at = sim.parse_at(step.get("at"), number)
        if last is not None and at < last:
            return number
        last = at
    return None
