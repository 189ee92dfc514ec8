"""The grader's outputs, and joining the outputs of several shards into one.

Per student: results/<slug>.json, feedback/<slug>.md and gradescope/<slug>.json (Gradescope's
results.json shape, results_json() below). For the class: grades.csv,
report.html and grading.json (what was graded, how, and by which shard), all built from the
per-student JSON records alone, so that `grade merge` only has to read results/*.json.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import shutil
import statistics
import time
from pathlib import Path

from course import ROOT
from course.grading.flags import is_tampering
from course.grading.results import StudentResult, column
from course.manifest import Lesson, find_lesson

META = "grading.json"


class MergeError(ValueError):
    """Shard outputs that cannot be joined; the message says which and why."""


def course_digest(lessons: list[Lesson]) -> str:
    """A hash of what decides a grade: the manifests, the graded tests and their fixtures."""
    digest = hashlib.sha256()
    files = [ROOT / "tests" / "lessons" / "conftest.py", ROOT / "course" / "pytest_plugin.py"]
    for lesson in lessons:
        files += [lesson.folder / "lesson.toml", lesson.test_file]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()[:16]


def write_outputs(
    results: list[StudentResult], out: Path, reference: StudentResult | None, meta: dict
) -> None:
    """Per student results/<slug>.json and feedback/<slug>.md, then the class-wide files."""
    for folder in ("results", "feedback", "gradescope"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    records = []
    for result in results:
        record = result.to_json()
        feedback = result.feedback()
        _write_json(out / "results" / f"{result.slug}.json", record)
        (out / "feedback" / f"{result.slug}.md").write_text(feedback, encoding="utf-8")
        _write_json(out / "gradescope" / f"{result.slug}.json", results_json(record, feedback))
        records.append(record)
    meta = {
        **meta,
        "students": [r.slug for r in results],
        "late": [r.name for r in results if r.late],  # as the platform marked them; no penalty
    }
    if reference is not None:
        meta["reference"] = {
            k: v for k, v in reference.to_json().items() if k not in ("tests", "output")
        }
    _write_json(out / META, meta)
    write_class_outputs(records, out, meta)


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_class_outputs(records: list[dict], out: Path, meta: dict) -> None:
    """grades.csv and report.html from the per-student JSON records alone."""
    out.mkdir(parents=True, exist_ok=True)
    lessons = [find_lesson(slug) for slug in meta["lessons"]]
    columns = [column(lesson, ex) for lesson in lessons for ex in lesson.exercises]
    with (out / "grades.csv").open("w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink)
        writer.writerow(
            ["student", *columns, "total", "possible", "percent", "status", "late", "flags"]
        )
        for record in records:
            scores = record["exercises"]
            writer.writerow(
                [
                    _csv_safe(record["student"]),
                    *(f"{scores.get(c, {}).get('earned', 0):g}" for c in columns),
                    f"{record['points']:g}",
                    record["max_points"],
                    f"{record['percent']:.1f}",
                    record["status"],
                    "late" if record.get("late") else "",
                    _csv_safe("; ".join(record["flags"])),
                ]
            )
    (out / "report.html").write_text(report_html(records, lessons, meta), encoding="utf-8")


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas: a name like =HYPERLINK(...) stays text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ----------------------------------------------------------------------------- merging


def merge(shards: list[Path], out: Path) -> tuple[list[dict], dict]:
    """Join the outputs of the N shards of one class into `out`; MergeError if they do not fit.

    Every shard 1..N must be there exactly once, graded against the same course (the same
    manifests and graded tests) and the same lessons, and no student may be in two shards.
    """
    metas = []
    for folder in shards:
        path = Path(folder) / META
        try:
            metas.append((Path(folder), json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            raise MergeError(
                f"{folder} is not the output of `course grade` ({path}: {exc})."
            ) from None
    counts = {tuple(meta.get("shard") or (1, 1))[1] for _, meta in metas}
    if len(counts) != 1:
        raise MergeError(f"The shards do not agree on how many there are: {sorted(counts)}.")
    (total,) = counts
    numbers = sorted(tuple(meta.get("shard") or (1, 1))[0] for _, meta in metas)
    if numbers != list(range(1, total + 1)):
        missing = sorted(set(range(1, total + 1)) - set(numbers))
        twice = sorted({n for n in numbers if numbers.count(n) > 1})
        raise MergeError(
            f"Expected shards 1..{total} once each; missing {missing or 'none'}, "
            f"given twice {twice or 'none'}."
        )
    for key, what in (
        ("course_digest", "course (manifests and graded tests)"),
        ("lessons", "lessons"),
    ):
        values = {json.dumps(meta.get(key)) for _, meta in metas}
        if len(values) != 1:
            raise MergeError(f"The shards were graded against different {what}: {sorted(values)}.")
    for folder in ("results", "feedback", "gradescope"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    records, seen = [], {}
    for folder, meta in sorted(metas, key=lambda item: item[1].get("shard") or (1, 1)):
        for slug in meta.get("students", []):
            if slug in seen:
                raise MergeError(f"{slug} was graded by two shards ({seen[slug]} and {folder}).")
            seen[slug] = folder
            source = folder / "results" / f"{slug}.json"
            try:
                record = json.loads(source.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise MergeError(f"{source} cannot be read: {exc}") from None
            shutil.copyfile(source, out / "results" / f"{slug}.json")
            for kind, suffix in (("feedback", ".md"), ("gradescope", ".json")):
                source = folder / kind / f"{slug}{suffix}"
                if source.is_file():
                    shutil.copyfile(source, out / kind / f"{slug}{suffix}")
            records.append(record)
    records.sort(key=lambda r: (r["student"], r["file"]))
    first = metas[0][1]
    merged = {
        **{k: first.get(k) for k in ("version", "lessons", "course_digest", "reference")},
        "shard": None,
        "merged_from": total,
        "runner": sorted({str(m.get("runner")) for _, m in metas}),
        "jobs": sum(int(m.get("jobs") or 0) for _, m in metas),
        "seconds": max(float(m.get("seconds") or 0) for _, m in metas),
        "created": time.strftime("%Y-%m-%d %H:%M"),
        "students": [r["file"] for r in records],
        "late": [r["student"] for r in records if r.get("late")],
    }
    _write_json(out / META, merged)
    write_class_outputs(records, out, merged)
    return records, merged


# ----------------------------------------------------------------------------- the page

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:68rem;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{padding:.25rem .5rem;text-align:left;
border-bottom:1px solid #eee;vertical-align:top}th{background:#f6f6f6}
.num{text-align:right;white-space:nowrap}.bar{background:#eee;width:10rem;height:.8rem}
.bar>div{background:#3a7;height:100%}.pass{color:#185}.fail{color:#a60}.error{color:#b22}
.tamper{color:#b22;font-weight:600}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;
padding:.5rem 1rem}.card b{display:block;font-size:1.4rem}pre{white-space:pre-wrap;margin:0;
font-size:12px;max-height:8rem;overflow:auto}.muted{color:#777}
"""


