"""Graded tests for lesson 11: signup with an emailed one-time code (lessons/l11_signup_otp/exercise.py).

These tests attack the signup flow the way an attacker would: they guess codes by the
thousand, wait for codes to expire, reuse them, probe for known addresses and read the
database as a thief with a copy of it would. Mail is Django's locmem backend
(django.core.mail.outbox); time moves with time-machine, never with sleep.
"""

import hashlib
import hmac
import importlib
import logging
import random
import re
import secrets
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.forms.models import model_to_dict
from django.urls import reverse

from course.stubs import NotDone
from course.testing import expect, expect_status, fail
from lessons.l11_signup_otp.models import (
    CODE_LIFETIME,
    HOUR,
    MAILS_PER_HOUR,
    MAX_TRIES,
    RESEND_COOLDOWN,
    TRIES_PER_HOUR,
    SignupCode,
)
from lessons.l11_signup_otp.throttles import ResendThrottle, SignupThrottle, VerifyThrottle

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")

User = get_user_model()

EXERCISE = "lessons.l11_signup_otp.exercise"
FILE = "lessons/l11_signup_otp/exercise.py"
START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # frozen clock for the tests that move time
CODE_RE = re.compile(r"(?<![0-9])[0-9]{6,12}(?![0-9])")
GUESSES = 200  # wrong codes sent by the brute-force test; most are answered 429 at once
PASSWORD = "plum-kettle-orbit-42"  # passes Django's password validators
# The plain hashes a thief would try first: each is reversed by hashing all million codes.
UNKEYED = (
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sha3_256",
    "sha3_512",
    "blake2b",
    "blake2s",
)


def signup_url():
    return reverse("l11:signup")


def verify_url():
    return reverse("l11:verify")


def resend_url():
    return reverse("l11:resend")


def rate(throttle) -> int:
    """How many requests a throttle class lets through per period, e.g. 10 for "10/hour"."""
    return int(throttle.rate.split("/")[0])


def codes_sent_to(email):
    """Every code of 6 to 12 digits mailed to `email`, oldest first."""
    return [
        code
        for message in mail.outbox
        if email in message.to
        for code in CODE_RE.findall(f"{message.subject}\n{message.body}")
    ]


def mail_to(email):
    return [message for message in mail.outbox if email in message.to]


def sign_up(api, email, password=PASSWORD):
    """Sign `email` up through the API and return (the reply, the code mailed to it)."""
    before = len(codes_sent_to(email))
    reply = api.post(signup_url(), {"email": email, "password": password})
    expect_status(
        reply,
        202,
        "a signup is accepted, not finished, until the code comes back (E1)",
        mistake="Answer Response(SIGNUP_ACCEPTED, status=status.HTTP_202_ACCEPTED).",
    )
    codes = codes_sent_to(email)
    expect(
        len(codes) == before + 1,
        reply,
        f"one email to {email} holding a code of 6 to 12 digits",
        "the code reaches the owner of the address by mail, and only there (E1)",
        mistake="Send it with send_mail(*emails.signup_code(code), None, [email]).",
    )
    return reply, codes[-1]


def verify(api, email, code, password=PASSWORD, **kwargs):
    return api.post(verify_url(), {"email": email, "code": code, "password": password}, **kwargs)


def wrong_code(code):
    """A code of the same length that is not `code`."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def record_of(email):
    return SignupCode.objects.filter(user__username=email).first()


def is_active(email):
    return User.objects.filter(username=email, is_active=True).exists()


def exercise_function(name):
    """A function of the learner's exercise.py, or a failure that says what is missing."""
    module = importlib.import_module(EXERCISE)
    function = getattr(module, name, None)
    if not callable(function):
        pytest.fail(
            f"MISSING FUNCTION: {FILE} has no `{name}()`. Did you misname it or forget to define it?",
            pytrace=False,
        )
    return function


def answer(name):
    """One of the exercise's answer constants (SIGNUP_ACCEPTED, VERIFY_REFUSED, RESEND_ACCEPTED)."""
    module = importlib.import_module(EXERCISE)
    if not hasattr(module, name):
        pytest.fail(
            f"MISSING CONSTANT: {FILE} has no `{name}`. The starter defines it: did you delete "
            "or rename it?",
            pytrace=False,
        )
    return getattr(module, name)


def expect_refusal(reply, because, mistake=None):
    """A verification refused the one way every refusal looks: 400 with VERIFY_REFUSED (E2)."""
    expect_status(reply, 400, because, mistake=mistake)
    refused = answer("VERIFY_REFUSED")
    expect(
        reply.data == refused,
        reply,
        f"400 with {refused}, VERIFY_REFUSED",
        "every refusal must look the same, or its words tell why it was refused (E2)",
        mistake="Answer Response(VERIFY_REFUSED, status=status.HTTP_400_BAD_REQUEST) for every "
        "refusal.",
    )


def wrong_tries(api, email, code, count, because):
    """Send `count` wrong codes for `email`, each of which must be refused."""
    for n in range(1, count + 1):
        expect_refusal(verify(api, email, wrong_code(code)), f"try {n} is a wrong code; {because}")


def resend_code(api, clock, email):
    """Let the cooldown pass, ask for a new code; return the reply and the code (None if none came)."""
    clock.shift(RESEND_COOLDOWN + timedelta(seconds=1))
    before = len(codes_sent_to(email))
    reply = api.post(resend_url(), {"email": email})
    expect_status(reply, 202, "resend answers 202 to every address (E3)")
    codes = codes_sent_to(email)
    return reply, codes[-1] if len(codes) > before else None


def log_in_a_browser(api, make_user):
    """Log `api` in with a session, as a browser on the site would be; it sends no CSRF token."""
    make_user("browser-user", password=PASSWORD)
    expect_status(api.login("browser-user", PASSWORD), 302, "the login form accepts the user")


HOURLY = (
    "Count every try in the signup's hour too: start a new hour once hour_started_at is an HOUR "
    "old (an UPDATE that sets hour_started_at=now, tries_this_hour=0), and claim a try only while "
    "tries_this_hour < TRIES_PER_HOUR, adding 1 to it in the same UPDATE as attempts."
)


