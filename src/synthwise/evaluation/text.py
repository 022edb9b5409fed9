"""Judging synthetic free text against real text: the functions behind the text metrics.

:func:`judge_texts` scores synthetic texts against real training texts (and, when given, a real
holdout, which is scored the same way as the reference a synthetic set should match):

* **embedding space** (MiniLM by default, potion as the bag-of-tokens second opinion): alpha-precision,
  beta-recall, authenticity (Alaa et al.), precision / recall / density / coverage (Naeem et al.), the
  Fréchet distance, a two-sample classifier AUC and a MAUVE-style divergence area (k-means histograms
  of both sets; mean and spread over seeds), all on our own code;
* **lexical**: length distance (KS on word counts), unigram and bigram Jensen-Shannon divergence,
  distinct-1 / distinct-2, self-BLEU, and perplexity under a word trigram fitted on the real holdout;
* **memorization / privacy**: exact copies, near copies (:mod:`synthwise.text.similarity`) against
  train and, for the holdout, the same rate (its floor), the worst offenders, and PII strings (e-mails,
  phone numbers, URLs, @handles, person names) found in train only that reappear;
* **utility**: a TF-IDF logistic regression trained on synthetic texts to predict a label column,
  tested on the real holdout (TSTR), beside the same model trained on real train (TRTR).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from synthwise.neighbours import knn
from synthwise.text.ngram import NgramModel
from synthwise.text.similarity import NearCopyIndex

K = 5


# -- embedding-space scores --------------------------------------------------------------------------
def three_d_scores(
    real: np.ndarray, syn: np.ndarray, *, k: int = K, n_alphas: int = 20, full: np.ndarray | None = None
) -> dict[str, float]:
    """Integrated alpha-precision, beta-recall and authenticity of ``syn`` against ``real`` (a sample
    of the same size); authenticity looks at every real text in ``full`` when given (a copy of any
    training text is then found)."""
    alphas = (np.arange(n_alphas) + 0.5) / n_alphas
    center = real.mean(axis=0)
    d_real = np.linalg.norm(real - center, axis=1)
    radii = np.quantile(d_real, alphas)
    d_syn = np.linalg.norm(syn - center, axis=1)
    p_curve = (d_syn[:, None] <= radii[None, :]).mean(axis=0)
    nnd, _ = knn(real, real, k, exclude_self=True)
    s_center = syn.mean(axis=0)
    d_s = np.linalg.norm(syn - s_center, axis=1)
    s_radii = np.quantile(d_s, alphas)
    r_dist, r_idx = knn(real, syn, 1)
    near = r_dist[:, 0] <= nnd[:, k - 1] + 1e-12
    r_curve = (near[:, None] & (d_s[r_idx[:, 0]][:, None] <= s_radii[None, :])).mean(axis=0)
    pool = real if full is None else full
    pool_nnd = nnd[:, 0] if full is None else knn(full, full, 1, exclude_self=True)[0][:, 0]
    s_dist, s_idx = knn(syn, pool, 1)
    authentic = ~(s_dist[:, 0] < pool_nnd[s_idx[:, 0]] - 1e-12) & (s_dist[:, 0] > 1e-9)
    return {
        "alpha_precision": float(np.clip(1 - 2 * np.mean(np.abs(p_curve - alphas)), 0, 1)),
        "beta_recall": float(np.clip(1 - 2 * np.mean(np.abs(r_curve - alphas)), 0, 1)),
        "authenticity": float(authentic.mean()),
    }


def prdc_scores(real: np.ndarray, syn: np.ndarray, *, k: int = K) -> dict[str, float]:
    r_rad = knn(real, real, k, exclude_self=True)[0][:, k - 1]
    s_rad = knn(syn, syn, k, exclude_self=True)[0][:, k - 1]
    d = np.sqrt(np.maximum(((syn**2).sum(1)[:, None] + (real**2).sum(1)[None, :] - 2 * syn @ real.T), 0))
    inside = d <= r_rad[None, :] + 1e-12  # (syn, real)
    return {
        "precision": float(inside.any(axis=1).mean()),
        "recall": float((d <= s_rad[:, None] + 1e-12).any(axis=0).mean()),
        "density": float(inside.sum(axis=1).mean() / k),
        "coverage": float((d.min(axis=0) <= r_rad + 1e-12).mean()),
    }


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to ``a`` and ``b`` (as FID, on text embeddings)."""
    from scipy import linalg

    mu = a.mean(0) - b.mean(0)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(ca @ cb)
    covmean = np.real(covmean)
    return float(max(mu @ mu + np.trace(ca + cb - 2 * covmean), 0.0))


