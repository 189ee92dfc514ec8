"""Graded tests for lesson 15: from the playground to production, on a real PostgreSQL
(lessons/l15_production/exercise.py).

E1's settings are read in this process, with the environment each test sets, and checked
with `manage.py check --deploy` in a child process. Everything else is graded the way
production runs: a PostgreSQL database of the test session's own (on the batch's server, or
on a throwaway server started here) and gunicorn with two worker processes (one per test
module), started and stopped here (tests/lessons/production_servers.py), serving the
production settings built from the learner file under test. Requests go over real HTTP, as from a TLS proxy that says
`X-Forwarded-Proto: https` for `api.example.com`.
"""

import re
import threading
import time
from unittest import mock

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from production_servers import (
    FRONTEND_ORIGIN,
    HOST,
    Gunicorn,
    ServerError,
    database,
    production_environment,
)

from course.targets import current
from course.testing import expect, expect_status
from lessons.l15_production.models import Course, Enrolment

# Starting PostgreSQL and gunicorn (migrate, collectstatic) takes longer than the grader's
# per-test limit meant for in-process tests; the servers have time limits of their own
# (production_servers.py), and each test's own call still has a limit.
pytestmark = pytest.mark.timeout(120, func_only=True)

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")
E4 = pytest.mark.exercise("E4")

# What a deployment sets (E1); each test starts from it and changes one thing.
ENVIRONMENT = {
    "SECRET_KEY": "k3y-for-these-tests-only-" + "x7Qp" * 10,
    "DEBUG": "False",
    "ALLOWED_HOSTS": "api.example.com,www.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://api.example.com,https://www.example.com",
    "DATABASE_URL": "postgres://courses:s3cret@db.internal:5433/courses",
    "FRONTEND_ORIGIN": FRONTEND_ORIGIN,
}
VARIABLES = [*ENVIRONMENT, "STATIC_ROOT"]


def exercise():
    from lessons.l15_production import exercise

    return exercise


@pytest.fixture
def environment(monkeypatch):
    """Set the deployment's variables (and only them); `environment(DEBUG=None)` unsets one."""

    def set_to(**changes):
        values = {**ENVIRONMENT, **changes}
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in values.items():
            if value is not None:
                monkeypatch.setenv(name, value)

    return set_to


# ------------------------------------------------------------------ the servers


class Site:
    """The production site under test, or why it could not start."""

    def __init__(self, postgres, server, error, checked=None):
        self.postgres = postgres
        self.server = server
        self.error = error
        self.checked = checked  # what `check --deploy` said of its settings, if they loaded

    def client(self, **headers) -> httpx.Client:
        """An HTTP client that talks to gunicorn as the TLS proxy does."""
        if self.error:
            pytest.fail(self.error, pytrace=False)
        sent = {"Host": HOST, "X-Forwarded-Proto": "https", **headers}
        return httpx.Client(base_url=self.server.url, headers=sent, timeout=30)

    def sql(self, query: str, *params):
        """Run one statement on the site's database and return its rows (if any)."""
        with self.postgres.connect() as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else None


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL database: the batch's, or on a throwaway server of its own."""
    try:
        found = database()
    except ServerError as exc:
        yield exc
        return
    yield found
    found.close()


@pytest.fixture(scope="module")
def site(postgres, tmp_path_factory):
    """gunicorn with two workers on the session's PostgreSQL, for this module's tests."""
    if isinstance(postgres, ServerError):
        yield Site(None, None, str(postgres))
        return
    env = production_environment(
        postgres.url, tmp_path_factory.mktemp("static"), current().env_value
    )
    server = Gunicorn(env)
    try:
        server.start()
    except ServerError as exc:
        checked = server.checked_deploy()
        server.stop()
        yield Site(postgres, None, f"{NOT_STARTED}\n{exc}", checked)
        return
    yield Site(postgres, server, None, server.checked_deploy())
    server.stop()


NOT_STARTED = (
    "The production site did not start, so this exercise cannot be checked yet. Its settings "
    "come from environment_settings() (E1, do it first), serving_settings() (E3) and "
    "cors_settings() (E4); the error below says which one failed."
)


