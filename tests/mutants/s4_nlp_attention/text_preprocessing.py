"""Wrong and correct answers for s4_nlp_attention/text_preprocessing: each replaces one answer
cell. The setup cell (os, Counter, dataclass, torch, SPECIALS, PAD/UNK/BOS/EOS, Vocab, LEXICON,
IRREGULAR) stays, as it does when a student's notebook is graded."""

# The reference tokenizer loop with the word test, the apostrophe test and the lower-casing
# filled in below.
TOKENIZE = """
def tokenize(text):
    text = {lower}
    tokens, word = [], ""
    for i, ch in enumerate(text):
        inner = {inner}
        if {is_word} or inner:
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        if not ch.isspace():
            tokens.append(ch)
    if word:
        tokens.append(word)
    return tokens
"""
TOKENIZE_RIGHT = {"lower": "text.lower()", "is_word": "ch.isalnum()",
                  "inner": "ch == \"'\" and word != '' and i + 1 < len(text) and "
                           "text[i + 1].isalnum()"}


def tokenize_with(**changes: str) -> str:
    return TOKENIZE.format(**{**TOKENIZE_RIGHT, **changes})


VOCAB = """
def build_vocab(token_lists, min_freq=1, specials=SPECIALS):
    counts = Counter(t for tokens in token_lists for t in tokens)
    kept = [t for t, c in counts.items() if {keep}]
    kept = {order}
    itos = {itos}
    return Vocab(itos=itos, stoi={{t: {index} for i, t in enumerate(itos)}})
"""
VOCAB_RIGHT = {"keep": "c >= min_freq and t not in specials",
               "order": "sorted(kept, key=lambda t: (-counts[t], t))",
               "itos": "list(specials) + kept", "index": "i"}


def vocab_with(**changes: str) -> str:
    return VOCAB.format(**{**VOCAB_RIGHT, **changes})


ENCODE = """
def encode(tokens, vocab, add_bos_eos=True):
    ids = [vocab.stoi.get(t, {unk}) for t in tokens]
    if {flag}:
        ids = [{first}, *ids, {last}]
    return {ret}
"""
ENCODE_RIGHT = {"unk": "vocab.stoi[UNK]", "flag": "add_bos_eos", "first": "vocab.stoi[BOS]",
                "last": "vocab.stoi[EOS]", "ret": "torch.tensor(ids, dtype=torch.long)"}


def encode_with(**changes: str) -> str:
    return ENCODE.format(**{**ENCODE_RIGHT, **changes})


DECODE = """
def decode(ids, vocab):
    skip = {skip}
    out = []
    for i in ids.tolist():
        {stop}
        if i not in skip and {keep}:
            out.append(vocab.itos[i])
    return out
"""
DECODE_RIGHT = {"skip": "{vocab.stoi[PAD], vocab.stoi[BOS], vocab.stoi[EOS]}", "stop": "",
                "keep": "True"}


def decode_with(**changes: str) -> str:
    return DECODE.format(**{**DECODE_RIGHT, **changes})


PAD_BATCH = """
def pad_batch(seqs, pad_id, max_len=None):
    ref = seqs[0]
    n = [len(s) if max_len is None else min(len(s), max_len) for s in seqs]
    T = {T}
    padded = torch.full((len(seqs), T), {fill}, dtype={dtype}, device=ref.device)
    for b, (s, n_b) in enumerate(zip(seqs, n)):
        {copy}
    lengths = torch.tensor({lengths}, dtype=torch.long, device=ref.device)
    mask = {mask}
    return padded, lengths, mask
"""
PAD_RIGHT = {"T": "max(n)", "fill": "pad_id", "dtype": "ref.dtype",
             "copy": "padded[b, :n_b] = s[:n_b]", "lengths": "n",
             "mask": "torch.arange(T, device=ref.device) < lengths[:, None]"}


def pad_with(**changes: str) -> str:
    return PAD_BATCH.format(**{**PAD_RIGHT, **changes})