@pytest.fixture
def frozen_clock():
    """A clock stopped at START for the server and the test alike; shift() moves it on."""
    with time_machine.travel(START, tick=False) as clock:
        yield clock


@pytest.fixture
def seeded_random():
    """Put Python's `random` generator back as it was after a test that seeds it."""
    state = random.getstate()
    yield
    random.setstate(state)


# ------------------------------------------------------------------ E1: sign up


@E1
def test_e1_signup_makes_an_inactive_account_and_mails_a_code(api):
    """A new address answers 202 with SIGNUP_ACCEPTED, makes one inactive account with a pending code, and gets one code by mail."""
    reply, _ = sign_up(api, "ada@example.com")
    accepted = answer("SIGNUP_ACCEPTED")
    expect(
        reply.data == accepted,
        reply,
        f"202 with {accepted}, SIGNUP_ACCEPTED",
        "signup answers every address with the same words (E1)",
        mistake="Answer Response(SIGNUP_ACCEPTED, status=status.HTTP_202_ACCEPTED).",
    )
    user = User.objects.filter(username="ada@example.com").first()
    expect(
        user is not None and user.email == "ada@example.com",
        reply,
        "a user whose username and email are both ada@example.com",
        "the address is the account's name, so it names one account only (E1)",
        mistake="Create it with User.objects.create(username=email, email=email, ...).",
    )
    expect(
        not user.is_active,
        reply,
        "the new user with is_active=False",
        "nobody has proved yet that they own this address (E1)",
        mistake="Did you forget is_active=False when creating the user?",
    )
    expect(
        user.check_password(PASSWORD),
        reply,
        "the password sent, stored hashed (check_password() accepts it)",
        "the account logs in with it once verified (E1)",
        mistake="Store make_password(password), never the password as sent.",
    )
    expect(
        SignupCode.objects.filter(user=user, attempts=0).count() == 1,
        reply,
        "one SignupCode row for the new user, with no tries used",
        "verification checks the code against that row (E1)",
    )


@E1
def test_e1_codes_have_six_or_more_digits():
    """make_code() gives strings of 6 to 12 digits (zero-padded), and not the same one every time."""
    make_code = exercise_function("make_code")
    try:
        codes = [make_code() for _ in range(300)]
    except NotDone as exc:
        pytest.fail(f"Called make_code(), got NotDone: {exc.detail['detail']}", pytrace=False)
    bad = [c for c in codes if not (isinstance(c, str) and re.fullmatch(r"[0-9]{6,12}", c))]
    if bad:
        pytest.fail(
            f"Called make_code() 300 times, got {bad[0]!r} ({len(bad)} of the 300 were not 6 to 12 "
            f"digits); expected a str of 6 to 12 digits every time because a short code is guessed "
            f"sooner (E1). Pad it: "
            f'f"{{n:0{{CODE_DIGITS}}d}}" turns 4821 into "004821".',
            pytrace=False,
        )
    if len(set(codes)) < 250:
        pytest.fail(
            f"Called make_code() 300 times, got only {len(set(codes))} different codes; expected "
            f"nearly 300 because a code must be unpredictable (E1).",
            pytrace=False,
        )
    # Drawn from all 10**6 six-digit codes, 300 codes all fall below 900000 about once in 10**13.
    if max(int(c) for c in codes) < 900_000:
        pytest.fail(
            f"Called make_code() 300 times, got none at 900000 or above (the highest was "
            f"{max(codes, key=int)}); expected codes drawn from every one of the million 6-digit "
            f"codes because fewer possible codes are guessed sooner (E1). Draw them with "
            f"secrets.randbelow(10**CODE_DIGITS).",
            pytrace=False,
        )


@E1
def test_e1_codes_come_from_secrets_not_random(api, seeded_random):
    """Seeding Python's `random` does not repeat a code: codes come from the secrets module."""
    codes = []
    for email in ("seed-one@example.com", "seed-two@example.com"):
        random.seed(20_300)
        reply, code = sign_up(api, email)
        codes.append(code)
    expect(
        codes[0] != codes[1],
        reply,
        f"two different codes, got {codes[0]} twice",
        "after random.seed(20300) twice, a code made with random comes out the same, so anyone "
        "who learns the generator's state predicts every code (E1)",
        mistake="Use secrets.randbelow(10**CODE_DIGITS): secrets reads the operating system's "
        "cryptographic generator, which cannot be seeded or predicted.",
    )


@E1
def test_e1_the_code_is_stored_hashed_never_as_sent(api):
    """The database holds a keyed hash of the code: not the code, and not an unkeyed md5/sha hash of it."""
    reply, code = sign_up(api, "grace@example.com")
    record = record_of("grace@example.com")
    expect(
        record is not None, reply, "a SignupCode row for grace@example.com", "the code is kept (E1)"
    )
    stored = str(record.code_hash)
    row_text = " ".join(
        str(value)
        for value in [*model_to_dict(record).values(), *model_to_dict(record.user).values()]
    )
    expect(
        code not in row_text,
        reply,
        f"the code {code} nowhere in the SignupCode row or the user row",
        "whoever reads the database (a backup, a leaked dump, an admin) could use a code kept "
        "as it was sent (E1)",
        mistake="Store hash_code(code), and make hash_code return a hash, not the code.",
    )
    unkeyed = {name: hashlib.new(name, code.encode()).hexdigest() for name in UNKEYED}
    found = next((name for name, digest in unkeyed.items() if digest in stored.lower()), None)
    expect(
        found is None,
        reply,
        "a keyed hash, not a plain hash of the code",
        f"code_hash is hashlib.{found}(code): hashing all one million codes takes a second, so a "
        "plain hash is as good as the code to a thief (E1)",
        mistake='Key the hash with the server\'s secret: salted_hmac("...", code, '
        'algorithm="sha256").hexdigest().',
    )


