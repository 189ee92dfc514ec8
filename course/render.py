"""Show check results: in the terminal (rich), as Markdown (graded feedback) or HTML (notebooks).

Every renderer reads the same data, `CheckReport.to_json()`, and says the same things in the
same order: per exercise, pass, or the first failure's message and the command for a hint.
"""

from __future__ import annotations

import html as htmllib

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _points(value: float) -> str:
    return f"{value:g}"


def _failure(exercise: dict) -> dict | None:
    return next((t for t in exercise["tests"] if t["status"] != "pass"), None)


def _passed_count(exercise: dict) -> str:
    return f"{sum(t['status'] == 'pass' for t in exercise['tests'])} of {len(exercise['tests'])} tests pass"


def print_report(data: dict, console: Console | None = None) -> None:
    console = console or Console()
    if data.get("error"):
        console.print(f"[bold red]The check could not run.[/] {escape(data['error'])}")
        return
    for lesson in data["lessons"]:
        console.print(
            f"\n[bold]Lesson {lesson['number']:02d} · {escape(lesson['title'])}[/]  [dim]lessons/{lesson['slug']}/[/]"
        )
        if lesson["load_error"]:
            console.print(
                f"  [bold red]✘ Your code does not load.[/] {escape(lesson['load_error'])}"
            )
        table = Table(show_header=False, box=None, padding=(0, 1), pad_edge=False)
        table.add_column(width=1)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        table.add_column(justify="right", no_wrap=True)
        for ex in lesson["exercises"]:
            passed = ex["status"] == "pass"
            mark = "[green]✔[/]" if passed else "[red]✘[/]"
            table.add_row(
                mark,
                f"[bold]{ex['id']}[/]",
                escape(ex["title"]),
                f"{_points(ex['earned'])}/{ex['points']}",
            )
            if not ex["tests"]:
                table.add_row("", "", "[yellow]no graded test ran for this exercise[/]", "")
            elif not passed and not lesson["load_error"]:
                table.add_row("", "", f"[red]{escape(ex['message'] or '')}[/]", "")
                table.add_row(
                    "", "", f"[dim]{_passed_count(ex)} · hint: {escape(ex['hint'])}[/]", ""
                )
        console.print(table)
        done = all(ex["status"] == "pass" for ex in lesson["exercises"])
        verdict = "[bold green]lesson passed[/]" if done else "keep going"
        console.print(f"  Score {_points(lesson['earned'])}/{lesson['possible']} · {verdict}")
    if len(data["lessons"]) > 1:
        console.print(f"\n[bold]Total {_points(data['earned'])}/{data['possible']}[/]")
    console.print(f"[dim]checked {data['target']} in {data['duration']:.1f} s[/]")


def markdown(data: dict, title: str | None = None) -> str:
    """The same content as print_report, as Markdown (graded feedback; a notebook's plain text)."""
    lines = [f"# {title}" if title else "# Check results", ""]
    if data.get("error"):
        return "\n".join([*lines, f"The check could not run: {data['error']}", ""])
    for lesson in data["lessons"]:
        lines += [
            f"## Lesson {lesson['number']:02d}: {lesson['title']} ({_points(lesson['earned'])}/{lesson['possible']})",
            "",
        ]
        if lesson["load_error"]:
            lines += ["**Your code does not load.**", "", "```", lesson["load_error"], "```", ""]
        for ex in lesson["exercises"]:
            passed = ex["status"] == "pass"
            lines.append(
                f"- {'✔' if passed else '✘'} **{ex['id']}. {ex['title']}**: {_points(ex['earned'])}/{ex['points']}"
            )
            failure = _failure(ex)
            if failure and not lesson["load_error"]:
                message = (failure["message"] or failure["status"]).replace("\n", " ")
                lines += [
                    f"  - {_passed_count(ex)}. First failure, `{failure['name']}`:",
                    f"    > {message}",
                    f"  - Hint: `{ex['hint']}`",
                ]
        lines.append("")
    lines.append(f"**Total: {_points(data['earned'])}/{data['possible']}**")
    return "\n".join(lines) + "\n"


def html(data: dict) -> str:
    """The same content as an HTML table per lesson (a notebook's check cell)."""
    esc = htmllib.escape
    cell = 'style="text-align:left;vertical-align:top"'
    pre = 'style="white-space:pre-wrap;margin:0;font-size:90%"'
    if data.get("error"):
        return f"<p><b>The check could not run.</b></p><pre {pre}>{esc(data['error'])}</pre>"
    parts = []
    for lesson in data["lessons"]:
        parts.append(
            f"<p><b>Lesson {lesson['number']:02d} · {esc(lesson['title'])}</b>: "
            f"{_points(lesson['earned'])}/{lesson['possible']} points</p>"
        )
        if lesson["load_error"]:
            parts.append(
                '<p style="color:#b00020"><b>Your code does not load, so every exercise fails:</b></p>'
                f"<pre {pre}>{esc(lesson['load_error'])}</pre>"
            )
        rows = []
        for ex in lesson["exercises"]:
            passed = ex["status"] == "pass"
            verdict = (
                '<span style="color:#1b7f3b">✔ pass</span>'
                if passed
                else '<span style="color:#b00020">✘ fail</span>'
            )
            message = "" if passed else f"<pre {pre}>{esc(ex['message'] or '')}</pre>"
            hint = "" if passed else f"<code>{esc(ex['hint'])}</code>"
            rows.append(
                f"<tr><td {cell}><b>{esc(ex['id'])}</b></td><td {cell}>{esc(ex['title'])}</td>"
                f"<td {cell}>{verdict}</td><td {cell}>{_points(ex['earned'])}/{ex['points']}</td>"
                f"<td {cell}>{message}</td><td {cell}>{hint}</td></tr>"
            )
        head = "".join(
            f"<th {cell}>{name}</th>"
            for name in ("", "Exercise", "Result", "Points", "First failure", "Hint")
        )
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return "\n".join(parts)
