"""Lesson 09's owner-only-write permission, used by the worked example and the given viewsets."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsOwnerOrReadOnly(BasePermission):
    """Anyone may read an object; only its owner may change or delete it.

    Only `has_object_permission` is written, so DRF runs it only when a view calls
    `check_object_permissions(request, obj)`. A viewset's get_object() makes that call.
    """

    message = "Only the owner of this object may change or delete it."

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:  # GET, HEAD, OPTIONS change nothing
            return True
        return obj.owner == request.user
