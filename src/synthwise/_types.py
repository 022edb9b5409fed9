"""Shared type aliases."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import pandas as pd

Frame: TypeAlias = pd.DataFrame
Seed: TypeAlias = int | np.random.SeedSequence | np.random.Generator | None
Conditions: TypeAlias = dict[str, Any] | pd.DataFrame | None