LEMMA = """
def rule_lemmatize(word, pos, lexicon, irregular):
    {libcall}
    if {irregular_hit}:
        return {irregular_value}
    if word in {lex} or pos not in ("NOUN", "VERB", "ADJ"):
        return word

    def restore(stem):
        {restore}
        return stem

    if pos == "ADJ":
        rules = [("iest", "y"), ("ier", "y"), ("est", restore), ("er", restore)]
    else:
        rules = [("sses", "ss"), ("ies", "y"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"),
                 {keep_rules}("s", "")]
        if pos == "VERB":
            rules = [("ied", "y"), ("ing", restore), ("ed", restore), *rules]
    for suffix, then in rules:
        stem = word[: len(word) - len(suffix)]
        if word.endswith(suffix) and then is None:
            return word
        if word.endswith(suffix) and {guard}:
            return then(stem) if callable(then) else stem + then
    return word
"""
LEMMA_RIGHT = {
    "libcall": "",
    "irregular_hit": "word in irregular.get(pos, {})", "irregular_value": "irregular[pos][word]",
    "lex": "lexicon", "guard": "len(stem) >= 2", "keep_rules": '("ss", None), ("us", None), '
                                                            '("is", None), ',
    "restore": """if stem + "e" in lexicon:
            return stem + "e"
        if stem in lexicon:
            return stem
        if stem[-1] == stem[-2] and stem[-1] not in "aeioulsz":
            return stem[:-1]"""}


def lemma_with(**changes: str) -> str:
    return LEMMA.format(**{**LEMMA_RIGHT, **changes})


STEM = """
def stem(word):
    {libcall}
    def has_vowel(s):
        return any(ch in "aeiou" for ch in s)

    w = word
    if w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("ies"):
        w = {ies}
    elif w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if w.endswith("eed"){eed_cond}:
        if has_vowel(w[:-3]):
            w = w[:-1]
    else:
        for suffix in ("ed", "ing"):
            if w.endswith(suffix) and {vowel}:
                w = w[: -len(suffix)]
                if w.endswith(("at", "bl", "iz")):
                    {add_e}
                elif len(w) >= 2 and w[-1] == w[-2] and w[-1] not in {keep_double}:
                    w = w[:-1]
                break
    if w.endswith("y") and {y_cond}:
        w = w[:-1] + "i"
    return w
"""
STEM_RIGHT = {"libcall": "", "ies": "w[:-2]", "eed_cond": "",
              "vowel": "has_vowel(w[: -len(suffix)])",
              "add_e": 'w += "e"', "keep_double": '"aeioulsz"', "y_cond": "has_vowel(w[:-1])"}


def stem_with(**changes: str) -> str:
    return STEM.format(**{**STEM_RIGHT, **changes})


