from django.db import models

from elearning_users.models import AbstractElearningUser


class Member(AbstractElearningUser):
    """A host's user model: everything the e-learning apps need, plus a field of its own."""

    club = models.CharField(max_length=60, blank=True)
