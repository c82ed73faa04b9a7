#!/usr/bin/env python3
"""Compare sluice's word split with spaCy's English tokenizer over whole files.

datatrove's English word counts, n-grams, stop words and sentence counts
come from spacy.blank("en") with the "sentencizer".  spaCy cannot be
installed here (no pip registry), so this script carries its own
implementation of what spaCy's Tokenizer does (tokenizer.pyx of spaCy 3.8:
__call__ -> _tokenize_affixes, _split_affixes, _attach_tokens, then
_apply_special_cases with the PhraseMatcher and _filter_special_spans) and
of the Sentencizer, and runs it on spaCy's own rule data: the prefix,
suffix and infix regexes, URL_MATCH and the tokenizer exceptions are read
at run time from a spaCy source tree (a checkout, or a bare git repository
with --rev), so nothing of spaCy is restated here.

For every text, the tokens (as datatrove keeps them: stripped, whitespace
tokens dropped) and the c4 sentence count (summed over the stripped lines)
are compared with build/bench/words_dump's, which are sluice's
words_split() and words_count_sentences(); with --signals, the word-based
quality signals too (datatrove's formulas on spaCy's tokens against
`sluice quality --signals`, one rule set at a time).  Prints per input the
texts, tokens, texts whose tokens differ, token differences, sentence
count and signal differences, then each differing stretch (up to --show)
and the kinds of differences.

    git clone --depth 1 -b release-v3.8.15 https://github.com/explosion/spaCy /tmp/spaCy
    meson setup build && ninja -C build bench/words_dump
    bench/spacy_words.py --spacy /tmp/spaCy --random 30000 --seed 1 \
        --signals ../shared/data/reference-datatrove-text.json ../shared/data/jsonl/*.json* \
        ../shared/data/langid/udhr_txt ../shared/data/warc/*.warc.gz ../shared/data/tokenizers/cs336-*.txt

Inputs: JSONL files (compressed ones go through `sluice cat`), WARC and WET
files (through `sluice warc`), .txt files and directories of them (one text
each).  Not run by the tests (CI has no spaCy tree); the numbers it printed
are in README.md.
"""
import argparse
import difflib
import json
import os
import subprocess
import sys
import tempfile
import importlib
import re
import unicodedata
from collections import Counter

RULE_FILES = [
    "spacy/lang/char_classes.py",
    "spacy/lang/punctuation.py",
    "spacy/lang/tokenizer_exceptions.py",
    "spacy/lang/en/tokenizer_exceptions.py",
    "spacy/lang/en/punctuation.py",
]
SENTENCIZER = "spacy/pipeline/sentencizer.pyx"
ABOUT = "spacy/about.py"


def read_spacy_file(src, rev, path):
    if rev is None:
        with open(os.path.join(src, path), encoding="utf-8") as f:
            return f.read()
    return subprocess.run(["git", "--git-dir", src, "show", f"{rev}:{path}"], check=True,
                          capture_output=True).stdout.decode("utf-8")


# What the rule files import from the rest of spaCy: the attribute names
# and util.update_exc (merge the exception dicts, check that each one's
# tokens spell its key, then add each key with "'" as U+2019 too).
SYMBOLS_STUB = "ORTH = 'ORTH'\nNORM = 'NORM'\n"
UTIL_STUB = '''
from .symbols import ORTH


def update_exc(base, *additions):
    exc = dict(base)
    for add in additions:
        for key, toks in add.items():
            if "".join(t[ORTH] for t in toks) != key:
                raise ValueError("exception %r does not spell its key" % key)
        exc.update(add)
    out = dict(exc)
    for key, toks in exc.items():
        if "'" in key:
            out[key.replace("'", "\\u2019")] = [dict(t, **{ORTH: t[ORTH].replace("'", "\\u2019")}) for t in toks]
    return out
'''


