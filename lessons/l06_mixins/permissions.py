"""The permissions lesson 06's views share, given ready-made (lesson 09 teaches how to write them)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsOwnerOrReadOnly(BasePermission):
    """Anyone may read an object; only its owner may change or delete it.

    Only `has_object_permission` is written: GenericAPIView.get_object() asks it.
    """

    message = "Only the owner of this object may change or delete it."

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:  # GET, HEAD, OPTIONS change nothing
            return True
        return obj.owner == request.user


class IsStudentOwnerOrReadOnly(BasePermission):
    """Anyone may read an enrolment; only the owner of its student may delete it (unenrol).

    Put IsAuthenticatedOrReadOnly before it: it compares with request.user.pk, which an
    anonymous caller does not have.
    """

    message = "Only the owner of this student may unenrol them."

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return obj.student.owner_id == request.user.pk
