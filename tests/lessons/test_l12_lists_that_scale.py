"""Graded tests for lesson 12: lists that scale (lessons/l12_lists_that_scale/exercise.py).

Rows are made in bulk (one INSERT per table) so that lists of 50 stay fast. Courses and
students are created out of the order the lists must answer in, so that a list that forgets
its ordering shows it.
"""

import base64
import itertools
import warnings
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.paginator import UnorderedObjectListWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from course.testing import ClientApi, expect, expect_status
from playground_project.domain.models import Course, Enrolment, Student

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")

_numbers = itertools.count(1)

ENVELOPE = {"count", "next", "previous", "results"}
UNORDERED = (
    'Add .order_by("code") after .annotate(student_count=Count("enrolments")): a GROUP BY '
    "query drops Course's Meta.ordering."
)
CURSOR_ORDERING = (
    "A 500 saying \"Cannot resolve keyword 'created'\" means RecentPagination has no ordering "
    'of its own (DRF\'s default is "-created"): set ordering = "-id".'
)
CURSOR_ENVELOPE = {"next", "previous", "results"}


def url(name):
    """reverse() in this lesson's namespace, l12."""
    return reverse(f"l12:{name}")


def relative(link):
    """`/lessons/12/catalogue/?page=2` from an absolute next/previous link, to request it again."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def query(link):
    """The query parameters of a next/previous link, each with its one value: {"page": "2"}."""
    return {key: values[0] for key, values in parse_qs(urlsplit(link or "").query).items()}


def results(reply):
    data = reply.data
    items = data.get("results") if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


def column(reply, key):
    """The `key` of each item in `results`, in order ([] when there is no `results` list)."""
    return [item.get(key) for item in results(reply) if isinstance(item, dict)]


def keys(reply):
    return set(reply.data) if isinstance(reply.data, dict) else set()


def shuffled(n):
    """0..n-1 in an order that is neither ascending nor descending.

    i * 7 mod n visits every number below n once when 7, a prime, does not divide n.
    """
    return [(i * 7) % n for i in range(n)] if n % 7 else list(reversed(range(n)))


def add_courses(n):
    """`n` courses coded K000, K001, ..., inserted out of code order; returns their codes, sorted.

    Their titles sort the other way round (the highest code has the first title), so that a
    catalogue ordered by title, or by id, is told apart from one ordered by code.
    """
    start = next(_numbers) * 1000
    numbers = [start + i for i in shuffled(n)]
    Course.objects.bulk_create(
        Course(code=f"K{k:06d}", title=f"Course {999999 - k:06d}") for k in numbers
    )
    return sorted(f"K{k:06d}" for k in numbers)


def add_students(n, *, years=(1,), names=None):
    """`n` students; the i-th has year years[i % len(years)] and, if given, names[i]."""
    batch = next(_numbers)
    return Student.objects.bulk_create(
        Student(
            name=names[i] if names else f"Student {batch:03d}-{i:03d}",
            email=f"s{batch}-{i}@example.com",
            year=years[i % len(years)],
        )
        for i in range(n)
    )


def enrol(course, students, grades=None):
    """Enrol `students` in `course`, in this order (ids ascending); grades[i] for the i-th."""
    return Enrolment.objects.bulk_create(
        Enrolment(course=course, student=s, grade=grades[i] if grades else "")
        for i, s in enumerate(students)
    )


def new_course(code):
    return Course.objects.create(code=code, title=f"Course {code}")


# ------------------------------------------------------------------ E1: the catalogue


@E1
def test_e1_answers_count_next_previous_and_results(api):
    """A GET answers the page envelope: the total count, links to the next and previous pages, ten courses."""
    add_courses(12)
    reply = api.get(url("catalogue-list"))
    expect_status(reply, 200, "the catalogue is open to anyone (E1)")
    expect(
        keys(reply) == ENVELOPE,
        reply,
        "a JSON object with exactly count, next, previous and results",
        "PageNumberPagination wraps each page in that envelope (E1)",
        mistake="Set pagination_class = CataloguePagination on CatalogueList.",
    )
    expect(
        reply.data["count"] == 12 and len(results(reply)) == 10,
        reply,
        '"count": 12 and 10 courses in results',
        "there are 12 courses and a page holds 10 unless the client asks (E1)",
        mistake="Set page_size = 10 on CataloguePagination.",
    )
    expect(
        reply.data["previous"] is None and query(reply.data["next"]).get("page") == "2",
        reply,
        '"previous": null and a "next" link to ?page=2',
        "the first page has no page before it, and the second is next (E1)",
    )


@E1
def test_e1_next_and_previous_link_the_pages(api):
    """Following `next` gives the last two courses; following its `previous` gives the first page again."""
    codes = add_courses(12)
    first = api.get(url("catalogue-list"))
    expect_status(first, 200, "the catalogue is open to anyone (E1)")
    expect(
        isinstance(first.data, dict) and isinstance(first.data.get("next"), str),
        first,
        'a "next" link',
        "12 courses do not fit on a page of 10 (E1)",
    )
    second = api.get(relative(first.data["next"]))
    expect_status(second, 200, "the next link points at the second page (E1)")
    expect(
        column(second, "code") == codes[10:] and second.data.get("next") is None,
        second,
        f'the codes {codes[10:]} and "next": null',
        "the second page holds the last 2 of 12 courses, by code (E1)",
        mistake=UNORDERED,
    )
    again = api.get(relative(second.data.get("previous") or ""))
    expect(
        column(again, "code") == codes[:10],
        again,
        f"the first 10 codes, {codes[0]} to {codes[9]}",
        'the second page\'s "previous" link leads back to the first (E1)',
    )


@E1
@pytest.mark.parametrize("page", ["3", "99"])
def test_e1_page_past_the_end_is_404(api, page):
    """With 12 courses on pages of 10, page 3 and beyond answer 404, not an empty page."""
    add_courses(12)
    reply = api.get(url("catalogue-list"), params={"page": page})
    expect_status(
        reply,
        404,
        f"12 courses make 2 pages, so page {page} does not exist; PageNumberPagination answers "
        "404 Invalid page (E1)",
        mistake="Set pagination_class = CataloguePagination: without it, ?page= is ignored.",
    )


@E1
def test_e1_page_size_chooses_the_size(api):
    """`?page_size=4` answers 4 courses, and the next link keeps asking for 4."""
    add_courses(12)
    reply = api.get(url("catalogue-list"), params={"page_size": "4"})
    expect_status(reply, 200, "?page_size= is a parameter the catalogue accepts (E1)")
    expect(
        len(results(reply)) == 4 and query(reply.data.get("next")).get("page_size") == "4",
        reply,
        "4 courses and a next link with page_size=4",
        "a client may ask for smaller pages (E1)",
        mistake='Set page_size_query_param = "page_size" on CataloguePagination.',
    )


@E1
def test_e1_huge_page_size_is_capped_at_50(api):
    """`?page_size=100000` answers 50 courses, not the whole table."""
    add_courses(55)
    reply = api.get(url("catalogue-list"), params={"page_size": "100000"})
    expect_status(reply, 200, "?page_size= is a parameter the catalogue accepts (E1)")
    expect(
        len(results(reply)) == 50,
        reply,
        f"50 courses in results, not {len(results(reply))}",
        "a page is never larger than 50, whatever the client asks: one request must not "
        "serialize the whole table (E1)",
        mistake="Set max_page_size = 50 on CataloguePagination.",
    )


@E1
def test_e1_ordered_by_code_without_unordered_warning(api):
    """The pages come ordered by code, and Django's paginator never warns that the list is unordered."""
    codes = add_courses(30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pages = [api.get(url("catalogue-list"), params={"page": n}) for n in (1, 2, 3)]
    expect_status(pages[0], 200, "the catalogue is open to anyone (E1)")
    unordered = [w for w in caught if issubclass(w.category, UnorderedObjectListWarning)]
    listed = [code for page in pages for code in column(page, "code")]
    expect(
        not unordered and listed == codes,
        pages[0],
        f"the 30 codes in order ({codes[0]}, {codes[1]}, ...) across pages 1 to 3, and no "
        f"UnorderedObjectListWarning; got {listed[:4]}... and "
        f"{str(unordered[0].message)[:90] + '...' if unordered else 'no warning'}",
        "the catalogue is ordered by code (not by title, nor by id), and annotate(Count(...)) "
        "makes a GROUP BY query, which Django leaves Meta.ordering out of: a page of an "
        "unordered query may repeat or skip rows (E1)",
        mistake=UNORDERED + ' Order by "code", not by "title": the titles here sort the other way.',
    )


@E1
def test_e1_student_count_counts_the_enrolments(api):
    """Each course carries `student_count`, the number of students enrolled in it."""
    busy, empty = new_course("BUSY1"), new_course("EMPTY1")
    enrol(busy, add_students(3))
    reply = api.get(url("catalogue-list"))
    expect_status(reply, 200, "the catalogue is open to anyone (E1)")
    counts = {item.get("code"): item.get("student_count") for item in results(reply)}
    expect(
        counts == {busy.code: 3, empty.code: 0},
        reply,
        f'"student_count": 3 for BUSY1 and 0 for EMPTY1; got {counts}',
        "CatalogueSerializer reads student_count from the queryset's annotation (E1)",
        mistake="No student_count at all means no annotation: a read-only field whose attribute "
        'is missing is left out, silently. Annotate: .annotate(student_count=Count("enrolments")).',
    )


@E1
def test_e1_same_query_count_for_2_and_50_courses(login):
    """A page of 50 courses costs as many SQL queries as a page of 2: no query per course."""
    api = ClientApi()  # in-process: the queries are counted on this process's connection
    owner, _ = login()
    Course.objects.bulk_create(Course(code=f"Q{i:03d}", title="Q", owner=owner) for i in range(2))
    with CaptureQueriesContext(connection) as for_two:
        small = api.get(url("catalogue-list"), params={"page_size": "50"})
    expect_status(small, 200, "the catalogue is open to anyone (E1)")
    Course.objects.bulk_create(
        Course(code=f"Q{i:03d}", title="Q", owner=owner) for i in range(2, 50)
    )
    with CaptureQueriesContext(connection) as for_fifty:
        large = api.get(url("catalogue-list"), params={"page_size": "50"})
    expect(
        len(results(large)) == 50 and len(for_fifty) == len(for_two),
        large,
        f"50 courses in {len(for_two)} SQL queries, as for 2; got {len(for_fifty)} queries",
        "the serializer shows each owner's username: fetch the owners with the courses, or "
        "each row costs one more query, the N+1 problem of lesson 03 (E1)",
        mistake='Add select_related("owner") to the queryset.',
    )


# ------------------------------------------------------------------ E2: the roster


@pytest.fixture
def as_alice(login):
    _, headers = login()
    return headers


@E2
def test_e2_limit_and_offset_answer_count_next_previous_and_results(api, as_alice):
    """Ten enrolments by default; `?limit=5&offset=5` answers the next five, with links both ways."""
    enrol(new_course("LIM1"), add_students(12))
    first = api.get(url("roster-list"), headers=as_alice)
    expect_status(first, 200, "a logged-in user may read the roster (E2)")
    expect(
        keys(first) == ENVELOPE and first.data["count"] == 12 and len(results(first)) == 10,
        first,
        'count, next, previous and results, with "count": 12 and 10 enrolments',
        "LimitOffsetPagination answers the same envelope, and default_limit = 10 when the "
        "client sends no ?limit= (E2)",
        mistake="Set pagination_class = RosterPagination, and default_limit = 10 on it.",
    )
    middle = api.get(url("roster-list"), params={"limit": "5", "offset": "5"}, headers=as_alice)
    expect(
        len(results(middle)) == 5
        and query(middle.data.get("next")) == {"limit": "5", "offset": "10"}
        and query(middle.data.get("previous")) == {"limit": "5"},
        middle,
        '5 enrolments, "next" with limit=5&offset=10 and "previous" with limit=5 (offset 0)',
        "the links move the window by the limit, one way and the other (E2)",
    )


@E2
def test_e2_huge_limit_is_capped_at_50(api, as_alice):
    """`?limit=100000` answers 50 enrolments, not every one."""
    enrol(new_course("CAP1"), add_students(55))
    reply = api.get(url("roster-list"), params={"limit": "100000"}, headers=as_alice)
    expect_status(reply, 200, "a logged-in user may read the roster (E2)")
    expect(
        len(results(reply)) == 50,
        reply,
        f"50 enrolments in results, not {len(results(reply))}",
        "a window is never larger than 50, whatever the client asks (E2)",
        mistake="Set max_limit = 50 on RosterPagination.",
    )


@pytest.fixture
def two_courses():
    """DRF101: students of years 1 and 2; PY201: students of year 2.

    DRF101X, whose code contains DRF101's, has a year-1 student: a filter that matches
    part of the code (icontains) lists it for ?course=DRF101.
    """
    drf, py = new_course("DRF101"), new_course("PY201")
    enrol(drf, add_students(4, years=(1, 2)))
    enrol(py, add_students(3, years=(2,)))
    enrol(new_course("DRF101X"), add_students(1, years=(1,)))
    return drf, py


@E2
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"course": "DRF101"}, [("DRF101", 1), ("DRF101", 1), ("DRF101", 2), ("DRF101", 2)]),
        ({"course": "py201"}, [("PY201", 2)] * 3),
        ({"year": "1"}, [("DRF101", 1), ("DRF101", 1), ("DRF101X", 1)]),
        ({"course": "DRF101", "year": "2"}, [("DRF101", 2), ("DRF101", 2)]),
    ],
    ids=["course", "course-any-case", "year", "course-and-year"],
)
def test_e2_filters_by_course_and_year(api, as_alice, two_courses, params, expected):
    """`?course=` keeps one course's enrolments (in any case), `?year=` its students' year; both combine."""
    reply = api.get(url("roster-list"), params=params, headers=as_alice)
    expect_status(reply, 200, "a logged-in user may read the roster (E2)")
    got = sorted(zip(column(reply, "course"), column(reply, "year"), strict=True))
    expect(
        got == expected and reply.data.get("count") == len(expected),
        reply,
        f'{len(expected)} enrolments, (course, year) = {expected}, and "count": {len(expected)}',
        f"RosterFilter filters {', '.join(params)}; ?course= names one course, and DRF101X is "
        "another course than DRF101 (E2)",
        mistake=(
            'Declare course = CharFilter(field_name="course__code", lookup_expr="iexact") (not '
            "icontains, which matches DRF101X too) and "
            'year = NumberFilter(field_name="student__year") on RosterFilter, and set '
            "filter_backends = [DjangoFilterBackend, ...] and filterset_class = RosterFilter."
        ),
    )


