"""Kata 1.2.1: MapReduce from scratch, with real worker processes.

Read the lesson README first; `kata hint 1.2.1` gives a nudge when stuck.
"""

from __future__ import annotations

import multiprocessing  # noqa: F401  (a Pool of worker processes)
import re  # noqa: F401
import zlib  # noqa: F401  (a hash that is the same in every process)
from collections import defaultdict  # noqa: F401
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fixtures import KataNotImplemented

Mapper = Callable[[str], Iterable[tuple[str, Any]]]
Reducer = Callable[[str, list], Any]


def tokenize(text: str) -> list[str]:
    """Lower-case words of `text`: runs of letters and apostrophes."""
    raise KataNotImplemented("1.2.1")


def wc_mapper(document: str) -> list[tuple[str, int]]:
    """Word count's map: (word, 1) for every word of the document."""
    raise KataNotImplemented("1.2.1")


def wc_reducer(word: str, counts: list[int]) -> int:
    """Word count's reduce (and combine): the sum of the counts."""
    raise KataNotImplemented("1.2.1")


def partition_for(key: str, reducers: int) -> int:
    """The reducer (0 .. reducers-1) that owns `key`; the same in every process.
    ValueError for reducers < 1."""
    raise KataNotImplemented("1.2.1")


@dataclass
class MapReduceResult:  # given: what run_mapreduce returns
    output: dict[str, Any]
    shuffled_records: int  # records sent from map tasks to reducers


def run_mapreduce(documents: list[str], mapper: Mapper, reducer: Reducer, *, workers: int = 2, reducers: int = 2, combiner: Reducer | None = None) -> MapReduceResult:
    """Run a MapReduce job: one map task per document on a pool of `workers` processes,
    a hash-partitioned shuffle to `reducers` reduce tasks (run on the same pool), and an
    optional map-side `combiner`. ValueError for fewer than one worker or one reducer."""
    raise KataNotImplemented("1.2.1")
