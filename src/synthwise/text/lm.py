"""Neural language models trained from scratch on CPU (CUDA when present): a subword LSTM and a small
decoder-only transformer, both conditioned on a row's context tokens placed before the text.

A sequence is ``[ctx_1 .. ctx_C, <bos>, t_1 .. t_n, <eos>]``; the loss counts the text tokens only.
Training runs through :func:`synthwise.deep.training.train` (progress bar, ``max_time_s``, early
stopping on a validation slice, Ctrl-C) with a near-copy guard: a checkpoint whose sampled texts copy
training texts more often than real held-out texts do is never kept, and repeated failures stop
training (the last safe checkpoint is restored). Sampling uses temperature and top-p (nucleus).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from synthwise.deep._torch import nn, torch
from synthwise.deep.training import TrainConfig, TrainResult, train, train_private
from synthwise.text.lexicon import Lexicon
from synthwise.text.tokenizer import BOS, EOS, PAD


@dataclass(frozen=True)
class NetConfig:
    arch: str  # "lstm" | "transformer"
    vocab: int
    ctx_sizes: tuple[int, ...]
    dim: int = 128
    hidden: int = 256
    layers: int = 1
    heads: int = 4
    max_len: int = 128  # text tokens, <bos> / <eos> excluded
    dropout: float = 0.1
    # lstm: the context's mean embedding is added to every token's too (not only read once, before the
    # text: a long text forgot its row). False in model files written before it existed.
    ctx_each_step: bool = False


class TextNet(nn.Module):
    """``private``: the LSTM is opacus' ``DPLSTM`` (per-row gradients for DP-SGD; the same state dict
    as ``nn.LSTM``, so the trained weights load into a plain net)."""

    def __init__(self, cfg: NetConfig, *, private: bool = False) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab, cfg.dim, padding_idx=PAD)
        self.n_ctx = len(cfg.ctx_sizes)
        self.ctx = nn.Embedding(max(1, sum(cfg.ctx_sizes)), cfg.dim)
        offsets = np.concatenate([[0], np.cumsum(cfg.ctx_sizes)[:-1]]) if cfg.ctx_sizes else np.zeros(0)
        self.register_buffer("offsets", torch.as_tensor(offsets, dtype=torch.long), persistent=False)
        self.drop = nn.Dropout(cfg.dropout)
        if cfg.arch == "lstm":
            lstm: Any = nn.LSTM
            if private:
                from opacus.layers import DPLSTM

                lstm = DPLSTM
            self.rnn = lstm(cfg.dim, cfg.hidden, num_layers=cfg.layers, batch_first=True)
            self.out = nn.Linear(cfg.hidden, cfg.vocab)
        else:
            self.pos = nn.Embedding(cfg.max_len + 2 + self.n_ctx, cfg.dim)
            layer = nn.TransformerEncoderLayer(
                cfg.dim, cfg.heads, cfg.hidden, cfg.dropout, batch_first=True, norm_first=True
            )
            self.blocks = nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(cfg.dim)
            self.out = nn.Linear(cfg.dim, cfg.vocab)
            self._small_init()

    def _small_init(self) -> None:
        """The transformer's weights from N(0, 0.02), biases at zero (GPT-2's scheme; LayerNorms keep
        theirs). PyTorch's N(0, 1) embeddings give a residual stream about 50 times larger than what
        each block adds to it, so after the pre-norms the blocks barely move the output and the net
        learns like a bigram model: on 3,800 tweets, validation loss 4.07 after 150 s against 3.75 with
        this (the LSTM: 3.59)."""
        with torch.no_grad():
            for name, weight in self.named_parameters():
                if ".norm" in f".{name}":
                    continue  # LayerNorm: ones and zeros
                if weight.dim() >= 2:
                    nn.init.normal_(weight, std=0.02)
                else:
                    nn.init.zeros_(weight)
            self.tok.weight[PAD] = 0.0  # the padding row stays zero (it gets no gradient)

    def embed(self, ctx: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """The context tokens' embeddings, then the text tokens' (:meth:`token_embed`)."""
        if not self.n_ctx:
            return self.tok(tokens)
        offsets = cast(torch.Tensor, self.offsets)
        return torch.cat([self.ctx(ctx + offsets), self.token_embed(ctx, tokens)], dim=1)

    def token_embed(self, ctx: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Text tokens' embeddings; with ``ctx_each_step`` plus the mean embedding of the row's context."""
        x = self.tok(tokens)
        if self.n_ctx and self.cfg.ctx_each_step:
            offsets = cast(torch.Tensor, self.offsets)
            x = x + self.ctx(ctx + offsets).mean(dim=1, keepdim=True)
        return x

    def forward(self, ctx: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Logits for the token after each input token: ``(B, T, vocab)``."""
        x = self.drop(self.embed(ctx, tokens))
        if self.cfg.arch == "lstm":
            h, _ = self.rnn(x)
        else:
            x = x + self.pos(torch.arange(x.shape[1], device=x.device))
            for layer in self.blocks.layers:
                x, _, _ = _layer(layer, x)
            h = self.norm(x)
        return self.out(self.drop(h[:, self.n_ctx :]))


def device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _batch(seqs: Sequence[list[int]], max_len: int) -> torch.Tensor:
    width = min(max(len(s) for s in seqs), max_len) + 2
    arr = np.full((len(seqs), width), PAD, dtype=np.int64)
    for i, s in enumerate(seqs):
        s = [BOS, *s[:max_len], EOS]
        arr[i, : len(s)] = s
    return torch.as_tensor(arr)


def _loss(net: TextNet, ctx: torch.Tensor, seq: torch.Tensor) -> torch.Tensor:
    logits = net(ctx, seq[:, :-1])
    return nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), seq[:, 1:].reshape(-1), ignore_index=PAD
    )


@dataclass
class FitConfig:
    epochs: int = 30
    batch_size: int = 64
    lr: float = 3e-3
    max_time_s: float | None = 300.0
    patience: int = 3
    verbose: bool = True
    label: str = "text model"


def fit_net(
    net: TextNet,
    seqs: list[list[int]],
    ctx: np.ndarray,
    val: tuple[list[list[int]], np.ndarray],
    guard: Callable[[], tuple[float, bool]] | None,
    cfg: FitConfig,
    rng: np.random.Generator,
    *,
    optimizer_hook: Callable[[Any, Any], Any] | None = None,
) -> TrainResult:
    """Train ``net`` on token sequences ``seqs`` with context ``ctx`` (validation on ``val``)."""
    dev = device()
    net.to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=0.01)
    torch.manual_seed(int(rng.integers(2**31)))
    started = time.perf_counter()
    deadline = None if cfg.max_time_s is None else started + cfg.max_time_s
    ctx_t = torch.as_tensor(ctx, dtype=torch.long)
    lengths = np.array([min(len(s), net.cfg.max_len) for s in seqs])

    def run_epoch(epoch: int) -> float:
        losses = []
        for idx in _length_batches(lengths, cfg.batch_size, rng):
            seq = _batch([seqs[i] for i in idx], net.cfg.max_len).to(dev)
            loss = _loss(net, ctx_t[idx].to(dev), seq)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            losses.append(loss.item())
            if deadline is not None and time.perf_counter() > deadline:
                break  # the loop sees the time and stops after this (partial) epoch
        return float(np.mean(losses)) if losses else float("nan")

    vseqs, vctx = val

    def score() -> float:
        if not vseqs:
            return 0.0
        total = 0.0
        for lo in range(0, len(vseqs), 256):
            seq = _batch(vseqs[lo : lo + 256], net.cfg.max_len).to(dev)
            c = torch.as_tensor(vctx[lo : lo + 256], dtype=torch.long).to(dev)
            total += float(_loss(net, c, seq)) * len(seq)
        return total / len(vseqs)

    check = None if guard is None else (lambda epoch: guard())
    config = TrainConfig(
        max_epochs=cfg.epochs,
        max_time_s=cfg.max_time_s,
        patience=cfg.patience,
        verbose=cfg.verbose,
        label=cfg.label,
        guard_patience=2,
    )
    result = train(run_epoch, score, check, [net], config)
    net.to(torch.device("cpu"))
    return result


def _row_loss(net: TextNet, seq: torch.Tensor) -> torch.Tensor:
    """Each text's mean token loss, averaged over the batch: a row's gradient depends on that row alone
    (a loss averaged over the batch's tokens would scale it by the other rows' lengths)."""
    ctx = torch.zeros((len(seq), 0), dtype=torch.long, device=seq.device)
    logits = net(ctx, seq[:, :-1])
    target = seq[:, 1:]
    per_token = nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=PAD, reduction="none"
    ).reshape(target.shape)
    tokens = (target != PAD).sum(dim=1).clamp(min=1)
    return (per_token.sum(dim=1) / tokens).mean()


def fit_private_net(
    cfg: NetConfig,
    seqs: list[list[int]],
    ledger: Any,
    target_epsilon: float,
    target_delta: float,
    fit: FitConfig,
    rng: np.random.Generator,
) -> tuple[TextNet, dict[str, Any]]:
    """An unconditional LSTM trained with DP-SGD (:func:`synthwise.privacy.dp_sgd.make_private`) on every
    sequence, spending ``(target_epsilon, target_delta)`` of ``ledger``: Poisson-sampled batches, each
    row's gradient clipped and noised; no validation split, no early stopping and no near-copy guard
    (each would read the private texts); ``max_time_s`` may stop it early, which spends less. Returns a
    plain net with the trained weights and the training record (no losses: they are statistics of the
    private texts)."""
    from synthwise.deep.nets import torch_generator
    from synthwise.privacy.dp_sgd import make_private

    torch.manual_seed(int(rng.integers(2**31)))  # before the net: its initial weights too
    net = TextNet(cfg, private=True)
    net.ctx.weight.requires_grad_(False)  # unconditional: the context table is never used
    data = _batch(seqs, cfg.max_len)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(data),
        batch_size=min(int(fit.batch_size), len(seqs)),
        generator=torch_generator(rng, torch.device("cpu")),
    )
    opt = torch.optim.AdamW([w for w in net.parameters() if w.requires_grad], lr=fit.lr, weight_decay=0.01)
    private = make_private(
        net,
        opt,
        loader,
        ledger=ledger,
        epochs=int(fit.epochs),
        target_epsilon=target_epsilon,
        target_delta=target_delta,
        noise_generator=torch_generator(rng, torch.device("cpu")),
        step=f"DP-SGD of {fit.label}",
    )

    deadline = None if fit.max_time_s is None else time.perf_counter() + fit.max_time_s

    def run_epoch(epoch: int) -> float:
        for (seq,) in private.loader:
            if deadline is not None and time.perf_counter() > deadline:
                break  # an epoch of DP-SGD on a CPU can take minutes; stopping early spends less
            if len(seq) == 0:
                continue
            width = int((seq != PAD).sum(dim=1).max())  # trailing padding changes no row's gradient
            private.optimizer.zero_grad(set_to_none=True)
            _row_loss(private.model, seq[:, :width]).backward()
            private.optimizer.step()
        private.check()
        return 0.0

    record = train_private(
        private,
        run_epoch,
        [net],
        epochs=int(fit.epochs),
        batch_size=int(loader.batch_size or 0),
        max_time_s=fit.max_time_s,
        verbose=fit.verbose,
        label=fit.label,
    )
    plain = TextNet(cfg)
    plain.load_state_dict(_plain_lstm_names(net.state_dict()))
    plain.eval()
    return plain, record


def _plain_lstm_names(state: dict[str, Any]) -> dict[str, Any]:
    """``DPLSTM`` weights under ``nn.LSTM``'s names (``rnn.l0.ih.weight`` -> ``rnn.weight_ih_l0``;
    opacus renames them itself only while its hooks are on)."""
    out = {}
    for key, value in state.items():
        m = re.fullmatch(r"rnn\.l(\d+)\.(ih|hh)\.(weight|bias)", key)
        out[f"rnn.{m[3]}_{m[2]}_l{m[1]}" if m else key] = value
    return out


def _length_batches(lengths: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of similar lengths (little padding), in random order: shuffle, sort within chunks of 50
    batches, cut, shuffle the batches."""
    order = rng.permutation(len(lengths))
    chunk = size * 50
    batches: list[np.ndarray] = []
    for lo in range(0, len(order), chunk):
        part = order[lo : lo + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i : i + size] for i in range(0, len(part), size))
    return [batches[i] for i in rng.permutation(len(batches))]


