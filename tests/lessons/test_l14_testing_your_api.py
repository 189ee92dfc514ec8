"""Graded tests for lesson 14: your tests for the courses API (lessons/l14_testing_your_api/exercise.py).

Graded by mutation (course/mutation.py): your test module runs, in a process of its own,
against the reference api.py (in file order and in reverse order) and against each of the
course's known-wrong copies of it, the mutants in solutions/l14_testing_your_api/mutants/.
Each graded test below reads that one run: a mutant is caught when a test of yours that
passes on the reference fails on it.
"""

import pytest

from course import mutation
from course.manifest import find_lesson
from course.mutants import mutants_of
from course.pytest_plugin import TARGET_KEY

LESSON = find_lesson("14")

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")

# The first test waits for the whole run of your tests, on every implementation.
pytestmark = pytest.mark.timeout(mutation.RUN_TIMEOUT + 30)


@pytest.fixture(scope="session")
def verdicts(pytestconfig) -> mutation.Verdicts:
    """Your tests' results on the reference and on every mutant: one run per session.

    A session narrowed to some exercises (`--exercise`, as the self-checks grade a known
    mistake) runs only their mutants; the graded tests of the others are not collected.
    """
    exercises = pytestconfig.getoption("exercise") or None
    return mutation.run_learner_tests(
        LESSON, pytestconfig.stash[TARGET_KEY].env_value, exercises=exercises
    )


def _ran(verdicts):
    if verdicts.error:
        pytest.fail(f"Ran your tests against the reference API: {verdicts.error}", pytrace=False)
    if not verdicts.tests:
        pytest.fail(
            "Ran exercise.py against the reference API: pytest found no test in it; expected "
            "functions named test_e1_..., test_e2_..., one module of tests. pytest said:\n"
            f"{verdicts.output}",
            pytrace=False,
        )
    if mutation.REFERENCE in verdicts.run_errors:
        pytest.fail(
            "Ran your tests against the reference API: pytest could not collect exercise.py:\n"
            f"{verdicts.run_errors[mutation.REFERENCE]}",
            pytrace=False,
        )


def check_passes_on_the_reference(verdicts, exercise_id):
    _ran(verdicts)
    prefix = f"test_{exercise_id.lower()}_"
    if not any(mutation.exercise_of(t) == exercise_id for t in verdicts.tests):
        pytest.fail(
            f"Ran your tests: none is named {prefix}...; expected at least one because each "
            f"test says which exercise it belongs to by its name ({exercise_id}).",
            pytrace=False,
        )
    mine = verdicts.tests_of(exercise_id)
    stubs = [t for t in mine if verdicts.status(mutation.REFERENCE, t)[1].startswith("TODO(")]
    if stubs:
        pytest.fail(
            f"Ran your tests: {', '.join(stubs)} still fail with their TODO({exercise_id}) "
            "stub; expected each to be written, and to pass on the reference API, because a "
            f"stub checks nothing. See the lesson's README, section {exercise_id}.",
            pytrace=False,
        )
    wrong = [why for t in mine if (why := verdicts.wrong(t))]
    skipped = [t for t in mine if verdicts.status(mutation.REFERENCE, t)[0] == "skip"]
    if wrong:
        pytest.fail(
            "Ran your tests against the reference API, which is correct: "
            + "; ".join(wrong)
            + ". Expected every test to pass there because a test that fails on a correct API "
            f"is a wrong test, and it catches nothing ({exercise_id}).",
            pytrace=False,
        )
    if skipped:
        pytest.fail(
            f"Ran your tests against the reference API: {', '.join(skipped)} skipped; expected "
            f"them to run because a skipped test checks nothing ({exercise_id}).",
            pytrace=False,
        )


def check_catches(verdicts, name):
    _ran(verdicts)
    mutant = next(m for m in mutants_of(LESSON) if m.name == name)
    if mutant.name in verdicts.run_errors:
        pytest.fail(
            f"Ran your tests against an API where {mutation.sentence(mutant.summary)}: pytest "
            f"could not collect exercise.py there:\n{verdicts.run_errors[mutant.name]}",
            pytrace=False,
        )
    if not verdicts.sound():
        pytest.fail(
            f"Your tests pass when {mutation.sentence(mutant.summary)} None of your tests passes "
            "on the reference API yet, so none can catch a mistake; expected a test that passes "
            f"on the reference and fails there ({mutant.exercise_id}).",
            pytrace=False,
        )
    if not verdicts.catchers(mutant.name):
        pytest.fail(
            f"Your tests pass when {mutation.sentence(mutant.summary)} Expected at least one "
            f"test to fail on that API because it is wrong ({mutant.exercise_id}).",
            pytrace=False,
        )


