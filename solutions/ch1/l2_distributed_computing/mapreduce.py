"""Kata 1.2.1: MapReduce from scratch, with real worker processes."""

from __future__ import annotations

import multiprocessing
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Mapper = Callable[[str], Iterable[tuple[str, Any]]]
Reducer = Callable[[str, list], Any]


def tokenize(text: str) -> list[str]:
    """Lower-case words of `text`: runs of letters and apostrophes."""
    return re.findall(r"[a-z']+", text.lower())


def wc_mapper(document: str) -> list[tuple[str, int]]:
    """Word count's map: (word, 1) for every word of the document."""
    return [(word, 1) for word in tokenize(document)]


def wc_reducer(word: str, counts: list[int]) -> int:
    """Word count's reduce (and combine): the sum of the counts."""
    return sum(counts)


def partition_for(key: str, reducers: int) -> int:
    """The reducer (0 .. reducers-1) that owns `key`; the same in every process.
    ValueError for reducers < 1."""
    if reducers < 1:
        raise ValueError(f"reducers must be >= 1, got {reducers}")
    # crc32, not hash(): map tasks run in other processes, each with its own
    # string-hash salt; they must agree on where a key goes.
    return zlib.crc32(key.encode("utf-8")) % reducers


@dataclass
class MapReduceResult:
    output: dict[str, Any]
    shuffled_records: int  # records sent from map tasks to reducers


def _map_task(args) -> list[list[tuple[str, Any]]]:
    document, mapper, combiner, reducers = args
    buckets: list[dict[str, list]] = [defaultdict(list) for _ in range(reducers)]
    for key, value in mapper(document):
        buckets[partition_for(key, reducers)][key].append(value)
    if combiner is None:
        return [[(k, v) for k, vs in bucket.items() for v in vs] for bucket in buckets]
    # The combiner runs on the map side, on this task's values only: one record per
    # key leaves the task instead of one per occurrence.
    return [[(k, combiner(k, vs)) for k, vs in bucket.items()] for bucket in buckets]


def _reduce_task(args) -> dict[str, Any]:
    records, reducer = args
    grouped: dict[str, list] = defaultdict(list)
    for key, value in records:
        grouped[key].append(value)
    return {key: reducer(key, values) for key, values in grouped.items()}


def run_mapreduce(documents: list[str], mapper: Mapper, reducer: Reducer, *, workers: int = 2,
                  reducers: int = 2, combiner: Reducer | None = None) -> MapReduceResult:
    """Run a MapReduce job: one map task per document on a pool of `workers` processes,
    a hash-partitioned shuffle to `reducers` reduce tasks (run on the same pool), and an
    optional map-side `combiner`. ValueError for fewer than one worker or one reducer.
    """
    if workers < 1 or reducers < 1:
        raise ValueError("workers and reducers must be >= 1")
    # fork: the mapper and reducer may be any module-level function of the caller.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        map_outputs = pool.map(_map_task, [(doc, mapper, combiner, reducers) for doc in documents])
        # The shuffle: reducer r receives partition r of every map task's output.
        inputs = [[rec for output in map_outputs for rec in output[r]] for r in range(reducers)]
        shuffled = sum(len(records) for records in inputs)
        reduced = pool.map(_reduce_task, [(records, reducer) for records in inputs])
    output: dict[str, Any] = {}
    for part in reduced:
        output.update(part)  # partitions own disjoint keys, so nothing is overwritten
    return MapReduceResult(output=output, shuffled_records=shuffled)