@E2
def test_e2_filters_before_the_page_is_cut(api, as_alice):
    """`?year=2&limit=3`: the count is of year-2 enrolments only, and the page is full of them."""
    enrol(new_course("CUT1"), add_students(12, years=(1, 1, 2)))  # 4 of the 12 are in year 2
    reply = api.get(url("roster-list"), params={"year": "2", "limit": "3"}, headers=as_alice)
    expect_status(reply, 200, "a logged-in user may read the roster (E2)")
    expect(
        reply.data.get("count") == 4 and column(reply, "year") == [2, 2, 2],
        reply,
        '"count": 4 and three enrolments, all of year 2',
        "the database must filter before the paginator counts and slices; filtering a page in "
        "Python afterwards leaves short pages and a count of rows the client never sees (E2)",
        mistake=(
            'Filter in the FilterSet (year = NumberFilter(field_name="student__year")), never in '
            "list() or paginate_queryset() after the slice."
        ),
    )


@E2
def test_e2_invalid_filter_value_answers_400(api, as_alice):
    """`?year=abc` answers 400 with the filter's error, not a 500 nor an unfiltered list."""
    enrol(new_course("BAD1"), add_students(2))
    reply = api.get(url("roster-list"), params={"year": "abc"}, headers=as_alice)
    expect_status(
        reply,
        400,
        "a FilterSet validates its parameters like a form, and DjangoFilterBackend answers "
        "its errors as a 400 (E2)",
        mistake="Declare year as a NumberFilter on RosterFilter.",
    )
    expect(
        isinstance(reply.data, dict) and "year" in reply.data,
        reply,
        'an error under "year"',
        "the client needs to know which parameter was wrong (E2)",
    )


