"""Organisations and the roles people hold in them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from accord.core import codes
from accord.core.access import ROLES

ICO_REGISTRATION = RegexValidator(
    r"^(Z|ZA|ZB)[0-9]{6,7}$|^[0-9]{8}$",
    "An ICO registration number looks like Z1234567, ZA123456 or ZB123456",
)
ODS_CODE = RegexValidator(r"^[A-Z0-9]{3,6}$", "An ODS code is 3 to 6 capital letters or digits")


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=40, choices=[(c, codes.label(c)) for c in codes.PARTY_TYPES])
    # A local authority's functions decide which gateways and bases fit (see core.codes).
    functions = models.JSONField(default=list, blank=True)
    ico_registration = models.CharField(
        "ICO registration number", max_length=12, blank=True, validators=[ICO_REGISTRATION]
    )
    ods_code = models.CharField(
        "ODS code", max_length=6, blank=True, validators=[ODS_CODE], help_text="NHS bodies only"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.ods_code and not self.is_nhs:
            raise ValidationError({"ods_code": "Only NHS bodies have an ODS code"})
        if self.functions and self.type != "local-authority":
            raise ValidationError({"functions": "Only a local authority has functions here"})
        unknown = set(self.functions) - set(codes.LOCAL_AUTHORITY_FUNCTIONS)
        if unknown:
            raise ValidationError({"functions": f"Unknown functions: {', '.join(sorted(unknown))}"})

    @property
    def is_nhs(self) -> bool:
        return self.type in codes.HEALTH_AND_CARE_TYPES


class Membership(models.Model):
    """One role held by one person in one organisation. A person may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=list(ROLES.items()))
    # A deputy holds the role to act when its main holder is away; reminders reach them second.
    deputy = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="one_role_once_per_organisation"
            )
        ]
        indexes = [models.Index(fields=["organisation", "role"])]

    def __str__(self) -> str:
        return f"{self.user} is {ROLES[self.role]} of {self.organisation}"
