"""`grade --shard K/N` and `grade merge`: N jobs grade slices of a class, one merge joins them."""

import csv
import json
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from course import cli, grading
from course.mistakes import find_mistake

from .conftest import LESSON, SOLUTION, STARTER

pytestmark = pytest.mark.slow  # a whole class graded: left out of make test-fast

MISTAKE = find_mistake("01/e2_patch_without_partial").files()["exercise.py"]
EXERCISE = f"lessons/{LESSON.slug}/exercise.py"
# bob fails 1 of the 12 tests of E2 (4 points): 10 - 4/12, rounded to 9.67.
EXPECTED = {"alice": 10.0, "bob": 9.67, "carol": 0.0, "dave": 10.0}


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    base = tmp_path_factory.mktemp("shards")
    submissions = base / "class"
    for name, source in (
        ("alice", SOLUTION.read_text(encoding="utf-8")),
        ("bob", MISTAKE),
        ("carol", STARTER.read_text(encoding="utf-8")),
    ):
        (submissions / name / LESSON.slug).mkdir(parents=True)
        (submissions / name / LESSON.slug / "exercise.py").write_text(source, encoding="utf-8")
    with zipfile.ZipFile(submissions / "dave.zip", "w") as archive:
        archive.write(SOLUTION, f"dave-main/{EXERCISE}")

    def grade(k):
        out = base / f"out-{k}"
        grading.grade(submissions, out, jobs=1, lessons=[LESSON.nn], shard=(k, 2))
        return out

    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(grade, (1, 2)))
    return base, outs


def rows(folder):
    with (folder / "grades.csv").open(encoding="utf-8", newline="") as source:
        return {row["student"]: row for row in csv.DictReader(source)}


def test_each_shard_grades_every_other_student(shards):
    _, (first, second) = shards
    assert sorted(rows(first)) == ["alice", "carol"]
    assert sorted(rows(second)) == ["bob", "dave"]
    meta = json.loads((second / "grading.json").read_text(encoding="utf-8"))
    assert meta["shard"] == [2, 2] and meta["students"] == ["bob", "dave"]
    assert meta["lessons"] == [LESSON.slug] and meta["reference"]["points"] == LESSON.points


def test_merge_joins_the_shards_into_one_class(shards, capsys):
    base, outs = shards
    merged = base / "merged"
    assert cli.main(["grade", "merge", *map(str, outs), "--out", str(merged)]) == 0
    assert "Merged 2 shards: 4 students" in capsys.readouterr().out
    table = rows(merged)
    assert list(table) == sorted(EXPECTED)
    assert {name: float(row["total"]) for name, row in table.items()} == EXPECTED
    for name in EXPECTED:
        shard = next(out for out in outs if (out / "results" / f"{name}.json").exists())
        assert (merged / "results" / f"{name}.json").read_bytes() == (
            shard / "results" / f"{name}.json"
        ).read_bytes()
        assert (merged / "feedback" / f"{name}.md").is_file()
    page = (merged / "report.html").read_text(encoding="utf-8")
    assert "Merged from 2 shards" in page
    meta = json.loads((merged / "grading.json").read_text(encoding="utf-8"))
    assert meta["merged_from"] == 2 and meta["students"] == sorted(EXPECTED)


def test_merge_refuses_shards_that_do_not_fit(shards, tmp_path):
    _, (first, second) = shards
    with pytest.raises(grading.MergeError, match=r"missing \[2\]"):
        grading.merge([first], tmp_path / "a")
    with pytest.raises(grading.MergeError, match=r"given twice \[1\]"):
        grading.merge([first, first, second], tmp_path / "b")
    other = tmp_path / "other"
    shutil.copytree(second, other)
    meta = json.loads((other / "grading.json").read_text(encoding="utf-8"))
    meta["course_digest"] = "0" * 16
    (other / "grading.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(grading.MergeError, match="different course"):
        grading.merge([first, other], tmp_path / "c")
    with pytest.raises(grading.MergeError, match="not the output of `course grade`"):
        grading.merge([first, tmp_path], tmp_path / "d")
    assert cli.main(["grade", "merge", str(first), "--out", str(tmp_path / "e")]) == 2


@pytest.mark.parametrize("total", [1, 2, 3, 7])
def test_shards_hold_every_student_once(tmp_path, total):
    for n in range(10):
        (tmp_path / f"s{n}").mkdir()
    students, _ = grading.find_submissions(tmp_path)
    slices = [grading.select_shard(students, k, total) for k in range(1, total + 1)]
    names = [s.name for part in slices for s in part]
    assert sorted(names) == sorted(s.name for s in students)
    assert max(map(len, slices)) - min(map(len, slices)) <= 1


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0", ""])
def test_a_bad_shard_is_a_usage_error(text):
    with pytest.raises(ValueError, match="K/N"):
        grading.parse_shard(text)


def test_grade_takes_one_folder_or_merge(tmp_path, capsys):
    assert cli.main(["grade", str(tmp_path), str(tmp_path)]) == 2
    assert "one SUBMISSIONS folder" in capsys.readouterr().err
    assert cli.main(["grade", "merge"]) == 2
    assert "needs the shard folders" in capsys.readouterr().err
    assert cli.main(["grade", str(tmp_path), "--shard", "3/2"]) == 2