@E2
@pytest.mark.parametrize(
    ("search", "expected"),
    [("lovelace", ["Ada Lovelace"]), ("drf1", ["Alan Turing"]), ("DESIGN", ["Grace Hopper"])],
    ids=["student-name", "course-code", "course-title"],
)
def test_e2_search_matches_name_code_and_title(api, as_alice, search, expected):
    """`?search=` matches the student's name, the course's code or the course's title, in any case."""
    ada, alan, grace = add_students(3, names=["Ada Lovelace", "Alan Turing", "Grace Hopper"])
    enrol(Course.objects.create(code="PY201", title="Python"), [ada])
    enrol(Course.objects.create(code="DRF101", title="REST"), [alan])
    enrol(Course.objects.create(code="API300", title="API design"), [grace])
    reply = api.get(url("roster-list"), params={"search": search}, headers=as_alice)
    expect_status(reply, 200, "a logged-in user may read the roster (E2)")
    expect(
        column(reply, "student") == expected,
        reply,
        f"only {expected}",
        "search_fields names the student's name and the course's code and title (E2)",
        mistake='Set search_fields = ["student__name", "course__code", "course__title"].',
    )


@pytest.fixture
def graded_roster():
    """Two courses; neither the grades nor the ids sort AB100's students by name or against it."""
    names = ["Ada", "Bea", "Cy"]
    db, py = new_course("DB110"), new_course("AB100")
    enrol(db, add_students(3, names=names), grades=["B", "A", "C"])
    # Created Cy, Ada, Bea: a default order of course then id (no student__name) is told apart.
    enrol(py, add_students(3, names=["Cy", "Ada", "Bea"]), grades=["A", "B", "C"])
    return names


