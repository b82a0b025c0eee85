"""Case, CaseEvent (append-only), Photo and the daily case-number counter."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workflows import Action, State
from workflows.calendar import Unit
from workflows.limits import check_value, default_node_limits

STATE_CHOICES = [(s.value, f"{s.zh} {s.en}") for s in State]
ACTION_CHOICES = [(a.value, f"{a.zh} {a.en}") for a in Action]


class Case(models.Model):
    """A case (案件). The state and every field below it up to ``version`` are a cache of the
    event log (replayable with ``workflows.replay``); only ``server.cases.actions`` writes them."""

    KINDS = [("component", "部件 component"), ("event", "事件 event")]
    CHANNELS = [("handset", "监督员上报 handset"), ("hotline", "热线 hotline"),
                ("web", "网站 web"), ("open311", "Open311"), ("video", "视频 video")]

    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=10, choices=KINDS)
    class_code = models.CharField(max_length=5)
    channel = models.CharField(max_length=10, choices=CHANNELS, default="handset")
    state = models.CharField(max_length=20, choices=STATE_CHOICES, db_index=True)
    description = models.TextField(blank=True)
    location = models.PointField(srid=4326)
    accuracy_m = models.FloatField(default=0)
    map_version = models.ForeignKey("maps.MapVersion", on_delete=models.PROTECT)
    cell_code = models.CharField(max_length=17, db_index=True)
    community_code = models.CharField(max_length=12)
    street_code = models.CharField(max_length=9)
    component_code = models.CharField(max_length=17, blank=True)
    department = models.ForeignKey("accounts.Department", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="cases")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="reported_cases")
    # --- the cache of the event log: one column per workflows.CaseSnapshot field -------------
    verified = models.BooleanField(null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="assigned_cases")
    condition_code = models.CharField(max_length=32, blank=True)
    handle_limit_value = models.FloatField(null=True, blank=True)
    handle_limit_unit = models.CharField(max_length=16, blank=True)
    node = models.CharField(max_length=16, blank=True)
    node_started_at = models.DateTimeField(null=True, blank=True)
    yellow_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    light = models.CharField(max_length=8, blank=True, db_index=True)
    handle_started_at = models.DateTimeField(null=True, blank=True)
    handle_deadline = models.DateTimeField(null=True, blank=True)
    original_handle_deadline = models.DateTimeField(null=True, blank=True)
    requested_extension_value = models.FloatField(null=True, blank=True)
    requested_extension_unit = models.CharField(max_length=16, blank=True)
    suspended_remaining = models.FloatField(null=True, blank=True)
    resume_state = models.CharField(max_length=20, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    closing_type = models.CharField(max_length=10, blank=True)
    merged_into = models.CharField(max_length=32, blank=True)
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    rework_count = models.PositiveIntegerField(default=0)
    return_count = models.PositiveIntegerField(default=0)
    postpone_count = models.PositiveIntegerField(default=0)
    suspend_count = models.PositiveIntegerField(default=0)
    reopen_count = models.PositiveIntegerField(default=0)
    urge_count = models.PositiveIntegerField(default=0)  # urges (督办) of the department
    # How many of them the department has read (督办已阅): the terminals show the others.
    urges_acknowledged = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Idempotency (幂等): the client's key and a hash of what it sent with it.
    idempotency_key = models.CharField(max_length=64, unique=True)
    request_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("Cases")  # "cases" is the counter word 件
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["light", "yellow_at"], name="case_timer_yellow"),
                   models.Index(fields=["light", "deadline"], name="case_timer_red"),
                   # The case search (server.cases.selectors.search_cases): its default order
                   # (an ascending index keeps NULLs last, as the order asks), the newest first,
                   # and the place filters.
                   models.Index(fields=["deadline", "-created_at", "-id"], name="case_urgent"),
                   models.Index(fields=["-created_at", "-id"], name="case_newest"),
                   models.Index(fields=["street_code", "-created_at"], name="case_street"),
                   models.Index(fields=["community_code", "-created_at"],
                                name="case_community")]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One step in a case's life. Append-only: never updated or deleted (the model refuses it;
    the log can rebuild every case)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="case_events")
    actor_role = models.CharField(max_length=16)
    action = models.CharField(max_length=20, choices=ACTION_CHOICES)
    from_state = models.CharField(max_length=20, choices=STATE_CHOICES, blank=True)
    to_state = models.CharField(max_length=20, choices=STATE_CHOICES)
    at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("CaseEvent is append-only: it cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("CaseEvent is append-only: it cannot be deleted")


class Photo(models.Model):
    """A photo stored re-encoded as JPEG without metadata. ``sha256`` is of the stored bytes."""

    STAGES = [("before", "上报照片 before"), ("after", "处置后照片 after"),
             ("check", "核查照片 check"), ("verify", "核实照片 verify"),
             ("self", "自处理照片 self-handled")]
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="photos")
    event = models.ForeignKey(CaseEvent, null=True, on_delete=models.PROTECT, related_name="photos")
    stage = models.CharField(max_length=8, choices=STAGES)
    image = models.FileField(upload_to="photos/%Y/%m/%d/")
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["id"]


class CaseNumberCounter(models.Model):
    """The last sequence number used on a day; case numbers restart at 0001 each day."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")


