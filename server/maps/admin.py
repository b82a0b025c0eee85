from django.contrib import admin

from server.maps.models import Cell, Community, Component, MapVersion, Street


@admin.register(MapVersion)
class MapVersionAdmin(admin.ModelAdmin):
    list_display = ("id", "label", "source", "created_at", "active")


for model, fields in ((Street, ("code", "name")), (Community, ("code", "name", "street_code")),
                      (Cell, ("code", "community_code", "area_m2")),
                      (Component, ("code", "class_code", "name", "owner_code", "cell_code"))):
    admin.site.register(model, list_display=fields + ("version",), search_fields=("code",))