@E1
def test_e1_the_same_code_always_gives_the_same_hash():
    """hash_code() is repeatable: the same code gives the same hash, another code another hash."""
    hash_code = exercise_function("hash_code")
    try:
        first, again, other = hash_code("004821"), hash_code("004821"), hash_code("004822")
    except NotDone as exc:
        pytest.fail(f"Called hash_code(), got NotDone: {exc.detail['detail']}", pytrace=False)
    if not isinstance(first, str) or not first:
        pytest.fail(
            f'Called hash_code("004821"), got {first!r}; expected a non-empty str because it is '
            "stored in SignupCode.code_hash, a CharField (E1).",
            pytrace=False,
        )
    if first != again:
        pytest.fail(
            f'Called hash_code("004821") twice, got {first!r} and then {again!r}; expected the '
            "same hash both times because verify hashes the code it is sent and compares that "
            "with the stored hash (E1). A salted password hash such as make_password() differs "
            'every time: use salted_hmac("...", code, algorithm="sha256").hexdigest(), keyed '
            "with SECRET_KEY.",
            pytrace=False,
        )
    if first == other:
        pytest.fail(
            f'Called hash_code("004821") and hash_code("004822"), got {first!r} for both; '
            "expected two different hashes because otherwise a wrong code would match (E1).",
            pytrace=False,
        )


@E1
def test_e1_the_code_never_reaches_logs_or_the_reply(api, caplog, capfd):
    """The code goes out by mail only: not in the signup reply, a log record or printed output."""
    caplog.set_level(logging.DEBUG)
    reply, code = sign_up(api, "hedy@example.com")
    expect(
        code not in reply.text,
        reply,
        "a reply without the code",
        "whoever calls signup with someone else's address would read that person's code (E1)",
    )
    logged = [record.getMessage() for record in caplog.records]
    printed = capfd.readouterr()
    leaked = [line for line in [*logged, printed.out, printed.err] if code in line]
    expect(
        not leaked,
        reply,
        f"the code {code} in no log record and no printed output, found in {leaked[:1]}",
        "logs are copied, shipped and read by many more people than the mailbox (E1)",
        mistake="Remove the logger or print() call that writes the code.",
    )


@E1
@pytest.mark.parametrize(
    "known",
    ["verified", "pending", "email in another case", "username only"],
)
def test_e1_an_address_in_use_gets_the_same_answer_and_changes_nothing(api, make_user, known):
    """An address that is any user's username or email, in any case, answers like a new signup and creates nothing."""
    if known == "verified":
        owner = make_user("carol", email="carol@example.com")
    elif known == "pending":
        sign_up(api, "carol@example.com")
        owner = User.objects.get(username="carol@example.com")
    elif known == "email in another case":  # as an admin may have typed it
        owner = make_user("carol", email="Carol@Example.com")
    else:  # an account made by an admin, named by the address, with no email
        owner = make_user("Carol@example.com", email="")
    stored = owner.password
    codes_before = len(codes_sent_to("carol@example.com"))
    codes = list(SignupCode.objects.values_list("user_id", "code_hash", "attempts"))
    new = api.post(signup_url(), {"email": "dave@example.com", "password": PASSWORD})
    expect_status(new, 202, "a new address's signup is accepted (E1)")
    users = User.objects.count()
    again = api.post(signup_url(), {"email": "Carol@Example.COM", "password": "another-pass-4567"})
    expect(
        (again.status, again.data) == (new.status, new.data),
        again,
        f"{new.status} with {new.text}, as for the new address dave@example.com",
        f"a different answer for a {known} address tells anyone which addresses have accounts (E1)",
        mistake='Do not answer "email already registered" (or a 400, or a 409): answer '
        "SIGNUP_ACCEPTED with 202 whatever the address.",
    )
    owner.refresh_from_db()
    expect(
        User.objects.count() == users
        and owner.password == stored
        and list(
            SignupCode.objects.exclude(user__username="dave@example.com").values_list(
                "user_id", "code_hash", "attempts"
            )
        )
        == codes,
        again,
        "no new user, the account's password unchanged and no code made or changed",
        f"a signup for an address in use ({known}) must create and change nothing; an address "
        "is in use when a user has it as username or email, compared without case (E1)",
        mistake="Look the address up with Q(username__iexact=email) | Q(email__iexact=email).",
    )
    expect(
        len(codes_sent_to("carol@example.com")) == codes_before,
        again,
        "no code mailed to carol@example.com for the second signup",
        "an address in use gets no new code from signup; its owner can ask resend/ (E1)",
        mistake="For an address in use, send emails.address_in_use() (or nothing), not a code.",
    )


@E1
def test_e1_a_browser_session_plays_no_part(api, make_user):
    """A browser logged in on the site signs up without a CSRF token: signup reads no credentials."""
    log_in_a_browser(api, make_user)
    reply = api.post(signup_url(), {"email": "sid@example.com", "password": PASSWORD})
    expect_status(
        reply,
        202,
        "signup serves strangers and reads no credentials, so a session cookie must not bring "
        "SessionAuthentication's CSRF check (E1)",
        mistake="Keep authentication_classes = [] on SignupView, as the starter has it.",
    )


@E1
def test_e1_the_account_cannot_log_in_before_verification(api):
    """Before its code comes back, the account's own password gets 401 from the login endpoint."""
    sign_up(api, "ida@example.com")
    reply = api.post(reverse("l11:token"), {"username": "ida@example.com", "password": PASSWORD})
    expect_status(
        reply,
        401,
        "the account is not verified yet, so it must not log in (E1)",
        mistake="Create the user with is_active=False: Django's ModelBackend refuses inactive "
        "users, and so does simplejwt.",
    )


@E1
@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"email": "x@example.com", "password": ', id="malformed JSON"),
        pytest.param({"email": "not-an-address", "password": PASSWORD}, id="bad address"),
        pytest.param({"email": "weak@example.com", "password": "12345"}, id="weak password"),
        pytest.param({"email": "nopass@example.com"}, id="no password"),
    ],
)
def test_e1_a_bad_body_answers_400_and_makes_nothing(api, body):
    """Malformed JSON, a bad address or a weak password: 400 with the reason, no user, no mail."""
    if isinstance(body, str):
        reply = api.post(signup_url(), content=body, content_type="application/json")
    else:
        reply = api.post(signup_url(), body)
    expect_status(
        reply,
        400,
        "the client sent something it must fix (E1)",
        mistake="Validate with SignupSerializer(data=request.data).is_valid(raise_exception=True).",
    )
    expect(
        not User.objects.exists() and not mail.outbox,
        reply,
        "no user and no email",
        "a rejected signup makes nothing (E1)",
    )


