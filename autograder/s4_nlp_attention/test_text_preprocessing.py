"""Hidden grader for s4_nlp_attention/text_preprocessing: tokenize, build_vocab, encode, decode,
pad_batch, rule_lemmatize, stem and the checkpoint questions.

Every exercise has exact, stated rules, so each oracle here is built independently of a copy
of the answer: tokenize's random texts are composed from known pieces (words, contractions,
punctuation marks, every kind of whitespace) whose tokens are known by construction;
build_vocab is compared with a collections.Counter oracle; pad_batch with torch.full and
slicing; rule_lemmatize and stem with rule oracles that also say which rule fired, so the
feedback names the rule a wrong word went through. Where a wrong answer matches a known
mistake (ties by first appearance, > min_freq, an inverted mask, truncation that keeps the
last tokens...), the feedback says so. Calls are batched into one sandbox round trip per case.
"""

from collections import Counter

import torch

from dlcore.grading import check_tensor, exercise, fail, quote, rng
from dlcore.questions import check_answer

SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
PAD, UNK, BOS, EOS = SPECIALS
# A library lemmatizer or stemmer inside the rule-based exercises (nltk is not installed in
# the course environment; its names are listed for environments where it is).
LIB_FORBID = ["simplemma.lemmatize", "simplemma.lemmatizer.lemmatize",
              "simplemma.text_lemmatizer", "simplemma.lemma_iterator", "simplemma.is_known",
              "simplemma.Lemmatizer.lemmatize", "simplemma.Lemmatizer.get_lemmas",
              "simplemma.strategies.DefaultStrategy.get_lemma",
              "simplemma.strategies.DictionaryLookupStrategy.get_lemma",
              "simplemma.strategies.RulesStrategy.get_lemma",
              "lemminflect.getLemma", "lemminflect.getAllLemmas", "lemminflect.getAllLemmasOOV",
              "lemminflect.Lemmatizer.getLemma", "lemminflect.Lemmatizer.getAllLemmas",
              "lemminflect.Lemmatizer.getAllLemmasOOV",
              "nltk.stem.PorterStemmer.stem", "nltk.stem.WordNetLemmatizer.lemmatize",
              "nltk.stem.SnowballStemmer.stem", "nltk.stem.LancasterStemmer.stem"]
PAD_FORBID = ["torch.nn.utils.rnn.pad_sequence", "torch.nn.utils.rnn.pack_sequence",
              "torch.nn.utils.rnn.pack_padded_sequence", "torch.nn.utils.rnn.pad_packed_sequence",
              "torch.nested.nested_tensor", "torch.nested.as_nested_tensor",
              "torch.nested.to_padded_tensor", "aten.to_padded_tensor",
              "aten._nested_tensor_from_tensor_list"]


def pick(g: torch.Generator, items: list | tuple | str):
    return items[int(torch.randint(len(items), (1,), generator=g))]


def map_call(ns, name, arg_lists):
    """Sandbox probe: ns[name](*args) for each argument list, in one round trip."""
    fn = ns[name]
    return [fn(*args) for args in arg_lists]


def token_list_problem(got, what: str) -> str | None:
    if not isinstance(got, list):
        return f"{what} returned {quote(type(got).__name__, 30)}; expected a list of strings"
    if not all(isinstance(t, str) for t in got):
        return f"{what} returned a list with non-string items; expected a list of strings"
    return None


# ---------------------------------------------------------------- tokenize

WORD_CASES = [
    ("lower-case every letter (str.lower())", "The CAT sat On THE Mat", None),
    ("digits are word characters: a run of letters and digits is one word",
     "Covid19 hit in 2020 4real", None),
    ("letters of every script are word characters (é, ü, ß, ñ...)",
     "Café naïve STRAßE Ångström niño Ελλάδα", None),
    ("whitespace of every kind separates tokens (tab, newline, \\r, no-break space \\u00a0, "
     "em space \\u2003) and is never a token", "a\tb\nc\r\nd\u00a0e\u2003f   g", None),
    ("an empty or whitespace-only text gives []", " \t\n\u00a0", []),
]
PUNCT_CASES = [
    ("each punctuation mark is a token of its own (\"...\" is three tokens)",
     "Wait... what?!", ["wait", ".", ".", ".", "what", "?", "!"]),
    ("punctuation glued to words is split off", "(hello),world;[x]",
     ["(", "hello", ")", ",", "world", ";", "[", "x", "]"]),
    ("_ and - are punctuation, not word characters", "snake_case e-mail __init__",
     ["snake", "_", "case", "e", "-", "mail", "_", "_", "init", "_", "_"]),
    ("symbols and non-ASCII punctuation are tokens of their own",
     "50% off: $5 «wow» — ok…", ["50", "%", "off", ":", "$", "5", "«", "wow", "»", "—", "ok",
                                  "…"]),
]
APOSTROPHE_CASES = [
    ("an apostrophe between two word characters stays inside the word",
     "Don't, WON'T, rock'n'roll it's", ["don't", ",", "won't", ",", "rock'n'roll", "it's"]),
    ("an apostrophe at the start or end of a word is punctuation",
     "'quoted' dogs' 'tis", ["'", "quoted", "'", "dogs", "'", "'", "tis"]),
    ("an apostrophe next to whitespace or punctuation is punctuation",
     "a ' b '' c'.", ["a", "'", "b", "'", "'", "c", "'", "."]),
    ("only the ASCII apostrophe ' joins words; the typographic ’ is punctuation",
     "don’t can't", ["don", "’", "t", "can't"]),
]


