"""The text metrics: every ``text`` column judged as text (``synthwise evaluate`` picks them up).

Each metric averages over the table's text columns and skips a table without one. The real side is
the train's texts (at most ``TEXT_ROWS``, in the evaluation's canonical order); the default space is
MiniLM, potion is the bag-of-tokens second opinion (``text_potion_*``). Embeddings of the real texts
are computed once per evaluation. See :mod:`synthwise.evaluation.text` for the definitions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthwise.evaluation.context import Context
from synthwise.evaluation.registry import Score, Skip, metric
from synthwise.evaluation.text import (
    classifier_auc,
    distinct_n,
    frechet,
    js_divergence,
    mauve,
    near_copy_report,
    pii_reappearing,
    prdc_scores,
    self_bleu,
    three_d_scores,
    tstr,
)
from synthwise.neighbours import knn

TEXT_ROWS = 2000


def _columns(ctx: Context) -> list[str]:
    cols = [c.name for c in ctx.schema.of_kind("text") if c.name in ctx.synthetic.frame.columns]
    if not cols:
        raise Skip("no text column")
    return cols


def _texts(frame: Any, col: str, limit: int) -> list[str]:
    s = frame[col].dropna().astype(str)
    return s.iloc[:limit].tolist()


def _limit(ctx: Context) -> int:
    return min(TEXT_ROWS, ctx.settings.max_rows or TEXT_ROWS)


def _real(ctx: Context, col: str) -> list[str]:
    return ctx.real.memo(f"text:{col}", lambda: _texts(ctx.real.train.frame, col, _limit(ctx)))


def _syn(ctx: Context, col: str) -> list[str]:
    texts = _texts(ctx.synthetic.frame, col, _limit(ctx))
    if len(texts) < 10 or len(_real(ctx, col)) < 10:
        raise Skip(f"text column {col!r} needs at least 10 texts on each side")
    return texts


def _embedded(ctx: Context, col: str, space: str) -> tuple[np.ndarray, np.ndarray]:
    from synthwise.errors import MissingDependencyError
    from synthwise.evaluation.text_embed import embed_texts

    try:
        real = ctx.real.memo(f"text_emb:{space}:{col}", lambda: embed_texts(_real(ctx, col), space))
        syn = ctx.memo(f"text_emb:{space}:{col}", lambda: embed_texts(_syn(ctx, col), space))
    except MissingDependencyError as exc:
        raise Skip(str(exc).splitlines()[0]) from exc
    return real, syn


def _space_scores(ctx: Context, space: str) -> dict[str, float]:
    def compute() -> dict[str, float]:
        per: list[dict[str, float]] = []
        for col in _columns(ctx):
            real, syn = _embedded(ctx, col, space)
            m = min(len(real), len(syn))
            k = min(5, m - 1)
            s = {**three_d_scores(real[:m], syn[:m], k=k, full=real), **prdc_scores(real[:m], syn[:m], k=k)}
            s["frechet"] = frechet(real[:m], syn[:m])
            s["classifier_auc"] = classifier_auc(real[:m], syn[:m])
            s["mauve"], s["mauve_std"] = mauve(real[:m], syn[:m])
            per.append(s)
        return {k: float(np.mean([p[k] for p in per])) for k in per[0]}

    return ctx.memo(f"text_space:{space}", compute)


def _per_column(ctx: Context, key: str, fn: Any) -> float:
    return ctx.memo(f"text_col:{key}", lambda: float(np.mean([fn(col) for col in _columns(ctx)])))


# -- fidelity ----------------------------------------------------------------------------------------
@metric("text_frechet", "fidelity", "minimize", (0.0, math.inf))
def text_frechet(ctx: Context) -> Score:
    """Fréchet distance between real and synthetic texts in MiniLM space (FID for text). Ideal 0."""
    return Score(_space_scores(ctx, "minilm")["frechet"], details={"space": "minilm"})


@metric("text_alpha_precision", "fidelity", "maximize", (0.0, 1.0))
def text_alpha_precision(ctx: Context) -> Score:
    """Integrated alpha-precision of the texts in MiniLM space. Ideal 1."""
    return Score(_space_scores(ctx, "minilm")["alpha_precision"])


@metric("text_classifier_auc", "fidelity", "target", (0.0, 1.0), ideal=0.5)
def text_classifier_auc(ctx: Context) -> Score:
    """ROC AUC of a classifier telling real from synthetic texts in MiniLM space. Ideal 0.5."""
    return Score(_space_scores(ctx, "minilm")["classifier_auc"])


@metric("text_mauve", "fidelity", "maximize", (0.0, 1.0))
def text_mauve(ctx: Context) -> Score:
    """MAUVE-style area of the divergence frontier of k-means histograms (MiniLM); spread over seeds
    in the details. Ideal 1."""
    s = _space_scores(ctx, "minilm")
    return Score(s["mauve"], details={"std_over_seeds": round(s["mauve_std"], 4)})


@metric("text_potion_frechet", "fidelity", "minimize", (0.0, math.inf))
def text_potion_frechet(ctx: Context) -> Score:
    """Fréchet distance in potion-base-8M space (bag of tokens: blind to word order). Ideal 0."""
    return Score(_space_scores(ctx, "potion")["frechet"], details={"space": "potion"})


@metric("text_potion_classifier_auc", "fidelity", "target", (0.0, 1.0), ideal=0.5)
def text_potion_classifier_auc(ctx: Context) -> Score:
    """Real-vs-synthetic classifier AUC in potion space (blind to word order). Ideal 0.5."""
    return Score(_space_scores(ctx, "potion")["classifier_auc"])


@metric("text_length_ks", "fidelity", "minimize", (0.0, 1.0))
def text_length_ks(ctx: Context) -> Score:
    """Kolmogorov-Smirnov distance between the word counts of real and synthetic texts. Ideal 0."""
    from scipy.stats import ks_2samp

    def one(col: str) -> float:
        a = [len(t.split()) for t in _real(ctx, col)]
        b = [len(t.split()) for t in _syn(ctx, col)]
        return float(ks_2samp(a, b).statistic)

    return Score(_per_column(ctx, "length_ks", one))


def _grams(texts: list[str], n: int) -> Any:
    from collections import Counter

    out: Counter[tuple[str, ...]] = Counter()
    for t in texts:
        w = t.lower().split()
        out.update(tuple(w[i : i + n]) for i in range(len(w) - n + 1))
    return out


@metric("text_unigram_js", "fidelity", "minimize", (0.0, 1.0))
def text_unigram_js(ctx: Context) -> Score:
    """Jensen-Shannon divergence of the word frequencies (vocabulary divergence). Ideal 0."""
    return Score(
        _per_column(
            ctx, "unigram", lambda c: js_divergence(_grams(_real(ctx, c), 1), _grams(_syn(ctx, c), 1))
        )
    )


@metric("text_bigram_js", "fidelity", "minimize", (0.0, 1.0))
def text_bigram_js(ctx: Context) -> Score:
    """Jensen-Shannon divergence of the word-bigram frequencies. Ideal 0."""
    return Score(
        _per_column(ctx, "bigram", lambda c: js_divergence(_grams(_real(ctx, c), 2), _grams(_syn(ctx, c), 2)))
    )


@metric("text_perplexity_gap", "fidelity", "minimize", (0.0, math.inf))
def text_perplexity_gap(ctx: Context) -> Score:
    """|log(perplexity of synthetic / perplexity of unseen real text)| under a word trigram fitted on
    80% of the real texts (the other 20% give the real perplexity). Too high: garbled or reshuffled
    words; too low: copied or truncated text. Ideal 0."""
    from synthwise.text.ngram import NgramModel

    details: dict[str, float] = {}

    def one(col: str) -> float:
        def fit() -> tuple[NgramModel, float]:
            real = _real(ctx, col)
            cut = int(len(real) * 0.8)
            model = NgramModel.fit(real[:cut], order=3)
            return model, model.perplexity(real[cut:])

        model, ref = ctx.real.memo(f"text_ngram:{col}", fit)
        ppl = model.perplexity(_syn(ctx, col))
        details.update({f"{col}.perplexity": round(ppl, 2), f"{col}.real_perplexity": round(ref, 2)})
        return abs(math.log(ppl / ref))

    value = _per_column(ctx, "ppl", one)
    return Score(value, details=details)


# -- diversity ---------------------------------------------------------------------------------------
@metric("text_beta_recall", "diversity", "maximize", (0.0, 1.0))
def text_beta_recall(ctx: Context) -> Score:
    """Integrated beta-recall of the texts in MiniLM space. Ideal 1."""
    return Score(_space_scores(ctx, "minilm")["beta_recall"])


@metric("text_coverage", "diversity", "maximize", (0.0, 1.0))
def text_coverage(ctx: Context) -> Score:
    """Share of real texts whose k-NN ball (MiniLM) holds a synthetic text. Ideal 1."""
    return Score(_space_scores(ctx, "minilm")["coverage"])


@metric("text_distinct_2", "diversity", "maximize", (0.0, 1.0))
def text_distinct_2(ctx: Context) -> Score:
    """Distinct word bigrams / all word bigrams of the synthetic texts; the real value in the details.
    Ideal: the real texts' own value (1 at most; collapse scores low)."""
    real = _per_column(ctx, "d2_real", lambda c: distinct_n(_real(ctx, c)[: len(_syn(ctx, c))], 2))
    return Score(_per_column(ctx, "d2", lambda c: distinct_n(_syn(ctx, c), 2)), details={"real": real})