DEFAULT_ORDER = [
    ("AB100", "Ada"),
    ("AB100", "Bea"),
    ("AB100", "Cy"),
    ("DB110", "Ada"),
    ("DB110", "Bea"),
    ("DB110", "Cy"),
]


def pairs(reply):
    return list(zip(column(reply, "course"), column(reply, "student"), strict=True))


@E2
def test_e2_orders_by_course_then_student_by_default(api, as_alice, graded_roster):
    """Without `?ordering=`, the roster is ordered by course code, then by student name."""
    reply = api.get(url("roster-list"), headers=as_alice)
    expect_status(reply, 200, "a logged-in user may read the roster (E2)")
    expect(
        pairs(reply) == DEFAULT_ORDER,
        reply,
        f"(course, student) in this order: {DEFAULT_ORDER}",
        "the roster's default order is course code, then student name (E2)",
        mistake='Set ordering = ["course__code", "student__name", "id"] on RosterList.',
    )


@E2
@pytest.mark.parametrize(
    ("ordering", "key", "expected"),
    [
        ("-student__name", "student", ["Cy", "Cy", "Bea", "Bea", "Ada", "Ada"]),
        ("-course__code", "course", ["DB110"] * 3 + ["AB100"] * 3),
    ],
)
def test_e2_orders_by_a_whitelisted_field(api, as_alice, graded_roster, ordering, key, expected):
    """`?ordering=-student__name` and `?ordering=-course__code` reorder the roster."""
    reply = api.get(url("roster-list"), params={"ordering": ordering}, headers=as_alice)
    expect_status(reply, 200, "a logged-in user may read the roster (E2)")
    expect(
        column(reply, key) == expected,
        reply,
        f"the {key}s in this order: {expected}",
        f"{ordering.lstrip('-')} is in ordering_fields, so ?ordering={ordering} sorts by it (E2)",
        mistake='Set ordering_fields = ["student__name", "course__code", "enrolled_on"] and '
        "add OrderingFilter to filter_backends.",
    )


