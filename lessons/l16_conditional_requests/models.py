"""The course this lesson serves: the shared domain's course, plus a version and a change time.

The shared `Course` knows neither when it last changed nor how many times: a client cannot
ask "has it changed since I read it?" about it. This model keeps both, and keeps them
right on every save, so that the views only read them.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class VersionedCourse(models.Model):
    """A course whose every save bumps `version` and stamps `updated_at`."""

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
        related_name="versioned_courses",
    )
    version = models.PositiveIntegerField(
        default=0, editable=False, help_text="How many times the course was saved."
    )
    updated_at = models.DateTimeField(
        default=timezone.now, editable=False, help_text="When the course was last saved."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        # Every save is a new version, whoever makes it: a view, the admin, a shell, a test.
        self.version += 1
        self.updated_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version", "updated_at"}
        super().save(*args, **kwargs)
