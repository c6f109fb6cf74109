import os, shutil
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
import pytest
from playwright.sync_api import sync_playwright
from tests.conftest import wait_for_status
from ingest.uploads import ingest_file

ARGS = ["--headless","--no-sandbox","--disable-gpu","--disable-background-networking","--disable-component-update","--disable-sync"]

def test_shots(live_server, celery_worker, user, corpus, tmp_path):
    ids = []
    for rel in ["photos/rocket.jpg", "photos/coffee.png", "video/cat_rocket_coffee.mp4", "photos/astronaut.png"]:
        p = tmp_path / os.path.basename(rel); shutil.copyfile(corpus / rel, p)
        ids.append(ingest_file(str(p), p.name, user).asset.id)
    whole = (corpus / "photos/flower.jpg").read_bytes()
    p = tmp_path / "truncated.jpg"; p.write_bytes(whole[: len(whole)//3])
    bad = ingest_file(str(p), p.name, user).asset.id
    for i in ids + [bad]:
        wait_for_status(i)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        c = b.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
        page = c.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.screenshot(path="/tmp/shots/m-login.png", full_page=True)
        page.fill("#id_username", "marketing"); page.fill("#id_password", "s3cret-pass"); page.click("button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        page.wait_for_function("Array.from(document.images).every(i => i.complete)")
        page.wait_for_timeout(500)
        page.screenshot(path="/tmp/shots/m-library.png", full_page=True)
        page.goto(live_server.url + "/assets/%s/" % bad)
        page.screenshot(path="/tmp/shots/m-failed.png", full_page=True)
        page.goto(live_server.url + "/upload/")
        page.wait_for_timeout(1000)
        page.screenshot(path="/tmp/shots/m-upload.png", full_page=True)
        c2 = b.new_context(viewport={"width": 1400, "height": 900})
        p2 = c2.new_page()
        p2.goto(live_server.url + "/accounts/login/")
        p2.screenshot(path="/tmp/shots/login.png")
        p2.fill("#id_username", "marketing"); p2.fill("#id_password", "s3cret-pass"); p2.click("button[type=submit]")
        p2.wait_for_url(live_server.url + "/")
        p2.goto(live_server.url + "/assets/%s/" % bad)
        p2.screenshot(path="/tmp/shots/failed.png", full_page=True)
        p2.goto(live_server.url + "/upload/")
        p2.wait_for_timeout(1000)
        p2.screenshot(path="/tmp/shots/upload-empty.png", full_page=True)
        p2.click("summary")
        p2.screenshot(path="/tmp/shots/menu.png")
        b.close()