@E2
@pytest.mark.parametrize(
    "ordering", ["grade", "-grade", "student__email", "student__owner__password", "-id"]
)
def test_e2_ordering_by_a_field_not_whitelisted_is_ignored(api, as_alice, graded_roster, ordering):
    """`?ordering=grade` (or email, or password) answers the default order: hidden fields never sort."""
    reply = api.get(url("roster-list"), params={"ordering": ordering}, headers=as_alice)
    expect_status(reply, 200, "an ordering outside the whitelist is ignored, not an error (E2)")
    expect(
        pairs(reply) == DEFAULT_ORDER,
        reply,
        f"the default order, {DEFAULT_ORDER}",
        f"{ordering.lstrip('-')} is not shown by the roster: sorting by it would let anyone "
        "rank the hidden values, one request at a time (E2)",
        mistake='Whitelist ordering_fields = ["student__name", "course__code", "enrolled_on"]; '
        'never "__all__", which makes every model field sortable, nor leave it out, which '
        "allows every source of the serializer (id, student__year).",
    )


@E2
def test_e2_anonymous_request_answers_401(api):
    """Without a login the roster answers 401: who takes which course is not public."""
    reply = api.get(url("roster-list"))
    expect_status(
        reply,
        401,
        "the roster is for logged-in users, and Basic comes first to ask for credentials (E2)",
        mistake="Set authentication_classes = AUTHENTICATION and permission_classes = [IsAuthenticated].",
    )


