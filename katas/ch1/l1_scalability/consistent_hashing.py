"""Kata 1.1.4: a consistent-hash ring for sharding and load balancing.

Read the lesson README first; `kata hint 1.1.4` gives a nudge when stuck.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence

from fixtures import KataNotImplemented


def stable_hash(text: str) -> int:
    """A 64-bit hash of `text` that is the same in every process and on every machine."""
    raise KataNotImplemented("1.1.4")


def modulo_node_for(key: str, nodes: Sequence[str]) -> str:
    """The naive scheme, for comparison: nodes[stable_hash(key) % len(nodes)]."""
    raise KataNotImplemented("1.1.4")


class HashRing:
    """Consistent hashing with virtual nodes.

    Each node owns `vnodes` points on a ring of 64-bit hashes; a key belongs to the
    first point clockwise from the key's hash. ValueError for vnodes < 1."""

    def __init__(self, nodes: Iterable[str] = (), vnodes: int = 100):
        raise KataNotImplemented("1.1.4")

    @property
    def nodes(self) -> frozenset[str]:
        """The nodes currently on the ring."""
        raise KataNotImplemented("1.1.4")

    def add_node(self, node: str) -> None:
        """Add `node` (ValueError if it is already on the ring)."""
        raise KataNotImplemented("1.1.4")

    def remove_node(self, node: str) -> None:
        """Remove `node` (KeyError if it is not on the ring)."""
        raise KataNotImplemented("1.1.4")

    def node_for(self, key: str) -> str:
        """The node that owns `key` (LookupError on an empty ring)."""
        raise KataNotImplemented("1.1.4")
