"""Kata 1.2.2: the same word count on Spark RDDs.

Read the lesson README first; `kata hint 1.2.2` gives a nudge when stuck.
"""

from __future__ import annotations

import re

from fixtures import KataNotImplemented


def tokenize(line: str) -> list[str]:
    """Lower-case words of `line`: runs of letters and apostrophes."""
    raise KataNotImplemented("1.2.2")


def word_count(lines):
    """An RDD of (word, count) for an RDD of text lines, combining on the map side.

    Must stay lazy: build the RDD, run no job."""
    raise KataNotImplemented("1.2.2")


def top_words(lines, n: int) -> list[tuple[str, int]]:
    """The n most frequent words as (word, count), most frequent first; equal counts in
    alphabetical order of the word. Fewer than n distinct words: all of them.

    Only the top n may travel to the driver, not the whole vocabulary."""
    raise KataNotImplemented("1.2.2")
