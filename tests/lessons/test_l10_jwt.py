"""Graded tests for lesson 10: JSON Web Tokens with simplejwt (lessons/l10_jwt/exercise.py).

Tokens are checked the way a server checks them (simplejwt's AccessToken and RefreshToken
verify signature, expiry and type) and read the way any client can (the payload without the
signature check). Time moves with time_machine, which moves the clock of the whole test
process, the live server's thread included.
"""

import base64
import json
from datetime import timedelta

import jwt
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from course.testing import expect, expect_status
from lessons.l10_jwt.serializers import SESSION_LIFETIME

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")
E4 = pytest.mark.exercise("E4")

PASSWORD = "a-long-passphrase-for-tests"
ACCESS_LIFETIME = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
SIMPLEJWT_CLAIMS = {"token_type", "exp", "iat", "jti", "user_id"}
BEARER_CHALLENGE = 'Bearer realm="api"'


def url(name):
    return reverse(f"l10:{name}")


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def verified(token_class, raw):
    """`raw` checked as the server checks it (signature, expiry, type), or None if it fails."""
    if not isinstance(raw, str) or not raw:
        return None  # token_class(None) would mint a brand-new token instead of checking one
    try:
        return token_class(raw)
    except TokenError:
        return None


def claims(raw):
    """The payload of a JWT as any client can read it: no key needed ({} if it is no JWT)."""
    try:
        return jwt.decode(raw, options={"verify_signature": False})
    except (jwt.InvalidTokenError, TypeError):
        return {}


def pair_for(user):
    """A refresh and an access token minted by simplejwt itself, as strings."""
    refresh = RefreshToken.for_user(user)
    return str(refresh), str(refresh.access_token)


def later(delta):
    """Move the clock `delta` ahead, for the test process and the live server alike."""
    return time_machine.travel(timezone.now() + delta)


def data_of(reply):
    return reply.data if isinstance(reply.data, dict) else {}


def messages_under(reply, field):
    """The non-empty error messages of a reply under `field`, as a list of strings."""
    errors = data_of(reply).get(field)
    errors = errors if isinstance(errors, list) else [errors]
    return [e for e in errors if isinstance(e, str) and e.strip()]


@pytest.fixture
def ann(make_user):
    return make_user("ann", password=PASSWORD)


@pytest.fixture
def bob(make_user):
    return make_user("bob", password=PASSWORD)


# ------------------------------------------------------------------ E1: log in by hand

NOTES_LOGIN = (
    "A refused login must not answer 200 with a message such as {'message': 'invalid "
    "credentials'}: raise AuthenticationFailed, which DRF turns into 401."
)
NO_CHALLENGE = (
    "A 403 means DRF found no authentication scheme to name in a WWW-Authenticate header "
    "(this view has no authentication class), so it turned AuthenticationFailed into 403: "
    "give LoginView a get_authenticate_header() returning 'Bearer realm=\"api\"'."
)
BY_HAND = (
    "A 500 here usually means User.objects.get() raised DoesNotExist: let authenticate() "
    "look the user up and check the password."
)


def login(api, username="ann", password=PASSWORD):
    return api.post(url("login"), {"username": username, "password": password})


def refusal_advice(reply):
    return {200: NOTES_LOGIN, 403: NO_CHALLENGE, 500: BY_HAND}.get(reply.status)


def expect_challenge(reply):
    """A 401 names the scheme to authenticate with, in WWW-Authenticate (E1)."""
    expect(
        bool(reply.header("WWW-Authenticate")),
        reply,
        "a 401 with a WWW-Authenticate header",
        "HTTP requires a 401 to name the scheme the client should use; DRF adds it when the view "
        "raises AuthenticationFailed, not when it returns Response(status=401) (E1)",
        mistake="raise AuthenticationFailed(...) and give LoginView get_authenticate_header() "
        "returning 'Bearer realm=\"api\"'.",
    )


@E1
def test_e1_login_answers_a_token_pair(api, ann):
    """Good credentials answer 200 with a valid refresh token and a valid access token."""
    reply = login(api)
    expect_status(reply, 200, "ann's username and password are right (E1)")
    data = data_of(reply)
    refresh = verified(RefreshToken, data.get("refresh"))
    access = verified(AccessToken, data.get("access"))
    expect(
        refresh is not None and access is not None,
        reply,
        '{"refresh": "<a refresh token>", "access": "<an access token>"}, both valid JWTs of their type',
        "the client sends the access token with each request and the refresh token to get a new one (E1)",
        mistake="Make both from one refresh = RefreshToken.for_user(user): str(refresh) and str(refresh.access_token).",
    )


