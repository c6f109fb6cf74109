"""Synthetic library for bench/search.py: clustered CLIP-like vectors stored
as real dam_asset and search_embedding rows, one database per size.

Uniform random vectors in 512 dimensions are all about equally far apart, so
"nearest" means nothing and every approximate index looks broken on them.
Real CLIP embeddings are clustered and share a common direction, and their
spread is concentrated in a few tens of directions. The generator copies
that shape:

- every vector leans on one shared mean direction (cosine ~0.35 between
  unrelated items, about what CLIP gives for unrelated photos);
- clusters (about 250 items each, sizes uneven) belong to 60 topics;
- inside a cluster the spread follows one decaying spectrum (variance of
  the i-th principal direction ∝ 1/i, an effective dimension of about 30),
  scaled so that two items of a cluster have a cosine of ~0.85;
- queries are stored vectors plus a little isotropic noise (cosine ~0.97
  to their source), like a search for a near-duplicate or a close match.

Everything derives from the seed, so a size can be regenerated and checked
against what is stored.
"""

import json
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

DIMENSION = 512
# Two items of one cluster: cosine ~ 1 / (1 + DIMENSION * sigma²) = 0.85.
CLUSTER_SIGMA = 0.0186
QUERY_SIGMA = 0.008
ITEMS_PER_CLUSTER = 250
TOPICS = 60
# Share of assets that are videos: the narrow filter of the filtered query.
VIDEO_EVERY = 100
# Rows generated and copied per step: 100k × 512 float32 is 200 MB.
CHUNK = 100_000
# Words of titles and text queries, so that the keyword signal of a text
# search has real matches to rank (a few hundred per word at 100k assets).
VOCABULARY = (
    "red blue green yellow orange black white grey golden dark bright "
    "beach mountain forest lake river city street bridge tower market "
    "harbour desert snow garden park field road station airport museum "
    "dog cat horse bird cow sheep fish bicycle car train boat plane bus "
    "portrait group team family child woman man crowd concert party "
    "sunset sunrise night morning winter summer autumn spring rain fog "
    "coffee food bread fruit flower tree leaf rock sand wave cloud sky "
    "office meeting desk laptop phone screen poster logo product shoe"
).split()


