"""Search tests run the real open_clip path with a tiny random-weight model."""

import pytest

from dam.models import Asset
from ingest.pipeline import run_pipeline
from ingest.uploads import ingest_file
from tests.conftest import CORPUS, ROOT
from tests.search.tiny_clip import NAME, ensure_tiny_clip

MODELS_DIR = ROOT / "var" / "test-models"
PHOTOS = sorted(path.name for path in (CORPUS / "photos").iterdir())
VIDEO = "video/cat_rocket_coffee.mp4"


@pytest.fixture(scope="session")
def tiny_clip_files():
    """(config, checkpoint) of the tiny model, made once and kept in var/."""
    return ensure_tiny_clip(MODELS_DIR)


@pytest.fixture
def data_dir(settings, tmp_path):
    """A data dir of the test's own: nothing imported there yet."""
    folder = tmp_path / "data"
    folder.mkdir()
    settings.DATA_DIR = folder
    return folder


@pytest.fixture
def clip(settings, tiny_clip_files, data_dir):
    """Configure the tiny CLIP model; return its identity."""
    config_path, checkpoint = tiny_clip_files
    settings.DAM_CLIP_MODEL = NAME
    settings.DAM_CLIP_PRETRAINED = str(checkpoint)
    settings.DAM_CLIP_MODEL_CONFIG = str(config_path)
    return "%s/%s" % (NAME, checkpoint.stem)


@pytest.fixture
def no_clip(settings, tmp_path, data_dir, monkeypatch):
    """The default model (ViT-B-32, openai) on a machine without its weights,
    even where this machine's own hub cache holds them."""
    from huggingface_hub import constants

    empty_cache = tmp_path / "hf-cache"
    empty_cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(empty_cache))
    settings.DAM_CLIP_MODEL = "ViT-B-32"
    settings.DAM_CLIP_PRETRAINED = "openai"
    settings.DAM_CLIP_MODEL_CONFIG = ""
    settings.DAM_CLIP_CACHE_DIR = str(empty_cache)
    return "ViT-B-32/openai"


def ingest(path, name=None, user=None):
    """Upload a file and run the whole real pipeline; return the asset."""
    accepted = ingest_file(str(path), name or path.name, uploaded_by=user)
    run_pipeline(accepted.asset.id)
    return Asset.objects.get(pk=accepted.asset.id)


@pytest.fixture
def ingest_copy(copy_of):
    """Ingest a copy of a corpus file: ``ingest_copy("photos/horse.png")``."""

    def run(relative, user=None):
        return ingest(copy_of(relative), user=user)

    return run


@pytest.fixture
def corpus_photos(ingest_copy):
    """Every corpus photo ingested; {file name: asset}."""
    return {name: ingest_copy("photos/" + name) for name in PHOTOS}