@torch.no_grad()
def sample_tokens(
    net: TextNet,
    ctx: np.ndarray,
    rng: np.random.Generator,
    *,
    temperature: float = 1.0,
    top_p: float = 0.95,
    batch_size: int = 256,
    lexicon: Lexicon | None = None,
) -> list[list[int]]:
    """One token list per context row (``<bos>`` / ``<eos>`` stripped); with a ``lexicon`` every word
    written is one of its words (:mod:`synthwise.text.lexicon`)."""
    net.eval()
    dev = device()
    net.to(dev)
    gen = torch.Generator(device=dev)
    gen.manual_seed(int(rng.integers(2**62)))
    out: list[list[int]] = []
    for lo in range(0, len(ctx), batch_size):
        c = torch.as_tensor(ctx[lo : lo + batch_size], dtype=torch.long).to(dev)
        out.extend(_sample_batch(net, c, gen, temperature, top_p, lexicon))
    net.to(torch.device("cpu"))
    return out


def _sample_batch(
    net: TextNet,
    ctx: torch.Tensor,
    gen: torch.Generator,
    temperature: float,
    top_p: float,
    lexicon: Lexicon | None = None,
) -> list[list[int]]:
    b = ctx.shape[0]
    tokens = torch.full((b, 1), BOS, dtype=torch.long, device=ctx.device)
    done = torch.zeros(b, dtype=torch.bool, device=ctx.device)
    state: Any = None  # the LSTM's (h, c), or the transformer's key / value cache
    words = [""] * b  # each row's unfinished word (lexicon)
    for _ in range(net.cfg.max_len + 1):
        if net.cfg.arch == "lstm":
            x = net.embed(ctx, tokens) if state is None else net.token_embed(ctx, tokens[:, -1:])
            h, state = net.rnn(x, state)
            logits = net.out(h[:, -1])
        else:
            if state is None:
                state = KVCache(net)
                x = net.embed(ctx, tokens)
            else:
                x = net.token_embed(ctx, tokens[:, -1:])
            logits = state.step(x)
        if lexicon is not None:
            mask = np.stack([lexicon.allowed(w) for w in words])
            mask[:, EOS] = [lexicon.can_end(w) for w in words]
            logits = logits.masked_fill(~torch.as_tensor(mask, device=logits.device), -math.inf)
        nxt = _draw(logits, gen, temperature, top_p)
        nxt = torch.where(done, torch.full_like(nxt, PAD), nxt)
        tokens = torch.cat([tokens, nxt[:, None]], dim=1)
        done |= nxt == EOS
        if lexicon is not None:
            words = [lexicon.advance(w, t) for w, t in zip(words, nxt.tolist(), strict=True)]
        if bool(done.all()):
            break
    rows = tokens[:, 1:].cpu().numpy()
    out = []
    for r in rows:
        r = r.tolist()
        end = r.index(EOS) if EOS in r else len(r)
        out.append([t for t in r[:end] if t != PAD])
    return out


