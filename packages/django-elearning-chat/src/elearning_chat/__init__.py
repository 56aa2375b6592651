"""Chat app of django-elearning."""

__version__ = "0.1.0"