def load_rules(src, rev):
    """spaCy's English tokenizer data, from its own modules."""
    tmp = tempfile.mkdtemp(prefix="spacy-rules-")
    pkg = os.path.join(tmp, "spacyrules")
    for d in ["", "lang", "lang/en"]:
        os.makedirs(os.path.join(pkg, d), exist_ok=True)
        open(os.path.join(pkg, d, "__init__.py"), "w").close()
    with open(os.path.join(pkg, "symbols.py"), "w") as f:
        f.write(SYMBOLS_STUB)
    with open(os.path.join(pkg, "util.py"), "w") as f:
        f.write(UTIL_STUB)
    for path in RULE_FILES:
        with open(os.path.join(pkg, path[len("spacy/"):]), "w", encoding="utf-8") as f:
            f.write(read_spacy_file(src, rev, path))
    sys.path.insert(0, tmp)
    punct = importlib.import_module("spacyrules.lang.punctuation")
    base_exc = importlib.import_module("spacyrules.lang.tokenizer_exceptions")
    en_exc = importlib.import_module("spacyrules.lang.en.tokenizer_exceptions")
    en_punct = importlib.import_module("spacyrules.lang.en.punctuation")
    # spacy.util.compile_{prefix,suffix,infix}_regex
    prefix = re.compile("|".join("^" + p for p in punct.TOKENIZER_PREFIXES if p.strip()))
    suffix = re.compile("|".join(p + "$" for p in punct.TOKENIZER_SUFFIXES if p.strip()))
    infix = re.compile("|".join(p for p in en_punct.TOKENIZER_INFIXES if p.strip()))
    rules = {k: [t["ORTH"] for t in v] for k, v in en_exc.TOKENIZER_EXCEPTIONS.items()}
    sent = read_spacy_file(src, rev, SENTENCIZER)
    m = re.search(r"default_punct_chars = (\[.*?\])", sent, re.S)
    punct_chars = set(eval(m.group(1)))  # a list of string literals
    version = re.search(r'__version__ = "([^"]+)"', read_spacy_file(src, rev, ABOUT)).group(1)
    return Tokenizer(rules, prefix.search, suffix.search, infix.finditer, base_exc.URL_MATCH), punct_chars, version


