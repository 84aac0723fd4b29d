"""Kata 1.2.3: fixing a skewed key with salting.

Read the lesson README first; `kata hint 1.2.3` gives a nudge when stuck.
"""

from __future__ import annotations

import zlib

from fixtures import KataNotImplemented


def salt_keys(pairs, buckets: int):
    """Spread each key over `buckets` sub-keys: (key, value) -> ((key, salt), value).

    The records of a key must spread over the salts even when their values are all equal
    (a count), and the salt must be deterministic (a retried task must salt the same way).
    ValueError for buckets < 1 (one bucket is allowed: no spreading)."""
    raise KataNotImplemented("1.2.3")


def salted_sum(pairs, buckets: int):
    """Per-key sums of a skewed (key, number) RDD, in two stages: sum per salted key,
    then drop the salt and sum again."""
    raise KataNotImplemented("1.2.3")
