"""The state of the CLIP model, for /healthz and the UI banner."""

from django.conf import settings

from search.encoder import load_failure, loaded_identity
from search.weights import WeightsMissing, clip_config, find_weights


def describe_clip():
    """{"name": "clip", "ready": bool, ...}: whether visual search works.

    Only looks at the disk (and at this process's own load attempts); it
    neither loads the model nor goes online, so it is cheap enough for
    every page.
    """
    config = clip_config()
    state = {
        "name": "clip",
        "model": config.identity,
        "ready": False,
        "loaded": loaded_identity() == config.identity,
        "weights": None,
        "vector_backend": getattr(settings, "DAM_VECTOR_BACKEND", "pgvector"),
    }
    try:
        weights = find_weights(config)
    except WeightsMissing as err:
        state.update(
            error=str(err),
            message="Visual search is off: %s Search matches names, titles, "
            "descriptions and keywords only." % err,
            fix=err.fix,
        )
        return state

    state["weights"] = str(weights)
    failure = load_failure(config, weights)
    if failure:
        state.update(
            error=failure,
            message="Visual search is off: %s" % failure,
            fix="python manage.py clip_model import PATH",
        )
        return state

    state["ready"] = True
    return state