class Tokenizer:
    """spaCy's Tokenizer (token_match None, faster_heuristics on, as in
    spacy.blank("en")); tokens are (start, end) code point offsets."""

    def __init__(self, rules, prefix_search, suffix_search, infix_finditer, url_match):
        self.rules = rules
        self.prefix_search = prefix_search
        self.suffix_search = suffix_search
        self.infix_finditer = infix_finditer
        self.url_match = url_match
        self.cache = {}
        # add_special_case: the special matcher gets the cases that have an
        # affix or infix or a space, as token texts of the split without
        # special cases
        self.patterns = {}
        self.pattern_prefixes = set()
        for key in sorted(rules):
            if self.find_prefix(key) or list(self.infix_finditer(key)) or self.find_suffix(key) or " " in key:
                toks = tuple(key[a:b] for a, b in self.tokenize_affixes(key, False))
                self.patterns.setdefault(toks, []).append(key)
                for k in range(1, len(toks) + 1):
                    self.pattern_prefixes.add(toks[:k])
        self.max_pattern = max(len(p) for p in self.patterns)

    def find_prefix(self, s):
        m = self.prefix_search(s)
        return m.end() - m.start() if m else 0

    def find_suffix(self, s):
        m = self.suffix_search(s)
        return m.end() - m.start() if m else 0

    def __call__(self, text):
        toks = self.tokenize_affixes(text, True)
        return self.apply_special_cases(text, toks)

    def tokenize_affixes(self, text, specials):
        toks = []
        if not text:
            return toks
        start = 0
        in_ws = text[0].isspace()
        for i, c in enumerate(text):
            if c.isspace() != in_ws:
                if start < i:
                    self.tokenize_chunk(text, start, i, toks, specials)
                start = i + 1 if c == " " else i
                in_ws = not in_ws
        if start < len(text):
            self.tokenize_chunk(text, start, len(text), toks, specials)
        return toks

    def tokenize_chunk(self, text, a, b, toks, specials):
        chunk = text[a:b]
        key = (chunk, specials)
        lens = self.cache.get(key)
        if lens is None:
            lens = self.chunk_lengths(chunk, specials)
            self.cache[key] = lens
        for n in lens:
            toks.append((a, a + n))
            a += n

    def chunk_lengths(self, s, specials):
        if specials and s in self.rules:
            return [len(t) for t in self.rules[s]]
        core, prefixes, suffixes = self.split_affixes(s, specials)
        out = [len(p) for p in prefixes]
        if core:
            if specials and core in self.rules:
                out += [len(t) for t in self.rules[core]]
            elif self.url_match(core):
                out.append(len(core))
            else:
                matches = list(self.infix_finditer(core))
                if not matches:
                    out.append(len(core))
                else:
                    start = 0
                    for m in matches:
                        i0, i1 = m.start(), m.end()
                        if i0 == 0:
                            continue
                        if i0 != start:
                            out.append(i0 - start)
                        if i0 != i1:
                            out.append(i1 - i0)
                        start = i1
                    if start < len(core):
                        out.append(len(core) - start)
        out += [len(x) for x in reversed(suffixes)]
        assert sum(out) == len(s), s
        return out

    def split_affixes(self, s, specials):
        prefixes, suffixes = [], []
        last = 0
        while s and len(s) != last:
            if specials and s in self.rules:
                break
            last = len(s)
            pre = self.find_prefix(s)
            if pre:
                prefix, minus_pre = s[:pre], s[pre:]
                if minus_pre and specials and minus_pre in self.rules:
                    s = minus_pre
                    prefixes.append(prefix)
                    break
            suf = self.find_suffix(s[pre:])
            if suf:
                suffix, minus_suf = s[-suf:], s[:-suf]
                if minus_suf and specials and minus_suf in self.rules:
                    s = minus_suf
                    suffixes.append(suffix)
                    break
            if pre and suf and pre + suf <= len(s):
                s = s[pre:-suf]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre:
                s = minus_pre
                prefixes.append(prefix)
            elif suf:
                s = minus_suf
                suffixes.append(suffix)
        return s, prefixes, suffixes

    def apply_special_cases(self, text, toks):
        words = [text[a:b] for a, b in toks]
        matches = []
        for i in range(len(words)):
            for m in range(1, min(self.max_pattern, len(words) - i) + 1):
                t = tuple(words[i:i + m])
                if t not in self.pattern_prefixes:
                    break
                for key in self.patterns.get(t, ()):
                    matches.append((i, i + m, key))
        if not matches:
            return toks
        # longest first, then leftmost; a span is kept when its first and
        # last tokens are not in a span seen before (kept or not)
        matches.sort(key=lambda s: (s[1] - s[0], -s[0]))
        seen = set()
        kept = {}
        for a, b, key in reversed(matches):
            if a not in seen and b - 1 not in seen:
                kept[a] = b
            seen.update(range(a, b))
        out = []
        i = 0
        while i < len(toks):
            b = kept.get(i)
            if b is None:
                out.append(toks[i])
                i += 1
                continue
            span = text[toks[i][0]:toks[b - 1][1]]
            if span in self.rules:
                p = toks[i][0]
                for t in self.rules[span]:
                    out.append((p, p + len(t)))
                    p += len(t)
            else:
                out.extend(toks[i:b])
            i = b
        return out


def is_punct(s):
    return all(unicodedata.category(c).startswith("P") for c in s)


def sentences(text, toks, punct_chars):
    """spaCy's Sentencizer, then datatrove's strip_strings: the sentences
    that are not whitespace only."""
    if not toks:
        return 0
    starts = [0]
    seen = False
    for i, (a, b) in enumerate(toks):
        w = text[a:b]
        inp = w in punct_chars
        if seen and not is_punct(w) and not inp:
            starts.append(i)
            seen = False
        elif inp:
            seen = True
    starts.append(len(toks))
    return sum(1 for k in range(len(starts) - 1)
               if text[toks[starts[k]][0]:toks[starts[k + 1] - 1][1]].strip())


def c4_sentences(tok, text, punct_chars):
    n = 0
    for line in text.splitlines():
        line = line.strip()
        n += sentences(line, tok(line), punct_chars)
    return n