def classifier_auc(real: np.ndarray, syn: np.ndarray, *, seed: int = 0) -> float:
    """Cross-validated ROC AUC of a logistic regression telling real from synthetic (0.5: the same)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    x = np.vstack([real, syn])
    y = np.r_[np.zeros(len(real)), np.ones(len(syn))]
    proba = cross_val_predict(LogisticRegression(max_iter=500, C=1.0), x, y, cv=5, method="predict_proba")[
        :, 1
    ]
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, proba))


def mauve(real: np.ndarray, syn: np.ndarray, *, seeds: Sequence[int] = (0, 1, 2)) -> tuple[float, float]:
    """A MAUVE-style score (Pillutla et al. 2021) from our own features: k-means on both sets, the two
    cluster histograms P and Q, the divergence frontier of their mixtures, its area. 1: same
    distribution. Returns (mean, standard deviation) over the k-means seeds."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    x = np.vstack([real, syn])
    n_clusters = max(2, min(50, len(x) // 20))
    values = []
    for seed in seeds:
        z = PCA(n_components=min(32, x.shape[1], len(x) - 1), random_state=seed).fit_transform(x)
        labels = KMeans(n_clusters, n_init=1, random_state=seed).fit_predict(z)
        p = np.bincount(labels[: len(real)], minlength=n_clusters) / len(real)
        q = np.bincount(labels[len(real) :], minlength=n_clusters) / len(syn)
        values.append(_frontier_area(p, q))
    return float(np.mean(values)), float(np.std(values))


def _kl(a: np.ndarray, b: np.ndarray) -> float:
    m = a > 0
    return float(np.sum(a[m] * np.log(a[m] / b[m])))


def _frontier_area(p: np.ndarray, q: np.ndarray, *, scale: float = 5.0) -> float:
    lams = np.linspace(1e-6, 1 - 1e-6, 25)
    xs, ys = [1.0], [0.0]
    for lam in lams:
        r = lam * p + (1 - lam) * q
        xs.append(math.exp(-scale * _kl(q, r)))
        ys.append(math.exp(-scale * _kl(p, r)))
    xs.append(0.0)
    ys.append(1.0)
    order = np.argsort(xs)
    return float(np.trapezoid(np.asarray(ys)[order], np.asarray(xs)[order]))


# -- lexical scores ----------------------------------------------------------------------------------
def _tokens(text: str) -> list[str]:
    return str(text).lower().split()


def _ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def js_divergence(a: Counter[Any], b: Counter[Any]) -> float:
    """Jensen-Shannon divergence (base 2, in [0, 1]) of two count tables."""
    keys = list(set(a) | set(b))
    p = np.array([a.get(k, 0) for k in keys], dtype=np.float64)
    q = np.array([b.get(k, 0) for k in keys], dtype=np.float64)
    if p.sum() == 0 or q.sum() == 0:
        return 1.0
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2
    return float((_kl(p, m) + _kl(q, m)) / (2 * math.log(2)))


def distinct_n(texts: Sequence[str], n: int) -> float:
    grams = [g for t in texts for g in _ngrams(_tokens(t), n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def _bleu(hyp: list[str], ref_max: list[Counter[tuple[str, ...]]], max_n: int = 4) -> float:
    if not hyp:
        return 0.0
    logs = 0.0
    for n in range(1, max_n + 1):
        grams = Counter(_ngrams(hyp, n))
        total = sum(grams.values())
        hit = sum(min(c, ref_max[n - 1].get(g, 0)) for g, c in grams.items())
        logs += math.log((hit + 1) / (total + 1))  # add-one smoothing (Lin and Och)
    return math.exp(logs / max_n)


def self_bleu(texts: Sequence[str], *, n_hyp: int = 200, seed: int = 0) -> float:
    """Mean BLEU-4 of ``n_hyp`` texts against the others (high: the texts repeat each other)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(texts))
    n_hyp = min(n_hyp, len(texts) // 2)
    hyp, refs = order[:n_hyp], order[n_hyp : n_hyp + 2000]
    if len(refs) == 0:
        return 0.0
    ref_max: list[Counter[tuple[str, ...]]] = [Counter() for _ in range(4)]
    for i in refs:
        tok = _tokens(texts[i])
        for n in range(1, 5):
            for g, c in Counter(_ngrams(tok, n)).items():
                if c > ref_max[n - 1][g]:
                    ref_max[n - 1][g] = c
    return float(np.mean([_bleu(_tokens(texts[i]), ref_max) for i in hyp]))


def lexical_scores(train: Sequence[str], syn: Sequence[str], judge: NgramModel | None) -> dict[str, float]:
    from scipy.stats import ks_2samp

    lr = np.array([len(_tokens(t)) for t in train])
    ls = np.array([len(_tokens(t)) for t in syn])
    uni_r = Counter(w for t in train for w in _tokens(t))
    uni_s = Counter(w for t in syn for w in _tokens(t))
    bi_r = Counter(g for t in train for g in _ngrams(_tokens(t), 2))
    bi_s = Counter(g for t in syn for g in _ngrams(_tokens(t), 2))
    out = {
        "length_ks": float(ks_2samp(lr, ls).statistic) if len(ls) and len(lr) else 1.0,
        "mean_words": float(ls.mean()) if len(ls) else 0.0,
        "unigram_js": js_divergence(uni_r, uni_s),
        "bigram_js": js_divergence(bi_r, bi_s),
        "distinct_1": distinct_n(syn, 1),
        "distinct_2": distinct_n(syn, 2),
        "self_bleu": self_bleu(list(syn)),
    }
    if judge is not None:
        out["perplexity"] = judge.perplexity(list(syn))
    return out


# -- memorization and privacy ------------------------------------------------------------------------
_HANDLE = re.compile(r"@\w{2,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]{2,}")
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{7,}\d")
_URL = re.compile(r"https?://\S+")
_NAME = re.compile(r"\b[A-Z][a-z'’-]+ [A-Z][a-z'’-]+\b")


def pii_strings(texts: Sequence[str]) -> set[str]:
    """E-mails, phone numbers, URLs, @handles and person names (known first or last name) in ``texts``."""
    from synthwise.pii.recognizers import is_person_name, is_phone

    found: set[str] = set()
    for t in texts:
        t = str(t)
        found.update(m.group() for m in _EMAIL.finditer(t))
        found.update(m.group() for m in _URL.finditer(t))
        found.update(m.group().lower() for m in _HANDLE.finditer(t) if "@" + m.group()[1:] not in found)
        found.update(m.group() for m in _PHONE.finditer(t) if is_phone(m.group()))
        found.update(m.group() for m in _NAME.finditer(t) if is_person_name(m.group()))
    return found


def pii_reappearing(
    train: Sequence[str], syn: Sequence[str], holdout: Sequence[str] | None
) -> dict[str, Any]:
    """PII strings seen only in train (not in the holdout, when given) that reappear in ``syn``."""
    private = pii_strings(train) - (pii_strings(holdout) if holdout is not None else set())
    syn_pii = pii_strings(syn)
    leaked = sorted(private & syn_pii)
    return {"pii_train_only": len(private), "pii_leaked": len(leaked), "pii_leaked_examples": leaked[:10]}


@dataclass
class NearCopyReport:
    exact_rate: float
    near_copy_rate: float
    offenders: list[dict[str, Any]] = field(default_factory=list)


def near_copy_report(index: NearCopyIndex, texts: Sequence[str], *, top: int = 10) -> NearCopyReport:
    res = index.query(texts)
    score = np.maximum.reduce([res.jaccard5, res.jaccard_bag, res.lcs_share, res.exact.astype(float)])
    worst = np.argsort(-score, kind="stable")[:top]
    offenders = [
        {
            "synthetic": str(texts[i])[:200],
            "real": index.texts[res.nearest[i]][:200] if res.nearest[i] >= 0 else "",
            "jaccard5": round(float(res.jaccard5[i]), 3),
            "jaccard_words": round(float(res.jaccard_bag[i]), 3),
            "lcs_share": round(float(res.lcs_share[i]), 3),
        }
        for i in worst
        if res.flagged[i]
    ]
    return NearCopyReport(float(res.exact.mean()), res.rate, offenders)


# -- utility -----------------------------------------------------------------------------------------
def tstr(
    syn_texts: Sequence[str], syn_labels: Sequence[Any], test_texts: Sequence[str], test_labels: Sequence[Any]
) -> float:
    """Macro ROC AUC (one-vs-rest) on the real test texts of a TF-IDF logistic regression fitted on
    ``syn_texts`` -> ``syn_labels``; NaN when a side has a single class."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    ys, yt = np.asarray([str(v) for v in syn_labels]), np.asarray([str(v) for v in test_labels])
    classes = np.unique(ys)
    if len(classes) < 2 or len(np.unique(yt)) < 2:
        return float("nan")
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=50_000, sublinear_tf=True)
    x = vec.fit_transform([str(t) for t in syn_texts])
    clf = LogisticRegression(max_iter=1000, C=4.0).fit(x, ys)
    proba = clf.predict_proba(vec.transform([str(t) for t in test_texts]))
    keep = np.isin(yt, classes)
    if len(np.unique(yt[keep])) < 2:
        return float("nan")
    if len(classes) == 2:
        return float(roc_auc_score(yt[keep] == classes[1], proba[keep, 1]))
    present = [c for c in classes if c in set(yt[keep])]
    cols = [list(classes).index(c) for c in present]
    aucs = [roc_auc_score(yt[keep] == c, proba[keep, j]) for c, j in zip(present, cols, strict=True)]
    return float(np.mean(aucs))


# -- everything at once ------------------------------------------------------------------------------
def judge_texts(
    train: Sequence[str],
    syn: Sequence[str],
    holdout: Sequence[str] | None = None,
    *,
    spaces: Sequence[str] = ("minilm",),
    max_texts: int = 2000,
    max_train: int = 5000,
    seed: int = 0,
    index: NearCopyIndex | None = None,
    judge: NgramModel | None = None,
    embeddings: dict[tuple[str, str], np.ndarray] | None = None,
) -> dict[str, Any]:
    """Every text score of ``syn`` against real ``train`` (see the module docstring). Keys are flat:
    ``minilm.coverage``, ``lexical.perplexity``, ``memorization.near_copy_rate`` ... ``embeddings``
    caches ``(space, "train")`` / ``(space, "holdout")`` arrays across calls."""
    from synthwise.evaluation.text_embed import embed_texts

    rng = np.random.default_rng(seed)
    train = [str(t) for t in train]
    syn = [str(t) for t in syn]
    m = min(max_texts, len(train), len(syn), *([len(holdout)] if holdout is not None else []))
    full_i = np.sort(rng.choice(len(train), min(max(max_train, m), len(train)), replace=False))
    pos = np.sort(rng.choice(len(full_i), m, replace=False))  # the paired real sample, inside full_i
    tr_i = full_i[pos]
    sy_i = np.sort(rng.choice(len(syn), m, replace=False))
    out: dict[str, Any] = {"n_compared": int(m)}
    cache = embeddings if embeddings is not None else {}
    for space in spaces:
        if (space, "train") not in cache:
            cache[(space, "train")] = embed_texts([train[i] for i in full_i], space)
        full = cache[(space, "train")]
        real = full[pos]
        emb = embed_texts([syn[i] for i in sy_i], space)
        scores = {**three_d_scores(real, emb, full=full), **prdc_scores(real, emb)}
        scores["frechet"] = frechet(real, emb)
        scores["classifier_auc"] = classifier_auc(real, emb, seed=seed)
        scores["mauve"], scores["mauve_std"] = mauve(real, emb)
        out.update({f"{space}.{k}": v for k, v in scores.items()})
    if judge is None and holdout is not None:
        judge = NgramModel.fit(list(holdout), order=3)
    out.update({f"lexical.{k}": v for k, v in lexical_scores(train, syn, judge).items()})
    if judge is not None:  # real text the judge never saw: what a faithful generator's perplexity is
        ref = cache.get(("perplexity", "train"))
        if ref is None:
            ref = np.array([judge.perplexity([train[i] for i in tr_i])])
            cache[("perplexity", "train")] = ref
        out["lexical.perplexity_real"] = float(ref[0])
        out["lexical.perplexity_gap"] = abs(math.log(out["lexical.perplexity"] / float(ref[0])))
    index = index if index is not None else NearCopyIndex(train)
    report = near_copy_report(index, syn)
    out["memorization.exact_copy_rate"] = report.exact_rate
    out["memorization.near_copy_rate"] = report.near_copy_rate
    out["memorization.offenders"] = report.offenders
    pii = pii_reappearing(train, syn, holdout)
    out.update({f"privacy.{k}": v for k, v in pii.items()})
    return out
