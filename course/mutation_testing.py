"""Mutation testing of the graded tests: every small change to a reference is caught, or left free.

Each lesson's reference learner file is changed one small step at a time, as a student might
go wrong (a comparison flipped, a keyword argument dropped, a list item left out, a lookup
made looser, a statement deleted, a status code changed), and the lesson's graded tests run
against each variant. A variant that every test passes ("a survivor") is either a gap in the
tests, to close with a new test, or behaviour the lesson's text leaves free, which
`solutions/lNN_topic/survivors.toml` names with the sentence of the text that frees it:

    [[free]]
    mutant = "CourseList.get_queryset: drop keyword distinct=True"
    text = "Duplicates are allowed"          # a phrase the lesson's README contains
    why = "the text does not say whether ..."

A variant whose behaviour cannot differ (an equivalent mutant) is listed the same way with
`equivalent = "<why>"` instead of `text`. `python -m course mutation [NN]` (make mutation
[L=NN]) runs it; it is not part of `make test`, since it grades hundreds of variants.

A lesson graded by mutation (lesson 14, whose learner file is a test module) costs a whole
run of that module against every implementation per variant, so a variant whose change lies
inside a test function named `test_eN_...` is graded by exercise EN's graded tests only (and
only EN's mutants run, course/mutation.py). That loses nothing: the variant's module still
runs whole on every implementation, and the other exercises' graded tests read only (a) how
their own tests did on the reference and its equivalents, which a change inside another test
cannot alter (the tests share nothing but fixtures made anew for each and a database rolled
back after each, and a one-step change adds no statement that could leave something behind),
and (b) which tests catch their mutants, which the changed test can alter only for the mutants
it catches itself. So the reference's verdicts are read first, and a test that catches another
exercise's mutant there is graded with that exercise's tests too. A change anywhere else (the
module's top level, a fixture, a helper shared by several exercises) is graded by them all.
"""

from __future__ import annotations

import ast
import copy
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from course.manifest import Lesson

SURVIVORS_FILE = "survivors.toml"

COMPARE_SWAPS = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
# A lookup one step looser or stricter: the near misses of a filter or a uniqueness check.
LOOKUP_SWAPS = {
    "iexact": "exact",
    "exact": "iexact",
    "icontains": "contains",
    "contains": "icontains",
    "istartswith": "startswith",
    "startswith": "istartswith",
    "lt": "lte",
    "lte": "lt",
    "gt": "gte",
    "gte": "gt",
}
# Calls that only document the API (drf-spectacular): changing them changes no behaviour.
DOCUMENTATION_CALLS = ("extend_schema", "extend_schema_view", "extend_schema_field", "OpenApi")


@dataclass(frozen=True)
class Variant:
    """One small change to a reference learner file."""

    file: str  # the learner file's name, e.g. exercise.py
    id: str  # stable across edits elsewhere: where, what, and the code changed
    line: int
    source: str  # the whole changed module
    scope: str = ""  # the definitions around the change, e.g. `test_e1_create.helper`; "" at top


def _swap_lookup(text: str) -> str | None:
    """`code__iexact` -> `code__exact`; `-id` -> `id`; None when the string is no lookup."""
    if "__" in text and text.replace("__", "").replace("_", "").isalnum():
        head, _, lookup = text.rpartition("__")
        if lookup in LOOKUP_SWAPS:
            return f"{head}__{LOOKUP_SWAPS[lookup]}"
    if text in LOOKUP_SWAPS and text not in ("exact", "contains"):
        return LOOKUP_SWAPS[text]
    if text.startswith("-") and text[1:].replace("_", "").isalnum():
        return text[1:]  # a descending ordering made ascending
    return None


def _is_documentation(node: ast.AST) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    name = ast.unparse(func) if func is not None else ""
    return any(part in name for part in DOCUMENTATION_CALLS)


def _docstring_nodes(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0]))
                found.add(id(body[0].value))
    return found