# --signals: datatrove's word-based rule arithmetic (huggingface/datatrove,
# gopher_quality_filter.py, gopher_repetition_filter.py, c4_filters.py,
# fineweb_quality_filter.py) on spaCy's tokens, against sluice's signals
GOPHER_STOP_WORDS = {"the", "be", "to", "of", "and", "that", "have", "with"}
C4_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
C4_POLICY = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"]


def word_signals(text, tok, punct_chars, punctuation_set):
    words = [w for w in (text[a:b].strip() for a, b in tok(text)) if w]
    out = {}
    ns = [w for w in words if any(ch not in punctuation_set for ch in w)]
    out["gopher_words"] = len(ns)
    if ns:
        out["gopher_avg_word_length"] = sum(len(w) for w in ns) / len(ns)
    if words:
        out["gopher_hash_ratio"] = text.count("#") / len(words)
        out["gopher_ellipsis_ratio"] = (text.count("...") + text.count("\u2026")) / len(words)
        out["gopher_alpha_words_ratio"] = sum(any(c.isalpha() for c in w) for w in words) / len(words)
        out["gopher_stop_words"] = len(GOPHER_STOP_WORDS & set(words))
    if text:
        for n in (2, 3, 4):
            grams = [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]
            if grams:
                top = Counter(grams).most_common(1)[0]
                out[f"top_{n}_gram"] = len(top[0]) * top[1] / len(text)
        for n in range(5, 11):
            seen, rep, i = set(), 0, 0
            while i < len(words) - n + 1:
                g = "".join(words[i:i + n])
                if g in seen:
                    rep += len(g)
                    i += n
                else:
                    seen.add(g)
                    i += 1
            out[f"duplicated_{n}_n_grams"] = rep / len(text)
    if words and any(l.strip() for l in text.split("\n")):
        out["list_ratio"] = text.count("\n") / len(words)
    # C4: sentences of the kept lines (after citations come off)
    nsent = 0
    for line in text.splitlines():
        line = line.strip()
        ws = line.split()
        if any(len(w) > 1000 for w in ws):
            continue
        line = C4_CITATION.sub("", line)
        if not line.endswith((".", "?", "!", '"', "'")) or line.endswith("...") or len(ws) < 3:
            continue
        low = line.lower()
        if "lorem ipsum" in low or "{" in line:
            nsent = None
            break
        if "javascript" in low or any(p in low for p in C4_POLICY):
            continue
        nsent += sentences(line, tok(line), punct_chars)
    if nsent is not None:
        out["c4_sentences"] = nsent
    return out


def compare_signals(texts, data, tok, punct_chars, punctuation_set, sluice, c):
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as f:
        f.write(data)
        f.flush()
        got = [{} for _ in texts]
        for rules in ("gopher", "gopher-rep", "c4", "fineweb"):
            lines = subprocess.run([sluice, "quality", "-q", "--rules", rules, "--signals", "--annotate-only", f.name],
                                   check=True, capture_output=True).stdout.decode().splitlines()
            for g, line in zip(got, lines):
                g.update(json.loads(line)["metadata"].get("quality_signals", {}))
    for text, g in zip(texts, got):
        for k, v in word_signals(text, tok, punct_chars, punctuation_set).items():
            c["signals"] += 1
            if k not in g or abs(g[k] - v) > 1e-5 * max(1.0, abs(v)):
                c["signal_diffs"] += 1
                if c["signal_diffs"] <= 10:
                    print(f"  signal {k}: spaCy {v}, sluice {g.get(k)} in {text[:60]!r}...")