@E2
def test_e2_same_query_count_for_2_and_50_rows_with_filters_and_pagination(login):
    """Filtered, searched, ordered and paginated, 50 enrolments cost as many queries as 2."""
    api = ClientApi()  # in-process: the queries are counted on this process's connection
    _, headers = login()
    course = new_course("NQ1")
    params = {"course": "nq1", "year": "1", "search": "student", "ordering": "-student__name"}
    params["limit"] = "50"
    enrol(course, add_students(2))
    with CaptureQueriesContext(connection) as for_two:
        small = api.get(url("roster-list"), params=params, headers=headers)
    expect_status(small, 200, "a logged-in user may read the roster (E2)")
    enrol(course, add_students(48))
    with CaptureQueriesContext(connection) as for_fifty:
        large = api.get(url("roster-list"), params=params, headers=headers)
    expect(
        len(results(large)) == 50 and len(for_fifty) == len(for_two),
        large,
        f"50 enrolments in {len(for_two)} SQL queries, as for 2; got {len(for_fifty)} queries",
        "each row shows its student and its course: fetch them with the enrolments, or each "
        "row costs more queries, the N+1 problem of lesson 03 (E2)",
        mistake='Use Enrolment.objects.select_related("student", "course").',
    )


# ------------------------------------------------------------------ E3: the recent feed


@pytest.fixture
def feed():
    """Eight enrolments, made one after another; returns their ids, newest first."""
    course = new_course("FEED1")
    made = enrol(course, add_students(8))
    return [e.id for e in reversed(made)]