def expected_by_pieces(text: str) -> list[str]:
    """For the word cases: the text's whitespace-separated pieces, lower-cased (those texts
    hold words and whitespace only, so the pieces are the tokens)."""
    return [p.lower() for p in text.split()]


def check_token_cases(student, cases) -> None:
    texts = [(text,) for _, text, _ in cases]
    outs = student.probe(map_call, "tokenize", texts)
    for (aspect, text, want), got in zip(cases, outs, strict=True):
        want = expected_by_pieces(text) if want is None else want
        what = f"tokenize({quote(repr(text), 70)})"
        if problem := token_list_problem(got, what):
            fail(problem)
        if got != want:
            fail(f"{what} returned {quote(repr(got), 120)}: {aspect}")


@exercise("tokenize", points=1)
def test_tokenize_words(student):
    """Are words lower-cased, letters of every script and digits kept, all whitespace split?"""
    check_token_cases(student, WORD_CASES)


@exercise("tokenize", points=1)
def test_tokenize_punctuation(student):
    """Is every punctuation mark (including _ and -) a token of its own?"""
    check_token_cases(student, PUNCT_CASES)


@exercise("tokenize", points=1)
def test_tokenize_apostrophes(student):
    """Does an ASCII apostrophe stay in a word only between two word characters?"""
    check_token_cases(student, APOSTROPHE_CASES)


LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèüöäñçßÉÜÑ0123456789"
MARKS = list(".,;:!?\"()[]{}-_/@#%&*+=<>'’…«»$")
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", " \n "]


def random_text(g: torch.Generator, n: int) -> tuple[str, list[str]]:
    """A text composed of n pieces (words, contractions, punctuation marks) with random
    separators, and its tokens known by construction."""
    pieces = []
    for _ in range(n):
        u = float(torch.rand((), generator=g))
        word = "".join(pick(g, LETTERS) for _ in range(1 + int(torch.randint(6, (1,),
                                                                             generator=g))))
        if u < 0.55:
            pieces.append(("word", word))
        elif u < 0.65:
            tail = "".join(pick(g, LETTERS) for _ in range(1 + int(torch.randint(3, (1,),
                                                                                 generator=g))))
            pieces.append(("word", f"{word}'{tail}"))
        else:
            pieces.append(("mark", pick(g, MARKS)))
    text = pick(g, ["", *SPACES])
    for i, (kind, piece) in enumerate(pieces):
        if i:
            prev_kind, prev = pieces[i - 1]
            glued_ok = not (prev_kind == kind == "word") and "'" not in (prev, piece)
            text += pick(g, ["", "", *SPACES]) if glued_ok else pick(g, SPACES)
        text += piece
    text += pick(g, ["", *SPACES])
    return text, [piece.lower() for _, piece in pieces]


