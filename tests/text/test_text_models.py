"""The text models: n-gram, similarity, tokenizer, row context, LSTM / transformer (tiny, seconds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.schema import infer_schema
from synthwise.text.context import RowContext
from synthwise.text.ngram import NgramModel
from synthwise.text.similarity import NearCopyIndex

CATS = ["the cat sat on the mat", "a cat sleeps on a warm mat", "my cat likes the soft mat"]
DOGS = ["the dog runs in the park", "a dog barks in a big park", "my dog loves the green park"]


def _grouped(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["cats", "dogs"], n)
    text = [str(rng.choice(CATS if g == "cats" else DOGS)) for g in group]
    return pd.DataFrame({"group": group, "text": text})


def test_ngram_learns_samples_and_round_trips() -> None:
    texts = CATS + DOGS
    model = NgramModel.fit(texts * 5, order=3)
    out = model.sample(50, np.random.default_rng(0))
    vocab = {w for t in texts for w in t.split()}
    assert all(set(t.split()) <= vocab for t in out)
    assert model.sample(5, np.random.default_rng(1)) == model.sample(5, np.random.default_rng(1))
    again = NgramModel.from_state(*model.state())
    assert again.sample(20, np.random.default_rng(2)) == model.sample(20, np.random.default_rng(2))
    # seen text is likelier than its reshuffled words
    assert model.perplexity(CATS) < model.perplexity([" ".join(reversed(t.split())) for t in CATS])


def test_near_copies_known_cases() -> None:
    real = [f"number {i} says the quick brown fox jumps over lazy dog {i} times" for i in range(50)]
    index = NearCopyIndex(real)
    rng = np.random.default_rng(0)
    copies = index.query(real[:10])
    assert copies.exact.all() and copies.rate == 1.0
    shuffled = index.query([" ".join(rng.permutation(t.split())) for t in real[:10]])
    assert shuffled.rate == 1.0 and (shuffled.jaccard_bag >= 0.8).all()
    fresh = index.query(["completely different words about weather and rain today", "hello"])
    assert fresh.rate == 0.0
    edited = index.query([real[3].replace("quick", "slow")])
    assert edited.flagged[0] and edited.nearest[0] == 3


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.text(
            st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\ufffd"),
            max_size=40,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_bpe_round_trips_any_text(texts: list[str]) -> None:
    from synthwise.text.tokenizer import BPE

    tok = _bpe()
    assert [tok.decode(ids) for ids in tok.encode_batch(texts)] == texts
    assert BPE.from_json(tok.to_json()).encode_batch(texts) == tok.encode_batch(texts)


_TOK: list[object] = []


def _bpe():  # type: ignore[no-untyped-def]
    from synthwise.text.tokenizer import BPE

    if not _TOK:
        _TOK.append(BPE.fit(CATS + DOGS + ["Ünïcödé 😀 @handle https://t.co/x"], vocab_size=300))
    return _TOK[0]


def test_row_context_tokens() -> None:
    df = _grouped(100).assign(x=np.random.default_rng(0).normal(size=100).round(3)).drop(columns="text")
    schema = infer_schema(df)
    ctx = RowContext.fit(df, schema)
    assert [c.name for c in ctx.columns] == ["group", "x"]
    toks = ctx.tokens(df, schema)
    assert toks.shape == (100, 2) and (toks >= 1).all()
    assert (toks[:, 0] < ctx.sizes[0]).all() and (toks[:, 1] < ctx.sizes[1]).all()
    again = RowContext.from_dict(ctx.to_dict())
    assert (again.tokens(df, schema) == toks).all()


def test_ngram_in_a_table_follows_its_row_and_round_trips() -> None:
    from synthwise.text.models import TextColumnModel

    df = _grouped(400)
    df["noise"] = np.random.default_rng(1).normal(size=len(df))  # a column the texts do not follow
    schema = infer_schema(df)
    model = TextColumnModel.fit(
        df["text"], df[["noise", "group"]], schema, "ngram", {}, np.random.default_rng(0)
    )
    assert model.training["conditioned_on"] == ["group"] and model.row_ngram is not None
    assert "conditioned on group (mixture weight" in model.describe()
    assert model.training["heldout_gain_nats_per_word"] > 0.05  # one word in seven decides: ~log(2) / 7
    rows = pd.DataFrame({"noise": np.zeros(80), "group": ["cats"] * 40 + ["dogs"] * 40})
    out = model.sample(rows, schema, np.random.default_rng(1))
    cat_words = np.array(["cat" in t for t in out])
    dog_words = np.array(["dog" in t for t in out])
    # the mixture keeps some words of the whole column: most texts, not all, follow the row
    assert cat_words[:40].mean() > 0.6 and dog_words[40:].mean() > 0.6, out[:5] + out[40:45]
    assert cat_words[:40].mean() > cat_words[40:].mean() + 0.4
    again = TextColumnModel.from_state(*model.state())
    assert again.sample(rows, schema, np.random.default_rng(1)) == out
    # a row's texts are likelier under its own value than under the other one
    base, row = model.ngram, model.row_ngram
    assert base is not None
    ctx = model.context.tokens(rows.iloc[[0, 40]], schema)
    assert row.log_prob(base, CATS[0], ctx[0]) > row.log_prob(base, CATS[0], ctx[1])


def test_ngram_in_a_table_takes_two_columns_when_the_texts_follow_both() -> None:
    from synthwise.text.models import TextColumnModel

    rng = np.random.default_rng(3)
    n = 800
    group, size = rng.choice(["cats", "dogs"], n), rng.choice(["big", "small"], n)
    verbs = rng.choice(["sleeps", "plays", "eats"], n)
    text = [f"my {s} {g[:-1]} {v} today" for g, s, v in zip(group, size, verbs, strict=True)]
    df = pd.DataFrame({"group": group, "size": size, "text": text})
    schema = infer_schema(df)
    model = TextColumnModel.fit(
        df["text"], df[["group", "size"]], schema, "ngram", {}, np.random.default_rng(0)
    )
    assert sorted(model.training["conditioned_on"]) == ["group", "size"]
    rows = pd.DataFrame({"group": ["cats"] * 50, "size": ["small"] * 50})
    out = model.sample(rows, schema, np.random.default_rng(1))
    assert np.mean(["small cat" in t for t in out]) > 0.6, out[:5]


def test_ngram_numbering_like_another_refuses_unseen_words() -> None:
    base = NgramModel.fit(CATS, order=3)
    assert NgramModel.fit(CATS[:1], order=3, like=base).vocab == base.vocab
    with pytest.raises(ValueError, match="never saw"):
        NgramModel.fit(DOGS, order=3, like=base)


def test_ngram_stays_unconditional_when_no_column_helps() -> None:
    from synthwise.text.models import TextColumnModel

    df = _grouped(400)
    df["group"] = np.random.default_rng(5).permutation(df["group"].to_numpy())  # unrelated to the text
    schema = infer_schema(df)
    model = TextColumnModel.fit(df["text"], df[["group"]], schema, "ngram", {}, np.random.default_rng(0))
    assert model.row_ngram is None and model.context.columns == ()
    assert "unconditional" in model.describe()
    plain = NgramModel.fit(df["text"].tolist(), order=3)
    rows = df[["group"]].head(30)
    assert model.sample(rows, schema, np.random.default_rng(2)) == plain.sample(30, np.random.default_rng(2))


@pytest.mark.parametrize("kind", ["lstm", "transformer"])
def test_neural_text_model_follows_its_row(kind: str) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("tokenizers")
    from synthwise.text.models import TextColumnModel

    df = _grouped(300)
    schema = infer_schema(df)
    params = {"max_time_s": 20.0, "epochs": 15, "verbose": False, "vocab_size": 300, "dim": 48, "hidden": 96}
    params["guard"] = False  # the guard is tested on its own below
    model = TextColumnModel.fit(
        df["text"], df[["group"]], schema, kind, {**params, "lr": 1e-2}, np.random.default_rng(0)
    )
    rows = pd.DataFrame({"group": ["cats"] * 40 + ["dogs"] * 40})
    out = model.sample(rows, schema, np.random.default_rng(1))
    cat_words = np.array(["cat" in t for t in out])
    dog_words = np.array(["dog" in t for t in out])
    assert cat_words[:40].mean() > 0.7 and dog_words[40:].mean() > 0.7, out[:5] + out[40:45]
    known = {w for t in CATS + DOGS for w in t.split()}
    assert {w for t in out for w in t.split()} <= known  # the lexicon: no word nobody wrote
    assert f"writes only its {len(known)} training words" in model.describe()
    again = TextColumnModel.from_state(*model.state())
    assert again.sample(rows, schema, np.random.default_rng(1)) == out
    assert model.training["epochs"] >= 1 and model.training["stopped_by"]


def test_lexicon_allows_only_known_words_and_their_prefixes() -> None:
    from synthwise.text.lexicon import Lexicon

    # token texts in the byte-level alphabet ("Ġ" is a space); ids 0-2 are the special tokens
    tokens = [None, None, None, "c", "a", "t", "s", "Ġ", "Ġc", "at", "Ġcat", "x", "sĠ", "tĠx"]
    lex = Lexicon.fit(["cat cats", "a cat"], tokens)
    assert lex.words == {"cat", "cats", "a"}
    ids = {t: i for i, t in enumerate(tokens)}

    def ok(word: str) -> set[str | None]:
        return {tokens[i] for i in np.flatnonzero(lex.allowed(word))}

    assert ok("") == {"c", "a", "Ġ", "Ġc", "Ġcat"}  # words start with c or a (or a space first)
    assert ok("c") == {"a", "at"}  # "ca", "cat"; never "cx"
    assert ok("cat") == {"s", "Ġ", "Ġc", "Ġcat", "sĠ"}  # "cats", or the word ends ("tĠx": "catt")
    assert "Ġ" not in ok("ca")  # "ca" is no word
    assert lex.can_end("cat") and lex.can_end("") and not lex.can_end("ca")
    assert lex.advance("ca", ids["t"]) == "cat" and lex.advance("cat", ids["Ġc"]) == "c"
    assert lex.advance("cat", ids["sĠ"]) == "" and lex.advance("x", 2) == "x"
    assert lex.finish("a cat ca") == "a cat" and lex.finish("a cat") == "a cat"
    again = Lexicon.from_list(lex.to_list(), tokens)
    assert (again.allowed("c") == lex.allowed("c")).all()


_WORDS = ["über", "café", "😀", "@handle", "https://t.co/x", "the", "cat's", "naïve!", "1,000", "日本"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from([" ", "  ", "\t", "\n"])), max_size=8))
def test_lexicon_lets_every_text_of_known_words_through(pairs: list[tuple[str, str]]) -> None:
    """Any text made of the training texts' words, with any whitespace between them, can be written
    token by token under the lexicon (multi-byte characters split across tokens included)."""
    pytest.importorskip("tokenizers")
    from synthwise.text.lexicon import Lexicon
    from synthwise.text.tokenizer import EOS

    tok = _bpe_words()
    lex = Lexicon.fit([" ".join(_WORDS)], tok.token_strings())
    text = "".join(w + sep for w, sep in pairs).rstrip()
    word = ""
    for t in tok.encode_batch([text])[0]:
        assert lex.allowed(word)[t], (text, word, t)
        word = lex.advance(word, t)
    assert lex.can_end(word) and not lex.allowed(word)[EOS]


_TOK_WORDS: list[object] = []


def _bpe_words():  # type: ignore[no-untyped-def]
    from synthwise.text.tokenizer import BPE

    if not _TOK_WORDS:
        _TOK_WORDS.append(BPE.fit([" ".join(_WORDS)] * 3, vocab_size=280))
    return _TOK_WORDS[0]


def test_near_copy_guard_rejects_recited_training_texts() -> None:
    from synthwise.text.models import NearCopyGuard

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    texts = [" ".join(rng.choice(words, 10)) for _ in range(600)]
    guard = NearCopyGuard(texts[:500], texts[500:])
    assert guard.baseline == 0.0
    asked: list[int] = []

    def drawing(pool: list[str]) -> Callable[[int], list[str]]:
        queue = iter(pool)

        def draw(n: int) -> list[str]:
            asked.append(n)
            return [next(queue) for _ in range(n)]

        return draw

    fresh = [" ".join(rng.choice(words, 10)) for _ in range(300)]
    assert guard(drawing(fresh)) == (0.0, True)
    assert asked == [100]  # nothing copied in the first 100: judged on them alone
    asked.clear()
    recited = texts[:30] + fresh[:270]  # 10% recited training texts, spread over the draws
    recited = [recited[i] for i in rng.permutation(300)]
    rate, ok = guard(drawing(recited))
    assert asked == [100, 200] and rate == pytest.approx(0.1) and not ok
    asked.clear()
    one = fresh[:99] + texts[:1] + fresh[100:]  # one copy in 300: under the bar (a holdout rate of 0)
    rate, ok = guard(drawing(one))
    assert asked == [100, 200] and rate == pytest.approx(1 / 300) and ok


@pytest.mark.parametrize("ctx_sizes", [(), (3, 5)])
def test_transformer_key_value_cache_gives_the_full_pass_logits(ctx_sizes: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    from synthwise.text import lm

    torch.manual_seed(0)
    cfg = lm.NetConfig(
        arch="transformer", vocab=200, ctx_sizes=ctx_sizes, dim=32, hidden=64, layers=2, max_len=30
    )
    net = lm.TextNet(cfg).eval()
    with torch.no_grad():  # weights of a trained net's size: a wrong cache shows in the logits
        for weight in net.parameters():
            weight.normal_(0.0, 0.3)
    ctx = torch.as_tensor(np.random.default_rng(0).integers(0, 3, size=(5, len(ctx_sizes))), dtype=torch.long)
    tokens = torch.randint(3, 200, (5, 12))
    with torch.no_grad():
        full = net(ctx, tokens)
        cache = lm.KVCache(net)
        steps = [cache.step(net.embed(ctx, tokens[:, :1]))]
        steps += [cache.step(net.token_embed(ctx, tokens[:, t : t + 1])) for t in range(1, 12)]
        with pytest.raises(ValueError, match="one token per step"):
            cache.step(net.token_embed(ctx, tokens[:, :2]))
    assert torch.allclose(torch.stack(steps, dim=1), full, atol=1e-5)


def test_the_transformer_layers_compute_what_torch_s_encoder_does() -> None:
    """In eval mode the net's own layer pass (scaled_dot_product_attention, causal) gives the logits of
    ``nn.TransformerEncoder`` with a causal mask, which trained the model files written before it."""
    torch = pytest.importorskip("torch")
    from synthwise.text import lm

    torch.manual_seed(1)
    net = lm.TextNet(lm.NetConfig(arch="transformer", vocab=120, ctx_sizes=(3,), dim=32, hidden=64, layers=2))
    net.eval()
    with torch.no_grad():
        for weight in net.parameters():
            weight.normal_(0.0, 0.3)
        ctx = torch.as_tensor([[0], [2], [1]], dtype=torch.long)
        tokens = torch.randint(3, 120, (3, 17))
        x = net.embed(ctx, tokens)
        x = x + net.pos(torch.arange(x.shape[1]))
        mask = torch.triu(torch.full((x.shape[1], x.shape[1]), float("-inf")), diagonal=1)
        torch_logits = net.out(net.norm(net.blocks(x, mask=mask, is_causal=True))[:, net.n_ctx :])
        assert torch.allclose(net(ctx, tokens), torch_logits, atol=1e-5)


def test_the_transformer_starts_from_small_weights() -> None:
    """N(0, 0.02) weights, zero biases, LayerNorms at one / zero, a zero padding row: with PyTorch's N(0, 1)
    embeddings the blocks' contributions were swamped and the net learned like a bigram model."""
    torch = pytest.importorskip("torch")
    from synthwise.text import lm
    from synthwise.text.tokenizer import PAD

    torch.manual_seed(0)
    net = lm.TextNet(
        lm.NetConfig(arch="transformer", vocab=300, ctx_sizes=(4,), dim=64, hidden=128, layers=2)
    )
    params = {name: weight.detach() for name, weight in net.named_parameters()}
    assert float(params["tok.weight"][PAD].abs().max()) == 0.0
    for name, weight in params.items():
        if ".norm" in f".{name}":
            assert float(weight.std()) == 0.0
        elif weight.dim() >= 2:
            assert 0.015 < float(weight.std()) < 0.025, name
        else:
            assert float(weight.abs().max()) == 0.0, name
    lstm = lm.TextNet(lm.NetConfig(arch="lstm", vocab=300, ctx_sizes=(), dim=64, hidden=128))
    assert float(lstm.tok.weight.detach().std()) > 0.5  # the LSTM keeps PyTorch's initialisation


