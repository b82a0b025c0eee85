"""``POST /api/bench/floor/``: the same multipart a handset report is (fields and a ``photo``
file part), authenticated the same way (the project's DRF authentication, so ``Authorization:
Token``), and then only this: one INSERT of the photo's bytes in its own transaction, committed
durably (PostgreSQL's default ``synchronous_commit``), answered 201. What ``bench.intake``
divides the reports' rate by."""

from __future__ import annotations

from django.db import transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from server.benchfloor.models import FloorUpload


class FloorView(APIView):
    def post(self, request):
        photo = request.FILES.get("photo")
        if photo is None:
            return Response({"error": {"code": "no_photo", "message": "send a photo part"}},
                            status=400)
        with transaction.atomic():
            upload = FloorUpload.objects.create(data=photo.read())
        return Response({"id": upload.pk}, status=201)
