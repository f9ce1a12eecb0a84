"""Site administration writes audit entries like every other change (same transaction)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest

from accord.apps.accounts.models import User
from accord.apps.audit.services import audit_record


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _organisation(obj: Any) -> Any:
    from accord.apps.organisations.models import Organisation

    if isinstance(obj, Organisation):
        return obj
    return getattr(obj, "organisation", None)


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Django's admin runs each change in a transaction; the entry joins it."""

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        verb = "changed" if change else "created"
        audit_record(
            actor=_actor(request),
            verb=f"{obj._meta.model_name}.{verb}-by-site-admin",
            target=obj,
            organisation=_organisation(obj),
            summary=f"{obj._meta.verbose_name.capitalize()} {obj} {verb} by a site administrator",
            data={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            actor=_actor(request),
            verb=f"{obj._meta.model_name}.deleted-by-site-admin",
            target=obj,
            organisation=_organisation(obj),
            summary=f"{obj._meta.verbose_name.capitalize()} {obj} deleted by a site administrator",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[Any],
        formset: BaseModelFormSet[Any, Any],
        change: bool,
    ) -> None:
        super().save_formset(request, form, formset, change)
        for obj in [*formset.new_objects, *(o for o, _ in formset.changed_objects)]:
            audit_record(
                actor=_actor(request),
                verb=f"{obj._meta.model_name}.saved-by-site-admin",
                target=obj,
                organisation=_organisation(obj),
                summary=f"{obj} saved by a site administrator",
            )
        for obj in formset.deleted_objects:
            audit_record(
                actor=_actor(request),
                verb=f"{obj._meta.model_name}.deleted-by-site-admin",
                target=obj,
                organisation=_organisation(obj),
                summary=f"{obj} removed by a site administrator",
            )
