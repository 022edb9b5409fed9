"""One text column's model: fit on its texts (and the rows they sit in), sample given generated rows.

Kinds: ``ngram`` (smoothed word n-gram: the baseline; inside a table mixed with the n-gram of the texts
sharing the row's values of one or two context columns, when held-out texts say that helps:
:mod:`synthwise.text.row_ngram`), ``lstm`` and ``transformer`` (byte-level BPE learned at fit time,
trained from scratch, conditioned on the row's context tokens, with the near-copy guard during
training, writing only words of their training texts: :mod:`synthwise.text.lexicon`). With
``epsilon``, ``ngram`` releases its counts as thresholded noisy histograms (:mod:`synthwise.text.dp_ngram`)
and ``lstm`` trains under DP-SGD: bytes as tokens, unconditional, no lexicon, every text read only
through clipped, noised gradients. State is JSON plus arrays: the tokenizer is its JSON string, the
network its state dict as arrays; never a pickle.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import InvalidParameterError
from synthwise.schema import Schema
from synthwise.text.context import RowContext
from synthwise.text.ngram import NgramModel
from synthwise.text.row_ngram import RowNgram
from synthwise.text.similarity import NearCopyIndex

KINDS = ("ngram", "lstm", "transformer")
NEURAL_DEFAULTS: dict[str, dict[str, Any]] = {
    # max_len: tokens (bytes under DP); the cost of both grows about linearly with it (the transformer
    # samples through a key / value cache). 128 cut 37 % of the reviews benchmark's texts: coverage at 128
    # against 256, LSTM 0.846 / 0.908, transformer 0.844 / 0.866 (benchmarks/results/text.json)
    "lstm": {"dim": 128, "hidden": 256, "layers": 1, "lr": 3e-3, "max_len": 256},
    "transformer": {"dim": 128, "hidden": 256, "layers": 2, "heads": 4, "lr": 2e-3, "max_len": 256},
}
COMMON_DEFAULTS: dict[str, Any] = {
    "vocab_size": 1000,
    "max_len": 128,
    "epochs": 30,
    "batch_size": 64,
    "max_time_s": 300.0,
    "temperature": 1.0,
    "top_p": 0.95,
    "patience": 3,
    "verbose": True,
    "guard": True,
    "dropout": 0.1,
    "lexicon": True,  # lstm / transformer: write only words of the training texts (never with epsilon)
    "order": None,  # ngram: 3, or 2 with epsilon (fewer releases share the budget; measured better)
    "epsilon": None,  # differential privacy: the text model's (epsilon, delta); lstm and ngram only
    "delta": None,
    "max_ngrams": None,  # private ngram: the n-grams one text may add to each order (None: median, privately)
}
DP_DELTA = 1e-6  # delta when epsilon is given without one


def resolve_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    if kind not in KINDS:
        raise InvalidParameterError(f"Unknown text model {kind!r}. Fix: use one of {', '.join(KINDS)}.")
    out = {**COMMON_DEFAULTS, **NEURAL_DEFAULTS.get(kind, {})}
    unknown = sorted(set(params) - set(out))
    if unknown:
        raise InvalidParameterError(
            f"Unknown text model parameters {unknown}. Fix: use some of {', '.join(sorted(out))}."
        )
    out.update(params)
    if out["order"] is None:
        out["order"] = 3 if out["epsilon"] is None else 2
    if not isinstance(out["lexicon"], bool):
        raise InvalidParameterError.expected("lexicon", "the text model", "true or false", out["lexicon"])
    for name in ("order", "max_ngrams"):
        value = out[name]
        if name == "max_ngrams" and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise InvalidParameterError.expected(name, "the text model", "an integer >= 1", value)
    eps = out["epsilon"]
    if eps is not None:
        if kind not in ("lstm", "ngram"):
            raise InvalidParameterError(
                f"The {kind} text model has no differentially private training: opacus' per-row gradients "
                "do not cover causal self-attention. Fix: use text_ngram or text_lstm with epsilon, or "
                "drop epsilon."
            )
        if isinstance(eps, bool) or not isinstance(eps, int | float) or not 0 < eps < float("inf"):
            raise InvalidParameterError.expected("epsilon", "the text model", "a number > 0", eps)
        delta = out["delta"]
        if delta is not None and (
            isinstance(delta, bool) or not isinstance(delta, int | float) or not 0 < delta < 1
        ):
            raise InvalidParameterError.expected("delta", "the text model", "a number in (0, 1)", delta)
    return out


class NearCopyGuard:
    """The memorization guard of the learned text models: texts sampled at a checkpoint may nearly copy
    training texts no more often than real held-out texts do (their rate, plus one binomial standard
    error of a ``k``-text sample and one text). The holdout's rate is measured on the held-out texts and
    on up to ``left_out`` training texts, each against the other training texts. With a holdout rate of
    1.4 % the bar is 2.4 % at the default ``k``. It was two standard errors of 100 texts (4.7 %): the
    LSTM on the tweets table copied 3.4 %; then of 300 (3.1 %): it kept a checkpoint whose guard sample
    copied 3.0 %, over-typical text (perplexity under the holdout's n-gram 968 against real text's 1,168).

    Sequential: a checkpoint whose first ``first`` texts copy nothing passes at once (a model copying
    at the bar rate does that with probability ``(1 - 0.024)^100``, 9 %; at twice the bar, 1 %);
    otherwise ``k - first`` more are drawn and the ``k`` judged. Sampling long texts is most of the
    guard's cost, and a model that copies nothing then pays for ``first`` texts, not ``k``."""

    def __init__(
        self, train: list[str], holdout: list[str], *, k: int = 300, first: int = 100, left_out: int = 2000
    ) -> None:
        self.index = NearCopyIndex(train)
        # the holdout's rate, from the held-out texts and up to ``left_out`` training texts each measured
        # against the others: 500 held-out tweets read 0.0 on one split and 1.5 % on another, and a bar
        # on 0.0 stopped a transformer after 80 s over 3 near copies in 300 texts
        pick = np.unique(np.linspace(0, len(train) - 1, min(left_out, len(train))).astype(np.int64))
        held = self.index.query(holdout).flagged if holdout else np.zeros(0, dtype=bool)
        loo = (
            self.index.query([train[i] for i in pick], own=pick.tolist()).flagged
            if len(train) > 1
            else held[:0]
        )
        both = np.concatenate([held, loo])
        self.baseline = float(both.mean()) if both.size else 0.0
        self.k = k
        self.first = min(first, k)
        self.tolerance = np.sqrt(max(self.baseline, 1.0 / k) * (1 - self.baseline) / k) + 1.0 / k

    def __call__(self, draw: Callable[[int], list[str]]) -> tuple[float, bool]:
        """``draw(n)``: ``n`` texts sampled from the model. Returns the near-copy rate and the verdict."""
        texts = draw(self.first)
        rate = self.index.query(texts).rate
        if rate == 0.0:
            return rate, True
        texts = texts + draw(self.k - self.first)
        rate = self.index.query(texts).rate
        return rate, rate <= self.baseline + self.tolerance