@E1
def test_e1_signup_is_throttled_with_retry_after(api):
    """Past SignupThrottle's rate, signup answers 429 with Retry-After, even with a made-up X-Forwarded-For."""
    allowed = rate(SignupThrottle)
    for n in range(allowed):
        sign_up(api, f"many{n}@example.com")
    reply = api.post(signup_url(), {"email": "one-more@example.com", "password": PASSWORD})
    expect_status(
        reply,
        429,
        f"{allowed} signups from one address already used up SignupThrottle's {SignupThrottle.rate} "
        "(E1)",
        mistake="Set throttle_classes = [SignupThrottle] on SignupView.",
    )
    expect(
        (reply.header("Retry-After") or "").isdigit(),
        reply,
        "a Retry-After header with the seconds to wait",
        "a client that respects it knows when to try again (E1)",
    )
    spoofed = api.post(
        signup_url(),
        {"email": "spoofed@example.com", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    expect_status(
        spoofed,
        429,
        "a client cannot reset the count by making up an X-Forwarded-For header (E1)",
        mistake="Use the throttles of throttles.py, which count by REMOTE_ADDR.",
    )


@E1
def test_e1_mail_to_one_address_is_rationed(api, frozen_clock):
    """MAILS_PER_HOUR emails an hour to one address, code and "address in use" notices alike."""
    email = "dora@example.com"
    sign_up(api, email)
    for _ in range(MAILS_PER_HOUR):
        reply = api.post(signup_url(), {"email": email, "password": PASSWORD})
        expect_status(reply, 202, "every signup is accepted alike, rationed or not (E1)")
    got = len(mail_to(email))
    expect(
        got == MAILS_PER_HOUR,
        reply,
        f"{MAILS_PER_HOUR} emails to {email} in the hour (its code and "
        f"{MAILS_PER_HOUR - 1} notices), not {got}",
        "signup mails an address the caller chooses: without a ration per recipient, anyone "
        "could fill a stranger's mailbox from many client addresses, which SignupThrottle does "
        "not see (E1)",
        mistake="Send each email, the code and the address-in-use notice alike, only if "
        "MailRation.take(email) says so.",
    )
    frozen_clock.shift(HOUR)
    api.post(signup_url(), {"email": email, "password": PASSWORD})
    expect(
        len(mail_to(email)) == MAILS_PER_HOUR + 1,
        reply,
        "one more email an hour later",
        "the ration is per hour, not for ever (E1)",
        mistake="MailRation.take(email) starts a new hour by itself: call it for each email.",
    )


# ------------------------------------------------------------------ E2: verify


@E2
def test_e2_the_right_code_activates_and_answers_a_token_pair(api):
    """The right code and password answer 200 with a JWT pair; the account is active and logs in."""
    _, code = sign_up(api, "joan@example.com")
    reply = verify(api, "joan@example.com", code)
    expect_status(
        reply,
        200,
        "the code and password are right and the code is fresh (E2)",
        mistake="Compare hash_code(code) with record.code_hash, check the password, then answer "
        "the token pair.",
    )
    tokens = reply.data if isinstance(reply.data, dict) else {}
    expect(
        {"access", "refresh"} <= set(tokens),
        reply,
        'a JSON object with "access" and "refresh"',
        "verification logs the new user in (E2)",
        mistake='refresh = RefreshToken.for_user(user); answer {"refresh": str(refresh), '
        '"access": str(refresh.access_token)}.',
    )
    expect(
        is_active("joan@example.com"),
        reply,
        "the account with is_active=True",
        "the code proved the address, so the account may log in now (E2)",
        mistake="Set user.is_active = True and save it.",
    )
    me = api.get(reverse("l11:me"), headers={"Authorization": f"Bearer {tokens['access']}"})
    expect_status(me, 200, "the access token from verify is a valid login (E2)")
    login = api.post(reverse("l11:token"), {"username": "joan@example.com", "password": PASSWORD})
    expect_status(login, 200, "a verified account logs in with its password (E2)")
    refreshed = api.post(reverse("l11:token-refresh"), {"refresh": tokens["refresh"]})
    expect_status(refreshed, 200, "the refresh token from verify is valid too (E2)")


@E2
def test_e2_the_code_is_compared_in_constant_time(api, monkeypatch):
    """The stored hash is compared with hmac.compare_digest (or a wrapper of it), never with ==.

    A timing difference of nanoseconds cannot be measured reliably over a test's network, so
    this test watches from inside: it wraps the constant-time compare functions and checks
    that one of them decided the match against the stored hash.
    """
    _, code = sign_up(api, "kay@example.com")
    stored = record_of("kay@example.com").code_hash
    seen = []
    real = hmac.compare_digest

    def watched(a, b):
        seen.extend([a, b])
        return real(a, b)

    # Django's constant_time_compare and check_password call secrets.compare_digest.
    monkeypatch.setattr(hmac, "compare_digest", watched)
    monkeypatch.setattr(secrets, "compare_digest", watched)
    module = importlib.import_module(EXERCISE)
    for name, value in list(vars(module).items()):
        if value is real:  # from hmac import compare_digest (or from secrets)
            monkeypatch.setattr(module, name, watched)
    reply = verify(api, "kay@example.com", code)
    expect_status(reply, 200, "the code and password are right (E2)")
    expect(
        stored in seen or stored.encode() in seen,
        reply,
        "the stored code_hash compared by hmac.compare_digest or constant_time_compare",
        "== stops at the first character that differs, so the time a refusal takes tells how "
        "much of a guess was right (E2)",
        mistake="Use constant_time_compare(hash_code(code), record.code_hash), not ==.",
    )


@E2
def test_e2_a_wrong_code_is_refused_and_counted(api):
    """A wrong code answers 400, counts one try and leaves the account inactive."""
    _, code = sign_up(api, "lise@example.com")
    reply = verify(api, "lise@example.com", wrong_code(code))
    expect_status(
        reply,
        400,
        "the code is wrong (E2)",
        mistake="Answer Response(VERIFY_REFUSED, status=status.HTTP_400_BAD_REQUEST).",
    )
    expect(
        not is_active("lise@example.com") and record_of("lise@example.com").attempts == 1,
        reply,
        "the account still inactive and the code's attempts at 1",
        "every try is counted in the database, where no throttle reset can undo it (E2)",
        mistake='Count the try with .update(attempts=F("attempts") + 1) before comparing.',
    )


@E2
def test_e2_the_password_must_match_too(api):
    """The right code with the wrong password is refused: nobody finishes a signup someone else began."""
    _, code = sign_up(api, "mary@example.com")
    reply = verify(api, "mary@example.com", code, password="not-the-signup-password")
    expect_refusal(
        reply,
        "only who chose the password at signup may finish it; a code alone would let the "
        "owner of the mailbox activate an account whose password an attacker chose (E2)",
        mistake="After the code matches, check user.check_password(password).",
    )
    expect(
        not is_active("mary@example.com"),
        reply,
        "the account still inactive",
        "a refused verification activates nothing (E2)",
    )
    expect(
        record_of("mary@example.com").attempts == 1,
        reply,
        "the code's attempts at 1",
        "every try is counted, a right code with a wrong password too; otherwise whoever reads "
        "the mailbox could guess the password without limit (E2)",
        mistake='Count the try with .update(attempts=F("attempts") + 1) before checking the code '
        "and the password.",
    )


@E2
def test_e2_every_refusal_looks_the_same(api, make_user):
    """A wrong code, an unknown address and an active account (even one with a code left) all get 400 with VERIFY_REFUSED."""
    _, code = sign_up(api, "nell@example.com")
    make_user("olga", email="olga@example.com")
    # An admin switched this account on before its code came back: its SignupCode row is left.
    _, pia_code = sign_up(api, "pia@example.com")
    User.objects.filter(username="pia@example.com").update(is_active=True)
    wrong = verify(api, "nell@example.com", wrong_code(code))
    expect_refusal(wrong, "the code is wrong (E2)")
    for email, sent in (
        ("nobody@example.com", code),
        ("olga@example.com", code),
        ("pia@example.com", pia_code),
    ):
        reply = verify(api, email, sent)
        expect(
            (reply.status, reply.data) == (wrong.status, wrong.data),
            reply,
            f"{wrong.status} with {wrong.text}, as for a wrong code",
            "a different answer would tell anyone which addresses have signed up, and only a "
            "pending signup (an inactive user with a SignupCode) can be verified (E2)",
            mistake="Answer VERIFY_REFUSED with 400 whatever went wrong, and look the code up "
            "with user__username=email, user__is_active=False.",
        )


@E2
def test_e2_a_malformed_code_is_400_and_costs_no_try(api):
    """A code that is not 6 to 12 digits is a 400 from the serializer, before any try is counted."""
    sign_up(api, "pat@example.com")
    reply = verify(api, "pat@example.com", "12ab56")
    expect_status(
        reply,
        400,
        "12ab56 is not a code (E2)",
        mistake="Validate with VerifySerializer(data=request.data).is_valid(raise_exception=True).",
    )
    expect(
        record_of("pat@example.com").attempts == 0,
        reply,
        "the code's attempts still at 0",
        "a body that is not a guess does not use up the owner's tries (E2)",
    )


@E2
@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        (CODE_LIFETIME - timedelta(seconds=1), True),
        (CODE_LIFETIME, False),
        (CODE_LIFETIME + timedelta(seconds=1), False),
    ],
    ids=["9m59s old", "10m00s old", "10m01s old"],
)
def test_e2_a_code_expires_after_10_minutes(api, frozen_clock, age, accepted):
    """A code works while it is younger than 10 minutes: at 9m59s it works, at exactly 10m it has expired."""
    _, code = sign_up(api, "quinn@example.com")
    frozen_clock.shift(age)
    reply = verify(api, "quinn@example.com", code)
    minutes, seconds = divmod(int(age.total_seconds()), 60)
    if accepted:
        expect_status(reply, 200, f"the code is {minutes}m{seconds:02d}s old, still fresh (E2)")
    else:
        expect_refusal(
            reply,
            f"the code is {minutes}m{seconds:02d}s old: a code expires when it is 10 minutes "
            "old (E2)",
            mistake="Only match a code whose sent_at is later than timezone.now() - CODE_LIFETIME "
            "(sent_at__gt: at exactly 10 minutes the code has expired).",
        )
        expect(not is_active("quinn@example.com"), reply, "the account still inactive", "(E2)")


