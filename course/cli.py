"""`python -m course <verb>`: the learner's, the instructor's and the course author's commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from course import ROOT
from course.manifest import all_lessons, find_lesson
from course.targets import ENV_VAR


def _console():
    from rich.console import Console

    return Console(highlight=False)


def cmd_check(args) -> int:
    import gc

    # A check is one short run: the cyclic collector costs about a tenth of it and frees
    # nothing that matters before the process ends.
    gc.disable()
    from course import checking, progress, render

    lessons = checking.lessons_from_args(args.lessons)
    # The files as the tests will read them: a save during the run is not what they graded.
    digests = {lesson.slug: progress.learner_digest(lesson) for lesson in lessons}
    report = checking.run_in_process(lessons, args.target)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        render.print_report(report.to_json(), _console())
    if args.target == "lessons" and not report.error:
        progress.record(report, digests)
    if report.error:
        return 2
    return 0 if all(result.passed for result in report.lessons) else 1


def cmd_watch(args) -> int:
    """Re-check on every save, through one warm runner: a save costs a fork and the tests."""
    from watchfiles import watch

    from course import progress, render
    from course.checking import lessons_from_args
    from course.grading.batch import WarmChecks

    lessons = lessons_from_args(args.lessons)
    files = {str(lesson.folder / name) for lesson in lessons for name in lesson.learner_files}
    console = _console()
    console.print("[dim]Starting the checks (imports and a test database, once)...[/]")
    with WarmChecks(lessons) as warm:

        def run():
            # The files as the tests will read them (a save during the run is checked next).
            digests = {lesson.slug: progress.learner_digest(lesson) for lesson in lessons}
            report = warm.check(lessons)
            console.clear()
            render.print_report(report.to_json(), console)
            if not report.error:
                progress.record(report, digests)
            console.print(
                f"[dim]Checked in {report.duration:.2f} s. Watching your files; save to "
                "re-check, Ctrl+C to stop.[/]"
            )

        run()
        try:
            for changes in watch(*{os.path.dirname(f) for f in files}):
                if any(os.path.abspath(path) in files for _, path in changes):
                    run()
        except KeyboardInterrupt:
            pass
    return 0


def cmd_hint(args) -> int:
    from course import progress

    console = _console()
    lesson = find_lesson(args.lesson)
    exercise = lesson.exercise(args.exercise)
    level = (
        progress.next_hint_level(lesson, exercise.id)
        if not args.again
        else max(progress.hints_seen(lesson, exercise.id), 1)
    )
    console.print(f"[bold]Lesson {lesson.nn} · {exercise.id}. {exercise.title}[/]")
    for number, text in enumerate(exercise.hints[:level], start=1):
        console.print(f"\n[bold cyan]Hint {number}/{len(exercise.hints)}[/] {text}")
    if level < len(exercise.hints):
        console.print(f"\n[dim]Still stuck? Run the same command again for hint {level + 1}.[/]")
    else:
        console.print(
            f"\n[dim]That was the last hint. The README section {exercise.id} has the full task; "
            f"`python -m course solution {lesson.nn}` shows the reference once the lesson passes.[/]"
        )
    return 0


def cmd_list(args) -> int:
    from rich.table import Table

    from course import progress

    marks = {
        "passed": "[green]✔ passed[/]",
        "failed": "[red]✘ failed[/]",
        "changed": "[yellow]~ edited since last check[/]",
        "unchecked": "[dim]· not checked[/]",
    }
    table = Table(title="Lessons", show_lines=False)
    for column in ("#", "lesson", "exercise", "points", "state"):
        table.add_column(column)
    for lesson in all_lessons():
        states = progress.state(lesson)
        for i, exercise in enumerate(lesson.exercises):
            table.add_row(
                lesson.nn if i == 0 else "",
                lesson.title if i == 0 else "",
                f"{exercise.id}. {exercise.title}",
                str(exercise.points),
                marks[states[exercise.id]],
            )
    _console().print(table)
    return 0


def cmd_progress(args) -> int:
    from course import progress

    console = _console()
    lessons = all_lessons()
    states_of = {lesson.slug: progress.state(lesson) for lesson in lessons}
    total = sum(lr.points for lr in lessons)
    done = sum(
        e.points for lr in lessons for e in lr.exercises if states_of[lr.slug][e.id] == "passed"
    )
    for lesson in lessons:
        states = states_of[lesson.slug]
        passed = sum(s == "passed" for s in states.values())
        line = " ".join(
            "[green]●[/]" if states[e.id] == "passed" else "[dim]○[/]" for e in lesson.exercises
        )
        console.print(f"{lesson.nn} {lesson.title:<45} {line}  {passed}/{len(states)}")
    filled = round(40 * done / max(total, 1))
    console.print(f"\n[green]{'█' * filled}[/][dim]{'░' * (40 - filled)}[/]")
    console.print(f"{done}/{total} points from passing exercises ({100 * done // max(total, 1)}%).")
    next_up = next(
        (lr for lr in lessons if any(s != "passed" for s in states_of[lr.slug].values())), None
    )
    if next_up:
        console.print(f"Next: lessons/{next_up.slug}/README.md, then `make check L={next_up.nn}`.")
    else:
        console.print("[bold green]Every lesson passes. Well done![/]")
    return 0


def cmd_reset(args) -> int:
    from course import starter

    console = _console()
    lesson = find_lesson(args.lesson)
    for name in lesson.learner_files:
        shown = f"lessons/{lesson.slug}/{name}"
        found = starter.pristine(lesson, name)
        if found is None:
            console.print(
                f"[red]Cannot find the starter of {shown} in git.[/] "
                "reset needs the course as a git clone; you can copy the file from the course's repository."
            )
            return 1
        if starter.is_starter(lesson, name, found[1]):
            console.print(f"{shown} is already the starter.")
            continue
        if not args.yes:
            if not sys.stdin.isatty():
                console.print(
                    "Refusing to overwrite your work without asking: run with --yes to confirm."
                )
                return 1
            answer = input(f"Replace {shown} with the starter? A backup is kept. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                console.print("Nothing changed.")
                return 1
        restored = starter.restore(lesson, name, found)
        if restored.backup:
            console.print(f"Your version is saved as {restored.backup.relative_to(ROOT)}.")
        console.print(f"{shown} is the starter again (from git {restored.ref}).")
    return 0


def cmd_solution(args) -> int:
    from rich.syntax import Syntax

    from course import progress
    from course.mistakes import mistakes_of

    console = _console()
    lesson = find_lesson(args.lesson)
    if not args.force and not progress.lesson_passed(lesson):
        console.print(
            f"Lesson {lesson.nn} does not pass yet (as of your last `check`). Try the hints first: "
            f"`make hint L={lesson.nn} E=E1`. To look anyway: python -m course solution {lesson.nn} --force"
        )
        return 1
    for name in lesson.learner_files:
        path = lesson.solution_folder / name
        console.print(f"[bold]solutions/{lesson.slug}/{name}[/]")
        console.print(Syntax(path.read_text(encoding="utf-8"), "python", line_numbers=True))
    mistakes = mistakes_of(lesson)
    if mistakes:
        console.print(
            f"[bold]Known mistakes the tests catch[/] (solutions/{lesson.slug}/mistakes/):"
        )
        for mistake in mistakes:
            console.print(f"  {mistake.name}: {mistake.summary}")
    return 0


def cmd_mistake(args) -> int:
    """Known mistakes for course authors: show, new, refresh (course/mistakes.py)."""
    from course.mistakes import MistakeError

    try:
        return _mistake(args)
    except (MistakeError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2


def _mistake(args) -> int:
    """Known mistakes (diffs of the reference learner file), or with --mutant, lesson 14's
    mutants (diffs of the module its tests exercise): the same three actions on both."""
    from pathlib import Path

    from course import mistakes, mutants
    from course.mistakes import mistakes_of
    from course.mutants import mutants_of

    lesson = find_lesson(args.lesson)
    kind = "mutant" if args.mutant else "mistake"
    patches = mutants_of(lesson) if args.mutant else mistakes_of(lesson)
    if args.action == "show":
        if not args.name:
            for patch in patches:
                print(f"{patch.name}: {patch.summary}")
            return 0
        found = [p for p in patches if p.name == args.name.removesuffix(".diff")]
        if not found:
            known = ", ".join(p.name for p in patches) or "none"
            print(
                f"Lesson {lesson.nn} has no {kind} {args.name!r}; it has: {known}.", file=sys.stderr
            )
            return 2
        if args.mutant:
            print(found[0].source(), end="")
            return 0
        for name, text in found[0].files().items():
            if len(lesson.learner_files) > 1:
                print(f"# ---- {name}")
            print(text, end="")
        return 0
    if args.action == "new":
        if not (args.name and args.source and args.says):
            flag = " --mutant" if args.mutant else ""
            print(
                f"usage: python -m course mistake new NN eN_what_goes_wrong{flag} --from "
                'EDITED_COPY --says "What goes wrong, in one sentence."',
                file=sys.stderr,
            )
            return 2
        variant = Path(args.source).read_text(encoding="utf-8")
        if args.mutant:
            path = mutants.write_mutant(lesson, args.name, variant, args.says)
        else:
            learner = {lesson.learner_files[0]: variant}
            path = mistakes.write_mistake(lesson, args.name, learner, args.says)
        print(f"Wrote {path.relative_to(ROOT)}; check it with `make test L={lesson.nn}`.")
        return 0
    if args.mutant:
        print(
            "refresh: rebuild a mutant with `mistake show NN NAME --mutant` and `new`.",
            file=sys.stderr,
        )
        return 2
    for line in mistakes.refresh(lesson, base=args.base) or ["every diff is up to date"]:
        print(line)
    return 0


def cmd_criteria(args) -> int:
    """Grade every known mistake of some lessons and show which criteria each one breaks."""
    from course.criteria import catchers, criteria
    from course.grading.batch import run_batch
    from course.mistakes import MistakeError, mistakes_of

    console = _console()
    lessons = [find_lesson(key) for key in args.lessons] if args.lessons else list(all_lessons())
    runs, names = [], []
    for lesson in lessons:
        for mistake in mistakes_of(lesson):
            try:
                mistake.files()
            except MistakeError as exc:
                console.print(f"[yellow]{mistake.describe()} does not apply, left out:[/] {exc}")
                continue
            runs.append(([lesson], mistake.target, "client", (mistake.exercise_id,)))
            names.append((lesson.slug, mistake.name))
    failed_by: dict[str, dict[str, set[str]]] = {lesson.slug: {} for lesson in lessons}
    for (slug, name), report in zip(names, run_batch(runs), strict=True):
        failed_by[slug][name] = report.failed_tests()
    missing = 0
    for lesson in lessons:
        console.print(f"\n[bold]{lesson.nn} {lesson.title}[/]")
        for criterion in criteria(lesson):
            caught = catchers(criterion, failed_by[lesson.slug])
            missing += not caught
            mark = "[green]✔[/]" if caught else "[red]✘[/]"
            by = ", ".join(caught) if caught else "no known mistake breaks it"
            console.print(f" {mark} {criterion.exercise_id} {criterion.short(70)}")
            console.print(f"      [dim]{by}[/]")
    console.print(f"\n{missing} criteria that no known mistake breaks.")
    return 1 if missing else 0


def cmd_mutation(args) -> int:
    """Mutation testing of the graded tests: the survivors each lesson has not named as free."""
    from course import mutation_testing

    console = _console()
    lessons = [find_lesson(key) for key in args.lessons] if args.lessons else list(all_lessons())
    started = time.perf_counter()
    outcomes = mutation_testing.run(lessons, jobs=args.jobs)
    bad = 0
    console.print("| lesson | variants | caught | free | untriaged | score |")
    console.print("|---|---:|---:|---:|---:|---:|")
    for o in outcomes:
        free = len(o.survivors) - len(o.untriaged)
        console.print(
            f"| {o.lesson.nn} | {o.total} | {o.total - len(o.survivors)} | {free} | "
            f"{len(o.untriaged)} | {o.score:.0%} |"
        )
    for o in outcomes:
        if not (o.untriaged or o.problems):
            continue
        bad += 1
        console.print(f"\n[bold]{o.lesson.nn} {o.lesson.title}[/]")
        for problem in o.problems:
            console.print(f"  [red]![/] {problem}")
        for variant in o.untriaged:
            console.print(
                f"  [red]survives[/] {variant.file}:{variant.line}  {variant.id}", soft_wrap=True
            )
    console.print(
        f"\n{sum(o.total for o in outcomes)} variants in {time.perf_counter() - started:.0f} s; "
        "a survivor is closed by a test, or named in "
        f"solutions/lNN_topic/{mutation_testing.SURVIVORS_FILE} with the text that frees it."
    )
    return 1 if bad else 0


def cmd_start(args) -> int:
    from course import server

    return server.start(host=args.host, port=args.port)


def cmd_serve(args) -> int:
    from course import server

    return server.serve(host=args.host, port=args.port, reload=not args.no_reload, prepare=True)


def cmd_notebook(args) -> int:
    from course import jupyter

    target = ROOT / "notebooks"
    if args.lesson:
        target = find_lesson(args.lesson).notebook
    # --no-browser forces it; otherwise Jupyter opens a browser only where there is one.
    open_browser = False if args.no_browser else None
    return jupyter.run(target, port=args.port, open_browser=open_browser, extra=args.jupyter_args)


def cmd_grade(args) -> int:
    from course import grading

    first, *rest = args.submissions
    if first == "merge" and (rest or not os.path.isdir(first)):
        if not rest:
            print(
                "grade merge needs the shard folders: grade merge DIR [DIR ...] --out OUT",
                file=sys.stderr,
            )
            return 2
        return grading.merge_main(rest, args.out, args.roster, args.missing)
    if rest:
        print(
            "grade takes one SUBMISSIONS folder (or: grade merge SHARD_DIR... --out DIR)",
            file=sys.stderr,
        )
        return 2
    args.submissions = first
    return grading.main(args)


def cmd_autograder(args) -> int:
    from course.grading import gradescope

    if args.action == "run":
        return gradescope.run()
    if args.action == "verify":
        return gradescope.verify()
    if args.action in ("classroom", "classroom-workflow"):
        return _classroom(args)
    from course.grading.command import GradingError, gradable_lessons

    try:
        lessons, _ = gradable_lessons(args.lessons or None)
    except GradingError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not lessons:
        print("There is no lesson with graded tests to put in an autograder.", file=sys.stderr)
        return 2
    if args.timeout <= 0:
        print("--timeout must be a positive number of seconds.", file=sys.stderr)
        return 2
    budget = args.budget or gradescope.BUDGET_SECONDS
    if budget < 2 * gradescope.STARTUP_SECONDS:
        print(f"--budget must be at least {2 * gradescope.STARTUP_SECONDS} s.", file=sys.stderr)
        return 2
    names = gradescope.build_zip(Path(args.out), lessons, args.visibility, args.timeout, budget)
    points = sum(lesson.points for lesson in lessons)
    per_lesson = gradescope.lesson_timeout(budget, len(lessons), args.timeout)
    print(
        f"Wrote {args.out}: a Gradescope autograder for lessons "
        f"{', '.join(lesson.nn for lesson in lessons)} ({points} points). "
        f"At its root: {', '.join(names)}. A run takes at most {budget:g} s "
        f"({per_lesson:g} s per lesson's test process)."
    )
    print(
        "Upload it on the assignment's Configure Autograder page with the Ubuntu 24.04 base "
        f"image, and an autograder timeout of at least {budget + 60:g} s (Gradescope's default "
        "is 600 s); students submit their checkout, their lesson folders, or one lesson's "
        "exercise.py."
    )
    return 0


def _classroom(args) -> int:
    """Print `eN=<result>` for every exercise of the lessons named (see course.grading.classroom);
    always 0 and every line, so the workflow's reporter step runs and says what failed."""
    from course import checking
    from course.grading import classroom

    if args.action == "classroom-workflow":
        from course.grading.command import GradingError, gradable_lessons

        try:
            lessons, _ = gradable_lessons(args.lessons or args.numbers or None)
        except GradingError as exc:
            print(exc, file=sys.stderr)
            return 2
        text = classroom.workflow(lessons)
        if args.out == "autograder.zip":  # the default is the Gradescope zip's: print instead
            sys.stdout.write(text)
        else:
            Path(args.out).write_text(text, encoding="utf-8")
            print(f"Wrote {args.out} for lessons {', '.join(x.nn for x in lessons)}.")
        return 0
    lessons = checking.lessons_from_args(args.numbers)
    return classroom.main(
        lessons,
        args.target,
        budget=args.budget or classroom.BUDGET_SECONDS,
        timeout=args.timeout,
        test_timeout=args.test_timeout,
    )


