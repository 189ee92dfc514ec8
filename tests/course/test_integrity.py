"""The course checks itself: every lesson has all its parts, and its graded tests mean something.

DESIGN.md "The course checks itself", items 1-4 and 6 (notebooks, item 5, are in
test_notebooks.py): manifests and parts are complete; the solutions pass every graded test,
also over real HTTP; the starter fails every graded test; every known mistake is caught.
"""

import ast
import re

import pytest

from course import ROOT
from course.checking import CheckReport
from course.criteria import criteria, uncovered
from course.grading.batch import run_batch
from course.manifest import all_lessons, unfinished_lesson_folders
from course.mistakes import MistakeError, mistakes_of

from .conftest import IN_CI, starter_is_pristine

LESSONS = all_lessons()
BATCH_TIMEOUT = 1800  # seconds for every graded run together, on a slow shared machine


def lesson_id(lesson):
    return lesson.slug


def mistakes():
    return [
        pytest.param(mistake, id=f"{lesson.slug}/{mistake.name}")
        for lesson in LESSONS
        for mistake in mistakes_of(lesson)
    ]


def applicable(mistakes_of_a_lesson):
    """The known mistakes whose diffs fit the reference (one that does not fails its own check)."""
    fitting = []
    for mistake in mistakes_of_a_lesson:
        try:
            mistake.files()
        except MistakeError:
            continue
        fitting.append(mistake)
    return fitting


def mistake_run(mistake):
    """A known mistake is graded by its own exercise's tests: only they must catch it."""
    return (mistake.lesson, mistake.target, "client", (mistake.exercise_id,))


# Which runs each graded check needs: [(lesson, target, transport, exercises or None)].
RUNS = {
    "test_solutions_pass_every_graded_test": lambda p: [(p["lesson"], "solutions", "client", None)],
    "test_solutions_pass_over_real_http": lambda p: [(p["lesson"], "solutions", "live", None)],
    "test_starter_fails_every_graded_test": lambda p: [(p["lesson"], "lessons", "client", None)],
    "test_each_mistake_is_caught": lambda p: [mistake_run(m) for m in applicable([p["mistake"]])],
    "test_every_criterion_is_broken_by_a_known_mistake": lambda p: [
        mistake_run(m) for m in applicable(mistakes_of(p["lesson"]))
    ],
}


@pytest.fixture(scope="session")
def graded(request):
    """The reports of every run the selected checks need, graded together on first use.

    They are a class of submissions (each known mistake, the starter, the solutions through
    the client and over HTTP), so they are graded as `course grade` grades one: forked from
    the warm parent on Linux, as many at once as there are cores. A mistake that no longer
    applies is left out here and fails its own check with the reason.
    """
    wanted = []
    for item in request.session.items:
        how = RUNS.get(getattr(item, "originalname", ""))
        if how is None:
            continue
        for run in how(item.callspec.params):
            if run not in wanted:
                wanted.append(run)
    reports = run_batch([([lesson], *rest) for lesson, *rest in wanted])
    by_run = dict(zip(wanted, reports, strict=True))

    def report(lesson, target, transport="client", exercises=None) -> CheckReport:
        found = by_run[(lesson, target, transport, exercises)]
        assert found.error is None, found.error
        return found

    return report


def failures(report: CheckReport) -> list[str]:
    return [
        f"{ex.exercise.id} {t.name}: {t.message}"
        for lr in report.lessons
        for ex in lr.exercises
        for t in ex.tests
        if not t.passed
    ]


def exercise_markers(lesson) -> dict[str, int]:
    """How many graded tests each exercise has, read from the test module's decorators."""
    tree = ast.parse(lesson.test_file.read_text(encoding="utf-8"))
    aliases = {}  # E1 = pytest.mark.exercise("E1")
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func).endswith("mark.exercise")
        ):
            aliases[node.targets[0].id] = node.value.args[0].value
    counts = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            for decorator in node.decorator_list:
                text = ast.unparse(decorator)
                found = (
                    aliases.get(text)
                    or (re.search(r"mark\.exercise\(['\"](E\d+)['\"]\)", text) or [None, None])[1]
                )
                if found:
                    counts[found] = counts.get(found, 0) + 1
    return counts


# ------------------------------------------------------------------ 1. every part is there


