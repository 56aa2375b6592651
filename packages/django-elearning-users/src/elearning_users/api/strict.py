"""JSON values of the type the schema says, or a 400.

DRF coerces what it is given: ``{"title": 12}`` becomes the title ``"12"``,
``{"rating": "5"}`` the rating 5, ``{"course": true}`` the course with id 1. In a form
body every value is text and coercing is right; in a JSON body a value of another type
than the one the API documents is a client bug, and accepting it hides the bug (and
makes the OpenAPI schema wrong). :class:`StrictJSONTypesMixin` refuses such values with
a field error, for JSON bodies only.
"""

from collections.abc import Mapping

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

_TYPE_NAMES = {str: _("a string"), int: _("an integer"), bool: _("true or false"), float: _("a number")}


def json_type(field):
    """The JSON type a writable field takes (``str``, ``int``, ``float``, ``bool``), or
    ``None`` where any is fine (files, nested serializers, lists...)."""
    if isinstance(field, serializers.BooleanField):
        return bool
    if isinstance(field, serializers.ChoiceField):
        values = list(field.choices)
        if values and all(isinstance(v, str) for v in values):
            return str
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return int
        return None
    if isinstance(field, serializers.CharField):
        return str
    if isinstance(field, serializers.IntegerField):
        return int
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        return float
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return int
    return None


def _matches(value, expected):
    if expected is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if expected is float:
        return isinstance(value, int | float)
    return isinstance(value, expected)


class StrictJSONTypesMixin:
    """Serializer mixin: in a JSON body, each writable field's value must have the field's
    JSON type (``null`` where the field allows it); otherwise a 400 with a field error.
    Form and multipart bodies (a :class:`~django.http.QueryDict`) are not concerned.

    In every body, a text longer than the field's ``max_length`` is refused as sent:
    DRF trims whitespace first, so that ``maxLength`` in the schema would otherwise
    not be what the API enforces."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            is_json = not isinstance(data, QueryDict)
            errors = {}
            for name, field in self.fields.items():
                if field.read_only or field.source == "*" or name not in data:
                    continue
                value = data[name]
                error = _type_error(field, value) if is_json else None
                if error is None and isinstance(value, str):
                    error = _length_error(field, value)
                if error is not None:
                    errors[name] = [error]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _type_error(field, value):
    expected = json_type(field)
    if expected is None or (value is None and field.allow_null) or _matches(value, expected):
        return None
    return _("Must be %(type)s.") % {"type": _TYPE_NAMES[expected]}


def _length_error(field, value):
    limit = getattr(field, "max_length", None)
    if isinstance(field, serializers.CharField) and limit is not None and len(value) > limit:
        return field.error_messages["max_length"].format(max_length=limit)
    return None