def texts_of(path, sluice):
    """The texts of a JSONL file (compressed ones through `sluice cat`), of
    a WARC or WET file (through `sluice warc`), of a .txt file (one text),
    or of every .txt file in a directory."""
    if os.path.isdir(path):
        out = []
        for name in sorted(os.listdir(path)):
            if name.endswith(".txt"):
                with open(os.path.join(path, name), encoding="utf-8", errors="replace") as f:
                    out.append(f.read())
        return out
    if path.endswith(".txt"):
        with open(path, encoding="utf-8", errors="replace") as f:
            return [f.read()]
    if re.search(r"\.(warc|wet)(\.gz|\.zst)?$", path):
        data = subprocess.run([sluice, "warc", path], check=True, capture_output=True).stdout
    elif path.endswith((".gz", ".zst", ".bz2", ".xz")):
        data = subprocess.run([sluice, "cat", path], check=True, capture_output=True).stdout
    else:
        with open(path, "rb") as f:
            data = f.read()
    out = []
    for line in data.split(b"\n"):
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict) and isinstance(d.get("text"), str):
            out.append(d["text"])
    return out


# --random: texts made of the pieces the rules care about, to reach the
# rare paths real text seldom takes
PIECES = (["a", "b", "x", "I", "U", "S", "Mr", "don", "t", "s", "e", "g", "km", "pm", "am", "co",
           "com", "www", "http", "1", "2", "10", "192", "3", "0"] + list(".......,,;:!?'\"()[]{}<>-----+*^=/&%$#@_~|\\`")
          + ["'s", "’", "‘", "“", "”", "«", "»", "…", "……", "—", "——", "–", "€", "£", "US$", "°", "²", "§", "©",
             "🙂", "☭", "😀", "é", "É", "ß", "ñ", "Ж", "ж", "中", "文", "。", "，", "！", "ไทย", "한", "ا", "ब",
             "×", "•", "±", "·", "¿", "¡", "\u00a0", "\t", " ", " ", " ", " ", "  ", "\n"]
          + [":)", ":-)", "<3", "e.g.", "U.S.", "a.m.", "Jan.", "can't", "cannot", "'ll", "n't", "o_O",
             "C++", "''", "^_^", "(:", "°C.", "http://x.co/a-b", "a.b.com", "1.2.3.4", "10.0.0.1",
             "5km", "100MB", "$5", "5€", "5$", "US$5", "+5", "1,000.50", "e-mail", "O'Neil", "DON'T",
             "It’s", "’S", "'S", "#tag", "@user", "x@y.org", "www.x.org/p?q=1", "ftp://1.2.3.4:80/x",
             "Dr.", "Mrs.", "vs.", "etc.", "Ph.D.", "i.e.", "N.Y.", "’re", "’ll", "y'all", "ma'am",
             "gonna", "Gonna", "lovin'", "nothin'", "’cause", "'Cause", "o'clock", "2pm", "10a.m.",
             ":P", ":D", ">:(", ":'(", "=)", "xD", "XD", "-_-", "¯\\(ツ)/¯", "→", "™", "®", "½", "⁉",
             "．", "？", "〜", "「", "」", "ー", "カ", "한국", "Ω", "ω", "ǅ", "ﬁ", "İ"])


def random_texts(n, seed):
    import random
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40 if rng.random() < 0.8 else 300))) for _ in range(n)]


