"""The map keeper's (地图维护员) view of component updates in the admin: read the rows, approve
the selected pending ones, publish the approved ones. Rows change only through
``server.field.updates`` (rejecting needs a reason: the API's /reject takes it)."""

from django.contrib import admin, messages

from server.cases.admin import ReadOnly
from server.field import updates
from server.field.models import Attendance, ComponentUpdate, TrackBatch
from server.reasons import worded
from workflows import Refused


@admin.register(ComponentUpdate)
class ComponentUpdateAdmin(ReadOnly):
    list_display = ("id", "change", "state", "component_code", "class_code", "cell_code",
                    "reporter", "created_at", "decided_by", "decided_at", "published_version")
    list_filter = ("state", "change")
    search_fields = ("component_code", "cell_code", "note")
    actions = ["approve_selected", "publish_approved"]

    @admin.action(description="Approve the selected pending updates")
    def approve_selected(self, request, queryset):
        done = 0
        for row in queryset.filter(state="pending"):
            try:
                updates.decide(row.pk, request.user, approve=True)
                done += 1
            except Refused as exc:
                self.message_user(request, worded(exc.message), messages.WARNING)
        self.message_user(request, f"{done} updates approved.", messages.SUCCESS)

    @admin.action(description="Publish every approved update as a new (inactive) map version")
    def publish_approved(self, request, queryset):
        try:
            result = updates.publish(request.user)
        except updates.NothingToPublish as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        for update_id, why in result.skipped:
            self.message_user(request, f"update {update_id} skipped: {why}", messages.WARNING)
        self.message_user(request, f"Map version {result.version.pk} stored, inactive: check it, "
                          f"then activate it under Map versions.", messages.SUCCESS)


@admin.register(Attendance)
class AttendanceAdmin(ReadOnly):
    list_display = ("user", "direction", "at", "received_at", "cell_code", "accuracy_m")
    list_filter = ("direction",)
    search_fields = ("user__username", "cell_code")


@admin.register(TrackBatch)
class TrackBatchAdmin(ReadOnly):
    list_display = ("user", "count", "received_at")
    search_fields = ("user__username",)
