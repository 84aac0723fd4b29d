"""Kata 1.2.2: the same word count on Spark RDDs."""

from __future__ import annotations

import re


def tokenize(line: str) -> list[str]:
    """Lower-case words of `line`: runs of letters and apostrophes."""
    return re.findall(r"[a-z']+", line.lower())


def word_count(lines):
    """An RDD of (word, count) for an RDD of text lines, combining on the map side.

    Must stay lazy: build the RDD, run no job.
    """
    # reduceByKey combines within each partition before the shuffle, so at most one
    # record per word per partition crosses the network.
    return lines.flatMap(tokenize).map(lambda word: (word, 1)).reduceByKey(lambda a, b: a + b)


def top_words(lines, n: int) -> list[tuple[str, int]]:
    """The n most frequent words as (word, count), most frequent first; equal counts in
    alphabetical order of the word. Fewer than n distinct words: all of them.

    Only the top n may travel to the driver, not the whole vocabulary.
    """
    # takeOrdered keeps the best n of each partition and merges them on the driver:
    # n x partitions records cross the network, instead of every distinct word.
    return word_count(lines).takeOrdered(n, key=lambda kv: (-kv[1], kv[0]))
