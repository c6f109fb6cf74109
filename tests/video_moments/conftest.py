"""Video moment tests use the search tests' tiny CLIP model and ingest helpers."""

import pytest

# Fixtures shared with the search tests: the tiny random-weight CLIP model
# (real open_clip loading and encoding), a data dir of the test's own, and
# ingesting corpus copies through the real pipeline.
from tests.search.conftest import (  # noqa: F401
    clip,
    data_dir,
    ingest_copy,
    no_clip,
    tiny_clip_files,
)

# Headless Chromium, signed in, for the browser test.
from tests.web.conftest import browser, page  # noqa: F401


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client
