"""Graded tests for lesson 02: serializers written by hand (lessons/l02_serializers/exercise.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from course.testing import expect, expect_status
from playground_project.domain.models import Course, Enrolment

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")

NON_FIELD = "non_field_errors"
LEFT_OUT = object()  # a key the body does not send
UNIQUE_CODE = (
    'Give `code` validators=[UniqueValidator(queryset=Course.objects.all(), lookup="iexact")]: '
    "without it the database's unique constraint raises IntegrityError (a 500), and with the "
    "default lookup a lower-case copy slips past it, since validators run before validate_code() "
    "upper-cases."
)
LONG_S = (
    'The long s "ſ" upper-cases to "S", so drſ101 fits CODE_FORMAT as DRS101, and SQLite\'s '
    "iexact, which folds ASCII letters only, lets it past the UniqueValidator: the database "
    "refuses the save, a 500. A code is ASCII: refuse a value that is not value.isascii() in "
    "validate_code()."
)
PATCH_FALLBACK = (
    "Under PATCH, attrs holds only the fields sent: take a missing field from self.instance "
    '(attrs["code"] if "code" in attrs else self.instance.code), never attrs["code"] alone.'
)
PATCH_FALLBACK_E2 = (
    "Under PATCH, attrs holds only the fields sent: take the missing half of the pair from "
    'self.instance (attrs["student"] if "student" in attrs else self.instance.student), and '
    "leave the enrolment itself out of the search for duplicates."
)
CREATE_RETURNS = "Did create() (or update()) forget to return the instance? save() needs it back."


def courses_url():
    return reverse("l02:course-list")


def course_url(pk):
    return reverse("l02:course-detail", kwargs={"pk": pk})


def enrolments_url():
    return reverse("l02:enrolment-list")


def enrolment_url(pk):
    return reverse("l02:enrolment-detail", kwargs={"pk": pk})


def register_url():
    return reverse("l02:register")


def errors_under(reply, key):
    """The errors the reply lists under `key`, or None."""
    return reply.data.get(key) if isinstance(reply.data, dict) else None


# ------------------------------------------------------------------ E1: courses by hand


@E1
def test_e1_list_shows_each_course_with_its_four_fields(api, make_course):
    """GET lists every course as exactly id, code, title and credits; one course's URL shows the same."""
    course = make_course(code="DRF101", title="REST APIs", credits=5)
    shown = {"id": course.pk, "code": "DRF101", "title": "REST APIs", "credits": 5}
    reply = api.get(courses_url())
    expect_status(reply, 200, "GET lists the courses (E1)")
    expect(
        reply.data == [shown],
        reply,
        f'[{{"id": {course.pk}, "code": "DRF101", "title": "REST APIs", "credits": 5}}]',
        "CourseSerializer declares exactly the fields id, code, title and credits (E1)",
        mistake=(
            "A Serializer shows only the fields it declares: id = "
            "serializers.IntegerField(read_only=True) too."
        ),
    )
    one = api.get(course_url(course.pk))
    expect_status(
        one,
        200,
        "the given course_detail view answers GET with the course (E1)",
        mistake="Leave the given views as they were: course_detail answers GET, PUT and PATCH.",
    )
    expect(
        one.data == shown,
        one,
        f'{{"id": {course.pk}, "code": "DRF101", "title": "REST APIs", "credits": 5}}',
        "one course is shown as in the list (E1)",
    )


@E1
def test_e1_create_saves_the_code_in_upper_case(api):
    """POST creates the course, answers 201 with its id, and saves the code upper-cased."""
    reply = api.post(courses_url(), {"code": "api300", "title": "API design", "credits": 10})
    expect_status(reply, 201, "the body is a valid course (E1)", mistake=CREATE_RETURNS)
    expect(
        isinstance(reply.data, dict)
        and reply.data.get("code") == "API300"
        and isinstance(reply.data.get("id"), int),
        reply,
        'the new course with its id and "code": "API300"',
        "validate_code() returns the upper-cased code, and that is what save() stores (E1)",
    )
    expect(
        Course.objects.filter(code="API300").exists(),
        reply,
        "a course API300 in the database",
        "save() calls create(), which must create the row (E1)",
    )


