"""The permission lesson 06's views share: lesson 04's, given ready-made (lesson 09 teaches them)."""

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