@E2
def test_e2_a_code_works_only_once(api):
    """After a successful verification, the same code is refused."""
    _, code = sign_up(api, "rosa@example.com")
    first = verify(api, "rosa@example.com", code)
    expect_status(first, 200, "the first use of a right code succeeds (E2)")
    again = verify(api, "rosa@example.com", code)
    expect_refusal(
        again,
        "the code was used a moment ago: a code works once (E2)",
        mistake="Delete the SignupCode row when the code is used.",
    )
    expect(
        not SignupCode.objects.filter(user__username="rosa@example.com").exists(),
        again,
        "no SignupCode row left for rosa@example.com",
        "a used code is gone from the database (E2)",
    )


@E2
def test_e2_the_fifth_try_may_be_the_right_one(api):
    """Four wrong codes, then the right one: it is the fifth try, and it still works."""
    _, code = sign_up(api, "sara@example.com")
    for _ in range(MAX_TRIES - 1):
        expect_status(verify(api, "sara@example.com", wrong_code(code)), 400, "a wrong code (E2)")
    reply = verify(api, "sara@example.com", code)
    expect_status(
        reply,
        200,
        f"this is try {MAX_TRIES}, which is allowed (E2)",
        mistake="The limit is MAX_TRIES tries in all: filter on attempts__lt=MAX_TRIES before "
        "counting this one.",
    )


@E2
def test_e2_five_wrong_tries_kill_the_code(api):
    """After 5 wrong codes, even the right code is refused: the code is dead."""
    _, code = sign_up(api, "tove@example.com")
    for _ in range(MAX_TRIES):
        expect_status(verify(api, "tove@example.com", wrong_code(code)), 400, "a wrong code (E2)")
    reply = verify(api, "tove@example.com", code)
    expect_refusal(
        reply,
        f"{MAX_TRIES} wrong tries killed the code: a new one is needed (E2)",
        mistake="Count each try in the database (attempts) and refuse once it reaches MAX_TRIES.",
    )
    expect(not is_active("tove@example.com"), reply, "the account still inactive", "(E2)")


