"""The worked example: the router's API root and students as a hyperlinked resource.

Read this file next to the README. The exercises (exercise.py) serve enrolments and courses
on the same router, so every resource of the lesson is linked from the root.
"""

from rest_framework import routers, viewsets
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly

from playground_project.domain.models import Student

from .permissions import IsOwnerOrReadOnly
from .serializers import StudentSerializer

# Basic first, as in lessons 04 to 09: a request that needs a login and has none answers 401.
AUTHENTICATION = [BasicAuthentication, SessionAuthentication]


class ApiRoot(routers.APIRootView):
    """Lesson 13's entry point: a link to every resource registered on the router.

    DRF's APIRootView reverses each "<basename>-list" route with the request, so the links
    carry the host and the /lessons/13/ prefix the client used.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]


class StudentViewSet(viewsets.ModelViewSet):
    """Students, each with its own URL: anyone reads them, a logged-in user creates students
    they own, and only the owner changes or deletes one.
    """

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    # prefetch_related: the `courses` links of a whole page come from one more query.
    queryset = Student.objects.select_related("owner").prefetch_related("courses")
    serializer_class = StudentSerializer
    lookup_value_regex = "[0-9]+"  # the router's detail URL takes digits only

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)  # the owner is the login, never the body