def test_the_guard_samples_as_generate_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The near-copy guard judges the texts a user would get: the model's temperature and top-p."""
    pytest.importorskip("torch")
    pytest.importorskip("tokenizers")
    from synthwise.text import lm
    from synthwise.text.models import TextColumnModel

    seen: list[tuple[float, float, int]] = []
    real = lm.sample_tokens

    def spy(net: Any, ctx: np.ndarray, rng: np.random.Generator, **kw: Any) -> list[list[int]]:
        seen.append((kw["temperature"], kw["top_p"], len(ctx)))
        return real(net, ctx, rng, **kw)

    monkeypatch.setattr(lm, "sample_tokens", spy)
    df = _grouped(300)
    params = {"max_time_s": 10.0, "epochs": 2, "verbose": False, "vocab_size": 200, "dim": 16, "hidden": 32}
    model = TextColumnModel.fit(
        df["text"],
        df[["group"]],
        infer_schema(df),
        "lstm",
        {**params, "top_p": 0.8, "temperature": 0.9},
        np.random.default_rng(0),
    )
    assert seen and {(t, p) for t, p, _ in seen} == {(0.9, 0.8)}
    assert {n for _, _, n in seen} <= {100, 200}  # 100 first, 200 more only where one copied
    assert len(model.training["guard"]) == model.training["epochs"]


def test_near_copy_index_leaves_a_text_out_of_its_own_measure() -> None:
    texts = ["the cat sat on the mat today", "a dog ran in the park at noon", "the cat sat on the mat today"]
    index = NearCopyIndex(texts)
    alone = index.query(texts[:2], own=[0, 1])
    assert not alone.flagged[1]  # no other text is like it
    assert alone.flagged[0] and alone.exact[0]  # its repeat (text 2) is another text
    assert index.query(texts[:2]).flagged.all()  # without own, each finds itself


def test_guard_baseline_counts_left_out_training_texts() -> None:
    from synthwise.text.models import NearCopyGuard

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    fresh = [" ".join(rng.choice(words, 10)) for _ in range(400)]
    train = fresh + fresh[:40]  # 80 of 440 training texts have a repeat among the others
    guard = NearCopyGuard(train, [" ".join(rng.choice(words, 10)) for _ in range(50)])
    assert guard.baseline == pytest.approx(80 / 490)  # the 50 held-out texts copy nothing