@E1
def test_e1_user_id_claim_is_a_string(api, ann):
    """The tokens name the user in a `user_id` claim, which simplejwt 5.5 writes as a string."""
    reply = login(api)
    expect_status(reply, 200, "ann's username and password are right (E1)")
    payload = claims(data_of(reply).get("access"))
    expect(
        payload.get("user_id") == str(ann.pk),
        reply,
        f'an access token whose payload holds "user_id": "{ann.pk}" (a string, not the number {ann.pk})',
        "RefreshToken.for_user() writes str(user.pk), so code that reads the claim must compare strings (E1)",
        mistake="Build the tokens with RefreshToken.for_user(user) rather than setting claims by hand.",
    )


@E1
def test_e1_access_token_opens_a_protected_view(api, ann, make_student):
    """The access token from the login opens a view protected by JWTAuthentication."""
    make_student(name="Ann's student", owner=ann)
    make_student(name="Someone else's student")
    reply = login(api)
    expect_status(reply, 200, "ann's username and password are right (E1)")
    mine = api.get(url("my-students"), headers=bearer(data_of(reply).get("access")))
    expect_status(
        mine, 200, "the access token from the login must be accepted by JWTAuthentication (E1)"
    )
    names = [s.get("name") for s in mine.data or [] if isinstance(s, dict)]
    expect(
        names == ["Ann's student"],
        mine,
        '["Ann\'s student"]',
        "the token names ann, so the view lists her students only (E1)",
    )


@E1
@pytest.mark.parametrize(
    ("username", "password"),
    [("ann", "not-her-password"), ("nobody", PASSWORD)],
    ids=["wrong-password", "unknown-user"],
)
def test_e1_bad_credentials_answer_401(api, ann, username, password):
    """A wrong password or an unknown username answers 401 and no token."""
    reply = login(api, username, password)
    expect_status(
        reply,
        401,
        "the credentials are wrong, and 401 is the status that tells a client to authenticate (E1)",
        mistake=refusal_advice(reply),
    )
    expect_challenge(reply)
    expect(
        not {"access", "refresh"} & set(data_of(reply)),
        reply,
        "no token in the body",
        "a refused login hands out nothing (E1)",
    )


@E1
def test_e1_refusals_do_not_tell_which_usernames_exist(api, ann):
    """A wrong password and an unknown username get the very same answer."""
    wrong_password = login(api, "ann", "not-her-password")
    unknown_user = login(api, "nobody", "not-her-password")
    for reply in (wrong_password, unknown_user):
        expect_status(reply, 401, "the credentials are wrong (E1)", mistake=refusal_advice(reply))
    expect(
        wrong_password.data == unknown_user.data,
        unknown_user,
        f"the same body as for ann's wrong password, {wrong_password.text}",
        "a different answer would tell an attacker which usernames exist (E1)",
        mistake="Let authenticate() decide and raise one AuthenticationFailed message for every refusal.",
    )


@E1
def test_e1_inactive_account_is_refused(api, make_user):
    """A deactivated account gets 401 even with the right password."""
    make_user("gone", password=PASSWORD, is_active=False)
    reply = login(api, "gone", PASSWORD)
    expect_status(
        reply,
        401,
        "the account is inactive, and an inactive account must not get tokens (E1)",
        mistake=refusal_advice(reply)
        or "authenticate() refuses inactive accounts; checking the password by hand does not.",
    )
    expect_challenge(reply)


@E1
@pytest.mark.parametrize(
    ("body", "missing"),
    [({}, {"username", "password"}), ({"username": "ann"}, {"password"})],
    ids=["empty", "no-password"],
)
def test_e1_missing_fields_answer_400(api, ann, body, missing):
    """A body without the username or the password is a bad request: 400 naming the fields."""
    reply = api.post(url("login"), body)
    expect_status(
        reply,
        400,
        f"the body lacks {sorted(missing)}, which is a malformed request, not a failed login (E1)",
        mistake="Validate with LoginSerializer and is_valid(raise_exception=True), which answers 400; the notes' LoginAPI answered 200 with the errors.",
    )
    expect(
        missing <= set(data_of(reply)),
        reply,
        f"errors keyed by field, for {sorted(missing)}",
        "the client must learn which field to fill in (E1)",
    )