def report_html(records: list[dict], lessons: list[Lesson], meta: dict) -> str:
    """The class at a glance, one self-contained page; every student-made string escaped."""
    e = html.escape
    percents = [r["percent"] for r in records]
    count = len(records)
    errors = [r for r in records if r["status"] == "error"]
    flagged = [r for r in records if r["flags"]]
    tampering = [r for r in flagged if is_tampering(r["flags"])]
    cards = [
        ("students", str(count)),
        ("mean", f"{statistics.fmean(percents):.1f}%" if percents else "-"),
        ("median", f"{statistics.median(percents):.1f}%" if percents else "-"),
        ("all passed", str(sum(r["status"] == "pass" for r in records))),
        ("errors", str(len(errors))),
        ("flagged", str(len(flagged))),
        ("tampering", str(len(tampering))),
    ]
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>Class report</title><style>" + _CSS + "</style></head><body>",
        "<h1>Class report</h1>",
        f"<p class=muted>{e(_provenance(meta, lessons))}</p>",
        "<div class=cards>"
        + "".join(f"<div class=card><b>{e(v)}</b>{e(k)}</div>" for k, v in cards)
        + "</div>",
        "<h2>Score distribution</h2>",
        _histogram(percents),
        "<h2>Lessons</h2>",
        _lesson_table(records, lessons),
        "<h2>Exercises, most failed first</h2>",
        "<p class=muted>Among all submissions: one with an error passes none.</p>",
        _exercise_table(records, lessons),
        "<h2>Tests, most failed first</h2>",
        "<p class=muted>Among the submissions whose tests ran to the end.</p>",
        _test_table(records),
        "<h2>Flagged for review</h2>",
        "<p class=muted><b class=tamper>tampering</b>: what the test process saw and refused, "
        "or found changed; <b>review</b>: words in the code worth a look.</p>",
        _table(
            ["student", "status", "flags"],
            [
                (e(r["student"]), _status(r["status"]), _flag_list(r["flags"]))
                for r in sorted(flagged, key=lambda r: (not is_tampering(r["flags"]), r["student"]))
            ],
        ),
        "<h2>Submissions with errors</h2>",
        _table(
            ["student", "message"],
            [(e(r["student"]), f"<pre>{e(r['message'] or '')}</pre>") for r in errors],
        ),
        "<h2>Slowest submissions</h2>",
        _table(
            ["student", "seconds", "status"],
            [
                (e(r["student"]), f"{r['duration']:.1f}", _status(r["status"]))
                for r in sorted(records, key=lambda r: -r["duration"])[:10]
            ],
        ),
        "<h2>All students</h2>",
        _table(
            ["student", "points", "percent", "status", "flags"],
            [
                (
                    e(r["student"]),
                    f"{r['points']:g}/{r['max_points']}",
                    f"{r['percent']:.1f}%",
                    _status(r["status"]),
                    _flag_list(r["flags"]),
                )
                for r in records
            ],
        ),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _provenance(meta: dict, lessons: list[Lesson]) -> str:
    words = [f"Generated {meta.get('created') or time.strftime('%Y-%m-%d %H:%M')}."]
    words.append("Lessons " + ", ".join(lesson.nn for lesson in lessons) + ".")
    reference = meta.get("reference")
    if reference:
        words.append(f"Reference solutions: {reference['points']:g}/{reference['max_points']}.")
    if meta.get("merged_from"):
        words.append(f"Merged from {meta['merged_from']} shards.")
    elif meta.get("shard"):
        words.append(f"Shard {meta['shard'][0]} of {meta['shard'][1]}.")
    if meta.get("seconds"):
        runner = meta.get("runner")
        runner = ", ".join(runner) if isinstance(runner, list) else runner
        words.append(f"Graded in {meta['seconds']:.0f} s ({runner}, {meta.get('jobs')} jobs).")
    return " ".join(words)


