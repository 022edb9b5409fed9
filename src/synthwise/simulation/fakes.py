"""Realistic fake values (names, e-mails, addresses, IBANs, IPs) in a chosen locale, fast and seeded.

Faker (the optional extra ``pii``) makes one value per call, about 0.1 to 0.5 ms each: far too slow for
millions of rows. So Faker is called only to fill small *pools* once per column (seeded from the run's
seed, so the same seed gives the same pools: :func:`synthwise.pii.fakes.faker_pool`), and rows draw from
the pools by counter-based uniforms:

* ``name`` = a first name and a last name from two pools (a million combinations from 1,000 x 1,000);
* ``email`` = ASCII forms of those names in one of four patterns, digits, and a free-mail domain;
* ``iban`` is built vectorized from the locale's BBAN format with correct ISO 13616 check digits;
* ``ipv4`` (public ranges), ``ipv4_private`` and ``uuid4`` need no Faker at all;
* any other Faker method without required arguments (``address``, ``city``, ``phone_number``,
  ``company``, ``job`` ...) is drawn from a pool of ``pool`` values (default 1,000).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthwise.pii.fakes import faker_kind_problem
from synthwise.simulation import values as V

if TYPE_CHECKING:
    from synthwise.simulation.distributions import Rand

VECTORIZED = ("ipv4", "ipv4_private", "uuid4")
COMPOSED = ("name", "first_name", "last_name", "email", "iban")
DEFAULT_POOL = 1000
# public first octets, leaving out private, loopback, link-local, carrier-grade NAT and multicast blocks
_PUBLIC_FIRST = np.array([o for o in range(1, 224) if o not in (10, 100, 127, 169, 172, 192, 198, 203)])


_OCTETS = pa.array([str(i) for i in range(256)], type=pa.string())


def check_kind(kind: str, locale: str) -> str | None:
    """A problem text when ``kind`` / ``locale`` cannot make fake values, else None."""
    if kind in VECTORIZED:
        return None
    return faker_kind_problem(kind, locale, composed=COMPOSED)


def _index(u: np.ndarray, size: int) -> np.ndarray:
    return np.minimum((u * size).astype(np.int64), size - 1)


def sample_fake(kind: str, locale: str, pool: int, r: Rand) -> Any:
    """Fake values of ``kind`` for the rows of ``r``."""
    size = pool or DEFAULT_POOL
    if kind == "ipv4":
        return _ipv4(r, private=False)
    if kind == "ipv4_private":
        return _ipv4(r, private=True)
    if kind == "uuid4":
        from synthwise.simulation.distributions import DISTRIBUTIONS

        return DISTRIBUTIONS["uuid"].sample({}, r)
    if kind in ("first_name", "last_name"):
        names = r.pool(kind, locale, size)
        return V.Cat(_index(r.uniform(), len(names)).astype(np.int32), names)
    if kind == "name":
        first, last = r.pool("first_name", locale, size), r.pool("last_name", locale, size)
        return pc.binary_join_element_wise(
            pa.array(first, pa.string()).take(pa.array(_index(r.uniform(0), len(first)))),
            pa.array(last, pa.string()).take(pa.array(_index(r.uniform(1), len(last)))),
            " ",
        )
    if kind == "email":
        return _email(r, locale, size)
    if kind == "iban":
        return _iban(r, locale)
    values = r.pool(kind, locale, size)
    return V.Cat(_index(r.uniform(), len(values)).astype(np.int32), values)


def _ipv4(r: Rand, *, private: bool) -> pa.Array:
    b = r.bits()
    octets = [((b >> np.uint64(8 * i)) & np.uint64(255)).astype(np.int64) for i in range(4)]
    if private:
        block = (b >> np.uint64(40)) % np.uint64(10)
        first = np.where(block < 5, 10, np.where(block < 8, 192, 172))
        second = np.where(block < 5, octets[1], np.where(block < 8, 168, 16 + octets[1] % 16))
        octets = [first, second, octets[2], octets[3]]
    else:
        octets[0] = _PUBLIC_FIRST[(b >> np.uint64(40)) % np.uint64(len(_PUBLIC_FIRST))]
    text = [_OCTETS.take(pa.array(np.asarray(o, dtype=np.int64))) for o in octets]
    return pc.binary_join_element_wise(*text, ".")


def _email(r: Rand, locale: str, size: int) -> pa.Array:
    first = r.pool("first_name|ascii", locale, size)
    last = r.pool("last_name|ascii", locale, size)
    domains = r.pool("free_email_domain", locale, 50)
    i_first, i_last = _index(r.uniform(0), len(first)), _index(r.uniform(1), len(last))
    pattern = _index(r.uniform(2), 4)
    number = (r.bits(3) % np.uint64(1000)).astype(np.int64)
    first_part = pa.array(first, pa.string()).take(pa.array(i_first))
    initials = pa.array(np.array([s[0] for s in first], dtype=object), pa.string()).take(pa.array(i_first))
    first_part = pc.if_else(pa.array(pattern == 3), initials, first_part)
    sep = pa.array(np.array([".", "", "_", ""], dtype=object), pa.string()).take(pa.array(pattern))
    digits = pc.if_else(pa.array((pattern == 1) | (pattern == 3)), pc.cast(pa.array(number), pa.string()), "")
    domain = pa.array(domains, pa.string()).take(pa.array(_index(r.uniform(4), len(domains))))
    local_last = pa.array(last, pa.string()).take(pa.array(i_last))
    return pc.binary_join_element_wise(first_part, sep, local_last, digits, "@", domain, "")


def _iban(r: Rand, locale: str) -> pa.Array:
    """IBANs with valid check digits: country code, two check digits, then the locale's BBAN format."""
    fmt, country = (str(x) for x in r.pool("bban", locale, 1))
    n = r.n
    chars = np.empty((n, len(fmt)), dtype=np.uint8)
    for i, ch in enumerate(fmt):
        u = r.uniform(1 + i)
        if ch == "#":
            chars[:, i] = ord("0") + _index(u, 10)
        elif ch == "?":
            chars[:, i] = ord("A") + _index(u, 26)
        else:
            chars[:, i] = ord(ch)
    acc = np.zeros(n, dtype=np.int64)
    tail = np.frombuffer((country + "00").encode("ascii"), dtype=np.uint8)
    for col in [*(chars[:, i] for i in range(chars.shape[1])), *(np.full(n, c, np.uint8) for c in tail)]:
        c = col.astype(np.int64)
        digit = (c >= ord("0")) & (c <= ord("9"))
        acc = np.where(digit, (acc * 10 + (c - ord("0"))) % 97, (acc * 100 + (c - ord("A") + 10)) % 97)
    check = 98 - acc
    head = np.empty((n, 4), dtype=np.uint8)
    head[:, 0], head[:, 1] = ord(country[0]), ord(country[1])
    head[:, 2], head[:, 3] = ord("0") + check // 10, ord("0") + check % 10
    full = np.ascontiguousarray(np.hstack([head, chars]))
    return pa.array(full.view(f"S{full.shape[1]}").reshape(-1)).cast(pa.string())