@E3
def test_e3_newest_first_with_next_and_previous_but_no_count(api, as_alice, feed):
    """The first page: the 5 newest enrolments, newest first, with next and previous but no count."""
    reply = api.get(url("roster-recent"), headers=as_alice)
    expect_status(reply, 200, "a logged-in user may read the feed (E3)", mistake=CURSOR_ORDERING)
    expect(
        keys(reply) == CURSOR_ENVELOPE,
        reply,
        "a JSON object with exactly next, previous and results",
        "a cursor page has no count and no page number: counting would scan the whole "
        "table, and a position is not a number (E3)",
        mistake="Set pagination_class = RecentPagination, a CursorPagination.",
    )
    expect(
        column(reply, "id") == feed[:5] and reply.data["previous"] is None,
        reply,
        f'the ids {feed[:5]} (newest first) and "previous": null',
        'the feed shows the newest enrolments first, five a page: ordering = "-id", since '
        "the id is unique, never changes and grows with every new row (E3)",
        mistake='Set page_size = 5 and ordering = "-id" on RecentPagination.',
    )
    expect(
        "cursor" in query(reply.data.get("next")),
        reply,
        'a "next" link with a cursor= parameter',
        "8 enrolments do not fit on a page of 5 (E3)",
    )


@E3
def test_e3_pages_stay_stable_while_rows_are_inserted(api, as_alice, feed):
    """Enrolments added after page 1 was read neither repeat on page 2 nor push rows off it."""
    first = api.get(url("roster-recent"), headers=as_alice)
    expect_status(first, 200, "a logged-in user may read the feed (E3)", mistake=CURSOR_ORDERING)
    enrol(Course.objects.get(code="FEED1"), add_students(3))  # three newer enrolments
    next_link = first.data.get("next") if isinstance(first.data, dict) else None
    second = api.get(relative(next_link or url("roster-recent")), headers=as_alice)
    expect(
        column(second, "id") == feed[5:],
        second,
        f"the 3 oldest enrolments, {feed[5:]}, and none of page 1 again",
        "a cursor remembers where page 1 ended, so rows added at the top cannot shift the "
        "next page; a page number would count from the top again and repeat 3 rows (E3)",
        mistake="Use CursorPagination, not PageNumberPagination, for a feed that grows.",
    )
    back = api.get(relative(second.data.get("previous") or url("roster-recent")), headers=as_alice)
    expect(
        column(back, "id") == feed[:5],
        back,
        f"page 1's ids again, {feed[:5]}",
        'the "previous" link of page 2 leads back to the rows before it (E3)',
    )


def forged(**tokens):
    """A cursor as DRF writes one, base64 of a query string (`p=` the position), with any values."""
    return base64.b64encode(urlencode(tokens).encode()).decode()


def students_feed_cursor(api):
    """A cursor this server made, for another list: the worked example's feed, ordered by date."""
    reply = api.get(reverse("l12:student-feed"), params={"page_size": "1"})
    return query(reply.data.get("next") if isinstance(reply.data, dict) else None).get("cursor")


FORGED_CURSOR = (
    "DRF's CursorPagination answers 404 only when it cannot decode the cursor; the position "
    "(p=) it filters by unchecked, and a position that is not an id is a 500. Subclass "
    "CheckedCursorPagination (pagination.py), or override decode_cursor() to check the "
    "position and raise NotFound(self.invalid_cursor_message)."
)


@E3
@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", forged(p="abc"), forged(p="4.5"), forged(o="-1", p="3"), "students-feed"],
    ids=[
        "not-base64",
        "position-not-a-number",
        "position-not-an-id",
        "negative-offset",
        "another-lists-cursor",
    ],
)
def test_e3_invalid_cursor_is_404(api, as_alice, feed, cursor):
    """A cursor the server did not make for this feed answers 404 Invalid cursor, never a 500.

    Forged ones decode cleanly (base64 of `p=abc`); the students' feed's cursor is real, but
    its position is a date, where this feed's positions are ids.
    """
    if cursor == "students-feed":
        cursor = students_feed_cursor(api)
        assert cursor, "the worked example's feed gave no next link to borrow a cursor from"
    reply = api.get(url("roster-recent"), params={"cursor": cursor}, headers=as_alice)
    expect_status(
        reply,
        404,
        f"the cursor {cursor!r} decodes to {base64_text(cursor)!r}, which is no position in "
        "this feed: an id. A cursor is a query parameter, and a client can send any (E3)",
        mistake=FORGED_CURSOR
        if reply.status == 500
        else "Set pagination_class = RecentPagination, a CursorPagination.",
    )


