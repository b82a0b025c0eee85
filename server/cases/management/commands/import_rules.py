"""manage.py import_rules [--filing-conditions CSV] [--node-limits CSV]

Loads a city's own rules from CSV, as editable afterwards in the admin (Filing conditions, Node
limit overrides): per-class filing conditions with their handling limits (the columns of
``workflows/data/filing_conditions.csv``) and node limits (``node,value,unit[,note]``). Rows are
created or updated by code (node); each file is written all or nothing, in one transaction.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from server.cases.models import FilingCondition, NodeLimitOverride
from server.cases.reference import import_filing_conditions, import_node_limits


class Command(BaseCommand):
    help = "Import per-class filing conditions (handling limits) and node limits from CSV."

    def add_arguments(self, parser):
        parser.add_argument("--filing-conditions", type=Path, help="CSV: kind,class_code,code,name,"
                            "limit_value,limit_unit,closing_condition,is_default")
        parser.add_argument("--node-limits", type=Path, help="CSV: node,value,unit[,note]")

    def handle(self, *args, filing_conditions, node_limits, **opts):
        if not filing_conditions and not node_limits:
            raise CommandError("name a file: --filing-conditions CSV and/or --node-limits CSV")
        jobs = ((filing_conditions, FilingCondition, import_filing_conditions, "filing conditions"),
                (node_limits, NodeLimitOverride, import_node_limits, "node limits"))
        for path, model, load, what in jobs:
            if not path:
                continue
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                with transaction.atomic():
                    created, updated = load(model, path)
            except ValueError as e:
                raise CommandError(f"{what} not imported: {e}") from None
            self.stdout.write(self.style.SUCCESS(
                f"{what}: {created} created, {updated} updated from {path.name}"))
