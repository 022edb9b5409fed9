"""Evaluate the card-fraud example: simulate it and check that every rule of the spec holds.

    python examples/card_fraud/evaluate.py --rows 200000 --seed 0

Prints one line per rule (PASS / FAIL and the measured value) and exits 1 if any rule fails.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _check import Check, iban_valid, run  # noqa: E402


def checks(t: dict[str, pd.DataFrame]) -> list[Check]:
    """Each statistical rule is checked within 4 standard errors of its sample, so it holds at any size."""
    cust, tx = t["customers"], t["transactions"]
    tx = tx.assign(time=pd.to_datetime(tx["time"]))
    merged = tx.merge(cust[["customer_id", "home_country", "segment"]], on="customer_id", how="left")
    fraud = (tx["is_fraud"] == 1).to_numpy()
    abroad = (tx["abroad"] == 1).to_numpy()
    # fraud rate: p = 0.0036 (1 + 9 abroad); abroad is 3%, of which 12/13 survive the country rule
    p_abroad = 0.03 * 12 / 13 / (0.97 + 0.03 * 12 / 13)
    p_fraud = 0.0036 * (1 + 9 * p_abroad)
    rate = fraud.mean()
    se_rate = np.sqrt(p_fraud * (1 - p_fraud) / len(tx))
    # amount: log-amount of fraud is log(3) higher once the premium effect (0.4) is taken out
    adjusted = np.log(merged["amount"]) - 0.4 * (merged["segment"] == "premium")
    ratio = float(np.exp(adjusted[fraud].mean() - adjusted[~fraud].mean()))
    se_ratio = 0.9 * np.sqrt(1 / max(fraud.sum(), 1) + 1 / max((~fraud).sum(), 1))
    # abroad lift: log of a ratio of two proportions
    f_abroad, f_home = fraud[abroad].sum(), fraud[~abroad].sum()
    lift = fraud[abroad].mean() / fraud[~abroad].mean()
    se_lift = np.sqrt(1 / max(f_abroad, 1) + 1 / max(f_home, 1))
    online_fraud = (tx.loc[fraud, "channel"] == "online").mean()
    online_legit = (tx.loc[~fraud, "channel"] == "online").mean()
    # transactions per customer-day: the mean of lognormal(0.6, 0.5) rates, spread 0.533 per customer
    per_day = len(tx) / len(cust) / 60
    expected_per_day = float(np.exp(0.6 + 0.5**2 / 2))
    se_day = expected_per_day * np.sqrt(np.exp(0.25) - 1) / np.sqrt(len(cust))
    in_window = tx["time"].between(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-01"), inclusive="left")
    ordered = bool((tx["time"].groupby(tx["customer_id"]).diff().dropna() >= pd.Timedelta(0)).all())
    abroad_rows = merged[merged.abroad == 1]
    return [
        (
            "fraud is about 0.5% of transactions",
            abs(rate - p_fraud) < 4 * se_rate,
            f"{rate:.3%} (expected {p_fraud:.3%})",
        ),
        (
            "fraud triples the amount (ratio of geometric means)",
            abs(np.log(ratio / 3)) < 4 * se_ratio,
            f"{ratio:.2f}",
        ),
        ("a foreign country makes fraud 10x likelier", abs(np.log(lift / 10)) < 4 * se_lift, f"{lift:.1f}x"),
        (
            "fraud leans online (share of online: fraud vs legit)",
            online_fraud > 0.6 > 0.2 > online_legit,
            f"{online_fraud:.0%} vs {online_legit:.0%}",
        ),
        (
            "about E[rate] transactions per customer per day",
            abs(per_day - expected_per_day) < 4 * se_day,
            f"{per_day:.3f} vs {expected_per_day:.3f}",
        ),
        (
            "every transaction is in the window, in time order per customer",
            bool(in_window.all() and ordered),
            f"{(~in_window).sum()} outside",
        ),
        (
            "every transaction points at a customer",
            bool(merged["home_country"].notna().all()),
            f"{merged['home_country'].isna().sum()} orphans",
        ),
        (
            "constraint: 0.5 <= amount <= 25000 on every row",
            bool(tx["amount"].between(0.5, 25000).all()),
            f"[{tx['amount'].min()}, {tx['amount'].max()}]",
        ),
        (
            "constraint: abroad transactions are not in the home country",
            bool((abroad_rows["country"] != abroad_rows["home_country"]).all()),
            f"{len(abroad_rows):,} abroad rows",
        ),
        (
            "constraint: 18 <= age <= 95",
            bool(cust["age"].between(18, 95).all()),
            f"[{cust['age'].min()}, {cust['age'].max()}]",
        ),
        (
            "constraint: e-mails and IBANs are unique",
            bool(cust["email"].is_unique and cust["iban"].is_unique),
            f"{cust['email'].nunique():,} / {len(cust):,}",
        ),
        (
            "IBANs carry valid check digits",
            bool(cust["iban"].map(iban_valid).all()),
            str(cust["iban"].iloc[0]),
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    return run(HERE / "spec.yaml", argv, 200_000, checks, "Check the card-fraud simulation's rules.")


if __name__ == "__main__":
    sys.exit(main())
