"""Students, courses and enrolments: the data every lesson's API serves."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Course(models.Model):
    code = models.CharField(max_length=12, unique=True, help_text="Short code, e.g. DRF101.")
    title = models.CharField(max_length=120)
    credits = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.title}"


class Student(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    year = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="students",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    courses = models.ManyToManyField(Course, through="Enrolment", related_name="students")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Enrolment(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_on = models.DateField(auto_now_add=True)
    grade = models.CharField(
        max_length=2, blank=True, help_text="Empty until the course is graded."
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "course"], name="one_enrolment_per_course"),
        ]

    def __str__(self):
        return f"{self.student} in {self.course}"