def _status(status: str) -> str:
    return f"<span class={html.escape(status)}>{html.escape(status)}</span>"


def _flag_list(flags: list[str]) -> str:
    return "<br>".join(
        f"<span class=tamper>{html.escape(f)}</span>"
        if f.startswith("tampering:")
        else html.escape(f)
        for f in flags
    )


def _table(headers: list[str], rows: list[tuple]) -> str:
    if not rows:
        return "<p class=muted>None.</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _rate_cells(passed: int, total: int) -> tuple[str, str]:
    share = passed / total if total else 0.0
    bar = f"<div class=bar><div style='width:{100 * share:.0f}%'></div></div>"
    return f"{passed}/{total} ({100 * share:.0f}%)", bar


def _lesson_table(records: list[dict], lessons: list[Lesson]) -> str:
    rows = []
    for lesson in lessons:
        columns = [column(lesson, ex) for ex in lesson.exercises]
        earned = [sum(r["exercises"].get(c, {}).get("earned", 0) for c in columns) for r in records]
        passed = sum(all(r["exercises"].get(c, {}).get("passed") for c in columns) for r in records)
        mean = statistics.fmean(earned) if earned else 0.0
        rows.append(
            (
                html.escape(f"{lesson.nn} {lesson.title}"),
                f"{mean:.1f}/{lesson.points}",
                *_rate_cells(passed, len(records)),
            )
        )
    return _table(["lesson", "mean points", "passed whole", ""], rows)


def _exercise_table(records: list[dict], lessons: list[Lesson]) -> str:
    rows = []
    for lesson in lessons:
        for ex in lesson.exercises:
            key = column(lesson, ex)
            passed = sum(r["exercises"].get(key, {}).get("passed", False) for r in records)
            rate = passed / len(records) if records else 0.0
            rows.append((rate, key, ex.title, passed))
    rows.sort(key=lambda row: (row[0], row[1]))
    return _table(
        ["exercise", "title", "passed", ""],
        [
            (html.escape(key), html.escape(title), *_rate_cells(passed, len(records)))
            for _, key, title, passed in rows
        ],
    )


