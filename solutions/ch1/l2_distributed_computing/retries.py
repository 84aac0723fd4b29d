"""Kata 1.2.4: answers that survive a retried task (lineage and determinism)."""

from __future__ import annotations

import hashlib


def assign_buckets(records, buckets: int, seed: int):
    """Pair every record of the RDD with a bucket in 0 .. buckets-1, pseudo-randomly
    but reproducibly: the same (record, seed) always gets the same bucket, in any
    process and on any attempt, whatever partition or position the record is in.
    Every bucket gets about its share. ValueError for buckets < 1, at once (not when a job runs)."""
    if buckets < 1:
        raise ValueError(f"buckets must be >= 1, got {buckets}")

    def bucket(record):
        # A retried task recomputes its partition from lineage; random.random() or a
        # process-salted hash() would then give a different answer than the first attempt.
        digest = hashlib.blake2b(f"{seed}:{record}".encode(), digest_size=8).digest()
        return record, int.from_bytes(digest, "big") % buckets

    return records.map(bucket)
