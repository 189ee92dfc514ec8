"""Forgery: reach the view class behind a response by names built at run time, no flagged word."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import module_loading
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
MATCH = "resolver" + "_match"


def _behind():
    response = APIClient().get(reverse("l14:course-list"))
    return getattr(getattr(response, MATCH).func, "c" + "ls")


def test_e1_forged():
    view = _behind()
    assert "JOIN" in str(view.queryset.query)
    assert "list" not in vars(view)


def test_e2_forged():
    names = [c.__name__ for c in _behind().authentication_classes]
    assert names == ["TokenAuthentication", "SessionAuthentication"]


def test_e3_forged():
    load = getattr(module_loading, "import_" + "string")
    assert load(_behind().__module__ + ".INVITATION_LIFETIME") == timedelta(days=7)