def reply_of(response: httpx.Response, body: str | None = None):
    """A course.testing Reply, so that messages read like every other lesson's."""
    from course.testing import Reply

    request = response.request
    headers = {name.lower(): value for name, value in response.headers.items()}
    url = str(request.url.copy_with(scheme="https", host=HOST, port=None))
    return Reply(request.method, url, body, response.status_code, headers, response.text)


def add_course(site, code, seats=20, title=None):
    """Insert a course straight into the database, as a migration or the admin would."""
    site.sql(
        f"INSERT INTO {Course._meta.db_table} (code, title, seats) VALUES (%s, %s, %s)",
        code,
        title or f"Course {code}",
        seats,
    )


def enrolments(site, code) -> int:
    return site.sql(
        f"SELECT count(*) FROM {Enrolment._meta.db_table} e "
        f"JOIN {Course._meta.db_table} c ON c.id = e.course_id WHERE c.code = %s",
        code,
    )[0][0]


# ------------------------------------------------------------------ E1: settings from the environment

SECRET_IN_SOURCE = (
    "A default for SECRET_KEY is a key in the source, public to whoever reads the repository, "
    "and a server that starts with it signs sessions and password resets with it. Read it with "
    'env.str("SECRET_KEY") and no default: django-environ then raises ImproperlyConfigured, '
    '"Set the SECRET_KEY environment variable".'
)


