"""Case API: list and read what the user may see; take an action on a case.

POST /api/cases/<number>/actions/<action>/ carries the action's parameters (reason,
department_code, result, note, level) and, for feedback and check, a photo. The workflow decides; a
refusal answers 400/403/409 with ``{"error": {"code", "message", "state"}}``.
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from server import params
from server.accounts import access
from server.api_errors import ApiError
from server.parsers import JSONParser
from server.cases.actions import (IdempotencyConflict, check_may_act, do_case_action,
                                  do_case_action_once, find_action_replay)
from server.cases.models import Case, Photo, VoiceNote
from server.cases.photos import PhotoInvalid, clean_photo
from server.cases.dispatching import suggest_department
from server.cases.duplicates import possible_duplicates
from server.cases.photos import photo_state
from server.cases.selectors import (SORTS, CaseQuery, case_story, case_summary,
                                     condition_names, search_cases)
from server.cases.upload_fields import PhotoField
from server.idempotency import KEY_PATTERN
from server.reasons import field_label, worded
from workflows import SYSTEM_ACTIONS, Action, State
from workflows.guards import URGE_LEVELS

STATE_VALUES = frozenset(s.value for s in State)
#: The steps a person takes through ``CaseActionView`` (the report has its own door; the
#: system's steps none): the ``{action}`` of the schema, so a fuzzer tries each by name.
USER_ACTIONS = [a.value for a in Action if a != Action.REPORT and a not in SYSTEM_ACTIONS]
PHOTO_STAGE = {Action.FEEDBACK: "after", Action.CHECK: "check", Action.VERIFY: "verify",
              Action.SELF_HANDLE: "self"}


class ActionSerializer(serializers.Serializer):
    """Every parameter any action takes; each action's guards say which it needs."""

    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    department_code = serializers.CharField(max_length=32, required=False, allow_blank=True)
    result = serializers.CharField(max_length=16, required=False, allow_blank=True,
                                   help_text="check: fixed/not_fixed; verify: confirmed/not_found; "
                                             "audit_self: approved/refused")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    condition_code = serializers.CharField(
        max_length=32, required=False, allow_blank=True,
        help_text="filing condition (立案条件); default: the class's")
    extension_value = serializers.FloatField(required=False, min_value=0.01, max_value=1000)
    extension_unit = serializers.ChoiceField(["work_hours", "work_days", "natural_hours"],
                                             required=False)
    satisfaction = serializers.IntegerField(required=False, min_value=1, max_value=5)
    into = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                 help_text="merge: the number of the case this one duplicates")
    level = serializers.ChoiceField(
        list(URGE_LEVELS), required=False, allow_blank=True,
        help_text="urge: normal (一般督办) or high (重点督办); default normal")
    assignee = serializers.CharField(max_length=150, required=False, allow_blank=True,
                                     help_text="send_verify/request_check: a supervisor's "
                                               "username; default: the duty grid's")
    version = serializers.IntegerField(required=False, min_value=0,
                                       help_text="the case version you saw: refused with 409 "
                                                 "if the case changed since")
    photo = PhotoField(required=False)
    idempotency_key = serializers.RegexField(
        KEY_PATTERN, required=False, help_text="or the Idempotency-Key header: a repeat with "
        "the same key and body gets the first answer and takes no second step",
        error_messages={"invalid": "must be 8-64 letters, digits, '-' or '_'"})

    def action_hash(self, number: str, action: str) -> str:
        """Hash of what the client asked (photo bytes included), to tell an honest retry from a
        reused key."""
        d = self.validated_data
        params = {k: v for k, v in d.items() if k not in ("photo", "idempotency_key")}
        canonical = json.dumps([number, action, params,
                                hashlib.sha256(d.get("photo") or b"").hexdigest()],
                               sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _values(request, name: str) -> list[str]:
    """A multi-valued parameter: repeated (?state=a&state=b) or comma-separated (?state=a,b)."""
    return [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",")
            if v.strip()]


