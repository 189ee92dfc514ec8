"""Lesson 08's URLs: the worked example (views.py) and the exercises (exercise.py)."""

from django.urls import path

from . import exercise, views

app_name = "l08"

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="api-root"),
    path("students/", views.StudentList.as_view(), name="student-list"),
    path("my-token/", views.MyToken.as_view(), name="my-token"),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("me/", exercise.Me.as_view(), name="me"),
    path("token/", exercise.ObtainToken.as_view(), name="token"),
    path("courses/", exercise.CourseList.as_view(), name="course-list"),
    path("my-courses/", exercise.MyCourses.as_view(), name="my-courses"),
]
