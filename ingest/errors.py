"""Exceptions that tell the pipeline what a step's failure means."""


class MediaError(Exception):
    """The file itself is bad or unsupported; retrying cannot help.

    The message is shown to the user as the asset's error.
    """


class StepDeferred(Exception):
    """The step cannot run yet for a reason outside the file (for example,
    model weights are not installed); it stays waiting and is retried by a
    later run of the pipeline."""