class KVCache:
    """Incremental decoding for the transformer: each layer's keys and values of the tokens seen so far
    are kept, so a new token costs one attention row instead of a pass over the whole prefix (sampling
    ``n`` tokens: ``O(n^2)`` attention work, not ``O(n^3)``). Both it and :meth:`TextNet.forward` run
    :func:`_layer` (the test compares the logits)."""

    def __init__(self, net: TextNet) -> None:
        self.net = net
        self.keys: list[torch.Tensor | None] = [None] * len(net.blocks.layers)
        self.values: list[torch.Tensor | None] = [None] * len(net.blocks.layers)
        self.length = 0

    def step(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: the embeddings of the new positions ``(B, T, dim)`` (the whole prefix first, then one
        token per call); returns the logits of the token after the last one ``(B, vocab)``."""
        net = self.net
        new = x.shape[1]
        if self.length and new != 1:
            raise ValueError("after the prefix, the cache takes one token per step")
        x = x + net.pos(torch.arange(self.length, self.length + new, device=x.device))
        for i, layer in enumerate(net.blocks.layers):
            past_k, past_v = self.keys[i], self.values[i]
            past = (past_k, past_v) if past_k is not None and past_v is not None else None
            x, self.keys[i], self.values[i] = _layer(layer, x, past)
        self.length += new
        return cast(torch.Tensor, net.out(net.norm(x[:, -1])))


def _layer(
    layer: Any, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One pre-norm ``nn.TransformerEncoderLayer`` on ``x`` ``(B, T, dim)``, with its parameters and
    dropouts but no dropout on the attention weights, through ``scaled_dot_product_attention`` (causal;
    with ``past`` keys and values, one new position that attends to all of them). Returns the output and
    the keys and values so far. ``nn.TransformerEncoder`` with a causal mask materialises every ``T x T``
    weight and draws a dropout mask over them: at 64 texts of 250 tokens on one core, a training step
    took 3.0 s against 1.5 s this way."""
    attn = layer.self_attn
    batch, new = x.shape[0], x.shape[1]
    q, k, v = nn.functional.linear(layer.norm1(x), attn.in_proj_weight, attn.in_proj_bias).chunk(3, dim=-1)
    q, k, v = (t.reshape(batch, new, attn.num_heads, -1).transpose(1, 2) for t in (q, k, v))
    if past is not None:
        k = torch.cat([past[0], k], dim=2)
        v = torch.cat([past[1], v], dim=2)
    o = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=past is None and new > 1)
    x = x + layer.dropout1(attn.out_proj(o.transpose(1, 2).reshape(x.shape)))
    x = x + layer.dropout2(layer.linear2(layer.dropout(layer.activation(layer.linear1(layer.norm2(x))))))
    return x, k, v


def _draw(logits: torch.Tensor, gen: torch.Generator, temperature: float, top_p: float) -> torch.Tensor:
    logits = logits.float()
    logits[:, PAD] = -math.inf
    logits[:, BOS] = -math.inf
    probs = torch.softmax(logits / max(temperature, 1e-6), dim=-1)
    if top_p < 1.0:
        sorted_p, order = torch.sort(probs, dim=-1, descending=True)
        keep = torch.cumsum(sorted_p, dim=-1) - sorted_p < top_p
        sorted_p = sorted_p * keep
        probs = torch.zeros_like(probs).scatter(1, order, sorted_p)
    return torch.multinomial(probs, 1, generator=gen)[:, 0]
