"""The worked example's serializer: students as a hyperlinked resource.

A hyperlinked serializer writes each relation as the URL of the related object, not its id,
so a client follows links instead of knowing this API's URL patterns.
"""

from rest_framework import serializers

from playground_project.domain.models import Student


class StudentSerializer(serializers.HyperlinkedModelSerializer):
    """A student, with a link to itself and a link to each course they take.

    HyperlinkedModelSerializer adds a `url` field (a HyperlinkedIdentityField) and turns
    every relation into a HyperlinkedRelatedField. Both guess the view name as
    "<model>-detail", without this lesson's namespace, so each is named here in full.
    """

    # The link to this student itself: the router's detail route, reversed with the request.
    url = serializers.HyperlinkedIdentityField(view_name="l13:student-detail")
    # Read-only: a client sees the owner's username and never sets it; the view stamps it.
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # A link per course. Course URLs use the code, so the field looks courses up by it too.
    courses = serializers.HyperlinkedRelatedField(
        many=True, read_only=True, view_name="l13:course-detail", lookup_field="code"
    )

    class Meta:
        model = Student
        fields = ["url", "id", "name", "email", "year", "owner", "courses"]