def write_golden(path, texts, tok, punct_chars, version, seed):
    import gzip
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            spans = []
            for a, b in tok(text):
                w = text[a:b]
                if not w.strip():
                    continue
                assert w == w.strip()
                off = len(text[:a].encode("utf-8"))
                spans.append(f"{off},{len(w.encode('utf-8'))}")
            want = " ".join([str(c4_sentences(tok, text, punct_chars))] + spans)
            f.write(json.dumps({"id": f"spaCy {version} random seed {seed} #{i}", "text": text, "spacy": want},
                               ensure_ascii=False) + "\n")
    print(f"{path}: {len(texts)} texts, spaCy {version}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spacy", required=True, help="spaCy source tree (or bare git repository with --rev)")
    ap.add_argument("--rev", help="the revision to read when --spacy is a bare git repository")
    ap.add_argument("--dump", default="build/bench/words_dump")
    ap.add_argument("--sluice", default="build/sluice")
    ap.add_argument("--show", type=int, default=20, help="differing stretches to print")
    ap.add_argument("--random", type=int, metavar="N", help="also compare N random texts of tricky pieces")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write-golden", metavar="FILE.jsonl.gz",
                    help="write the --random texts with spaCy's tokens and sentence counts (field \"spacy\", "
                         "as words_dump prints them) for tests/unit/test_words.c, and compare nothing")
    ap.add_argument("--signals", metavar="DATATROVE_TEXT_JSON",
                    help="also compare sluice quality's word-based signals with datatrove's arithmetic on "
                         "spaCy's tokens (the file: ../shared/data/reference-datatrove-text.json)")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    tok, punct_chars, version = load_rules(a.spacy, a.rev)
    if a.write_golden:
        return write_golden(a.write_golden, random_texts(a.random or 0, a.seed), tok, punct_chars, version, a.seed)
    punctuation_set = set(json.load(open(a.signals))["PUNCTUATION_SET"]) if a.signals else None
    print(f"spaCy {version} rules from {a.spacy}")
    total = Counter()
    shown = 0
    kinds = Counter()
    inputs = [(path, None) for path in a.files]
    if a.random:
        inputs.append((f"random (seed {a.seed})", random_texts(a.random, a.seed)))
    for path, texts in inputs:
        if texts is None:
            texts = texts_of(path, a.sluice)
        # words_dump's input: the same texts, one record each
        data = "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)).encode()
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as f:
            f.write(data)
            f.flush()
            dump = subprocess.run([a.dump, f.name], check=True, capture_output=True).stdout.decode().splitlines()
        if len(dump) != len(texts):
            sys.exit(f"{path}: words_dump read {len(dump)} texts, this script {len(texts)}")
        c = Counter()
        for text, line in zip(texts, dump):
            parts = line.split()
            raw = text.encode("utf-8", "surrogatepass")
            if int(parts[0]) != len(raw):
                c["unreadable"] += 1
                continue
            ours = [raw[int(o):int(o) + int(n)].decode("utf-8", "replace")
                    for o, n in (p.split(",") for p in parts[2:])]
            ref = [w for w in (text[x:y].strip() for x, y in tok(text)) if w]
            c["texts"] += 1
            c["tokens"] += len(ref)
            if ours != ref:
                c["texts_differ"] += 1
                sm = difflib.SequenceMatcher(None, ref, ours, autojunk=False)
                for op, i1, i2, j1, j2 in sm.get_opcodes():
                    if op == "equal":
                        continue
                    c["token_diffs"] += max(i2 - i1, j2 - j1)
                    kinds[(" ".join(ref[i1:i2]), " ".join(ours[j1:j2]))] += 1
                    if shown < a.show:
                        shown += 1
                        print(f"  spaCy {ref[max(0, i1 - 3):i2 + 3]}\n  sluice {ours[max(0, j1 - 3):j2 + 3]}")
            ns = c4_sentences(tok, text, punct_chars)
            if ns != int(parts[1]):
                c["sentence_diffs"] += 1
                if shown < a.show:
                    shown += 1
                    print(f"  sentences: spaCy {ns}, sluice {parts[1]} in {text[:80]!r}...")
        if a.signals:
            compare_signals(texts, data, tok, punct_chars, punctuation_set, a.sluice, c)
        print(f"{os.path.basename(path)}: {c['texts']} texts, {c['tokens']} tokens; "
              f"tokens differ in {c['texts_differ']} texts ({c['token_diffs']} tokens); "
              f"c4 sentence counts differ in {c['sentence_diffs']} texts"
              + (f"; {c['unreadable']} texts not compared (not UTF-8)" if c["unreadable"] else "")
              + (f"; signals differ: {c['signal_diffs']} of {c['signals']}" if a.signals else ""))
        total += c
    print(f"all: {total['texts']} texts, {total['tokens']} tokens; tokens differ in {total['texts_differ']} texts "
          f"({total['token_diffs']} tokens); c4 sentence counts differ in {total['sentence_diffs']} texts"
          + (f"; signals differ: {total['signal_diffs']} of {total['signals']}" if a.signals else ""))
    for (r, o), n in kinds.most_common(40):
        print(f"  {n:5d}  spaCy {r!r}  sluice {o!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
