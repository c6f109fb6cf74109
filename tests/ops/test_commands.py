"""Management commands an operator runs."""

import os
import shutil

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from dam.models import Asset

pytestmark = pytest.mark.django_db


def test_import_folder_is_recursive_and_imports_nothing_twice(tmp_path, corpus, capsys):
    # given a nested folder with photos, a video and a stray text file
    folder = tmp_path / "shoot"
    (folder / "day2" / "clips").mkdir(parents=True)
    shutil.copyfile(corpus / "photos" / "rocket.jpg", folder / "rocket.jpg")
    shutil.copyfile(corpus / "photos" / "coins.png", folder / "day2" / "coins.png")
    shutil.copyfile(corpus / "video" / "cat_rocket_coffee.mp4",
                    folder / "day2" / "clips" / "clip.mp4")
    (folder / "day2" / "notes.txt").write_text("call the client")
    os.mkfifo(folder / "day2" / "pipe.jpg")

    # when
    call_command("import_folder", str(folder))
    first = capsys.readouterr()
    call_command("import_folder", str(folder))
    second = capsys.readouterr()

    # then
    assert sorted(Asset.objects.values_list("original_name", flat=True)) == [
        "clip.mp4", "coins.png", "rocket.jpg"
    ]
    assert "Imported 3, already in the library 0, skipped 1 of 4" in first.out
    assert "notes.txt: Unsupported file type" in first.err
    assert "Imported 0, already in the library 3, skipped 1 of 4" in second.out


def test_import_folder_refuses_a_missing_folder(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("import_folder", str(tmp_path / "nope"))


def test_create_api_token_prints_a_working_token(client, capsys):
    call_command("create_api_token", "robot", "--create")
    key = capsys.readouterr().out.strip()

    assert Token.objects.get(key=key).user.username == "robot"
    response = client.get("/api/assets/", HTTP_AUTHORIZATION="Token %s" % key)
    assert response.status_code == 200


def test_create_api_token_for_unknown_user_without_create_fails():
    with pytest.raises(CommandError, match="No user named"):
        call_command("create_api_token", "ghost")


def test_ensure_admin_prints_a_generated_password_once(client, capsys, monkeypatch):
    monkeypatch.delenv("DAM_ADMIN_PASSWORD", raising=False)

    call_command("ensure_admin")
    first = capsys.readouterr().out
    call_command("ensure_admin")
    second = capsys.readouterr().out

    password = first.split("password:")[1].split()[0]
    assert client.login(username="admin", password=password)
    assert second == ""
