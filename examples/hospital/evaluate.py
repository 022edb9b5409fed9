"""Evaluate the hospital example: simulate it and check that every rule of the spec holds.

    python examples/hospital/evaluate.py --rows 20000 --seed 0

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
from _check import Check, run  # noqa: E402


def checks(t: dict[str, pd.DataFrame]) -> list[Check]:
    pat, vis, ward = t["patients"], t["visits"], t["ward_stays"]
    for frame, cols in ((vis, ["admitted", "discharged"]), (ward, ["at"]), (pat, ["birth_date"])):
        for c in cols:
            frame[c] = pd.to_datetime(frame[c])
    ref = pd.Timestamp("2024-01-01")
    years = (ref - pat["birth_date"]).dt.days / 365.25
    age_ok = (years >= pat["age"]) & (years < pat["age"] + 1 + 1 / 365)  # birth dates are cut to the day
    # visits per year against the rule 0.5 + 0.02 * age + 2 * chronic (two years of follow-up)
    counts = vis.groupby("patient_id").size().reindex(pat["patient_id"], fill_value=0).to_numpy()
    expected = 2 * (0.5 + 0.02 * pat["age"] + 2 * pat["chronic"]).to_numpy()
    young_healthy = (pat["age"] < 40) & (pat["chronic"] == 0)
    old_chronic = (pat["age"] >= 60) & (pat["chronic"] == 1)
    inpatients = vis[vis.inpatient == 1]
    er = vis["department"] == "emergency"
    er_share, other_share = vis.loc[er, "inpatient"].mean(), vis.loc[~er, "inpatient"].mean()
    walks = ward.groupby("visit_id")
    first, last = walks.first(), walks.last()
    ended = last["state"].isin(["discharged", "deceased"]) | (walks.size() == 60)
    ordered = bool(walks["at"].apply(lambda s: s.is_monotonic_increasing).all())
    stay_visits = set(ward["visit_id"])
    with_age = last.join(vis.set_index("visit_id")[["patient_id"]]).merge(
        pat[["patient_id", "age"]], on="patient_id"
    )
    dead_old = (with_age.loc[with_age.age >= 70, "state"] == "deceased").mean()
    dead_young = (with_age.loc[with_age.age < 50, "state"] == "deceased").mean()
    return [
        (
            "constraint: discharged >= admitted on every visit",
            bool((vis.discharged >= vis.admitted).all()),
            f"min stay {vis['length_of_stay'].min()} days",
        ),
        (
            "constraint: length of stay <= 60 days",
            bool((vis["length_of_stay"] <= 60).all()),
            f"max {vis['length_of_stay'].max()}",
        ),
        (
            "inpatient stays follow a normal truncated at 0 (all >= 0, mean above 3)",
            bool((inpatients["length_of_stay"] >= 0).all() and inpatients["length_of_stay"].mean() > 3),
            f"mean {inpatients['length_of_stay'].mean():.2f} days",
        ),
        ("birth date agrees with age (to the day)", bool(age_ok.all()), f"{(~age_ok).sum()} disagree"),
        (
            "visits per patient follow 0.5 + 0.02 age + 2 chronic per year",  # Poisson: within 4 sd
            abs(counts.sum() - expected.sum()) < 4 * np.sqrt(expected.sum()),
            f"observed / expected {counts.sum() / expected.sum():.3f}",
        ),
        (
            "older chronic patients visit more than young healthy ones",
            counts[old_chronic.to_numpy()].mean() > 2 * counts[young_healthy.to_numpy()].mean(),
            f"{counts[old_chronic.to_numpy()].mean():.1f} vs "
            f"{counts[young_healthy.to_numpy()].mean():.1f} visits",
        ),
        (
            "emergencies are admitted more often",
            er_share > 2 * other_share,
            f"{er_share:.0%} vs {other_share:.0%}",
        ),
        (
            "every inpatient visit, and only those, has a ward path",
            stay_visits == set(inpatients["visit_id"]),
            f"{len(stay_visits):,} paths",
        ),
        (
            "every path starts 'admitted' at admission and ends discharged or deceased",
            bool((first["state"] == "admitted").all() and ended.all()),
            f"{(~ended).sum()} unfinished",
        ),
        ("ward times never go back", ordered, f"{len(ward):,} ward events"),
        (
            "older patients die more often",
            bool(dead_old > dead_young),
            f"{dead_old:.1%} (70+) vs {dead_young:.1%} (<50)",
        ),
        (
            "every visit points at a patient",
            bool(vis["patient_id"].isin(pat["patient_id"]).all()),
            f"{len(vis):,} visits",
        ),
        (
            "chronic illness rises with age",
            bool(np.corrcoef(pat["age"], pat["chronic"])[0, 1] > 0.2),
            f"corr {np.corrcoef(pat['age'], pat['chronic'])[0, 1]:.2f}",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    return run(HERE / "spec.yaml", argv, None, checks, "Check the hospital simulation's rules.")


if __name__ == "__main__":
    sys.exit(main())
