"""Graded tests for lesson 08: authentication (lessons/l08_authentication/exercise.py)."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from course.testing import basic_auth, expect, expect_status
from lessons.l08_authentication.authentication import LOCKOUT, MAX_FAILURES
from playground_project.domain.models import Course

EXERCISE = "lessons.l08_authentication.exercise"
FILE = "lessons/l08_authentication/exercise.py"
E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")
E4 = pytest.mark.exercise("E4")

PASSWORD = "lesson-08-password"
TOKEN_RATE = 5  # requests a minute, README E2
NEW_COURSE = {"code": "SEC101", "title": "Web security", "credits": 5}
NO_STUB = "Did you delete the stub's initial() method?"
AUTHENTICATED_BY = {
    "token": "TokenAuthentication",
    "session": "SessionAuthentication",
    "basic": "GuardedBasicAuthentication",
}
PLAIN_BASIC = (
    "DRF's throttles run after authentication, so plain BasicAuthentication answers every wrong "
    "password with 401 and counts none: use GuardedBasicAuthentication from authentication.py."
)


def token_header(key):
    return {"Authorization": f"Token {key}"}


def log_in(api, user):
    """Log `user` in through the browsable API's login form, as a browser would."""
    reply = api.login(user.username, PASSWORD)
    expect_status(
        reply,
        302,
        f"the login form at /api-auth/login/ redirects after {user.username} logs in (test setup)",
    )


@pytest.fixture
def alice(make_user):
    return make_user("alice", password=PASSWORD)


@pytest.fixture
def alice_token(alice):
    return Token.objects.create(user=alice)


def exercise_class(name):
    """A class of the learner's exercise.py, or a failure that says what is missing."""
    found = getattr(importlib.import_module(EXERCISE), name, None)
    if not isinstance(found, type):
        pytest.fail(
            f"MISSING CLASS: {FILE} has no `{name}`. Did you misname it or forget to define it?",
            pytrace=False,
        )
    return found


def me_url():
    return reverse("l08:me")


def token_url():
    return reverse("l08:token")


def courses_url():
    return reverse("l08:course-list")


def my_courses_url():
    return reverse("l08:my-courses")


# ------------------------------------------------------------------ E1: who is calling


@E1
def test_e1_anonymous_gets_401_with_a_token_challenge(api):
    """Token first: a request without credentials answers 401 with `WWW-Authenticate: Token`."""
    reply = api.get(me_url())
    expect_status(
        reply,
        401,
        "/me/ is for logged-in callers, and TokenAuthentication, the first class, offers a challenge (E1)",
        mistake="A 200 means no permission class refuses anonymous callers: add permission_classes = [IsAuthenticated]. "
        "A 403 means a class without a challenge (Session) comes first: put TokenAuthentication first.",
    )
    expect(
        reply.header("WWW-Authenticate") == "Token",
        reply,
        "the header `WWW-Authenticate: Token`",
        "DRF takes the header of the FIRST authentication class, and tells the client how to log in (E1)",
    )


@E1
@pytest.mark.parametrize(
    "header",
    ["Token not-a-real-key", "Token", "Token two words"],
    ids=["unknown", "empty", "spaces"],
)
def test_e1_invalid_token_answers_401(api, alice_token, header):
    """A token header that names no token answers 401: a bad credential is refused, never ignored."""
    reply = api.get(me_url(), headers={"Authorization": header})
    expect_status(
        reply,
        401,
        f"`Authorization: {header}` does not name a valid token (E1)",
        mistake="Is TokenAuthentication in authentication_classes, and first?",
    )