MUTANTS = {
    "tokenize": {
        "wrong": {
            "split_on_whitespace": ("def tokenize(text):\n    return text.lower().split()",
                                    "each punctuation mark is a token of its own"),
            "regex_backslash_w": ("import re\n\ndef tokenize(text):\n"
                                  "    return re.findall(r\"\\w+|[^\\w\\s]\", text.lower())",
                                  "_ and - are punctuation"),
            "ascii_letters_only": ("import re\n\ndef tokenize(text):\n    return re.findall("
                                   "r\"[a-z0-9]+(?:'[a-z0-9]+)*|\\S\", text.lower())",
                                   "letters of every script"),
            "no_lower_case": (tokenize_with(lower="text"), "lower-case every letter"),
            "apostrophe_always_split": (tokenize_with(inner="False"),
                                        "stays inside the word"),
            "apostrophe_kept_at_edges": (tokenize_with(inner="ch == \"'\""),
                                         "at the start or end of a word is punctuation"),
            "isalpha_drops_digits": (tokenize_with(is_word="ch.isalpha()",
                                                   inner="ch == \"'\" and word != '' and i + 1 "
                                                         "< len(text) and text[i + 1].isalpha()"),
                                     "digits are word characters"),
        },
        "correct": {
            "regex_word_or_nonspace": ("import re\n\ndef tokenize(text: str) -> list[str]:\n"
                                       "    return re.findall(r\"[^\\W_]+(?:'[^\\W_]+)*|\\S\", "
                                       "text.lower())"),
            "split_then_scan": '''
def tokenize(text):
    out = []
    for chunk in text.lower().split():
        i = 0
        while i < len(chunk):
            j = i
            while j < len(chunk) and (chunk[j].isalnum() or (
                    chunk[j] == "'" and j > i and j + 1 < len(chunk) and chunk[j + 1].isalnum())):
                j += 1
            if j == i:
                out.append(chunk[i])
                j = i + 1
            else:
                out.append(chunk[i:j])
            i = j
    return out
''',
        },
    },
    "build_vocab": {
        "wrong": {
            "greater_than_min_freq": (vocab_with(keep="c > min_freq and t not in specials"),
                                      "exactly min_freq times"),
            "most_common_ties": (vocab_with(order="sorted(kept, key=lambda t: -counts[t])"),
                                 "order of first appearance"),
            "specials_counted_twice": (vocab_with(keep="c >= min_freq"), "listed twice"),
            "specials_last": (vocab_with(itos="kept + list(specials)"), "after the tokens"),
            "stoi_from_one": (vocab_with(index="i + 1"), "stoi is not its inverse"),
            "default_specials_always": (vocab_with(itos="list(SPECIALS) + kept"),
                                        "does not start with the specials"),
        },
        "correct": {
            "most_common_then_stable_sort": '''
def build_vocab(token_lists, min_freq=1, specials=SPECIALS):
    counts = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    pairs = sorted(counts.most_common(), key=lambda kv: kv[0])   # alphabetical ...
    pairs.sort(key=lambda kv: kv[1], reverse=True)               # ... then by count (stable)
    itos = list(specials)
    itos += [t for t, c in pairs if c >= min_freq and t not in set(specials)]
    return Vocab(itos, dict(zip(itos, range(len(itos)))))
''',
        },
    },
    "encode": {
        "wrong": {
            "unk_is_always_1": (encode_with(unk="1"), "look the id of <unk> up"),
            "unk_gets_pad_id": (encode_with(unk="vocab.stoi[PAD]"), "id of <pad>"),
            "flag_ignored": (encode_with(flag="True"), "add_bos_eos is ignored"),
            "bos_eos_swapped": (encode_with(first="vocab.stoi[EOS]", last="vocab.stoi[BOS]"),
                                "swapped"),
            "returns_a_list": (encode_with(ret="ids"), "should be a torch.Tensor"),
        },
        "correct": {
            "as_tensor_of_map": '''
def encode(tokens, vocab, add_bos_eos=True):
    unk = vocab.stoi[UNK]
    body = torch.as_tensor([vocab.stoi[t] if t in vocab.stoi else unk for t in tokens],
                           dtype=torch.long)                                    # (n,)
    if not add_bos_eos:
        return body
    return torch.cat([torch.tensor([vocab.stoi[BOS]]), body, torch.tensor([vocab.stoi[EOS]])])
''',
        },
    },
    "decode": {
        "wrong": {
            "keeps_bos_eos": (decode_with(skip="{vocab.stoi[PAD]}"), "<bos>/<eos> are kept"),
            "drops_unk": (decode_with(skip="{vocab.stoi[PAD], vocab.stoi[BOS], vocab.stoi[EOS], "
                                           "vocab.stoi[UNK]}"), "<unk> is left out"),
            "stops_at_first_eos": (decode_with(stop="if i == vocab.stoi[EOS]:\n            break"),
                                   "stops at the first <eos>"),
            "keeps_pad": (decode_with(skip="{vocab.stoi[BOS], vocab.stoi[EOS]}"),
                          "<pad> is kept"),
        },
        "correct": {
            "by_token_name": '''
def decode(ids, vocab):
    words = [vocab.itos[int(i)] for i in ids]
    return [w for w in words if w not in (PAD, BOS, EOS)]
''',
        },
    },
    "pad_batch": {
        "wrong": {
            "forbidden_pad_sequence": ('''
def pad_batch(seqs, pad_id, max_len=None):
    from torch.nn.utils.rnn import pad_sequence
    cut = [s if max_len is None else s[:max_len] for s in seqs]
    padded = pad_sequence(cut, batch_first=True, padding_value=pad_id)
    lengths = torch.tensor([len(s) for s in cut], dtype=torch.long)
    mask = torch.arange(padded.shape[1]) < lengths[:, None]
    return padded, lengths, mask
''', "forbidden"),
            "forbidden_nested_tensor": ('''
def pad_batch(seqs, pad_id, max_len=None):
    cut = [s if max_len is None else s[:max_len] for s in seqs]
    padded = torch.nested.nested_tensor(cut).to_padded_tensor(pad_id)
    lengths = torch.tensor([len(s) for s in cut], dtype=torch.long)
    mask = torch.arange(padded.shape[1]) < lengths[:, None]
    return padded, lengths, mask
''', "forbidden"),
            "zero_padding": (pad_with(fill="0"), "filled with 0"),
            "inverted_mask": (pad_with(mask="torch.arange(T, device=ref.device) >= "
                                            "lengths[:, None]"), "inverted"),
            "keeps_last_tokens": (pad_with(copy="padded[b, :n_b] = s[len(s) - n_b:]"),
                                  "keeps the last"),
            "lengths_not_truncated": (pad_with(lengths="[len(s) for s in seqs]"),
                                      "untruncated lengths"),
            "T_is_max_len": (pad_with(T="max(n) if max_len is None else max_len"),
                             "T = max_len"),
            "float_padded": (pad_with(dtype="torch.float32"), "dtype"),
            "left_padding": (pad_with(copy="padded[b, T - n_b:] = s[:n_b]",
                                      mask="torch.arange(T, device=ref.device) >= "
                                           "T - lengths[:, None]"), "on the left"),
        },
        "correct": {
            "stack_of_F_pad": '''
import torch.nn.functional as F

def pad_batch(seqs, pad_id, max_len=None):
    cut = [s[:max_len] if max_len is not None else s for s in seqs]
    T = max(len(s) for s in cut)
    padded = torch.stack([F.pad(s, (0, T - len(s)), value=pad_id) for s in cut])  # (B, T)
    lengths = torch.tensor([len(s) for s in cut], device=seqs[0].device)            # (B,)
    mask = torch.arange(T, device=seqs[0].device).expand(len(cut), T) < lengths.unsqueeze(1)
    return padded, lengths, mask
''',
        },
    },
    "rule_lemmatize": {
        "wrong": {
            "forbidden_simplemma": (lemma_with(libcall="import simplemma\n    "
                                                       "_ = simplemma.lemmatize(word, lang='en')"),
                                    "forbidden"),
            "forbidden_lemminflect": (lemma_with(
                libcall="import lemminflect\n    _ = lemminflect.getLemma(word, upos='VERB')"),
                                      "forbidden"),
            "global_lexicon": (lemma_with(lex="LEXICON", restore=LEMMA_RIGHT["restore"].replace(
                "lexicon", "LEXICON")), "with a made-up lexicon"),
            "no_two_letter_guard": (lemma_with(guard="True"), "rule_lemmatize('dies', 'VERB')"),
            "undoubles_l_s_z": (lemma_with(restore=LEMMA_RIGHT["restore"].replace(
                '"aeioulsz"', '"aeiou"')), "doubled l, s or z is kept"),
            "stem_before_stem_e": (lemma_with(restore="""if stem in lexicon:
            return stem
        if stem + "e" in lexicon:
            return stem + "e"
        if stem[-1] == stem[-2] and stem[-1] not in "aeioulsz":
            return stem[:-1]"""), "stem + 'e' is in the lexicon"),
            "no_ss_us_is_rule": (lemma_with(keep_rules=""), "kept unchanged"),
            "irregular_of_any_pos": (lemma_with(
                irregular_hit="any(word in d for d in irregular.values())",
                irregular_value="next(d[word] for d in irregular.values() if word in d)"),
                "with another irregular dict"),
        },
        "correct": {
            "if_chains": '''
def _restore(stem, lexicon):
    if stem + "e" in lexicon:
        return stem + "e"
    if stem in lexicon:
        return stem
    doubled = stem[-1] == stem[-2] and stem[-1] not in "aeioulsz"
    return stem[:-1] if doubled else stem


def _plural(word):
    for suffix, repl in (("sses", "ss"), ("ies", "y"), ("xes", "x"), ("ches", "ch"),
                         ("shes", "sh")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)] + repl
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("s") and len(word) >= 3:
        return word[:-1]
    return word


def rule_lemmatize(word, pos, lexicon, irregular):
    table = irregular[pos] if pos in irregular else {}
    if word in table:
        return table[word]
    if word in lexicon or pos not in {"NOUN", "VERB", "ADJ"}:
        return word
    if pos == "ADJ":
        for suffix in ("iest", "ier"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                return word[: -len(suffix)] + "y"
        for suffix in ("est", "er"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                return _restore(word[: -len(suffix)], lexicon)
        return word
    if pos == "VERB":
        if word.endswith("ied") and len(word) >= 5:
            return word[:-3] + "y"
        for suffix in ("ing", "ed"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                return _restore(word[: -len(suffix)], lexicon)
    return _plural(word)
''',
        },
    },
    "stem": {
        "wrong": {
            "forbidden_simplemma": (stem_with(libcall="import simplemma\n    "
                                                      "_ = simplemma.lemmatize(word, lang='en')"),
                                    "forbidden"),
            "ies_to_y": (stem_with(ies='w[:-3] + "y"'), "1a -ies"),
            "no_vowel_condition": (stem_with(vowel="True"), "no vowel before it"),
            "undoubles_l_s_z": (stem_with(keep_double='"aeiou"'), "doubled l, s or z is kept"),
            "eed_falls_through_to_ed": (stem_with(eed_cond=" and has_vowel(w[:-3])"),
                                        "no -ed rule"),
            "no_e_after_at_bl_iz": (stem_with(add_e="pass"), "-at/-bl/-iz"),
        },
        "correct": {
            "regex_steps": '''
import re

def stem(word):
    w = word
    for pattern, repl in ((r"sses$", "ss"), (r"ies$", "i"), (r"ss$", "ss"), (r"s$", "")):
        if re.search(pattern, w):
            w = re.sub(pattern, repl, w)
            break
    m = re.fullmatch(r"(.*)eed", w)
    if m:
        if re.search("[aeiou]", m.group(1)):
            w = m.group(1) + "ee"
    else:
        m = re.fullmatch(r"(.*)(ed|ing)", w)
        if m and re.search("[aeiou]", m.group(1)):
            w = m.group(1)
            if re.search(r"(at|bl|iz)$", w):
                w += "e"
            elif re.search(r"([^aeioulsz])\\1$", w):
                w = w[:-1]
    m = re.fullmatch(r"(.*)y", w)
    if m and re.search("[aeiou]", m.group(1)):
        w = m.group(1) + "i"
    return w
''',
        },
    },
    "q_unk_rate": {"wrong": {"falls": 'q_unk_rate = "a"'},
                   "correct": {"upper_case": 'q_unk_rate = " B "'}},
    "q_pad_share": {"wrong": {"real_share": "q_pad_share = 0.65",
                              "percent": "q_pad_share = 35"},
                    "correct": {"fraction": "q_pad_share = 14 / 40"}},
    "q_stem_hoping": {"wrong": {"lemma": 'q_stem_hoping = "hope"'},
                      "correct": {"computed": 'q_stem_hoping = stem("hoping")'}},
}

# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "tokenize": {
        "split_on_whitespace": "the text is only split at whitespace, so punctuation stays glued "
                               "to the words",
        "regex_backslash_w": "words are runs of the regex class \\w, so _ counts as a letter and "
                             "an apostrophe inside a word splits it",
        "ascii_letters_only": "only the ASCII letters a-z and digits count as word characters, so "
                              "accented and non-Latin letters are split off",
        "no_lower_case": "the text is not lower-cased before it is split",
        "apostrophe_always_split": "an apostrophe between two word characters is split off instead "
                                   "of staying inside the word",
        "apostrophe_kept_at_edges": "every apostrophe counts as a word character, even at the "
                                    "start or end of a word",
        "isalpha_drops_digits": "only letters (str.isalpha) count as word characters, so each "
                                "digit becomes a token of its own",
    },
    "build_vocab": {
        "greater_than_min_freq": "a token is kept only when its count is strictly greater than "
                                 "min_freq, dropping those seen exactly min_freq times",
        "most_common_ties": "tokens with the same count stay in order of first appearance instead "
                            "of being sorted alphabetically",
        "specials_counted_twice": "a special token that also appears in the text is counted and "
                                  "listed a second time",
        "specials_last": "the special tokens are put after the corpus tokens instead of first",
        "stoi_from_one": "the ids in stoi start at 1, so stoi is off by one from the positions in "
                         "itos",
        "default_specials_always": "the default SPECIALS are used instead of the specials passed "
                                   "in",
    },
    "encode": {
        "unk_is_always_1": "an unknown token gets the fixed id 1 instead of the id of <unk> looked "
                           "up in the vocabulary",
        "unk_gets_pad_id": "an unknown token gets the id of <pad> instead of the id of <unk>",
        "flag_ignored": "the <bos> and <eos> tokens are added even when add_bos_eos is False",
        "bos_eos_swapped": "the sequence is wrapped the wrong way round, with <eos> in front and "
                           "<bos> at the end",
        "returns_a_list": "the ids are returned as a Python list instead of a LongTensor",
    },
    "decode": {
        "keeps_bos_eos": "only <pad> is left out, while <bos> and <eos> stay in the output",
        "drops_unk": "the <unk> tokens are left out too, along with <pad>, <bos> and <eos>",
        "stops_at_first_eos": "decoding stops at the first <eos>, losing every token after it",
        "keeps_pad": "the <pad> tokens stay in the output, while <bos> and <eos> are left out",
    },
    "pad_batch": {
        "zero_padding": "the padding is filled with 0 instead of pad_id",
        "inverted_mask": "the mask is inverted: True marks the padding instead of the real tokens",
        "keeps_last_tokens": "truncation to max_len keeps the last tokens of a sequence instead of "
                             "the first",
        "lengths_not_truncated": "lengths holds the original sequence lengths, ignoring the "
                                 "truncation to max_len",
        "T_is_max_len": "the padded length T is max_len whenever max_len is given, even when every "
                        "sequence is shorter",
        "float_padded": "padded is a float tensor instead of having the dtype of the sequences",
        "left_padding": "the padding goes on the left of each row (tokens right-aligned) instead "
                        "of after the tokens",
    },
    "rule_lemmatize": {
        "global_lexicon": "the global LEXICON of the setup cell is used instead of the lexicon "
                          "passed in",
        "no_two_letter_guard": "a suffix rule is applied even when it leaves fewer than 2 letters "
                               "of stem",
        "undoubles_l_s_z": "restore also undoubles a final ll, ss or zz, not only the other "
                           "doubled consonants",
        "stem_before_stem_e": "restore looks the bare stem up in the lexicon before stem + e",
        "no_ss_us_is_rule": "words ending in -ss, -us or -is are not kept unchanged, so the -s "
                            "rule strips their final s",
        "irregular_of_any_pos": "an irregular form is looked up in the tables of every part of "
                                "speech, not only in the word's own POS",
    },
    "stem": {
        "ies_to_y": "step 1a turns -ies into -y instead of -i",
        "no_vowel_condition": "the suffix -ed or -ing is removed even when the part before it has "
                              "no vowel",
        "undoubles_l_s_z": "step 1b also undoubles a final ll, ss or zz after removing -ed or -ing",
        "eed_falls_through_to_ed": "a word ending in -eed with no vowel before it falls through to "
                                   "the -ed rule instead of being left alone",
        "no_e_after_at_bl_iz": "no e is added back when the result of step 1b ends in -at, -bl or "
                               "-iz",
    },
    "q_unk_rate": {
        "falls": "a larger min_freq is thought to leave fewer unknown tokens in held-out text",
    },
    "q_pad_share": {
        "real_share": "the share of real tokens is given instead of the share of padding",
        "percent": "the padding share is given as a percentage instead of a fraction between 0 and "
                   "1",
    },
    "q_stem_hoping": {
        "lemma": "the dictionary lemma is given instead of what the Porter step-1 stemmer actually "
                 "returns",
    },
}
