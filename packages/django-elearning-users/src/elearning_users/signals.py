"""Log-out ends the user's other sessions and deletes the API token.

Connected to ``user_logged_out``, so the app's log-out page, the admin's and any other
``django.contrib.auth.logout()`` do it alike.
"""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out, dispatch_uid="elearning_users.end_sessions_on_logout")
def end_sessions_on_logout(sender, request, user, **kwargs):
    from .models import AbstractElearningUser

    if isinstance(user, AbstractElearningUser) and user.pk is not None:
        user.end_other_sessions()