@E1
def test_e1_malformed_json_answers_400(api, ann):
    """A body that is not valid JSON answers 400, not a server error."""
    reply = api.post(url("login"), content='{"username": "ann", ', content_type="application/json")
    expect_status(
        reply,
        400,
        "the body is not valid JSON, which is the client's mistake (E1)",
        mistake="Read the body through request.data (LoginSerializer(data=request.data)).",
    )


@E1
def test_e1_refresh_token_rotates_and_the_used_one_is_refused(api, ann):
    """The login's refresh token works once: the refresh answers a new one and blacklists it."""
    reply = login(api)
    expect_status(reply, 200, "ann's username and password are right (E1)")
    first = data_of(reply).get("refresh")
    refreshed = api.post(url("token-refresh"), {"refresh": first})
    expect_status(
        refreshed,
        200,
        "the login's refresh token is fresh and valid (E1)",
        mistake="Answer str(RefreshToken.for_user(user)) as the refresh token.",
    )
    second = data_of(refreshed).get("refresh")
    expect(
        verified(RefreshToken, second) is not None and second != first,
        refreshed,
        "a new refresh token besides the new access token",
        "ROTATE_REFRESH_TOKENS is on in SIMPLE_JWT (E1)",
    )
    reused = api.post(url("token-refresh"), {"refresh": first})
    expect_status(
        reused,
        401,
        "BLACKLIST_AFTER_ROTATION blacklisted the first refresh token when it was used (E1)",
    )
    again = api.post(url("token-refresh"), {"refresh": second})
    expect_status(again, 200, "the new refresh token has not been used yet (E1)")


@E1
def test_e1_login_is_throttled(api, ann):
    """Past 10 attempts a minute from one address the login answers 429 with Retry-After."""
    for attempt in range(1, 11):
        reply = login(api, "ann", f"guess-{attempt}")
        expect_status(
            reply,
            401,
            f"attempt {attempt} of 10 guesses a wrong password (E1)",
            mistake=refusal_advice(reply),
        )
    reply = login(api, "ann", "guess-11")
    expect_status(
        reply,
        429,
        "the 11th guess within a minute is over LoginRateThrottle's rate of 10/minute (E1)",
        mistake="Set throttle_classes = [LoginRateThrottle] on LoginView: an unthrottled login lets anyone guess passwords as fast as the server answers.",
    )
    expect(
        bool(reply.header("Retry-After")),
        reply,
        "a Retry-After header",
        "it tells the client how many seconds to wait (E1)",
    )


@E1
def test_e1_a_logged_in_guesser_is_throttled_too(api, ann, bob):
    """A guesser who sends valid Basic credentials of their own account is counted all the same."""
    token = base64.b64encode(f"bob:{PASSWORD}".encode()).decode()
    as_bob = {"Authorization": f"Basic {token}"}
    for attempt in range(1, 12):
        reply = api.post(
            url("login"), {"username": "ann", "password": f"guess-{attempt}"}, headers=as_bob
        )
        expected = 401 if attempt <= 10 else 429
        expect_status(
            reply,
            expected,
            f"attempt {attempt} guesses ann's password; LoginRateThrottle allows 10 a minute "
            "whatever the Authorization header says (E1)",
            mistake=(
                "Keep the given authentication_classes = () on LoginView: with DRF's defaults "
                "(Session, Basic) a caller who logs in as themselves is not anonymous, and "
                "LoginRateThrottle, an AnonRateThrottle, lets them guess without a limit."
                if reply.status == 401
                else refusal_advice(reply)
            ),
        )


@E1
def test_e1_the_login_urls_share_one_throttle(api, ann):
    """Guesses at login/ and token/claims/ count together: 10 in all, then 429 at both."""
    for attempt in range(1, 11):
        name = "login" if attempt % 2 else "token-claims"
        reply = api.post(url(name), {"username": "ann", "password": f"guess-{attempt}"})
        expect_status(
            reply,
            401,
            f"attempt {attempt} of 10 guesses a wrong password (E1)",
            mistake=refusal_advice(reply),
        )
    for name in ("login", "token-claims"):
        reply = api.post(url(name), {"username": "ann", "password": "guess-11"})
        expect_status(
            reply,
            429,
            "10 guesses were made at this lesson's two login URLs within a minute, and "
            "LoginRateThrottle counts them in one scope, so that two URLs do not mean twice the "
            "guesses (E1)",
            mistake="Use the given LoginRateThrottle on LoginView, not a throttle of your own "
            "(its scope is shared with token/claims/), and keep the given throttle_classes of "
            "ClaimsTokenObtainPairView.",
        )


