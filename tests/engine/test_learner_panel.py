"""The lesson panel's guards, without a browser: only the playground mounts it, only this
machine may use it, no cross-site POST gets through, and every criterion has its anchor."""

import importlib
import sys

import pytest
from django.test import Client
from django.urls import NoReverseMatch, clear_url_caches, reverse

from course import progress
from course.criteria import criteria
from course.manifest import all_lessons
from playground_project import lesson_text

from .conftest import LESSON
from .test_reach import PREFIX, THROUGH_PROXY, behind_the_hub  # noqa: F401 - a fixture

PANEL_URLS = ("panel-check", "panel-hint", "panel-reset", "panel-solution", "panel-status")
# The learner's browser names this machine; Django's test client says `testserver`, which the
# panel refuses (see test_a_host_that_does_not_name_this_machine_is_refused).
HERE = {"SERVER_NAME": "127.0.0.1"}


@pytest.fixture
def client():
    return Client(**HERE)


@pytest.fixture(autouse=True)
def own_progress_file(tmp_path, monkeypatch):
    """Never touch the learner's real var/progress.json."""
    monkeypatch.setattr(progress, "PROGRESS_FILE", tmp_path / "progress.json")


@pytest.fixture
def mount(settings):
    """Import the playground's URLconf again under some settings; the test settings' after."""

    def remount(debug: bool, panel: bool = True) -> None:
        settings.DEBUG, settings.LEARNER_PANEL = debug, panel
        # Imported anew by name: a change of target (course.targets) drops the URLconf from
        # sys.modules, so the module object an earlier import returned may be a stale one.
        sys.modules.pop("playground_project.urls", None)
        importlib.import_module("playground_project.urls")
        clear_url_caches()

    yield remount
    remount(debug=False)


@pytest.mark.parametrize(
    ("debug", "panel"), [(False, True), (True, False)], ids=["debug-off", "panel-off"]
)
def test_the_panel_does_not_exist_unless_debug_and_the_switch_are_on(mount, client, debug, panel):
    mount(debug=debug, panel=panel)
    for name in PANEL_URLS:
        with pytest.raises(NoReverseMatch):
            reverse(name, args=[LESSON.nn])
    assert client.post(f"/course/{LESSON.nn}/check/").status_code == 404
    assert client.get(f"/course/{LESSON.nn}/status/").status_code == 404
    text = client.get(f"/text/{LESSON.nn}/").content.decode()
    assert 'id="panel"' not in text and "<script>" not in text
    assert "<th>Score</th>" not in client.get("/").content.decode()


def test_the_playground_mounts_the_panel(mount, client):
    mount(debug=True)
    assert client.get(reverse("panel-status", args=[LESSON.nn])).json()["states"] == {
        e.id: "unchecked" for e in LESSON.exercises
    }
    assert 'id="panel"' in client.get(f"/text/{LESSON.nn}/").content.decode()
    assert "<th>Score</th>" in client.get("/").content.decode()


@pytest.mark.parametrize("address", ["192.168.1.20", "10.0.0.2", "2001:db8::1", "", "bogus"])
def test_other_machines_are_refused_even_when_they_claim_loopback(mount, address):
    mount(debug=True)
    client = Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR="127.0.0.1", **HERE)
    for name in ("panel-reset", "panel-solution", "panel-status"):
        assert client.get(reverse(name, args=[LESSON.nn])).status_code == 403, name
    for name in ("panel-check", "panel-hint", "panel-reset"):
        response = client.post(reverse(name, args=[LESSON.nn]), {"exercise": "E1"})
        assert response.status_code == 403, name
    assert progress.hints_seen(LESSON, "E1") == 0
    assert 'id="panel"' not in client.get(f"/text/{LESSON.nn}/").content.decode()
    assert "<th>Score</th>" not in client.get("/").content.decode()


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.1.1", "::1", "::ffff:127.0.0.1"])
def test_this_machine_is_served(mount, address):
    mount(debug=True)
    response = Client(REMOTE_ADDR=address, **HERE).post(
        reverse("panel-hint", args=[LESSON.nn]), {"exercise": "E1"}
    )
    assert response.status_code == 303  # to the text page, which shows the hints seen
    assert progress.hints_seen(LESSON, "E1") == 1


