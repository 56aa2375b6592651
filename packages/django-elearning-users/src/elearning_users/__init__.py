"""Users, roles and profiles for django-elearning."""

__version__ = "0.1.0"