# ------------------------------------------------------------------ E2: custom claims

NO_CLAIMS = (
    "Override get_token(cls, user) in ClaimsTokenObtainPairSerializer: token = "
    "super().get_token(user), then set token['username'] and token['is_staff']. Claims put "
    "into the response body are not in the token."
)


def obtain_with_claims(api, user):
    return api.post(url("token-claims"), {"username": user.username, "password": PASSWORD})


@E2
@pytest.mark.parametrize("is_staff", [False, True], ids=["student", "staff"])
def test_e2_access_token_carries_username_and_is_staff(api, make_user, is_staff):
    """The access token's payload names the user and says whether they are staff."""
    user = make_user("root" if is_staff else "ann", password=PASSWORD, is_staff=is_staff)
    reply = obtain_with_claims(api, user)
    expect_status(reply, 200, f"{user.username}'s username and password are right (E2)")
    payload = claims(data_of(reply).get("access"))
    expect(
        payload.get("username") == user.username and payload.get("is_staff") is is_staff,
        reply,
        f'an access token with "username": "{user.username}" and "is_staff": {str(is_staff).lower()}, '
        f"but its claims are {json.dumps(payload)}",
        "clients read these claims to greet the user and show staff menus without another request (E2)",
        mistake=NO_CLAIMS,
    )


@E2
def test_e2_refresh_token_carries_the_claims_and_refreshed_access_tokens_keep_them(api, make_user):
    """The claims live in the refresh token, so each access token it refreshes carries them."""
    user = make_user("ann", password=PASSWORD)
    reply = obtain_with_claims(api, user)
    expect_status(reply, 200, "ann's username and password are right (E2)")
    refresh = data_of(reply).get("refresh")
    expect(
        claims(refresh).get("username") == "ann",
        reply,
        'a refresh token with "username": "ann"',
        "get_token() builds the refresh token, and the access token copies its claims (E2)",
        mistake=NO_CLAIMS,
    )
    refreshed = api.post(url("token-refresh"), {"refresh": refresh})
    expect_status(refreshed, 200, "the refresh token is fresh and valid (E2)")
    payload = claims(data_of(refreshed).get("access"))
    expect(
        payload.get("username") == "ann" and payload.get("is_staff") is False,
        refreshed,
        'a refreshed access token still carrying "username": "ann" and "is_staff": false',
        "a refresh copies every claim of the refresh token into the new access token (E2)",
    )


@E2
def test_e2_tokens_still_name_the_user(api, make_user, make_student):
    """With the extra claims, the tokens still carry user_id and open protected views."""
    user = make_user("ann", password=PASSWORD)
    make_student(name="Ann's student", owner=user)
    reply = obtain_with_claims(api, user)
    expect_status(reply, 200, "ann's username and password are right (E2)")
    access = data_of(reply).get("access")
    expect(
        claims(access).get("user_id") == str(user.pk) and claims(access).get("username") == "ann",
        reply,
        f'an access token with "user_id": "{user.pk}" and "username": "ann"',
        "JWTAuthentication finds the user by user_id (E2)",
        mistake="Start from token = super().get_token(user): a bare RefreshToken() has no user_id.",
    )
    mine = api.get(url("my-students"), headers=bearer(access))
    expect_status(mine, 200, "the access token is valid and names ann (E2)")


@E2
def test_e2_claims_hold_nothing_private(api, make_user):
    """A token's payload is readable by anyone who holds it: only username and is_staff are added."""
    user = make_user("ann", password=PASSWORD, first_name="Ann", last_name="Example")
    reply = obtain_with_claims(api, user)
    expect_status(reply, 200, "ann's username and password are right (E2)")
    payload = claims(data_of(reply).get("access"))
    extra = sorted(set(payload) - SIMPLEJWT_CLAIMS - {"username", "is_staff"})
    expect(
        bool(payload) and not extra,
        reply,
        f"no claims besides {sorted(SIMPLEJWT_CLAIMS)}, username and is_staff, but it also has {extra}",
        "a JWT is signed, not encrypted: anyone who holds it can base64-decode its payload, so "
        "emails, names and password hashes do not belong there (E2)",
        mistake=None if extra else NO_CLAIMS,
    )