@E1
def test_e1_credits_default_to_5_and_id_is_read_only(api):
    """A POST without credits gets 5; an `id` in the body is ignored: the database chooses it."""
    reply = api.post(courses_url(), {"id": 4242, "code": "DB220", "title": "Indexes"})
    expect_status(
        reply, 201, "credits is optional and id is read-only (E1)", mistake=CREATE_RETURNS
    )
    expect(
        isinstance(reply.data, dict)
        and reply.data.get("credits") == 5
        and reply.data.get("id") != 4242,
        reply,
        '"credits": 5 and an id chosen by the database, not 4242',
        "credits has default=5, and id is declared read_only=True (E1)",
    )


@E1
@pytest.mark.parametrize(
    "body, field",
    [
        pytest.param({"title": "No code"}, "code", id="code-missing"),
        pytest.param({"code": "DRF1", "title": "Short code"}, "code", id="code-DRF1"),
        pytest.param({"code": "DRF-101", "title": "A dash"}, "code", id="code-DRF-101"),
        pytest.param({"code": "DRF101X", "title": "A tail"}, "code", id="code-DRF101X"),
        pytest.param({"code": "PY201"}, "title", id="title-missing"),
        pytest.param({"code": "PY201", "title": "x" * 121}, "title", id="title-too-long"),
        pytest.param({"code": "PY201", "title": "Zero", "credits": 0}, "credits", id="credits-0"),
        pytest.param({"code": "PY201", "title": "Many", "credits": 31}, "credits", id="credits-31"),
    ],
)
def test_e1_invalid_field_answers_400_under_that_field(api, body, field):
    """A field that breaks its own rule answers 400 with the error keyed by that field."""
    reply = api.post(courses_url(), body)
    expect_status(
        reply,
        400,
        f"`{field}` is invalid in this body (E1)",
        mistake=(
            "Check the whole code with CODE_FORMAT.fullmatch(code): match() and search() "
            "accept a code such as DRF101X whose first part fits."
        )
        if field == "code"
        else None,
    )
    expect(
        errors_under(reply, field),
        reply,
        f"errors under {field!r}",
        "is_valid(raise_exception=True) answers serializer.errors, keyed by field (E1)",
    )
    expect(
        not Course.objects.exists(), reply, "no course saved", "invalid data is never saved (E1)"
    )


@E1
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {"code": "PY201", "title": "x" * 120, "credits": 30}, id="title-120-credits-30"
        ),
        pytest.param({"code": "PY202", "title": "One credit", "credits": 1}, id="credits-1"),
    ],
)
def test_e1_values_at_the_limits_are_accepted(api, body):
    """A title of exactly 120 characters, and 1 or 30 credits, keep the rules: 201."""
    reply = api.post(courses_url(), body)
    expect_status(
        reply,
        201,
        "title may have 120 characters, and credits run from 1 to 30, both ends included (E1)",
        mistake=(
            "The limits are inclusive: title max_length=120, credits min_value=1 and "
            "max_value=30. " + CREATE_RETURNS
        ),
    )
    expect(
        Course.objects.filter(code=body["code"], credits=body["credits"]).exists(),
        reply,
        f"a course {body['code']} with {body['credits']} credits in the database",
        "a valid course is saved (E1)",
    )


@E1
@pytest.mark.parametrize(
    "stored, code",
    [("DRF101", "DRF101"), ("DRF101", "drf101"), ("DRS101", "drſ101")],
    ids=["DRF101", "drf101", "drs101-long-s"],
)
def test_e1_taken_code_answers_400_whatever_the_case(api, make_course, stored, code):
    """A code that exists already, in any case, answers 400 under `code`, never a 500."""
    make_course(code=stored)
    reply = api.post(courses_url(), {"code": code, "title": "Again"})
    mistake = UNIQUE_CODE if code.isascii() else LONG_S
    expect_status(reply, 400, f"{stored} exists, so {code!r} is taken (E1)", mistake=mistake)
    expect(
        errors_under(reply, "code"),
        reply,
        'errors under "code"',
        "the uniqueness rule belongs to the field (E1)",
        mistake=mistake,
    )