@E1
@pytest.mark.parametrize("kind", ["token", "session", "basic"])
def test_e1_reports_request_user_and_request_auth(api, alice, alice_token, kind):
    """After each kind of authentication, request.user is the user; request.auth is the Token or None."""
    headers = {}
    if kind == "token":
        headers = token_header(alice_token.key)
    elif kind == "basic":
        headers = basic_auth("alice", PASSWORD)
    else:
        log_in(api, alice)
    reply = api.get(me_url(), headers=headers)
    expect_status(reply, 200, f"alice authenticated by {kind} (E1)", mistake=NO_STUB)
    expect(
        alice_token.key not in reply.text,
        reply,
        "a body without the token's key",
        "the key is a secret: str(request.auth) is the key itself, and responses end up in logs (E1)",
        mistake='Name the type instead: type(request.auth).__name__, which is "Token".',
    )
    expected = {
        "username": "alice",
        "authenticated_by": AUTHENTICATED_BY[kind],
        "auth": "Token" if kind == "token" else None,
    }
    expect(
        reply.data == expected,
        reply,
        str(expected).replace("None", "null").replace("'", '"'),
        f"{kind} authentication sets request.user to alice, and request.auth to "
        + ("the Token row" if kind == "token" else "None")
        + " (E1)",
    )


@E1
def test_e1_a_wrong_basic_password_gets_the_first_classs_challenge(api, alice):
    """A wrong Basic password fails in BasicAuthentication, but the 401 carries the first class's header."""
    reply = api.get(me_url(), headers=basic_auth("alice", "wrong-password"))
    expect_status(
        reply,
        401,
        "the password is wrong, and TokenAuthentication, the first class, has a challenge to send (E1)",
        mistake="A 501 means the stub's initial() is still there; a 403 that Session comes first.",
    )
    expect(
        reply.header("WWW-Authenticate") == "Token",
        reply,
        "`WWW-Authenticate: Token`, not Basic",
        "DRF asks the first class for the header, whichever class refused the credentials (E1)",
    )


@E1
def test_e1_basic_is_locked_after_five_wrong_passwords(api, alice, make_user):
    """Basic on /me/ is guarded: after 5 wrong passwords, 429 before any password is checked."""
    expect_basic_lockout(api, me_url(), "E1")
    make_user("bob", password=PASSWORD)
    reply = api.get(me_url(), headers=basic_auth("bob", PASSWORD))
    expect_status(
        reply,
        200,
        "the lock is alice's, not the client's: bob's right password still works (E1)",
    )


@E1
def test_e1_session_comes_before_basic(api, alice, make_user):
    """Token, Session, Basic in that order: logged in by session and sending Basic, the session wins."""
    make_user("bob", password=PASSWORD)
    log_in(api, alice)
    reply = api.get(me_url(), headers=basic_auth("bob", PASSWORD))
    expect_status(reply, 200, "alice is logged in, and bob's Basic header is right too (E1)")
    expect(
        isinstance(reply.data, dict)
        and (reply.data.get("username"), reply.data.get("authenticated_by"))
        == ("alice", "SessionAuthentication"),
        reply,
        '"username": "alice", "authenticated_by": "SessionAuthentication"',
        "DRF tries the classes in the order listed and the first that recognises the caller "
        "wins; SessionAuthentication comes before BasicAuthentication (E1)",
        mistake="authentication_classes = [TokenAuthentication, SessionAuthentication, "
        "BasicAuthentication], in that order.",
    )


def expect_basic_lockout(api, url, because):
    """MAX_FAILURES wrong Basic passwords for alice, then her right one: 429, and no hash checked."""
    from django.contrib.auth.models import AbstractBaseUser

    for attempt in range(1, MAX_FAILURES + 1):
        reply = api.get(url, headers=basic_auth("alice", f"guess-{attempt}"))
        expect_status(reply, 401, f"guess {attempt} at alice's password is wrong ({because})")
    checked = []
    original = AbstractBaseUser.check_password

    def counting(user, raw_password):
        checked.append(user.get_username())
        return original(user, raw_password)

    AbstractBaseUser.check_password = counting
    try:
        reply = api.get(url, headers=basic_auth("alice", PASSWORD))
    finally:
        AbstractBaseUser.check_password = original
    expect_status(
        reply,
        429,
        f"{MAX_FAILURES} wrong Basic passwords for alice came first: her account is locked for "
        f"Basic, even with the right password, or a guesser learns when a guess is right "
        f"({because})",
        mistake=PLAIN_BASIC,
    )
    retry_after = reply.header("Retry-After") or ""
    expect(
        retry_after.isdigit() and 0 < int(retry_after) <= LOCKOUT.total_seconds(),
        reply,
        f"a Retry-After header of at most {int(LOCKOUT.total_seconds())} seconds",
        f"the lockout ends by itself, and the client must learn when ({because})",
    )
    expect(
        not checked,
        reply,
        f"no password checked, but check_password() ran for {checked}",
        f"the lock is checked before the password hash: a locked account costs the server "
        f"nothing and answers the same to every guess ({because})",
        mistake=PLAIN_BASIC,
    )
    return reply


