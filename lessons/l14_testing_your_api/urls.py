"""Lesson 14's URLs: the API under test (api.py). Your tests (exercise.py) call these by name.

The router names the course URLs as lesson 07's does: `course-list`, `course-detail` and
`course-invite`, in the namespace `l14` (so `reverse("l14:course-list")`).
"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

app_name = "l14"

router = DefaultRouter()
router.register("courses", api.CourseViewSet, basename="course")

urlpatterns = [
    *router.urls,
    path("join/", api.JoinView.as_view(), name="join"),
    path("token/", api.TokenView.as_view(), name="token"),
]