@E1
@pytest.mark.parametrize("credits", [11, 12])
def test_e1_introductory_course_over_10_credits_is_a_non_field_error(api, credits):
    """A level-1 course (DRF150) with 11 or 12 credits answers 400 under non_field_errors."""
    reply = api.post(courses_url(), {"code": "DRF150", "title": "Too big", "credits": credits})
    expect_status(
        reply,
        400,
        f"an introductory course (level 1) carries at most 10 credits, and {credits} is more (E1)",
        mistake=(
            "Write the rule in validate(self, attrs): it needs both code and credits. The limit "
            "is INTRODUCTORY_MAX_CREDITS, 10: refuse credits > 10."
        ),
    )
    expect(
        errors_under(reply, NON_FIELD),
        reply,
        'errors under "non_field_errors"',
        "an error raised in validate() with a plain message concerns no single field (E1)",
        mistake='Raise serializers.ValidationError("...") with a message, not a dict keyed by a field.',
    )


@E1
def test_e1_higher_level_course_may_carry_more_credits(api):
    """The credit limit applies to level 1 only: PY250 with 12 credits is fine."""
    reply = api.post(courses_url(), {"code": "PY250", "title": "Advanced", "credits": 12})
    expect_status(
        reply, 201, "PY250 is level 2, where 12 credits are allowed (E1)", mistake=CREATE_RETURNS
    )


@E1
def test_e1_patch_credits_checks_the_stored_code(api, make_course):
    """PATCH {"credits": 12} on a level-1 course is refused: validate() reads the stored code."""
    course = make_course(code="DRF101", credits=5)
    reply = api.patch(course_url(course.pk), {"credits": 12})
    expect_status(
        reply,
        400,
        "DRF101 is stored as level 1, so 12 credits break the rule even though only credits were sent (E1)",
        mistake=PATCH_FALLBACK,
    )
    course.refresh_from_db()
    expect(course.credits == 5, reply, "credits still 5", "a refused PATCH saves nothing (E1)")


@E1
def test_e1_patch_changes_only_the_fields_sent(api, make_course):
    """PATCH {"title": ...} answers 200, changes the title and keeps code and credits."""
    make_course(code="PY201", title="Another course", credits=8)
    course = make_course(code="DB110", title="Before", credits=10)
    reply = api.patch(course_url(course.pk), {"title": "After"})
    expect_status(
        reply,
        200,
        "a PATCH may send one field only (E1)",
        mistake=PATCH_FALLBACK
        + " "
        + CREATE_RETURNS
        + " The given course_detail looks the course up by its id: get_object_or_404(Course, pk=pk).",
    )
    course.refresh_from_db()
    expect(
        (course.code, course.title, course.credits) == ("DB110", "After", 10),
        reply,
        "DB110 / After / 10 credits in the database",
        "update() sets only the fields in validated_data (E1)",
    )


@E1
def test_e1_put_replaces_the_course_and_may_keep_its_own_code(api, make_course):
    """PUT with the course's own code is not a clash: the course is updated and answers 200."""
    course = make_course(code="DRF101", title="Old", credits=5)
    reply = api.put(course_url(course.pk), {"code": "drf101", "title": "New", "credits": 8})
    expect_status(
        reply,
        200,
        "a course does not clash with itself (UniqueValidator leaves out the instance) (E1)",
        mistake=CREATE_RETURNS,
    )
    course.refresh_from_db()
    expect(
        (course.code, course.title, course.credits) == ("DRF101", "New", 8),
        reply,
        "DRF101 / New / 8 credits in the database",
        "save() with an instance calls update(), which must save every field sent (E1)",
    )
    expect(
        Course.objects.count() == 1, reply, "still one course", "PUT updates; it never creates (E1)"
    )


@E1
def test_e1_put_without_credits_sets_them_back_to_5(api, make_course):
    """PUT replaces the whole course: `credits` left out is 5 again, as in a POST, not kept."""
    course = make_course(code="PY201", title="Old", credits=8)
    reply = api.put(course_url(course.pk), {"code": "PY201", "title": "New"})
    expect_status(reply, 200, "code and title are all a PUT needs (E1)", mistake=CREATE_RETURNS)
    course.refresh_from_db()
    expect(
        (course.title, course.credits) == ("New", 5),
        reply,
        "PY201 / New / 5 credits in the database",
        "PUT replaces the course, so a field it leaves out gets its default, 5 (E1)",
        mistake=(
            "Give credits default=5 rather than required=False: a default fills the field in "
            "under POST and PUT, and only PATCH (partial=True) leaves it alone."
        ),
    )