@E2
def test_e2_brute_force_finds_nothing_and_is_throttled(api, frozen_clock, caplog):
    """Hundreds of wrong codes: none accepted, 429s with Retry-After, and the code dead for good."""
    caplog.set_level(logging.ERROR, logger="django.request")  # not a warning per refused guess
    email = "uma@example.com"
    _, code = sign_up(api, email)
    guesses = (f"{n:0{len(code)}d}" for n in range(10 ** len(code)) if f"{n:0{len(code)}d}" != code)
    url = verify_url()
    # A connection per guess, as many scripts do; over live HTTP it also spares each request
    # the development server's ~40 ms delay on a kept-alive connection.
    close = {"Connection": "close"}
    allowed = rate(VerifyThrottle)
    statuses = Counter()
    first_429 = None
    for sent in range(1, GUESSES + 1):
        body = {"email": email, "code": next(guesses), "password": PASSWORD}
        reply = api.post(url, body, headers=close)
        statuses[reply.status] += 1
        if reply.status not in (400, 429):
            fail(
                reply,
                "400 (refused) or 429 (throttled)",
                f"every guess here is wrong; this was guess {sent} (E2)",
            )
        if statuses[400] > allowed:
            fail(
                reply,
                f"429 from guess {allowed + 1} on; got {statuses[400]} refusals with 400",
                f"VerifyThrottle allows {VerifyThrottle.rate} per client address (E2)",
                "Set throttle_classes = [VerifyThrottle] on VerifyView.",
            )
        if reply.status == 429 and first_429 is None:
            first_429 = reply
    expect(
        first_429 is not None,
        reply,
        f"429s among {GUESSES} guesses; got {dict(statuses)}",
        f"VerifyThrottle allows {VerifyThrottle.rate} per client address (E2)",
        mistake="Set throttle_classes = [VerifyThrottle] on VerifyView.",
    )
    expect(
        (first_429.header("Retry-After") or "").isdigit(),
        first_429,
        "a Retry-After header with the seconds to wait",
        "429 tells a client when it may try again (E2)",
    )
    spoofed = verify(api, email, next(guesses), headers={"X-Forwarded-For": "198.51.100.23"})
    expect_status(spoofed, 429, "a made-up X-Forwarded-For does not reset the count (E2)")
    # A minute later the throttle has forgotten: as for an attacker with a fresh address.
    frozen_clock.shift(timedelta(seconds=61))
    reply = verify(api, email, code)
    expect_status(
        reply,
        400,
        f"the code died after {MAX_TRIES} wrong tries: a throttle only slows guessing, the "
        "database counter ends it (E2)",
        mistake="Count tries in the database (SignupCode.attempts) and refuse at MAX_TRIES.",
    )
    expect(
        record_of(email).attempts <= MAX_TRIES and not is_active(email),
        reply,
        f"attempts at most {MAX_TRIES} and the account inactive",
        "no guess got through (E2)",
    )


@E2
def test_e2_a_signup_gets_ten_tries_an_hour_whatever_its_codes(api, frozen_clock):
    """TRIES_PER_HOUR tries an hour per pending signup, over all its codes (ASVS V2.2.1)."""
    _, code = sign_up(api, "abel@example.com")
    wrong_tries(api, "abel@example.com", code, MAX_TRIES, "the code allows 5 (E2)")
    _, code = resend_code(api, frozen_clock, "abel@example.com")
    wrong_tries(api, "abel@example.com", code, TRIES_PER_HOUR - MAX_TRIES - 1, "(E2)")
    last = verify(api, "abel@example.com", code)
    expect_status(
        last,
        200,
        f"the right code is try {TRIES_PER_HOUR} in the hour, the last one allowed (E2)",
        mistake="Allow tries while tries_this_hour < TRIES_PER_HOUR, counting this one.",
    )
    frozen_clock.shift(RESEND_COOLDOWN + timedelta(seconds=1))  # a fresh minute for the throttle
    _, code = sign_up(api, "bert@example.com")
    wrong_tries(api, "bert@example.com", code, MAX_TRIES, "the code allows 5 (E2)")
    _, code = resend_code(api, frozen_clock, "bert@example.com")
    wrong_tries(api, "bert@example.com", code, TRIES_PER_HOUR - MAX_TRIES, "(E2)")
    _, code = resend_code(api, frozen_clock, "bert@example.com")
    capped = verify(api, "bert@example.com", code)
    expect_refusal(
        capped,
        f"bert's signup had its {TRIES_PER_HOUR} tries this hour over two codes; the third code "
        "is right and fresh, but a guesser with many addresses could otherwise try 5 codes a "
        "minute for ever (E2)",
        mistake=HOURLY,
    )
    expect(not is_active("bert@example.com"), capped, "bert still inactive", "(E2)")
    # To the second an hour after bert's hour started: resend_code moves the clock on by
    # RESEND_COOLDOWN and one second.
    started = record_of("bert@example.com").hour_started_at
    frozen_clock.move_to(started + HOUR - RESEND_COOLDOWN - timedelta(seconds=1))
    _, code = resend_code(api, frozen_clock, "bert@example.com")
    expect_status(
        verify(api, "bert@example.com", code),
        200,
        "bert's hour started exactly an hour ago, so the signup has a new hour of tries (E2)",
        mistake="Start a new hour: UPDATE hour_started_at=now, tries_this_hour=0 where "
        "hour_started_at is an HOUR old or older.",
    )


