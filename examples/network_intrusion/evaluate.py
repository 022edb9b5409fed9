"""Evaluate the network-intrusion example: simulate it and check that every rule of the spec holds.

    python examples/network_intrusion/evaluate.py --seed 0

Prints one line per rule (PASS / FAIL and the measured value) and exits 1 if any rule fails.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _check import Check, run  # noqa: E402

START, END = pd.Timestamp("2024-03-04 02:00"), pd.Timestamp("2024-03-04 02:30")


def checks(t: dict[str, pd.DataFrame]) -> list[Check]:
    hosts, conn = t["hosts"], t["connections"]
    conn = conn.assign(time=pd.to_datetime(conn["time"])).merge(hosts[["host_id", "role"]], on="host_id")
    attack = conn["is_attack"] == 1
    in_burst = conn["time"].between(START, END, inclusive="left")
    attackers = conn.loc[attack, "host_id"].unique()
    workstations = (hosts["role"] == "workstation").sum()
    burst_per_min = in_burst.sum() / 30
    normal_per_min = (~in_burst).sum() / (24 * 60 - 30)
    normal = conn[~attack]
    hours = 24.0
    per_host = normal.groupby("host_id").size().reindex(hosts["host_id"], fill_value=0)
    by_role = per_host.groupby(hosts.set_index("host_id")["role"]).mean() / hours
    private = hosts["ip"].map(lambda ip: ipaddress.ip_address(ip).is_private).all()
    public = conn["dst_ip"].head(20000).map(lambda ip: ipaddress.ip_address(ip).is_global).mean()
    failed_attack = (conn.loc[attack, "status"] == "failed").mean() if attack.any() else 1.0
    failed_normal = (normal["status"] == "failed").mean()
    return [
        (
            "attacks happen only inside the burst window",
            bool(in_burst[attack].all()),
            f"{attack.sum():,} attack rows",
        ),
        (
            "attackers are workstations (about 5% of them)",
            bool(
                conn.loc[attack, "role"].eq("workstation").all()
                and len(attackers) <= max(3, 0.15 * workstations)
            ),
            f"{len(attackers)} of {workstations}",
        ),
        (
            "the burst raises the connection rate",
            bool(not attack.any() or burst_per_min > 1.5 * normal_per_min),
            f"{burst_per_min:.0f} vs {normal_per_min:.0f} per minute",
        ),
        (
            "attacks aim at SSH, RDP and SMB",
            bool(conn.loc[attack, "dst_port"].isin([22, 3389, 445]).all()),
            str(sorted(conn.loc[attack, "dst_port"].unique().tolist())),
        ),
        (
            "attacks mostly fail, normal traffic rarely does",
            bool(failed_attack > 0.8 and failed_normal < 0.03),
            f"{failed_attack:.0%} vs {failed_normal:.1%}",
        ),
        (
            "servers ~120, workstations ~40, printers ~4 connections an hour",
            bool(
                abs(by_role.get("server", 120) / 120 - 1) < 0.1
                and abs(by_role.get("workstation", 40) / 40 - 1) < 0.1
            ),
            ", ".join(f"{k} {v:.0f}" for k, v in by_role.items()),
        ),
        (
            "udp exactly for DNS (port 53)",
            bool(((conn["protocol"] == "udp") == (conn["dst_port"] == 53)).all()),
            f"{(conn['protocol'] == 'udp').mean():.1%} udp",
        ),
        (
            "constraint: 0 <= duration <= 3600 s, bytes sent >= 1",
            bool(conn["duration_s"].between(0, 3600).all() and (conn["bytes_sent"] >= 1).all()),
            f"max duration {conn['duration_s'].max():.1f} s",
        ),
        (
            "constraint: host IPs and names are unique",
            bool(hosts["ip"].is_unique and hosts["hostname"].is_unique),
            f"{len(hosts)} hosts",
        ),
        (
            "host IPs are private, destinations public",
            bool(private and public > 0.99),
            f"{public:.1%} public",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    return run(HERE / "spec.yaml", argv, None, checks, "Check the network-intrusion simulation's rules.")


if __name__ == "__main__":
    sys.exit(main())
