"""Known mistake (E1): CourseList has the two mixins but no get() or post(): mixins provide actions, not handlers, so GET and POST answer 405."""

from rest_framework import generics, mixins, viewsets
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly

from playground_project.domain.models import Course

from .permissions import IsOwnerOrReadOnly
from .serializers import CourseSerializer


# Mixins first, base class last: the mixins hold the actions, GenericAPIView dispatches.
class CourseList(mixins.ListModelMixin, mixins.CreateModelMixin, generics.GenericAPIView):
    """GET: every course, for anyone. POST: a new course, owned by the logged-in user.

    URL: /lessons/06/courses/. The shape of ListCreateAPIView, composed by hand.
    """

    authentication_classes = [BasicAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticatedOrReadOnly]
    queryset = Course.objects.select_related("owner")
    serializer_class = CourseSerializer

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)  # the owner comes from the login


class CourseDetail(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, generics.GenericAPIView):
    """One course, by its code: anyone may read it, its owner may PATCH it; no PUT, no DELETE.

    URL: /lessons/06/courses/<code>/.
    """

    authentication_classes = [BasicAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    queryset = Course.objects.select_related("owner")
    serializer_class = CourseSerializer
    lookup_field = "code"  # the URL keyword is <str:code> too

    def get(self, request, *args, **kwargs):
        return self.retrieve(request, *args, **kwargs)

    def patch(self, request, *args, **kwargs):
        # partial_update(), not update(): only the fields sent are validated.
        return self.partial_update(request, *args, **kwargs)

    # No put() and no delete(): UpdateModelMixin's update() action stays unbound, so PUT is 405.


class OwnedByUserMixin:
    """Keep a generic view to the logged-in user's own objects, and make new ones theirs."""

    def get_queryset(self):
        # super() is the next class in the MRO: GenericAPIView, if this mixin comes first.
        return super().get_queryset().filter(owner=self.request.user)

    def perform_create(self, serializer):
        # Replaces CreateModelMixin.perform_create(), which this mixin must come before.
        serializer.save(owner=self.request.user)


# The custom mixin first: its get_queryset() and perform_create() must be found before
# GenericAPIView's and CreateModelMixin's.
class MyCourseViewSet(
    OwnedByUserMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The logged-in user's courses: list them, create one, read one. No update, no delete.

    URLs: /lessons/06/my-courses/ and /lessons/06/my-courses/<code>/.
    """

    authentication_classes = [BasicAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]  # "my" courses need a user: anonymous is 401
    queryset = Course.objects.select_related("owner")
    serializer_class = CourseSerializer
    lookup_field = "code"


# Bind only the actions the mixins provide; unbound methods answer 405. A router (lesson 07)
# writes these two lines by checking which actions the viewset has.
my_course_list = MyCourseViewSet.as_view({"get": "list", "post": "create"})
my_course_detail = MyCourseViewSet.as_view({"get": "retrieve"})