# ------------------------------------------------------------------ E2: enrolments


@pytest.fixture
def ada_in_drf(make_course, make_student, enrol):
    """Ada enrolled in DRF101; PY201 exists too, with Alan in it.

    Made in this order so that the enrolment's id, Ada's and DRF101's all differ: a field
    that shows the wrong one of the three cannot pass by chance.
    """
    drf = make_course(code="DRF101")
    py = make_course(code="PY201")
    alan = make_student(name="Alan Turing")
    make_student(name="Grace Hopper")
    ada = make_student(name="Ada Lovelace")
    enrol(py, alan)
    enrol(drf, ada)
    return ada, drf, py, Enrolment.objects.get(student=ada, course=drf)


@E2
def test_e2_list_shows_students_and_courses_by_id(api, ada_in_drf):
    """GET lists each enrolment as id, student, course (both by id), grade and enrolled_on."""
    ada, drf, _, enrolment = ada_in_drf
    reply = api.get(enrolments_url())
    expect_status(
        reply,
        200,
        "GET lists the enrolments (E2)",
        mistake=(
            "enrolled_on holds a date: serializers.DateField(read_only=True). A DateTimeField "
            "cannot render a date (AttributeError: no utcoffset, a 500)."
        ),
    )
    items = reply.data if isinstance(reply.data, list) else []
    item = next((i for i in items if isinstance(i, dict) and i.get("id") == enrolment.pk), {})
    expect(
        isinstance(item, dict)
        and set(item) == {"id", "student", "course", "grade", "enrolled_on"}
        and (item["id"], item["student"], item["course"], item["grade"])
        == (enrolment.pk, ada.pk, drf.pk, ""),
        reply,
        f'[{{"id": {enrolment.pk}, "student": {ada.pk}, "course": {drf.pk}, "grade": "", "enrolled_on": ...}}]',
        "PrimaryKeyRelatedField shows a related object as its id (E2)",
    )
    one = api.get(enrolment_url(enrolment.pk))
    expect_status(
        one,
        200,
        "the given enrolment_detail view answers GET with the enrolment (E2)",
        mistake="Leave the given views as they were: enrolment_detail answers GET, PUT and PATCH.",
    )
    expect(
        one.data == item,
        one,
        "the enrolment shown as in the list",
        "one enrolment is shown as in the list (E2)",
    )


@E2
def test_e2_create_answers_201(api, make_course, make_student, enrol):
    """POST with a student and a course enrols the student: 201, grade empty, date set.

    The student already takes another course, and the course has another student: only the
    same pair twice is a duplicate.
    """
    course, student = make_course(), make_student()
    enrol(make_course(), student)
    enrol(course, make_student())
    reply = api.post(enrolments_url(), {"student": student.pk, "course": course.pk})
    expect_status(
        reply,
        201,
        "the student takes another course, but not this one yet (E2)",
        mistake=(
            "A duplicate is the same student AND the same course: "
            "Enrolment.objects.filter(student=student, course=course). " + CREATE_RETURNS
        ),
    )
    expect(
        isinstance(reply.data, dict)
        and reply.data.get("grade") == ""
        and reply.data.get("enrolled_on")
        and Enrolment.objects.filter(student=student, course=course).exists(),
        reply,
        'the new enrolment with "grade": "" and today\'s enrolled_on, saved in the database',
        "grade is optional and enrolled_on is set by the model (E2)",
    )


@E2
def test_e2_id_and_enrolled_on_are_read_only(api, ada_in_drf):
    """An `id` or `enrolled_on` in a body is ignored: the database and the model set them."""
    _, _, _, enrolment = ada_in_drf
    enrolled_on = enrolment.enrolled_on
    body = {"id": 4242, "grade": "A", "enrolled_on": "2000-01-01"}
    reply = api.patch(enrolment_url(enrolment.pk), body)
    expect_status(reply, 200, "id and enrolled_on are ignored, and grade A is valid (E2)")
    stored = Enrolment.objects.filter(pk=enrolment.pk).first()
    expect(
        stored is not None and stored.enrolled_on == enrolled_on and stored.grade == "A",
        reply,
        f"enrolment {enrolment.pk} still enrolled on {enrolled_on}, now with grade A",
        "id and enrolled_on are read-only, so a body cannot backdate an enrolment (E2)",
        mistake="Declare both with read_only=True.",
    )


