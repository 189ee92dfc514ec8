"""Lesson 09's URLs: the worked example (views.py) and the exercises (exercise.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import exercise, views

app_name = "l09"

router = SimpleRouter()
router.register("enrolments", views.EnrolmentViewSet, basename="enrolment")
# The exercises: the same URLs serve the starter, the solution or a student's answer.
router.register("courses", exercise.CourseViewSet, basename="course")
router.register("students", exercise.StudentViewSet, basename="student")
router.register("my-students", exercise.MyStudentViewSet, basename="my-student")

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="api-root"),
    path("token/", views.ObtainToken.as_view(), name="token"),
    path("permissions/", views.PermissionTable.as_view(), name="permission-table"),
    *router.urls,
]