# ------------------------------------------------------------------ E2: a throttled token endpoint


@E2
def test_e2_right_credentials_answer_the_users_token(api, alice):
    """POST a right username and password: 200 with the user's token, the same one each time."""
    reply = api.post(token_url(), {"username": "alice", "password": PASSWORD})
    expect_status(reply, 200, "the username and password are right (E2)", mistake=NO_STUB)
    key = reply.data.get("token") if isinstance(reply.data, dict) else None
    stored = Token.objects.filter(user=alice).first()
    expect(
        stored is not None and key == stored.key,
        reply,
        '{"token": "<alice\'s key>"}, the key of her Token row',
        "ObtainAuthToken answers the key of the user's token, made on first use (E2)",
    )
    again = api.post(token_url(), {"username": "alice", "password": PASSWORD})
    expect(
        isinstance(again.data, dict) and again.data.get("token") == key,
        again,
        "the same key as the first time",
        "authtoken keeps one token per user until it is deleted (E2)",
    )


@E2
def test_e2_wrong_password_answers_400_and_makes_no_token(api, alice):
    """A wrong password answers 400 (ObtainAuthToken's choice) and creates no token."""
    reply = api.post(token_url(), {"username": "alice", "password": "wrong-password"})
    expect_status(
        reply,
        400,
        "the password is wrong; ObtainAuthToken answers 400 with non_field_errors (E2)",
        mistake=NO_STUB,
    )
    expect(
        not Token.objects.filter(user=alice).exists(),
        reply,
        "no token for alice",
        "a wrong password must not create anything (E2)",
    )


@E2
def test_e2_malformed_json_answers_400(api):
    """A body that is not valid JSON is the client's mistake: 400, not a server error."""
    reply = api.post(token_url(), content='{"username": "alice", ', content_type="application/json")
    expect_status(reply, 400, "the body is not valid JSON (E2)", mistake=NO_STUB)


@E2
def test_e2_sixth_try_in_a_minute_answers_429_with_retry_after(api, alice):
    """Five tries a minute: the sixth answers 429 with Retry-After, even with the right password."""
    for attempt in range(1, TOKEN_RATE + 1):
        reply = api.post(token_url(), {"username": "alice", "password": f"guess-{attempt}"})
        expect_status(
            reply,
            400,
            f"try {attempt} of {TOKEN_RATE} in a minute is allowed, and its password is wrong (E2)",
            mistake='A 429 this early means the rate is lower than "5/minute".',
        )
    reply = api.post(token_url(), {"username": "alice", "password": PASSWORD})
    expect_status(
        reply,
        429,
        f"this is try {TOKEN_RATE + 1} within a minute from the same client (E2)",
        mistake="ObtainAuthToken has throttle_classes = (): set throttle_classes = [TokenRateThrottle] "
        'with rate = "5/minute" on the throttle class.',
    )
    retry_after = reply.header("Retry-After") or ""
    expect(
        retry_after.isdigit() and 0 < int(retry_after) <= 60,
        reply,
        "a Retry-After header with the seconds to wait (at most 60)",
        "a throttled client must learn when it may try again (E2)",
    )
    expect(
        not Token.objects.filter(user=alice).exists(),
        reply,
        "no token handed out",
        "a throttled request never reaches the password check (E2)",
    )


