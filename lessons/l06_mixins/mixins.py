"""A mixin of the worked example's own: look one object up by several URL keywords.

DRF's own mixins (rest_framework/mixins.py) provide actions; this one replaces a method of
GenericAPIView, so it must come before GenericAPIView in a class's bases.
"""

from django.shortcuts import get_object_or_404


class MultipleFieldLookupMixin:
    """Find the object by every entry of `lookup_fields`, a dict {model lookup: URL keyword}.

    For example `{"course__code": "code", "student__pk": "student_id"}` finds the enrolment of
    the URL `courses/<str:code>/students/<int:student_id>/`.
    """

    lookup_fields = None

    def get_object(self):
        name = type(self).__name__
        # Fail loudly, as GenericAPIView does: without filters, any single row would match.
        assert self.lookup_fields, f"'{name}' should set `lookup_fields` to {{field: URL keyword}}."
        missing = [kwarg for kwarg in self.lookup_fields.values() if kwarg not in self.kwargs]
        assert not missing, f"'{name}' was called without the URL keywords {missing}."

        queryset = self.filter_queryset(self.get_queryset())
        filters = {field: self.kwargs[kwarg] for field, kwarg in self.lookup_fields.items()}
        obj = get_object_or_404(queryset, **filters)
        # What GenericAPIView.get_object() would have done: replacing it must not skip this.
        self.check_object_permissions(self.request, obj)
        return obj