@E2
def test_e2_every_new_hour_brings_ten_tries_and_no_more(api, frozen_clock):
    """A new hour gives the signup TRIES_PER_HOUR tries again: the 10th may be right, an 11th is refused."""
    email = "cyra@example.com"
    sign_up(api, email)
    frozen_clock.shift(HOUR)
    _, code = resend_code(api, frozen_clock, email)
    wrong_tries(api, email, code, MAX_TRIES, "the code allows 5 (E2)")
    _, code = resend_code(api, frozen_clock, email)
    wrong_tries(api, email, code, TRIES_PER_HOUR - MAX_TRIES, "(E2)")
    _, code = resend_code(api, frozen_clock, email)
    capped = verify(api, email, code)
    expect_refusal(
        capped,
        f"cyra's signup used its {TRIES_PER_HOUR} tries in its second hour: a new hour brings "
        f"{TRIES_PER_HOUR} tries, not a count that starts again on every request (E2)",
        mistake="When the hour is over, set hour_started_at=now along with tries_this_hour=0, "
        "so that the new hour lasts an hour.",
    )
    frozen_clock.shift(HOUR)
    _, code = resend_code(api, frozen_clock, email)
    wrong_tries(api, email, code, MAX_TRIES, "the code allows 5 (E2)")
    _, code = resend_code(api, frozen_clock, email)
    wrong_tries(api, email, code, TRIES_PER_HOUR - MAX_TRIES - 1, "(E2)")
    expect_status(
        verify(api, email, code),
        200,
        f"the right code is try {TRIES_PER_HOUR} of cyra's third hour, the last one allowed (E2)",
        mistake="A new hour starts with no tries used: tries_this_hour=0.",
    )


@E2
def test_e2_a_browser_session_plays_no_part(api, make_user):
    """A browser logged in on the site verifies without a CSRF token: verify reads no credentials."""
    _, code = sign_up(api, "sid@example.com")
    log_in_a_browser(api, make_user)
    reply = verify(api, "sid@example.com", code)
    expect_status(
        reply,
        200,
        "verify serves strangers and reads no credentials, so a session cookie must not bring "
        "SessionAuthentication's CSRF check (E2)",
        mistake="Keep authentication_classes = [] on VerifyView, as the starter has it.",
    )


@E2
def test_e2_a_verification_touches_only_its_own_signup(api, frozen_clock):
    """Verifying one address leaves another pending signup's code, tries and hour as they were."""
    sign_up(api, "bo@example.com")
    frozen_clock.shift(HOUR)
    resend_code(api, frozen_clock, "bo@example.com")  # a live code in an hour that is over
    fields = ("code_hash", "sent_at", "attempts", "hour_started_at", "tries_this_hour")
    before = list(SignupCode.objects.filter(user__username="bo@example.com").values_list(*fields))
    _, code = sign_up(api, "eve@example.com")
    expect_refusal(verify(api, "eve@example.com", wrong_code(code)), "the code is wrong (E2)")
    reply = verify(api, "eve@example.com", code)
    expect_status(reply, 200, "the code and password are right (E2)")
    after = list(SignupCode.objects.filter(user__username="bo@example.com").values_list(*fields))
    expect(
        after == before,
        reply,
        f"bo@example.com's SignupCode row unchanged, {before}; got {after}",
        "eve's verification counts, restarts and deletes eve's row only (E2)",
        mistake="Filter every UPDATE and the DELETE of verify on pk=record.pk.",
    )


# ------------------------------------------------------------------ E3: resend


@E3
def test_e3_resend_after_the_cooldown_replaces_the_code(api, frozen_clock):
    """Once the last code is 60 s old, resend mails a new code; the old one stops working."""
    _, old = sign_up(api, "vera@example.com")
    frozen_clock.shift(RESEND_COOLDOWN)  # "at least RESEND_COOLDOWN ago": exactly 60 s is enough
    reply = api.post(resend_url(), {"email": "vera@example.com"})
    expect_status(
        reply, 202, "resend answers like signup (E3)", mistake="Answer RESEND_ACCEPTED with 202."
    )
    codes = codes_sent_to("vera@example.com")
    expect(
        len(codes) == 2,
        reply,
        "a second email to vera@example.com with a new code",
        "the last code is exactly 60 s old, so the cooldown is over and the pending signup gets "
        "a new code (E3)",
        mistake="Replace a code whose sent_at is at least RESEND_COOLDOWN ago (sent_at__lte), "
        "then send_mail(*emails.signup_code(code), None, [email]).",
    )
    stale = verify(api, "vera@example.com", old)
    expect_status(
        stale,
        400,
        "resend replaced the old code, which must stop working (E3)",
        mistake="Overwrite the SignupCode's code_hash; do not keep the old one.",
    )
    fresh = verify(api, "vera@example.com", codes[-1])
    expect_status(fresh, 200, "the new code is the one that works (E3)")


@E3
def test_e3_resend_within_the_cooldown_sends_nothing(api, frozen_clock):
    """59 s after the last code, resend answers 202 the same way but sends and changes nothing."""
    _, code = sign_up(api, "wren@example.com")
    stored = record_of("wren@example.com").code_hash
    frozen_clock.shift(RESEND_COOLDOWN - timedelta(seconds=1))
    reply = api.post(resend_url(), {"email": "wren@example.com"})
    expect_status(reply, 202, "resend always answers 202 (E3)")
    expect(
        len(codes_sent_to("wren@example.com")) == 1
        and record_of("wren@example.com").code_hash == stored,
        reply,
        "no second code mailed and the stored code unchanged",
        f"the last code is 59 s old, within the {RESEND_COOLDOWN.seconds} s cooldown; without it, "
        "each resend would bring a fresh code with fresh tries (E3)",
        mistake="Only replace a code whose sent_at is at least RESEND_COOLDOWN ago.",
    )
    expect_status(verify(api, "wren@example.com", code), 200, "the first code still works (E3)")


@E3
def test_e3_a_dead_code_is_replaced_with_fresh_tries(api, frozen_clock):
    """After 5 wrong tries killed the code, a resend gives a new code that works."""
    _, code = sign_up(api, "xena@example.com")
    for _ in range(MAX_TRIES):
        verify(api, "xena@example.com", wrong_code(code))
    frozen_clock.shift(RESEND_COOLDOWN + timedelta(seconds=1))
    reply = api.post(resend_url(), {"email": "xena@example.com"})
    expect_status(reply, 202, "resend always answers 202 (E3)")
    codes = codes_sent_to("xena@example.com")
    expect(len(codes) == 2, reply, "a new code mailed", "the old code is dead (E3)")
    fresh = verify(api, "xena@example.com", codes[-1])
    expect_status(
        fresh,
        200,
        "a new code starts with all its tries (E3)",
        mistake="Reset attempts to 0 when you replace the code.",
    )


