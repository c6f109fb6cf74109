"""Per-asset state of each ingest step."""

from django.db import models


class IngestStep(models.Model):
    """The outcome of one pipeline step for one asset.

    A step is done for an asset when a row says ``done`` at the step's
    current version; anything else is what a re-run still has to do.
    """

    class State(models.TextChoices):
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        WAITING = "waiting", "Waiting"

    asset = models.ForeignKey("dam.Asset", on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices)
    version = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "name"], name="one_state_per_step")
        ]
        indexes = [models.Index(fields=["name", "state"])]

    def __str__(self):
        return "%s %s: %s" % (self.asset_id, self.name, self.state)