@E1
@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_e1_refuses_to_start_without_a_required_variable(environment, missing):
    """Without SECRET_KEY, ALLOWED_HOSTS or DATABASE_URL the settings raise ImproperlyConfigured naming it."""
    environment(**{missing: None})
    try:
        built = exercise().environment_settings()
    except ImproperlyConfigured as exc:
        assert missing in str(exc), (
            f"Called environment_settings() without {missing}, got ImproperlyConfigured({str(exc)!r}); "
            f"expected a message naming {missing} because whoever deploys must learn which "
            "variable to set (E1)."
        )
        return
    shown = {k: built.get(k) for k in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASES")}
    pytest.fail(
        f"Called environment_settings() with {missing} unset, got settings {shown}; expected "
        f"ImproperlyConfigured naming {missing} because a production server must not start "
        "without it: "
        + {
            "SECRET_KEY": SECRET_IN_SOURCE,
            "ALLOWED_HOSTS": 'a default such as ["*"] answers any Host header. Use '
            'env.list("ALLOWED_HOSTS") with no default (E1).',
            "DATABASE_URL": "a default (SQLite) would start a server on an empty local file "
            'and lose every write at the next deployment. Use env.db("DATABASE_URL") with no '
            "default (E1).",
        }[missing],
        pytrace=False,
    )


@E1
@pytest.mark.parametrize(
    "value, expected",
    [
        ("False", False),
        ("false", False),
        ("0", False),
        ("no", False),
        (None, False),
        ("True", True),
        ("1", True),
        ("yes", True),
    ],  # fmt: skip
    ids=["False", "false", "0", "no", "unset", "True", "1", "yes"],
)
def test_e1_debug_is_a_real_boolean(environment, value, expected):
    """DEBUG="False", "0", "no" or unset is False; "True", "1" or "yes" is True."""
    environment(DEBUG=value)
    debug = exercise().environment_settings().get("DEBUG")
    assert debug is expected, (
        f"Called environment_settings() with DEBUG={value!r}, got DEBUG={debug!r}; expected "
        f"{expected} because environment variables are strings, and bool('False') is True: "
        "DEBUG on in production shows tracebacks and settings to anyone. Use "
        'env.bool("DEBUG", default=False) (E1).'
    )


@E1
def test_e1_hosts_origins_and_database_from_the_environment(environment):
    """ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS are the listed names exactly (no trusted origin
    when unset); DATABASES comes from DATABASE_URL."""
    environment()
    built = exercise().environment_settings()
    assert built.get("ALLOWED_HOSTS") == ["api.example.com", "www.example.com"], (
        f"Called environment_settings() with ALLOWED_HOSTS={ENVIRONMENT['ALLOWED_HOSTS']!r}, "
        f"got ALLOWED_HOSTS={built.get('ALLOWED_HOSTS')!r}; expected exactly those two names "
        'because "*" (or a default) lets any Host header in, and Django builds absolute URLs '
        '(password resets, links) from it. Use env.list("ALLOWED_HOSTS") (E1).'
    )
    assert built.get("CSRF_TRUSTED_ORIGINS") == [
        "https://api.example.com",
        "https://www.example.com",
    ], (
        f"Called environment_settings() with CSRF_TRUSTED_ORIGINS="
        f"{ENVIRONMENT['CSRF_TRUSTED_ORIGINS']!r}, got {built.get('CSRF_TRUSTED_ORIGINS')!r}; "
        "expected that list because a form posted over HTTPS is checked against it. Use "
        'env.list("CSRF_TRUSTED_ORIGINS", default=[]) (E1).'
    )
    environment(CSRF_TRUSTED_ORIGINS=None)
    try:
        unset = exercise().environment_settings().get("CSRF_TRUSTED_ORIGINS")
    except ImproperlyConfigured as exc:
        unset = f"ImproperlyConfigured({str(exc)!r})"
    assert unset == [], (
        f"Called environment_settings() with CSRF_TRUSTED_ORIGINS unset, got {unset}; expected "
        "[] because only SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL are required: a deployment "
        "that takes no form from another origin sets no trusted origin. Use "
        'env.list("CSRF_TRUSTED_ORIGINS", default=[]) (E1).'
    )
    database = (built.get("DATABASES") or {}).get("default") or {}
    got = {k: database.get(k) for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")}
    wanted = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "courses",
        "USER": "courses",
        "PASSWORD": "s3cret",
        "HOST": "db.internal",
        "PORT": 5433,
    }
    assert got == wanted, (
        f"Called environment_settings() with DATABASE_URL={ENVIRONMENT['DATABASE_URL']!r}, got "
        f"DATABASES['default'] {got}; expected {wanted} because the database is the "
        'deployment\'s, named by one URL. Use {"default": env.db("DATABASE_URL")} (E1).'
    )


@E1
def test_e1_check_deploy_is_clean(site):
    """`manage.py check --deploy --fail-level WARNING` passes with the production settings."""
    checked = site.checked
    if checked is None:  # the settings did not load far enough to be checked
        site.client()  # fails with the reason the site did not start
    found = sorted(set(re.findall(r"\((security\.\w+|[\w.]+\.[EW]\d+)\)", checked["output"])))
    assert checked["status"] == 0, (
        "Called `python manage.py check --deploy --fail-level WARNING` with "
        "DJANGO_SETTINGS_MODULE=lessons.l15_production.production_settings, got exit status "
        f"{checked['status']} ({', '.join(found) or 'no check ids'}); expected 0 because each "
        "warning is a hole a deployment must not have: HSTS (SECURE_HSTS_SECONDS with "
        "SECURE_HSTS_INCLUDE_SUBDOMAINS), SECURE_SSL_REDIRECT, SESSION_COOKIE_SECURE and "
        "CSRF_COOKIE_SECURE, DEBUG off (E1). Its output:\n" + checked["output"][-3000:]
    )


@E1
def test_e1_behind_the_tls_proxy(site):
    """Over the proxy's HTTPS: 200 with HSTS; plain HTTP: 301 to https; another Host: 400."""
    with site.client() as client:
        secure = reply_of(client.get("/api/"))
        plain = reply_of(client.get("/api/", headers={"X-Forwarded-Proto": "http"}))
        other = reply_of(client.get("/api/", headers={"Host": "api.example.com.evil.test"}))
    expect_status(
        secure,
        200,
        "the TLS proxy says X-Forwarded-Proto: https, and only SECURE_PROXY_SSL_HEADER = "
        '("HTTP_X_FORWARDED_PROTO", "https") lets Django believe it: without it every request '
        "looks like plain HTTP and SECURE_SSL_REDIRECT redirects it for ever (E1)",
    )
    expect(
        secure.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains",
        secure,
        "Strict-Transport-Security: max-age=31536000; includeSubDomains",
        "a browser that saw the site over HTTPS must refuse plain HTTP for a year, on every "
        "subdomain too: SECURE_HSTS_SECONDS = HSTS_SECONDS, SECURE_HSTS_INCLUDE_SUBDOMAINS = True (E1)",
    )
    expect(
        plain.status == 301 and (plain.header("Location") or "").startswith(f"https://{HOST}/"),
        plain,
        f"301 to https://{HOST}/api/",
        "a request that reached the app over plain HTTP is sent to HTTPS: SECURE_SSL_REDIRECT "
        "= True (E1)",
    )
    expect_status(
        other,
        400,
        "api.example.com.evil.test only contains an allowed name: ALLOWED_HOSTS must list "
        "exact names from the environment, never '*' (E1)",
    )


# ------------------------------------------------------------------ E2: what SQLite hid


def post(client, path, body):
    return reply_of(client.post(path, json=body), body=str(body))


@E2
def test_e2_course_codes_are_unique_in_any_case(site):
    """A code that exists in another case answers 400 on `code` and adds nothing; a longer code is new."""
    with site.client() as client:
        first = post(client, "/api/courses/", {"code": "PRD101", "title": "Deploying", "seats": 3})
        again = post(client, "/api/courses/", {"code": "prd101", "title": "Again", "seats": 3})
        longer = post(client, "/api/courses/", {"code": "PRD101X", "title": "More", "seats": 3})
    expect_status(first, 201, "a new code is a new course (E2)")
    errors = again.data.get("code") if isinstance(again.data, dict) else None
    expect(
        again.status == 400 and isinstance(errors, list) and bool(errors),
        again,
        '400 with an error message on "code"',
        'PRD101 exists: the database\'s unique constraint on Lower("code") refuses prd101, and '
        'add_course must turn that IntegrityError into ValidationError({"code": [DUPLICATE_CODE]}) '
        "(inside transaction.atomic()), never a 500, nor an empty list of errors (E2)",
    )
    rows = site.sql(f"SELECT count(*) FROM {Course._meta.db_table} WHERE lower(code) = 'prd101'")
    assert rows[0][0] == 1, (
        f"After POST of PRD101 and prd101 the database holds {rows[0][0]} courses with that "
        "code in some case; expected 1 because a refused course must not be saved (E2)."
    )
    expect_status(longer, 201, "PRD101X is another code, which only starts with PRD101 (E2)")


@E2
def test_e2_two_courses_race_for_one_code(site):
    """RACE101 and race101 posted at once: one 201 and one 400 on `code`, never a 500; one row.

    Under a SHARE lock on the courses table both requests may read but not insert: a check
    in Python (filter(code__iexact=...)) finds the code free for both, and the second INSERT
    then meets the database's constraint, which add_course must turn into a 400.
    """
    sent = [
        ("/api/courses/", {"code": "RACE101", "title": "First", "seats": 3}),
        ("/api/courses/", {"code": "race101", "title": "Second", "seats": 3}),
    ]
    replies = race_under_a_share_lock(site, Course._meta.db_table, sent)
    statuses = sorted(r.status for r in replies if r is not None)
    saved = site.sql(f"SELECT count(*) FROM {Course._meta.db_table} WHERE lower(code) = 'race101'")
    first = next((r for r in replies if r is not None and r.status != 201), replies[0])
    expect(
        statuses == [201, 400] and saved[0][0] == 1,
        first,
        f"one 201 and one 400 on code, and 1 course saved (got statuses {statuses} and "
        f"{saved[0][0]} saved)",
        "two workers can both check that no course has the code in any case before either "
        "saves: a check in Python is a read, then a write. Only the database's constraint on "
        'Lower("code") sees both; save inside transaction.atomic() and turn its IntegrityError '
        'into ValidationError({"code": [...]}) (E2)',
    )


@E2
def test_e2_enrol_until_the_course_is_full(site):
    """A course with 2 seats takes 2 enrolments (201) and refuses the third (409); an unknown course is 404."""
    add_course(site, "SEAT2", seats=2)
    with site.client() as client:
        replies = [
            post(client, "/api/courses/SEAT2/enrolments/", {"email": f"s{n}@example.com"})
            for n in (1, 2, 3)
        ]
        missing = post(client, "/api/courses/NOPE99/enrolments/", {"email": "s4@example.com"})
    for n, reply in enumerate(replies[:2], start=1):
        expect_status(reply, 201, f"seat {n} of 2 is free (E2)")
    expect_status(
        replies[2],
        409,
        "both seats are taken: a course is full when its enrolments have reached `seats` "
        "(count >= seats), so take_seat raises CourseFull (E2)",
    )
    taken = enrolments(site, "SEAT2")
    assert taken == 2, (
        f"After three enrolments in a course with 2 seats the database holds {taken}; "
        "expected 2 because the refused one must not be saved (E2)."
    )
    expect_status(missing, 404, "there is no course NOPE99: get_object_or_404 (E2)")


def race_for_the_last_seat(site, code):
    """Two enrolments at once in a course with one seat left; their replies.

    The test holds a SHARE lock on the enrolments table, which lets both requests read
    everything but makes any INSERT wait. Both requests are released together; once both
    wait (or after 10 seconds), the lock goes. A view that counts and then inserts without
    locking the course lets both count 0 and both insert, every time; one that locks the
    course row first makes the second wait for the first to commit, and count 1.
    """
    path = f"/api/courses/{code}/enrolments/"
    sent = [(path, {"email": f"r{i}@example.com"}) for i in (0, 1)]
    return race_under_a_share_lock(site, Enrolment._meta.db_table, sent)


def race_under_a_share_lock(site, table, sent):
    """POST both (path, body) of `sent` at once while `table` is SHARE-locked; their replies."""
    site.client().close()  # a site that did not start fails here, with the reason
    replies = [None, None]
    barrier = threading.Barrier(3, timeout=60)

    def send(i):
        with site.client() as client:
            barrier.wait()
            replies[i] = post(client, *sent[i])

    with site.postgres.connect() as holder:
        holder.execute(f"LOCK TABLE {table} IN SHARE MODE")
        threads = [threading.Thread(target=send, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        barrier.wait()
        deadline = time.monotonic() + 10
        with site.postgres.connect() as watcher:
            watcher.autocommit = True
            while time.monotonic() < deadline:
                waiting = watcher.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if waiting.fetchone()[0] >= 2 or not any(t.is_alive() for t in threads):
                    break
                time.sleep(0.02)
        holder.rollback()  # releases the lock
    for thread in threads:
        thread.join(60)
    return replies


@E2
def test_e2_two_enrolments_race_for_the_last_seat(site):
    """Two requests at once for the last seat of a course: exactly one 201 and one 409, one row."""
    add_course(site, "LAST1", seats=1)
    replies = race_for_the_last_seat(site, "LAST1")
    statuses = sorted(r.status for r in replies if r is not None)
    taken = enrolments(site, "LAST1")
    first = next((r for r in replies if r is not None and r.status != 201), replies[0])
    expect(
        statuses == [201, 409] and taken == 1,
        first,
        f"one 201 and one 409, and 1 enrolment saved (got statuses {statuses} and {taken} saved)",
        "both requests read the course at the same moment, under two gunicorn workers: a count "
        "followed by an INSERT lets both see a free seat. Lock the course row first: inside "
        "transaction.atomic(), Course.objects.select_for_update() makes the second request wait "
        "until the first commits, and then it counts the seat the first took (E2)",
    )


# ------------------------------------------------------------------ E3: served as production serves it


@E3
def test_e3_static_files_have_hashed_names_and_live_long(site):
    """Swagger UI's page links its files by hashed names, which WhiteNoise serves cacheable for ever."""
    with site.client() as client:
        page = reply_of(client.get("/api/docs/"))
        expect_status(page, 200, "the OpenAPI docs page (Swagger UI) is part of the site (E3)")
        scripts = re.findall(r'src="(/static/[^"]+\.js)"', page.text)
        hashed = [s for s in scripts if re.search(r"\.[0-9a-f]{12}\.js$", s)]
        expect(
            bool(hashed),
            page,
            "script tags with hashed names such as /static/.../swagger-ui-bundle.0123456789ab.js "
            f"(found {scripts})",
            "a name that changes with the content lets browsers keep the file for ever: store "
            "static files with ManifestStaticFilesStorage (or WhiteNoise's "
            "CompressedManifestStaticFilesStorage) in STORAGES['staticfiles'] (E3)",
        )
        script = reply_of(client.get(hashed[0]))
    expect_status(script, 200, "collectstatic put the hashed file where WhiteNoise serves it (E3)")
    control = script.header("Cache-Control") or ""
    expect(
        "max-age=315360000" in control and "immutable" in control,
        script,
        "Cache-Control: max-age=315360000, public, immutable",
        "WhiteNoise lets browsers keep a file for ever only when its name carries its hash (E3)",
    )


@E3
def test_e3_the_throttle_counts_across_workers(site):
    """12 catalogue reads from one client, spread over two workers: 4 answered, 8 throttled (429)."""
    statuses = []
    for _ in range(12):
        # A new connection each time: any idle worker may take it.
        with site.client() as client:
            statuses.append(reply_of(client.get("/api/catalogue/")))
    answered = [r for r in statuses if r.status == 200]
    throttled = [r for r in statuses if r.status == 429]
    expect(
        len(answered) == 4 and len(throttled) == 8,
        (throttled or answered or statuses)[-1],
        f"4 replies of 200 and 8 of 429 (got {[r.status for r in statuses]})",
        "CatalogueThrottle allows 4 a minute per client, and its counts live in Django's "
        "default cache: LocMemCache keeps one count per gunicorn worker, so two workers let "
        "twice as many through. Use a cache the workers share: CACHES['default'] = "
        "DatabaseCache with LOCATION 'l15_cache' (E3)",
    )
    expect(
        bool(throttled[0].header("Retry-After")) if throttled else False,
        (throttled or statuses)[0],
        "a Retry-After header on 429",
        "DRF's throttles say when to try again (E3)",
    )


@E3
def test_e3_health_asks_the_database(site):
    """GET /api/health/ answers 200 when PostgreSQL answers; the view answers 503 when the database does not."""
    with site.client() as client:
        up = reply_of(client.get("/api/health/"))
    expect_status(up, 200, "PostgreSQL is up: health answers 200 (E3)")
    request = RequestFactory().get("/api/health/")
    down = OperationalError("could not connect to server: Connection refused")
    # The database gone; then one that still takes connections but answers no query (a
    # server out of disk, or stuck in recovery): only a query tells the second one apart.
    cases = {
        "every connection and query": {"ensure_connection": down, "cursor": down},
        "every query, though connecting succeeds": {"ensure_connection": None, "cursor": down},
    }
    for failing, effects in cases.items():
        patches = [
            mock.patch.object(connection, name, side_effect=effect)
            for name, effect in effects.items()
        ]
        with patches[0], patches[1]:
            try:
                response = exercise().health(request)
                status, body = response.status_code, response.content.decode()
            except Exception as exc:  # noqa: BLE001 - the learner's view let the error out
                status, body = 500, f"{type(exc).__name__}: {exc}"
        assert status == 503, (
            f"Called health(request) while {failing} raises OperationalError, got "
            f"{status} with {body[:200]}; expected 503 because a load balancer asks health "
            "whether to send traffic to this instance: it must run a query (SELECT 1), not "
            "only connect, and answer 503 on DatabaseError, never 200 without asking, nor a "
            "500 (E3)."
        )


# ------------------------------------------------------------------ E4: CORS for the front end


def preflight(client, origin):
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization",
    }
    return reply_of(client.options("/api/courses/", headers=headers))


@E4
def test_e4_the_front_end_preflight_is_answered(site):
    """A preflight from FRONTEND_ORIGIN is answered with that origin, POST and its headers; a GET with it too."""
    with site.client() as client:
        reply = preflight(client, FRONTEND_ORIGIN)
        read = reply_of(client.get("/api/", headers={"Origin": FRONTEND_ORIGIN}))
    expect(
        reply.status == 200 and reply.header("Access-Control-Allow-Origin") == FRONTEND_ORIGIN,
        reply,
        f"200 with Access-Control-Allow-Origin: {FRONTEND_ORIGIN}",
        "the front end's browser asks before it POSTs JSON from another origin: "
        'CORS_ALLOWED_ORIGINS = [env.str("FRONTEND_ORIGIN")] (E4)',
    )
    methods = (reply.header("Access-Control-Allow-Methods") or "").upper()
    allowed = (reply.header("Access-Control-Allow-Headers") or "").lower()
    expect(
        "POST" in methods and "content-type" in allowed and "authorization" in allowed,
        reply,
        "Access-Control-Allow-Methods with POST, Access-Control-Allow-Headers with "
        "content-type and authorization",
        "the browser sends only what the preflight allowed (E4)",
    )
    expect(
        read.header("Access-Control-Allow-Origin") == FRONTEND_ORIGIN,
        read,
        f"Access-Control-Allow-Origin: {FRONTEND_ORIGIN} on the GET",
        "the browser hands the front end the reply only with that header (E4)",
    )


@E4
@pytest.mark.parametrize(
    "origin",
    ["https://app.example.com.evil.test", "http://app.example.com", "https://evil.test", "null"],
    ids=["longer-host", "plain-http", "other-site", "null"],
)
def test_e4_other_origins_get_no_cors_headers(site, origin):
    """A preflight or a GET from any other origin gets no Access-Control-Allow-Origin."""
    with site.client() as client:
        replies = [
            preflight(client, origin),
            reply_of(client.get("/api/", headers={"Origin": origin})),
        ]
    for reply in replies:
        expect(
            reply.header("Access-Control-Allow-Origin") is None,
            reply,
            f"no Access-Control-Allow-Origin for Origin: {origin}",
            f"only {FRONTEND_ORIGIN} may read the API from a browser: exactly that origin in "
            "CORS_ALLOWED_ORIGINS, never CORS_ALLOW_ALL_ORIGINS, nor a pattern that also "
            "matches a longer host or another scheme (E4)",
        )


@E4
def test_e4_the_front_end_origin_comes_from_the_environment(environment):
    """With another FRONTEND_ORIGIN, that origin is the one allowed, and app.example.com is not."""
    from corsheaders.middleware import CorsMiddleware

    other = "https://web.example.org"
    environment(FRONTEND_ORIGIN=other)
    built = exercise().cors_settings()
    middleware = CorsMiddleware(lambda request: HttpResponse())
    allowed = {}
    with override_settings(**built):
        for origin in (other, FRONTEND_ORIGIN):
            request = RequestFactory().get("/api/courses/", headers={"Origin": origin})
            allowed[origin] = middleware(request).get("Access-Control-Allow-Origin")
    assert allowed == {other: other, FRONTEND_ORIGIN: None}, (
        f"Called cors_settings() with FRONTEND_ORIGIN={other!r}, then a GET from each origin, got "
        f"Access-Control-Allow-Origin {allowed}; expected {other!r} for {other} and none for "
        f"{FRONTEND_ORIGIN} because the front end's origin differs between deployments "
        "(staging, production) and comes from the environment: "
        'CORS_ALLOWED_ORIGINS = [env.str("FRONTEND_ORIGIN")], never an origin written in the '
        "code (E4)."
    )


@E4
def test_e4_no_credentials_across_origins(site):
    """Replies to the front end never allow credentials: it sends a token, not cookies."""
    with site.client() as client:
        replies = [
            preflight(client, FRONTEND_ORIGIN),
            reply_of(client.get("/api/", headers={"Origin": FRONTEND_ORIGIN})),
        ]
    for reply in replies:
        expect(
            reply.header("Access-Control-Allow-Credentials") is None,
            reply,
            "no Access-Control-Allow-Credentials header",
            "with credentials allowed, a page of the front end could make the browser send "
            "this site's cookies (a logged-in session) and read the answers; the front end "
            "authenticates with a bearer token instead: CORS_ALLOW_CREDENTIALS = False (E4)",
        )