@metric("text_self_bleu", "diversity", "minimize", (0.0, 1.0))
def text_self_bleu(ctx: Context) -> Score:
    """Mean BLEU-4 of synthetic texts against the other synthetic texts (high: they repeat each other).
    Ideal: the real texts' own value (0 at least)."""
    real = _per_column(ctx, "sb_real", lambda c: self_bleu(_real(ctx, c)[: len(_syn(ctx, c))]))
    return Score(_per_column(ctx, "sb", lambda c: self_bleu(_syn(ctx, c))), details={"real": real})


# -- memorization and privacy ------------------------------------------------------------------------
@metric("text_authenticity", "memorization", "maximize", (0.0, 1.0))
def text_authenticity(ctx: Context) -> Score:
    """Ideal 1 (a fresh real sample scores about the holdout's value). Share of synthetic texts not
    closer to a real text than that text's own nearest real neighbour
    (MiniLM). A copy scores 0."""
    return Score(_space_scores(ctx, "minilm")["authenticity"])


def _near_index(ctx: Context, col: str) -> Any:
    from synthwise.text.similarity import NearCopyIndex

    return ctx.real.memo(f"text_index:{col}", lambda: NearCopyIndex(_real(ctx, col)))


def _near(ctx: Context) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        rates, exact, offenders = [], [], []
        for col in _columns(ctx):
            index = _near_index(ctx, col)
            rep = near_copy_report(index, _syn(ctx, col))
            rates.append(rep.near_copy_rate)
            exact.append(rep.exact_rate)
            offenders += [{"column": col, **o} for o in rep.offenders]
        return {"rate": float(np.mean(rates)), "exact": float(np.mean(exact)), "offenders": offenders[:10]}

    return ctx.memo("text_near", compute)


