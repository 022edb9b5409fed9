from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.errors import InvalidParameterError, ModelFileError, NotFittedError, SamplingError
from synthwise.generators import condition_groups, create, load_generator


def test_unknown_generator_lists_known_ones() -> None:
    with pytest.raises(InvalidParameterError, match="bootstrap"):
        create("nope")


def test_sample_before_fit_raises() -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        create("bootstrap").sample(3)


def test_set_params_rejects_unknown() -> None:
    with pytest.raises(InvalidParameterError, match="smoothing"):
        create("bootstrap").set_params(nope=1)


def test_bootstrap_copies_real_rows(default_split) -> None:
    train, _ = default_split
    out = create("bootstrap", seed=0).fit(train).sample(500)
    merged = out.merge(train.drop_duplicates(), how="left", indicator=True)
    assert (merged["_merge"] == "both").all()


def test_bootstrap_conditions_native(default_split) -> None:
    train, _ = default_split
    gen = create("bootstrap", seed=0).fit(train)
    out = gen.sample(300, conditions={"default": "Yes"})
    assert (out["default"] == "Yes").all()
    real = train[train["default"] == "Yes"]["student"].eq("Yes").mean()
    assert abs(out["student"].eq("Yes").mean() - real) < 0.1
    rows = gen.sample(conditions=pd.DataFrame({"default": ["Yes", "No"], "student": ["No", "Yes"]}), n=0)
    assert rows[["default", "student"]].values.tolist() == [["Yes", "No"], ["No", "Yes"]]


def test_unseen_condition_value_names_the_column(default_split) -> None:
    gen = create("bootstrap", seed=0).fit(default_split[0])
    with pytest.raises(SamplingError, match="default"):
        gen.sample(5, conditions={"default": "Maybe"})


def test_condition_groups_groups_equal_patterns() -> None:
    arr = np.array([[1.0, np.nan], [2.0, np.nan], [1.0, np.nan]])
    groups = condition_groups(arr)
    assert sorted(rows.tolist() for _, rows in groups) == [[0, 2], [1]]


@pytest.mark.parametrize("damage", ["truncate", "foreign", "tamper", "newer"])
def test_corrupt_model_files_are_rejected(tmp_path, default_split, damage: str) -> None:
    path = tmp_path / "m.synthwise"
    create("bootstrap", seed=0).fit(default_split[0]).save(str(path))
    bad = tmp_path / "bad.synthwise"
    if damage == "truncate":
        bad.write_bytes(path.read_bytes()[:200])
    elif damage == "foreign":
        with zipfile.ZipFile(bad, "w") as zf:
            zf.writestr("hello.txt", "hi")
    else:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
            for item in src.namelist():
                data = src.read(item)
                if damage == "tamper" and item == "arrays.npz":
                    data = data[:-10] + b"0123456789"
                if damage == "newer" and item == "manifest.json":
                    data = data.replace(b'"format_version": 1', b'"format_version": 99')
                dst.writestr(item, data)
    with pytest.raises(ModelFileError, match="Fix:"):
        load_generator(str(bad))


def test_model_file_holds_no_pickle(tmp_path, default_split) -> None:
    path = tmp_path / "m.synthwise"
    sw.get_generator("bootstrap", seed=0).fit(default_split[0]).save(str(path))
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["arrays.npz", "manifest.json"]
        with zf.open("arrays.npz") as fh, np.load(fh, allow_pickle=False) as z:
            assert all(z[k].dtype != object for k in z.files)


def test_unknown_generator_names_the_closest_ones() -> None:
    from synthwise.generators import get

    with pytest.raises(InvalidParameterError, match=r"did you mean 'smote' or 'smotenc'\?"):
        get("smot")


def test_model_file_naming_an_unknown_generator_is_a_model_file_error(tmp_path, default_split) -> None:
    path = tmp_path / "m.synthwise"
    create("bootstrap", seed=0).fit(default_split[0]).save(str(path))
    bad = tmp_path / "bad.synthwise"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "manifest.json":
                data = data.replace(b'"generator": "bootstrap"', b'"generator": "nosuch"')
            dst.writestr(item, data)
    with pytest.raises(ModelFileError, match="unknown generator 'nosuch'"):
        load_generator(str(bad))


def test_state_and_restore_give_the_same_generator(default_split) -> None:
    gen = create("cart", seed=0).fit(default_split[0])
    fields, arrays = gen.state()
    assert set(fields) == {"params", "text_models", "columns", "schema", "transformer", "state", "n_rows"}
    again = type(gen).restore(fields, arrays)
    pd.testing.assert_frame_equal(again.sample(50, seed=1), gen.sample(50, seed=1))


def test_fit_encodes_the_table_once(default_split, monkeypatch: pytest.MonkeyPatch) -> None:
    from synthwise.transforms import TableTransformer

    calls = []
    to_codes = TableTransformer.to_codes

    def counting(self: TableTransformer, df: pd.DataFrame, **kw: object) -> pd.DataFrame:
        calls.append(len(df))
        return to_codes(self, df, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(TableTransformer, "to_codes", counting)
    create("cart", seed=0).fit(default_split[0])
    assert calls == [len(default_split[0])]