@E3
def test_e3_resend_answers_every_address_the_same(api, make_user, frozen_clock):
    """Unknown, verified and pending addresses all get the same 202; only the pending one may get mail."""
    make_user("yvonne", email="yvonne@example.com")
    sign_up(api, "zoe@example.com")
    # An admin switched this account on before its code came back: its SignupCode row is left.
    sign_up(api, "wilma@example.com")
    User.objects.filter(username="wilma@example.com").update(is_active=True)
    frozen_clock.shift(RESEND_COOLDOWN + timedelta(seconds=1))  # every code may be replaced
    replies = {
        email: api.post(resend_url(), {"email": email})
        for email in (
            "nobody@example.com",
            "yvonne@example.com",
            "wilma@example.com",
            "zoe@example.com",
        )
    }
    pending = replies["zoe@example.com"]
    expect_status(pending, 202, "resend always answers 202 (E3)")
    accepted = answer("RESEND_ACCEPTED")
    expect(
        pending.data == accepted,
        pending,
        f"202 with {accepted}, RESEND_ACCEPTED",
        "resend answers every address with the same words (E3)",
        mistake="Answer Response(RESEND_ACCEPTED, status=status.HTTP_202_ACCEPTED).",
    )
    for reply in replies.values():
        expect(
            (reply.status, reply.data) == (pending.status, pending.data),
            reply,
            f"{pending.status} with {pending.text}, as for a pending signup",
            "a different answer would tell anyone which addresses have signed up (E3)",
            mistake="Answer RESEND_ACCEPTED with 202 whatever the address.",
        )
    expect(
        not mail_to("nobody@example.com")
        and not mail_to("yvonne@example.com")
        and len(mail_to("wilma@example.com")) == 1,
        replies["yvonne@example.com"],
        "no email to an unknown address, a verified one or an active one that still has a code",
        "only a pending signup (an inactive user with a SignupCode) has a code to replace, and "
        "only its own (E3)",
        mistake="Replace the code only in SignupCode.objects.filter(user__username=email, "
        "user__is_active=False, ...).",
    )


@E3
def test_e3_a_bad_body_answers_400_and_sends_nothing(api):
    """A resend whose body has no valid address answers 400 and mails nothing."""
    sign_up(api, "ivy@example.com")
    for body in ({"email": "not-an-address"}, {}):
        reply = api.post(resend_url(), body)
        expect_status(
            reply,
            400,
            "the client sent no address to resend to (E3)",
            mistake="Validate with ResendSerializer(data=request.data)"
            ".is_valid(raise_exception=True).",
        )
    expect(len(mail.outbox) == 1, reply, "no email but the signup's", "(E3)")


@E3
def test_e3_a_browser_session_plays_no_part(api, make_user):
    """A browser logged in on the site asks resend without a CSRF token: resend reads no credentials."""
    log_in_a_browser(api, make_user)
    reply = api.post(resend_url(), {"email": "sid@example.com"})
    expect_status(
        reply,
        202,
        "resend serves strangers and reads no credentials, so a session cookie must not bring "
        "SessionAuthentication's CSRF check (E3)",
        mistake="Keep authentication_classes = [] on ResendView, as the starter has it.",
    )


@E3
def test_e3_resend_is_throttled_with_retry_after(api):
    """Past ResendThrottle's rate, resend answers 429 with Retry-After."""
    allowed = rate(ResendThrottle)
    for n in range(allowed):
        reply = api.post(resend_url(), {"email": f"someone{n}@example.com"})
        expect_status(reply, 202, "resend answers 202 until the throttle stops it (E3)")
    reply = api.post(resend_url(), {"email": "someone-else@example.com"})
    expect_status(
        reply,
        429,
        f"{allowed} resends already used up ResendThrottle's {ResendThrottle.rate} (E3)",
        mistake="Set throttle_classes = [ResendThrottle] on ResendView.",
    )
    expect(
        (reply.header("Retry-After") or "").isdigit(),
        reply,
        "a Retry-After header with the seconds to wait",
        "(E3)",
    )


@E3
def test_e3_a_new_code_brings_no_new_tries_in_the_hour(api, frozen_clock):
    """Resend resets the code's 5 tries, never the signup's tries this hour."""
    _, code = sign_up(api, "cleo@example.com")
    for _ in range(TRIES_PER_HOUR // MAX_TRIES):
        wrong_tries(api, "cleo@example.com", code, MAX_TRIES, "(E3)")
        _, code = resend_code(api, frozen_clock, "cleo@example.com")
    expect_refusal(
        verify(api, "cleo@example.com", code),
        f"the signup had {TRIES_PER_HOUR} tries this hour, so even this fresh, right code is "
        "refused; the count lives on the signup and outlives its codes (E3)",
        mistake="Replace code_hash, sent_at and attempts on resend, and leave hour_started_at "
        "and tries_this_hour alone.",
    )


@E3
def test_e3_resend_mail_is_rationed_and_the_old_code_stays(api, frozen_clock):
    """Past MAILS_PER_HOUR emails to an address, resend mails nothing and the last code still works."""
    email = "dina@example.com"
    _, code = sign_up(api, email)
    for n in range(2, MAILS_PER_HOUR + 1):
        reply, code = resend_code(api, frozen_clock, email)
        expect(
            code is not None,
            reply,
            f"email {n} of {MAILS_PER_HOUR} to {email} in the hour, with a new code",
            "the cooldown is over and the address has mail left in its ration (E3)",
        )
    reply, extra = resend_code(api, frozen_clock, email)
    expect(
        extra is None and len(mail_to(email)) == MAILS_PER_HOUR,
        reply,
        f"no email after {MAILS_PER_HOUR} to {email} within the hour",
        "resend mails an address the caller chooses: per client it is throttled, per recipient it "
        "must be rationed too, or anyone can mail a stranger every minute (E3)",
        mistake="Send the new code only if MailRation.take(email) says so.",
    )
    expect_status(
        verify(api, email, code),
        200,
        "the refused resend must leave the last mailed code working: a code nobody was sent "
        "would lock the owner out (E3)",
        mistake="Replace the code and call MailRation.take(email) in one transaction.atomic(), "
        "and transaction.set_rollback(True) when the ration says no.",
    )
