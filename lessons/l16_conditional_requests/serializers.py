"""The representations of a course: one for a reader, and v1 and v2 of the catalogue's."""

from rest_framework import serializers

from .models import VersionedCourse


class CourseSerializer(serializers.ModelSerializer):
    """One course, as `/lessons/16/courses/<code>/` reads and writes it.

    `editable` says whether the caller may change the course, so the same course reads
    differently for its owner and for everyone else: this reply depends on who asks.
    """

    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    editable = serializers.SerializerMethodField()

    class Meta:
        model = VersionedCourse
        fields = ["code", "title", "credits", "owner", "version", "updated_at", "editable"]
        read_only_fields = ["code", "version", "updated_at"]

    def get_editable(self, course) -> bool:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated and course.owner_id == user.pk)


class CatalogueSerializer(serializers.ModelSerializer):
    """A course in the public catalogue: the same for everyone."""

    class Meta:
        model = VersionedCourse
        fields = ["code", "title", "credits"]


class CatalogueV1Serializer(serializers.ModelSerializer):
    """Version 1 of a catalogue entry: the course's name is `title`."""

    class Meta:
        model = VersionedCourse
        fields = ["code", "title", "credits"]


class CatalogueV2Serializer(serializers.ModelSerializer):
    """Version 2 of a catalogue entry: `title` is renamed `name`, a change old clients cannot read."""

    name = serializers.CharField(source="title")

    class Meta:
        model = VersionedCourse
        fields = ["code", "name", "credits"]
