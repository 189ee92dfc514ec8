"""Lesson 09's owner-only-write permission, used by the given views."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsOwnerOrReadOnly(BasePermission):
    """Anyone may read an object; only its owner may change it."""

    message = "Only the owner of this course may change it."

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return obj.owner_id is not None and obj.owner_id == request.user.pk
