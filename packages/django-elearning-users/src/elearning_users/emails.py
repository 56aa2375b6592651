"""One account per e-mail address, whatever its case.

:func:`email_taken` is what the forms and serializers check, for an error beside the field
(the database constraint ``<app>_<model>_email_ci_unique`` is the last word).

:func:`clear_duplicate_emails` clears the duplicates before that constraint is added. Used by migration ``0002`` of ``elearning_users.User``; a site whose user model subclasses
``AbstractElearningUser`` runs the same step in its own migration, before the
``AddConstraint`` that ``makemigrations`` writes::

    from elearning_users.emails import clear_duplicate_emails

    operations = [
        migrations.RunPython(clear_duplicate_emails("members.Member"), migrations.RunPython.noop),
        migrations.AddConstraint(...),
    ]

No account is deleted. In each group of accounts whose addresses differ only in case, the
oldest account (lowest id) keeps its address; the others get an empty one, which the
constraint allows, and are listed on standard output and in the ``elearning_users`` log
(warning) with their former address, so that the site can ask them for a new one.
"""

import logging
import sys

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("elearning_users")

EMAIL_TAKEN = _("A user with that email address already exists.")


def email_taken(email, exclude_pk=None):
    """Whether another account uses ``email``, compared without regard to case."""
    if not email:
        return False
    others = get_user_model()._default_manager.filter(email__iexact=email)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.exists()


def duplicate_errors(values, exclude_pk=None):
    """Field errors for a save that lost a race on the username or e-mail constraint:
    ``{field: [message]}`` for whichever is now taken (the e-mail when neither is)."""
    model = get_user_model()
    errors = {}
    name_field = model.USERNAME_FIELD
    username = values.get(name_field)
    if username and model._default_manager.filter(**{name_field: username}).exclude(pk=exclude_pk).exists():
        errors[name_field] = [model._meta.get_field(name_field).error_messages["unique"]]
    if email_taken(values.get("email"), exclude_pk=exclude_pk) or not errors:
        errors["email"] = [EMAIL_TAKEN]
    return errors


def clear_duplicate_emails(model_label):
    """A ``RunPython`` function for the model ``"app_label.ModelName"``."""

    def run(apps, schema_editor):
        model = apps.get_model(model_label)
        if model._meta.swapped:
            return  # a site with its own user model: elearning_users.User has no table
        manager = model._default_manager.using(schema_editor.connection.alias)
        duplicated = (
            manager.exclude(email="")
            .annotate(folded=Lower("email"))
            .values("folded")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list("folded", flat=True)
        )
        for folded in list(duplicated):
            accounts = list(manager.annotate(folded=Lower("email")).filter(folded=folded).order_by("pk"))
            keeper, others = accounts[0], accounts[1:]
            for account in others:
                message = (
                    f"{model_label}: the e-mail address {account.email!r} of user "
                    f"{account.pk} ({getattr(account, 'username', '')!r}) "
                    f"is also user {keeper.pk}'s; it was cleared (case-insensitive uniqueness)."
                )
                logger.warning(message)
                sys.stdout.write(f"\n  {message}")
            manager.filter(pk__in=[a.pk for a in others]).update(email="")

    return run