@pytest.mark.parametrize(
    "host",
    ["testserver", "evil.example", "127.0.0.1.evil.example", "localhost.evil.example:8000"],
)
def test_a_host_that_does_not_name_this_machine_is_refused(mount, settings, host):
    """DNS rebinding: another site's name resolved to 127.0.0.1 makes its page same-origin
    with the playground. The panel answers only the names of this machine, whatever else
    ALLOWED_HOSTS lets through (here everything)."""
    mount(debug=True)
    settings.ALLOWED_HOSTS = ["*"]
    client = Client(HTTP_HOST=host)
    for name in ("panel-reset", "panel-solution", "panel-status"):
        assert client.get(reverse(name, args=[LESSON.nn])).status_code == 403, name
    for name in ("panel-check", "panel-hint", "panel-reset"):
        response = client.post(reverse(name, args=[LESSON.nn]), {"exercise": "E1"})
        assert response.status_code == 403, name
    assert progress.hints_seen(LESSON, "E1") == 0
    assert 'id="panel"' not in client.get(f"/text/{LESSON.nn}/").content.decode()
    assert "<th>Score</th>" not in client.get("/").content.decode()


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST"])
def test_the_names_of_this_machine_are_served(mount, host):
    mount(debug=True)
    response = Client(HTTP_HOST=host).post(
        reverse("panel-hint", args=[LESSON.nn]), {"exercise": "E1"}
    )
    assert response.status_code == 303  # to the text page, which shows the hints seen
    assert progress.hints_seen(LESSON, "E1") == 1


def test_a_cross_site_post_is_refused(mount):
    mount(debug=True)
    client = Client(enforce_csrf_checks=True, **HERE)
    for name in ("panel-check", "panel-hint", "panel-reset"):
        response = client.post(reverse(name, args=[LESSON.nn]), {"exercise": "E1"})
        assert response.status_code == 403, name
    assert progress.hints_seen(LESSON, "E1") == 0


def test_the_solution_waits_for_a_passing_check(mount, client):
    mount(debug=True)
    page = client.get(reverse("panel-solution", args=[LESSON.nn])).content.decode()
    assert "does not pass yet" in page and "def course_list" not in page
    forced = client.get(reverse("panel-solution", args=[LESSON.nn]), {"force": "1"})
    assert "def course_list" in forced.content.decode()


@pytest.mark.parametrize("lesson", all_lessons(), ids=lambda lesson: lesson.slug)
def test_every_acceptance_criterion_has_an_anchor_in_the_text(lesson):
    text = lesson_text.render(lesson)
    assert [link.criterion for link in text.links] == criteria(lesson)
    anchors = [link.anchor for link in text.links]
    assert len(set(anchors)) == len(anchors)
    for anchor in anchors:
        assert text.html.count(f'id="{anchor}"') == 1, anchor
    for exercise in lesson.exercises:
        assert f'<h2 id="{exercise.id.lower()}">' in text.html


def test_a_failing_case_links_to_the_criteria_citing_its_test():
    text = lesson_text.render(LESSON)
    cited = next(link for link in text.links if link.criterion.exercise_id == "E2")
    test = cited.criterion.tests[0]
    assert cited in text.links_for(f"{test}[some-case]")
    assert text.links_for("test_e9_nothing_cites_this") == []


@pytest.mark.usefixtures("behind_the_hub")
def test_through_the_jupyter_proxy_the_panel_posts_and_polls_through_it(mount):
    """The hub's proxy connects from this container's loopback: the panel is offered there,
    and its forms and its poll lead back through the proxy's prefix."""
    mount(debug=True)
    html = Client().get(f"/text/{LESSON.nn}/", **THROUGH_PROXY).content.decode()
    assert f'action="{PREFIX}/course/{LESSON.nn}/check/"' in html
    assert f'data-status-url="{PREFIX}/course/{LESSON.nn}/status/"' in html
    assert f'href="{PREFIX}/course/{LESSON.nn}/reset/"' in html


