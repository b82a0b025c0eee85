from django.db import models


class FloorUpload(models.Model):
    """One upload's bytes as sent: one INSERT, nothing derived."""

    data = models.BinaryField()
