"""Case API: list and read what the user may see; take an action on a case.

POST /api/cases/<number>/actions/<action>/ carries the action's parameters (reason,
department_code, result, note) and, for feedback and check, a photo. The workflow decides; a
refusal answers 400/403/409 with ``{"error": {"code", "message", "state"}}``.
"""

from __future__ import annotations

import hashlib
import json

from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
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
from server.cases.selectors import case_summary
from server.cases.photos import photo_state
from server.cases.upload_fields import PhotoField
from server.idempotency import KEY_PATTERN
from workflows import SYSTEM_ACTIONS, Action, State

STATE_VALUES = frozenset(s.value for s in State)
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


class CaseListView(APIView):
    @extend_schema(summary="Cases the user may see, newest first", tags=["cases"],
                   operation_id="cases_list", parameters=[
        OpenApiParameter("state", str, description="filter by state, e.g. filed"),
        OpenApiParameter("limit", int), OpenApiParameter("offset", int)],
        responses={200: dict})
    def get(self, request):
        qs = access.visible_cases(request.user)
        state = request.query_params.get("state")
        if state:
            if state not in STATE_VALUES:
                raise ApiError("invalid", f"unknown state {state!r}", field="state")
            qs = qs.filter(state=state)
        # A limit over 500 is cut to 500; an offset past the table is an empty page, but one
        # past 2**63 is an SQL error: both are checked here.
        limit = min(params.integer(request.query_params, "limit", lo=0, hi=params.MAX_OFFSET,
                                   default=100), 500)
        offset = params.integer(request.query_params, "offset", lo=0, hi=params.MAX_OFFSET,
                                default=0)
        total = qs.count()
        rows = [case_summary(c, request.user) for c in qs[offset:offset + limit]]
        return Response({"count": total, "results": rows})


class CaseDetailView(APIView):
    @extend_schema(summary="One case with its events and photos", tags=["cases"],
                   responses={200: dict})
    def get(self, request, number: str):
        case = get_object_or_404(access.visible_cases(request.user), number=number)
        body = case_summary(case, request.user)
        body["events"] = [
            {"id": e.id, "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
             "at": e.at.isoformat(), "actor": e.actor.username, "actor_role": e.actor_role,
             "deadline": e.deadline.isoformat() if e.deadline else None, "data": e.data}
            for e in case.events.select_related("actor")]
        suggestion = suggest_department(case)
        body["suggested_department"] = (
            {"code": suggestion.department.code, "name": suggestion.department.name,
             "rule": suggestion.rule} if suggestion.department else None)
        body["duplicates"] = _duplicates(case, request.user)
        # The caller (hotline, Open311) only for the roles that need to call back; else None.
        body["contact"] = access.contact_of(case, request.user)
        # state: "clean" (served), "pending" (the photo cleaner has not run yet: retry) or
        # "refused" (it could not be decoded; reason says why): server.intake.uploads.
        # "kind" is the wire name of Photo.stage (before, after, check, verify, self).
        body["photos"] = [{"id": p.id, "kind": p.stage, "url": f"/api/photos/{p.id}/",
                           "width": p.width, "height": p.height,
                           **dict(zip(("state", "reason"), photo_state(p)))}
                          for p in case.photos.select_related("upload")]
        body["voice_notes"] = [{"id": v.id, "url": f"/api/voice/{v.id}/", "format": v.format,
                                "content_type": v.content_type, "size": v.size}
                               for v in case.voice_notes.all()]
        return Response(body)


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
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(request=ActionSerializer, responses={200: dict}, tags=["cases"],
                   summary="Take an action on a case (受理, 立案, 派遣, 反馈, 核查, 结案 ...)")
    def post(self, request, number: str, action: str):
        try:
            act = Action(action)
        except ValueError:
            known = ", ".join(a.value for a in Action if a != Action.REPORT)
            raise ApiError("unknown_action", f"unknown action {action!r}; one of: {known}",
                           status_code=404) from None
        if act == Action.REPORT or act in SYSTEM_ACTIONS:
            raise ApiError("unknown_action", f"{act.value} is not an action a user takes here",
                           status_code=404)
        if not access.may(request.user, access.Ability.CASE_ACTIONS):
            raise ApiError("role_not_allowed", "your account has no role", status_code=403)
        # Who may not read the case must not learn that it exists, nor its state (a refusal
        # names it): 404 as for a number never given.
        if not access.may_know_of_case(request.user, number):
            raise ApiError("not_found", f"no case {number!r}", status_code=404)
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
                raise ApiError("invalid_photo", str(exc), field="photo") from None
        if key is None:
            case = do_case_action(request.user, number, act, params, photos,
                                  photo_stage=PHOTO_STAGE.get(act, "after"))
            return Response(case_summary(case, request.user))
        try:
            answer, _ = do_case_action_once(request.user, number, act, key, digest, params,
                                            photos, photo_stage=PHOTO_STAGE.get(act, "after"))
        except IdempotencyConflict as exc:
            raise ApiError("idempotency_conflict", str(exc), field="idempotency_key",
                           status_code=409) from None
        return Response(answer)

    @staticmethod
    def _replay(user, key: str, digest: str) -> dict | None:
        try:
            return find_action_replay(user, key, digest)
        except IdempotencyConflict as exc:
            raise ApiError("idempotency_conflict", str(exc), field="idempotency_key",
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
