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
