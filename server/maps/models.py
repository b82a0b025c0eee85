"""Versioned grid data. Geometries are stored in WGS84 (SRID 4326); metres come from gis/."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class MapVersion(models.Model):
    """One imported set of streets, communities, cells, duty grids, components and places
    (一版网格数据). At most one is active (a partial unique index); cases point at the version
    they were placed with. Written only by ``server.maps.store`` and ``server.maps.versions``.

    ``replaced``: the version that was active when this one was last activated by hand, so a
    rollback walks back the chain of activations. ``summary``: counts and the import settings.
    """

    label = models.CharField(_("label"), max_length=100)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    replaced = models.ForeignKey("self", verbose_name=_("replaced version"), null=True, blank=True,
                                 on_delete=models.SET_NULL,
                                 related_name="+")
    sequence_digits = models.PositiveSmallIntegerField(_("cell sequence digits"), default=3)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("map version")
        verbose_name_plural = _("map versions")
        constraints = [models.UniqueConstraint(fields=["active"], condition=models.Q(active=True),
                                               name="one_active_map_version")]

    def __str__(self) -> str:
        return f"{self.label}{' (active)' if self.active else ''}"


class Street(models.Model):
    version = models.ForeignKey(MapVersion, verbose_name=_("map version"),
                                on_delete=models.CASCADE, related_name="streets")
    code = models.CharField(_("code"), max_length=9)
    name = models.CharField(_("name"), max_length=100)
    geom = models.MultiPolygonField(_("geometry"), srid=4326)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="street_code")]


class Community(models.Model):
    version = models.ForeignKey(MapVersion, verbose_name=_("map version"),
                                on_delete=models.CASCADE, related_name="communities")
    code = models.CharField(_("code"), max_length=12)
    name = models.CharField(_("name"), max_length=100)
    street_code = models.CharField(_("street code"), max_length=9)
    geom = models.MultiPolygonField(_("geometry"), srid=4326)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="community_code")]


class Cell(models.Model):
    """A unit grid cell (单元网格), about 10,000 m²; code 14 digits (CJ/T 213), 15 (Beijing), up
    to 17 (a community of more than 999 cells)."""

    version = models.ForeignKey(MapVersion, verbose_name=_("map version"),
                                on_delete=models.CASCADE, related_name="cells")
    code = models.CharField(_("code"), max_length=17)
    community_code = models.CharField(_("community code"), max_length=12)
    street_code = models.CharField(_("street code"), max_length=9)
    area_m2 = models.FloatField(_("area (m²)"))
    geom = models.MultiPolygonField(_("geometry"), srid=4326)

    class Meta:
        verbose_name = _("cell")
        verbose_name_plural = _("cells")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="cell_code")]


class Component(models.Model):
    """A public asset (部件); code = admin code + class + sequence (16 digits)."""

    STATES = [("intact", "完好"), ("damaged", "破损"), ("missing", "丢失"),
              ("abandoned", "废弃"), ("removed", "移除")]
    version = models.ForeignKey(MapVersion, verbose_name=_("map version"),
                                on_delete=models.CASCADE, related_name="components")
    code = models.CharField(_("code"), max_length=17)
    class_code = models.CharField(_("class code"), max_length=5)
    name = models.CharField(_("name"), max_length=100)
    owner_code = models.CharField(_("owner"), max_length=32, blank=True)
    maintainer_code = models.CharField(_("maintainer"), max_length=32, blank=True)
    cell_code = models.CharField(_("cell code"), max_length=17)
    state = models.CharField(_("state"), max_length=10, choices=STATES, default="intact")
    geom = models.GeometryField(_("geometry"), srid=4326)

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="component_code")]
        # A duty map reads the components of a few cells (server.field.maps).
        indexes = [models.Index(fields=["version", "cell_code"], name="component_version_cell")]


class DutyGrid(models.Model):
    """A supervisor's patrol area (责任网格): cells of one version, by code, and the supervisors
    (users with role supervisor) patrolling it."""

    version = models.ForeignKey(MapVersion, verbose_name=_("map version"),
                                on_delete=models.CASCADE, related_name="duty_grids")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    cell_codes = models.JSONField(_("cell codes"), default=list)
    supervisors = models.ManyToManyField("accounts.User", verbose_name=_("supervisors"), blank=True,
                                         related_name="duty_grids")

    class Meta:
        verbose_name = _("duty grid")
        verbose_name_plural = _("duty grids")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="duty_grid_code")]


class MapDepartment(models.Model):
    """A department as one map version lists it (its code, name, responsibility and, for a
    territory, its street). The live ``accounts.Department`` rows follow the active version: activating a
    version applies its departments (``server.maps.departments``); storing one changes nothing
    live."""

    version = models.ForeignKey(MapVersion, verbose_name=_("map version"),
                                on_delete=models.CASCADE, related_name="departments")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    responsibility = models.CharField(_("responsibility"), max_length=16)  # gridmaps.model.Department.kind
    street_code = models.CharField(_("street code"), max_length=9, blank=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    #: Component classes it owns (4-digit codes); see ``accounts.Department.class_codes``.
    class_codes = models.JSONField(_("owned component classes"), default=list, blank=True)
    #: Usernames of its department accounts, created (role department) on activation.
    accounts = models.JSONField(_("accounts"), default=list, blank=True)

    class Meta:
        verbose_name = _("map department")
        verbose_name_plural = _("map departments")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="map_department_code")]


class Place(models.Model):
    """A gazetteer entry (地理编码): a road, alley, compound, door plate or point of interest."""

    PLACE_TYPES = [("road", "道路 road"), ("alley", "胡同 alley"), ("compound", "院落 compound"),
             ("door_plate", "门牌 door plate"), ("poi", "兴趣点 point of interest")]
    version = models.ForeignKey(MapVersion, verbose_name=_("map version"),
                                on_delete=models.CASCADE, related_name="places")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    place_type = models.CharField(_("place type"), max_length=16, choices=PLACE_TYPES)  # map files: kind
    street_code = models.CharField(_("street code"), max_length=9, blank=True)
    geom = models.GeometryField(_("geometry"), srid=4326)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="place_code")]