def _choice(choices, what: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices, error_messages={
        "invalid_choice": f"unknown {what} {{input!r}}; one of: {', '.join(choices)}"})


class CaseSearchParams(serializers.Serializer):
    """The case search's query string; every value is checked, and a bad one is refused with
    400 naming the parameter."""

    q = serializers.CharField(max_length=100, required=False, allow_blank=True,
                              help_text="number, description, street or community name")
    number = serializers.RegexField(r"^[A-Za-z0-9-]{1,32}$", required=False,
                                    help_text="case number or its beginning")
    state = serializers.ListField(child=_choice(sorted(STATE_VALUES), "state"),
                                  required=False, max_length=len(STATE_VALUES))
    open = serializers.BooleanField(
        required=False, default=False,
        help_text="only cases not yet closed, voided, rejected or merged")
    kind = serializers.ChoiceField([k for k, _ in Case.KINDS], required=False)
    class_code = serializers.RegexField(r"^[0-9]{2,5}$", required=False)
    department = serializers.RegexField(r"^[A-Za-z0-9_.-]{1,32}$", required=False)
    street = serializers.RegexField(r"^[0-9]{1,9}$", required=False)
    community = serializers.RegexField(r"^[0-9]{1,12}$", required=False)
    channel = serializers.ListField(child=_choice([c for c, _ in Case.CHANNELS], "channel"),
                                    required=False, max_length=len(Case.CHANNELS))
    light = serializers.ListField(child=_choice(["green", "yellow", "red"], "light"),
                                  required=False, max_length=3)
    overdue = serializers.BooleanField(required=False, default=False)
    todo = serializers.BooleanField(required=False, default=False,
                                    help_text="only cases in a state where your role acts")
    since = params.DateTimeField(required=False, input_formats=["iso-8601", "%Y-%m-%d"],
                                      help_text="reported at or after (date or ISO time)")
    until = params.DateTimeField(required=False, input_formats=["iso-8601", "%Y-%m-%d"],
                                      help_text="reported before (date or ISO time)")
    sort = serializers.ChoiceField(SORTS, required=False, default="urgent")
    # A limit over 500 is cut to 500 (older clients ask for more); past MAX_OFFSET is refused.
    limit = serializers.IntegerField(required=False, default=100, min_value=1,
                                     max_value=params.MAX_OFFSET)
    offset = serializers.IntegerField(required=False, default=0, min_value=0,
                                      max_value=params.MAX_OFFSET)

    MULTI = ("state", "channel", "light")

    @classmethod
    def from_request(cls, request) -> "CaseSearchParams":
        data = {k: request.query_params.get(k) for k in request.query_params
                if k not in cls.MULTI}
        for name in cls.MULTI:
            if name in request.query_params:
                data[name] = _values(request, name)
        ser = cls(data=data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        if d.get("since") and d.get("until") and d["since"] >= d["until"]:
            raise ApiError("invalid", _("%(a)s must be before %(b)s")
                           % {"a": "since", "b": "until"}, field="since")
        return ser

    def query(self, user) -> CaseQuery:
        d = self.validated_data
        return CaseQuery(text=d.get("q", ""), number=d.get("number", ""),
                         states=tuple(d.get("state", ())), open_only=d["open"],
                         kind=d.get("kind", ""), class_code=d.get("class_code", ""),
                         department=d.get("department", ""), street=d.get("street", ""),
                         community=d.get("community", ""), channels=tuple(d.get("channel", ())),
                         lights=tuple(d.get("light", ())), overdue=d["overdue"],
                         since=d.get("since"), until=d.get("until"), sort=d["sort"],
                         todo_for=access.role_of(user) if d["todo"] else None)


class CaseListView(APIView):
    @extend_schema(summary="Search the cases the user may see; overdue first by default",
                   tags=["cases"], operation_id="cases_list",
                   parameters=[CaseSearchParams], responses={200: dict})
    def get(self, request):
        search = CaseSearchParams.from_request(request)
        now = timezone.now()
        qs = search_cases(access.visible_cases(request.user), search.query(request.user), now)
        limit = min(search.validated_data["limit"], 500)
        offset = search.validated_data["offset"]
        total = qs.count()
        rows = [case_summary(c, request.user) for c in qs[offset:offset + limit]]
        return Response({"count": total, "limit": limit, "offset": offset, "now": now.isoformat(),
                         "results": rows})


class CaseDetailView(APIView):
    @extend_schema(summary="One case with its story: every step with its actor, note and photos",
                   tags=["cases"], responses={200: dict})
    def get(self, request, number: str):
        case = get_object_or_404(access.visible_cases(request.user), number=number)
        body = case_summary(case, request.user)
        # Each step with its actor (name, role, department), what was entered (data: note,
        # reason, result ...) and the photos it took.
        body["events"] = case_story(case)
        # The filing condition (立案条件) by name: what the handling limit was set from.
        body["condition"] = (condition_names([case.condition_code]).get(case.condition_code)
                             if case.condition_code else None)
        suggestion = suggest_department(case)
        body["suggested_department"] = (
            {"code": suggestion.department.code, "name": suggestion.department.name,
             "rule": suggestion.rule} if suggestion.department else None)
        body["duplicates"] = _duplicates(case, request.user)
        # The caller (hotline, Open311) only for the roles that need to call back; else None.
        body["contact"] = access.contact_of(case, request.user)
        body["reporter"] = case.reporter.get_full_name() or case.reporter.username
        body["call"] = _call(case)
        body["photos"] = [p for e in body["events"] for p in e["photos"]]
        body["voice_notes"] = [{"id": v.id, "url": f"/api/voice/{v.id}/", "format": v.format,
                                "content_type": v.content_type, "size": v.size}
                               for v in case.voice_notes.all()]
        return Response(body)


def _call(case: Case) -> dict | None:
    """A hotline case's line, urgency and the address as the caller said it (not personal data:
    the caller's name and phone are ``contact``, for the roles that may read them)."""
    try:
        call = case.hotline_call  # reverse relation: hotline sits above cases, no import
    except ObjectDoesNotExist:
        return None
    return {"line": call.line, "urgency": call.urgency, "address": call.address}


def _duplicates(case: Case, user) -> list[dict]:
    """The possible duplicates of ``case`` that ``user`` may open (a department sees only its
    own cases, a supervisor only theirs): no number, state or distance of any other."""
    found = possible_duplicates(case)
    readable = set(access.visible_cases(user).filter(
        number__in=[other.number for other, _, _ in found]).values_list("number", flat=True))
    return [{"number": other.number, "state": other.state, "distance_m": round(distance, 1),
             "why": why, "channel": other.channel}
            for other, distance, why in found if other.number in readable]


class CaseDuplicatesView(APIView):
    @extend_schema(summary="Open cases this one may duplicate (疑似重复)", tags=["cases"],
                   responses={200: dict})
    def get(self, request, number: str):
        case = get_object_or_404(access.visible_cases(request.user), number=number)
        return Response({"number": case.number, "duplicates": _duplicates(case, request.user)})


class CaseActionView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]  # a plain HTML form too
    #: A refused parameter by its form label on a Chinese page (the API error handler asks).
    field_label = staticmethod(field_label)

    @extend_schema(request=ActionSerializer, responses={200: dict}, tags=["cases"],
                   parameters=[OpenApiParameter(
                       "action", str, OpenApiParameter.PATH, enum=USER_ACTIONS,
                       description="the step; urge (督办) and comment (批转意见) take a note "
                                   "and leave the case as it was; acknowledge (督办已阅: the "
                                   "department holding the case has read the urges waiting, "
                                   "409 nothing_to_acknowledge when none is) too")],
                   summary="Take an action on a case (受理, 立案, 派遣, 反馈, 核查, 结案, "
                           "督办 urge, 督办已阅 acknowledge, 批转意见 comment ...)")
    def post(self, request, number: str, action: str):
        try:
            act = Action(action)
        except ValueError:
            known = ", ".join(a.value for a in Action if a != Action.REPORT)
            raise ApiError("unknown_action", _("unknown action %(action)s; one of: %(known)s")
                           % {"action": repr(action), "known": known}, status_code=404) from None
        if act == Action.REPORT or act in SYSTEM_ACTIONS:
            raise ApiError("unknown_action", _("%(action)s is not an action a user takes here")
                           % {"action": act.value}, status_code=404)
        if not access.may(request.user, access.Ability.CASE_ACTIONS):
            raise ApiError("role_not_allowed", _("your account has no role"), status_code=403)
        # Who may not read the case must not learn that it exists, nor its state (a refusal
        # names it): 404 as for a number never given.
        if not access.may_know_of_case(request.user, number):
            raise ApiError("not_found", _("no case %(number)s") % {"number": repr(number)},
                           status_code=404)
        data = request.data
        header_key = request.headers.get("Idempotency-Key")
        if header_key is not None:
            data = {**{k: data.get(k) for k in data}, "idempotency_key": header_key}
        ser = ActionSerializer(data=data)
        ser.is_valid(raise_exception=True)
        params = {k: v for k, v in ser.validated_data.items()
                  if k not in ("photo", "idempotency_key")}
        key = ser.validated_data.get("idempotency_key")
        digest = ser.action_hash(number, act.value) if key is not None else ""
        photos = []
        if "photo" in ser.validated_data:
            # Decoding costs CPU and memory: only for a step this user may take on this case
            # (a repeat of a step already taken gets its first answer without a decode).
            earlier = self._replay(request.user, key, digest) if key is not None else None
            if earlier is not None:
                return Response(earlier)
            check_may_act(request.user, number, act, params)
            try:
                photos.append(clean_photo(ser.validated_data["photo"]))
            except PhotoInvalid as exc:
                raise ApiError("invalid_photo", worded(exc.reason), field="photo") from None
        if key is None:
            case = do_case_action(request.user, number, act, params, photos,
                                  photo_stage=PHOTO_STAGE.get(act, "after"))
            return Response(case_summary(case, request.user))
        try:
            answer, _first = do_case_action_once(request.user, number, act, key, digest, params,
                                            photos, photo_stage=PHOTO_STAGE.get(act, "after"))
        except IdempotencyConflict as exc:
            raise ApiError("idempotency_conflict", worded(exc.reason), field="idempotency_key",
                           status_code=409) from None
        return Response(answer)

    @staticmethod
    def _replay(user, key: str, digest: str) -> dict | None:
        try:
            return find_action_replay(user, key, digest)
        except IdempotencyConflict as exc:
            raise ApiError("idempotency_conflict", worded(exc.reason), field="idempotency_key",
                           status_code=409) from None