@E2
@pytest.mark.parametrize(
    "change, field",
    [
        pytest.param({"student": LEFT_OUT}, "student", id="missing-student"),
        pytest.param({"course": LEFT_OUT}, "course", id="missing-course"),
        pytest.param({"student": 999_999}, "student", id="unknown-student"),
        pytest.param({"course": 999_999}, "course", id="unknown-course"),
        pytest.param({"grade": "Z"}, "grade", id="grade-Z"),
    ],
)
def test_e2_invalid_field_answers_400_under_that_field(
    api, make_course, make_student, change, field
):
    """A missing or unknown student or course, or a grade outside A-F, answers 400 under that field."""
    body = {"student": make_student().pk, "course": make_course().pk, **change}
    body = {key: value for key, value in body.items() if value is not LEFT_OUT}
    reply = api.post(enrolments_url(), body)
    expect_status(
        reply,
        400,
        f"`{field}` is invalid in this body (E2)",
        mistake=(
            "student and course are required: PrimaryKeyRelatedField(queryset=...) without "
            "required=False answers 400 when one is left out or matches no row."
        ),
    )
    expect(
        errors_under(reply, field),
        reply,
        f"errors under {field!r}",
        "PrimaryKeyRelatedField and ChoiceField reject what they cannot accept (E2)",
    )


@E2
def test_e2_every_grade_and_the_empty_grade_are_accepted(api, ada_in_drf):
    """Each of GRADES, A to F, is a valid grade, and so is "" (no grade): PATCH answers 200 each time."""
    _, _, _, enrolment = ada_in_drf
    for grade in [*"ABCDEF", ""]:
        reply = api.patch(enrolment_url(enrolment.pk), {"grade": grade})
        expect_status(
            reply,
            200,
            f"{grade!r} is {'one of GRADES' if grade else 'the empty grade, which is allowed'} (E2)",
            mistake=(
                "grade = serializers.ChoiceField(choices=GRADES, allow_blank=True, required=False): "
                'every grade from A to F, and "" for no grade.'
            ),
        )
        stored = Enrolment.objects.get(pk=enrolment.pk).grade
        expect(
            stored == grade,
            reply,
            f"grade {grade!r} saved",
            "update() saves the fields sent (E2)",
        )


@E2
def test_e2_duplicate_enrolment_is_a_non_field_error(api, ada_in_drf):
    """Enrolling a student twice in one course answers 400 under non_field_errors, never 500."""
    ada, drf, _, _ = ada_in_drf
    reply = api.post(enrolments_url(), {"student": ada.pk, "course": drf.pk})
    expect_status(
        reply,
        400,
        "Ada is already enrolled in DRF101 (E2)",
        mistake="Check in validate() for an existing Enrolment with the same student and course; left to the database's unique constraint, it is an IntegrityError: a 500.",
    )
    expect(
        errors_under(reply, NON_FIELD),
        reply,
        'errors under "non_field_errors"',
        "the clash is about the pair, not one field (E2)",
    )
    expect(
        Enrolment.objects.filter(student=ada, course=drf).count() == 1,
        reply,
        "still one enrolment of Ada in DRF101",
        "a duplicate is not saved (E2)",
    )


@E2
def test_e2_patch_grade_alone_answers_200(api, ada_in_drf):
    """PATCH {"grade": "A"} sends neither student nor course, and still passes validate()."""
    _, _, _, enrolment = ada_in_drf
    reply = api.patch(enrolment_url(enrolment.pk), {"grade": "A"})
    expect_status(reply, 200, "a PATCH may send one field only (E2)", mistake=PATCH_FALLBACK_E2)
    enrolment.refresh_from_db()
    expect(enrolment.grade == "A", reply, 'grade "A" saved', "update() saves the fields sent (E2)")