@E2
def test_e2_the_throttle_counts_in_a_scope_of_its_own():
    """TokenRateThrottle is an AnonRateThrottle with rate "5/minute" and a scope of its own."""
    from rest_framework.throttling import AnonRateThrottle

    throttle = exercise_class("TokenRateThrottle")
    scope = getattr(throttle, "scope", None)
    rate = getattr(throttle, "rate", None)
    if not issubclass(throttle, AnonRateThrottle) or rate != "5/minute" or scope in (None, "anon"):
        pytest.fail(
            f"Read TokenRateThrottle, got an {'AnonRateThrottle' if issubclass(throttle, AnonRateThrottle) else 'other class'} "
            f"with scope={scope!r} and rate={rate!r}; expected an AnonRateThrottle with "
            'rate = "5/minute" and a scope of its own (not "anon") because the scope names the '
            "cache counter: with AnonRateThrottle's own scope, it would share one count with every "
            'throttle of the project whose scope is "anon" (E2). Set scope = "l08-token" (any name of its own) '
            'and rate = "5/minute".',
            pytrace=False,
        )


@E2
def test_e2_a_logged_in_guesser_is_throttled_too(api, alice, make_user):
    """Logging in as oneself (here with Basic) must not lift the limit on guessing someone else's password."""
    make_user("mallory", password=PASSWORD)
    own_account = basic_auth("mallory", PASSWORD)
    for attempt in range(1, TOKEN_RATE + 2):
        reply = api.post(
            token_url(), {"username": "alice", "password": f"guess-{attempt}"}, headers=own_account
        )
    expect_status(
        reply,
        429,
        f"mallory sent {TOKEN_RATE + 1} guesses at alice's password within a minute (E2)",
        mistake="AnonRateThrottle skips authenticated callers, and ObtainAuthToken authenticates with "
        "DRF's default classes (Session, Basic). Set authentication_classes = [] on the token endpoint.",
    )


@E2
def test_e2_the_limit_lifts_after_a_minute(api, alice, time_machine):
    """The throttle counts requests in the last minute: a minute later the client may try again."""
    time_machine.move_to("2030-01-01 09:00:00", tick=False)
    for attempt in range(1, TOKEN_RATE + 2):
        reply = api.post(token_url(), {"username": "alice", "password": f"guess-{attempt}"})
    expect_status(
        reply,
        429,
        f"try {TOKEN_RATE + 1} within a minute from the same client (E2)",
        mistake="Is ObtainToken throttled with throttle_classes = [TokenRateThrottle]?",
    )
    time_machine.move_to("2030-01-01 09:01:01", tick=False)
    reply = api.post(token_url(), {"username": "alice", "password": PASSWORD})
    expect_status(
        reply,
        200,
        "61 seconds later the earlier tries are out of the one-minute window (E2)",
        mistake='Is the rate "5/minute"? A longer period keeps the client waiting longer.',
    )


# ------------------------------------------------------------------ E3: courses for the browser


@E3
def test_e3_anonymous_gets_403_without_a_challenge(api):
    """Session first: a request without credentials answers 403 and no WWW-Authenticate header."""
    reply = api.get(courses_url())
    expect_status(
        reply,
        403,
        "SessionAuthentication, the first class, has no challenge to offer, so DRF answers 403 (E3)",
        mistake="A 401 means a class with a challenge (Token or Basic) comes first; a 200 that no "
        "permission class refuses anonymous callers.",
    )
    expect(
        reply.header("WWW-Authenticate") is None,
        reply,
        "no WWW-Authenticate header",
        "a 403 carries no challenge (E3)",
    )


@E3
def test_e3_an_invalid_token_answers_403_on_a_session_first_view(api):
    """An invalid token fails in TokenAuthentication, but Session comes first: 403, not 401."""
    reply = api.get(courses_url(), headers=token_header("not-a-real-key"))
    expect_status(
        reply,
        403,
        "the token is invalid, and the first class, SessionAuthentication, has no challenge (E3)",
        mistake="Is TokenAuthentication second, after SessionAuthentication?",
    )