# ------------------------------------------------------------------ E1: the body and the database


@E1
def test_e1_pass_on_the_reference(verdicts):
    """Every E1 test of yours passes on the reference API, in file order and in reverse."""
    check_passes_on_the_reference(verdicts, "E1")


@E1
def test_e1_catches_create_answers_200(verdicts):
    """Some test of yours fails when POST answers 200 instead of 201 Created."""
    check_catches(verdicts, "e1_create_answers_200")


@E1
def test_e1_catches_create_saves_nothing(verdicts):
    """Some test of yours fails when POST answers 201 with the course but never saves it."""
    check_catches(verdicts, "e1_create_saves_nothing")


@E1
def test_e1_catches_reply_shows_the_owners_id(verdicts):
    """Some test of yours fails when the reply names the owner by id, though the row is right."""
    check_catches(verdicts, "e1_reply_shows_the_owners_id")


@E1
def test_e1_catches_lists_everyones_courses(verdicts):
    """Some test of yours fails when the list shows other users' courses too."""
    check_catches(verdicts, "e1_lists_everyones_courses")


@E1
def test_e1_catches_shows_someone_elses_course(verdicts):
    """Some test of yours fails when someone else's course answers 200 at its detail URL."""
    check_catches(verdicts, "e1_shows_someone_elses_course")


@E1
def test_e1_catches_deletes_someone_elses_course(verdicts):
    """Some test of yours fails when someone else's course can be deleted (the rule kept for GET)."""
    check_catches(verdicts, "e1_deletes_someone_elses_course")


@E1
def test_e1_catches_list_n_plus_one(verdicts):
    """Some test of yours fails when the list makes a query per course."""
    check_catches(verdicts, "e1_list_n_plus_one")


# ------------------------------------------------------------------ E2: authentication and CSRF


@E2
def test_e2_pass_on_the_reference(verdicts):
    """Every E2 test of yours passes on the reference API, in file order and in reverse."""
    check_passes_on_the_reference(verdicts, "E2")


@E2
def test_e2_catches_token_never_accepted(verdicts):
    """Some test of yours fails when a valid token is refused (force_authenticate hides it)."""
    check_catches(verdicts, "e2_token_never_accepted")


@E2
def test_e2_catches_session_skips_csrf(verdicts):
    """Some test of yours fails when a logged-in session writes without a CSRF token."""
    check_catches(verdicts, "e2_session_skips_csrf")


@E2
def test_e2_catches_anonymous_answers_403(verdicts):
    """Some test of yours fails when an anonymous request answers 403 instead of 401."""
    check_catches(verdicts, "e2_anonymous_answers_403")


@E2
def test_e2_catches_anonymous_asked_for_a_password(verdicts):
    """Some test of yours fails when an anonymous request's 401 asks for a password, not a token."""
    check_catches(verdicts, "e2_anonymous_asked_for_a_password")


# ------------------------------------------------------------------ E3: mail and time


@E3
def test_e3_pass_on_the_reference(verdicts):
    """Every E3 test of yours passes on the reference API, in file order and in reverse."""
    check_passes_on_the_reference(verdicts, "E3")


@E3
def test_e3_catches_invite_sends_no_mail(verdicts):
    """Some test of yours fails when inviting sends no email."""
    check_catches(verdicts, "e3_invite_sends_no_mail")


@E3
def test_e3_catches_invite_mails_the_inviter(verdicts):
    """Some test of yours fails when the invitation goes to the wrong address."""
    check_catches(verdicts, "e3_invite_mails_the_inviter")


@E3
def test_e3_catches_invitation_never_expires(verdicts):
    """Some test of yours fails when an invitation still works after its 7 days."""
    check_catches(verdicts, "e3_invitation_never_expires")


@E3
def test_e3_catches_invitation_lasts_14_days(verdicts):
    """Some test of yours fails when an invitation lasts 14 days where the text says 7."""
    check_catches(verdicts, "e3_invitation_lasts_14_days")


@E3
def test_e3_catches_invitation_lasts_seven_seconds(verdicts):
    """Some test of yours fails when an invitation stops enrolling long before its 7 days."""
    check_catches(verdicts, "e3_invitation_lasts_seven_seconds")


@E3
def test_e3_catches_join_enrols_nobody(verdicts):
    """Some test of yours fails when joining answers 201 but enrols nobody."""
    check_catches(verdicts, "e3_join_enrols_nobody")
