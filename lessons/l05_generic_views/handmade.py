"""The study notes' generic views, combined by hand, kept to compare with the concrete classes.

The notes build a list-and-create view out of ListAPIView + CreateAPIView, and a detail
view out of UpdateAPIView + DestroyAPIView. The first pair works: it is exactly what
ListCreateAPIView is. The second pair never answers GET. The README's section "Combining
concrete classes by hand" explains both; /lessons/05/notes/students/ serves them.
"""

from rest_framework import generics
from rest_framework.permissions import IsAuthenticatedOrReadOnly

from playground_project.domain.models import Student

from .permissions import IsOwnerOrReadOnly
from .serializers import StudentSerializer
from .views import AUTHENTICATION


class NotesStudentList(generics.ListAPIView, generics.CreateAPIView):
    """The notes' list-and-create view: ListAPIView brings get(), CreateAPIView brings post()."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly]
    queryset = Student.objects.select_related("owner")
    serializer_class = StudentSerializer

    def perform_create(self, serializer):
        # As views.StudentList: without it, a student created here has no owner, and
        # IsOwnerOrReadOnly then lets nobody change or delete it.
        serializer.save(owner=self.request.user)


class NotesStudentDetail(generics.UpdateAPIView, generics.DestroyAPIView):
    """The notes' detail view: put(), patch() and delete(), but no get(): GET answers 405."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    queryset = Student.objects.select_related("owner")
    serializer_class = StudentSerializer
    lookup_field = "id"  # so the URL must name its keyword <int:id>, or every call is a 500