@dataclass
class TextColumnModel:
    kind: str
    params: dict[str, Any]
    context: RowContext
    ngram: NgramModel | None = None
    row_ngram: RowNgram | None = None  # ngram: its conditioning on one or two context columns of the row
    tokenizer: Any = None  # BPE
    net: Any = None  # lm.TextNet
    lexicon: Any = None  # lexicon.Lexicon: the words a learned model may write
    training: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        texts: pd.Series,
        rows: pd.DataFrame,
        schema: Schema,
        kind: str,
        params: dict[str, Any],
        rng: np.random.Generator,
        *,
        label: str = "text",
        ledger: Any = None,
        budget_share: float = 1.0,
    ) -> TextColumnModel:
        """Learn the non-missing ``texts``; ``rows`` (same index) hold the other columns to condition on.

        With ``epsilon`` in ``params`` the model learns under differential privacy, spending
        ``budget_share`` of the ``ledger`` (a :class:`~synthwise.privacy.ledger.BudgetLedger`): see
        :meth:`_fit_private`."""
        p = resolve_params(kind, params)
        keep = texts.notna().to_numpy()
        values = [str(t) for t in texts[keep]]
        if p["epsilon"] is not None:
            if ledger is None:
                raise InvalidParameterError("A private text model needs the generator's budget ledger.")
            model = cls(kind, p, RowContext(()))
            model._fit_private(values, rng, label, ledger, budget_share)
            return model
        ngram = kind == "ngram" or not values
        if ngram and (rows.shape[1] == 0 or not values):
            return cls("ngram", p, RowContext(()), ngram=NgramModel.fit(values, order=int(p["order"])))
        context = RowContext.fit(rows[keep], schema)
        ctx = context.tokens(rows[keep].reset_index(drop=True), schema)
        if ngram:
            base = NgramModel.fit(values, order=int(p["order"]))
            row = RowNgram.choose(base, values, ctx, np.random.default_rng(rng.integers(2**63)))
            if row is None:  # no column helps: unconditional, and no context kept
                return cls("ngram", p, RowContext(()), ngram=base)
            training = {
                "conditioned_on": [context.columns[c].name for c in row.columns],
                "weight": row.weight,
                "heldout_gain_nats_per_word": row.gain,
            }
            return cls("ngram", p, context, ngram=base, row_ngram=row, training=training)
        model = cls(kind, p, context)
        model._fit_neural(values, ctx, rng, label)
        return model

    def _fit_neural(self, values: list[str], ctx: np.ndarray, rng: np.random.Generator, label: str) -> None:
        from synthwise.text import lm
        from synthwise.text.tokenizer import BPE

        p = self.params
        started = time.perf_counter()
        order = rng.permutation(len(values))
        n_val = min(500, max(20, len(values) // 20)) if len(values) >= 100 else 0
        val_i, train_i = order[:n_val], order[n_val:]
        train_texts = [values[i] for i in train_i]
        self.tokenizer = BPE.fit(train_texts, vocab_size=int(p["vocab_size"]))
        if p["lexicon"]:
            from synthwise.text.lexicon import Lexicon

            self.lexicon = Lexicon.fit(values, self.tokenizer.token_strings())
        seqs = self.tokenizer.encode_batch(values)
        cfg = lm.NetConfig(
            arch=self.kind,
            vocab=self.tokenizer.vocab_size,
            ctx_sizes=tuple(self.context.sizes),
            dim=int(p["dim"]),
            hidden=int(p["hidden"]),
            layers=int(p["layers"]),
            heads=int(p.get("heads", 4)),
            max_len=min(int(p["max_len"]), int(np.quantile([len(q) for q in seqs], 0.99)) + 2),
            dropout=float(p["dropout"]),
            ctx_each_step=self.kind == "lstm",
        )
        lm.torch.manual_seed(int(rng.integers(2**31)))  # the initial weights follow the seed
        self.net = lm.TextNet(cfg)
        val = ([seqs[i] for i in val_i], ctx[val_i])
        guard = None
        history: list[dict[str, float]] = []
        if p["guard"] and n_val >= 20:
            check = NearCopyGuard(train_texts, [values[i] for i in val_i])
            guard_rng = np.random.default_rng(rng.integers(2**63))
            vctx = ctx[val_i]

            def draw(n: int) -> list[str]:
                pick = vctx[guard_rng.integers(0, len(vctx), size=n)]
                toks = lm.sample_tokens(  # drawn as generate() draws them: what a user would get
                    self.net,
                    pick,
                    guard_rng,
                    temperature=float(p["temperature"]),
                    top_p=float(p["top_p"]),
                    lexicon=self.lexicon,
                )
                return [self.tokenizer.decode(t) for t in toks]

            def guard() -> tuple[float, bool]:
                rate, ok = check(draw)
                history.append({"near_copy_rate": round(rate, 4), "holdout_rate": round(check.baseline, 4)})
                return rate, ok

        fit_cfg = _fit_config(p, f"{self.kind} on {label}")
        result = lm.fit_net(self.net, [seqs[i] for i in train_i], ctx[train_i], val, guard, fit_cfg, rng)
        self.training = {
            "epochs": result.epochs,
            "stopped_by": result.stopped_by,
            "best_epoch": result.best_epoch,
            "seconds": round(time.perf_counter() - started, 2),
            "val_loss": [c["score"] for c in result.checks],
            "guard": history,
        }

    def _fit_private(
        self, values: list[str], rng: np.random.Generator, label: str, ledger: Any, share: float
    ) -> None:
        """``ngram``: noisy thresholded counts (:func:`~synthwise.text.dp_ngram.fit_private_ngram`).
        ``lstm``: DP-SGD on every text (:func:`~synthwise.text.lm.fit_private_net`). Nothing else reads
        the texts: the tokenizer is the 256 bytes (a BPE learned from nothing), ``max_len`` (bytes) is the
        parameter, not a quantile of the texts, and the model is unconditional (context tokens are
        quantiles and frequent values of the private rows)."""
        p = self.params
        if self.kind == "ngram":
            from synthwise.text.dp_ngram import fit_private_ngram

            self.ngram, self.training = fit_private_ngram(
                values,
                order=int(p["order"]),
                max_ngrams=None if p["max_ngrams"] is None else int(p["max_ngrams"]),
                ledger=ledger,
                share=share,
                rng=rng,
                label=label,
            )
            return
        from synthwise.privacy.dp_sgd import quiet_opacus
        from synthwise.text import lm
        from synthwise.text.tokenizer import BPE

        self.tokenizer = BPE.fit([], vocab_size=0)
        cfg = lm.NetConfig(
            arch="lstm",
            vocab=self.tokenizer.vocab_size,
            ctx_sizes=(),
            dim=int(p["dim"]),
            hidden=int(p["hidden"]),
            layers=int(p["layers"]),
            max_len=int(p["max_len"]),
            dropout=float(p["dropout"]),
        )
        fit_cfg = _fit_config(p, f"private lstm on {label}")
        eps = float(p["epsilon"]) * share
        delta = float(p["delta"] if p["delta"] is not None else DP_DELTA) * share
        seqs = self.tokenizer.encode_batch(values)
        with quiet_opacus():
            self.net, self.training = lm.fit_private_net(cfg, seqs, ledger, eps, delta, fit_cfg, rng)

    def sample(self, rows: pd.DataFrame, schema: Schema, rng: np.random.Generator) -> list[str]:
        """One text per row of ``rows`` (generated rows: the context)."""
        n = len(rows)
        max_words = int(self.params["max_len"]) * 2
        if self.ngram is not None and self.row_ngram is None:
            return self.ngram.sample(n, rng, max_words=max_words)
        ctx = self.context.tokens(rows.reset_index(drop=True), schema)
        if self.ngram is not None and self.row_ngram is not None:
            return self.row_ngram.sample(self.ngram, ctx, rng, max_words=max_words)
        from synthwise.text import lm

        toks = lm.sample_tokens(
            self.net,
            ctx,
            rng,
            temperature=float(self.params["temperature"]),
            top_p=float(self.params["top_p"]),
            lexicon=self.lexicon,
        )
        texts = [self.tokenizer.decode(t) for t in toks]
        if self.lexicon is None:
            return texts
        cut = self.net.cfg.max_len  # a text this long stopped at the limit, maybe inside a word
        return [self.lexicon.finish(x) if len(t) >= cut else x for x, t in zip(texts, toks, strict=True)]

    def describe(self) -> str:
        """One line on what this text model learned (printed by the CLI after a fit)."""
        t = self.training
        if self.params.get("epsilon") is not None:
            return f"{self.kind}, differentially private (epsilon {float(self.params['epsilon']):g})"
        if self.ngram is not None:
            head = f"word {self.ngram.order}-gram of {len(self.ngram.vocab) - 2:,} words"
            if self.row_ngram is None:
                return f"{head}, unconditional (no other column of the row predicts held-out texts)"
            return (
                f"{head}, conditioned on {' x '.join(t['conditioned_on'])} (mixture weight "
                f"{self.row_ngram.weight:g}; held-out gain {self.row_ngram.gain:.3f} nats per word)"
            )
        words = f"; writes only its {len(self.lexicon.words):,} training words" if self.lexicon else ""
        return (
            f"{self.kind} conditioned on {len(self.context.columns)} column(s) of the row: {t.get('epochs')} "
            f"epochs in {t.get('seconds')} s, stopped by {t.get('stopped_by')}{words}"
        )

    # -- state ----------------------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta: dict[str, Any] = {
            "kind": self.kind,
            "params": self.params,
            "context": self.context.to_dict(),
            "training": self.training,
        }
        if self.ngram is not None:
            meta["ngram"], arrays = self.ngram.state()
            if self.row_ngram is not None:
                meta["row_ngram"], more = self.row_ngram.state()
                arrays.update(more)
            return meta, arrays
        from synthwise.deep.weights import module_arrays

        meta["tokenizer"] = self.tokenizer.to_json()
        meta["net"] = {
            k: getattr(self.net.cfg, k)
            for k in (
                "arch",
                "vocab",
                "dim",
                "hidden",
                "layers",
                "heads",
                "max_len",
                "dropout",
                "ctx_each_step",
            )
        }
        meta["net"]["ctx_sizes"] = list(self.net.cfg.ctx_sizes)
        if self.lexicon is not None:
            meta["lexicon"] = self.lexicon.to_list()
        return meta, module_arrays(self.net, "net.")

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> TextColumnModel:
        model = cls(str(meta["kind"]), dict(meta["params"]), RowContext.from_dict(meta["context"]))
        model.training = dict(meta.get("training", {}))
        if "ngram" in meta:
            model.ngram = NgramModel.from_state(meta["ngram"], arrays)
            if "row_ngram" in meta:
                model.row_ngram = RowNgram.from_state(meta["row_ngram"], arrays, model.ngram)
            return model
        from synthwise.deep.weights import load_module_arrays
        from synthwise.text import lm
        from synthwise.text.tokenizer import BPE

        model.tokenizer = BPE.from_json(meta["tokenizer"])
        if "lexicon" in meta:
            from synthwise.text.lexicon import Lexicon

            model.lexicon = Lexicon.from_list(meta["lexicon"], model.tokenizer.token_strings())
        net_meta = dict(meta["net"])
        net_meta["ctx_sizes"] = tuple(net_meta["ctx_sizes"])
        model.net = lm.TextNet(lm.NetConfig(**net_meta))
        load_module_arrays(model.net, arrays, "net.")
        model.net.eval()
        return model


def _fit_config(p: dict[str, Any], label: str) -> Any:
    """The training settings of a learned text model from its resolved parameters."""
    from synthwise.text import lm

    return lm.FitConfig(
        epochs=int(p["epochs"]),
        batch_size=int(p["batch_size"]),
        lr=float(p["lr"]),
        max_time_s=None if p["max_time_s"] is None else float(p["max_time_s"]),
        patience=int(p["patience"]),
        verbose=bool(p["verbose"]),
        label=label,
    )
