"""Show a CheckReport: in the terminal (rich) for `check`, as Markdown for graded feedback.

Both say the same thing in the same order: per exercise, pass, or the first failure's
message and the command for a hint.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from course.checking import CheckReport, hint_command


def _points(value: float) -> str:
    return f"{value:g}"


def print_report(report: CheckReport, console: Console | None = None) -> None:
    console = console or Console()
    if report.error:
        console.print(f"[bold red]The check could not run.[/] {escape(report.error)}")
        return
    for result in report.lessons:
        lesson = result.lesson
        console.print(
            f"\n[bold]Lesson {lesson.nn} · {escape(lesson.title)}[/]  [dim]lessons/{lesson.slug}/[/]"
        )
        if result.load_error:
            console.print(f"  [bold red]✘ Your code does not load.[/] {escape(result.load_error)}")
        table = Table(show_header=False, box=None, padding=(0, 1), pad_edge=False)
        table.add_column(width=1)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        table.add_column(justify="right", no_wrap=True)
        for ex in result.exercises:
            mark = "[green]✔[/]" if ex.passed else "[red]✘[/]"
            score = f"{_points(ex.earned)}/{ex.exercise.points}"
            table.add_row(mark, f"[bold]{ex.exercise.id}[/]", escape(ex.exercise.title), score)
            failure = ex.first_failure
            if failure and not result.load_error:
                passed = sum(t.passed for t in ex.tests)
                table.add_row("", "", f"[red]{escape(failure.message or failure.status)}[/]", "")
                table.add_row(
                    "",
                    "",
                    f"[dim]{passed} of {len(ex.tests)} tests pass · hint: {escape(hint_command(lesson, ex.exercise))}[/]",
                    "",
                )
            elif not ex.tests:
                table.add_row("", "", "[yellow]no graded test ran for this exercise[/]", "")
        console.print(table)
        verdict = "[bold green]lesson passed[/]" if result.passed else "keep going"
        console.print(f"  Score {_points(result.earned)}/{lesson.points} · {verdict}")
    if len(report.lessons) > 1:
        console.print(f"\n[bold]Total {_points(report.earned)}/{report.possible}[/]")
    console.print(f"[dim]checked {report.target} in {report.duration:.1f} s[/]")


def markdown(report: CheckReport, title: str | None = None) -> str:
    """The same content as print_report, as Markdown (graded feedback, notebooks)."""
    lines = [f"# {title}" if title else "# Check results", ""]
    if report.error:
        return "\n".join([*lines, f"The check could not run: {report.error}", ""])
    for result in report.lessons:
        lesson = result.lesson
        lines += [
            f"## Lesson {lesson.nn}: {lesson.title} ({_points(result.earned)}/{lesson.points})",
            "",
        ]
        if result.load_error:
            lines += ["**Your code does not load.**", "", "```", result.load_error, "```", ""]
        for ex in result.exercises:
            mark = "✔" if ex.passed else "✘"
            lines.append(
                f"- {mark} **{ex.exercise.id}. {ex.exercise.title}**: {_points(ex.earned)}/{ex.exercise.points}"
            )
            failure = ex.first_failure
            if failure and not result.load_error:
                passed = sum(t.passed for t in ex.tests)
                lines += [
                    f"  - {passed} of {len(ex.tests)} tests pass. First failure, `{failure.name}`:",
                    f"    > {(failure.message or failure.status).replace(chr(10), ' ')}",
                    f"  - Hint: `{hint_command(lesson, ex.exercise)}`",
                ]
        lines.append("")
    lines.append(f"**Total: {_points(report.earned)}/{report.possible}**")
    return "\n".join(lines) + "\n"
