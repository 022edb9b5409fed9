"""The relational synthesizer on a real multi-table database (nycflights13, two days)."""

from __future__ import annotations

import pandas as pd
import pytest

from synthwise.errors import DataError, InvalidParameterError
from synthwise.relational import Database, ForeignKey, RelationalMetadata, RelationalSynthesizer
from synthwise.relational.evaluate import referential_integrity


def test_every_foreign_key_resolves(fitted) -> None:  # type: ignore[no-untyped-def]
    syn = fitted.sample(seed=1)
    assert set(referential_integrity(syn).values()) == {1.0}
    assert all(r["dropped_unresolved"] == 0 for r in fitted.report_.values())
    for t in syn.metadata.tables:  # primary keys are unique, composite ones included
        if t.primary_key:
            assert not syn.tables[t.name].duplicated(list(t.primary_key)).any(), t.name


def test_same_schema_and_dtypes_as_the_real_database(fitted, flights_db) -> None:  # type: ignore[no-untyped-def]
    syn = fitted.sample(seed=1)
    assert syn.metadata == flights_db.metadata
    for name, df in flights_db.tables.items():
        assert list(syn.tables[name].columns) == list(df.columns)
        assert syn.tables[name]["year"].dtype == df["year"].dtype if "year" in df else True


def test_same_seed_same_database(fitted) -> None:  # type: ignore[no-untyped-def]
    a, b = fitted.sample(seed=3), fitted.sample(seed=3)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])


def test_scale_shrinks_the_whole_database(fitted, flights_db) -> None:  # type: ignore[no-untyped-def]
    half = fitted.sample(scale=0.5, seed=0)
    assert len(half.tables["planes"]) == round(0.5 * len(flights_db.tables["planes"]))
    assert len(half.tables["flights"]) < 0.8 * len(flights_db.tables["flights"])
    assert set(referential_integrity(half).values()) == {1.0}


def test_flights_keep_their_planes_and_both_airports(fitted) -> None:  # type: ignore[no-untyped-def]
    syn = fitted.sample(seed=2)
    flights = syn.tables["flights"]
    assert flights["tailnum"].notna().mean() > 0.5
    assert flights["tailnum"].dropna().isin(set(syn.tables["planes"]["tailnum"])).all()
    assert flights["dest"].isin(set(syn.tables["airports"]["faa"])).all()
    hours = pd.MultiIndex.from_frame(syn.tables["weather"][["origin", "time_hour"]])
    assert pd.MultiIndex.from_frame(flights[["origin", "time_hour"]]).isin(hours).all()


def test_per_table_generators_without_native_conditions(flights_db) -> None:  # type: ignore[no-untyped-def]
    synth = RelationalSynthesizer(generators={"flights": "gaussian_copula", "planes": "bootstrap"}, seed=0)
    syn = synth.fit(flights_db).sample(seed=0)
    assert set(referential_integrity(syn).values()) == {1.0}
    assert synth.models_["flights"].name == "gaussian_copula"


def test_bad_choices_are_refused(flights_db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidParameterError, match="sequential generator"):
        RelationalSynthesizer(generator="sequential_ar").fit(flights_db)
    with pytest.raises(InvalidParameterError, match=r"tables \['nope'\]"):
        RelationalSynthesizer(generators={"nope": "cart"}).fit(flights_db)


def test_a_cycle_is_refused_before_any_fit(flights_db) -> None:  # type: ignore[no-untyped-def]
    meta = flights_db.metadata
    cyclic = RelationalMetadata(
        meta.tables, (*meta.foreign_keys, ForeignKey("airports", ("faa",), "weather", ("origin",)))
    )
    with pytest.raises(DataError):
        RelationalSynthesizer().fit(Database(flights_db.tables, cyclic))


def test_reference_tables_are_kept_and_linked(flights_db) -> None:  # type: ignore[no-untyped-def]
    """Kept tables come out as they went in and every key resolves. A single-column link to a kept table
    is learned as a category (weather's origin, a flight's destination and carrier), so the drawn keys
    are real ones with about their real frequencies; a link sharing a column with another (a flight's
    origin, part of its weather hour) still comes from the generated parent."""
    kept = ("airlines", "airports")
    synth = RelationalSynthesizer(reference=kept, seed=0).fit(flights_db)
    assert set(synth.models_) == set(flights_db.metadata.names) - set(kept)
    plan = synth.plans_["flights"]
    assert {fk.columns for fk in plan.direct} == {("dest",), ("carrier",)}
    assert plan.primary is not None and plan.primary.fk.parent == "weather"
    syn = synth.sample(seed=0)
    for name in kept:
        pd.testing.assert_frame_equal(syn.tables[name], flights_db.tables[name])
    assert set(referential_integrity(syn).values()) == {1.0}
    real, got = flights_db.tables["flights"]["dest"], syn.tables["flights"]["dest"]
    gap = (
        real.value_counts(normalize=True).sub(got.value_counts(normalize=True), fill_value=0).abs().sum() / 2
    )
    assert gap < 0.15
    half = synth.sample(scale=0.5, seed=0)
    pd.testing.assert_frame_equal(half.tables["airports"], flights_db.tables["airports"])
    assert len(half.tables["weather"]) == round(0.5 * len(flights_db.tables["weather"]))
    assert set(referential_integrity(half).values()) == {1.0}


def test_a_reference_table_needs_reference_parents(flights_db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidParameterError, match=r"Reference table 'weather' references \['airports'\]"):
        RelationalSynthesizer(reference=("weather",)).fit(flights_db)
    with pytest.raises(InvalidParameterError, match=r"Reference tables \['nope'\]"):
        RelationalSynthesizer(reference=("nope",)).fit(flights_db)
