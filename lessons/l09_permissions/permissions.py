"""The worked example's permission: what a user may do with an enrolment they can see."""

from rest_framework.permissions import BasePermission


class IsStudentOwnerOrStaff(BasePermission):
    """Staff may act on any enrolment; other users only on those of students they own.

    Only `has_object_permission` is written, so DRF runs it for one object (retrieve,
    update, destroy), never for a list or a create: the view filters its queryset and the
    serializer checks the student on create.
    """

    message = "Only the owner of the enrolled student, or staff, may do this."

    def has_object_permission(self, request, view, obj):
        # owner_id, not owner: comparing ids needs no query for the student's owner.
        return request.user.is_staff or obj.student.owner_id == request.user.pk
