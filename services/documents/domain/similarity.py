"""Near-duplicate lesson plans: the text rules (normalising, shingling, exact Jaccard, wording).

Plain Python. A plan's text is normalised to NFC, lower case and single spaces with its
Vietnamese diacritics kept ("học" and "hóc" are different words), cut into words, and
described by its word 5-grams (shingles), each hashed to 32 bits. Two plans are alike
in proportion to the shingles they share (Jaccard). The wording shown to inspectors
states a measure, never an accusation: «Giống … đến 92%».
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

#: the books whose documents are compared: a teacher's lesson plans, and mầm non's kế hoạch giáo dục
PLAN_BOOKS = frozenset({"ke_hoach_bai_day", "ke_hoach_giao_duc"})
SHINGLE_WORDS = 5
#: fewer words than this (a scan without a text layer, a cover page) is not compared at all
MIN_WORDS = 40
#: the lowest similarity an inspector may ask for; below it, plans on one topic look alike
MIN_THRESHOLD = 0.5
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """NFC, lower case, one space between words; diacritics and đ kept."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def words(text: str) -> list[str]:
    """The words of ``text`` after normalising (punctuation dropped)."""
    return _WORD.findall(normalise(text))


def shingle_hash(shingle: str) -> int:
    """A stable 32-bit hash of one shingle (the same in every process, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=4).digest(), "big")


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """The hashed word ``size``-grams of ``text``; empty when it has fewer than ``MIN_WORDS`` words."""
    ws = words(text)
    if len(ws) < MIN_WORDS:
        return frozenset()
    return frozenset(shingle_hash(" ".join(ws[i:i + size])) for i in range(len(ws) - size + 1))


def jaccard(a: Iterable[int], b: Iterable[int]) -> float:
    """|a ∩ b| / |a ∪ b| of two shingle sets (0 when both are empty)."""
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def percent(similarity: float) -> int:
    """A similarity as a whole percentage, rounded down (never overstating)."""
    return int(similarity * 100 + 1e-9)


@dataclass(frozen=True)
class PlanSide:
    """What an inspector reads about one plan of a pair."""

    teacher: str
    school: str
    school_year: str


def wording(a: PlanSide, b: PlanSide, similarity: float) -> str:
    """The neutral sentence shown for a pair: how much the first plan's text is like the second's."""
    whose = f"kế hoạch của {b.teacher}"
    if b.school != a.school:
        whose += f" ({b.school})"
    if b.school_year != a.school_year:
        whose += f", năm học {b.school_year}"
    return f"Giống {whose} đến {percent(similarity)}%"
