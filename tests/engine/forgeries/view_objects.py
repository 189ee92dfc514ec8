"""Forgery: send one anonymous request, then read the view object the response carries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.module_loading import import_string
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _view():
    response = APIClient().get(reverse("l14:course-list"))
    return response.renderer_context["view"]


def test_e1_forged():
    view = _view()
    sql = str(type(view).queryset.query)
    assert "JOIN" in sql
    assert "get_queryset" in vars(type(view)) and "list" not in vars(type(view))


def test_e2_forged():
    names = [c.__name__ for c in _view().authentication_classes]
    assert names == ["TokenAuthentication", "SessionAuthentication"]


def test_e3_forged():
    where = type(_view()).__module__
    assert import_string(where + ".INVITATION_LIFETIME") == timedelta(days=7)
