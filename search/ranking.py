"""Blending search signals into one ranking that can explain itself.

Each capability contributes a Signal: a weight and, per asset, a value
(0..1 for most; cosine similarity for the vector signal) with a short
reason. An asset's score is the sum of weight x value over the signals
that found it, and the per-signal contributions are kept with the result,
so a page can say why it is there. Tags, OCR text and faces become further
signals without changing how the blend works.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SignalHit:
    asset_id: object
    value: float
    # Seconds into a video for a moment; None for the asset as a whole.
    time: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class Signal:
    name: str
    weight: float
    hits: list


@dataclass
class RankedResult:
    asset_id: object
    score: float = 0.0
    time: float | None = None
    contributions: dict = field(default_factory=dict)
    reasons: list = field(default_factory=list)
    # The dam.Asset, attached for display by the caller.
    asset: object = None

    def explain(self):
        """One line: each signal's contribution and reason."""
        parts = []
        for name, contribution in self.contributions.items():
            parts.append("%s %+.3f" % (name, contribution))
        text = ", ".join(parts)
        if self.reasons:
            text += " (%s)" % "; ".join(self.reasons)
        return text


def blend(signals):
    """Rank the assets found by any signal, best first.

    An asset appears once; when a signal found several moments of it, its
    best (first) hit counts. Ties are broken by asset id so that pages are
    stable.
    """
    results = {}
    for signal in signals:
        seen = set()
        for hit in signal.hits:
            if hit.asset_id in seen:
                continue
            seen.add(hit.asset_id)

            result = results.setdefault(hit.asset_id, RankedResult(hit.asset_id))
            contribution = signal.weight * hit.value
            result.contributions[signal.name] = contribution
            result.score += contribution
            if result.time is None and hit.time is not None:
                result.time = hit.time
            if hit.reason:
                result.reasons.append(hit.reason)

    return sorted(
        results.values(), key=lambda result: (-result.score, str(result.asset_id))
    )
