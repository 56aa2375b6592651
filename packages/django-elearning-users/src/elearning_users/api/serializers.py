from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from .. import pictures
from ..conf import app_settings
from ..emails import EMAIL_TAKEN, duplicate_errors, email_taken
from ..limits import PASSWORD_MAX_LENGTH
from ..models import Role
from .strict import StrictJSONTypesMixin


class PublicUserSerializer(serializers.ModelSerializer):
    """What anyone logged in may see of a user."""

    class Meta:
        model = get_user_model()
        fields = ("id", "username", "role", "status", "profile_picture")
        read_only_fields = fields


class RegisterSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, max_length=PASSWORD_MAX_LENGTH, style={"input_type": "password"}
    )
    email = serializers.EmailField(
        required=True, max_length=get_user_model()._meta.get_field("email").max_length
    )
    role = serializers.ChoiceField(choices=Role.choices, default=Role.STUDENT)

    class Meta:
        model = get_user_model()
        fields = ("id", "username", "email", "password", "role", "status", "profile_picture")
        read_only_fields = ("id", "status", "profile_picture")

    def validate_role(self, value):
        if value == Role.TEACHER and not app_settings.ALLOW_TEACHER_SIGNUP:
            raise serializers.ValidationError(_("Teacher sign-up is closed on this site."))
        return value

    def validate_email(self, value):
        if email_taken(value):
            raise serializers.ValidationError(EMAIL_TAKEN, code="unique")
        return value

    def validate(self, attrs):
        candidate = get_user_model()(
            username=attrs.get("username"), email=attrs.get("email"), role=attrs.get("role")
        )
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)})
        return attrs

    def create(self, validated_data):
        try:
            with transaction.atomic():
                return get_user_model().objects.create_user(**validated_data)
        except IntegrityError:
            # Another sign-up took the name or address since validation: a field error too.
            raise serializers.ValidationError(duplicate_errors(validated_data))


class MeSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    """The logged-in user's own profile; identity and privilege fields are read-only."""

    class Meta:
        model = get_user_model()
        fields = (
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "status",
            "profile_picture",
            "is_staff",
            "date_joined",
        )
        read_only_fields = ("id", "username", "role", "is_staff", "date_joined")
        # null (or "" in a multipart body) removes the picture.
        extra_kwargs = {"profile_picture": {"allow_null": True}}

    def validate_email(self, value):
        if email_taken(value, exclude_pk=self.instance.pk if self.instance else None):
            raise serializers.ValidationError(EMAIL_TAKEN, code="unique")
        return value

    def validate_profile_picture(self, value):
        return pictures.clean_picture(value)

    def update(self, instance, validated_data):
        old_picture = instance.profile_picture.name or ""
        picture = validated_data.pop("profile_picture", pictures.KEEP)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            with transaction.atomic():
                return pictures.save_profile(instance, old_picture=old_picture, picture=picture)
        except IntegrityError:
            # Another account took the address since validation.
            raise serializers.ValidationError({"email": [EMAIL_TAKEN]})


def _username_max_length():
    user_model = get_user_model()
    return user_model._meta.get_field(user_model.USERNAME_FIELD).max_length


class TokenRequestSerializer(StrictJSONTypesMixin, serializers.Serializer):
    """``{username, password}`` of ``POST /api/auth/token/``, length-limited; the checks
    are those of DRF's ``AuthTokenSerializer``."""

    username = serializers.CharField(label=_("Username"), write_only=True, max_length=_username_max_length())
    password = serializers.CharField(
        label=_("Password"),
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
        max_length=PASSWORD_MAX_LENGTH,
    )
    token = serializers.CharField(label=_("Token"), read_only=True)

    def validate(self, attrs):
        return AuthTokenSerializer.validate(self, attrs)