@E2
def test_e2_claims_are_a_snapshot_so_views_ask_the_database(api, make_user):
    """A demoted user's token still says is_staff: true, yet a staff-only view refuses it (403)."""
    user = make_user("root", password=PASSWORD, is_staff=True)
    reply = obtain_with_claims(api, user)
    expect_status(reply, 200, "root's username and password are right (E2)")
    access = data_of(reply).get("access")
    expect(
        claims(access).get("is_staff") is True,
        reply,
        'an access token with "is_staff": true',
        "root is staff when the token is issued (E2)",
        mistake=NO_CLAIMS,
    )
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    refused = api.get(url("student-list"), headers=bearer(access))
    expect_status(
        refused,
        403,
        "root is no longer staff: the claim in the token is a snapshot from the login, and "
        "IsAdminUser reads the database (E2)",
    )


# ------------------------------------------------------------------ E3: "me" and logout

NO_JWT = (
    "Set authentication_classes = [JWTAuthentication] and permission_classes = "
    "[IsAuthenticated] on the view: without JWTAuthentication the Bearer header is ignored, "
    "and without IsAuthenticated anyone gets in."
)


def forge_edited_payload(access, other):
    """Ann's access token with user_id changed to someone else's, its signature kept."""
    header, _, signature = access.split(".")
    payload = {**claims(access), "user_id": str(other.pk)}
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


FORGERIES = {
    "payload-edited": forge_edited_payload,
    "signed-with-another-key": lambda access, other: jwt.encode(
        claims(access), "a-key-this-server-has-never-seen-0123456789", algorithm="HS256"
    ),
    "signed-with-SECRET_KEY": lambda access, other: jwt.encode(
        claims(access), settings.SECRET_KEY, algorithm="HS256"
    ),
    "alg-none": lambda access, other: jwt.encode(claims(access), None, algorithm="none"),
    "not-a-jwt": lambda access, other: "not.a.jwt",
}


@E3
def test_e3_me_answers_the_token_user(api, ann, bob):
    """GET me with a valid access token answers 200 with that user, never the password."""
    _, access = pair_for(ann)
    reply = api.get(url("me"), headers=bearer(access))
    expect_status(reply, 200, "the access token is valid (E3)", mistake=NO_JWT)
    data = data_of(reply)
    expect(
        data.get("username") == "ann" and data.get("id") == ann.pk and "password" not in data,
        reply,
        f'{{"id": {ann.pk}, "username": "ann", ...}} without the password',
        "me is the account the token names, serialized with UserSerializer (E3)",
    )
    expect(
        data == {"id": ann.pk, "username": "ann", "email": ann.email, "is_staff": False},
        reply,
        f'exactly UserSerializer\'s fields: {{"id": {ann.pk}, "username": "ann", '
        f'"email": "{ann.email}", "is_staff": false}}',
        "me answers the account as UserSerializer shows it, no more and no less (E3)",
        mistake="Return Response(UserSerializer(request.user).data).",
    )


@E3
def test_e3_me_without_a_token_answers_401_with_a_bearer_challenge(api):
    """No token: 401 with `WWW-Authenticate: Bearer realm="api"`, which tells the client how to log in."""
    reply = api.get(url("me"))
    expect_status(
        reply,
        401,
        "no token was sent, and the view needs an authenticated user (E3)",
        mistake=NO_JWT,
    )
    expect(
        reply.header("WWW-Authenticate") == BEARER_CHALLENGE,
        reply,
        f"the header WWW-Authenticate: {BEARER_CHALLENGE}",
        "a 401 names the scheme to use, from the view's first authentication class (E3)",
        mistake=NO_JWT,
    )


@E3
def test_e3_refresh_token_used_as_access_token_answers_401(api, ann):
    """A refresh token is not an access token: its token_type claim says "refresh"."""
    refresh, _ = pair_for(ann)
    reply = api.get(url("me"), headers=bearer(refresh))
    expect_status(
        reply,
        401,
        "JWTAuthentication accepts access tokens only; a refresh token lives a day and must only reach the refresh URL (E3)",
        mistake=NO_JWT,
    )


