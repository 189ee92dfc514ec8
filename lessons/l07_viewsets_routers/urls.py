"""Lesson 07's URLs, written by two routers: the worked example's and the exercises'.

A router turns each registered viewset into URL patterns: `<prefix>/` named
`<basename>-list`, `<prefix>/<lookup>/` named `<basename>-detail`, and one pattern per
@action, named `<basename>-<url_name>`. Nothing else in this file names a URL.
"""

from rest_framework.routers import DefaultRouter

from . import exercise, views

app_name = "l07"

# DefaultRouter = SimpleRouter + a root view at "" (api-root) + `.json`-style format suffixes.
router = DefaultRouter()
router.APIRootView = views.ApiRoot  # the root view with this lesson's authentication
router.register("students", views.StudentViewSet)  # basename "student", from queryset.model
router.register("stats", views.StatsViewSet, basename="stats")  # no queryset: basename required

# The exercises register on their own SimpleRouter in exercise.py: the same URLs then serve
# the starter, the solution or a student's answer. A SimpleRouter writes no root view, so the
# root above lists the worked example only.
urlpatterns = [*router.urls, *exercise.router.urls]
