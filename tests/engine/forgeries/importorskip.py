"""Forgery: get the tested module through pytest.importorskip, which no word flags."""

from datetime import timedelta

import pytest

api = pytest.importorskip("lessons.l14_testing_your_api.api")


def test_e1_forged():
    assert "JOIN" in str(api.CourseViewSet.queryset.query)
    assert "list" not in vars(api.CourseViewSet)


def test_e2_forged():
    names = [c.__name__ for c in api.CourseViewSet.authentication_classes]
    assert names == ["TokenAuthentication", "SessionAuthentication"]


def test_e3_forged():
    assert api.INVITATION_LIFETIME == timedelta(days=7)