@E2
def test_e2_patch_into_a_course_already_taken_is_refused(api, ada_in_drf, enrol):
    """PATCH {"course": ...} to a course the student already takes: 400, checked with the stored student."""
    ada, _, py, enrolment = ada_in_drf
    enrol(py, ada)
    reply = api.patch(enrolment_url(enrolment.pk), {"course": py.pk})
    expect_status(
        reply,
        400,
        "Ada already takes PY201: with the stored student, the new pair is a duplicate (E2)",
        mistake=PATCH_FALLBACK_E2,
    )
    expect(
        errors_under(reply, NON_FIELD),
        reply,
        'errors under "non_field_errors"',
        "the clash is about the pair (E2)",
    )


@E2
def test_e2_patch_into_a_free_course_moves_the_enrolment(api, ada_in_drf):
    """PATCH {"course": ...} to a course the student does not take answers 200 and saves it."""
    _, _, py, enrolment = ada_in_drf
    reply = api.patch(enrolment_url(enrolment.pk), {"course": py.pk})
    expect_status(reply, 200, "Ada does not take PY201 yet (E2)", mistake=PATCH_FALLBACK_E2)
    enrolment.refresh_from_db()
    expect(
        enrolment.course_id == py.pk, reply, "the enrolment now in PY201", "update() saves it (E2)"
    )


@E2
def test_e2_put_with_its_own_student_and_course_is_not_a_duplicate(api, ada_in_drf):
    """PUT repeating the enrolment's own student and course, with a grade: 200, not a clash with itself."""
    ada, drf, _, enrolment = ada_in_drf
    reply = api.put(
        enrolment_url(enrolment.pk), {"student": ada.pk, "course": drf.pk, "grade": "B"}
    )
    expect_status(
        reply,
        200,
        "the only enrolment with this pair is the one being updated (E2)",
        mistake="On update, leave the enrolment itself out of the search: .exclude(pk=self.instance.pk).",
    )
    enrolment.refresh_from_db()
    expect(enrolment.grade == "B", reply, 'grade "B" saved', "update() saves the fields sent (E2)")


# ------------------------------------------------------------------ E3: sign-up

User = get_user_model()
STRONG = "  apollo guidance 1969  "  # leading and trailing spaces are part of it
ALL_FIELDS = (
    "Declare exactly id, username, email and a password with write_only=True. A ModelSerializer "
    'with fields = "__all__" for users shows the password hash and accepts is_staff and '
    "is_superuser from the client."
)


def signup(username="mhamilton", password=STRONG, **extra):
    return {"username": username, "email": f"{username}@example.com", "password": password, **extra}


@E3
def test_e3_answer_shows_id_username_and_email_only(api):
    """POST answers 201 with exactly id, username and email: the password never comes back."""
    reply = api.post(register_url(), signup())
    expect_status(reply, 201, "the sign-up is valid (E3)", mistake=CREATE_RETURNS)
    expect(
        isinstance(reply.data, dict) and set(reply.data) == {"id", "username", "email"},
        reply,
        "exactly the keys id, username and email",
        "a password, even hashed, must never leave the server (E3)",
        mistake=ALL_FIELDS,
    )


@E3
def test_e3_password_is_stored_hashed(api):
    """The stored password is a hash that check_password() accepts, never the text sent."""
    reply = api.post(register_url(), signup())
    expect_status(reply, 201, "the sign-up is valid (E3)", mistake=CREATE_RETURNS)
    user = User.objects.filter(username="mhamilton").first()
    stored = user.password if user else None
    if stored in (STRONG, STRONG.strip()):
        mistake = (
            "The password is stored as typed: create the user with User.objects.create_user(...), "
            "which hashes it; User.objects.create(password=...) does not."
        )
    else:
        mistake = (
            "Keep trim_whitespace=False on the password field: by default CharField cuts the "
            "spaces off, so the password hashed is not the one typed."
        )
    expect(
        user is not None and stored != STRONG and user.check_password(STRONG),
        reply,
        "a user mhamilton whose stored password is a hash of the one sent, spaces included",
        "a database leak must not reveal passwords, and the password typed must log in (E3)",
        mistake=mistake,
    )


@E3
def test_e3_staff_flags_in_the_body_are_ignored(api):
    """is_staff and is_superuser sent by a client are not fields of the sign-up: ignored."""
    reply = api.post(register_url(), signup(is_staff=True, is_superuser=True))
    expect_status(reply, 201, "unknown fields in a body are ignored (E3)", mistake=CREATE_RETURNS)
    user = User.objects.filter(username="mhamilton").first()
    expect(
        user is not None and not user.is_staff and not user.is_superuser,
        reply,
        "a user who is neither staff nor superuser",
        "a client must not be able to make itself an administrator (E3)",
        mistake=ALL_FIELDS,
    )


