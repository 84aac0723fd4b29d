"""Kata 1.2.4: answers that survive a retried task (lineage and determinism).

Read the lesson README first; `kata hint 1.2.4` gives a nudge when stuck.
"""

from __future__ import annotations

import hashlib

from fixtures import KataNotImplemented


def assign_buckets(records, buckets: int, seed: int):
    """Pair every record of the RDD with a bucket in 0 .. buckets-1, pseudo-randomly
    but reproducibly: the same (record, seed) always gets the same bucket, in any
    process and on any attempt, whatever partition or position the record is in.
    Every bucket gets about its share. ValueError for buckets < 1, at once (not when a job runs)."""
    raise KataNotImplemented("1.2.4")