@E3
def test_e3_a_session_reads_without_a_csrf_token(api, alice, make_user, make_course):
    """A logged-in browser reads every course without a CSRF token: GET is safe."""
    make_course(code="DRF101", owner=alice)
    make_course(code="DRF101X", owner=make_user("bob"))
    make_course(code="NOBODY1")
    log_in(api, alice)
    reply = api.get(courses_url())
    expect_status(
        reply, 200, "alice is logged in and GET needs no CSRF token (E3)", mistake=NO_STUB
    )
    expected = [("DRF101", "alice"), ("DRF101X", "bob"), ("NOBODY1", None)]
    expect(
        isinstance(reply.data, list)
        and sorted((c.get("code"), c.get("owner")) for c in reply.data if isinstance(c, dict))
        == expected,
        reply,
        "DRF101 (alice's), DRF101X (bob's) and NOBODY1 (no owner), each with its owner's username",
        "the list shows every course, not only the caller's: that is E4's list (E3)",
        mistake='Return Course.objects.select_related("owner"), with no filter.',
    )


@E3
def test_e3_the_owners_come_in_the_same_query_as_the_courses(alice, make_user, make_course):
    """CourseList's queryset fetches each course's owner in the same query (select_related)."""
    for n in range(3):
        make_course(code=f"Q{n}", owner=make_user(f"owner{n}"))
    view = exercise_class("CourseList")()
    view.request = SimpleNamespace(user=alice, query_params={}, method="GET")
    view.args, view.kwargs, view.format_kwarg = (), {}, None
    try:
        with CaptureQueriesContext(connection) as queries:
            owners = [course.owner.username for course in view.get_queryset()]
    except Exception as exc:  # the starter has no queryset at all
        pytest.fail(
            f"Called CourseList().get_queryset(), got {type(exc).__name__}: {exc}; expected the "
            'courses with their owners (E3). Return Course.objects.select_related("owner").',
            pytrace=False,
        )
    if len(owners) != 3 or len(queries) != 1:
        pytest.fail(
            f"Listed the {len(owners)} courses of CourseList().get_queryset() with each owner's "
            f"username, got {len(queries)} queries; expected 1 because the list shows every "
            "owner's username, and without a JOIN each course costs a query of its own (E3). "
            'Return Course.objects.select_related("owner").',
            pytrace=False,
        )


@E3
def test_e3_a_session_post_without_its_csrf_token_is_refused(api, alice):
    """A session POST without the CSRF token answers 403: another site could have sent it."""
    log_in(api, alice)
    reply = api.post(courses_url(), NEW_COURSE)
    expect_status(
        reply,
        403,
        "the request rides on alice's session cookie but carries no CSRF token (E3)",
        mistake="Do not switch CSRF off (csrf_exempt, or a SessionAuthentication whose "
        "enforce_csrf() does nothing): any web page alice visits could then write as alice.",
    )
    expect(
        not Course.objects.filter(code="SEC101").exists(),
        reply,
        "no course SEC101 created",
        "a refused request must change nothing (E3)",
    )


@E3
def test_e3_a_session_post_with_its_csrf_token_creates_an_owned_course(api, alice):
    """With the csrftoken cookie's value in X-CSRFToken, the session POST creates the course, owned by the caller."""
    log_in(api, alice)
    reply = api.post(courses_url(), {**NEW_COURSE, "owner": "mallory"}, headers=api.csrf_headers())
    expect_status(
        reply,
        201,
        "alice is logged in and sends her CSRF token in X-CSRFToken (E3)",
        mistake=NO_STUB,
    )
    course = Course.objects.filter(code="SEC101").select_related("owner").first()
    expect(
        course is not None and course.owner == alice and reply.data.get("owner") == "alice",
        reply,
        "course SEC101 saved with alice as its owner",
        "the caller owns what they create, whatever the body says: "
        "serializer.save(owner=self.request.user) in perform_create() (E3)",
    )