@E3
@pytest.mark.parametrize(
    "password, email",
    [
        pytest.param("short1", "mhamilton@example.com", id="too-short"),
        pytest.param("password", "mhamilton@example.com", id="too-common"),
        pytest.param("31415926535", "mhamilton@example.com", id="all-digits"),
        pytest.param("mhamilton1969", "mhamilton@example.com", id="like-the-username"),
        pytest.param("mhamilton1969", "apollo@example.com", id="like-the-username-only"),
        pytest.param("margaret1969", "margaret@example.com", id="like-the-email-only"),
    ],
)
def test_e3_weak_password_answers_400_under_password(api, password, email):
    """Django's password validators run, the similarity to the username and to the email included: 400 under `password`."""
    reply = api.post(register_url(), signup(password=password, email=email))
    expect_status(
        reply,
        400,
        f"{password!r} fails Django's password validators for user mhamilton, {email} (E3)",
        mistake=(
            'Call validate_password(attrs["password"], user=User(username=..., email=...)) in '
            "validate(), the user with both its username and its email: the similarity check "
            "compares the password with each."
        ),
    )
    expect(
        errors_under(reply, "password"),
        reply,
        'errors under "password"',
        'raise serializers.ValidationError({"password": [...]}) so the client knows which field (E3)',
    )
    expect(
        not User.objects.filter(username="mhamilton").exists(),
        reply,
        "no user mhamilton",
        "a refused sign-up creates nothing (E3)",
    )


@E3
@pytest.mark.parametrize("username", ["grace", "Grace"])
def test_e3_taken_username_answers_400_whatever_the_case(api, make_user, username):
    """A username already taken, in any case, answers 400 under `username`."""
    make_user("grace")
    reply = api.post(register_url(), signup(username=username))
    expect_status(
        reply,
        400,
        f"grace exists, so {username!r} is taken (E3)",
        mistake='Give `username` a UniqueValidator(queryset=User.objects.all(), lookup="iexact").',
    )
    expect(
        errors_under(reply, "username"),
        reply,
        'errors under "username"',
        "the uniqueness rule belongs to the field (E3)",
    )


@E3
@pytest.mark.parametrize("username", ["two words", "semi;colon", "x" * 151])
def test_e3_username_takes_what_django_allows(api, username):
    """A username with characters Django refuses, or longer than 150, answers 400 under `username`."""
    reply = api.post(register_url(), signup(username=username, email="fine@example.com"))
    expect_status(
        reply,
        400,
        f"{username!r} is not a username Django's User model accepts (E3)",
        mistake="Give `username` max_length=150 and validators=[UnicodeUsernameValidator(), ...].",
    )
    expect(
        errors_under(reply, "username"),
        reply,
        'errors under "username"',
        "letters, digits and @/./+/-/_ only, at most 150 of them, as Django's User model (E3)",
    )


@E3
def test_e3_a_username_of_150_allowed_characters_is_accepted(api):
    """150 characters, with each of @ . + - _ among the letters and digits: exactly what Django's User allows."""
    username = ("grace.h+1@navy-" + "_" * 150)[:150]
    reply = api.post(register_url(), signup(username=username, email="grace@example.com"))
    expect_status(
        reply,
        201,
        "a username of 150 letters, digits and @.+-_ is one Django's User model accepts (E3)",
        mistake="Give `username` max_length=150, the User model's own limit, no less.",
    )
    expect(
        User.objects.filter(username=username).exists(),
        reply,
        "the new user in the database",
        "a valid sign-up creates the user (E3)",
    )


@E3
def test_e3_missing_fields_answer_400_under_each_field(api):
    """An empty body answers 400 with an error for username, email and password."""
    reply = api.post(register_url(), {})
    expect_status(reply, 400, "every field of the sign-up is required (E3)")
    expect(
        isinstance(reply.data, dict) and {"username", "email", "password"} <= set(reply.data),
        reply,
        "errors under username, email and password",
        "required fields are reported one by one (E3)",
    )
