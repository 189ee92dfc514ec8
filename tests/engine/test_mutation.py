"""Grading by mutation (course/mutation.py): a learner's test module against the reference and the mutants.

Lesson 14's learner file is a test module. These tests check the engine underneath it: the
mutants apply, the verdicts are read right (wrong tests, order-dependent tests, what counts
as caught), a weak test module earns what it catches, the grader lets the test process start
exactly the nested run and nothing else, the nested run is guarded too, and every front end
gives the same points.
"""

import json
import sys
from pathlib import Path

import pytest

from course import checking, grading, mutants, mutation, mutation_testing
from course.grading.child import EventLog, Guard
from course.grading.nested import command as nested_command
from course.manifest import all_lessons, find_lesson
from course.mistakes import diff_text
from course.mutants import mutants_of

LESSON = find_lesson("14")
# A real run starts one process per implementation (course/mutation.py): give it its limit.
pytestmark = pytest.mark.timeout(mutation.RUN_TIMEOUT + 60)
MUTATION_LESSONS = [lesson for lesson in all_lessons() if lesson.tested_module]

# A weak test module: one test that only asserts a status, one that passes only after it
# (it reuses the client the first one authenticated), one that fails on the correct API.
WEAK = """
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
shared = APIClient()


def test_e1_create_checks_only_the_status():
    shared.force_authenticate(get_user_model().objects.create_user("alice"))
    reply = shared.post(reverse("l14:course-list"), {"code": "A1", "title": "T"}, format="json")
    assert reply.status_code == 201


def test_e2_list_with_the_client_above():
    get_user_model().objects.create_user("alice")
    assert shared.get(reverse("l14:course-list")).status_code == 200


def test_e3_anonymous_list():
    assert APIClient().get(reverse("l14:course-list")).status_code == 200, "anonymous list"
"""

# The weak module's score: E1 passes on the reference and catches 1 of its 7 mutants (2 of 8
# graded tests, 4 points); E2's only test depends on order, E3's fails on the reference.
WEAK_POINTS = {"E1": 1.0, "E2": 0.0, "E3": 0.0}


