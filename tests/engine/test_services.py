"""The batch's shared PostgreSQL (course.services): each run's database is its own alone."""

import psycopg
import pytest

from course.services import ADMIN, SharedPostgres, postgres_bin

pytestmark = pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL's programs are missing")


def test_each_run_reaches_its_own_database_only():
    with SharedPostgres(["lessons.l15_production"]) as shared:
        (mine, my_url), (theirs, their_url) = shared.create(), shared.create()
        with psycopg.connect(my_url, autocommit=True) as conn:
            # The migrated tables are the run's own: it may write and lock them.
            conn.execute(
                "INSERT INTO l15_production_course (code, title, seats) VALUES ('A1', 'A', 1)"
            )
            conn.execute("BEGIN; LOCK TABLE l15_production_enrolment IN SHARE MODE; ROLLBACK")
        port = shared.server.port
        refused = {
            "another run's database": my_url.rsplit("/", 1)[0] + f"/{theirs}",
            "the template": my_url.rsplit("/", 1)[0] + "/course_template",
            "the server's own database": my_url.rsplit("/", 1)[0] + "/postgres",
            "the superuser without its password": f"postgres://{ADMIN}@127.0.0.1:{port}/{mine}",
            "the superuser with a run's password": f"postgres://{ADMIN}:{my_url.split(':')[2].split('@')[0]}@127.0.0.1:{port}/{mine}",
        }
        for what, url in refused.items():
            with pytest.raises(psycopg.OperationalError):
                psycopg.connect(url).close()
                pytest.fail(f"a run's credentials reached {what}")
        shared.drop(mine)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(my_url).close()
        with psycopg.connect(their_url) as conn:
            assert conn.execute("SELECT count(*) FROM l15_production_course").fetchone() == (0,)
