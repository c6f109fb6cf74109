"""The PostgreSQL side of bench/search.py: one database per size, its rows
and indexes built once and kept, and the index brought into memory."""

import time
from pathlib import Path

from bench import search_data
from bench.timing import progress


def server_settings():
    """The server settings that decide these figures, as the server sees them."""
    from django.db import connection

    found = {}
    with connection.cursor() as cursor:
        for name in ("shared_buffers", "maintenance_work_mem", "work_mem"):
            cursor.execute("SHOW %s" % name)
            found[name] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_jit_available()")
        found["jit available"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'"
        )
        found["pgvector"] = cursor.fetchone()[0]
    return found


def use_database(name, fresh):
    """Point Django's connection at database ``name``, created and migrated."""
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        if fresh:
            cursor.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute('CREATE DATABASE "%s"' % name)
    connection.close()
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0)


def stored_rows(dataset):
    from search.models import Embedding

    return Embedding.objects.filter(model=dataset.model, dimension=512).count()


def drop_hnsw_index(dataset):
    from django.db import connection

    from search.pg_index import index_name

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS %s" % index_name(dataset.model, 512))


def prepare(data_dir, dataset, vectors, cluster, fresh):
    """Store the rows and build both indexes unless kept; return the manifest."""
    from django.db import connection

    from search.backends import get_backend
    from search.backends.faiss import index_path
    from search.pg_index import ensure_hnsw_index, index_state, index_name

    if fresh:
        search_data.manifest_path(data_dir, dataset).unlink(missing_ok=True)
        index_path(dataset.model, 512).unlink(missing_ok=True)
    manifest = search_data.read_manifest(data_dir, dataset)

    if "copy_s" not in manifest or stored_rows(dataset) != dataset.size:
        # An HNSW index present while copying would be filled row by row.
        drop_hnsw_index(dataset)
        index_path(dataset.model, 512).unlink(missing_ok=True)
        search_data.manifest_path(data_dir, dataset).unlink(missing_ok=True)
        progress("%d: copying rows" % dataset.size)
        seconds = search_data.copy_rows(
            connection.settings_dict, dataset, vectors, cluster, progress
        )
        manifest = search_data.write_manifest(data_dir, dataset, copy_s=seconds)

    name = index_name(dataset.model, 512)
    if "pgvector_build_s" not in manifest or index_state(name) != "valid":
        drop_hnsw_index(dataset)
        progress("%d: building the pgvector HNSW index" % dataset.size)
        connection.ensure_connection()
        # pgvector says so in a NOTICE when the graph outgrows
        # maintenance_work_mem and the build goes on, much slower, on disk.
        connection.connection.add_notice_handler(
            lambda notice: progress("postgres: %s" % notice.message_primary)
        )
        started = time.perf_counter()
        ensure_hnsw_index(dataset.model, 512)
        manifest = search_data.write_manifest(
            data_dir, dataset, pgvector_build_s=time.perf_counter() - started
        )

    if "faiss_build_s" not in manifest or not index_path(dataset.model, 512).exists():
        progress("%d: building the FAISS index (vector_index rebuild)" % dataset.size)
        started = time.perf_counter()
        get_backend("faiss").rebuild(dataset.model, 512)
        manifest = search_data.write_manifest(
            data_dir, dataset, faiss_build_s=time.perf_counter() - started
        )
    return manifest


def faiss_folder(data_dir, dataset):
    return Path(data_dir).resolve() / "search" / "faiss" / str(dataset.size)


def use_faiss_folder(data_dir, dataset):
    """Keep each size's FAISS file apart: the backend names it by model only."""
    from search.backends import faiss as faiss_backend

    folder = faiss_folder(data_dir, dataset)
    faiss_backend.index_dir = lambda: folder


def prewarm(dataset, vector):
    """Bring the HNSW index and the assets into shared_buffers.

    Returns (index pages, seconds). pg_prewarm is not in the embedded build
    (its only extensions are plpgsql and vector), so the whole graph is
    walked instead: a relaxed iterative scan asked for every row, starting
    from ``vector``, reads every index page, and the TOAST pages of the
    vectors as it computes each distance. The assets each hit is joined to
    are read through their primary key.
    """
    from django.db import connection, transaction

    from search.pg_index import index_name

    started = time.perf_counter()
    walk = (
        "SELECT count(*) FROM (SELECT id FROM search_embedding "
        "WHERE model = %s AND dimension = 512 "
        "ORDER BY vector::vector(512) <=> %s::vector(512) LIMIT %s) AS walk"
    )
    text = "[%s]" % ",".join("%.6f" % value for value in vector)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute("SET LOCAL hnsw.ef_search = 1000")
        cursor.execute("SET LOCAL hnsw.max_scan_tuples = %d" % (dataset.size * 2))
        cursor.execute("SET LOCAL hnsw.scan_mem_multiplier = 100")
        # Asked for every row, the planner would rather sort a table scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(walk, [dataset.model, text, dataset.size])
        cursor.execute(
            "SELECT count(status) FROM (SELECT status FROM dam_asset ORDER BY id)"
        )
        name = index_name(dataset.model, 512)
        cursor.execute("SELECT pg_relation_size(%s) / 8192", [name])
        pages = cursor.fetchone()[0]
    return pages, time.perf_counter() - started


def blocks_read():
    """Blocks this database has read from outside shared_buffers so far."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT blks_read FROM pg_stat_database WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]
