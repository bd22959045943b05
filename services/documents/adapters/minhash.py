"""MinHash signatures and LSH candidate search, with ``datasketch``.

A signature is 128 MinHash values of a plan's 32-bit shingle hashes (the hashes are fed
as they are: they are hashes already). Candidates come from a ``MinHashLSH`` index built
for one query over the signatures in the inspector's scope, at the threshold asked for;
callers refine each candidate pair by the exact Jaccard of the shingles.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 128
_SEED = 1
#: datasketch 2 names the permutation scheme; stored values are read back under the same one
SCHEME = "affine32"


def _identity(value: int) -> int:
    return value


def signature(shingle_hashes: Iterable[int]) -> list[int]:
    """The MinHash values of a shingle set (128 integers below 2³²)."""
    m = MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=_identity, scheme=SCHEME)
    m.update_batch(list(shingle_hashes))
    return [int(v) for v in m.hashvalues]


def _lean(values: Sequence[int]) -> LeanMinHash:
    return LeanMinHash(seed=_SEED, hashvalues=np.asarray(values, dtype=np.uint64), scheme=SCHEME)


def estimate(a: Sequence[int], b: Sequence[int]) -> float:
    """The Jaccard estimate of two signatures."""
    return float(np.count_nonzero(np.asarray(a, dtype=np.uint64) == np.asarray(b, dtype=np.uint64))) / NUM_PERM


def candidate_pairs(signatures: dict[str, Sequence[int]], probes: Iterable[str], threshold: float) -> set[tuple[str, str]]:
    """Pairs (probe, other) of keys whose signatures LSH puts together at ``threshold``.

    Every key of ``signatures`` is indexed; each key of ``probes`` is looked up. A pair is
    given once, its two keys sorted.
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    lean = {key: _lean(values) for key, values in signatures.items()}
    with lsh.insertion_session() as session:
        for key, m in lean.items():
            session.insert(key, m, check_duplication=False)
    pairs: set[tuple[str, str]] = set()
    for key in probes:
        for other in lsh.query(lean[key]):
            if other != key:
                pairs.add((key, other) if key < other else (other, key))
    return pairs