@E3
def test_e3_expired_access_token_answers_401(api, ann):
    """An access token works until its exp claim, and answers 401 from then on."""
    _, access = pair_for(ann)
    fresh = api.get(url("me"), headers=bearer(access))
    expect_status(fresh, 200, "the access token was issued a moment ago (E3)", mistake=NO_JWT)
    with later(ACCESS_LIFETIME + timedelta(seconds=1)):
        expired = api.get(url("me"), headers=bearer(access))
    expect_status(
        expired,
        401,
        f"the access token expired: it lives {ACCESS_LIFETIME} (ACCESS_TOKEN_LIFETIME) (E3)",
    )


@E3
@pytest.mark.parametrize("forgery", FORGERIES)
def test_e3_forged_tokens_answer_401(api, ann, bob, forgery):
    """Edited, wrongly signed, unsigned (`alg: none`) or malformed tokens are refused with 401."""
    _, access = pair_for(ann)
    forged = FORGERIES[forgery](access, bob)
    reply = api.get(url("me"), headers=bearer(forged))
    expect_status(
        reply,
        401,
        f"the token is forged ({forgery}): only a token signed with SIMPLE_JWT's SIGNING_KEY "
        "by HS256 may pass (E3)",
        mistake=NO_JWT,
    )


@E3
def test_e3_token_of_an_inactive_account_answers_401(api, ann):
    """A token issued before the account was deactivated stops working at once."""
    _, access = pair_for(ann)
    ann.is_active = False
    ann.save(update_fields=["is_active"])
    reply = api.get(url("me"), headers=bearer(access))
    expect_status(
        reply,
        401,
        "JWTAuthentication loads the user on every request and refuses an inactive one (E3)",
        mistake=NO_JWT,
    )


NOT_BLACKLISTED = (
    "Call refresh.blacklist() on the RefreshToken: a logout that only answers 204 leaves the "
    "refresh token working for a day."
)
INT_USER_ID = (
    "A 403 for the caller's own token usually means comparing the user_id claim with "
    "request.user.pk: the claim is a string, so compare it with str(request.user.pk)."
)


def logout(api, access, refresh):
    return api.post(url("logout"), {"refresh": refresh}, headers=bearer(access))


@E3
def test_e3_logout_blacklists_the_refresh_token(api, ann):
    """Logout answers 204; from then on the refresh token is refused."""
    refresh, access = pair_for(ann)
    reply = logout(api, access, refresh)
    expect_status(
        reply,
        204,
        "ann logs out with her own access and refresh tokens, and there is nothing to send back (E3)",
        mistake=INT_USER_ID if reply.status == 403 else NO_JWT,
    )
    expect(
        reply.text == "" and reply.header("Content-Length") in (None, "0"),
        reply,
        f"204 with no body at all; this one declares Content-Length: {reply.header('Content-Length')} "
        "(Django's test client drops a 204's body, a real HTTP client does not)",
        "204 No Content means there is no body; a body after it confuses HTTP clients (E3)",
        mistake="return Response(status=status.HTTP_204_NO_CONTENT), with no data.",
    )
    refreshed = api.post(url("token-refresh"), {"refresh": refresh})
    expect_status(
        refreshed, 401, "the refresh token was blacklisted at logout (E3)", mistake=NOT_BLACKLISTED
    )


@E3
def test_e3_logging_out_twice_answers_400(api, ann):
    """The second logout with the same refresh token answers 400: it is blacklisted already."""
    refresh, access = pair_for(ann)
    first = logout(api, access, refresh)
    expect_status(
        first,
        204,
        "ann logs out with her own tokens (E3)",
        mistake=INT_USER_ID if first.status == 403 else NO_JWT,
    )
    again = logout(api, access, refresh)
    expect_status(
        again,
        400,
        "the refresh token in the body was blacklisted by the first logout, so the body is "
        "what is wrong (E3)",
        mistake="RefreshToken(raw) raises TokenError('Token is blacklisted'): turn it into "
        "ValidationError({'refresh': [str(exc)]}).",
    )
    expect(
        "Token is blacklisted" in messages_under(again, "refresh"),
        again,
        '{"refresh": ["Token is blacklisted"]}',
        "the client must learn which field was wrong, and why (E3)",
        mistake="Pass simplejwt's reason on: ValidationError({'refresh': [str(exc)]}).",
    )


