"""Kata 1.1.4: a consistent-hash ring for sharding and load balancing."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence


def stable_hash(text: str) -> int:
    """A 64-bit hash of `text` that is the same in every process and on every machine."""
    # Python's hash() of a str is salted per process (PYTHONHASHSEED): two routers
    # would disagree on where a key lives. A cryptographic digest is stable.
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def modulo_node_for(key: str, nodes: Sequence[str]) -> str:
    """The naive scheme, for comparison: nodes[stable_hash(key) % len(nodes)]."""
    if not nodes:
        raise LookupError("no nodes to place the key on")
    return nodes[stable_hash(key) % len(nodes)]


class HashRing:
    """Consistent hashing with virtual nodes.

    Each node owns `vnodes` points on a ring of 64-bit hashes; a key belongs to the
    first point clockwise from the key's hash. ValueError for vnodes < 1.
    """

    def __init__(self, nodes: Iterable[str] = (), vnodes: int = 100):
        if vnodes < 1:
            raise ValueError(f"vnodes must be a positive int, got {vnodes!r}")
        self.vnodes = vnodes
        self._points: list[int] = []  # sorted hashes, searched with bisect
        self._owner: dict[int, str] = {}
        self._nodes: set[str] = set()
        for node in nodes:
            self.add_node(node)

    @property
    def nodes(self) -> frozenset[str]:
        """The nodes currently on the ring."""
        return frozenset(self._nodes)

    def add_node(self, node: str) -> None:
        """Add `node` (ValueError if it is already on the ring)."""
        if node in self._nodes:
            raise ValueError(f"node {node!r} is already on the ring")
        self._nodes.add(node)
        # Many points per node even out the arc lengths: with one point each, a
        # node's share of keys varies several-fold.
        for replica in range(self.vnodes):
            point = stable_hash(f"{node}#{replica}")
            if point in self._owner:  # a 64-bit collision: vanishingly rare; keep the first owner
                continue
            self._owner[point] = node
            bisect.insort(self._points, point)

    def remove_node(self, node: str) -> None:
        """Remove `node` (KeyError if it is not on the ring)."""
        if node not in self._nodes:
            raise KeyError(node)
        self._nodes.remove(node)
        doomed = {p for p, owner in self._owner.items() if owner == node}
        self._points = [p for p in self._points if p not in doomed]
        for point in doomed:
            del self._owner[point]

    def node_for(self, key: str) -> str:
        """The node that owns `key` (LookupError on an empty ring)."""
        if not self._points:
            raise LookupError("the ring has no nodes")
        index = bisect.bisect_right(self._points, stable_hash(key))
        # Past the last point the ring wraps around to the first one.
        return self._owner[self._points[index % len(self._points)]]