@exercise("tokenize", points=1)
def test_tokenize_random_texts(student):
    """On random texts composed of known words, contractions, marks and whitespace, are the
    tokens exactly the pieces?"""
    g = rng(11)
    cases = [random_text(g, n) for n in (5, 9, 14, 20, 30, 40)]
    outs = student.probe(map_call, "tokenize", [(text,) for text, _ in cases])
    for (text, want), got in zip(cases, outs, strict=True):
        what = f"tokenize({quote(repr(text), 60)})"
        if problem := token_list_problem(got, what):
            fail(problem)
        if got != want:
            i = next((k for k, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                     min(len(got), len(want)))
            fail(f"on a random text of {len(want)} tokens, {what} gives {len(got)} tokens and "
                 f"differs from token {i}: got {quote(repr(got[i:i + 3]), 60)}")


# ---------------------------------------------------------------- build_vocab

def vocab_probe(ns, calls):
    """Sandbox probe: build_vocab(*args) for each call, as (itos, stoi) data."""
    out = []
    for args in calls:
        v = ns["build_vocab"](*args)
        itos, stoi = getattr(v, "itos", None), getattr(v, "stoi", None)
        if not isinstance(itos, list) or not isinstance(stoi, dict):
            out.append({"problem": f"returned {type(v).__name__} without a list .itos and a "
                                   "dict .stoi; return Vocab(itos=..., stoi=...)"})
        else:
            out.append({"itos": list(itos), "stoi": dict(stoi)})
    return out


def itos_variants(token_lists, min_freq, specials) -> dict[str, list[str]]:
    """The right itos first, then the itos of known mistakes, by feedback."""
    counts = Counter(t for ts in token_lists for t in ts)
    order = list(counts)  # first appearance

    def kept(keep=lambda c: c >= min_freq, drop_specials=True):
        return [t for t in order if keep(counts[t]) and not (drop_specials and t in specials)]

    right = sorted(kept(), key=lambda t: (-counts[t], t))
    return {
        "right": [*specials, *right],
        "tokens seen exactly min_freq times are missing: keep count >= min_freq":
            [*specials, *sorted(kept(lambda c: c > min_freq), key=lambda t: (-counts[t], t))],
        "ties are in order of first appearance (Counter.most_common); break ties alphabetically":
            [*specials, *sorted(kept(), key=lambda t: -counts[t])],
        "ties are in reverse alphabetical order": [*specials, *sorted(
            kept(), key=lambda t: (counts[t], t), reverse=True)],
        "tokens are sorted by ascending count; most frequent first":
            [*specials, *sorted(kept(), key=lambda t: (counts[t], t))],
        "tokens are sorted alphabetically only; sort by descending count first":
            [*specials, *sorted(kept())],
        "a special that appears in the text is listed twice":
            [*specials, *sorted(kept(drop_specials=False), key=lambda t: (-counts[t], t))],
        "the specials come after the tokens; they take ids 0, 1, ... in the given order":
            [*right, *specials],
    }


def check_vocab(got: dict, args: tuple, what: str) -> None:
    if "problem" in got:
        fail(f"{what} {got['problem']}")
    variants = itos_variants(*args)
    itos, want = got["itos"], variants["right"]
    if not all(isinstance(t, str) for t in itos):
        fail(f"{what}: itos should hold strings only")
    if itos == want:
        if got["stoi"] != {t: i for i, t in enumerate(itos)}:
            fail(f"{what}: itos is right but stoi is not its inverse (stoi[itos[i]] == i for "
                 "every id, and no other keys)")
        return
    for mistake, variant in variants.items():
        if mistake != "right" and variant != want and itos == variant:
            fail(f"{what}: {mistake}")
    if itos[: len(args[2])] != list(args[2]):
        fail(f"{what}: itos does not start with the specials {args[2]} in that order")
    extra, missing = set(itos) - set(want), set(want) - set(itos)
    if extra or missing:
        shown = quote(repr(sorted(extra, key=str)[:3]), 50)
        fail(f"{what}: {len(itos)} tokens; expected {len(want)} ({len(missing)} missing, "
             f"{len(extra)} that should not be there, e.g. {shown})")
    i = next(k for k, (a, b) in enumerate(zip(itos, want, strict=False)) if a != b)
    fail(f"{what}: the right tokens in the wrong order (from id {i} on); order by descending "
         "count, ties alphabetically")


def random_corpus(g: torch.Generator, n_docs: int, n_words: int) -> list[list[str]]:
    words = [f"w{k:02d}" for k in range(n_words)] + ["Zeta", "alpha", "<unk>", "<eos>"]
    weights = 1.0 / torch.arange(1, len(words) + 1, dtype=torch.float64)  # Zipf-like
    perm = torch.randperm(len(words), generator=g)
    docs = []
    for _ in range(n_docs):
        n = int(torch.randint(0, 12, (1,), generator=g))
        idx = torch.multinomial(weights, n, replacement=True, generator=g) if n else []
        docs.append([words[int(perm[int(i)])] for i in idx])
    return docs


@exercise("build_vocab", points=1)
def test_build_vocab_counts_ties_boundary(student):
    """On a corpus with ties, a special in the text and counts exactly at min_freq, is itos
    specials + tokens by descending count, ties alphabetical, count >= min_freq kept?"""
    corpus = [["cat", "the", "dog", "<unk>"], ["dog", "the", "ant", "bee", "the", "cat"],
              [], ["cat", "bee", "eel", "fox", "<unk>", "the"], ["eel", "dog", "ant"]]
    calls = [(corpus, 2, SPECIALS), (corpus, 3, SPECIALS), (corpus, 1, SPECIALS)]
    for args, got in zip(calls, student.probe(vocab_probe, calls), strict=True):
        check_vocab(got, args, f"build_vocab(corpus of {len(corpus)} lists, min_freq={args[1]})")


@exercise("build_vocab", points=1)
def test_build_vocab_random_corpora(student):
    """On random Zipf-like corpora and several min_freq, does itos match a Counter oracle?"""
    g = rng(21)
    calls = [(random_corpus(g, 30, 25), 1, SPECIALS), (random_corpus(g, 60, 40), 2, SPECIALS),
             (random_corpus(g, 80, 40), 4, SPECIALS)]
    for args, got in zip(calls, student.probe(vocab_probe, calls), strict=True):
        check_vocab(got, args, f"build_vocab(random corpus of {len(args[0])} lists, "
                               f"min_freq={args[1]})")


@exercise("build_vocab", points=1)
def test_build_vocab_specials_and_empty(student):
    """Are other specials put first in their given order, and is an empty corpus (or one of
    empty lists) the specials alone?"""
    mine = ("<unk>", "<s>", "</s>", "<pad>", "<mask>")
    corpus = [["b", "<s>", "a", "b", "</s>"], ["a", "<s>", "c", "<mask>"]]
    calls = [([], 1, SPECIALS), ([[], []], 1, SPECIALS), (corpus, 1, mine), (corpus, 2, mine)]
    for args, got in zip(calls, student.probe(vocab_probe, calls), strict=True):
        check_vocab(got, args, f"build_vocab({'corpus' if args[0] else repr(args[0])}, "
                               f"min_freq={args[1]}, specials={args[2]})")


@exercise("build_vocab", points=1)
def test_build_vocab_defaults_and_stoi(student):
    """Called as build_vocab(corpus) (min_freq=1, the default specials), is stoi the exact
    inverse of itos?"""
    corpus = random_corpus(rng(22), 40, 30)
    got = student.probe(vocab_probe, [(corpus,)])[0]
    check_vocab(got, (corpus, 1, SPECIALS), "build_vocab(corpus) with its defaults")


# ---------------------------------------------------------------- encode / decode

def codec_probe(ns, name, itos, calls):
    """Sandbox probe: encode(tokens, vocab, *rest) or decode(ids, vocab) for each call, with a
    Vocab (the setup cell's class) built from itos."""
    vocab = ns["Vocab"](itos=list(itos), stoi={t: i for i, t in enumerate(itos)})
    fn = ns[name]
    return [fn(first, vocab, *rest) for first, *rest in calls]


def encode_oracle(tokens, itos, bos_eos=True) -> torch.Tensor:
    stoi = {t: i for i, t in enumerate(itos)}
    ids = [stoi.get(t, stoi[UNK]) for t in tokens]
    return torch.tensor([stoi[BOS], *ids, stoi[EOS]] if bos_eos else ids, dtype=torch.long)


def check_encoded(got, tokens, itos, bos_eos, what) -> None:
    want = encode_oracle(tokens, itos, bos_eos)
    if type(got) is torch.Tensor and got.dtype == torch.long:
        name_mistake(got, tokens, itos, bos_eos, what)
    check_tensor(got, want, what, check_dtype=True)


def name_mistake(got, tokens, itos, bos_eos, what) -> None:
    """Fail naming the mistake when got is the result of a known wrong encoding."""
    want = encode_oracle(tokens, itos, bos_eos)
    if got.shape == want.shape and torch.equal(got, want):
        return
    stoi = {t: i for i, t in enumerate(itos)}
    hints = {"unknown tokens get id 1: look the id of <unk> up in vocab.stoi":
             [stoi.get(t, 1) for t in tokens],
             "unknown tokens get the id of <pad>, not the id of <unk>":
             [stoi.get(t, stoi[PAD]) for t in tokens],
             "add_bos_eos is ignored": [stoi.get(t, stoi[UNK]) for t in tokens]}
    for hint, ids in hints.items():
        if bos_eos != (hint == "add_bos_eos is ignored"):
            ids = [stoi[BOS], *ids, stoi[EOS]]
        if got.tolist() == ids:
            fail(f"{what}: {hint}")
    if bos_eos and got.tolist() == [stoi[EOS], *want[1:-1].tolist(), stoi[BOS]]:
        fail(f"{what}: <bos> and <eos> are swapped")


def codec_vocab(order=SPECIALS, words=24) -> list[str]:
    return [*order, *(f"t{k}" for k in range(words))]


def random_tokens(g: torch.Generator, n: int, words=24, oov=0.2) -> list[str]:
    return [f"t{int(torch.randint(words, (1,), generator=g))}"
            if float(torch.rand((), generator=g)) > oov else
            f"oov{int(torch.randint(99, (1,), generator=g))}" for _ in range(n)]


@exercise("encode", points=1)
def test_encode_ids_and_bos_eos(student):
    """With and without add_bos_eos, are the ids right, unknown tokens <unk>, dtype long?"""
    g, itos = rng(31), codec_vocab()
    cases = [(random_tokens(g, n), flag) for n, flag in ((9, True), (13, False), (6, True),
                                                          (11, False))]
    calls = [(tokens, flag) for tokens, flag in cases] + [(cases[0][0],)]
    outs = student.probe(codec_probe, "encode", itos, calls)
    for (tokens, *flag), got in zip(calls, outs, strict=True):
        bos_eos = flag[0] if flag else True
        shown = f"add_bos_eos={bos_eos}" if flag else "the default add_bos_eos"
        check_encoded(got, tokens, itos, bos_eos, f"encode({len(tokens)} tokens, {shown})")


@exercise("encode", points=1)
def test_encode_special_ids_from_vocab(student):
    """With the specials at other ids (<unk> not 1), and for an empty token list, are <unk>,
    <bos> and <eos> looked up in the vocabulary?"""
    g, itos = rng(32), codec_vocab(order=(EOS, PAD, BOS, "<mask>", UNK))
    calls = [(random_tokens(g, 10), True), (random_tokens(g, 7), False), ([], True), ([], False)]
    outs = student.probe(codec_probe, "encode", itos, calls)
    for (tokens, flag), got in zip(calls, outs, strict=True):
        check_encoded(got, tokens, itos, flag, f"encode({len(tokens)} tokens, add_bos_eos="
                                               f"{flag}) with the specials at ids other than 0-3")


def decode_oracle(ids: torch.Tensor, itos: list[str]) -> list[str]:
    return [itos[i] for i in ids.tolist() if itos[i] not in (PAD, BOS, EOS)]


def check_decoded(got, ids, itos, what) -> None:
    if problem := token_list_problem(got, what):
        fail(problem)
    want = decode_oracle(ids, itos)
    if got == want:
        return
    words = [itos[i] for i in ids.tolist()]
    hints = {"<bos>/<eos> are kept; leave out every <pad>, <bos> and <eos>":
             [w for w in words if w != PAD],
             "<unk> is left out too; keep it as the string '<unk>'":
             [w for w in want if w != UNK],
             "<pad> is kept; leave out every <pad>, <bos> and <eos>":
             [w for w in words if w not in (BOS, EOS)],
             "decoding stops at the first <eos>; leave out every <pad>, <bos> and <eos> "
             "wherever they are": decode_oracle(ids[: words.index(EOS)], itos)
             if EOS in words else None,
             "the ids are shifted by one (itos[i - 1] or itos[i + 1])": None}
    for hint, variant in hints.items():
        if variant is not None and variant != want and got == variant:
            fail(f"{what}: {hint}")
    fail(f"{what} returned {len(got)} tokens; expected {len(want)}, or the tokens differ")


def random_ids(g: torch.Generator, itos: list[str], n: int, pads: int) -> torch.Tensor:
    stoi = {t: i for i, t in enumerate(itos)}
    body = torch.randint(len(SPECIALS), len(itos), (n,), generator=g)  # (n,)
    body[torch.randint(n, (2,), generator=g)] = stoi[UNK]
    return torch.cat([torch.tensor([stoi[BOS]]), body, torch.tensor([stoi[EOS]]),
                      torch.full((pads,), stoi[PAD])])  # (n + 2 + pads,)


@exercise("decode", points=1)
def test_decode_strips_specials(student):
    """Are <bos>, <eos> and trailing <pad> left out and <unk> kept, for several id tensors?"""
    g, itos = rng(41), codec_vocab()
    calls = [(random_ids(g, itos, n, p),) for n, p in ((8, 3), (12, 0), (5, 6))]
    outs = student.probe(codec_probe, "decode", itos, calls)
    for (ids,), got in zip(calls, outs, strict=True):
        check_decoded(got, ids, itos, f"decode(ids of length {len(ids)})")


@exercise("decode", points=1)
def test_decode_anywhere_and_roundtrip(student):
    """With the specials at other ids and <pad>/<bos>/<eos> in the middle, is every one of them
    left out; is decode(encode(x)) == x on in-vocabulary tokens; is an empty tensor []?"""
    g, itos = rng(42), codec_vocab(order=(EOS, PAD, BOS, "<mask>", UNK))
    middle = torch.cat([random_ids(g, itos, 4, 1), random_ids(g, itos, 6, 2)])  # (15,)
    tokens = [f"t{int(i)}" for i in torch.randint(24, (9,), generator=g)]
    calls = [(middle,), (encode_oracle(tokens, itos),), (torch.zeros(0, dtype=torch.long),)]
    outs = student.probe(codec_probe, "decode", itos, calls)
    names = ["decode(ids with <pad>/<bos>/<eos> in the middle, specials at other ids)",
             "decode(encode(tokens)) on in-vocabulary tokens", "decode(an empty tensor)"]
    for (ids,), got, what in zip(calls, outs, names, strict=True):
        check_decoded(got, ids, itos, what)


# ---------------------------------------------------------------- pad_batch

def pad_oracle(seqs, pad_id, max_len=None):
    n = [len(s) if max_len is None else min(len(s), max_len) for s in seqs]
    T = max(n)
    padded = torch.full((len(seqs), T), pad_id, dtype=seqs[0].dtype)  # (B, T)
    for b, s in enumerate(seqs):
        padded[b, : n[b]] = s[: n[b]]
    lengths = torch.tensor(n, dtype=torch.long)  # (B,)
    return padded, lengths, torch.arange(T) < lengths[:, None]  # (B, T)


def random_seqs(g: torch.Generator, lengths, dtype=torch.long) -> list[torch.Tensor]:
    return [torch.randint(10, 500, (n,), generator=g).to(dtype) for n in lengths]


def check_padded(out, seqs, pad_id, max_len, what) -> None:
    if not isinstance(out, tuple | list) or len(out) != 3:
        fail(f"{what} should return a tuple (padded, lengths, mask)")
    padded, lengths, mask = out
    w_padded, w_lengths, w_mask = pad_oracle(seqs, pad_id, max_len)
    B, T = w_padded.shape
    if type(padded) is torch.Tensor and padded.dim() == 2 and padded.shape[0] == B:
        longest = max(len(s) for s in seqs)
        if max_len is not None and padded.shape[1] == max_len != T:
            fail(f"{what}: padded has T = max_len = {max_len}; T is the longest kept length "
                 f"({T}), max_len only truncates")
        if max_len is not None and padded.shape[1] == longest != T:
            fail(f"{what}: padded has T = {longest}, the untruncated longest length; "
                 f"truncate to max_len = {max_len}")
    if type(padded) is torch.Tensor and padded.shape == w_padded.shape \
            and padded.dtype == w_padded.dtype \
            and not torch.equal(padded, w_padded):
        keep_last = torch.full_like(w_padded, pad_id)
        for b, s in enumerate(seqs):
            n = int(w_lengths[b])
            keep_last[b, :n] = s[len(s) - n:]
        if torch.equal(padded, w_padded.masked_fill(~w_mask, 0)):
            fail(f"{what}: padded is filled with 0, not with pad_id = {pad_id}")
        if torch.equal(padded, keep_last):
            fail(f"{what}: truncation keeps the last max_len tokens; keep the first")
        if all(torch.equal(padded[b].flip(0)[: int(n)].flip(0), w_padded[b, : int(n)])
               for b, n in enumerate(w_lengths)):
            fail(f"{what}: the padding is on the left; put the tokens first, then pad_id")
    check_tensor(padded, w_padded, f"{what}: padded", check_dtype=True)
    if type(lengths) is torch.Tensor and lengths.tolist() == [len(s) for s in seqs] \
            and not torch.equal(lengths, w_lengths):
        fail(f"{what}: lengths are the untruncated lengths; use min(len, max_len)")
    check_tensor(lengths, w_lengths, f"{what}: lengths", check_dtype=True)
    if type(mask) is torch.Tensor and mask.dtype != torch.bool:
        fail(f"{what}: mask has dtype {mask.dtype}; expected torch.bool (True = a real token)")
    if type(mask) is torch.Tensor and mask.shape == w_mask.shape and mask.numel() \
            and torch.equal(mask, ~w_mask):
        fail(f"{what}: the mask is inverted; True marks a real token, False padding (the "
             "opposite of nn.MultiheadAttention's key_padding_mask)")
    check_tensor(mask, w_mask, f"{what}: mask", check_dtype=True)


@exercise("pad_batch", points=1, forbid=PAD_FORBID)
def test_pad_batch_values(student):
    """Are sequences of distinct lengths (one empty) copied left-aligned and padded with a
    non-zero pad_id?"""
    g = rng(51)
    for lengths, pad_id in (((4, 9, 0, 6, 2), 3), ((7, 5, 1), 1)):
        seqs = random_seqs(g, lengths)
        check_padded(student.pad_batch(seqs, pad_id), seqs, pad_id, None,
                     f"pad_batch({len(seqs)} sequences of lengths {lengths}, pad_id={pad_id})")


@exercise("pad_batch", points=1, forbid=PAD_FORBID)
def test_pad_batch_truncation(student):
    """With max_len shorter than some sequences (and longer than all), are the first max_len
    tokens kept, the lengths truncated and T the longest kept length?"""
    g = rng(52)
    for lengths, max_len in (((3, 11, 6, 8), 5), ((2, 4, 3), 7), ((9, 1, 6), 6)):
        seqs = random_seqs(g, lengths)
        check_padded(student.pad_batch(seqs, 0, max_len), seqs, 0, max_len,
                     f"pad_batch(lengths {lengths}, pad_id=0, max_len={max_len})")


@exercise("pad_batch", points=1, forbid=PAD_FORBID)
def test_pad_batch_mask_and_lengths(student):
    """Is the mask bool with True = real token, and lengths a long tensor, on a larger batch?"""
    g = rng(53)
    lengths = tuple(int(n) for n in torch.randint(0, 15, (7,), generator=g))
    seqs = random_seqs(g, lengths)
    check_padded(student.pad_batch(seqs, 2), seqs, 2, None,
                 f"pad_batch({len(seqs)} sequences of lengths {lengths}, pad_id=2)")


@exercise("pad_batch", points=1, forbid=PAD_FORBID)
def test_pad_batch_dtype_single_and_empty(student):
    """Is an int32 batch kept int32, a batch of one and a batch of empty sequences handled?"""
    g = rng(54)
    cases = [(random_seqs(g, (3, 6), torch.int32), 5, None, "two int32 sequences"),
             (random_seqs(g, (4,)), 7, None, "a batch of one sequence"),
             (random_seqs(g, (0, 0, 0)), 0, None, "three empty sequences (T = 0)"),
             (random_seqs(g, (5, 3)), 1, 0, "max_len=0")]
    for seqs, pad_id, max_len, label in cases:
        args = (seqs, pad_id) if max_len is None else (seqs, pad_id, max_len)
        check_padded(student.pad_batch(*args), seqs, pad_id, max_len, f"pad_batch({label})")


# ---------------------------------------------------------------- rule_lemmatize

NOTEBOOK_LEXICON = [
    "add", "agree", "analysis", "bake", "be", "big", "box", "bring", "bus", "care", "car",
    "cat", "church", "city", "class", "close", "cry", "die", "dish", "dog", "fall", "fast",
    "fine", "fix", "fly", "glass", "go", "good", "happy", "have", "hope", "hop", "kiss",
    "large", "lie", "make", "miss", "need", "nice", "plan", "run", "see", "sing", "slow",
    "stop", "study", "tall", "tie", "try", "use", "walk", "watch", "write"]
NOTEBOOK_IRREGULAR = {"NOUN": {"children": "child", "men": "man", "feet": "foot"},
                      "VERB": {"is": "be", "are": "be", "went": "go", "had": "have",
                               "wrote": "write"},
                      "ADJ": {"best": "good", "worse": "bad"}}


def lemma_oracle(word: str, pos: str, lexicon: set, irregular: dict) -> tuple[str, str]:
    """(lemma, the rule that gave it), by the notebook's rules."""
    if word in irregular.get(pos, {}):
        return irregular[pos][word], "rule 1 (the irregular form)"
    if word in lexicon:
        return word, "rule 2 (a word in the lexicon is returned unchanged)"
    if pos not in ("NOUN", "VERB", "ADJ"):
        return word, "rule 2 (a POS other than NOUN/VERB/ADJ is returned unchanged)"

    def restore(stem: str, suffix: str) -> tuple[str, str]:
        head = f"-{suffix} then restore(stem)"
        if stem + "e" in lexicon:
            return stem + "e", f"{head}: stem + 'e' is in the lexicon"
        if stem in lexicon:
            return stem, f"{head}: the stem is in the lexicon"
        if stem[-1] == stem[-2] and stem[-1] not in "aeioulsz":
            return stem[:-1], f"{head}: a doubled consonant (not l, s, z) is undoubled"
        if stem[-1] == stem[-2] and stem[-1] in "lsz":
            return stem, f"{head}: the stem as it is (a doubled l, s or z is kept)"
        return stem, f"{head}: the stem as it is"

    if pos == "ADJ":
        rules = [("iest", "y"), ("ier", "y"), ("est", None), ("er", None)]
    else:
        rules = [("sses", "ss"), ("ies", "y"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"),
                 ("ss", "keep"), ("us", "keep"), ("is", "keep"), ("s", "")]
        if pos == "VERB":
            rules = [("ied", "y"), ("ing", None), ("ed", None), *rules]
    for suffix, then in rules:
        stem = word[: len(word) - len(suffix)]
        if word.endswith(suffix) and then == "keep":
            return word, f"-{suffix}: the word is kept unchanged"
        if word.endswith(suffix) and len(stem) >= 2:
            if then is None:
                return restore(stem, suffix)
            return stem + then, f"-{suffix} -> stem + '{then}' ({pos})"
    return word, "no rule applies: the word unchanged"


def lemma_probe(ns, words, lexicon, irregular):
    fn = ns["rule_lemmatize"]
    lex = set(lexicon)
    return [fn(w, pos, lex, irregular) for w, pos in words]


def check_lemmas(student, words, lexicon, irregular, what) -> None:
    outs = student.probe(lemma_probe, words, lexicon, irregular)
    lex = set(lexicon)
    for (word, pos), got in zip(words, outs, strict=True):
        want, rule = lemma_oracle(word, pos, lex, irregular)
        call = f"rule_lemmatize({word!r}, {pos!r})"
        if not isinstance(got, str):
            fail(f"{call} returned {quote(type(got).__name__, 30)}; expected a string")
        if got != want:
            fail(f"{what}: {call} returned {quote(repr(got), 40)}; the rule that applies is "
                 f"{rule}")


NOTEBOOK_WORDS = [
    ("studied", "VERB"), ("tried", "VERB"), ("hoping", "VERB"), ("hopping", "VERB"),
    ("caring", "VERB"), ("walked", "VERB"), ("stopped", "VERB"), ("planned", "VERB"),
    ("added", "VERB"), ("missed", "VERB"), ("falling", "VERB"), ("buzzing", "VERB"),
    ("seeing", "VERB"), ("fixes", "VERB"), ("watches", "VERB"), ("makes", "VERB"),
    ("kisses", "VERB"), ("flies", "VERB"), ("wrote", "VERB"), ("went", "VERB"),
    ("classes", "NOUN"), ("cities", "NOUN"), ("boxes", "NOUN"), ("churches", "NOUN"),
    ("dishes", "NOUN"), ("glass", "NOUN"), ("bus", "NOUN"), ("analysis", "NOUN"),
    ("cars", "NOUN"), ("dogs", "NOUN"), ("children", "NOUN"), ("mice", "NOUN"),
    ("news", "NOUN"), ("running", "NOUN"), ("walked", "NOUN"), ("happiest", "ADJ"),
    ("happier", "ADJ"), ("bigger", "ADJ"), ("biggest", "ADJ"), ("nicer", "ADJ"),
    ("finest", "ADJ"), ("taller", "ADJ"), ("slowest", "ADJ"), ("best", "ADJ"),
    ("better", "ADJ"), ("cars", "ADJ"), ("quickly", "ADV"), ("went", "NOUN"), ("is", "AUX"),
]


@exercise("rule_lemmatize", points=1, forbid=LIB_FORBID)
def test_rule_lemmatize_notebook_lexicon(student):
    """With the notebook's LEXICON and IRREGULAR, does every rule give the right lemma on a
    word list that reaches each rule?"""
    check_lemmas(student, NOTEBOOK_WORDS, NOTEBOOK_LEXICON, NOTEBOOK_IRREGULAR,
                 "with the notebook's lexicon")


@exercise("rule_lemmatize", points=1, forbid=LIB_FORBID)
def test_rule_lemmatize_short_stems_and_order(student):
    """Do suffix rules need 2 letters of stem (ties -> tie), are -ss/-us/-is kept, is the
    first rule in the stated order the one used?"""
    words = [("ties", "NOUN"), ("dies", "VERB"), ("lies", "VERB"), ("died", "VERB"),
             ("bed", "VERB"), ("ring", "VERB"), ("es", "NOUN"), ("xes", "NOUN"),
             ("as", "NOUN"), ("us", "NOUN"), ("kiss", "NOUN"), ("crisis", "NOUN"),
             ("status", "VERB"), ("bier", "ADJ"), ("iest", "ADJ"), ("ashes", "NOUN"),
             ("passes", "VERB"), ("axes", "NOUN"), ("tinier", "ADJ"), ("singing", "VERB"),
             ("seed", "VERB"), ("ed", "VERB"), ("ing", "VERB"), ("sses", "NOUN")]
    check_lemmas(student, words, ["die", "lie", "sing"], {}, "short stems and rule order")


def synthetic_words(g: torch.Generator, n: int) -> tuple[list, list[str]]:
    """Random stems with the rules' suffixes, and a lexicon holding some stems, stems + 'e'
    and undoubled stems, so every branch of restore is reached with words no list holds."""
    cons, vow = "bcdfgklmnprstvz", "aeiou"
    suffixes = {"VERB": ["ing", "ed", "ied", "ies", "es", "s", "sses", "ches"],
                "NOUN": ["s", "es", "ies", "xes", "shes", "sses", "us", "is"],
                "ADJ": ["er", "est", "ier", "iest"]}
    words, lexicon = [], []
    for _ in range(n):
        stem = pick(g, cons) + pick(g, vow) + pick(g, cons)
        if float(torch.rand((), generator=g)) < 0.3:
            stem += stem[-1]  # a doubled consonant
        pos = pick(g, ["VERB", "VERB", "NOUN", "ADJ"])
        words.append((stem + pick(g, suffixes[pos]), pos))
        u = float(torch.rand((), generator=g))
        if u < 0.25:
            lexicon.append(stem + "e")
        elif u < 0.45:
            lexicon.append(stem)
        elif u < 0.55:
            lexicon.append(stem[:-1] if stem[-1] == stem[-2] else stem + "e")
    return words, lexicon


@exercise("rule_lemmatize", points=1, forbid=LIB_FORBID)
def test_rule_lemmatize_given_lexicon(student):
    """With random made-up words and a lexicon passed in (not the notebook's), does restore
    use the lexicon it is given?"""
    words, lexicon = synthetic_words(rng(61), 60)
    check_lemmas(student, words, lexicon, {}, "with a made-up lexicon")


@exercise("rule_lemmatize", points=1, forbid=LIB_FORBID)
def test_rule_lemmatize_given_irregular(student):
    """With another irregular dict (by POS, one POS missing), is it looked up for the word's
    own POS first?"""
    irregular = {"VERB": {"saw": "see", "ran": "run", "was": "be", "lied": "lay"},
                 "NOUN": {"mice": "mouse", "geese": "goose", "dies": "dice"}}
    words = [("saw", "VERB"), ("saw", "NOUN"), ("ran", "VERB"), ("was", "VERB"),
             ("mice", "NOUN"), ("mice", "VERB"), ("geese", "NOUN"), ("lied", "VERB"),
             ("lied", "NOUN"), ("dies", "NOUN"), ("dies", "VERB"), ("better", "ADJ"),
             ("children", "NOUN"), ("went", "VERB")]
    check_lemmas(student, words, ["die", "lie", "see"], irregular, "with another irregular dict")


# ---------------------------------------------------------------- stem

def has_vowel(s: str) -> bool:
    return any(ch in "aeiou" for ch in s)


def stem_oracle(word: str) -> tuple[str, list[str]]:
    """(stem, the rules applied), Porter step 1 as stated in the notebook."""
    w, applied = word, []
    for suffix, cut in (("sses", 2), ("ies", 2), ("ss", 0), ("s", 1)):
        if w.endswith(suffix):
            w = w[: len(w) - cut]
            applied.append(f"1a -{suffix}")
            break
    if w.endswith("eed"):
        if has_vowel(w[:-3]):
            w = w[:-1]
            applied.append("1b -eed -> -ee (a vowel before it)")
        else:
            applied.append("1b -eed with no vowel before it: unchanged, and no -ed rule")
    else:
        for suffix in ("ed", "ing"):
            if w.endswith(suffix):
                if not has_vowel(w[: -len(suffix)]):
                    applied.append(f"1b -{suffix} kept (no vowel before it)")
                    break
                w = w[: -len(suffix)]
                applied.append(f"1b -{suffix} removed")
                if w.endswith(("at", "bl", "iz")):
                    w += "e"
                    applied.append("1b -at/-bl/-iz + e")
                elif len(w) >= 2 and w[-1] == w[-2] and w[-1] not in "aeioulsz":
                    w = w[:-1]
                    applied.append("1b a doubled consonant (not l, s, z) undoubled")
                elif len(w) >= 2 and w[-1] == w[-2] and w[-1] in "lsz":
                    applied.append("1b a doubled l, s or z is kept")
                break
    if w.endswith("y") and has_vowel(w[:-1]):
        w = w[:-1] + "i"
        applied.append("1c -y -> -i (a vowel before it)")
    return w, applied or ["no rule applies"]


def check_stems(student, words: list[str], what: str) -> None:
    outs = student.probe(map_call, "stem", [(w,) for w in words])
    for word, got in zip(words, outs, strict=True):
        want, applied = stem_oracle(word)
        if not isinstance(got, str):
            fail(f"stem({word!r}) returned {quote(type(got).__name__, 30)}; expected a string")
        if got != want:
            fail(f"{what}: stem({word!r}) returned {quote(repr(got), 40)}; the rules that "
                 f"apply are: {'; '.join(applied)}")


@exercise("stem", points=1, forbid=LIB_FORBID)
def test_stem_step_1a(student):
    """Does step 1a take the first of -sses, -ies, -ss, -s, and leave other words alone?"""
    check_stems(student, ["caresses", "ponies", "ties", "caress", "cats", "gas", "bus", "kiss",
                          "princesses", "cries", "is", "tree", "go"], "step 1a")


@exercise("stem", points=1, forbid=LIB_FORBID)
def test_stem_step_1b(student):
    """Does step 1b handle -eed, -ed/-ing after a vowel, + e after -at/-bl/-iz and the
    undoubling (not l, s, z)?"""
    check_stems(student, ["agreed", "feed", "speed", "plastered", "bled", "motoring", "sing",
                          "conflated", "troubled", "sized", "hopping", "tanned", "falling",
                          "hissing", "fizzed", "failing", "filing", "hoping", "red",
                          "bring", "proceed", "creed", "rated", "buzzing"], "step 1b")


@exercise("stem", points=1, forbid=LIB_FORBID)
def test_stem_step_1c_and_chains(student):
    """Does step 1c turn y into i only after a vowel, and do the steps chain (1a, then 1b,
    then 1c on the result)?"""
    words = ["happy", "sky", "cry", "crying", "played", "studies", "studying", "flies",
             "enjoys", "agreeds", "fittings", "by", "y", "syzygy", "hurrying", "replays"]
    g = rng(71)
    for _ in range(20):  # random made-up words with the suffixes
        w = "".join(pick(g, "bcdfgklmnprstvzaeiouy") for _ in range(2 + int(torch.randint(
            4, (1,), generator=g))))
        words.append(w + pick(g, ["ies", "sses", "s", "ed", "ing", "eed", "y", "ated", "bling",
                                  "izing", "ttings", "ys"]))
    check_stems(student, words, "steps in sequence")


# ---------------------------------------------------------------- checkpoint questions

@exercise("q_unk_rate", points=1)
def test_q_unk_rate(student):
    """What does a larger min_freq do to the <unk> rate of held-out text?"""
    check_answer(student.value("q_unk_rate"), "q_unk_rate", "e8aa5fc9a5a35c38ab5f")


@exercise("q_pad_share", points=1)
def test_q_pad_share(student):
    """What fraction of a padded batch of lengths 3, 7, 2, 8, 6 is padding?"""
    check_answer(student.value("q_pad_share"), "q_pad_share", "c1308f89e33eda972439")


@exercise("q_stem_hoping", points=1)
def test_q_stem_hoping(student):
    """What does Porter step 1 make of 'hoping'?"""
    check_answer(student.value("q_stem_hoping"), "q_stem_hoping", "c2f964f2d8eeec8bb25d")
