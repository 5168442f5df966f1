import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from postgres_server import PostgresServer, start_postgres


@pytest.mark.postgresql
def test_start_connect_create_database_stop(tmp_path):
    server = start_postgres(tmp_path)
    try:
        assert server.url.startswith("postgresql+psycopg://")
        engine = create_engine(server.url)
        with engine.connect() as conn:
            assert "PostgreSQL" in conn.execute(text("select version()")).scalar_one()
        engine.dispose()

        other_url = server.create_database("tthc_isolated")
        assert other_url.endswith("/tthc_isolated")
        other = create_engine(other_url)
        with other.begin() as conn:
            conn.execute(text("create table t (x text)"))
            conn.execute(text("insert into t values ('thủ tục')"))
        with other.connect() as conn:
            assert conn.execute(text("select current_database(), x from t")).one() == (
                "tthc_isolated", "thủ tục")
        other.dispose()
    finally:
        server.stop()


@pytest.mark.postgresql
def test_context_manager_stops_server(tmp_path):
    with PostgresServer(tmp_path) as server:
        engine = create_engine(server.url)
        with engine.connect() as conn:
            assert conn.execute(text("select 1")).scalar_one() == 1
        engine.dispose()
    with pytest.raises(Exception):
        with create_engine(server.url, connect_args={"connect_timeout": 2}).connect():
            pass


def test_the_memory_folder_is_used_only_when_it_exists_and_has_room(tmp_path, monkeypatch):
    import postgres_server

    monkeypatch.setenv("TTHC_PG_MEMORY_DIR", str(tmp_path))
    monkeypatch.setattr(postgres_server, "MEMORY_NEEDED", 1)
    assert postgres_server.memory_dir() == str(tmp_path)
    monkeypatch.setattr(postgres_server, "MEMORY_NEEDED", 2 ** 62)  # no file system has that much room
    assert postgres_server.memory_dir() is None
    monkeypatch.setattr(postgres_server, "MEMORY_NEEDED", 1)
    monkeypatch.setenv("TTHC_PG_MEMORY_DIR", str(tmp_path / "missing"))
    assert postgres_server.memory_dir() is None
    monkeypatch.setenv("TTHC_PG_MEMORY_DIR", "off")
    assert postgres_server.memory_dir() is None


@pytest.mark.postgresql
def test_a_server_in_memory_keeps_its_files_there_and_removes_them_at_stop(tmp_path, monkeypatch):
    import postgres_server

    # A folder that the "postgres" user (as whom a root run starts the server) can enter: not under tmp_path (0700).
    memory = Path(tempfile.mkdtemp(prefix="tthc-memory-"))
    memory.chmod(0o755)
    monkeypatch.setenv("TTHC_PG_MEMORY_DIR", str(memory))
    monkeypatch.setattr(postgres_server, "MEMORY_NEEDED", 1)
    with PostgresServer(tmp_path / "disk", in_memory=True) as server:
        assert server.datadir.parent.parent == memory and (server.datadir / "PG_VERSION").exists()
        assert not (tmp_path / "disk" / "postgres").exists()
        url = server.create_database("copy_of_nothing")
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("show max_wal_size")).scalar_one() == "256MB"
        engine.dispose()
    assert list(memory.iterdir()) == []
    memory.rmdir()
    with PostgresServer(tmp_path / "disk") as server:  # the default: on disk, beside the caller's folder
        assert memory not in server.datadir.parents


def test_folders_left_by_a_killed_run_are_removed_and_live_ones_kept(tmp_path):
    import os
    import subprocess

    import postgres_server

    dead = subprocess.Popen(["true"])
    dead.wait()  # a process id that has ended
    folders = {}
    # "initdb": a standalone backend of initdb (another worker's server being made) writes its PID negated in
    # postmaster.pid; read as a dead PID, the other worker's folder was removed under it (FileNotFoundError, or
    # 'pg_ctl failed' in that worker, now and then when two workers started their servers together)
    for name, pid in (("dead", dead.pid), ("alive", os.getpid()), ("initdb", -os.getpid()), ("starting", None),
                      ("old", None)):
        folders[name] = tmp_path / f"tthc-pg-{name}"
        (folders[name] / "data").mkdir(parents=True)
        if pid:
            (folders[name] / "data" / "postmaster.pid").write_text(f"{pid}\n/some/data\n")
    now = folders["starting"].stat().st_mtime + 60
    os.utime(folders["old"], (now - 3600, now - 3600))
    (tmp_path / "not-ours").mkdir()
    assert sorted(postgres_server.remove_stale(str(tmp_path), now)) == ["tthc-pg-dead", "tthc-pg-old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-ours", "tthc-pg-alive", "tthc-pg-initdb",
                                                          "tthc-pg-starting"]


def test_a_free_port_is_below_the_ports_the_kernel_gives_out_and_can_be_bound():
    import socket

    import postgres_server

    ports = {postgres_server.free_port() for _ in range(20)}
    assert ports <= set(postgres_server.FREE_PORTS) and len(ports) > 1
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports.pop()))
