"""manage.py load_demo_city: generate the demo city (gridmaps.demo) and load it as the active map."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from gridmaps.demo import build_demo_city
from server.maps.demo_loader import DEMO_PASSWORD, load_city
from server.maps.models import MapVersion


class Command(BaseCommand):
    help = "Generate the Dongcheng demo city and load it as the active map version."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when a map version is already active")
        parser.add_argument("--seed", type=int, default=2004)
        parser.add_argument("--sequence-digits", type=int, choices=(2, 3), default=3,
                            help="cell sequence digits: 2 (14-digit codes) or 3 (15-digit)")

    def handle(self, *args, if_empty=False, seed=2004, sequence_digits=3, **opts):
        if if_empty and MapVersion.objects.filter(active=True).exists():
            self.stdout.write("demo city: an active map version exists, nothing loaded")
            return
        t0 = time.perf_counter()
        city = build_demo_city(seed=seed, sequence_digits=sequence_digits)
        result = load_city(city, label=f"Demo Dongcheng (seed {seed})")
        self.stdout.write(
            f"demo city loaded in {time.perf_counter() - t0:.1f}s as map version "
            f"{result.version_id}: {result.streets} streets, {result.communities} communities, "
            f"{result.cells} cells, {result.duty_grids} duty grids, {result.components} components, "
            f"{result.places} places, {result.departments} departments")
        self.stdout.write(f"demo accounts (password {DEMO_PASSWORD}): "
                          + ", ".join(u for u, _, _ in result.users))
