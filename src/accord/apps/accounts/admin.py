from django.contrib import admin

from accord.apps.accounts.models import User
from accord.apps.audit.admin import AuditedAdmin


@admin.register(User)
class UserAdmin(AuditedAdmin):
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    exclude = ["password", "user_permissions", "groups"]
