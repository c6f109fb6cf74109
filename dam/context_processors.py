from dataclasses import dataclass


@dataclass(frozen=True)
class Banner:
    level: str
    message: str
    # The command that fixes what the banner reports, or "".
    command: str = ""

    def __str__(self):
        if self.command:
            return "%s Fix: %s" % (self.message, self.command)
        return self.message


def service_state(request):
    """Banners about the state of the installation, for every page.

    One Banner per model that is not ready, with the command that fixes it.
    """
    from dam.models_state import describe_models

    banners = [
        Banner(
            level="warning",
            message=described.get("message") or "%s is not ready." % name,
            command=described.get("fix", ""),
        )
        for name, described in describe_models().items()
        if not described.get("ready")
    ]
    return {"service_banners": banners}
