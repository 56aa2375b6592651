"""Length limits of the text input that no model field bounds (passwords).

Every text field of the apps' models has a ``max_length``, which their model forms and
model serializers take over; the fields declared by hand use the model's value or one
of these. ``tests/test_limits.py`` of each package walks the models, forms and
serializers and fails for a text field without a limit.
"""

from django.core.validators import MaxLengthValidator

#: Longest password accepted by the forms and the API. Django's own password fields set
#: no limit; 4096 is the one Django once had and far beyond any password manager's.
PASSWORD_MAX_LENGTH = 4096


def limit_length(field, max_length=PASSWORD_MAX_LENGTH):
    """Give a form field built elsewhere (Django's password fields) a ``max_length``:
    the validator, so a longer value is a field error, and the widget's ``maxlength``."""
    field.max_length = max_length
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs["maxlength"] = str(max_length)
    return field