@metric("text_near_copy_rate", "memorization", "minimize", (0.0, 1.0))
def text_near_copy_rate(ctx: Context) -> Score:
    """Share of synthetic texts that nearly copy a real text: word 5-gram Jaccard >= 0.5, the same
    words reshuffled (word-set Jaccard >= 0.8) or a common substring covering 80%. Ideal 0 (compare
    with the holdout's own rate)."""
    near = _near(ctx)
    return Score(near["rate"], details={"offenders": near["offenders"]})


@metric("text_exact_copy_rate", "memorization", "minimize", (0.0, 1.0))
def text_exact_copy_rate(ctx: Context) -> Score:
    """Share of synthetic texts identical to a real training text. Ideal 0."""
    return Score(_near(ctx)["exact"])


@metric("text_pii_reappearing", "privacy", "minimize", (0.0, 1.0), needs=("holdout",))
def text_pii_reappearing(ctx: Context) -> Score:
    """Share of the PII strings (e-mails, phones, URLs, @handles, names) found only in the train texts
    (not in the holdout's) that reappear in synthetic texts. Ideal 0."""
    hold = ctx.require_holdout()
    details: dict[str, Any] = {}

    def one(col: str) -> float:
        r = pii_reappearing(_real(ctx, col), _syn(ctx, col), _texts(hold.frame, col, _limit(ctx)))
        details[col] = {k: r[k] for k in ("pii_train_only", "pii_leaked", "pii_leaked_examples")}
        return r["pii_leaked"] / max(r["pii_train_only"], 1)

    return Score(_per_column(ctx, "pii", one), details=details)


