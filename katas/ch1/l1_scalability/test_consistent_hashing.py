"""Kata 1.1.4: consistent hashing."""

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import lesson_module
from fixtures.course.expect import rejects
from fixtures.course.trees import REPO_ROOT

ch = lesson_module(__file__, "consistent_hashing")

KEYS = [f"user-{i}" for i in range(20_000)]


def assignment(ring, keys=KEYS):
    return {key: ring.node_for(key) for key in keys}


def test_an_empty_ring_has_no_owner_and_membership_is_checked():
    ring = ch.HashRing()
    with pytest.raises(LookupError):
        ring.node_for("anything")
    ring.add_node("a")
    with pytest.raises(ValueError):
        ring.add_node("a")
    with pytest.raises(KeyError):
        ring.remove_node("zzz")
    ring.add_node("b")
    assert ring.nodes == {"a", "b"}
    ring.remove_node("a")
    assert ring.nodes == {"b"}
    assert ring.node_for("anything") == "b"


@given(st.sets(st.text(min_size=1, max_size=8), min_size=1, max_size=6),
       st.lists(st.text(max_size=12), min_size=1, max_size=30))
def test_every_key_lands_on_a_ring_member(nodes, keys):
    ring = ch.HashRing(nodes, vnodes=16)
    for key in keys:
        owner = ring.node_for(key)
        assert owner in nodes, f"node_for({key!r}) returned {owner!r}, not one of {sorted(nodes)}"
        assert ring.node_for(key) == owner, "the same key must always map to the same node"


def test_placement_is_the_same_in_every_process():
    nodes = ["node-a", "node-b", "node-c"]
    here = assignment(ch.HashRing(nodes), KEYS[:200])
    # A second router process with a different hash seed must agree on every key.
    code = (
        "import json, sys\n"
        "from fixtures import lesson_module\n"
        f"ch = lesson_module({str(__file__)!r}, 'consistent_hashing')\n"
        f"ring = ch.HashRing({nodes!r})\n"
        f"print(json.dumps({{k: ring.node_for(k) for k in {KEYS[:200]!r}}}))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=REPO_ROOT, timeout=60)
    assert out.returncode == 0, f"the second process failed:\n{out.stderr[-2000:]}"
    there = json.loads(out.stdout)
    differ = [k for k in here if here[k] != there[k]]
    assert not differ, (f"{len(differ)} of 200 keys map to different nodes in another process "
                        "(is the hash salted per process, like Python's hash()?)")


@pytest.mark.parametrize("n", [3, 5, 9])
def test_adding_a_node_moves_about_one_nth_of_the_keys_and_only_to_it(n):
    ring = ch.HashRing([f"node-{i}" for i in range(n)])
    before = assignment(ring)
    ring.add_node("newcomer")
    after = assignment(ring)
    moved = [k for k in KEYS if before[k] != after[k]]
    wrong = [k for k in moved if after[k] != "newcomer"]
    assert not wrong, f"{len(wrong)} keys moved between old nodes; only the new node should take keys"
    share = len(moved) / len(KEYS)
    ideal = 1 / (n + 1)
    assert 0.5 * ideal <= share <= 1.6 * ideal, (
        f"adding a node to {n} moved {share:.1%} of keys; a balanced ring moves about {ideal:.1%}")


def test_removing_a_node_moves_only_its_keys():
    ring = ch.HashRing([f"node-{i}" for i in range(6)])
    before = assignment(ring)
    ring.remove_node("node-2")
    after = assignment(ring)
    moved = {k for k in KEYS if before[k] != after[k]}
    owned = {k for k in KEYS if before[k] == "node-2"}
    assert moved == owned, "exactly the removed node's keys should move, no others"


def test_a_node_that_comes_back_owns_the_same_keys_again():
    # A restarted cache node rejoining the ring must get its old keys back (its warm
    # cache is still there), not an empty share.
    ring = ch.HashRing([f"node-{i}" for i in range(6)])
    before = assignment(ring)
    ring.remove_node("node-2")
    ring.add_node("node-2")
    after = assignment(ring)
    moved = sum(before[k] != after[k] for k in KEYS)
    assert moved == 0, (
        f"removing node-2 and adding it back moved {moved} of {len(KEYS)} keys; placement depends only on the "
        "nodes on the ring, so the same ring must place every key where it was")


def test_the_number_of_virtual_nodes_is_checked():
    ring = ch.HashRing(["a", "b"], vnodes=1)
    assert {ring.node_for(k) for k in KEYS[:2000]} == {"a", "b"}, "one point per node is a ring too (a lumpy one)"
    for bad in (0, -3):
        rejects(ch.HashRing, ["a"], vnodes=bad, why="a node needs at least one point on the ring")


def test_stable_hash_uses_the_whole_64_bit_range():
    hashes = [ch.stable_hash(k) for k in KEYS[:5000]]
    assert all(isinstance(h, int) and 0 <= h < 2**64 for h in hashes), (
        f"stable_hash returned {max(hashes)} for some key; a 64-bit hash lies in [0, 2**64)")
    top = sum(h >= 2**63 for h in hashes) / len(hashes)
    assert 0.4 < top < 0.6, (
        f"{top:.0%} of 5000 hashes have the top (64th) bit set, expected about half: the hash should be "
        "spread over all 64 bits")


def test_virtual_nodes_balance_the_load():
    ring = ch.HashRing([f"node-{i}" for i in range(8)], vnodes=200)
    counts = {}
    for owner in assignment(ring).values():
        counts[owner] = counts.get(owner, 0) + 1
    assert len(counts) == 8, f"only {len(counts)} of 8 nodes received keys"
    mean = len(KEYS) / 8
    assert max(counts.values()) / mean < 1.35, f"keys per node {sorted(counts.values())}: too uneven for 200 vnodes"


def test_modulo_placement_reshuffles_almost_everything():
    old = [f"node-{i}" for i in range(4)]
    new = old + ["node-4"]
    moved = sum(ch.modulo_node_for(k, old) != ch.modulo_node_for(k, new) for k in KEYS)
    assert moved / len(KEYS) > 0.6, (
        f"hash % n moved {moved / len(KEYS):.0%} of keys when a 5th node joined: it should move about 80%, "
        "which is why caches and shards use a ring instead")