def test_two_tabs_checking_the_same_save_run_the_tests_once(mount, monkeypatch, tmp_path):
    """Both tabs see a save and ask for a check; the second waits for the first's report."""
    import threading

    from playground_project import learner

    mount(debug=True)
    monkeypatch.setattr(learner, "REPORTS", tmp_path / "panel")
    monkeypatch.setattr(learner, "_LANES", {})
    second_waits = threading.Event()

    class NotingLock:
        """The lane's lock, noting when a second request starts to wait for it."""

        def __init__(self):
            self.lock, self.entered = threading.Lock(), 0

        def __enter__(self):
            self.entered += 1
            if self.entered == 2:
                second_waits.set()
            self.lock.acquire()

        def __exit__(self, *exc):
            self.lock.release()

    learner._lane(LESSON).lock = NotingLock()
    runs = []

    def fake_check(lesson):
        runs.append(lesson.nn)
        if len(runs) == 1:
            second.start()
            assert second_waits.wait(30), "the second tab's check never came"
        return {"error": f"run {len(runs)}"}

    monkeypatch.setattr(learner, "run_check", fake_check)
    answers = []
    second = threading.Thread(target=lambda: answers.append(learner.check_files(LESSON)))
    first = learner.check_files(LESSON)
    second.join(30)
    assert runs == [LESSON.nn], runs
    assert answers == [first]
    # A later check of the same files, once nobody waits, runs the tests again.
    assert learner.check_files(LESSON)[1] == {"error": "run 2"}


def test_a_check_keeps_its_report_for_the_page_to_show_again(mount, monkeypatch, tmp_path):
    from playground_project import learner

    mount(debug=True)
    monkeypatch.setattr(learner, "REPORTS", tmp_path / "panel")
    monkeypatch.setattr(learner, "_LANES", {})
    report = {"lessons": [{"earned": 0, "exercises": []}]}
    monkeypatch.setattr(learner, "run_check", lambda lesson: report)
    learner.check_files(LESSON)
    assert learner._kept(LESSON) == report
    assert [p.name for p in (tmp_path / "panel").iterdir()] == [f"{LESSON.slug}.json"]


def test_the_check_stops_each_endless_test_on_its_own(monkeypatch):
    """A loop in a view must fail the tests that reach it, not stall the whole check: the
    check's pytest gets a per-test limit, added to the learner's own PYTEST_ADDOPTS."""
    import subprocess

    from playground_project import learner

    seen = {}

    def fake_run(command, **options):
        seen.update(options["env"])
        return subprocess.CompletedProcess(command, 0, stdout='{"lessons": []}', stderr="")

    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:randomly")
    monkeypatch.setattr(learner.subprocess, "run", fake_run)
    assert learner.run_check(LESSON) == {"lessons": []}
    assert seen["PYTEST_ADDOPTS"] == f"-p no:randomly --timeout={learner.TEST_TIMEOUT}"
    assert learner.TEST_TIMEOUT < learner.CHECK_TIMEOUT / 10


def test_a_hint_answers_with_the_text_page_so_a_reload_asks_for_no_other(mount):
    """Post, then redirect, then get: reloading the page the hint led to shows the same hints."""
    mount(debug=True)
    client = Client(**HERE)
    response = client.post(reverse("panel-hint", args=[LESSON.nn]), {"exercise": "E1"})
    assert response.status_code == 303
    assert response["Location"] == f"/text/{LESSON.nn}/#panel-e1"
    for _ in range(2):  # the page, then a reload of it
        page = client.get(response["Location"].split("#")[0]).content.decode()
        assert 'aria-label="Hints for E1"' in page and ">Hint 2 of " in page, page
        assert progress.hints_seen(LESSON, "E1") == 1