def test_lessons_exist_and_are_numbered_in_order():
    """Lessons are numbered 1, 2, 3, ... with no gaps, each with a valid manifest."""
    assert LESSONS, "no lesson found under lessons/"
    assert [lr.number for lr in LESSONS] == list(range(1, len(LESSONS) + 1))
    unfinished = [folder.name for folder in unfinished_lesson_folders()]
    assert not unfinished, f"lesson folders without a lesson.toml: {unfinished}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_lesson_has_every_part(lesson):
    """The app, text, manifest, starter, solution, tests and notebook all exist."""
    parts = [
        lesson.folder / "__init__.py",
        lesson.folder / "urls.py",
        lesson.readme,
        *(lesson.folder / name for name in lesson.learner_files),
        *(lesson.solution_folder / name for name in lesson.learner_files),
        lesson.test_file,
        lesson.notebook,
    ]
    missing = [str(p.relative_to(lesson.folder.parent.parent)) for p in parts if not p.exists()]
    assert not missing, f"lesson {lesson.slug} lacks {missing}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_each_exercise_has_todo_hints_section_tests_and_a_mistake(lesson):
    """Each exercise: a TODO(En) in the starter, hints, a README section, tests, a mistake file."""
    if not starter_is_pristine(lesson) and not IN_CI:
        pytest.skip(
            f"lessons/{lesson.slug}/exercise.py holds your work, not the starter; CI checks the starter"
        )
    starter = (lesson.folder / "exercise.py").read_text(encoding="utf-8")
    readme = lesson.readme.read_text(encoding="utf-8")
    tests = exercise_markers(lesson)
    problems = []
    for exercise in lesson.exercises:
        if f"TODO({exercise.id})" not in starter:
            problems.append(f"{exercise.id}: no TODO({exercise.id}) in the starter")
        if f"## {exercise.id}. {exercise.title}\n" not in readme:
            problems.append(
                f"{exercise.id}: the README has no heading '## {exercise.id}. {exercise.title}'"
            )
        if not tests.get(exercise.id):
            problems.append(f"{exercise.id}: no graded test is marked exercise('{exercise.id}')")
        if not any(m.exercise_id == exercise.id for m in mistakes_of(lesson)):
            problems.append(
                f"{exercise.id}: no solutions/{lesson.slug}/mistakes/{exercise.id.lower()}_*.diff"
            )
    unknown = set(tests) - {e.id for e in lesson.exercises}
    if unknown:
        problems.append(f"tests are marked with exercises the manifest lacks: {sorted(unknown)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_readme_has_whats_next_and_names_files_in_code_blocks(lesson):
    """The text ends with "What's next" and every Python code block names its file."""
    readme = lesson.readme.read_text(encoding="utf-8")
    assert "## What's next" in readme, f'{lesson.readme} has no "## What\'s next" section'
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    unnamed = [b.splitlines()[0] for b in blocks if not b.lstrip().startswith("# ")]
    assert not unnamed, f"Python code blocks whose first line does not name the file: {unnamed}"


# ------------------------------------------------------------------ 2-4, 6. the tests mean something


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
@pytest.mark.timeout(BATCH_TIMEOUT)  # the first one waits for the whole batch
def test_solutions_pass_every_graded_test(lesson, graded):
    """The reference solution passes every graded test through the test client."""
    report = graded(lesson, "solutions")
    assert not failures(report), "\n".join(failures(report))
    assert all(ex.tests for lr in report.lessons for ex in lr.exercises)


HTTP_FIXTURES = {"api", "make_api", "live_server"}  # what `--transport=live` changes


def requests_http_fixtures(lesson) -> bool:
    """Whether the lesson's graded tests (or a helper module of tests/lessons they import) take
    the course's API clients, which `--transport=live` sends over real HTTP. Lesson 14's run
    the learner's tests, and lesson 15's talk to gunicorn: a live run of theirs repeats the
    client run."""
    files = [lesson.test_file]
    tree = ast.parse(lesson.test_file.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and "lessons." in f"{node.module}.":
            helper = lesson.test_file.parent / f"{node.module.rpartition('.')[2]}.py"
            if helper.exists():
                files.append(helper)
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if HTTP_FIXTURES & {a.arg for a in node.args.args + node.args.kwonlyargs}:
                    return True
    return False


def test_lessons_without_http_clients_are_the_ones_expected():
    """The live run is left out only where it would repeat the client run."""
    left_out = [lesson.nn for lesson in LESSONS if not requests_http_fixtures(lesson)]
    assert left_out == ["14", "15"], left_out


@pytest.mark.parametrize(
    "lesson", [lesson for lesson in LESSONS if requests_http_fixtures(lesson)], ids=lesson_id
)
@pytest.mark.slow
@pytest.mark.timeout(BATCH_TIMEOUT)  # the first one waits for the whole batch
def test_solutions_pass_over_real_http(lesson, graded):
    """The reference solution passes every graded test against a live server too."""
    report = graded(lesson, "solutions", "live")
    assert not failures(report), "\n".join(failures(report))


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
@pytest.mark.timeout(BATCH_TIMEOUT)  # the first one waits for the whole batch
def test_starter_fails_every_graded_test(lesson, graded):
    """A test that passes on the starter checks nothing the learner wrote."""
    if not starter_is_pristine(lesson) and not IN_CI:
        pytest.skip(
            f"lessons/{lesson.slug}/exercise.py holds your work, not the starter; CI checks the starter"
        )
    report = graded(lesson, "lessons")
    passing = [
        f"{ex.exercise.id} {t.name}"
        for lr in report.lessons
        for ex in lr.exercises
        for t in ex.tests
        if t.passed
    ]
    assert not passing, f"these graded tests pass on the untouched starter: {passing}"


@pytest.mark.parametrize("mistake", mistakes())
@pytest.mark.timeout(BATCH_TIMEOUT)  # the first one waits for the whole batch
def test_each_mistake_is_caught(mistake, graded):
    """Every known-wrong variant fails at least one test of its own exercise, which says why."""
    mistake.files()  # a diff that no longer applies says so, with its hunk
    report = graded(*mistake_run(mistake))
    (result,) = report.lessons
    ex = next(e for e in result.exercises if e.exercise.id == mistake.exercise_id)
    caught = [t for t in ex.tests if not t.passed]
    assert caught, (
        f"no test of {mistake.exercise_id} fails on {mistake.describe()} "
        f"({mistake.summary}): the mistake goes unnoticed"
    )
    assert all(t.message and "not done yet" not in t.message for t in caught), (
        f"{mistake.describe()} is caught only by a test whose message does not explain it: "
        f"{[t.message for t in caught]}"
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
@pytest.mark.timeout(BATCH_TIMEOUT)  # the first one waits for the whole batch
def test_every_criterion_is_broken_by_a_known_mistake(lesson, graded):
    """Each acceptance criterion cites a test, and some known mistake fails a test it cites.

    A criterion no known mistake breaks has never been shown to catch a wrong solution: its
    tests may pass on code that the sentence forbids.
    """
    failed_by = {
        mistake.name: graded(*mistake_run(mistake)).failed_tests()
        for mistake in applicable(mistakes_of(lesson))
    }
    readme = f"lessons/{lesson.slug}/README.md"
    listed = {c.exercise_id for c in criteria(lesson)}
    problems = (
        [
            f"{readme}, {e.id}: no bullet list under an 'Acceptance criteria:' line"
            for e in lesson.exercises
            if e.id not in listed
        ]
        + [
            f"{readme}, {c.exercise_id}: the criterion cites no test in backticks: {c.short()}"
            for c in criteria(lesson)
            if not c.tests
        ]
        + [
            f"{readme}, {c.exercise_id}: no known mistake fails {', '.join(c.tests)}, so nothing shows "
            f"this criterion catches a wrong solution (add a near miss as "
            f"solutions/{lesson.slug}/mistakes/{c.exercise_id.lower()}_<what_goes_wrong>.diff; "
            f"python -m course criteria {lesson.nn} lists them all): {c.short()}"
            for c in uncovered(lesson, failed_by)
            if c.tests
        ]
    )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_mistakes_are_small_diffs_that_apply(lesson):
    """Each known mistake is a .diff saying itself in its first line, that fits the reference."""
    folder = lesson.solution_folder / "mistakes"
    stray = (
        sorted(p.name for p in folder.glob("*") if p.suffix != ".diff") if folder.is_dir() else []
    )
    assert not stray, (
        f"solutions/{lesson.slug}/mistakes/ holds {stray}: a known mistake is one change to the "
        f"reference, stored as a .diff (python -m course mistake new {lesson.nn} NAME --from FILE "
        '--says "...")'
    )
    problems = []
    for mistake in mistakes_of(lesson):
        if not mistake.summary:
            problems.append(f"{mistake.describe()}: its first line must be `# <the mistake>`")
        try:
            files = mistake.files()
        except MistakeError as exc:
            problems.append(str(exc))
            continue
        reference = {n: (lesson.solution_folder / n).read_text(encoding="utf-8") for n in files}
        if files == reference:
            problems.append(f"{mistake.describe()}: changes nothing")
    assert not problems, "\n".join(problems)


def test_course_readme_lists_every_lesson_with_its_exercises():
    """The README's table of lessons names every lesson, its exercises and its points."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = []
    for lesson in LESSONS:
        row = next((line for line in readme.splitlines() if f"lessons/{lesson.slug}/" in line), "")
        points = sum(exercise.points for exercise in lesson.exercises)
        wanted = [f"{e.id} {e.title}" for e in lesson.exercises] + [f"| {points} |"]
        missing += [f"{lesson.nn}: {text}" for text in wanted if text not in row]
    assert not missing, f"README.md's table of lessons is out of date: {missing}"
