"""One privacy-budget ledger for a whole run: every data-dependent step spends from it, explicitly.

>>> ledger = BudgetLedger(epsilon=1.0, delta=1e-9)
>>> ledger.spend("1-way marginals", rho=0.004, mechanism="gaussian")  # doctest: +SKIP
>>> print(ledger.table())  # doctest: +SKIP

Each entry spends a zero-concentrated part ``rho`` (Gaussian and exponential mechanisms compose tightly
in zCDP), an approximate-DP part ``(epsilon, delta)`` (e.g. DP-SGD as reported by opacus' accountant, or
the small ``delta`` of a thresholded histogram), or both. The guarantee of everything spent so far is
``(cdp_epsilon(sum rho, delta - sum delta_i) + sum epsilon_i, delta)``-DP: the zCDP part is converted
at the delta left over by the approximate-DP entries and the two parts compose additively. A spend that
would push that epsilon above the budget raises :class:`BudgetExceededError` and records nothing.

The ledger round-trips through ``to_dict`` / ``from_dict`` (it is stored in model files) and prints as a
plain-text table with :meth:`BudgetLedger.table`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from synthwise.errors import InvalidParameterError
from synthwise.privacy.dp import cdp_epsilon, cdp_rho

_TOL = 1e-9  # relative slack for float round-off when a run spends its budget exactly


class BudgetExceededError(InvalidParameterError):
    """A step would spend more privacy budget than the ledger holds."""


@dataclass(frozen=True)
class LedgerEntry:
    """One spend: what step, by which mechanism, and its cost (zCDP ``rho`` and/or ``epsilon, delta``)."""

    step: str
    mechanism: str
    rho: float = 0.0
    epsilon: float = 0.0
    delta: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class BudgetLedger:
    """The privacy budget ``(epsilon, delta)`` of one run and every spend against it."""

    epsilon: float
    delta: float
    entries: list[LedgerEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.epsilon, int | float) or not math.isfinite(self.epsilon) or self.epsilon <= 0:
            raise InvalidParameterError.expected(
                "epsilon", "BudgetLedger", "a finite number > 0", self.epsilon
            )
        if not isinstance(self.delta, int | float) or not 0 < self.delta < 1:
            raise InvalidParameterError.expected("delta", "BudgetLedger", "a number in (0, 1)", self.delta)
        self.epsilon, self.delta = float(self.epsilon), float(self.delta)

    # -- totals ---------------------------------------------------------------------------------------
    @property
    def spent_rho(self) -> float:
        return math.fsum(e.rho for e in self.entries)

    @property
    def spent_approx(self) -> tuple[float, float]:
        """The summed approximate-DP part ``(epsilon, delta)`` of the entries."""
        return math.fsum(e.epsilon for e in self.entries), math.fsum(e.delta for e in self.entries)

    def _guarantee(self, rho: float, eps: float, delta: float) -> float:
        if delta > self.delta * (1 + _TOL):
            return math.inf
        if rho <= 0:
            return eps
        left = self.delta - delta
        if left <= 0:
            return math.inf
        return eps + cdp_epsilon(rho, left)

    @property
    def spent_epsilon(self) -> float:
        """The epsilon guaranteed at the ledger's ``delta`` by everything spent so far (<= ``epsilon``)."""
        eps, delta = self.spent_approx
        return self._guarantee(self.spent_rho, eps, delta)

    @property
    def rho_budget(self) -> float:
        """The whole budget in zCDP terms (as if every step were zCDP): ``cdp_rho(epsilon, delta)``."""
        return cdp_rho(self.epsilon, self.delta)

    def remaining_rho(self, *, reserve_delta: float = 0.0) -> float:
        """The zCDP budget still free, after the approximate-DP entries and ``reserve_delta`` more delta."""
        eps, delta = self.spent_approx
        eps_left, delta_left = self.epsilon - eps, self.delta - delta - reserve_delta
        if eps_left <= 0 or delta_left <= 0:
            return 0.0
        return max(0.0, cdp_rho(eps_left, delta_left) - self.spent_rho)

    def remaining_epsilon(self, *, delta: float) -> float:
        """The largest approximate-DP epsilon a spend of ``delta`` could still take (e.g. for DP-SGD)."""
        eps0, delta0 = self.spent_approx
        left = self.delta - delta0 - delta
        if left < -_TOL * self.delta:
            return 0.0
        rho = self.spent_rho
        if rho > 0 and left <= 0:
            return 0.0
        zcdp = cdp_epsilon(rho, left) if rho > 0 else 0.0
        return max(0.0, self.epsilon - eps0 - zcdp)

    # -- spending -------------------------------------------------------------------------------------
    def spend(
        self,
        step: str,
        *,
        epsilon: float = 0.0,
        delta: float = 0.0,
        mechanism: str = "",
        rho: float = 0.0,
        **details: Any,
    ) -> LedgerEntry:
        """Record a spend; raise :class:`BudgetExceededError` (recording nothing) if it breaks the budget."""
        for name, value in (("epsilon", epsilon), ("delta", delta), ("rho", rho)):
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise InvalidParameterError.expected(
                    name, "BudgetLedger.spend", "a finite number >= 0", value
                )
        if epsilon == 0 and delta == 0 and rho == 0:
            raise InvalidParameterError(
                f"Step {step!r} spends nothing. Fix: give its cost as rho= (zCDP) or epsilon= / delta=."
            )
        eps0, delta0 = self.spent_approx
        eps_left, delta_left = self.epsilon - eps0 - epsilon, self.delta - delta0 - delta
        rho_total = self.spent_rho + rho
        fits = (
            eps_left >= -_TOL * self.epsilon
            and delta_left >= -_TOL * self.delta
            and (
                rho_total <= 0
                or (
                    eps_left > 0
                    and delta_left > 0
                    and rho_total <= cdp_rho(eps_left, delta_left) * (1 + _TOL)
                )
            )
        )
        if not fits:
            total = self._guarantee(rho_total, eps0 + epsilon, delta0 + delta)
            have = self.spent_epsilon
            raise BudgetExceededError(
                f"Step {step!r} would raise the privacy loss to epsilon={total:.4g} (delta={self.delta:g}), "
                f"above the budget epsilon={self.epsilon:g}; {have:.4g} is already spent. "
                "Fix: raise epsilon, or give public bounds / a public schema so fewer steps spend."
            )
        entry = LedgerEntry(step, mechanism, float(rho), float(epsilon), float(delta), dict(details))
        self.entries.append(entry)
        return entry

    # -- reading --------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[LedgerEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def steps(self) -> list[str]:
        return [e.step for e in self.entries]

    def to_dict(self) -> dict[str, Any]:
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "spent_epsilon": self.spent_epsilon,
            "entries": [asdict(e) for e in self.entries],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BudgetLedger:
        ledger = cls(float(data["epsilon"]), float(data["delta"]))
        for e in data.get("entries", []):
            ledger.entries.append(
                LedgerEntry(
                    str(e["step"]),
                    str(e.get("mechanism", "")),
                    float(e.get("rho", 0.0)),
                    float(e.get("epsilon", 0.0)),
                    float(e.get("delta", 0.0)),
                    dict(e.get("details", {})),
                )
            )
        return ledger

    def table(self, *, collapse: bool = True) -> str:
        """The ledger as a plain-text table, then the total against the budget.

        With ``collapse``, consecutive entries of the same step and mechanism (one per column, say) are
        shown as one line with their summed cost and a count.
        """
        head = ("step", "mechanism", "rho (zCDP)", "epsilon", "delta", "epsilon so far")
        groups: list[list[LedgerEntry]] = []
        for e in self.entries:
            if collapse and groups and (groups[-1][0].step, groups[-1][0].mechanism) == (e.step, e.mechanism):
                groups[-1].append(e)
            else:
                groups.append([e])
        rows: list[tuple[str, ...]] = []
        partial = BudgetLedger(self.epsilon, self.delta)
        for group in groups:
            partial.entries.extend(group)
            rho = math.fsum(e.rho for e in group)
            eps = math.fsum(e.epsilon for e in group)
            delta = math.fsum(e.delta for e in group)
            label = group[0].step + (f" (x{len(group)})" if len(group) > 1 else "")
            rows.append(
                (
                    label,
                    group[0].mechanism,
                    f"{rho:.3g}" if rho else "-",
                    f"{eps:.3g}" if eps else "-",
                    f"{delta:.2g}" if delta else "-",
                    f"{partial.spent_epsilon:.4f}",
                )
            )
        widths = [max([len(head[i])] + [len(r[i]) for r in rows]) for i in range(len(head))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
        lines += [fmt.format(*r) for r in rows]
        lines.append(
            f"total: ({self.spent_epsilon:.4f}, {self.delta:g})-DP spent of a ({self.epsilon:g}, "
            f"{self.delta:g}) budget; zCDP rho {self.spent_rho:.4g} of {self.rho_budget:.4g}"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()