def _mutable_nodes(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    """Each node worth changing, in a fixed order, with the qualified name around it."""
    skip = _docstring_nodes(tree)

    def walk(node: ast.AST, where: str) -> Iterator[tuple[ast.AST, str]]:
        if id(node) in skip or isinstance(node, ast.Import | ast.ImportFrom):
            return
        if isinstance(node, ast.Call) and _is_documentation(node):
            return
        if isinstance(node, ast.AnnAssign):
            node = ast.Assign(targets=[node.target], value=node.value) if node.value else None
            if node is None:
                return
        inner = where
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            inner = f"{where}.{node.name}" if where else node.name
        yield node, inner
        for child in ast.iter_child_nodes(node):
            yield from walk(child, inner)

    yield from walk(tree, "")


def _changes(node: ast.AST, parent_body: bool) -> Iterator[tuple[str, callable]]:
    """(what, how) for each change of this node; `how(node)` changes a copy in place."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swap = COMPARE_SWAPS.get(type(op))
            if swap:

                def how(n, i=i, swap=swap):
                    n.ops[i] = swap()

                yield f"{type(op).__name__} -> {swap.__name__}", how
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And

        def how(n, other=other):
            n.op = other()

        yield f"{type(node.op).__name__} -> {other.__name__}", how
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            yield f"{value} -> {not value}", lambda n: setattr(n, "value", not n.value)
        elif isinstance(value, int) and not isinstance(value, bool):
            yield f"{value} -> {value + 1}", lambda n: setattr(n, "value", n.value + 1)
            if value > 0:
                yield f"{value} -> {value - 1}", lambda n: setattr(n, "value", n.value - 1)
        elif isinstance(value, str):
            swapped = _swap_lookup(value)
            if swapped is not None:
                yield (
                    f"{value!r} -> {swapped!r}",
                    lambda n, s=swapped: setattr(n, "value", s),
                )
    elif isinstance(node, ast.Attribute) and node.attr.startswith("HTTP_"):
        other = "HTTP_200_OK" if node.attr != "HTTP_200_OK" else "HTTP_400_BAD_REQUEST"
        yield f"{node.attr} -> {other}", lambda n, o=other: setattr(n, "attr", o)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "drop not", None  # handled by the parent: the operand replaces the node
    if isinstance(node, ast.Call):
        for i, keyword in enumerate(node.keywords):
            if keyword.arg is None:
                continue

            def how(n, i=i):
                del n.keywords[i]

            yield f"drop keyword {keyword.arg}={ast.unparse(keyword.value)[:40]}", how
            looser = _swap_lookup(keyword.arg) if "__" in keyword.arg else None
            if looser is not None:

                def rename(n, i=i, looser=looser):
                    n.keywords[i].arg = looser

                yield f"{keyword.arg}= -> {looser}=", rename
    if isinstance(node, ast.List | ast.Tuple | ast.Set) and len(node.elts) > 0:
        for i, element in enumerate(node.elts):

            def how(n, i=i):
                del n.elts[i]

            yield f"drop item {ast.unparse(element)[:40]}", how
    if parent_body and isinstance(node, ast.stmt) and not isinstance(node, ast.Pass):
        first = ast.unparse(node).splitlines()[0][:60]
        yield f"delete `{first}`", "delete"


def variants(file: str, source: str) -> list[Variant]:
    """Every single-step variant of `source` that still compiles, in a fixed order."""
    tree = ast.parse(source)
    body_statements = {
        id(stmt)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for stmt in node.body
    }
    plan = []  # (index of the node in walk order, what, how, where, line, code)
    nodes = list(_mutable_nodes(tree))
    for index, (node, where) in enumerate(nodes):
        for what, how in _changes(node, id(node) in body_statements):
            code = ast.unparse(node).splitlines()[0][:50] if not isinstance(node, ast.stmt) else ""
            plan.append((index, what, how, where, getattr(node, "lineno", 0), code))
    found: list[Variant] = []
    seen: dict[str, int] = {}
    for index, what, how, where, line, code in plan:
        changed = copy.deepcopy(tree)
        target = list(_mutable_nodes(changed))[index][0]
        if how == "delete" or how is None:
            _replace(changed, target, ast.Pass() if how == "delete" else target.operand)
        else:
            how(target)
        try:
            ast.fix_missing_locations(changed)
            text = ast.unparse(changed)
            compile(text, file, "exec")
        except (SyntaxError, ValueError, TypeError):
            continue
        key = f"{where or '<module>'}: {what}" + (f" in `{code}`" if code else "")
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key} #{seen[key]}"
        found.append(Variant(file, key, line, text, where))
    return found


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put `new` where `old` is; an emptied body gets `pass`."""
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, list) and old in value:
                value[value.index(old)] = new
                return
            if value is old:
                setattr(parent, name, new)
                return