@E3
def test_e3_access_token_outlives_logout_until_it_expires(api, ann):
    """After logout the access token still works: nothing is looked up for it until it expires."""
    refresh, access = pair_for(ann)
    reply = logout(api, access, refresh)
    expect_status(
        reply,
        204,
        "ann logs out with her own tokens (E3)",
        mistake=INT_USER_ID if reply.status == 403 else NO_JWT,
    )
    still = api.get(url("me"), headers=bearer(access))
    expect_status(
        still,
        200,
        "an access token is checked by its signature and expiry only, and the blacklist "
        "holds refresh tokens: it stays valid until exp (E3)",
    )
    with later(ACCESS_LIFETIME + timedelta(seconds=1)):
        expired = api.get(url("me"), headers=bearer(access))
    expect_status(expired, 401, f"the access token expired after {ACCESS_LIFETIME} (E3)")


@E3
def test_e3_logout_refuses_someone_elses_refresh_token(api, ann, bob):
    """Logging out with another user's refresh token answers 403 and leaves it working."""
    _, ann_access = pair_for(ann)
    bob_refresh, _ = pair_for(bob)
    reply = logout(api, ann_access, bob_refresh)
    expect_status(
        reply,
        403,
        "ann is authenticated but the refresh token is bob's, and nobody may end another's session (E3)",
        mistake="Compare refresh.get('user_id') with str(request.user.pk) before blacklisting.",
    )
    refreshed = api.post(url("token-refresh"), {"refresh": bob_refresh})
    expect_status(refreshed, 200, "bob's refresh token must still work (E3)")


@E3
@pytest.mark.parametrize("case", ["missing", "not-a-token", "an-access-token"])
def test_e3_logout_with_a_bad_refresh_token_answers_400(api, ann, case):
    """A missing, malformed or wrong-type refresh token is a bad request: 400, not 500."""
    _, access = pair_for(ann)
    body = {
        "missing": {},
        "not-a-token": {"refresh": "not.a.jwt"},
        "an-access-token": {"refresh": access},
    }[case]
    reply = api.post(url("logout"), body, headers=bearer(access))
    expect_status(
        reply,
        400,
        f"the body's refresh token is {case.replace('-', ' ')}, which the client must fix (E3)",
        mistake="Validate with RefreshSerializer, and build RefreshToken(...) inside try/except "
        "TokenError, raising ValidationError({'refresh': [...]}): TokenError left alone is a 500.",
    )
    expect(
        bool(messages_under(reply, "refresh")),
        reply,
        'a message under "refresh"',
        "the client must learn which field was wrong, and why (E3)",
        mistake="Put the reason in the error: ValidationError({'refresh': [str(exc)]}).",
    )


@E3
def test_e3_logout_without_an_access_token_answers_401(api, ann):
    """Only a logged-in user logs out: no access token, 401."""
    refresh, _ = pair_for(ann)
    reply = api.post(url("logout"), {"refresh": refresh})
    expect_status(
        reply,
        401,
        "no access token was sent, and logout needs an authenticated user (E3)",
        mistake=NO_JWT,
    )


# ------------------------------------------------------------------ E4: a refresh that ends

LOGIN_TIME = "2030-03-04 09:00:00+00:00"
SESSION_ADVICE = (
    "Measure the session from the login, not from the token in hand: read "
    'refresh.get("auth_time", refresh["iat"]), refuse when now >= that + SESSION_LIFETIME, '
    'and copy it into the rotated token as refresh["auth_time"].'
)


def refresh_with(api, refresh):
    return api.post(url("token-refresh"), {"refresh": refresh})


