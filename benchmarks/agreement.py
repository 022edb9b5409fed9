"""Reference agreement (issue 15): synthwise's verdicts beside the reference implementations, same files.

For each public bench set, our generators (``GENERATORS``, fitted on ``<set>.train.csv`` with one fixed
seed, as many rows sampled as the train) write a synthetic CSV (cached under
``benchmarks/.venvs/outputs/agreement``); rivals' cached outputs from ``rivals.py`` are added where they
exist. Every file is scored by ``synthwise.evaluate`` and by the reference implementation of each
definition, in its own venv (subprocess), **on the same representation and the same rows**:

* synthcity ``AlphaPrecision.metrics`` (alpha-precision, beta-recall, authenticity) and the ``prdc``
  package (precision, recall, density, coverage) get synthwise's real-fit embedding of the very rows
  synthwise compares (the first ``pair_size`` rows of each table's canonical order); so the gap is the
  definition alone;
* SDMetrics ``LogisticDetection`` and two more detectors of our own writing in the reference venv (a
  gradient-boosting and an MLP classifier on the raw table, one-hot categoricals and standardized
  numerics, stratified 3-fold out-of-fold ROC-AUC) get the raw rows synthwise's detection uses;
* ``mostlyai-qa``'s DCR share and identical-match share (its own distance and its own protocol: equal
  train and holdout subsamples) get the raw train, holdout and synthetic tables; its column groups are
  drawn unseeded, so its DCR share is the mean of ``DCR_RUNS`` runs with numpy seeded 0, 1, ... (the
  range of the runs is kept beside it);
* ``anonymeter``'s ``InferenceEvaluator`` (Giomi et al. 2023) gets the same raw tables and attacks the
  set's target column from every other compared column, as synthwise's ``attribute_risk`` does (same
  definition: the attack's success on train rows beyond its success on holdout rows, over
  ``1 - holdout``; same number of attacked rows; categorical secrets, so a guess is right only when
  exact). The representation differs by design: anonymeter finds the nearest synthetic row by its
  Gower-like distance on the raw columns, synthwise in its embedding.

Printed: one line per set, file and metric with synthwise's value, the reference's and the gap; a
detection line shows the best reference detector. Target: |gap| <= 0.03 on every definition-matched
metric; detection: no reference above synthwise's by more than 0.02. Deliberate differences that give a
larger gap are in ``NOTES`` (and in the metric's docstring).

    OMP_NUM_THREADS=1 nice -n 10 /work/main/.venv/bin/python benchmarks/agreement.py     # all
    ... -d covid -g cart                        # one set, one generator
    ... -d default --rivals-only --out F        # the rivals' cached outputs only (merge with --merge)
    ... --parts synthcity --update              # rescore one part, in the saved rows
    ... --report                                # judge the saved rows again, print and save

Writes ``benchmarks/results/agreement.json``. The reference venvs (``benchmarks/.venvs/synthcity``:
synthcity, opacus 1.5.2, prdc; ``benchmarks/.venvs/refs``: torch 2.13.0, mostlyai-qa, sdmetrics,
``benchmarks/.venvs/anonymeter``: anonymeter) are built on first use from the recipes in
``bench_venvs.py`` (those of ``shared/BENCH_ANCHORS.md``); ``--no-install`` skips a missing venv's
metrics instead.

This file runs in two places: in synthwise's venv (``main``) and, as ``drive-synthcity`` /
``drive-refs`` / ``drive-anonymeter``, in a reference venv, where only the standard library, numpy,
pandas, scikit-learn and the reference package are imported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
VENVS = HERE / ".venvs"
OUTPUTS = VENVS / "outputs" / "agreement"
RIVAL_OUTPUTS = VENVS / "outputs"
OUT = HERE / "results" / "agreement.json"
BENCH = HERE.parents[1] / "shared" / "bench-data"
TARGETS = {"default": "default", "cps1988": "parttime", "covid": "result", "diamonds": "cut"}
GENERATORS = ("cart", "cart:privacy=off", "gaussian_copula", "bayesian_network", "bootstrap")
RIVAL_MODELS = ("mostlyai_argn", "sdv_ctgan", "sdv_tvae", "synthcity_ddpm")
SEED = 0
TOLERANCE = 0.03
DCR_RUNS = 5  # mostlyai-qa's DCR share is random (unseeded column groups): the mean of this many runs
DETECTION_TOLERANCE = 0.02
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
# synthwise metric key -> (our short name, reference name)
PAIRS = {
    "fidelity.alpha_precision": ("alpha_precision", "synthcity.delta_precision_alpha"),
    "diversity.beta_recall": ("beta_recall", "synthcity.delta_coverage_beta"),
    "memorization.authenticity": ("authenticity", "synthcity.authenticity"),
    "fidelity.precision": ("precision", "prdc.precision"),
    "diversity.recall": ("recall", "prdc.recall"),
    "fidelity.density": ("density", "prdc.density"),
    "diversity.coverage": ("coverage", "prdc.coverage"),
    "fidelity.detection_auc": ("detection_auc", "detection.best"),
    "privacy.dcr_share": ("dcr_share", "mostlyai_qa.dcr_share"),
    "privacy.exact_copies": ("exact_copies", "mostlyai_qa.identical_share"),
    "privacy.attribute_risk": ("inference_risk", "anonymeter.inference_risk"),
}
PART_OF = {  # the reference part each pair belongs to (the rest: synthcity / prdc): --parts picks ours too
    "fidelity.detection_auc": "detection",
    "privacy.dcr_share": "dcr",
    "privacy.exact_copies": "dcr",
    "privacy.attribute_risk": "inference",
}
# values inside a metric's details (metric key, details path) -> (our short name, reference name)
DERIVED = {
    ("privacy.attribute_risk", "train"): ("inference_train", "anonymeter.attack_rate"),
    ("privacy.attribute_risk", "holdout"): ("inference_holdout", "anonymeter.control_rate"),
}
NOTES: dict[str, str] = {  # deliberate definition differences behind a larger gap (see the docstrings)
    "exact_copies": "sample size: ours counts the rows identical to any training row (the whole train), "
    "mostlyai-qa to any row of an equal-size train subsample, so where real rows repeat ours is higher "
    "(cps1988's holdout, 11 % natural duplicates: 0.113 against 0.072): the stricter count. Where ours is "
    "lower: mostlyai-qa counts rows at distance 0 in the column group that decided its DCR share, so a "
    "row equal on a few categorical columns counts (cps1988, SDV TVAE: 0.095 there, 0.0001 of whole "
    "rows); explained only where ours is within the tolerance of pandas' whole-row count",
    "alpha_precision": "integration grid: synthcity sums |P_a - a| over 30 points of linspace(0, 1, 30) "
    "with both ends, ours averages it over 20 midpoints (the integral's midpoint rule); where a generator "
    "puts its rows at the rim of the real data the curve jumps at the top, and the end a = 1 weighs 1/30 "
    "there (covid SDV CTGAN: a 200-point grid gives 0.117, ours 0.109, synthcity 0.155). Explained only "
    "where ours on synthcity's grid (reference_grid) comes within the tolerance",
    "dcr_share": "sample size: mostlyai-qa's share is the plain share on equal-size samples of the "
    "holdout's size (2,000 rows a side on default: a 95 % interval of about +-0.03), ours is calibrated "
    "against the whole train sample and takes the stricter of two spaces. Explained only where our own "
    "equal-size share (equal_size: the "
    "reference's protocol on our sample) comes within the tolerance of the reference's mean over every "
    "holdout-size chunk of the same synthetic rows (chunks_mean)",
    "beta_recall": "definition: synthcity covers a real row only within its nearest (k=1) real neighbour "
    "distance, so fresh real data scores ~0.5 there (see -g holdout); ours: the paper's k=5 ball. "
    "Explained only where synthcity's rule on our neighbour pass (reference_rule) gives its value",
    "density": "ties: a synthetic row exactly on a real ball's boundary (a copy of a real row that is "
    "another real row's k-th neighbour, or of a duplicated row, radius 0) counts inside for us, outside "
    "for prdc (strict <); differs only on tied or copied data (default, bootstrap: 1.201 ours, 0.986 with "
    "ties outside, prdc 0.995). Explained only where prdc's rule on our distances (reference_rule) gives "
    "its value",
    "authenticity": "definition: synthcity judges each REAL row's nearest synthetic row against the "
    "neighbour distance at that synthetic row's index; ours judges each synthetic row (same tie rule). "
    "Explained only where synthcity's pairing on our neighbour pass (reference_rule) gives its value",
    "inference_risk": "scale: the risk is (train rate - holdout rate) / (1 - holdout rate); where the "
    "holdout's rate is near 1 a rate difference inside both CIs becomes a large risk gap (its CI spans "
    "~0.3), so the rates themselves are the definition check: explained only where both rates are within "
    "the tolerance or explained by their own check (inference_train / inference_holdout)",
    "inference_train": "representation: ours picks the nearest synthetic row in the embedding, anonymeter "
    "by a Gower-like distance on the raw columns; where they differ ours guesses right more often on train "
    "and holdout rows alike (covid: a stronger attacker, not a lenient one). Explained only where our "
    "attack with anonymeter's neighbour (reference_rule) gives anonymeter's rate",
    "inference_holdout": "representation: as inference_train",
    "detection_auc": "folds: the references' random folds put copies of a duplicated row in training and "
    "in testing, so they learn the duplicates themselves; synthwise folds rows by content (duplicates "
    "share a fold). Explained only where every reference classifier above ours by more than 0.02 comes "
    "within 0.02 on synthwise's folds (cps1988, 11 % duplicated rows, cart: boosting 0.539 random folds, "
    "0.520 same folds, synthwise 0.518)",
}


# ------------------------------------------------------------------------------ the reference drivers
def _drive_synthcity(ns: argparse.Namespace) -> dict[str, float]:
    import numpy as np
    import prdc
    from synthcity.metrics.eval_statistical import AlphaPrecision

    data = np.load(ns.npz)
    real, syn = data["real"], data["syn"]
    out: dict[str, float] = {}
    res = AlphaPrecision().metrics(real, syn, emb_center=None)
    _alphas, _p_curve, _b_curve, delta_p, delta_b, auth = res
    out["synthcity.delta_precision_alpha"] = float(delta_p)
    out["synthcity.delta_coverage_beta"] = float(delta_b)
    out["synthcity.authenticity"] = float(auth)
    for key, value in prdc.compute_prdc(real_features=real, fake_features=syn, nearest_k=5).items():
        out[f"prdc.{key}"] = float(value)
    return out


def _encode_raw(real: Any, syn: Any) -> tuple[Any, Any]:
    """The raw table as a classifier sees it: one-hot categoricals (levels of both sides), standardized
    numerics with a missing indicator (missing filled with the real median)."""
    import numpy as np
    import pandas as pd

    both = pd.concat([real, syn], ignore_index=True)
    parts = []
    for col in both.columns:
        v = both[col]
        num = pd.to_numeric(v, errors="coerce")
        if v.dtype.kind in "if" or (num.notna().sum() == v.notna().sum() and v.nunique() > 20):
            med = float(np.nanmedian(num[: len(real)])) if num[: len(real)].notna().any() else 0.0
            std = float(np.nanstd(num[: len(real)])) or 1.0
            parts.append(((num.fillna(med) - med) / std).to_numpy()[:, None])
            if num.isna().any():
                parts.append(num.isna().to_numpy(dtype=float)[:, None])
        else:
            parts.append(pd.get_dummies(v.astype(str), dtype=float).to_numpy())
    x = np.hstack(parts)
    y = np.r_[np.zeros(len(real)), np.ones(len(syn))]
    return x, y


def _oof_auc(make: Any, x: Any, y: Any, seed: int, folds: Any = None) -> float:
    """Out-of-fold ROC-AUC over 3 folds: stratified random ones, or ``folds`` (a fold number per row)."""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    if folds is None:
        splits = list(StratifiedKFold(3, shuffle=True, random_state=seed).split(x, y))
    else:
        splits = [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in range(3)]
    oof = np.zeros(len(y))
    for tr, te in splits:
        oof[te] = make().fit(x[tr], y[tr]).predict_proba(x[te])[:, 1]
    return float(roc_auc_score(y, oof))


def _content_folds(real: Any, syn: Any) -> Any:
    """A fold per row from a hash of its values: identical rows, real or synthetic, share a fold."""
    import pandas as pd

    both = pd.concat([real, syn], ignore_index=True).astype(str).agg("|".join, axis=1)
    return pd.util.hash_pandas_object(both, index=False).to_numpy() % 3


def _drive_refs(ns: argparse.Namespace) -> dict[str, float]:
    import pandas as pd

    out: dict[str, float] = {}
    real = pd.read_csv(ns.real)
    syn = pd.read_csv(ns.syn)
    hold = pd.read_csv(ns.holdout)
    det_real, det_syn = real.iloc[: ns.detection_rows], syn.iloc[: ns.detection_rows]
    if "detection" in ns.parts:
        from sdmetrics.single_table import LogisticDetection
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.neural_network import MLPClassifier

        meta = _sdmetrics_metadata(real)
        try:
            score = LogisticDetection.compute(det_real, det_syn, metadata=meta)
            out["detection.sdmetrics_logistic"] = 0.5 + (1.0 - float(score)) / 2.0  # 1 - (2 AUC - 1)
        except ValueError as exc:  # e.g. its one-hot encoder refuses levels only the synthetic data has
            print(f"sdmetrics LogisticDetection failed: {exc}"[:300], file=sys.stderr)
        x, y = _encode_raw(det_real, det_syn)
        out["detection.gradient_boosting"] = _oof_auc(
            lambda: HistGradientBoostingClassifier(max_iter=100, random_state=0), x, y, 0
        )
        out["detection.mlp"] = _oof_auc(
            lambda: MLPClassifier((128, 64), max_iter=200, early_stopping=True, random_state=0), x, y, 0
        )
        out["detection.best"] = max(v for k, v in out.items() if k.startswith("detection."))
        # the same boosting with synthwise's folds (a row's fold from its content: duplicates share one);
        # random folds let a classifier meet a duplicated row in training and again in testing
        folds = _content_folds(det_real, det_syn)
        out["same_folds.gradient_boosting"] = _oof_auc(
            lambda: HistGradientBoostingClassifier(max_iter=100, random_state=0), x, y, 0, folds
        )
        out["same_folds.mlp"] = _oof_auc(
            lambda: MLPClassifier((128, 64), max_iter=200, early_stopping=True, random_state=0),
            x,
            y,
            0,
            folds,
        )
    if "dcr" in ns.parts:
        out.update(_mostlyai_dcr(real, syn, hold))
    return out


def _sdmetrics_metadata(df: Any) -> dict[str, Any]:
    cols = {}
    for col in df.columns:
        numeric = df[col].dtype.kind in "if" and df[col].nunique() > 20
        cols[col] = {"sdtype": "numerical"} if numeric else {"sdtype": "categorical"}
    return {"columns": cols}


def _mostlyai_dcr(real: Any, syn: Any, hold: Any) -> dict[str, float]:
    """mostlyai-qa's DCR share and identical-match share: its encoding (quantile-uniform numerics, PCA
    of text embeddings for the rest, rows l2-normalized), equal-size train / holdout / synthetic samples
    (the first rows: synthwise's canonical order), the most revealing of its column groups."""
    import numpy as np
    from mostlyai.qa import _distances, _embeddings  # type: ignore[import-not-found]

    n = min(len(real), len(syn), len(hold))
    syn_e, trn_e, hol_e = _embeddings.encode_data(syn.iloc[:n], real.iloc[:n], hold.iloc[:n])
    # its column groups (random ones, and a spectral clustering of noisy correlations) draw from numpy's
    # global generator unseeded: the same files score differently run to run (covid, SDV CTGAN: 0.538 to
    # 0.575 in five runs), so the reference value is the mean of DCR_RUNS runs seeded 0, 1, ...
    shares, d = [], {}
    for run in range(DCR_RUNS):
        np.random.seed(run)
        d = _distances.calculate_distances(syn_embeds=syn_e, trn_embeds=trn_e, hol_embeds=hol_e)
        shares.append(float(_distances.calculate_dcr_share(d["dcr_syn_trn"], d["dcr_syn_hol"])))
    return {
        "mostlyai_qa.dcr_share": float(np.mean(shares)),
        "mostlyai_qa.dcr_share_min": min(shares),
        "mostlyai_qa.dcr_share_max": max(shares),
        "mostlyai_qa.identical_share": float(_distances.calculate_ims(d["dcr_syn_trn"])),
        "mostlyai_qa.identical_share_holdout": float(_distances.calculate_ims(d["dcr_trn_hol"])),
        "mostlyai_qa.rows": float(n),
    }


def _drive_anonymeter(ns: argparse.Namespace) -> dict[str, float]:
    """Anonymeter's inference attack on ``ns.secret`` from the other columns (its KNN on raw columns,
    exact match for the categorical secret), ``ns.n_attacks`` train rows against as many holdout rows."""
    import pandas as pd
    from anonymeter.evaluators import InferenceEvaluator

    real, syn, hold = (pd.read_csv(f) for f in (ns.real, ns.syn, ns.holdout))
    aux = [c for c in real.columns if c != ns.secret]
    ev = InferenceEvaluator(
        ori=real,
        syn=syn,
        aux_cols=aux,
        secret=ns.secret,
        regression=False,
        n_attacks=ns.n_attacks,
        control=hold,
    )
    ev.evaluate(n_jobs=1)
    res = ev.results()
    risk = ev.risk()
    return {
        "anonymeter.inference_risk": float(risk.value),
        "anonymeter.inference_risk_low": float(risk.ci[0]),
        "anonymeter.inference_risk_high": float(risk.ci[1]),
        "anonymeter.attack_rate": float(res.attack_rate.value),
        "anonymeter.control_rate": float(res.control_rate.value),
        "anonymeter.baseline_rate": float(res.baseline_rate.value),
        "anonymeter.n_attacks": float(ns.n_attacks),
    }


DRIVERS = {
    "drive-synthcity": _drive_synthcity,
    "drive-refs": _drive_refs,
    "drive-anonymeter": _drive_anonymeter,
}


def drive(ns: argparse.Namespace) -> None:
    import numpy as np

    np.random.seed(0)  # the references sample with numpy's global state
    fn = DRIVERS[ns.command]
    result = fn(ns)
    Path(ns.out).write_text(json.dumps(result))


# ------------------------------------------------------------------------------ synthwise's side
def thread_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({v: "1" for v in THREAD_VARS})
    env["HF_HUB_OFFLINE"] = "1"
    env.pop("PYTHONPATH", None)
    return env


def synthetic_file(ds: str, gen: str) -> Path:
    """Our generator's output on ``ds`` (made once, then cached)."""
    import pandas as pd

    import synthwise as sw

    path = OUTPUTS / ds / f"{gen.replace(':', '_').replace('=', '-')}.seed{SEED}.csv"
    if path.exists():
        return path
    name, _, rest = gen.partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        params[key] = value
    train = pd.read_csv(BENCH / f"{ds}.train.csv")
    synth = sw.get_generator(name, seed=SEED, **params).fit(train).sample(len(train), seed=SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    synth.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def files(ds: str, gens: list[str], rivals: bool) -> list[tuple[str, Path]]:
    """``-g holdout`` scores the holdout itself (fresh real data: what an ideal generator scores)."""
    out = [(g, BENCH / f"{ds}.holdout.csv" if g == "holdout" else synthetic_file(ds, g)) for g in gens]
    if rivals:
        for model in RIVAL_MODELS:
            path = RIVAL_OUTPUTS / model / f"{ds}.seed{SEED}.csv"
            if path.exists():
                out.append((f"rival/{model}", path))
    return out


INSTALL = True  # build a missing reference venv from its recipe (--no-install: skip its metrics)


def run_ref(venv: str, command: str, args: list[str]) -> dict[str, float] | str:
    import bench_venvs

    if INSTALL:
        try:
            bench_venvs.ensure(venv)
        except (OSError, subprocess.CalledProcessError) as exc:
            return f"venv {venv} could not be built: {exc}"[:300]
    python = bench_venvs.python(venv)
    if not python.exists():
        return f"venv {venv} missing"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [str(python), str(Path(__file__).resolve()), command, "--out", str(out), *args]
        proc = subprocess.run(cmd, env=thread_env(), capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not out.exists():
            tail = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()][-1:]
            return f"{venv} failed: {' '.join(tail)[:300]}"
        return dict(json.loads(out.read_text()))


def score(ds: str, gen: str, path: Path, parts: list[str]) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    import synthwise as sw

    train = pd.read_csv(BENCH / f"{ds}.train.csv")
    holdout = pd.read_csv(BENCH / f"{ds}.holdout.csv")
    synth = pd.read_csv(path)
    t0 = time.perf_counter()
    target = TARGETS[ds]
    qis = [c for c in compared(sw.infer_schema(train), train) if c != target]
    ev = sw.Evaluator(
        train,
        holdout=holdout,
        target=target,
        quasi_identifiers=qis,
        seed=SEED,
        metrics=[key for key in PAIRS if PART_OF.get(key, "synthcity") in parts],
    )
    result = ev.evaluate(synth)
    row: dict[str, Any] = {"set": ds, "generator": gen, "seconds_synthwise": time.perf_counter() - t0}
    ours: dict[str, Any] = {}
    for key in PAIRS:
        res = result.get(key)
        ours[key] = None if res is None else {"value": res.value, "ci": res.ci}
        if res is not None and key == "privacy.attribute_risk":
            ours[key]["details"] = res.details  # the rows attacked, for anonymeter's n_attacks
            for _, part in DERIVED:
                rate = res.details[part]
                ours[f"{key}.{part}"] = {"value": rate["value"], "ci": [rate["low"], rate["high"]]}
        if res is not None and key == "privacy.dcr_share":  # the reference's protocol, on our side
            ours[key]["equal_size"] = res.details["equal_size"]
    ctx = ev.context(synth)
    if ours.get("fidelity.alpha_precision") is not None:  # the same arithmetic on the reference's grid
        ours["fidelity.alpha_precision"]["reference_grid"] = _alpha_precision_on_grid(ctx)
    risk = result.get("privacy.attribute_risk")
    if risk is not None:  # our attack with anonymeter's neighbour
        for part, value in gower_inference(ctx, risk.details).items():
            ours[f"privacy.attribute_risk.{part}"]["reference_rule"] = value
    if "synthcity" in parts:  # our neighbour pass, aggregated by the references' own rules
        for key, value in reference_rules(ctx).items():
            if ours.get(key) is not None:
                ours[key]["reference_rule"] = value
    row["synthwise"] = ours
    m = ctx.pair_size
    refs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "emb.npz"
        np.savez(npz, real=ctx.real.sample(m).emb, syn=ctx.synthetic.head(m).emb)
        rows = ctx.settings.detection_rows
        real_csv, syn_csv, hold_csv = (Path(tmp) / f"{n}.csv" for n in ("real", "syn", "hold"))
        cols = compared(ctx.schema, train)  # identifiers, PII and free text are not compared
        ctx.real.train.frame[cols].to_csv(real_csv, index=False)  # canonical order: same first rows
        ctx.synthetic.frame[cols].to_csv(syn_csv, index=False)
        holdout[cols].to_csv(hold_csv, index=False)
        if "synthcity" in parts:
            refs["synthcity"] = run_ref("synthcity", "drive-synthcity", ["--npz", str(npz)])
        ref_parts = [p for p in ("detection", "dcr") if p in parts]
        files = ["--real", str(real_csv), "--syn", str(syn_csv), "--holdout", str(hold_csv)]
        if ref_parts:
            args = [*files, "--detection-rows", str(rows), "--parts", *ref_parts]
            refs["refs"] = run_ref("refs", "drive-refs", args)
        first = refs.get("refs")
        dcr_ref = first.get("mostlyai_qa.dcr_share") if isinstance(first, dict) else None
        ours_dcr = ours.get("privacy.dcr_share")
        if dcr_ref is not None and ours_dcr is not None and abs(ours_dcr["value"] - dcr_ref) > TOLERANCE:
            refs["chunks"] = _dcr_chunks(ctx, cols, len(holdout), [real_csv, hold_csv], Path(tmp))
        inference = ours.get("privacy.attribute_risk")
        if "inference" in parts and inference is not None:
            n_attacks = min(inference["details"]["train"]["n"], inference["details"]["holdout"]["n"])
            args = [*files, "--secret", target, "--n-attacks", str(n_attacks)]
            refs["anonymeter"] = run_ref("anonymeter", "drive-anonymeter", args)
    flat: dict[str, float] = {"pandas.whole_row_copies": whole_row_copies(train, synth, cols)}
    skipped: dict[str, str] = {}
    for venv, res in refs.items():
        if isinstance(res, str):
            skipped[venv] = res
        else:
            flat.update(res)
    row["reference"] = flat
    row["skipped"] = skipped
    row["pair_size"] = m
    return row


# gaps explained only where the reference's rule on our side (``reference_rules``, ``gower_inference``) agrees
RULE_CHECKED = ("authenticity", "beta_recall", "density", "inference_train", "inference_holdout")
REFERENCE_ALPHAS = 30  # synthcity's grid: np.linspace(0, 1, 30), both ends included


def _alpha_precision_on_grid(ctx: Any) -> float:
    """synthwise's alpha-precision (its center, its alpha-supports from the real train, every synthetic
    row) integrated on synthcity's grid and with its sum: ``1 - sum |P_a - a| / sum a``."""
    import numpy as np

    alphas = np.linspace(0.0, 1.0, REFERENCE_ALPHAS)
    radii = np.quantile(ctx.real.distance_to_center(ctx.real.train.emb), alphas)
    d_syn = ctx.real.distance_to_center(ctx.synthetic.emb)
    curve = np.array([np.mean(d_syn <= r) for r in radii])
    return float(1.0 - np.abs(curve - alphas).sum() / alphas.sum())


def reference_rules(ctx: Any) -> dict[str, float]:
    """synthwise's own quantities for the rows handed to synthcity and prdc (the real ``sample(m)``, the
    first m synthetic rows, our neighbour pass ``ctx.cross()`` and real k-NN radii) aggregated by the
    reference's rule where the definitions differ; a gap these reproduce is the definition alone.

    * authenticity (synthcity): each *real* row's nearest synthetic row j, judged against the real
      nearest-neighbour distance at index j (synthcity's pairing), authentic when strictly farther;
    * beta-recall (synthcity): a real row is covered when its nearest synthetic row is within its
      nearest (k = 1) real neighbour distance and inside the beta-quantile (over those nearest synthetic
      rows) of distances to the synthetic center, on synthcity's 30-point grid and sum;
    * density (prdc): real k-NN balls counted with a strict ``<`` (ours: ``<=``, ties inside), on our
      blocked distances, a tie being equal within their rounding.
    """
    import numpy as np

    from synthwise.evaluation.three_d import bool_authentic
    from synthwise.neighbours import _blocks, _centered, _tolerance

    m, k = ctx.pair_size, ctx.k()
    cross = ctx.cross()
    real_knn = ctx.real.self_knn(m)[0]
    nnd1 = real_knn[:, 0]
    syn = np.asarray(ctx.synthetic.head(m).emb, dtype=np.float64)
    real = np.asarray(ctx.real.sample(m).emb, dtype=np.float64)
    authenticity = float(np.mean(bool_authentic(cross.r_dist, nnd1[cross.r_idx])))

    alphas = np.linspace(0.0, 1.0, REFERENCE_ALPHAS)
    closest = np.linalg.norm(syn[cross.r_idx] - syn.mean(axis=0), axis=1)
    radii = np.quantile(closest, alphas)
    near = cross.r_dist <= nnd1 + 1e-12
    curve = np.array([np.mean(near & (closest <= r)) for r in radii])
    beta = float(1.0 - np.abs(curve - alphas).sum() / alphas.sum())

    syn_c, real_c = _centered(syn, real)  # our ball counts, with a tie (within rounding) outside
    tol = _tolerance(syn_c, real_c)
    ball2 = real_knn[:, k - 1].astype(np.float64) ** 2
    inside = sum(int(np.count_nonzero(d2 < ball2[None, :] - tol)) for _, _, d2 in _blocks(syn_c, real_c))
    density = inside / (k * len(syn_c))
    return {
        "memorization.authenticity": authenticity,
        "diversity.beta_recall": beta,
        "fidelity.density": float(density),
    }


def gower_inference(ctx: Any, details: dict[str, Any]) -> dict[str, float]:
    """synthwise's attribute attack (its targets, its guess, its success rule) with anonymeter's
    neighbour instead of the embedding's: the synthetic row nearest by anonymeter's Gower-like distance
    on the quasi-identifiers (numeric columns divided by their range over targets and synthetic rows,
    L1; a category counts 1 when it differs; two missing numbers count 1, one missing excludes the
    row), the first one on a tie. A rate gap this reproduces is the neighbour search alone."""
    import numpy as np
    import pandas as pd

    from synthwise.evaluation.attacks import attack_targets

    qis, secret = list(details["quasi_identifiers"]), str(details["secret"])
    max_rows = ctx.settings.max_rows or 10_000
    tr, ho = attack_targets(ctx.real.train.frame, ctx.require_holdout().frame, max_rows, 0)
    syn = ctx.synthetic.frame.reset_index(drop=True)
    types = pd.api.types
    numeric = [c for c in qis if types.is_numeric_dtype(syn[c]) and not types.is_bool_dtype(syn[c])]
    cats = [c for c in qis if c not in numeric]

    def encode(targets: Any) -> tuple[Any, Any, Any, Any]:
        both = pd.concat([targets[qis], syn[qis]], ignore_index=True)
        num = both[numeric].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        span = np.nanmax(num, axis=0, initial=-np.inf) - np.nanmin(num, axis=0, initial=np.inf)
        num = num / np.where(np.isfinite(span) & (span > 0), span, 1.0)
        cat = np.column_stack([pd.factorize(both[c].astype(object))[0] for c in cats]) if cats else None
        n = len(targets)
        return num[:n], num[n:], None if cat is None else cat[:n], None if cat is None else cat[n:]

    def rate(targets: Any) -> float:
        q_num, s_num, q_cat, s_cat = encode(targets)
        guesses = np.empty(len(targets), dtype=np.int64)
        for start in range(0, len(targets), 200):
            stop = min(start + 200, len(targets))
            dist = np.zeros((stop - start, len(syn)))
            for j in range(q_num.shape[1]):
                a, b = q_num[start:stop, j][:, None], s_num[:, j][None, :]
                dist += np.where(np.isnan(a) & np.isnan(b), 1.0, np.abs(a - b))
            if q_cat is not None and s_cat is not None:
                dist += (q_cat[start:stop, :, None] != s_cat.T[None, :, :]).sum(axis=1)
            guesses[start:stop] = np.argmin(np.where(np.isnan(dist), np.inf, dist), axis=1)
        truth = targets[secret].reset_index(drop=True).astype(object)
        guess = syn[secret].iloc[guesses].reset_index(drop=True).astype(object)
        hit = (truth.to_numpy() == guess.to_numpy()) | (truth.isna() & guess.isna()).to_numpy()
        return float(hit.mean())

    return {"train": rate(tr), "holdout": rate(ho)}


def _dcr_chunks(ctx: Any, cols: list[str], n_holdout: int, files: list[Path], tmp: Path) -> dict[str, float]:
    """mostlyai-qa's DCR share on each disjoint holdout-size chunk of the synthetic rows our share used
    (its protocol takes the first chunk only): their mean, and each, so that a gap its one chunk's
    sampling makes is told from one of definition (default, TabDDPM: chunks 0.480 / 0.503 / 0.520 /
    0.493 against our equal-size share 0.503)."""
    real_csv, hold_csv = files
    syn = ctx.syn_sample.frame[cols]
    n = min(n_holdout, len(ctx.real.train.frame), len(syn))
    out: dict[str, float] = {}
    for k in range(len(syn) // n if n else 0):
        chunk = tmp / f"syn_chunk{k}.csv"
        syn.iloc[k * n : (k + 1) * n].to_csv(chunk, index=False)
        args = ["--real", str(real_csv), "--syn", str(chunk), "--holdout", str(hold_csv), "--parts", "dcr"]
        res = run_ref("refs", "drive-refs", args)
        if isinstance(res, dict) and "mostlyai_qa.dcr_share" in res:
            out[f"mostlyai_qa.dcr_share_chunk{k}"] = res["mostlyai_qa.dcr_share"]
    values = list(out.values())
    if values:
        out["mostlyai_qa.dcr_share_chunks_mean"] = sum(values) / len(values)
    return out


def whole_row_copies(train: Any, synth: Any, cols: list[str]) -> float:
    """The share of synthetic rows equal to some training row on every compared column, by pandas (the
    plainest reference of exact copies; rounding as written in the files)."""
    keys = train[cols].drop_duplicates()
    hits = synth[cols].merge(keys, how="left", on=cols, indicator=True)["_merge"] == "both"
    return float(hits.mean()) if len(hits) else 0.0


def compared(schema: Any, frame: Any) -> list[str]:
    from synthwise.evaluation.embed import compared_columns

    names = {c.name for c in compared_columns(schema)}
    return [c for c in frame.columns if c in names]


def gaps(row: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    pairs = {**PAIRS, **{f"{key}.{part}": names for (key, part), names in DERIVED.items()}}
    for key, (short, ref_key) in pairs.items():
        ours, ref = row["synthwise"].get(key), row["reference"].get(ref_key)
        if ours is None or ref is None:
            continue
        if row["generator"] == "holdout" and short == "dcr_share":
            continue  # the holdout scored against itself: every row is its own nearest holdout row
        gap = ours["value"] - ref
        tol = DETECTION_TOLERANCE if short == "detection_auc" else TOLERANCE
        ok = gap >= -tol if short == "detection_auc" else abs(gap) <= tol
        entry = {"metric": short, "ours": ours["value"], "reference": ref, "gap": gap, "ok": ok}
        ours_ci = ours.get("ci") or (ours.get("details") or {}).get("risk_ci")
        ref_ci = [row["reference"].get(f"{ref_key}_{end}") for end in ("low", "high")]
        if ours_ci is not None and None not in ref_ci:  # both sides' intervals: do they overlap?
            entry["ours_ci"], entry["reference_ci"] = list(ours_ci), ref_ci
            entry["ci_overlap"] = bool(ours_ci[0] <= ref_ci[1] and ref_ci[0] <= ours_ci[1])
        low, high = (row["reference"].get(f"{ref_key}_{end}") for end in ("min", "max"))
        if low is not None and high is not None:  # a random reference: the range of its runs
            entry["reference_runs"] = [low, high]
        if short == "detection_auc" and not ok:  # explained only by the references on synthwise's folds:
            # every reference classifier above ours by more than the tolerance must come back within it
            ref = row["reference"]
            above = [
                k
                for k in ("gradient_boosting", "mlp", "sdmetrics_logistic")
                if ours["value"] - ref.get(f"detection.{k}", 0.0) < -tol
            ]
            entry["same_folds"] = {k: ref.get(f"same_folds.{k}") for k in above}
            if any(v is None or ours["value"] - v < -tol for v in entry["same_folds"].values()):
                entry["unexplained"] = True
        if short == "exact_copies" and not ok and gap < 0:  # ours lower: only where whole rows agree
            whole = row["reference"].get("pandas.whole_row_copies")
            entry["whole_row_copies"] = whole
            if whole is None or abs(ours["value"] - whole) > tol:
                entry["unexplained"] = True
        if short == "dcr_share" and not ok:  # explained only by the reference's sample of synthetic rows
            equal = ours.get("equal_size")
            chunks = row["reference"].get("mostlyai_qa.dcr_share_chunks_mean")
            entry["equal_size"], entry["chunks_mean"] = equal, chunks
            if equal is None or chunks is None or abs(chunks - equal["share"]) > tol:
                entry["unexplained"] = True
        if short == "alpha_precision" and not ok:  # explained only by the grid, where it was checked
            on_grid = ours.get("reference_grid")
            entry["reference_grid"] = on_grid
            if on_grid is None or abs(on_grid - ref) > tol:
                entry["unexplained"] = True
        if short in RULE_CHECKED and not ok:  # explained only where the reference's rule, on our
            # neighbour pass, gives the reference's value
            rule = ours.get("reference_rule")
            entry["reference_rule"] = rule
            if rule is None or abs(rule - ref) > tol:
                entry["unexplained"] = True
        if not ok and short in NOTES and not entry.get("unexplained"):
            entry["explained"] = NOTES[short]
        out.append(entry)
    rates = [e for e in out if e["metric"] in ("inference_train", "inference_holdout")]
    unchecked = len(rates) < 2 or any(not e["ok"] and "explained" not in e for e in rates)
    for entry in out:  # the risk's gap is explained only by its rates, each within tolerance or checked
        if entry["metric"] == "inference_risk" and not entry["ok"] and unchecked:
            entry["unexplained"] = True
            entry.pop("explained", None)
    return out


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'set':<9} {'file':<22} {'metric':<16} {'synthwise':>9} {'reference':>9} {'gap':>7}  ok"]
    for row in rows:
        for g in gaps(row):
            verdict = "yes" if g["ok"] else ("expl" if "explained" in g else "NO")
            lines.append(
                f"{row['set']:<9} {row['generator']:<22} {g['metric']:<16} {g['ours']:>9.3f} "
                f"{g['reference']:>9.3f} {g['gap']:>+7.3f}  {verdict}"
                + (
                    f"  (CIs {g['ours_ci'][0]:.3f}-{g['ours_ci'][1]:.3f} / "
                    f"{g['reference_ci'][0]:.3f}-{g['reference_ci'][1]:.3f}"
                    f"{', overlapping' if g['ci_overlap'] else ', APART'})"
                    if "ci_overlap" in g
                    else ""
                )
            )
        for venv, why in row.get("skipped", {}).items():
            lines.append(f"{row['set']:<9} {row['generator']:<22} ({venv} skipped: {why})")
    lines += [f"expl = explained, {metric}: {why}" for metric, why in NOTES.items()]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("drive-"):
        ap = argparse.ArgumentParser()
        ap.add_argument("command")
        ap.add_argument("--out", required=True)
        ap.add_argument("--npz")
        ap.add_argument("--real")
        ap.add_argument("--syn")
        ap.add_argument("--holdout")
        ap.add_argument("--detection-rows", type=int, default=5000)
        ap.add_argument("--parts", nargs="*", default=["detection", "dcr"])
        ap.add_argument("--secret")
        ap.add_argument("--n-attacks", type=int, default=500)
        drive(ap.parse_args())
        return
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-d", "--dataset", action="append", choices=sorted(TARGETS))
    ap.add_argument("-g", "--generator", action="append")
    ap.add_argument("--parts", nargs="*", default=["synthcity", "detection", "dcr", "inference"])
    ap.add_argument("--no-install", action="store_true", help="skip a missing reference venv's metrics")
    ap.add_argument("--no-rivals", action="store_true")
    ap.add_argument("--rivals-only", action="store_true", help="score only the rivals' cached outputs")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--update", action="store_true", help="rescore --parts only, in --out's rows")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--merge", type=Path, nargs="*", default=[], help="with --report: files to join")
    ns = ap.parse_args()
    global INSTALL
    INSTALL = not ns.no_install
    rows: list[dict[str, Any]] = []
    meta: dict[str, Any] = {"seed": SEED, "tolerance": TOLERANCE, "detection_tolerance": DETECTION_TOLERANCE}
    if ns.report:  # the saved rows' gaps are judged again by this file's rules, and saved
        saved: dict[str, Any] = json.loads(ns.out.read_text()) if ns.out.exists() else {"meta": meta}
        rows, meta = saved.get("rows", []), saved["meta"]
        parts = [json.loads(path.read_text()) for path in ns.merge]
        for part in parts:
            rows += part["rows"]
        if parts:
            meta = {**parts[0]["meta"], "merged": [str(p) for p in ns.merge]}
        for row in rows:
            row["gaps"] = gaps(row)
        if rows:
            save({"meta": meta, "rows": rows}, ns.out)
        print(table(rows))
        return
    if ns.update:  # the saved rows stay; the parts rescored here replace their own values in them
        saved = json.loads(ns.out.read_text())
        rows, meta = saved["rows"], saved["meta"]
        meta.setdefault("updates", []).append({"parts": ns.parts, "time": time.strftime("%Y-%m-%d %H:%M")})
    for ds in ns.dataset or list(TARGETS):
        gens = [] if ns.rivals_only else ns.generator or list(GENERATORS)
        for gen, path in files(ds, gens, not ns.no_rivals):
            row = score(ds, gen, path, ns.parts)
            row["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
            old = next((r for r in rows if (r["set"], r["generator"]) == (ds, gen)), None)
            if ns.update and old is not None:
                old["synthwise"].update({k: v for k, v in row["synthwise"].items() if v is not None})
                old["reference"].update(row["reference"])
                old["skipped"] = {**old.get("skipped", {}), **row["skipped"]}
                row = old
            else:
                rows.append(row)
            row["gaps"] = gaps(row)
            print(table([row]), flush=True)
            save({"meta": meta, "rows": rows}, ns.out)  # after every file: a long run can be cut short
    print(f"written {ns.out}")


def save(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
