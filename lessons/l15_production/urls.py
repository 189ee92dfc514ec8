"""Lesson 15's URLs: the worked example (views.py) and the exercises (exercise.py).

The playground mounts them under lessons/15/; the production URLconf (production_urls.py)
mounts the same ones under api/.
"""

from django.urls import path

from . import views
from .exercise import health

app_name = "l15"

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="api-root"),
    path("catalogue/", views.Catalogue.as_view(), name="catalogue"),
    # The exercises: the same URLs serve the starter, the solution or a student's answer.
    path("courses/", views.CourseList.as_view(), name="courses"),
    path("courses/<str:code>/enrolments/", views.Enrol.as_view(), name="enrol"),
    path("health/", health, name="health"),
]
