"""Replacing and removing profile pictures: the one place the profile page and the
API (``PATCH /api/users/me/``) go through.

A picture file belongs to one user. Once the user row no longer names it (a new
picture, or none), the file is deleted, after the transaction commits, so a rolled
back save never loses the picture the row still names.
"""

from django.db import transaction

from .images import process_profile_picture

#: ``picture`` value of :func:`save_profile` that leaves the picture as it is.
KEEP = object()


def clean_picture(value):
    """A submitted picture, ready to store: a new upload is checked and re-encoded
    (:func:`~elearning_users.images.process_profile_picture`, which raises
    ``ValidationError``); the stored file and empty values are returned unchanged."""
    # Only new uploads carry a content type; an unchanged picture is the stored file.
    if value and hasattr(value, "content_type"):
        return process_profile_picture(value)
    return value


def save_profile(user, *, old_picture, picture=KEEP):
    """Save ``user`` with ``picture`` and delete the file it no longer uses.

    ``old_picture`` is the stored name of the picture before this change ("" for
    none); ``picture`` a cleaned new file (:func:`clean_picture`), ``None`` or ""
    to remove it, or :data:`KEEP` for what ``user.profile_picture`` already holds.
    """
    if picture is not KEEP:
        user.profile_picture = picture or ""
    user.save()
    storage = user.profile_picture.storage
    if old_picture and old_picture != user.profile_picture.name:
        transaction.on_commit(lambda: storage.delete(old_picture))
    return user
