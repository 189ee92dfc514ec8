"""The worked example's paginators: a page number for a list, a cursor for a feed."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination


class StudentPagination(PageNumberPagination):
    """`?page=2`; ten students a page, or `?page_size=` of them, never more than 100."""

    page_size = 10
    page_size_query_param = "page_size"  # None (the default) would ignore ?page_size=
    max_page_size = 100  # without it, ?page_size=100000 serializes the whole table


class CheckedCursorPagination(CursorPagination):
    """CursorPagination that answers 404 Invalid cursor to a position of the wrong type.

    DRF's decode_cursor() answers 404 when a cursor is not base64 or its offset is not a
    number, but it passes the position (`p=`) on as text, and paginate_queryset() filters by
    it outside any try: `?cursor=` + base64("p=abc") on a list ordered by a date or an id is
    a 500. A cursor is a query parameter, and a client can write any value into it. Here the
    position is parsed by the ordering field itself first, as the filter would parse it.
    """

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model  # decode_cursor() only gets the request
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)  # 404 for bad base64, offset or direction
        if cursor is None or cursor.position is None:
            return cursor
        # paginate_queryset() has set self.ordering before it decodes the cursor.
        name = self.ordering[0].lstrip("-")
        opts = self.model._meta
        field = opts.pk if name == "pk" else opts.get_field(name)
        try:
            field.to_python(cursor.position)  # "abc" for an id or a date: ValidationError
        except DjangoValidationError:
            raise NotFound(self.invalid_cursor_message) from None
        return cursor


class NewStudentsPagination(CheckedCursorPagination):
    """`?cursor=...`; the newest students first, five a page: no count and no page numbers."""

    page_size = 5
    page_size_query_param = "page_size"
    max_page_size = 100
    # The cursor remembers a position in this ordering. created_at never changes, and the id
    # settles ties, so a student added while a client pages cannot shift the pages it has not
    # read yet. (DRF's default, "-created", is a field these models do not have.)
    ordering = ("-created_at", "-id")
