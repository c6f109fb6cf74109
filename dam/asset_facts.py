"""What the asset page reads out of an asset's metadata and ingest steps.

The metadata JSON is written by the ingest steps; these readers accept the
shapes those steps and common EXIF/XMP tools use, and return None (or an
empty list) when a value is absent, so the page leaves the row out.
"""

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float

    def __str__(self):
        return "%.5f, %.5f" % (self.latitude, self.longitude)

    @property
    def map_url(self):
        point = (self.latitude, self.longitude)
        return "https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=15/%.6f/%.6f" % (
            point + point
        )


@dataclass(frozen=True)
class StepState:
    name: str
    state: str
    duration_ms: int | None
    error: str
    finished_at: object


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def gps_position(metadata):
    """Return the Position in ``metadata``, or None when it has none.

    Accepts {"gps": {"latitude", "longitude"}} (or lat/lon/lng), a
    [latitude, longitude] pair under "gps", and top-level latitude and
    longitude keys.
    """
    gps = metadata.get("gps", metadata)
    if isinstance(gps, (list, tuple)) and len(gps) >= 2:
        latitude, longitude = _number(gps[0]), _number(gps[1])
    elif isinstance(gps, dict):
        latitude = _number(gps.get("latitude", gps.get("lat")))
        longitude = _number(gps.get("longitude", gps.get("lon", gps.get("lng"))))
    else:
        return None

    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return Position(latitude, longitude)


def keywords(metadata):
    """Return the keywords (IPTC keywords or XMP subject) as a list."""
    value = metadata.get("keywords") or metadata.get("subject") or []
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    return [str(word).strip() for word in value if str(word).strip()]


def metadata_json(metadata):
    """The whole metadata, indented, for the page's raw-metadata section."""
    return json.dumps(metadata, indent=2, sort_keys=True, default=str)


def processing_steps(asset):
    """Every pipeline step for the asset with its recorded state.

    Steps that have not run yet are listed as "not run"; recorded steps that
    the pipeline no longer has come last.
    """
    from ingest.pipeline import steps_for

    recorded = {step.name: step for step in asset.steps.all()}
    states = []
    for step in steps_for(asset):
        row = recorded.pop(step.name, None)
        states.append(_state(step.name, row))
    for name, row in sorted(recorded.items()):
        states.append(_state(name, row))
    return states


def _state(name, row):
    if row is None:
        return StepState(name, "not run", None, "", None)
    return StepState(name, row.state, row.duration_ms, row.error, row.finished_at)