class FilingCondition(models.Model):
    """A filing condition (立案条件) of a class: its handling limit and closing condition.
    The default table ships as versioned data (workflows/data/filing_conditions.csv); the city
    edits it in the admin."""

    UNITS = [("work_hours", "工作时 working hours"), ("work_days", "工作日 working days"),
             ("natural_hours", "自然时 natural hours (urgent)")]
    kind = models.CharField(max_length=10, choices=Case.KINDS)
    class_code = models.CharField(max_length=5)
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True, help_text="the name in English")
    limit_value = models.FloatField()
    limit_unit = models.CharField(max_length=16, choices=UNITS)
    closing_condition = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False, help_text="used when the duty chief names none")
    active = models.BooleanField(default=True)
    data_version = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("filing condition")
        verbose_name_plural = _("filing conditions")
        ordering = ["kind", "class_code", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({self.limit_value:g} {self.limit_unit})"


class CalendarOverride(models.Model):
    """A city's correction to the official holiday schedule: this date is (not) a workday."""

    day = models.DateField(unique=True)
    is_workday = models.BooleanField()
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar day override")
        verbose_name_plural = _("calendar day overrides")
        ordering = ["day"]


def node_choices() -> list[tuple[str, str]]:
    """The timed nodes of ``workflows/data/node_limits.json`` with their limits there."""
    limits = default_node_limits()
    return [(n, f"{n} ({limits.limit_of(n).value:g} {limits.limit_of(n).unit})")
            for n in limits.node_names]


class NodeLimitOverride(models.Model):
    """A city's time limit for one node (节点时限), in place of the one in
    ``workflows/data/node_limits.json`` (editable in the admin, like the calendar overrides).
    It applies to deadlines set from then on: a case's deadline is computed when it enters a
    node and stored, so running ones keep theirs. The handling limit is not here: it comes
    from the filing condition."""

    UNITS = [("work_hours", "工作时 working hours"), ("work_days", "工作日 working days"),
             ("natural_hours", "自然时 natural hours"),
             ("natural_minutes", "自然分钟 natural minutes")]
    node = models.CharField(max_length=32, unique=True, choices=node_choices)
    value = models.FloatField(help_text="a positive number of the unit")
    unit = models.CharField(max_length=16, choices=UNITS)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("node time limit override")
        verbose_name_plural = _("node time limit overrides")
        ordering = ["node"]

    def __str__(self) -> str:
        return f"{self.node}: {self.value:g} {self.unit}"

    def clean(self):
        """Refuse what the rules could not use, each error naming the problem."""
        errors = {}
        limits = default_node_limits()
        if self.node == limits.handling_node:
            errors["node"] = ("the handling limit comes from the case's filing condition: "
                              "change it under Filing conditions")
        elif self.node not in limits.node_names:
            errors["node"] = (f"unknown node {self.node!r}; the timed nodes are "
                              f"{', '.join(limits.node_names)}")
        if self.unit not in {u.value for u in Unit}:
            errors["unit"] = (f"unknown unit {self.unit!r}; use one of "
                              f"{', '.join(u.value for u in Unit)}")
        try:
            check_value(self.value)
        except ValueError as exc:
            errors["value"] = str(exc)
        # Past ten years the working calendar cannot place the deadline, and every case
        # entering the node would fail; nothing longer is a real node limit either.
        if not errors.keys() & {"value", "unit"} and not self._fits_the_calendar():
            errors["value"] = (f"{self.value:g} {self.unit} is too long: a node's deadline must "
                               f"fall within ten years")
        if errors:
            raise ValidationError(errors)

    def _fits_the_calendar(self) -> bool:
        from django.utils import timezone

        from server.cases.rules import current_rules  # rules reads this model

        now = timezone.now()
        try:
            due = current_rules().calendar.add(now, self.value, self.unit)
        except (ValueError, OverflowError):  # past the calendar's ten years, past year 9999
            return False
        return due - now <= timedelta(days=3660)


class ActionKey(models.Model):
    """The idempotency key (幂等键) of a case action and the answer it got: a repeat of the
    same request (same user, same body) is answered with ``answer`` and appends no event; the
    key with another body is refused. Written only by ``server.cases.actions``, in the
    action's transaction, so the key exists exactly when its event does."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField(CaseEvent, on_delete=models.PROTECT, related_name="+")
    request_hash = models.CharField(max_length=64)
    answer = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("action idempotency key")
        verbose_name_plural = _("action idempotency keys")


class VoiceNote(models.Model):
    """A report's voice note (语音), stored as sent after sniffing (``server.cases.voice``)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="voice_notes")
    event = models.ForeignKey(CaseEvent, null=True, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=4)
    content_type = models.CharField(max_length=20)
    audio = models.FileField(upload_to="voice/%Y/%m/%d/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("voice note")
        verbose_name_plural = _("voice notes")
        ordering = ["id"]