def reference_sources(lesson: Lesson) -> dict[str, str]:
    return {
        name: (lesson.solution_folder / name).read_text(encoding="utf-8")
        for name in lesson.learner_files
        if name.endswith(".py")
    }


def lesson_variants(lesson: Lesson) -> list[Variant]:
    return [
        variant
        for name, source in reference_sources(lesson).items()
        for variant in variants(name, source)
    ]


@dataclass(frozen=True)
class Freed:
    mutant: str
    text: str | None
    equivalent: str | None
    why: str


def freed(lesson: Lesson) -> list[Freed]:
    """The survivors the lesson names as free (solutions/lNN_topic/survivors.toml)."""
    path = lesson.solution_folder / SURVIVORS_FILE
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Freed(
            entry["mutant"],
            entry.get("text"),
            entry.get("equivalent"),
            entry.get("why", entry.get("equivalent", "")),
        )
        for entry in data.get("free", [])
    ]


def write_folder(root: Path, lesson: Lesson, variant: Variant) -> Path:
    """A target folder holding the reference learner files with this one variant."""
    folder = root / lesson.slug
    folder.mkdir(parents=True)
    for name, source in reference_sources(lesson).items():
        text = variant.source if name == variant.file else source
        (folder / name).write_text(text, encoding="utf-8")
    return root


def entry_problems(entries: list, ran: set[str], survived: set[str], readme: str) -> list[str]:
    """What is wrong with the entries of a survivors file, given the variants that ran and
    those that survived: an entry must name a surviving variant and cite the README or say
    why it is equivalent."""
    problems = []
    text_of_readme = " ".join(readme.split())
    for entry in entries:
        if entry.mutant not in ran:
            problems.append(
                f"{SURVIVORS_FILE} names `{entry.mutant}`, which is no variant any more"
            )
        elif entry.mutant not in survived:
            problems.append(
                f"{SURVIVORS_FILE} names `{entry.mutant}`, which a test now catches: "
                "remove the entry"
            )
        elif entry.text is None and not entry.equivalent:
            problems.append(
                f'`{entry.mutant}` needs text = "<the README\'s phrase>" or equivalent = "<why>"'
            )
        elif entry.text is not None and " ".join(entry.text.split()) not in text_of_readme:
            problems.append(f"`{entry.mutant}` cites {entry.text!r}, which README.md does not say")
    return problems


@dataclass
class LessonOutcome:
    lesson: Lesson
    total: int
    survivors: list[Variant]  # every graded test passed on them
    untriaged: list[Variant]  # survivors the lesson does not name as free
    problems: list[str]  # stale or wrong entries of survivors.toml, a reference that fails

    @property
    def score(self) -> float:
        return 1.0 if not self.total else (self.total - len(self.survivors)) / self.total


