from django.contrib import admin

from server.cases.models import (CalendarOverride, Case, CaseEvent, FilingCondition,
                                 NodeLimitOverride)
from workflows.limits import default_node_limits


@admin.register(FilingCondition)
class FilingConditionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "kind", "class_code", "limit_value", "limit_unit",
                    "closing_condition", "is_default", "active")
    list_filter = ("kind", "limit_unit", "active")
    search_fields = ("code", "name", "name_en", "class_code")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("day", "is_workday", "note", "updated_at")


@admin.register(NodeLimitOverride)
class NodeLimitOverrideAdmin(admin.ModelAdmin):
    """A node's limit in place of the file's; new deadlines only (running ones keep theirs)."""

    list_display = ("node", "value", "unit", "file_limit", "note", "updated_at")

    @admin.display(description="limit in node_limits.json")
    def file_limit(self, obj):
        limit = default_node_limits().limit_of(obj.node)
        return f"{limit.value:g} {limit.unit}" if limit else "—"


class ReadOnly(admin.ModelAdmin):
    """Cases change only through actions (and events never change): the admin only reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnly):
    list_display = ("number", "state", "kind", "class_code", "channel", "department", "light",
                    "deadline", "created_at")
    list_filter = ("state", "kind", "channel", "light")
    search_fields = ("number", "cell_code", "description")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnly):
    list_display = ("id", "case", "action", "from_state", "to_state", "actor", "at")
    list_filter = ("action",)
