from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.db.models.signals import post_migrate


class EvaluationConfig(AppConfig):
    name = "server.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        post_migrate.connect(_rollups_after_migrate, sender=self,
                             dispatch_uid="evaluation-rollups-after-migrate")


def _rollups_after_migrate(sender, using="default", **kwargs) -> None:
    """Rollups that a migration emptied (their definitions changed) are recomputed from the
    event log at once, so an upgrade needs no manual step: when there are events but no daily
    rollups, ``rebuild_rollups`` runs. A database with neither (a new city, a test) costs two
    existence checks."""
    from django.core.management import call_command

    from server.cases.models import CaseEvent
    from server.evaluation.models import DailyRollup

    if (CaseEvent.objects.using(using).exists()
            and not DailyRollup.objects.using(using).exists()):
        call_command("rebuild_rollups")
