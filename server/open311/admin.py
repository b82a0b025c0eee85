"""Admin: clients and platforms (keys are made with ``manage.py api_key``, never shown here),
and read-only lists of what they sent."""

from django.contrib import admin

from server.open311.models import (CameraAlert, CameraPlatform, Open311Client, RequestUpdate,
                                   ServiceRequest)


@admin.register(Open311Client, CameraPlatform)
class KeyHolderAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "is_demo", "contact", "created_at")
    list_filter = ("active", "is_demo")
    readonly_fields = ("key_hash", "created_at")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(_ReadOnly):
    list_display = ("case", "client", "service_code", "created_at")
    list_filter = ("client",)
    search_fields = ("case__number", "token")


@admin.register(RequestUpdate)
class RequestUpdateAdmin(_ReadOnly):
    list_display = ("case", "client", "client_update_id", "status", "updated_datetime")
    list_filter = ("client", "status")


@admin.register(CameraAlert)
class CameraAlertAdmin(_ReadOnly):
    list_display = ("case", "platform", "camera_id", "alert_id", "confidence", "received_at")
    list_filter = ("platform",)
    search_fields = ("case__number", "camera_id", "alert_id")
