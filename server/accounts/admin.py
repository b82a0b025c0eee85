from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from server.accounts.models import ApiToken, AuthAudit, Department, User


@admin.register(User)
class DcmUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("数字城管", {"fields": ("role", "department")}),)
    list_display = ("username", "role", "department", "is_active")
    list_filter = ("role", "department", "is_active")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "responsibility", "street_code", "class_codes",
                    "active")
    list_filter = ("responsibility", "active")
    search_fields = ("code", "name", "name_en")


@admin.register(AuthAudit)
class AuthAuditAdmin(admin.ModelAdmin):
    list_display = ("at", "auth_event", "username", "ip", "method", "path", "status", "count",
                    "detail")
    list_filter = ("auth_event", "status")
    search_fields = ("username", "path", "ip")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who holds tokens and when they were used; deleting one revokes it (a lost device).
    The key itself is nowhere: only its hash is stored."""

    list_display = ("user", "created", "last_used")
    list_filter = ("user__role",)
    search_fields = ("user__username",)
    fields = ("user", "created", "last_used")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
