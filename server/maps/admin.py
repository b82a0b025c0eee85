"""Map versions in the admin: the list with "activate" and "roll back", and an upload form that
runs the same import core as ``manage.py import_map`` (``server.maps.importing.import_map``).

Uploads are bounded by the server's request size limit (``MAX_REQUEST_BYTES``): a city's
census data beyond that goes through the command line. A shapefile or FileGDB is uploaded as a
.zip; GeoPackage, GeoJSON and CSV files as they are.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from gridmaps.importer import MAPPINGS_DIR, MappingError
from server.maps.importing import import_map
from server.maps.models import (Cell, Community, Component, DutyGrid, MapDepartment, MapVersion, Place,
                                Street)
from server.maps.versions import MapVersionError, activate, rollback

MAX_UNPACKED_BYTES = 4 * 1024**3  # a zip may not unpack to more than this (zip bombs)


def _mapping_choices():
    return [(p.stem, p.name) for p in sorted(MAPPINGS_DIR.glob("*.toml"))]


class ImportForm(forms.Form):
    file = forms.FileField(help_text="GeoPackage, GeoJSON, CSV, or a .zip of shapefiles / a .gdb folder")
    mapping = forms.ChoiceField(choices=_mapping_choices, initial="default")
    mapping_file = forms.FileField(required=False, help_text="your own mapping (.toml or .json); "
                                   "overrides the choice above")
    label = forms.CharField(max_length=100, required=False)
    dry_run = forms.BooleanField(required=False, initial=True, help_text="check only, store nothing")
    skip_bad = forms.BooleanField(required=False, help_text="skip features with problems")


def _save_upload(upload, folder: Path) -> Path:
    """Write the upload into ``folder``; unpack a zip safely. Returns the path to import."""
    name = Path(upload.name).name or "upload"
    target = folder / name
    with open(target, "wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
    if target.suffix.lower() != ".zip":
        return target
    unpacked = folder / "unpacked"
    with zipfile.ZipFile(target) as z:
        total = 0
        for info in z.infolist():
            dest = (unpacked / info.filename).resolve()
            if not dest.is_relative_to(unpacked.resolve()):
                raise ValueError(f"{name}: member {info.filename!r} points outside the archive")
            total += info.file_size
            if total > MAX_UNPACKED_BYTES:
                raise ValueError(f"{name}: unpacks to more than {MAX_UNPACKED_BYTES // 1024**3} GB")
        z.extractall(unpacked)
    return unpacked


@admin.register(MapVersion)
class MapVersionAdmin(admin.ModelAdmin):
    list_display = ("id", "label", "source", "created_at", "active", "activated_at", "counts")
    list_filter = ("active",)
    readonly_fields = ("active", "activated_at", "replaced", "created_at", "sequence_digits", "summary")
    actions = ["activate_selected"]
    change_list_template = "admin/maps/mapversion/change_list.html"

    @admin.display(description=_("cells / components / duty grids / places"))
    def counts(self, obj):
        c = (obj.summary or {}).get("counts", {})
        return " / ".join(str(c.get(k, "?")) for k in ("cells", "components", "duty_grids", "places"))

    @admin.action(description=_("Activate the selected map version"))
    def activate_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one map version to activate.", messages.ERROR)
            return
        version = activate(queryset.get().pk)
        self.message_user(request, f"Map version {version.pk} ({version.label}) is active.", messages.SUCCESS)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="maps_mapversion_import"),
            path("rollback/", self.admin_site.admin_view(self.rollback_view), name="maps_mapversion_rollback"),
        ] + super().get_urls()

    def rollback_view(self, request):
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        try:
            version = rollback()
            self.message_user(request, f"Rolled back: map version {version.pk} ({version.label}) is active.",
                              messages.SUCCESS)
        except MapVersionError as e:
            self.message_user(request, str(e), messages.ERROR)
        return redirect("admin:maps_mapversion_changelist")

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        result = error = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with tempfile.TemporaryDirectory(prefix="map-import-") as tmp:
                try:
                    mapping, folders = data["mapping"], (Path(tmp) / "mapping", Path(tmp) / "data")
                    for folder in folders:
                        folder.mkdir()
                    if data["mapping_file"]:
                        mapping = _save_upload(data["mapping_file"], folders[0])
                    source = _save_upload(data["file"], folders[1])
                    result = import_map(source, mapping, label=data["label"], dry_run=data["dry_run"],
                                        skip_bad=data["skip_bad"], source_name=data["file"].name)
                except (MappingError, ValueError, zipfile.BadZipFile) as e:
                    error = str(e)
            if result is not None and result.stored is not None:
                self.message_user(request, f"Map version {result.stored} stored, inactive: check it, then "
                                  f"activate it from the list.", messages.SUCCESS)
        skipped = set(result.skipped) if result else set()
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Import a map",
            "form": form, "result": result, "error": error,
            "problems": [(p, p in skipped) for p in (result.problems[:500] if result else [])],
            "repairs": result.repairs[:500] if result else [],
            "version_url": (reverse("admin:maps_mapversion_change", args=[result.stored])
                            if result and result.stored else None),
        }
        return TemplateResponse(request, "admin/maps/mapversion/import.html", context)


admin.site.register(DutyGrid, list_display=("code", "name", "version"), search_fields=("code", "name"),
                    filter_horizontal=("supervisors",))
admin.site.register(Place, list_display=("code", "name", "place_type", "street_code", "version"),
                    search_fields=("code", "name"), list_filter=("place_type",))
for model, fields in ((Street, ("code", "name")), (Community, ("code", "name", "street_code")),
                      (Cell, ("code", "community_code", "area_m2")),
                      (MapDepartment, ("code", "name", "name_en", "responsibility", "street_code", "accounts")),
                      (Component, ("code", "class_code", "name", "owner_code", "cell_code"))):
    admin.site.register(model, list_display=fields + ("version",), search_fields=("code",))
