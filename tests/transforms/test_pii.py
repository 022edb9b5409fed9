"""Personal-data columns: found at inference, never learned, regenerated as fakes of their kind."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from synthwise.evaluation import evaluate
from synthwise.generators import create
from synthwise.pii.recognizers import RECOGNIZERS, looks_like_address, luhn_valid
from synthwise.schema import ColumnSchema, infer_schema
from synthwise.schema.model import REGENERATED
from synthwise.testing import check_faithful
from synthwise.transforms.pii import generate_pii

faker = pytest.importorskip("faker")

RECOGNIZED = [k for k in REGENERATED if k in RECOGNIZERS]


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    fk = faker.Faker("en_US")
    fk.seed_instance(3)
    rng = np.random.default_rng(0)
    n = 500
    return pd.DataFrame(
        {
            "full_name": [fk.name() for _ in range(n)],
            "email": [fk.free_email() for _ in range(n)],  # real-looking domains; fakes use example.*
            "phone": [fk.phone_number() for _ in range(n)],
            "ssn": [fk.ssn() for _ in range(n)],
            "race": rng.choice(["White", "Black", "Asian"], n),  # surnames too, but categories here
            "sex": rng.choice(["Male", "Female"], n),
            "age": rng.integers(18, 90, n),
            "income": np.round(rng.gamma(2.0, 20_000.0, n), 2),
        }
    )


def test_inference_marks_personal_data_and_leaves_categories_alone(people: pd.DataFrame) -> None:
    schema = infer_schema(people)
    kinds = {c.name: (c.kind, c.pii_kind) for c in schema.columns}
    assert kinds["full_name"] == ("pii", "name")
    assert kinds["email"] == ("pii", "email")
    assert kinds["phone"] == ("pii", "phone")
    assert kinds["ssn"] == ("pii", "ssn")
    assert kinds["race"][0] == "categorical" and kinds["sex"][0] == "categorical"
    assert ColumnSchema.from_dict(schema["email"].to_dict()) == schema["email"]  # JSON round trip


@pytest.mark.parametrize("kind", RECOGNIZED)
@pytest.mark.parametrize("with_faker", [True, False])
def test_fakes_are_of_their_kind_and_seeded(
    kind: str, with_faker: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not with_faker:
        monkeypatch.setitem(sys.modules, "faker", None)  # import faker now fails: built-in fakes
    col = ColumnSchema("x", "pii", pii_kind=kind, missing_rate=0.2)
    a = generate_pii(col, 200, np.random.default_rng(1))
    b = generate_pii(col, 200, np.random.default_rng(1))
    pd.testing.assert_series_equal(a, b)
    assert 0.1 < a.isna().mean() < 0.3
    values = a.dropna().astype(str)
    if kind == "name" and not with_faker:
        assert values.str.startswith("Person ").all()
    elif kind == "ssn" and not with_faker:
        assert values.str.fullmatch(r"9\d\d-\d\d-\d{4}").all()  # 900-999: SSN-shaped, never issued
    else:
        check = looks_like_address if kind == "address" else RECOGNIZERS[kind]  # Faker's street words vary
        share = float(np.mean([check(v) for v in values]))
        assert share >= 0.8, (kind, values.head(3).tolist())
    if kind == "card_number":
        assert all(luhn_valid("".join(ch for ch in v if ch.isdigit())) for v in values)


@pytest.mark.parametrize("generator", ["cart", "gaussian_copula", "bootstrap"])
def test_generators_never_emit_real_personal_data(people: pd.DataFrame, generator: str) -> None:
    gen = create(generator, seed=0).fit(people)
    out = gen.sample(400, seed=1)
    check_faithful(people, out, gen.schema_, name=generator)  # includes: no real e-mail, phone or SSN
    for col in ("email", "phone", "ssn"):
        assert not set(out[col]) & set(people[col])
    assert out["full_name"].isin(people["full_name"]).mean() < 0.05


def test_pii_leak_flags_a_copy_and_not_fakes(people: pd.DataFrame) -> None:
    train, holdout = people.iloc[:350], people.iloc[350:]
    kw = {"metrics": ["pii_leak"], "n_bootstrap": 0, "baselines": False, "row_flags": False}
    copied = evaluate(train, train, holdout=holdout, **kw)
    faked = evaluate(train, create("cart", seed=0).fit(train).sample(350, seed=1), holdout=holdout, **kw)
    assert copied["pii_leak"].value == 1.0
    assert faked["pii_leak"].value < 0.05
    assert set(faked["pii_leak"].details["columns"]) == {"full_name", "email", "phone", "ssn"}
