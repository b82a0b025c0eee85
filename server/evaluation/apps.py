from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "server.evaluation"
    label = "evaluation"
    verbose_name = "综合评价 Evaluation"