class PhotoView(APIView):
    @extend_schema(summary="A stored photo (JPEG)", tags=["cases"], responses={200: bytes})
    def get(self, request, pk: int):
        photo = get_object_or_404(Photo.objects.select_related("case"), pk=pk)
        if not access.visible_cases(request.user).filter(pk=photo.case_id).exists():
            raise ApiError("not_found", f"no photo {pk}", status_code=404)
        state, reason = photo_state(photo)
        if state == "pending":  # stored as sent, not yet re-encoded: never served as it is
            raise ApiError("photo_pending", f"photo {pk} is still being processed; retry "
                           "in a few seconds", status_code=409)
        if state == "refused":
            raise ApiError("photo_refused", f"photo {pk} was refused: {reason}",
                           status_code=410)
        return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


class VoiceView(APIView):
    @extend_schema(summary="A report's voice note (语音), as sent", tags=["cases"],
                   responses={200: bytes})
    def get(self, request, pk: int):
        note = get_object_or_404(VoiceNote, pk=pk)
        if not access.visible_cases(request.user).filter(pk=note.case_id).exists():
            raise ApiError("not_found", f"no voice note {pk}", status_code=404)
        response = FileResponse(note.audio.open("rb"), content_type=note.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Disposition"] = f'attachment; filename="voice-{pk}.{note.format}"'
        return response