@E3
def test_e3_a_token_post_needs_no_csrf_token(api, alice, alice_token):
    """A token client is not a browser: its POST needs no CSRF token."""
    reply = api.post(courses_url(), NEW_COURSE, headers=token_header(alice_token.key))
    expect_status(
        reply,
        201,
        "TokenAuthentication checks no CSRF token: no browser sends that header by itself (E3)",
        mistake="Is TokenAuthentication among the authentication classes, after Session?",
    )
    expect(
        Course.objects.filter(code="SEC101", owner=alice).exists(),
        reply,
        "course SEC101 owned by alice",
        "request.user is the token's user (E3)",
    )


# ------------------------------------------------------------------ E4: Basic first


@E4
def test_e4_anonymous_gets_a_basic_challenge(api):
    """Basic first: a request without credentials answers 401 with `WWW-Authenticate: Basic realm="api"`."""
    reply = api.get(my_courses_url())
    expect_status(
        reply,
        401,
        "BasicAuthentication, the first class, has a challenge to send (E4)",
        mistake="A 403 means SessionAuthentication comes first: put BasicAuthentication first.",
    )
    expect(
        reply.header("WWW-Authenticate") == 'Basic realm="api"',
        reply,
        '`WWW-Authenticate: Basic realm="api"`',
        "the challenge tells curl and browsers to ask for a username and password (E4)",
    )


@E4
def test_e4_a_wrong_password_answers_401_with_the_basic_challenge(api, alice):
    """A wrong Basic password answers 401 with the Basic challenge."""
    reply = api.get(my_courses_url(), headers=basic_auth("alice", "wrong-password"))
    expect_status(
        reply,
        401,
        "the password is wrong and Basic comes first (E4)",
        mistake="A 403 means SessionAuthentication comes first: put BasicAuthentication first.",
    )
    expect(
        reply.header("WWW-Authenticate") == 'Basic realm="api"',
        reply,
        '`WWW-Authenticate: Basic realm="api"`',
        "the client learns that a password is wanted here (E4)",
    )


@E4
def test_e4_a_browser_session_works_too(api, alice, make_course):
    """Basic first, then Session: logged in with the login form, the list answers 200."""
    make_course(code="MINE2", owner=alice)
    log_in(api, alice)
    reply = api.get(my_courses_url())
    expect_status(
        reply,
        200,
        "alice is logged in with a session, and SessionAuthentication comes after Basic (E4)",
        mistake="authentication_classes = [BasicAuthentication, SessionAuthentication]: "
        "the browsable API logs in with a session.",
    )


@E4
def test_e4_the_right_password_lists_only_the_callers_courses(api, alice, make_user, make_course):
    """With the right password, the list holds the caller's courses and nobody else's."""
    make_course(code="MINE1", owner=alice)
    make_course(code="NOTMINE", owner=make_user("bob"))
    make_course(code="NOBODYS")
    reply = api.get(my_courses_url(), headers=basic_auth("alice", PASSWORD))
    expect_status(reply, 200, "alice sent the right password (E4)", mistake=NO_STUB)
    codes = [c.get("code") for c in reply.data or [] if isinstance(c, dict)]
    expect(
        codes == ["MINE1"],
        reply,
        '[{"code": "MINE1", ...}] only',
        "the list is filtered by request.user: Course.objects.filter(owner=self.request.user) (E4)",
    )


@E4
def test_e4_basic_is_locked_per_account_for_fifteen_minutes(api, alice, time_machine):
    """A script's Basic endpoint is a password oracle unless it counts wrong passwords per account."""
    time_machine.move_to("2030-01-01 09:00:00", tick=False)
    expect_basic_lockout(api, my_courses_url(), "E4")
    log_in(api, alice)
    reply = api.get(my_courses_url())
    expect_status(
        reply,
        200,
        "alice's session login still works while Basic is locked for her: the lock costs an "
        "attacker's victim only the Basic door (E4)",
        mistake="authentication_classes = [GuardedBasicAuthentication, SessionAuthentication].",
    )
    time_machine.move_to("2030-01-01 09:15:01", tick=False)
    reply = api.get(my_courses_url(), headers=basic_auth("alice", PASSWORD))
    expect_status(
        reply,
        200,
        f"{LOCKOUT} after the first wrong password the lock has ended by itself (E4)",
    )