def base64_text(cursor):
    try:
        return base64.b64decode(cursor.encode(), validate=True).decode()
    except ValueError:
        return "(not base64)"


@E3
def test_e3_a_cursor_outlives_its_row(api, as_alice, feed):
    """A cursor whose row has been deleted since still answers the rows after it."""
    first = api.get(url("roster-recent"), headers=as_alice)
    expect_status(first, 200, "a logged-in user may read the feed (E3)", mistake=CURSOR_ORDERING)
    next_link = first.data.get("next") if isinstance(first.data, dict) else None
    Enrolment.objects.filter(pk=feed[4]).delete()  # the last row of page 1: the cursor's position
    second = api.get(relative(next_link or url("roster-recent")), headers=as_alice)
    expect(
        second.status == 200 and column(second, "id") == feed[5:],
        second,
        f"200 and the 3 oldest enrolments, {feed[5:]}",
        'the cursor means "the rows after id {0}", whether or not row {0} is still there: '
        "a client must not lose its place because someone else deleted a row (E3)".format(feed[4]),
        mistake="Check the cursor's position by its type (an id), not by looking the row up.",
    )


@E3
@pytest.mark.parametrize(("asked", "served"), [("2", 2), ("100000", 50)])
def test_e3_page_size_is_capped_at_50(api, as_alice, asked, served):
    """`?page_size=2` answers 2 enrolments; `?page_size=100000` answers 50."""
    enrol(new_course("CAP3"), add_students(55))
    reply = api.get(url("roster-recent"), params={"page_size": asked}, headers=as_alice)
    expect_status(reply, 200, "a logged-in user may read the feed (E3)", mistake=CURSOR_ORDERING)
    expect(
        len(results(reply)) == served,
        reply,
        f"{served} enrolments in results, not {len(results(reply))}",
        "the client chooses the page size with ?page_size=, up to 50 (E3)",
        mistake='Set page_size_query_param = "page_size" and max_page_size = 50 on RecentPagination.',
    )


@E3
def test_e3_anonymous_request_answers_401(api):
    """Without a login the feed answers 401, like the roster."""
    reply = api.get(url("roster-recent"))
    expect_status(
        reply,
        401,
        "the feed is for logged-in users, and Basic comes first to ask for credentials (E3)",
        mistake="Set authentication_classes = AUTHENTICATION and permission_classes = [IsAuthenticated].",
    )


@E3
def test_e3_same_query_count_for_2_and_50_rows(login):
    """A page of 50 enrolments costs as many SQL queries as a page of 2."""
    api = ClientApi()  # in-process: the queries are counted on this process's connection
    _, headers = login()
    course = new_course("NQ3")
    enrol(course, add_students(2))
    with CaptureQueriesContext(connection) as for_two:
        small = api.get(url("roster-recent"), params={"page_size": "50"}, headers=headers)
    expect_status(small, 200, "a logged-in user may read the feed (E3)", mistake=CURSOR_ORDERING)
    enrol(course, add_students(48))
    with CaptureQueriesContext(connection) as for_fifty:
        large = api.get(url("roster-recent"), params={"page_size": "50"}, headers=headers)
    expect(
        len(results(large)) == 50 and len(for_fifty) == len(for_two),
        large,
        f"50 enrolments in {len(for_two)} SQL queries, as for 2; got {len(for_fifty)} queries",
        "fetch each row's student and course with it, or each row costs more queries (E3)",
        mistake='Use Enrolment.objects.select_related("student", "course").',
    )