def submission(root: Path, source: str) -> Path:
    folder = root / LESSON.slug
    folder.mkdir(parents=True)
    (folder / "exercise.py").write_text(source, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def weak(tmp_path_factory):
    root = submission(tmp_path_factory.mktemp("weak"), WEAK)
    return root, mutation.run_learner_tests(LESSON, str(root))


# ------------------------------------------------------------------ mutants


@pytest.mark.parametrize("lesson", MUTATION_LESSONS, ids=lambda lesson: lesson.slug)
def test_every_mutant_applies_says_itself_and_changes_the_module(lesson):
    """Each mutant is a sentence and a diff of the tested module that still applies and changes it."""
    reference = mutants.reference_source(lesson)
    ids = {exercise.id for exercise in lesson.exercises}
    assert mutants_of(lesson), f"lesson {lesson.nn} has no mutants"
    for mutant in mutants_of(lesson):
        assert mutant.summary, f"{mutant.describe()}: its first line must be `# <the mistake>`"
        assert mutant.exercise_id in ids, f"{mutant.describe()}: no exercise {mutant.exercise_id}"
        source = mutant.source()
        assert source != reference, f"{mutant.describe()} changes nothing"
        compile(source, mutant.describe(), "exec")


def test_a_mutant_of_another_file_is_refused(tmp_path):
    """A mutant must change the tested module and nothing else."""
    path = tmp_path / "e1_elsewhere.diff"
    path.write_text("# Changes urls.py.\n--- a/urls.py\n+++ b/urls.py\n@@ -1 +1 @@\n-a\n+b\n")
    with pytest.raises(mutants.MistakeError, match="must change api.py"):
        mutants.Mutant(LESSON, path).source()


# ------------------------------------------------------------------ reading the verdicts


def verdicts(runs):
    return mutation.Verdicts(LESSON, {run: dict(tests) for run, tests in runs.items()})


def test_verdicts_tell_wrong_order_dependent_and_sound_tests_apart():
    """Only a test that passes on the reference in both orders, and on its equivalents, and
    looks at nothing but the API, can catch a mutant."""
    good = {"test_e1_good": ("pass", ""), "test_e1_pins_code": ("pass", "")}
    result = verdicts(
        {
            mutation.REFERENCE: {
                **good,
                "test_e1_wrong": ("fail", "assert 201 == 403"),
                "test_e1_after_another": ("pass", ""),
                "test_e1_reads_code": ("pass", ""),
            },
            mutation.REVERSED: {
                **good,
                "test_e1_wrong": ("fail", "assert 201 == 403"),
                "test_e1_after_another": ("fail", "assert 401 == 200"),
                "test_e1_reads_code": ("pass", ""),
            },
            mutation.EQUIVALENTS[0]: {
                "test_e1_good": ("pass", ""),
                "test_e1_pins_code": ("fail", "assert 'ab12' == 'cd34'"),
                "test_e1_wrong": ("fail", "assert 201 == 403"),
                "test_e1_after_another": ("pass", ""),
                "test_e1_reads_code": ("pass", ""),
            },
            mutation.EQUIVALENTS[1]: {
                **good,
                "test_e1_wrong": ("fail", "x"),
                "test_e1_after_another": ("fail", "x"),
                "test_e1_reads_code": ("pass", ""),
            },
            "e1_bug": {
                **good,
                "test_e1_wrong": ("fail", "assert 201 == 403"),
                "test_e1_after_another": ("fail", "x"),
                "test_e1_reads_code": ("fail", "x"),
            },
            "e1_other": {
                "test_e1_good": ("fail", "assert 200 == 201"),
                "test_e1_pins_code": ("fail", "x"),
                "test_e1_wrong": ("pass", ""),
                "test_e1_after_another": ("pass", ""),
                "test_e1_reads_code": ("fail", "x"),
            },
        }
    )
    result.looked["test_e1_reads_code"] = ["reads the code of a function (__code__) at line 9"]
    assert result.sound() == ["test_e1_good"]
    assert "fails on the reference API: assert 201 == 403" in result.wrong("test_e1_wrong")
    assert "reverse order: assert 401 == 200" in result.wrong("test_e1_after_another")
    assert "written differently" in result.wrong("test_e1_pins_code")
    assert "__code__) at line 9" in result.wrong("test_e1_reads_code")
    assert result.wrong("test_e1_good") is None
    assert result.catchers("e1_bug") == []  # failed only by tests that are wrong anyway
    assert result.catchers("e1_other") == ["test_e1_good"]
    result.run_errors["e1_other"] = "your tests stopped before pytest reported their results"
    assert result.catchers("e1_other") == []  # a run that did not report catches nothing


@pytest.mark.parametrize(
    ("test", "exercise"),
    [
        ("test_e2_token", "E2"),
        ("CourseTests::test_e10_more", "E10"),
        ("test_extra_check", None),
        ("test_e_x", None),
    ],
)
def test_a_test_belongs_to_the_exercise_its_name_says(test, exercise):
    assert mutation.exercise_of(test) == exercise


def test_a_mutant_sentence_follows_when():
    assert mutation.sentence("POST answers 200.") == "POST answers 200."
    assert mutation.sentence("The list shows all.") == "the list shows all."
    assert mutation.sentence("A session skips CSRF.") == "a session skips CSRF."


# ------------------------------------------------------------------ a real run


def test_weak_tests_catch_only_what_they_check(weak):
    """A status-only, order-dependent and wrong test module, run against every implementation."""
    _, result = weak
    assert result.error is None, result.output
    assert result.tests == [
        "test_e1_create_checks_only_the_status",
        "test_e2_list_with_the_client_above",
        "test_e3_anonymous_list",
    ]
    assert result.sound() == ["test_e1_create_checks_only_the_status"]
    assert "reverse order" in result.wrong("test_e2_list_with_the_client_above")
    assert "anonymous list" in result.wrong("test_e3_anonymous_list")
    caught = {m.name for m in mutants_of(LESSON) if result.catchers(m.name)}
    assert caught == {"e1_create_answers_200"}


def test_the_reference_test_module_catches_every_mutant():
    result = mutation.run_learner_tests(LESSON, "solutions")
    assert result.error is None, result.output
    assert len(result.sound()) == len(result.tests)
    missed = [m.name for m in mutants_of(LESSON) if not result.catchers(m.name)]
    assert not missed


def test_a_module_that_does_not_import_is_a_run_error(tmp_path):
    root = submission(tmp_path, "import pytest\n\ndef test_e1_x(:\n    pass\n")
    result = mutation.run_learner_tests(LESSON, str(root))
    assert result.run_errors.get(mutation.REFERENCE), result.output
    assert "SyntaxError" in result.run_errors[mutation.REFERENCE]


# ------------------------------------------------------------------ the grader's guard


def guard(tmp_path, **kwargs):
    request = {
        "run": str(tmp_path),
        "own": str(tmp_path),
        "forbidden": [],
        "target": str(tmp_path),
        "labels": {},
    }
    return Guard(request, EventLog(tmp_path / "events.jsonl"), **kwargs)


def popen(hook, argv):
    hook("subprocess.Popen", (sys.executable, argv, None, None))


def test_the_guard_starts_exactly_the_nested_run_with_its_own_limits(tmp_path):
    """The one command allowed carries the guard's limits; any other process is refused."""
    hook = guard(tmp_path)
    popen(hook, nested_command(hook.nested))  # allowed: no exception

    looser = {**hook.nested, "own": "/"}
    extra = [*nested_command(hook.nested), "--more"]
    no_isolation = [a for a in nested_command(hook.nested) if a != "-I"]
    for argv in (nested_command(looser), nested_command(None), extra, no_isolation):
        with pytest.raises(PermissionError):
            popen(hook, argv)
    with pytest.raises(PermissionError):
        popen(hook, ["sh", "-c", "true"])
    nested = guard(tmp_path, allow_nested=False)  # the nested run itself starts nothing
    with pytest.raises(PermissionError):
        popen(nested, nested_command(hook.nested))


def test_nothing_a_run_is_started_with_names_the_implementation():
    """The command is the same for every run; a job holds the code and the order, no name."""
    assert nested_command(None) == nested_command(None)
    jobs = mutation.plan(LESSON)
    names = [job.run for job in jobs]
    assert set(names) == {*mutation.REFERENCE_LIKE, *(m.name for m in mutants_of(LESSON))}
    reference = mutants.reference_source(LESSON)
    by_name = {job.run: job for job in jobs}
    assert by_name[mutation.REFERENCE].source == by_name[mutation.REVERSED].source == reference
    # Every other implementation is rewritten anew: its text matches no file of the course.
    others = [job.source for job in jobs if job.run not in (mutation.REFERENCE, mutation.REVERSED)]
    assert reference not in others
    assert not {m.source() for m in mutants_of(LESSON)} & set(others)
    again = {job.run: job.source for job in mutation.plan(LESSON)}
    assert all(again[run] != by_name[run].source for run in mutation.EQUIVALENTS)


def test_a_run_narrowed_to_an_exercise_runs_its_mutants_and_every_reference():
    """The self-checks grade a known mistake by its exercise's tests: only its mutants run."""
    names = {job.run for job in mutation.plan(LESSON, ["e2"])}
    e2 = {m.name for m in mutants_of(LESSON) if m.exercise_id == "E2"}
    assert e2, "lesson 14 has no E2 mutant to narrow to"
    assert names == {*mutation.REFERENCE_LIKE, *e2}


SCOPED = """
import pytest


@pytest.fixture
def user():
    return 1


def helper(x):
    return x + 1


def test_e1_create(user):
    assert helper(user) == 2


def test_e2_token(user):
    assert user == 1
"""


def test_course_mutation_grades_a_change_inside_a_test_by_its_exercise():
    """A variant inside test_eN_... runs EN's graded tests (and those of any exercise whose
    mutant that test catches on the reference); a change elsewhere runs every exercise's."""
    variants = mutation_testing.variants("exercise.py", SCOPED)
    by_scope = {}
    for variant in variants:
        by_scope.setdefault(variant.scope, []).append(variant)
    assert set(by_scope) == {"user", "helper", "test_e1_create", "test_e2_token"}
    reached = {"test_e1_create": set(), "test_e2_token": {"E2", "E3"}}
    narrowed = {scope: mutation_testing.narrowed_to(v[0], reached) for scope, v in by_scope.items()}
    assert narrowed == {
        "user": None,  # a fixture: any exercise's tests may use it
        "helper": None,
        "test_e1_create": ("E1",),
        "test_e2_token": ("E2", "E3"),  # it catches an E3 mutant: E3's tests run too
    }
    # A test the reference run did not report (a class's method, a new name) runs them all.
    assert mutation_testing.narrowed_to(by_scope["test_e1_create"][0], {}) is None


def test_a_narrowed_variant_survives_when_its_exercises_pass():
    """The other exercises' tests are not collected in a narrowed run: they do not count."""
    e1, e2 = (checking.ExerciseResult(exercise) for exercise in LESSON.exercises[:2])
    e1.tests = [checking.TestResult("test_e1_x", "pass", None)]
    report = checking.CheckReport("t", [checking.LessonResult(LESSON, [e1, e2])], 0.0)
    assert mutation_testing._passed(report, ("E1",))
    assert not mutation_testing._passed(report, None)  # E2 ran no test: not a full mark
    e1.tests[0].status = "fail"
    assert not mutation_testing._passed(report, ("E1",))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_equivalent_keeps_every_public_name_and_changes_the_code(seed):
    """A rewrite compiles, keeps the module's public names and docstrings, changes its bytecode."""
    import ast

    from course.equivalents import rewrite

    reference = mutants.reference_source(LESSON)
    rewritten = rewrite(reference, seed)
    assert rewritten == rewrite(reference, seed)  # the seed decides everything
    assert rewritten != rewrite(reference, seed + 100)

    def public(source):
        tree = ast.parse(source)
        found = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                members = {
                    getattr(s, "name", None) or ast.unparse(s).split("=")[0].strip()
                    for s in node.body
                }
                found[node.name] = (ast.get_docstring(node), members)
            elif isinstance(node, ast.Assign):
                found.update({t.id: None for t in node.targets if isinstance(t, ast.Name)})
        return {name: value for name, value in found.items() if not name.startswith("_")}

    assert public(rewritten) == public(reference)
    codes = [compile(text, "api.py", "exec").co_consts for text in (reference, rewritten)]
    assert codes[0] != codes[1]


# ------------------------------------------------------------------ every front end agrees


# Whole runs of lesson 14's tests (pytest --target, then course grade: the reference and two
# students), each bounded by mutation.RUN_TIMEOUT, not by the default time of one test.
@pytest.mark.timeout(4 * mutation.RUN_TIMEOUT + 60)
def test_grade_and_pytest_target_give_a_weak_module_the_same_points(weak, tmp_path):
    """`course grade` (forked, guarded) and pytest --target score the weak module alike."""
    root, _ = weak
    direct = checking.run_in_subprocess([LESSON], str(root))
    assert direct.error is None, direct.error
    points = {e.exercise.id: e.earned for e in direct.lessons[0].exercises}
    assert points == WEAK_POINTS

    submissions = tmp_path / "class"
    submission(submissions / "weak", WEAK)
    outside = tmp_path / "written-by-a-test.txt"
    submission(
        submissions / "hostile",
        f"def test_e1_writes():\n    open({str(outside)!r}, 'w').write('x')\n",
    )
    results = grading.grade(
        submissions, tmp_path / "out", lessons=[LESSON.nn], jobs=2, timeout=300, memory_mb=0
    )
    by_name = {r.name: r for r in results}
    weak_record = json.loads(
        (tmp_path / "out" / "results" / f"{by_name['weak'].slug}.json").read_text()
    )
    graded = {key.split(".")[1]: score["earned"] for key, score in weak_record["exercises"].items()}
    assert graded == WEAK_POINTS, weak_record
    assert not any(flag.startswith("tampering") for flag in by_name["weak"].flags)
    # The learner's code runs in the nested process, under the same guard.
    assert not outside.exists()
    assert any("wrote outside its folder" in flag for flag in by_name["hostile"].flags)


def test_a_new_mutant_needs_a_name_of_its_exercise_and_a_change():
    """`mistake new NN NAME --mutant` refuses before it writes anything."""
    reference = mutants.reference_source(LESSON)
    with pytest.raises(mutants.MistakeError, match="name a mutant"):
        mutants.write_mutant(LESSON, "e9_no_such_exercise", reference + "#\n", "Says.")
    with pytest.raises(mutants.MistakeError, match="must change something"):
        mutants.write_mutant(LESSON, "e1_same", reference, "Says.")
    mutant = mutants_of(LESSON)[0]
    assert (
        diff_text(mutant.summary, [(LESSON.tested_module, reference, mutant.source())], "api.py")
        == mutant.text
    )  # show, then new: the same diff


def test_a_survivors_entry_must_name_a_variant_that_still_survives():
    """An entry for a variant a test now catches is stale: it would free the next variant that
    happens to take its name, so it is reported, as one for a variant that no longer exists."""
    from course.mutation_testing import Freed, entry_problems

    readme = "Which digest the HMAC uses is not graded."
    entries = [
        Freed("alive", "Which digest the HMAC uses", None, ""),
        Freed("caught", "Which digest the HMAC uses", None, ""),
        Freed("gone", None, "DRF's default", ""),
        Freed("unsaid", "the text never says this", None, ""),
        Freed("bare", None, None, ""),
    ]
    problems = entry_problems(
        entries, {"alive", "caught", "unsaid", "bare"}, {"alive", "unsaid", "bare"}, readme
    )
    assert len(problems) == 4, problems
    assert "`caught`, which a test now catches" in problems[0]
    assert "`gone`, which is no variant any more" in problems[1]
    assert "`unsaid` cites" in problems[2] and "`bare` needs" in problems[3]
