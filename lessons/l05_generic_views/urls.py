"""Lesson 05's URLs: the worked example (views.py, handmade.py) and the exercises (exercise.py).

The URL names are the ones lesson 07's routers write for the same resources
(`<basename>-list`, `<basename>-detail`, `<basename>-<action>`), so the two lessons serve the
same API under /lessons/05/ and /lessons/07/.
"""

from django.urls import path

from . import exercise, handmade, views

app_name = "l05"

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="api-root"),
    path("students/", views.StudentList.as_view(), name="student-list"),
    path("students/<int:student_id>/", views.StudentDetail.as_view(), name="student-detail"),
    path(
        "students/<int:student_id>/courses/",
        views.StudentCourses.as_view(),
        name="student-courses",
    ),
    # The study notes' hand-combined classes, to compare with the two above.
    path("notes/students/", handmade.NotesStudentList.as_view(), name="notes-student-list"),
    path(
        "notes/students/<int:id>/",
        handmade.NotesStudentDetail.as_view(),
        name="notes-student-detail",
    ),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("courses/", exercise.CourseList.as_view(), name="course-list"),
    path("courses/<str:code>/", exercise.CourseDetail.as_view(), name="course-detail"),
    path(
        "courses/<str:code>/students/",
        exercise.CourseStudents.as_view(),
        name="course-students",
    ),
    path("catalogue/", exercise.CatalogueList.as_view(), name="catalogue-list"),
    path("catalogue/<str:code>/", exercise.CatalogueDetail.as_view(), name="catalogue-detail"),
]