@E4
def test_e4_a_session_ends_seven_days_after_login_however_often_it_refreshes(
    api, ann, time_machine
):
    """Rotation keeps a client logged in only until SESSION_LIFETIME after its login."""
    time_machine.move_to(LOGIN_TIME, tick=False)
    login_at = timezone.now()
    refresh, _ = pair_for(ann)
    step = timedelta(hours=23)  # within the refresh token's one-day lifetime
    elapsed = step
    while elapsed < SESSION_LIFETIME:
        time_machine.move_to(login_at + elapsed, tick=False)
        reply = refresh_with(api, refresh)
        expect_status(
            reply,
            200,
            f"the refresh token is fresh and the login was {elapsed} ago, less than "
            f"{SESSION_LIFETIME} (E4)",
            mistake="Is the session measured in seconds, SESSION_LIFETIME.total_seconds()?",
        )
        refresh = data_of(reply).get("refresh")
        expect(
            claims(refresh).get("auth_time") == int(login_at.timestamp()),
            reply,
            f'a rotated refresh token with "auth_time": {int(login_at.timestamp())}, the login time',
            "the login time must survive each rotation, or the session would start again at "
            "every refresh (E4)",
            mistake=SESSION_ADVICE,
        )
        payload = claims(refresh)
        expect(
            payload.get("iat") == int(timezone.now().timestamp())
            and OutstandingToken.objects.filter(jti=payload.get("jti")).exists(),
            reply,
            f'a rotated refresh token issued now ("iat": {int(timezone.now().timestamp())}) '
            "and recorded as an outstanding token",
            "a rotation does what simplejwt's does: a new jti, exp and iat, and outstand(), "
            "which records the token so that it can be listed and blacklisted in its turn (E4)",
            mistake="After setting auth_time, call refresh.set_jti(), refresh.set_exp(), "
            "refresh.set_iat() and refresh.outstand(), as TokenRefreshSerializer.validate() does.",
        )
        elapsed += step
    time_machine.move_to(login_at + SESSION_LIFETIME - timedelta(seconds=1), tick=False)
    last = refresh_with(api, refresh)
    expect_status(last, 200, f"the login was one second less than {SESSION_LIFETIME} ago (E4)")
    refresh = data_of(last).get("refresh")
    time_machine.move_to(login_at + SESSION_LIFETIME, tick=False)
    ended = refresh_with(api, refresh)
    expect_status(
        ended,
        401,
        f"the refresh token is one second old, but the login was {SESSION_LIFETIME} ago: "
        "the session is over and the user must log in again (ASVS V3.3.2) (E4)",
        mistake=SESSION_ADVICE,
    )
    expect(
        "access" not in data_of(ended) and bool(ended.header("WWW-Authenticate")),
        ended,
        "no new tokens, and a WWW-Authenticate header",
        "raise InvalidToken: simplejwt's refresh view answers it with 401 and its Bearer challenge (E4)",
    )


@E4
def test_e4_an_ended_session_and_an_inactive_account_get_no_pair(api, ann, bob):
    """A token whose auth_time is SESSION_LIFETIME old is refused; so is an inactive account's."""
    old = RefreshToken.for_user(ann)
    old["auth_time"] = int((timezone.now() - SESSION_LIFETIME).timestamp())
    reply = refresh_with(api, str(old))
    expect_status(
        reply,
        401,
        f"the token says its session began {SESSION_LIFETIME} ago (auth_time) (E4)",
        mistake=SESSION_ADVICE,
    )
    refresh, _ = pair_for(bob)
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    reply = refresh_with(api, refresh)
    expect_status(
        reply,
        401,
        "bob's account was deactivated after his login (E4)",
        mistake="simplejwt's validate() refuses an inactive account; a validate() of your own "
        "must do it too: get_user_model().objects.filter(pk=user_id, is_active=True).exists().",
    )


@E4
def test_e4_a_refresh_token_works_once_even_when_two_requests_race(api, ann, monkeypatch):
    """Two refreshes with one token: if the other request writes its blacklist row first, 401."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    refresh, _ = pair_for(ann)
    jti = claims(refresh)["jti"]
    manager = BlacklistedToken.objects
    raced = []

    def losing_the_race(write):
        def staged(*args, **kwargs):
            if not raced:
                # The other request, sent at the same moment with the same token, passed every
                # check this one made and writes its blacklist row just before this one does.
                raced.append(True)
                BlacklistedToken(token=OutstandingToken.objects.get(jti=jti)).save()
            return write(*args, **kwargs)

        return staged

    monkeypatch.setattr(manager, "get_or_create", losing_the_race(manager.get_or_create))
    monkeypatch.setattr(manager, "create", losing_the_race(manager.create))
    reply = refresh_with(api, refresh)
    expect(
        bool(raced),
        reply,
        "the refresh token blacklisted with BlacklistedToken.objects (refresh.blacklist() does)",
        "the test stages the race at that write (E4)",
        mistake="Blacklist the token with refresh.blacklist().",
    )
    expect_status(
        reply,
        401,
        "another request with the same refresh token passed the same checks and blacklisted it "
        "first: two requests with one token must not both get a pair (E4)",
        mistake="simplejwt reads the blacklist with exists() and then get_or_create()s the row, so "
        "both racers win; a second read before the write only narrows the window. Let the write "
        "decide: _, created = refresh.blacklist(); if not created: raise "
        'InvalidToken("Token is blacklisted").',
    )
    expect(
        "refresh" not in data_of(reply),
        reply,
        "no new refresh token",
        "the token's one use went to the other request (E4)",
    )
