"""Which CLIP model is configured and where its weights are on this machine.

Nothing here touches the network: open_clip, given a pretrained tag, tries
to download and hangs for about 45 s on a machine without internet, so the
weights are looked up on disk first and the model is only ever created from
a local file. ``download_weights`` is the one function that goes online, and
only the ``clip_model download`` command calls it.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

FIX_DOWNLOAD = (
    "python manage.py clip_model download (on a machine with internet), or "
    "python manage.py clip_model import PATH (a checkpoint copied here)"
)
FIX_IMPORT = "python manage.py clip_model import PATH"
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")

_registered = set()


class WeightsMissing(Exception):
    """The configured model's weights are not on this machine (or broken)."""

    def __init__(self, message, fix=FIX_DOWNLOAD):
        super().__init__(message)
        self.fix = fix


@dataclass(frozen=True)
class ClipConfig:
    model: str
    pretrained: str
    model_config: str = ""
    cache_dir: str = ""

    @property
    def pretrained_is_file(self):
        """True when the weights are named by path rather than by a tag."""
        value = self.pretrained
        return os.sep in value or value.endswith(WEIGHT_SUFFIXES)

    @property
    def identity(self):
        """The name stored with every embedding: model and weights."""
        weights = (
            Path(self.pretrained).stem if self.pretrained_is_file else self.pretrained
        )
        return "%s/%s" % (self.model, weights)


def clip_config():
    """The configured model, read from settings at call time."""
    return ClipConfig(
        model=getattr(settings, "DAM_CLIP_MODEL", "ViT-B-32"),
        pretrained=getattr(settings, "DAM_CLIP_PRETRAINED", "openai"),
        model_config=getattr(settings, "DAM_CLIP_MODEL_CONFIG", "") or "",
        cache_dir=getattr(settings, "DAM_CLIP_CACHE_DIR", "") or "",
    )


def model_identity():
    """Version of the embedding step: changes when the model does."""
    return clip_config().identity


def register_model_config(config):
    """Make a custom architecture's JSON config known to open_clip.

    open_clip names a config after its file, so the file must be called
    ``<DAM_CLIP_MODEL>.json``.
    """
    import open_clip

    if config.model_config:
        path = Path(config.model_config)
        if not path.is_file():
            raise WeightsMissing(
                "The model config %s does not exist." % path,
                fix="set DAM_CLIP_MODEL_CONFIG to an open_clip model config JSON",
            )
        # add_model_config rescans every config open_clip ships (~100 JSON
        # files): once per file and process, not on every page's banner.
        stamp = (str(path), path.stat().st_mtime_ns)
        if stamp not in _registered:
            open_clip.add_model_config(path)
            _registered.add(stamp)

    if open_clip.get_model_config(config.model) is None:
        raise WeightsMissing(
            "open_clip knows no architecture called %r." % config.model,
            fix="set DAM_CLIP_MODEL, or DAM_CLIP_MODEL_CONFIG to %s.json"
            % config.model,
        )


def tag_config(config):
    """open_clip's record of a pretrained tag ({} for checkpoint files)."""
    import open_clip

    if config.pretrained_is_file:
        return {}
    return open_clip.get_pretrained_cfg(config.model, config.pretrained) or {}


def imported_weights_dir():
    return Path(settings.DATA_DIR) / "models" / "clip"


def imported_weights(config):
    """Checkpoint installed by ``clip_model import`` for this model, if any."""
    folder = imported_weights_dir()
    stem = "%s__%s" % (config.model, config.pretrained)
    for suffix in WEIGHT_SUFFIXES:
        candidate = folder / (stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def download_dir(config):
    """Where ``clip_model download`` puts weights: DAM_CLIP_CACHE_DIR, else
    the data dir, so that a volume holding the data keeps them."""
    return (
        Path(config.cache_dir) if config.cache_dir else imported_weights_dir() / "hub"
    )


def _hub_cache_dirs(config):
    # None is huggingface_hub's own default cache (HF_HUB_CACHE), where
    # weights downloaded by other tools on this machine are.
    return [None, str(download_dir(config))]


def cached_download(config, tag):
    """Path of the tag's weights in a download cache, or None."""
    from huggingface_hub import try_to_load_from_cache
    from open_clip.constants import HF_SAFE_WEIGHTS_NAME, HF_WEIGHTS_NAME

    hub = tag.get("hf_hub", "")
    if hub:
        repo_id, filename = os.path.split(hub)
        names = [filename] if filename else [HF_SAFE_WEIGHTS_NAME, HF_WEIGHTS_NAME]
        for cache_dir in _hub_cache_dirs(config):
            for name in names:
                found = try_to_load_from_cache(repo_id, name, cache_dir=cache_dir)
                if isinstance(found, str) and os.path.isfile(found):
                    return Path(found)

    # Like open_clip, prefer the hub: its URL files for OpenAI's tags are
    # TorchScript archives, which the hub's copies replace.
    url = tag.get("url", "")
    if url and not hub:
        name = os.path.basename(url)
        for folder in (Path("~/.cache/clip").expanduser(), download_dir(config)):
            if (folder / name).is_file():
                return folder / name
    return None


def find_weights(config=None):
    """Return the local checkpoint file for the configured model.

    Raises WeightsMissing (with the command that fixes it) when there is
    none. Looks, in order, at a configured file, an imported file, and the
    download caches; never at the network.
    """
    config = config or clip_config()
    register_model_config(config)

    if config.pretrained_is_file:
        path = Path(config.pretrained)
        if not path.is_file():
            raise WeightsMissing(
                "The CLIP checkpoint %s does not exist." % path, fix=FIX_IMPORT
            )
        return path

    imported = imported_weights(config)
    if imported is not None:
        return imported

    tag = tag_config(config)
    if not tag:
        raise WeightsMissing(
            "open_clip has no pretrained weights %r for %s."
            % (config.pretrained, config.model),
            fix="set DAM_CLIP_PRETRAINED to a tag or a checkpoint file",
        )
    found = cached_download(config, tag)
    if found is None:
        raise WeightsMissing(
            "The weights of CLIP %s are not installed on this machine."
            % config.identity
        )
    return found


def download_weights(config=None):
    """Download the configured tag's weights; return the local path.

    Goes online: for the management command, never for a request.
    """
    import open_clip

    config = config or clip_config()
    register_model_config(config)
    tag = tag_config(config)
    if not tag:
        raise WeightsMissing(
            "%r is not a pretrained tag of %s; nothing to download."
            % (config.pretrained, config.model),
            fix=FIX_IMPORT,
        )

    path = open_clip.download_pretrained(tag, cache_dir=str(download_dir(config)))
    return Path(path)


def install_weights(source, config=None):
    """Copy a checkpoint file into the data dir for the configured model.

    The copy is written next to its final name and renamed into place, so a
    reader never sees half a file. Returns the installed path.
    """
    config = config or clip_config()
    source = Path(source)
    suffix = source.suffix if source.suffix in WEIGHT_SUFFIXES else ".pt"
    folder = imported_weights_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ("%s__%s%s" % (config.model, config.pretrained, suffix))

    for old in (folder / (target.stem + other) for other in WEIGHT_SUFFIXES):
        if old != target:
            old.unlink(missing_ok=True)

    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".partial")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target
