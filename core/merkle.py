"""Merkle trees as in RFC 9162 (Certificate Transparency 2.0), section 2.1.

Leaf hash = SHA-256(0x00 || leaf data), node hash = SHA-256(0x01 || left || right): the prefixes
keep a leaf from ever being passed off as an inner node. Pure functions, no database: the offline
verifier uses the same code as the server, and docs/audit-format.md spells it out for others.
"""

import hashlib


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def root(leaves: list[bytes]) -> bytes:
    """MTH over already-hashed leaves; the empty tree's root is SHA-256 of nothing."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    # Bottom-up pairing gives the same tree as RFC 9162's recursive split: an odd node is carried up.
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(index: int, leaves: list[bytes]) -> list[bytes]:
    """The audit path for leaves[index] (RFC 9162 section 2.1.3.1), from the leaf up."""
    if not 0 <= index < len(leaves):
        raise ValueError("leaf index out of range")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return inclusion_proof(index, leaves[:k]) + [root(leaves[k:])]
    return inclusion_proof(index - k, leaves[k:]) + [root(leaves[:k])]


def verify_inclusion(leaf: bytes, index: int, tree_size: int, proof: list[bytes], expected_root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: recompute the root from a leaf and its audit path."""
    if not 0 <= index < tree_size:
        return False
    fn, sn = index, tree_size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root
