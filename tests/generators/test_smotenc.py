"""smotenc beyond the shared SMOTE-family contract (tests/generators/test_smote.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import synthwise as sw


def test_categorical_only_table_uses_smoten() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "y": rng.choice(["p", "n"], 200, p=[0.2, 0.8]),
            "a": rng.choice(["x", "y", "z"], 200),
            "b": rng.choice(["u", "v"], 200),
        }
    )
    out = sw.get_generator("smotenc", target="y", seed=0).fit(df).sample(50)
    assert set(out["y"]) == {"p"} and set(out["a"]) <= {"x", "y", "z"} and set(out["b"]) <= {"u", "v"}
