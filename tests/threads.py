"""Running workers at once, for the concurrency tests: real threads, each with its own database
connection, released together. Row locks need PostgreSQL (SQLite locks the whole file), so these
tests are skipped elsewhere; CI runs them with DATABASE_URL set."""

import threading

import pytest
from django.db import connection, connections

POSTGRESQL_ONLY = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks need PostgreSQL; CI runs these with DATABASE_URL set"),
]


def run_together(target, count=2):
    """Run `target(index)` in `count` threads released at the same moment; return results, an
    exception standing for the result of a worker that raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
