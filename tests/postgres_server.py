"""Throw-away PostgreSQL server from Debian's binaries for the test run.

server = start_postgres(tmp_path)  # or: with PostgresServer(tmp_path) as server: ...
create_engine(server.url); server.create_database("x") -> url; server.stop()

``PostgresServer(base, in_memory=True)``: the cluster's files go to a memory file system (``memory_dir()``) when the
machine has one with room, for the test run. Its databases are copied from a template and dropped after each test,
a few hundred times per worker: on this project's disks a ``CREATE DATABASE`` took 0.3-0.6 s (file creation and
removal), in memory 0.04 s. The server is the same PostgreSQL; the data were throw-away in either place. The
benchmarks keep the default (disk), where production runs.
"""
import glob
import os
import pathlib
import pwd
import random
import shutil
import socket
import subprocess
import tempfile
import time

NOT_FOUND = "PostgreSQL server binaries not found: install the Debian package postgresql"
USER = "postgres"
DBNAME = "postgres"
MEMORY_DIR = "/dev/shm"
MEMORY_NEEDED = 2 * 1024 ** 3  # a server's template, its few live test databases and its WAL (max_wal_size below)


def find_pg_bin() -> pathlib.Path:
    """TTHC_PG_BIN, else the highest /usr/lib/postgresql/<major>/bin, else the PATH."""
    candidates = []
    if os.environ.get("TTHC_PG_BIN"):
        candidates.append(os.environ["TTHC_PG_BIN"])
    else:
        found = glob.glob("/usr/lib/postgresql/*/bin")
        candidates += sorted(found, key=lambda p: [int(x) if x.isdigit() else 0
                                                   for x in p.split("/")[-2].split(".")], reverse=True)
        if shutil.which("pg_ctl"):
            candidates.append(os.path.dirname(shutil.which("pg_ctl")))
    for cand in candidates:
        path = pathlib.Path(cand)
        if all(os.access(path / exe, os.X_OK) for exe in ("initdb", "pg_ctl", "postgres")):
            return path
    raise RuntimeError(NOT_FOUND + (f" (TTHC_PG_BIN={os.environ['TTHC_PG_BIN']})"
                                    if os.environ.get("TTHC_PG_BIN") else ""))


FREE_PORTS = range(20000, 32000)  # below Linux's ephemeral range (32768-60999), which the kernel hands out


def free_port() -> int:
    """A port to start a server on, free now: chosen at random below the ephemeral range, where no outgoing
    connection and no server asking for port 0 is given one, so only another caller of this can take it before
    the server binds it (a port from bind(0) was once taken meanwhile: "Address already in use")."""
    for _ in range(200):
        port = random.choice(FREE_PORTS)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # the range is busy: the kernel chooses
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_dir() -> str | None:
    """A memory file system with room for a test server (TTHC_PG_MEMORY_DIR, else /dev/shm), or None: then the
    server lives on disk. TTHC_PG_MEMORY_DIR=off keeps it on disk."""
    folder = os.environ.get("TTHC_PG_MEMORY_DIR", MEMORY_DIR)
    if folder == "off" or not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
        return None
    stats = os.statvfs(folder)
    return folder if stats.f_bavail * stats.f_frsize >= MEMORY_NEEDED else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        pass
    return True


def remove_stale(folder: str, now: float | None = None) -> list[str]:
    """Remove the servers' folders left in ``folder`` by a run killed before it could stop them (memory, which
    nothing else frees until the machine restarts): their postmaster is gone, or they never got one and are
    older than ten minutes (a server starting now has none for a second or two). Returns what was removed."""
    now = time.time() if now is None else now
    removed = []
    for scratch in pathlib.Path(folder).glob("tthc-pg-*"):
        pidfile = scratch / "data" / "postmaster.pid"
        try:  # a standalone backend (initdb's bootstrap, another worker starting) writes its PID negated
            pid = abs(int(pidfile.read_text().split("\n", 1)[0]))
        except (OSError, ValueError):
            pid = None
        try:
            stale = not _alive(pid) if pid else now - scratch.stat().st_mtime > 600
        except OSError:  # removed meanwhile by its own run
            continue
        if stale:
            shutil.rmtree(scratch, ignore_errors=True)
            removed.append(scratch.name)
    return removed


class PostgresServer:
    def __init__(self, base_dir: pathlib.Path, in_memory: bool = False):
        self.bin = find_pg_bin()
        self.as_root = os.geteuid() == 0
        self.memory = memory_dir() if in_memory else None
        if self.memory:
            remove_stale(self.memory)
        # As root the server runs as the "postgres" user, which cannot enter pytest's
        # 0700 tmp dirs, so use a private directory under /tmp owned by that user.
        self._scratch = pathlib.Path(tempfile.mkdtemp(prefix="tthc-pg-", dir=self.memory))  # short: socket path limit
        self.root = self._scratch if self.as_root or self.memory else pathlib.Path(base_dir) / "postgres"
        self.root.mkdir(parents=True, exist_ok=True)
        self.datadir, self.sockdir = self.root / "data", self._scratch / "sock"
        self.sockdir.mkdir()
        self.logfile = self.root / "postgres.log"
        self.port = None
        self._running = False
        if self.as_root:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root but the 'postgres' system user does not exist: "
                                   "install the Debian package postgresql") from None
            self._ids = (pw.pw_uid, pw.pw_gid)
            for path in (self._scratch, self.sockdir):
                os.chown(path, *self._ids)

    def _run(self, *args, check=True):
        kwargs = dict(user=self._ids[0], group=self._ids[1], extra_groups=[]) if self.as_root else {}
        proc = subprocess.run([str(self.bin / args[0]), *args[1:]], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, cwd=self.root, **kwargs)
        if check and proc.returncode:
            log = self.logfile.read_text(errors="replace")[-3000:] if self.logfile.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}{log}")
        return proc

    def start(self) -> "PostgresServer":
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> "PostgresServer":
        initdb = ["initdb", "-D", str(self.datadir), "-A", "trust", "-U", USER, "--encoding=UTF8"]
        if self._run(*initdb, "--locale=C.UTF-8", check=False).returncode:
            shutil.rmtree(self.datadir, ignore_errors=True)
            self._run(*initdb, "--locale=C")
        self._running = True  # from here on stop() must try pg_ctl stop
        for attempt in range(3):  # the free port may be taken between probing and binding
            self.port = free_port()
            opts = (f"-p {self.port} -k {self.sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off")
            if self.memory:  # checkpoints are cheap in memory; keep the WAL, which is memory too, small
                opts += " -c max_wal_size=256MB -c min_wal_size=32MB"
            proc = self._run("pg_ctl", "-w", "-D", str(self.datadir), "-l", str(self.logfile),
                             "-o", opts, "start", check=attempt == 2)
            if proc.returncode == 0:
                break
        return self

    @property
    def url(self) -> str:
        return self.url_for(DBNAME)

    def url_for(self, dbname: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{dbname}"

    def _run_sql(self, statement) -> None:
        """One statement on the server's own database, outside a transaction (CREATE and DROP DATABASE)."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname=DBNAME, autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str, template: str | None = None) -> str:
        from psycopg import sql

        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                       sql.Identifier(template))
        self._run_sql(statement)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Remove a database and its files now, closing whatever connections a test left open to it."""
        from psycopg import sql

        self._run_sql(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        return self if self._running else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_postgres(base_dir: pathlib.Path) -> PostgresServer:
    return PostgresServer(base_dir).start()
