"""clip_model status / download / import, and reembed."""

import io
import shutil

import pytest
from django.core.management import CommandError, call_command

from ingest.models import IngestStep
from ingest.pipeline import run_pipeline
from search.models import Embedding
from search.services import search_text
from tests.search.tiny_clip import NAME

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_status_names_the_missing_weights_and_the_fix(no_clip):
    out = run("clip_model", "status")

    assert "ViT-B-32/openai" in out
    assert "missing" in out
    assert "python manage.py clip_model download" in out


def test_status_with_the_weights_in_place(clip, tiny_clip_files):
    out = run("clip_model", "status")

    assert "weights: %s" % tiny_clip_files[1] in out


def test_download_offline_fails_with_the_way_out(no_clip):
    with pytest.raises(CommandError, match="clip_model import PATH"):
        run("clip_model", "download")


def test_import_installs_a_checkpoint_that_settings_then_use(
    settings, tiny_clip_files, data_dir, tmp_path, ingest_copy, client
):
    config_path, checkpoint = tiny_clip_files
    copied = tmp_path / "from-usb-stick.pt"
    shutil.copyfile(checkpoint, copied)
    settings.DAM_CLIP_MODEL = NAME
    settings.DAM_CLIP_MODEL_CONFIG = str(config_path)
    settings.DAM_CLIP_PRETRAINED = "studio"
    assert client.get("/healthz").json()["models"]["clip"]["ready"] is False

    out = run("clip_model", "import", str(copied))

    assert "Installed" in out
    assert (data_dir / "models" / "clip" / ("%s__studio.pt" % NAME)).is_file()
    assert client.get("/healthz").json()["models"]["clip"]["ready"] is True
    asset = ingest_copy("photos/coffee.png")
    assert asset.embeddings.get().model == "%s/studio" % NAME


def test_import_refuses_a_file_that_is_not_the_model(
    settings, tiny_clip_files, data_dir, tmp_path
):
    settings.DAM_CLIP_MODEL = "ViT-B-32"
    settings.DAM_CLIP_PRETRAINED = "openai"
    wrong = tmp_path / "wrong.pt"
    # a real checkpoint, of another architecture
    shutil.copyfile(tiny_clip_files[1], wrong)

    with pytest.raises(CommandError, match="is not a ViT-B-32 checkpoint"):
        run("clip_model", "import", str(wrong))

    assert not (data_dir / "models" / "clip").exists() or not any(
        (data_dir / "models" / "clip").iterdir()
    )


def test_assets_ingested_without_weights_are_embedded_by_reembed(
    settings, no_clip, tiny_clip_files, ingest_copy
):
    # given: three assets ingested before the weights were installed
    assets = [
        ingest_copy("photos/" + name)
        for name in ("chelsea.png", "coffee.png", "rocket.jpg")
    ]
    assert not Embedding.objects.exists()

    # when: the model is configured and reembed runs
    config_path, checkpoint = tiny_clip_files
    settings.DAM_CLIP_MODEL = NAME
    settings.DAM_CLIP_PRETRAINED = str(checkpoint)
    settings.DAM_CLIP_MODEL_CONFIG = str(config_path)
    out = run("reembed", "--batch-size", "2")

    # then
    identity = "%s/%s" % (NAME, checkpoint.stem)
    assert "3 assets to embed" in out
    assert Embedding.objects.filter(model=identity).count() == 3
    steps = IngestStep.objects.filter(name="embedding")
    assert {(step.state, step.version) for step in steps} == {("done", identity)}
    assert search_text("chelsea").mode == "text"
    assert "0 assets to embed" in run("reembed")
    # the pipeline has nothing left to do for them either
    assert run_pipeline(assets[0].id) == "ready"
    assert Embedding.objects.filter(asset=assets[0]).count() == 1


def test_a_new_model_is_due_again_and_old_vectors_can_be_pruned(
    settings, clip, tiny_clip_files, tmp_path, ingest_copy
):
    assets = [ingest_copy("photos/" + name) for name in ("chelsea.png", "coffee.png")]
    renamed = tmp_path / "retrained.pt"
    shutil.copyfile(tiny_clip_files[1], renamed)
    settings.DAM_CLIP_PRETRAINED = str(renamed)

    out = run("reembed")
    assert "2 assets to embed" in out
    assert Embedding.objects.count() == 4

    run("reembed", "--prune")
    assert set(Embedding.objects.values_list("model", flat=True)) == {
        "%s/retrained" % NAME
    }
    assert run_pipeline(assets[0].id) == "ready"


def test_reembed_without_weights_says_how_to_get_them(no_clip):
    with pytest.raises(CommandError, match="clip_model download"):
        run("reembed")


def test_weights_downloaded_earlier_are_found_in_the_hub_cache(
    settings, monkeypatch, tiny_clip_files, tmp_path, data_dir, ingest_copy
):
    # given: a pretrained tag whose weights sit in a Hugging Face hub cache,
    # laid out as huggingface_hub writes it (open_clip's table of tags is
    # the one thing added: no real tag's weights fit in a test)
    from open_clip import pretrained

    config_path, checkpoint = tiny_clip_files
    tag = {"hf_hub": "dam-tests/tiny-clip/", "quick_gelu": False}
    monkeypatch.setitem(pretrained._PRETRAINED, NAME, {"lab": tag})
    cache = tmp_path / "hub"
    snapshot = cache / "models--dam-tests--tiny-clip" / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    shutil.copyfile(checkpoint, snapshot / "open_clip_pytorch_model.bin")
    (cache / "models--dam-tests--tiny-clip" / "refs").mkdir()
    (cache / "models--dam-tests--tiny-clip" / "refs" / "main").write_text("0123abcd")
    settings.DAM_CLIP_MODEL = NAME
    settings.DAM_CLIP_MODEL_CONFIG = str(config_path)
    settings.DAM_CLIP_PRETRAINED = "lab"
    settings.DAM_CLIP_CACHE_DIR = str(cache)

    # when
    out = run("clip_model", "status")
    asset = ingest_copy("photos/coffee.png")

    # then
    assert "weights: %s" % (snapshot / "open_clip_pytorch_model.bin") in out
    assert asset.embeddings.get().model == "%s/lab" % NAME
