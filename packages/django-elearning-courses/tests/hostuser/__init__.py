"""A host site's own user model, built on AbstractElearningUser (see ``settings_hostuser``)."""
