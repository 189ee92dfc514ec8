"""The worked example's paginators: a page number for a list, a cursor for a feed."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class StudentPagination(PageNumberPagination):
    """`?page=2`; ten students a page, or `?page_size=` of them, never more than 100."""

    page_size = 10
    page_size_query_param = "page_size"  # None (the default) would ignore ?page_size=
    max_page_size = 100  # without it, ?page_size=100000 serializes the whole table


class NewStudentsPagination(CursorPagination):
    """`?cursor=...`; the newest students first, five a page: no count and no page numbers."""

    page_size = 5
    page_size_query_param = "page_size"
    max_page_size = 100
    # The cursor remembers a position in this ordering. created_at never changes, and the id
    # settles ties, so a student added while a client pages cannot shift the pages it has not
    # read yet. (DRF's default, "-created", is a field these models do not have.)
    ordering = ("-created_at", "-id")
