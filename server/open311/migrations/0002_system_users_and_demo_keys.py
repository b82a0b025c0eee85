"""The integration users (open311, video: role system, they never log in) that Open311 and
camera reports are made by, and the demo client and platform whose keys the README publishes.
Demo keys are accepted only in the embedded demo or with DEBUG on (server/open311/keys.py)."""

import hashlib

from django.db import migrations

USERS = {"open311": ("Open311", "开放接口"), "video": ("Video", "视频监控")}
DEMO = {"Open311Client": ("demo", "demo-open311-key"),
        "CameraPlatform": ("demo-camera", "demo-camera-key")}


def forward(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for username, (en, zh) in USERS.items():
        if not User.objects.filter(username=username).exists():
            # "!" + anything is Django's unusable password: it can never log in.
            User.objects.create(username=username, role="system", first_name=zh, last_name=en,
                                password=f"!{username}-never-logs-in")
    for model, (name, key) in DEMO.items():
        Model = apps.get_model("open311", model)
        Model.objects.get_or_create(name=name, defaults={
            "key_hash": hashlib.sha256(key.encode()).hexdigest(), "is_demo": True,
            "contact": "demo data (README)"})


class Migration(migrations.Migration):
    dependencies = [("open311", "0001_initial"), ("accounts", "0002_roles_and_territory")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