def _console_err():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def cmd_verify(args) -> int:
    import pytest

    os.chdir(ROOT)
    selection = ["tests/course", "tests/engine"]
    if args.lesson:  # that lesson's self-checks only; the engine's tests are about no lesson
        selection = ["tests/course", "-k", find_lesson(args.lesson).slug]
    if args.fast:
        selection += ["-m", "not slow"]
    return int(pytest.main([*selection, *args.pytest_args]))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m course", description="Learn Django REST framework, lesson by lesson."
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name, func, help):
        p = verbs.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    p = verb("start", cmd_start, "set up the database with demo data and serve the playground")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p = verb("serve", cmd_serve, "serve the playground (what start and the notebooks run)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-reload", action="store_true", help="do not restart on code changes")
    verb("list", cmd_list, "lessons and exercises with their state")
    verb("progress", cmd_progress, "your progress through the course")
    p = verb("check", cmd_check, "check your exercises (all lessons, or the ones named)")
    p.add_argument("lessons", nargs="*", metavar="NN")
    p.add_argument(
        "--target",
        default=os.environ.get(ENV_VAR, "lessons"),
        help="lessons (your work, the default), solutions, mistake:NN/NAME, or a folder; "
        "COURSE_TARGET sets the default",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p = verb("watch", cmd_watch, "re-check on every save")
    p.add_argument("lessons", nargs="*", metavar="NN")
    p = verb("hint", cmd_hint, "the next hint for an exercise, one level more each time")
    p.add_argument("lesson", metavar="NN")
    p.add_argument("exercise", metavar="EN")
    p.add_argument(
        "--again", action="store_true", help="repeat the hints seen so far without advancing"
    )
    p = verb("reset", cmd_reset, "put a lesson's starter back (asks first, keeps a backup)")
    p.add_argument("lesson", metavar="NN")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p = verb("solution", cmd_solution, "the reference solution, once the lesson passes")
    p.add_argument("lesson", metavar="NN")
    p.add_argument(
        "--force", action="store_true", help="show it even if the lesson does not pass yet"
    )
    p = verb(
        "mistake",
        cmd_mistake,
        "known mistakes (course authors): show NN [NAME], new NN NAME --from FILE --says TEXT, "
        "refresh NN [--base REV]",
    )
    p.add_argument("action", choices=["show", "new", "refresh"])
    p.add_argument("lesson", metavar="NN")
    p.add_argument("name", nargs="?", metavar="NAME", help="eN_what_goes_wrong")
    p.add_argument("--from", dest="source", metavar="FILE", help="an edited copy of the reference")
    p.add_argument("--says", metavar="TEXT", help="the mistake in one sentence")
    p.add_argument(
        "--mutant",
        action="store_true",
        help="a mutant of the lesson's tested module (lessons graded by mutation), not a mistake",
    )
    p.add_argument(
        "--base", default="HEAD", help="refresh: the git revision the diffs were made against"
    )
    p = verb(
        "criteria",
        cmd_criteria,
        "course authors: each acceptance criterion with the known mistakes that break it",
    )
    p.add_argument("lessons", nargs="*", metavar="NN")
    p = verb(
        "mutation",
        cmd_mutation,
        "course authors: mutation testing of the graded tests (each reference changed one "
        "small step at a time)",
    )
    p.add_argument("lessons", nargs="*", metavar="NN")
    p.add_argument("--jobs", type=int, help="variants graded at once (default: the cores)")
    p = verb(
        "notebook",
        cmd_notebook,
        "open Jupyter on the notebooks (further --options, e.g. --ip=0.0.0.0, go to Jupyter)",
    )
    p.add_argument("lesson", nargs="?", metavar="NN")
    p.add_argument(
        "--port",
        type=int,
        default=8888,
        help="the port to try first (default 8888); when it is taken Jupyter takes the next free one",
    )
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="only print the URL (the default where no browser is found)",
    )
    p = verb(
        "grade",
        cmd_grade,
        "grade a class of submissions; `grade merge SHARD_DIR... --out DIR` joins shards",
    )
    p.add_argument(
        "submissions",
        nargs="+",
        metavar="SUBMISSIONS",
        help="a folder with one folder or zip per student, or a platform's download as it came "
        "(Canvas's submissions.zip, Moodle's zip, a GitHub Classroom clone, or the folder a zip "
        "was unpacked to); or: merge SHARD_DIR...",
    )
    p.add_argument(
        "--out", default="grading-out", help="where to write results (default: grading-out)"
    )
    p.add_argument(
        "--jobs",
        type=int,
        help="submissions graded at once (default: the cores this process may use)",
    )
    p.add_argument(
        "--shard",
        metavar="K/N",
        help="grade only slice K of N (every Nth student); join the N outputs with grade merge",
    )
    p.add_argument(
        "--lessons",
        action="extend",
        type=lambda text: [part for part in text.split(",") if part.strip()],
        metavar="NN[,NN...]",
        help="grade only these lessons, e.g. 01,02 (default: every lesson with graded tests)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds allowed per test process: one lesson of a submission, or with "
        "--no-dedup the whole submission (default 120)",
    )
    p.add_argument(
        "--roster",
        metavar="ROSTER.csv",
        help="the roster your platform exports (Canvas's gradebook export, Moodle's grading "
        "worksheet, GitHub Classroom's roster) or any CSV with a Submission column: also writes "
        "that platform's gradebook file (canvas.csv, moodle.csv) and gradebook.csv",
    )
    p.add_argument(
        "--missing",
        choices=["omit", "zero", "blank"],
        default="omit",
        help="what a roster student without a submission gets in canvas.csv and moodle.csv: "
        "omit (leave their row out, the default: the platform keeps what it has), zero, or "
        "blank (Canvas then removes a grade it has)",
    )
    p.add_argument(
        "--no-dedup",
        action="store_true",
        help="grade each submission's lessons together in one process, and grade identical "
        "lesson files again for every student (the default grades each lesson apart, and "
        "each distinct lesson file once)",
    )
    p.add_argument(
        "--test-timeout",
        type=float,
        default=10.0,
        help="seconds allowed per test (default 10): a test that loops fails alone",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=1024,
        help="MiB of address space per submission (enforced on Linux; 0: no limit)",
    )
    p.add_argument(
        "--runner",
        choices=["auto", "fork", "subprocess"],
        default="auto",
        help="fork from a warm parent (Linux; the default there) or a fresh process each",
    )
    p = verb(
        "autograder",
        cmd_autograder,
        "build a Gradescope autograder zip (`autograder gradescope --out PATH.zip`); print "
        "GitHub Classroom's results for some lessons (`autograder classroom NN`) or its "
        "workflow (`autograder classroom-workflow --lessons 01,02 [--out FILE]`); "
        "`autograder run` and `autograder verify` are what the zip's scripts call",
    )
    p.add_argument(
        "action", choices=["gradescope", "classroom", "classroom-workflow", "run", "verify"]
    )
    p.add_argument(
        "numbers",
        nargs="*",
        metavar="NN",
        help="classroom: the lessons to grade (default: all); prints each exercise's result",
    )
    p.add_argument(
        "--target",
        default=os.environ.get(ENV_VAR, "lessons"),
        help="classroom: whose files to grade (as for check; default lessons, or COURSE_TARGET)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=None,
        help="classroom: seconds for the whole step (default 240); gradescope: seconds for the "
        "whole run, kept below Gradescope's timeout (default 540)",
    )
    p.add_argument(
        "--test-timeout",
        type=float,
        default=10.0,
        help="classroom: seconds per test (default 10)",
    )
    p.add_argument("--out", default="autograder.zip", help="the zip to write (gradescope)")
    p.add_argument(
        "--lessons",
        action="extend",
        type=lambda text: [part for part in text.split(",") if part.strip()],
        metavar="NN[,NN...]",
        help="the lessons the assignment grades, e.g. 03 (default: every lesson with tests)",
    )
    p.add_argument(
        "--visibility",
        choices=["visible", "after_due_date", "after_published", "hidden"],
        default="visible",
        help="when students see each exercise's result (Gradescope's visibility; default visible)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds allowed per test process, one lesson of a submission (default 60; "
        "within the budget)",
    )
    p = verb(
        "verify",
        cmd_verify,
        "the course's own integrity checks and engine tests (extra arguments go to pytest)",
    )
    p.add_argument("--lesson", metavar="NN", help="only this lesson's self-checks")
    p.add_argument(
        "--fast",
        action="store_true",
        help="leave out the slow checks (notebooks, live HTTP, whole-class grading)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.verb not in ("verify", "notebook"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = args.jupyter_args = extra
    try:
        return args.func(args)
    except LookupError as exc:  # an unknown lesson or exercise
        print(exc.args[0] if exc.args else exc, file=sys.stderr)
        return 2
