"""The courses this lesson deploys: a course with a number of seats, and its enrolments.

The rules that must hold however many processes write at once live in the database, where
every worker meets them: a course code is unique whatever its case.
"""

from django.db import models
from django.db.models.functions import Lower


class Course(models.Model):
    """A course that a limited number of students can enrol in."""

    code = models.CharField(max_length=12, help_text="Short code, e.g. DRF101; unique in any case.")
    title = models.CharField(max_length=120)
    seats = models.PositiveSmallIntegerField(default=20, help_text="How many students fit.")

    class Meta:
        ordering = ["code"]
        constraints = [
            # `unique=True` on the field would let DRF101 and drf101 both in: an index on the
            # lower-cased code is what makes them one code, for every writer at once.
            models.UniqueConstraint(Lower("code"), name="l15_course_code_unique_any_case"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class Enrolment(models.Model):
    """One student's seat in a course, by email address."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    email = models.EmailField()
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["enrolled_at", "id"]

    def __str__(self):
        return f"{self.email} in {self.course.code}"
