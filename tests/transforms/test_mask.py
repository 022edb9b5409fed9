from __future__ import annotations

import pandas as pd
import pytest

from synthwise.pii import detect
from synthwise.pii.recognizers import is_card, is_iban, luhn_valid
from synthwise.transforms.mask import mask

faker = pytest.importorskip("faker")


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    fk = faker.Faker("en_US")
    fk.seed_instance(1)
    n = 60
    return pd.DataFrame(
        {
            "full_name": [fk.name() for _ in range(n)],
            "email": [fk.email() for _ in range(n)],
            "mobile": [fk.phone_number() for _ in range(n)],
            "contact": [f"+44 20 7946 0{i:03d}" for i in range(n)],
            "home_address": [fk.street_address() for _ in range(n)],
            "date_of_birth": [str(fk.date_of_birth()) for _ in range(n)],
            "ssn": [fk.ssn() for _ in range(n)],
            "iban": [fk.iban() for _ in range(n)],
            "card": ["4111 1111 1111 1111", "5500 0055 5555 5559"] * (n // 2),
            "ip": [fk.ipv4() for _ in range(n)],
            "site": [fk.url() for _ in range(n)],
            "uid": [str(fk.uuid4()) for _ in range(n)],
            "notes": [f"Reach me at {fk.email()} tomorrow please" for _ in range(n)],
            "amount": [float(i) * 1.5 for i in range(n)],
            "status": ["ok", "bad"] * (n // 2),
            "clinic": ["emergency dept", "clinical lab", "ob gyn"] * (n // 3),
        }
    )


def test_detects_each_kind_from_name_and_values(people: pd.DataFrame) -> None:
    found = {f.column: f.kind for f in detect(people)}
    assert found == {
        "full_name": "name",
        "email": "email",
        "mobile": "phone",
        "contact": "phone",
        "home_address": "address",
        "date_of_birth": "date_of_birth",
        "ssn": "ssn",
        "iban": "iban",
        "card": "card_number",
        "ip": "ip",
        "site": "url",
        "uid": "uuid",
        "notes": "free_text",
    }


def test_no_false_positives_on_plain_columns() -> None:
    df = pd.DataFrame(
        {
            "balance": [1234.5, 99.0] * 20,
            "code": ["A12", "B34"] * 20,
            "day": ["2024-01-01", "2024-02-01"] * 20,
            "card_count": [1, 2] * 20,
            "numbers": ["4111111111111112", "1234567812345678"] * 20,  # bad checksums
        }
    )
    assert detect(df) == []


def test_mask_is_consistent_and_never_keeps_real_values(people: pd.DataFrame) -> None:
    before = people.copy()
    result = mask(people, seed=0)
    out = result.frame
    pd.testing.assert_frame_equal(people, before)
    for col in ("full_name", "email", "ssn", "iban", "ip", "uid"):
        assert not set(out[col]) & set(people[col]), col
    # same real value -> same fake
    first = people["card"].iloc[0]
    fakes = out.loc[people["card"] == first, "card"]
    assert fakes.nunique() == 1
    assert "amount" in out and out["amount"].equals(people["amount"])
    assert mask(people, seed=0).frame.equals(out)


def test_format_preserving_cards_ibans_and_phones(people: pd.DataFrame) -> None:
    policy = {"columns": {c: {"format_preserving": True} for c in ("card", "iban", "contact")}}
    out = mask(people, policy=policy, seed=3).frame
    for real, fake in zip(people["card"], out["card"], strict=True):
        assert fake[:4] == real[:4] and len(fake) == len(real) and is_card(fake)
        assert luhn_valid(fake.replace(" ", ""))
    for real, fake in zip(people["iban"], out["iban"], strict=True):
        assert fake[:2] == real[:2] and len(fake) == len(real) and is_iban(fake)
    assert all(f.startswith("+44 ") for f in out["contact"])


def test_hash_and_drop_actions(people: pd.DataFrame) -> None:
    policy = {"salt": "s", "columns": {"ssn": {"action": "hash"}, "notes": {"action": "drop"}}}
    out = mask(people, policy=policy).frame
    assert "notes" not in out
    assert out["ssn"].str.fullmatch(r"[0-9a-f]{16}").all()


def test_mapping_is_written_only_when_asked(people: pd.DataFrame, tmp_path) -> None:
    result = mask(people[["email"]], seed=0)
    assert list(tmp_path.iterdir()) == []
    result.write_mapping(tmp_path / "map.json")
    assert people["email"].iloc[0] in (tmp_path / "map.json").read_text()


def test_cli_mask_end_to_end(people: pd.DataFrame, tmp_path, capsys) -> None:
    from synthwise.cli import main

    src = tmp_path / "people.csv"
    people.to_csv(src, index=False)
    before = src.read_bytes()
    policy = tmp_path / "p.yaml"
    policy.write_text("columns:\n  ssn: {action: hash}\n  card: {format_preserving: true}\n")
    out = tmp_path / "masked.csv"
    assert main(["mask", str(src), "-o", str(out), "--policy", str(policy)]) == 0
    masked = pd.read_csv(out)
    assert src.read_bytes() == before
    assert not set(masked["email"]) & set(people["email"])
    assert main(["pii", str(src)]) == 0
    assert "card_number" in capsys.readouterr().out