def _test_table(records: list[dict]) -> str:
    counts: dict[tuple[str, str], list[int]] = {}
    for record in records:
        for test in record["tests"]:
            tally = counts.setdefault((test["exercise"], test["name"]), [0, 0])
            tally[0] += test["status"] == "pass"
            tally[1] += 1
    rows = sorted(counts.items(), key=lambda item: (item[1][0] / item[1][1], item[0]))
    return _table(
        ["exercise", "test", "passed", ""],
        [
            (html.escape(exercise), html.escape(name), *_rate_cells(passed, ran))
            for (exercise, name), (passed, ran) in rows
        ],
    )


def _histogram(percents: list[float]) -> str:
    """Ten bars of ten percent each (100 % in the last), as inline SVG."""
    bins = [0] * 10
    for value in percents:
        bins[min(int(value // 10), 9)] += 1
    tallest = max(bins) or 1
    width, height, gap = 44, 120, 6
    bars = []
    for i, n in enumerate(bins):
        h = height * n / tallest
        x = i * (width + gap)
        bars.append(
            f"<rect x={x} y={height - h + 16:.1f} width={width} height={h:.1f} fill='#3a7'>"
            f"<title>{n} students scored {i * 10}–{100 if i == 9 else i * 10 + 9}%</title></rect>"
            f"<text x={x + width / 2} y={height - h + 12:.1f} text-anchor=middle font-size=12>"
            f"{n or ''}</text>"
            f"<text x={x + width / 2} y={height + 32} text-anchor=middle font-size=11>"
            f"{i * 10}–{100 if i == 9 else i * 10 + 9}%</text>"
        )
    total_width = 10 * (width + gap)
    return (
        f"<svg role=img aria-label='histogram of percent scores' width={total_width} "
        f"height={height + 40} xmlns='http://www.w3.org/2000/svg'>{''.join(bars)}</svg>"
    )


# --------------------------------------------------------------------------- Gradescope's results.json


def results_json(record: dict, feedback: str, visibility: str = "visible") -> dict:
    """Gradescope's results.json for one graded student, from `course grade`'s record.

    One test per exercise, numbered like the CSV columns (03.E2), worth the manifest's points
    and earning what the grader gave; its output lists each graded test's verdict. The
    top-level output is the student's feedback (what `make check` shows), in Markdown.
    """
    by_exercise: dict[str, list[dict]] = {}
    for test in record["tests"]:
        by_exercise.setdefault(test["exercise"], []).append(test)
    load_errors = record.get("load_errors") or {}
    tests = []
    for slug in record["lessons"]:
        lesson = find_lesson(slug)
        for exercise in lesson.exercises:
            number = f"{lesson.nn}.{exercise.id}"
            score = record["exercises"].get(number, {})
            earned = float(score.get("earned", 0.0))
            passed = bool(score.get("passed"))
            tests.append(
                {
                    "name": f"Lesson {lesson.nn} {exercise.id}. {exercise.title}",
                    "number": number,
                    "score": earned,
                    "max_score": float(exercise.points),
                    "status": "passed" if passed else "failed",
                    "output": _exercise_output(
                        by_exercise.get(number, []),
                        load_errors.get(slug),
                        record["message"] if record["status"] == "error" else None,
                    ),
                    "output_format": "md",
                    "visibility": visibility,
                }
            )
    return {
        "score": float(record["points"]),
        "execution_time": round(float(record.get("duration") or 0.0), 1),
        "output": feedback,
        "output_format": "md",
        "visibility": visibility,
        "tests": tests,
        "extra_data": {
            "status": record["status"],
            "flags": record.get("flags", []),
            "loaded_files": record.get("loaded_files", {}),
        },
    }


def _exercise_output(tests: list[dict], load_error: str | None, error: str | None) -> str:
    if error:
        return f"Not graded: {error}"
    lines = []
    if load_error:
        lines += [f"**Your code does not load.** {load_error}", ""]
    if not tests:
        return "\n".join(lines) or "No graded test ran."
    passed = sum(test["status"] == "pass" for test in tests)
    lines.append(f"{passed} of {len(tests)} tests pass.")
    lines.append("")
    for test in tests:
        if test["status"] == "pass":
            lines.append(f"- ✔ `{test['name']}`")
        else:
            message = (test.get("message") or test["status"]).strip().replace("\n", "\n  ")
            lines.append(f"- ✘ `{test['name']}`: {message}")
    return "\n".join(lines)