@dataclass(frozen=True)
class Dataset:
    """What determines the rows of one benchmark size."""

    size: int
    seed: int = 7
    model: str = ""
    version: int = 1

    @property
    def clusters(self):
        return max(self.size // ITEMS_PER_CLUSTER, 8)

    @property
    def database(self):
        return "bench_search_%d" % self.size


def generate(dataset):
    """Return (vectors, cluster of each vector): unit rows, float32."""
    rng = np.random.default_rng(dataset.seed)
    basis = np.linalg.qr(rng.standard_normal((DIMENSION, DIMENSION)))[0]
    # Decaying spectrum scaled so that E|spread|² = DIMENSION.
    spectrum = 1.0 / np.sqrt(np.arange(1, DIMENSION + 1))
    spectrum *= np.sqrt(DIMENSION / np.sum(spectrum**2))

    mean = _unit(rng.standard_normal(DIMENSION))
    topics = _unit(rng.standard_normal((TOPICS, DIMENSION)))
    own = _unit(rng.standard_normal((dataset.clusters, DIMENSION)))
    topic_of = rng.integers(0, TOPICS, dataset.clusters)
    centres = _unit(0.6 * mean + 0.5 * topics[topic_of] + 0.62 * own)
    sigmas = CLUSTER_SIGMA * rng.lognormal(0.0, 0.2, dataset.clusters)
    weights = rng.lognormal(0.0, 1.0, dataset.clusters)
    cluster = rng.choice(dataset.clusters, dataset.size, p=weights / weights.sum())

    vectors = np.empty((dataset.size, DIMENSION), dtype=np.float32)
    for start in range(0, dataset.size, CHUNK):
        part = cluster[start : start + CHUNK]
        spread = (rng.standard_normal((len(part), DIMENSION)) * spectrum) @ basis
        rows = centres[part] + sigmas[part, None] * spread
        vectors[start : start + CHUNK] = _unit(rows)
    return vectors, cluster.astype(np.int32)


def queries(vectors, count, seed):
    """Return (query vectors, index of the stored vector each started from)."""
    rng = np.random.default_rng(seed + 1)
    sources = rng.choice(len(vectors), count, replace=False)
    noise = QUERY_SIGMA * rng.standard_normal((count, DIMENSION))
    return _unit(vectors[sources] + noise).astype(np.float32), sources


def _unit(rows):
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def is_video(index):
    return index % VIDEO_EVERY == VIDEO_EVERY // 2


def asset_id(index):
    """The UUID of the index-th asset; ``index_of`` reverses it."""
    return uuid.UUID(int=index + 1)


def index_of(asset_uuid):
    return asset_uuid.int - 1


def title_of(cluster):
    """Two words shared by a cluster, as a photographer's title would be."""
    first = VOCABULARY[(cluster * 7) % len(VOCABULARY)]
    second = VOCABULARY[(cluster * 13 + 5) % len(VOCABULARY)]
    return "%s %s" % (first, second)


# Stored state.


def folder(data_dir):
    path = Path(data_dir) / "datasets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def vectors_path(data_dir, dataset):
    return folder(data_dir) / ("vectors-%d-seed%d-v%d.npy" % (
        dataset.size, dataset.seed, dataset.version
    ))


def load_vectors(data_dir, dataset):
    """The dataset's vectors and clusters, generated once and kept as .npy."""
    path = vectors_path(data_dir, dataset)
    clusters_path = path.with_name(path.stem + "-clusters.npy")
    if path.exists() and clusters_path.exists():
        return np.load(path), np.load(clusters_path)

    vectors, cluster = generate(dataset)
    for target, array in ((path, vectors), (clusters_path, cluster)):
        partial = target.with_suffix(".partial.npy")
        np.save(partial, array)
        partial.rename(target)
    return vectors, cluster


def manifest_path(data_dir, dataset):
    return folder(data_dir) / ("%s.json" % dataset.database)


def read_manifest(data_dir, dataset):
    """What was stored for this size, or {} when nothing (or other data) was."""
    path = manifest_path(data_dir, dataset)
    if not path.exists():
        return {}
    manifest = json.loads(path.read_text())
    return manifest if manifest.get("dataset") == asdict(dataset) else {}


def write_manifest(data_dir, dataset, **figures):
    manifest = read_manifest(data_dir, dataset) or {"dataset": asdict(dataset)}
    manifest.update(figures)
    manifest_path(data_dir, dataset).write_text(json.dumps(manifest, indent=2))
    return manifest


# Loading into PostgreSQL.


def copy_rows(connection_settings, dataset, vectors, cluster, progress):
    """COPY the assets and their embeddings in binary; return seconds taken.

    ``connection_settings`` is Django's settings_dict of the target database.
    A separate psycopg connection is used so that pgvector's adapters (numpy
    in, binary out) do not change what Django's own connection returns.
    """
    import psycopg
    from pgvector.psycopg import register_vector

    started = time.perf_counter()
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with psycopg.connect(
        host=connection_settings["HOST"],
        dbname=connection_settings["NAME"],
        user=connection_settings["USER"],
    ) as conn:
        register_vector(conn)
        with conn.cursor() as cursor:
            # A fresh identity makes embedding id = asset index + 1.
            cursor.execute(
                "TRUNCATE dam_asset, search_embedding RESTART IDENTITY CASCADE"
            )
            for start in range(0, dataset.size, CHUNK):
                stop = min(start + CHUNK, dataset.size)
                _copy_assets(cursor, range(start, stop), cluster, base)
                _copy_embeddings(cursor, dataset, range(start, stop), vectors, base)
                progress("  copied %d of %d rows" % (stop, dataset.size))
        conn.commit()
        with conn.cursor() as cursor:
            conn.autocommit = True
            cursor.execute("VACUUM ANALYZE dam_asset")
            cursor.execute("VACUUM ANALYZE search_embedding")
    return time.perf_counter() - started


def _copy_assets(cursor, indexes, cluster, base):
    columns = (
        "id, original, original_name, kind, mime_type, byte_size, sha256, metadata, "
        "camera, title, description, uploaded_at, updated_at, status, error"
    )
    types = [
        "uuid", "varchar", "varchar", "varchar", "varchar", "int8", "varchar", "jsonb",
        "varchar", "varchar", "text", "timestamptz", "timestamptz", "varchar", "text",
    ]
    sql = "COPY dam_asset (%s) FROM STDIN (FORMAT BINARY)" % columns
    with cursor.copy(sql) as copy:
        copy.set_types(types)
        for index in indexes:
            video = is_video(index)
            prefix, suffix = ("VID", "mp4") if video else ("IMG", "jpg")
            name = "%s_%08d.%s" % (prefix, index, suffix)
            moment = base + timedelta(seconds=index)
            copy.write_row((
                asset_id(index), "originals/bench/%s" % name, name,
                "video" if video else "image", "video/mp4" if video else "image/jpeg",
                2_000_000, "%064x" % (index + 1), "{}", "",
                title_of(int(cluster[index])), "", moment, moment, "ready", "",
            ))


def _copy_embeddings(cursor, dataset, indexes, vectors, base):
    columns = "asset_id, time, model, dimension, vector, created_at"
    types = ["uuid", "float8", "varchar", "int2", "vector", "timestamptz"]
    sql = "COPY search_embedding (%s) FROM STDIN (FORMAT BINARY)" % columns
    with cursor.copy(sql) as copy:
        copy.set_types(types)
        for index in indexes:
            copy.write_row(
                (asset_id(index), None, dataset.model, DIMENSION, vectors[index], base)
            )
