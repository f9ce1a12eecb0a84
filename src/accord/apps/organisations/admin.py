"""Site administrators manage organisations and people here. Initiatives are not in the admin:
an organisation's drafts are seen only by its own people."""

from django.contrib import admin

from accord.apps.audit.admin import AuditedAdmin
from accord.apps.organisations.models import Membership, Organisation


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "type", "ico_registration", "ods_code"]
    list_filter = ["type"]
    search_fields = ["name", "ico_registration", "ods_code"]
    inlines = [MembershipInline]