def exercises_reached(lesson: Lesson, target: str) -> dict[str, set[str]] | None:
    """For a lesson graded by mutation: each test of `target`'s module and the exercises whose
    mutants it catches besides its own, from one run on every implementation; None when that
    run fails (then no variant is narrowed)."""
    from course import mutation
    from course.mutants import mutants_of

    verdicts = mutation.run_learner_tests(lesson, target)
    if verdicts.error or verdicts.run_errors or not verdicts.tests:
        return None
    # By function: each case of a parametrized test (`test_e1_x[a]`) is the same function's.
    reached: dict[str, set[str]] = {test.split("[", 1)[0]: set() for test in verdicts.tests}
    for mutant in mutants_of(lesson):
        for test in verdicts.catchers(mutant.name):
            reached[test.split("[", 1)[0]].add(mutant.exercise_id)
    return reached


def narrowed_to(variant: Variant, reached: dict[str, set[str]]) -> tuple[str, ...] | None:
    """The exercises whose graded tests can tell `variant` from the reference: its test
    function's own and those whose mutants that function catches; None for all of them (a
    change outside any `test_eN_...` function, or in one the reference run did not see)."""
    from course.mutation import exercise_of

    function = variant.scope.split(".", 1)[0]
    own = exercise_of(function) if function else None
    if own is None or function not in reached:
        return None
    return tuple(sorted({own, *reached[function]}))


def _passed(report, exercises: tuple[str, ...] | None) -> bool:
    """Every graded test of the run passed: of `exercises` only, when the run was narrowed to
    them (the others' tests were not collected)."""
    if report.error:
        return False
    wanted = {e.upper() for e in exercises} if exercises else None
    return all(
        result.passed
        for lesson_result in report.lessons
        for result in lesson_result.exercises
        if wanted is None or result.exercise.id.upper() in wanted
    )


def run(lessons: list[Lesson], jobs: int | None = None) -> list[LessonOutcome]:
    """Grade every variant of each lesson's reference; each run stops at its first failure."""
    import tempfile

    from course.grading.batch import run_batch

    with tempfile.TemporaryDirectory(prefix="course-mutation-") as scratch:
        scratch = Path(scratch)
        runs, owners = [], []
        for lesson in lessons:
            unchanged = Variant("", "the reference, reformatted", 0, "")
            sources = {
                name: ast.unparse(ast.parse(text))
                for name, text in reference_sources(lesson).items()
            }
            seen = set(sources.values())
            todo = [unchanged]
            for variant in lesson_variants(lesson):
                if variant.source not in seen:  # two changes that give the same module run once
                    seen.add(variant.source)
                    todo.append(variant)
            reach = None
            for index, variant in enumerate(todo):
                root = scratch / f"{lesson.slug}-{index}"
                if variant is unchanged:
                    folder = root / lesson.slug
                    folder.mkdir(parents=True)
                    for name, text in sources.items():
                        (folder / name).write_text(text, encoding="utf-8")
                    if lesson.tested_module is not None:
                        reach = exercises_reached(lesson, str(root))
                else:
                    write_folder(root, lesson, variant)
                narrow = narrowed_to(variant, reach) if reach is not None else None
                runs.append(([lesson], str(root), "client", *([narrow] if narrow else [])))
                owners.append((lesson, variant, narrow))
        reports = run_batch(runs, jobs=jobs, first_failure=True)
        outcomes = []
        for lesson in lessons:
            mine = [
                (v, _passed(r, narrow))
                for (owner, v, narrow), r in zip(owners, reports, strict=True)
                if owner is lesson
            ]
            problems = []
            if not mine[0][1]:
                problems.append(
                    "the reference itself, reformatted by ast.unparse, fails its tests: "
                    "no variant can be judged"
                )
            survivors = [v for v, passed in mine[1:] if passed]
            named = {entry.mutant: entry for entry in freed(lesson)}
            problems += entry_problems(
                list(named.values()),
                {v.id for v, _ in mine[1:]},
                {v.id for v in survivors},
                lesson.readme.read_text(encoding="utf-8"),
            )
            untriaged = [v for v in survivors if v.id not in named]
            outcomes.append(LessonOutcome(lesson, len(mine) - 1, survivors, untriaged, problems))
        return outcomes
