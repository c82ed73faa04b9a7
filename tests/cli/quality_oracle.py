"""The tokenizer-independent parts of datatrove's rules, transcribed in Python
(huggingface/datatrove a649de79: gopher_quality_filter.py,
gopher_repetition_filter.py, fineweb_quality_filter.py, c4_filters.py) and
run with Python's own str semantics, as the oracle for sluice's signals and
C4 rewriting over whole real files.  Usage:
  quality_oracle.py signals IN.jsonl SLUICE_SIGNALS.jsonl   -> mismatches, exit 1 if any
  quality_oracle.py c4 IN.jsonl                             -> C4 texts (min_num_sentences=-1), one JSON string per line
"""
import json, re, sys

TERMINAL = set(json.load(open(sys.argv[4]))["TERMINAL_PUNCTUATION"]) if len(sys.argv) > 4 else None

def find_duplicates(x):
    seen, chars, els = set(), 0, 0
    for e in x:
        if e in seen:
            chars += len(e); els += 1
        else:
            seen.add(e)
    return els, chars

def signals(text):
    s = {}
    n_lines = text.splitlines()
    if n_lines:
        s["gopher_bullet_lines_ratio"] = sum(l.lstrip().startswith("•") or l.lstrip().startswith("-") for l in n_lines) / len(n_lines)
        s["gopher_end_ellipsis_lines_ratio"] = sum(l.rstrip().endswith("...") or l.rstrip().endswith("…") for l in n_lines) / len(n_lines)
    paragraphs = re.split(r"\n{2,}", text.strip())
    d, c = find_duplicates(paragraphs)
    s["dup_para_frac"] = d / len(paragraphs)
    if text:
        s["dup_para_char_frac"] = c / len(text)
    lines = re.split("\n+", text)
    d, c = find_duplicates(lines)
    s["dup_line_frac"] = d / len(lines)
    if text:
        s["dup_line_char_frac"] = c / len(text)
    fl = [l for l in text.split("\n") if l.strip() != ""]
    if fl:
        s["line_punct_ratio"] = sum(1 for l in fl if l.endswith(tuple(TERMINAL))) / len(fl)
        s["short_line_ratio"] = sum(1 for l in fl if len(l) <= 30) / len(fl)
        s["char_dup_ratio"] = find_duplicates(fl)[1] / len(text.replace("\n", ""))
    return s

def close(a, b):
    return abs(a - b) <= 1e-5 * max(1.0, abs(a))

CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
POLICY = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"]

def c4(text):
    kept = []
    for line in text.splitlines():
        line = line.strip()
        words = line.split()
        if any(len(w) > 1000 for w in words):
            continue
        line = CITATION.sub("", line)
        if not line.endswith((".", "?", "!", '"', "'")) or line.endswith("..."):
            continue
        if len(words) < 3:
            continue
        ll = line.lower()
        if "lorem ipsum" in ll:
            return "REJECT:lorem_ipsum"
        if "javascript" in ll:
            continue
        if "{" in line:
            return "REJECT:curly_bracket"
        if any(p in ll for p in POLICY):
            continue
        kept.append(line)
    return "\n".join(kept).strip()

if sys.argv[1] == "signals":
    bad = 0
    n = 0
    for a, b in zip(open(sys.argv[2], encoding="utf-8"), open(sys.argv[3], encoding="utf-8")):
        d, o = json.loads(a), json.loads(b)
        got = o["metadata"]["quality_signals"]
        for k, v in signals(d["text"]).items():
            n += 1
            if k not in got or not close(got[k], v):
                bad += 1
                if bad <= 5:
                    print(f"{d['id']}: {k}: sluice {got.get(k)} python {v}")
    print(f"{n} values compared, {bad} differ")
    sys.exit(1 if bad else 0)
else:
    for a in open(sys.argv[2], encoding="utf-8"):
        print(json.dumps(c4(json.loads(a)["text"]), ensure_ascii=False))
