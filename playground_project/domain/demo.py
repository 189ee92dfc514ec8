"""The demo data: users, courses, students and enrolments that the lessons and notebooks use."""

from importlib import import_module

from django.contrib.auth import get_user_model
from django.db import transaction

from course.manifest import all_lessons
from playground_project.domain.models import Course, Enrolment, Student

# Demo accounts for a local playground only; the README lists them.
USERS = [
    {"username": "admin", "password": "admin-pass-123", "is_staff": True, "is_superuser": True},
    {"username": "alice", "password": "alice-pass-123"},
    {"username": "bob", "password": "bob-pass-123"},
]
COURSES = [
    ("DRF101", "REST APIs with Django REST framework", 5),
    ("PY201", "Python beyond the basics", 5),
    ("DB110", "Relational databases", 10),
]
STUDENTS = [
    ("Ada Lovelace", "ada@example.com", 2, "alice", ["DRF101", "PY201"]),
    ("Alan Turing", "alan@example.com", 3, "alice", ["DRF101"]),
    ("Grace Hopper", "grace@example.com", 1, "bob", ["PY201", "DB110"]),
    ("Edsger Dijkstra", "edsger@example.com", 4, "bob", []),
]


@transaction.atomic
def load_demo_data() -> dict[str, int]:
    """Create the demo rows that are missing; running it twice changes nothing."""
    User = get_user_model()
    users = {}
    for spec in USERS:
        spec = dict(spec)
        password = spec.pop("password")
        user, created = User.objects.get_or_create(username=spec["username"], defaults=spec)
        if created:
            user.set_password(password)  # hashed, never stored as given
            user.save(update_fields=["password"])
        users[user.username] = user
    courses = {}
    for code, title, credits in COURSES:
        courses[code], _ = Course.objects.get_or_create(
            code=code, defaults={"title": title, "credits": credits, "owner": users["admin"]}
        )
    for name, email, year, owner, codes in STUDENTS:
        student, _ = Student.objects.get_or_create(
            email=email, defaults={"name": name, "year": year, "owner": users[owner]}
        )
        for code in codes:
            Enrolment.objects.get_or_create(student=student, course=courses[code])
    counts = {
        "users": User.objects.count(),
        "courses": Course.objects.count(),
        "students": Student.objects.count(),
        "enrolments": Enrolment.objects.count(),
    }
    # A lesson with models of its own (lesson 16's versioned courses) loads its rows from its
    # demo.py, given the demo users; the others have none.
    for lesson in all_lessons():
        name = f"lessons.{lesson.slug}.demo"
        try:
            demo = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        counts.update(demo.load(users))
    return counts
