"""The worked example's filters: a FilterSet for ?year= and friends, and an ordering that settles ties."""

import django_filters
from rest_framework.filters import OrderingFilter

from playground_project.domain.models import Student


class StudentFilter(django_filters.FilterSet):
    """`?year=2`, `?year_min=2&year_max=4`, `?course=drf101`; unknown parameters are ignored."""

    # Declared filters name the query parameter and say which lookup it runs.
    year_min = django_filters.NumberFilter(field_name="year", lookup_expr="gte")
    year_max = django_filters.NumberFilter(field_name="year", lookup_expr="lte")
    # Across a to-many relation django-filter keeps duplicates (distinct=False). iexact matches
    # one code, and a student takes a course once (a unique constraint), so there are none;
    # an icontains would list a student of DRF101 and DRF101X twice.
    course = django_filters.CharFilter(field_name="courses__code", lookup_expr="iexact")

    class Meta:
        model = Student
        fields = ["year"]  # a model field: django-filter builds ?year= (exact) for it


class StableOrderingFilter(OrderingFilter):
    """OrderingFilter that ends every ordering with the primary key.

    `?ordering=year` alone leaves the students of one year in whatever order the database
    returns them, which may differ from one query to the next: page 2 could repeat a row of
    page 1. The primary key is unique, so it settles every tie.
    """

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not {"pk", "id", "-pk", "-id"} & set(ordering):
            ordering = [*ordering, "pk"]
        return ordering
