from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from server.accounts.models import Department, User


@admin.register(User)
class DcmUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("数字城管", {"fields": ("role", "department")}),)
    list_display = ("username", "role", "department", "is_active")
    list_filter = ("role", "department", "is_active")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind")
    search_fields = ("code", "name")
