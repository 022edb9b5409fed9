"""Perceptual hashes of images (pHash: the signs of the low 8 x 8 DCT frequencies of a 32 x 32 grey
copy against their median; 64 bits) and near-duplicate shares and counts by Hamming distance."""

from __future__ import annotations

import numpy as np

from synthwise.images.data import resize, to_channels

NEAR_BITS = 4  # Hamming distance (of 64 bits) at or below which two images count as near duplicates
BLOCK_CELLS = 4_000_000  # hash pairs compared at once by near_counts (memory: about 9 bytes each)


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    m[0] /= np.sqrt(2.0)
    return m


def phash(images: np.ndarray) -> np.ndarray:
    """64-bit perceptual hashes (uint64) of ``images`` (n, h, w, c) in [0, 1]."""
    grey = to_channels(resize(np.asarray(images, dtype=np.float32), (32, 32)), 1)[..., 0].astype(np.float64)
    d = _dct_matrix(32)
    coeffs = np.einsum("ij,njk,lk->nil", d, grey, d)[:, :8, :8].reshape(len(grey), 64)
    low = coeffs[:, 1:]
    bits = np.concatenate(
        [np.zeros((len(grey), 1), dtype=bool), low > np.median(low, axis=1, keepdims=True)], axis=1
    )
    return np.packbits(bits, axis=1).view(">u8").astype(np.uint64).reshape(-1)


def nearest_hamming(a: np.ndarray, b: np.ndarray, *, block: int = 512) -> np.ndarray:
    """For each hash in ``a``, the smallest Hamming distance to a hash in ``b`` (64 when ``b`` is empty)."""
    out = np.full(len(a), 64, dtype=np.int64)
    if len(b) == 0:
        return out
    for i in range(0, len(a), block):
        x = np.bitwise_xor(a[i : i + block, None], b[None, :])
        out[i : i + block] = np.bitwise_count(x).min(axis=1)
    return out


def near_duplicate_share(
    candidates: np.ndarray, reference: np.ndarray, bits: int = NEAR_BITS
) -> tuple[float, np.ndarray]:
    """(share of ``candidates`` within ``bits`` of some ``reference`` hash, the per-row flags)."""
    flags = nearest_hamming(candidates, reference) <= bits
    return (float(flags.mean()) if len(flags) else 0.0), flags


def near_counts(
    hashes: np.ndarray, reference: np.ndarray, *, bits: int = NEAR_BITS, leave_one_out: bool = False
) -> np.ndarray:
    """For each of ``hashes``, how many ``reference`` hashes lie within ``bits`` of it (with
    ``leave_one_out``, every entry of ``hashes`` is also in ``reference`` and does not count itself)."""
    out = np.zeros(len(hashes), dtype=np.int64)
    block = max(1, BLOCK_CELLS // max(len(reference), 1))
    for i in range(0, len(hashes), block):
        near = np.bitwise_count(np.bitwise_xor(hashes[i : i + block, None], reference[None, :])) <= bits
        out[i : i + block] = near.sum(axis=1)
    if leave_one_out:
        out -= 1
    return out