# -- utility -----------------------------------------------------------------------------------------
@metric("text_tstr_auc", "utility", "maximize", (0.0, 1.0), needs=("holdout", "target"))
def text_tstr_auc(ctx: Context) -> Score:
    """Ideal: the real-trained classifier's AUC (1 at most). ROC AUC on the real holdout of a TF-IDF
    classifier trained on synthetic texts to predict the
    target (TSTR); the reference is the same classifier trained on the real train (TRTR)."""
    target = ctx.real.target
    hold = ctx.require_holdout()
    if target is None or ctx.schema[target].kind not in ("categorical", "boolean"):
        raise Skip("needs a categorical target")

    def one(col: str) -> tuple[float, float]:
        def pairs(frame: Any) -> tuple[list[str], list[str]]:
            f = frame[[col, target]].dropna().iloc[: _limit(ctx)]
            return f[col].astype(str).tolist(), f[target].astype(str).tolist()

        st, sl = pairs(ctx.synthetic.frame)
        ht, hl = pairs(hold.frame)
        rt, rl = pairs(ctx.real.train.frame)
        return tstr(st, sl, ht, hl), ctx.real.memo(f"text_trtr:{col}", lambda: tstr(rt, rl, ht, hl))

    pairs_ = [one(c) for c in _columns(ctx)]
    value = float(np.mean([p[0] for p in pairs_]))
    ref = float(np.mean([p[1] for p in pairs_]))
    if not math.isfinite(value):
        raise Skip("the synthetic texts carry a single target class")
    return Score(value, details={"trtr": ref}, reference=ref if math.isfinite(ref) else None)


# -- what the report draws ---------------------------------------------------------------------------
def text_plot(ctx: Context, *, n_samples: int = 8) -> dict[str, Any]:
    """Per text column: word-count histograms, the most frequent word bigrams (real vs synthetic shares),
    synthetic samples beside their nearest real texts (MiniLM when embedded, else word overlap), the
    worst near copies and the 3D scores, for whatever the text metrics computed."""
    out: dict[str, Any] = {}
    try:
        cols = _columns(ctx)
    except Skip:
        return out
    for col in cols:
        try:
            real, syn = _real(ctx, col), _syn(ctx, col)
        except Skip:
            continue
        lr = np.array([len(t.split()) for t in real])
        ls = np.array([len(t.split()) for t in syn])
        top = float(max(np.quantile(lr, 0.99), 1.0))
        edges = np.linspace(0.0, top, 21)
        hr = np.histogram(np.minimum(lr, top), edges, density=True)[0]
        hs = np.histogram(np.minimum(ls, top), edges, density=True)[0]
        gr, gs = _grams(real, 2), _grams(syn, 2)
        nr, ns = max(sum(gr.values()), 1), max(sum(gs.values()), 1)
        common = [g for g, _ in gr.most_common(15)]
        key = f"text_emb:minilm:{col}"
        if key in ctx.cache and key in ctx.real.cache:
            nearest = knn(ctx.cache[key][:n_samples], ctx.real.cache[key], 1)[1][:, 0]
            how = "MiniLM"
        else:
            nearest = _near_index(ctx, col).query(syn[:n_samples]).nearest
            how = "word overlap"
        entry: dict[str, Any] = {
            "length": {"edges": edges.round(3).tolist(), "real": hr.tolist(), "synthetic": hs.tolist()},
            "bigrams": {
                "labels": [" ".join(g) for g in common],
                "real": [gr[g] / nr for g in common],
                "synthetic": [gs.get(g, 0) / ns for g in common],
            },
            "samples": [
                {"synthetic": syn[i][:300], "nearest_real": real[j][:300] if j >= 0 else ""}
                for i, j in enumerate(nearest)
            ],
            "nearest_by": how,
        }
        if "text_near" in ctx.cache:
            entry["near_copies"] = [o for o in ctx.cache["text_near"]["offenders"] if o["column"] == col]
        out[col] = entry
    if "text_space:minilm" in ctx.cache and out:
        s = ctx.cache["text_space:minilm"]
        out["_three_d"] = {k: s[k] for k in ("alpha_precision", "beta_recall", "authenticity")}
    return out
