#!/usr/bin/python3
"""Compare sluice ppl with KenLM (lmplz, query, build_binary) on the same text.

KenLM is not packaged by Debian or npm, so this is run by hand with a KenLM
build (github.com/kpu/kenlm, cmake) and is not part of the tests:

    bench/ppl_kenlm.py --kenlm /path/to/kenlm/build/bin --sluice build/sluice \
        --train .cache/npm-brown/brown.jsonl --score DOCS.jsonl[.gz] ...

1. Training: `lmplz -o N --prune ...` and `sluice ppl train --no-normalize`
   on the same sentences (one per line); every n-gram's log10 probability
   and back-off must agree, and both files must list the same n-grams.
2. Scoring: `query -v word` with sluice's model on the score documents'
   lines (whitespace collapsed to single spaces on both sides); the per-
   document perplexity from KenLM's per-sentence totals must equal
   metadata.perplexity from `sluice ppl --no-normalize` (both rounded to
   0.1, as cc_net rounds).
3. Speed: query vs sluice ppl on the same lines, medians of 3 runs.
"""
import argparse, gzip, json, math, os, statistics, subprocess, sys, tempfile, time


def read_arpa(path):
    op = gzip.open if path.endswith(".gz") else open
    grams, n = {}, 0
    with op(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("\\") and line.endswith("-grams:"):
                n = int(line[1:-7])
                continue
            if line.startswith("\\") or not line or n == 0:
                continue
            parts = line.split("\t")
            prob = float(parts[0])
            bo = float(parts[2]) if len(parts) > 2 else 0.0
            grams[(n, parts[1])] = (prob, bo)
    return grams


def docs(paths):
    for p in paths:
        op = gzip.open if p.endswith(".gz") else open
        with op(p, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                yield d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kenlm", required=True)
    ap.add_argument("--sluice", default="build/sluice")
    ap.add_argument("--train", required=True)
    ap.add_argument("--score", nargs="+", required=True)
    ap.add_argument("--order", type=int, default=5)
    ap.add_argument("--prune", default="0 0 1")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ppl-kenlm-")
    txt = os.path.join(tmp, "train.txt")
    with open(txt, "w", encoding="utf-8") as f:
        for d in docs([a.train]):
            for s in d["text"].split("\n"):
                if s.split():
                    f.write(" ".join(s.split()) + "\n")

    # 1. training
    ken = os.path.join(tmp, "kenlm.arpa")
    t0 = time.time()
    subprocess.run([os.path.join(a.kenlm, "lmplz"), "-o", str(a.order), "--prune", *a.prune.split(),
                    "-S", "1G", "-T", tmp, "--text", txt, "--arpa", ken],
                   check=True, stderr=subprocess.DEVNULL)
    t_ken = time.time() - t0
    slu = os.path.join(tmp, "sluice.arpa")
    t0 = time.time()
    subprocess.run([a.sluice, "ppl", "train", "-q", "--no-normalize", "--order", str(a.order),
                    "--prune", ",".join(a.prune.split()), a.train, "-o", slu], check=True)
    t_slu = time.time() - t0
    K, S = read_arpa(ken), read_arpa(slu)
    only_k = [g for g in K if g not in S]
    only_s = [g for g in S if g not in K]
    worst_p = worst_b = 0.0
    worst_g = None
    for g in K.keys() & S.keys():
        kp, kb = K[g]
        sp, sb = S[g]
        if g != (1, "<s>") and abs(kp - sp) > worst_p:
            worst_p, worst_g = abs(kp - sp), g
        worst_b = max(worst_b, abs(kb - sb))
    print("<s>:", K.get((1, "<s>")), S.get((1, "<s>")), "; largest probability difference at", worst_g)
    print(f"train: lmplz {len(K)} n-grams in {t_ken:.2f} s, sluice {len(S)} in {t_slu:.2f} s "
          f"(ratio {t_ken / t_slu:.1f}x); only in lmplz {len(only_k)}, only in sluice {len(only_s)}; "
          f"max |dlog10 p| {worst_p:.2e}, max |dlog10 backoff| {worst_b:.2e}")
    for g in only_k[:5]:
        print("  only lmplz:", g, K[g])
    for g in only_s[:5]:
        print("  only sluice:", g, S[g])

    # 2. scoring with sluice's own model, through both
    slm = os.path.join(tmp, "sluice.slm")
    subprocess.run([a.sluice, "ppl", "build", slu, "-o", slm], check=True, stderr=subprocess.DEVNULL)
    kbin = os.path.join(tmp, "sluice.kenlm")
    subprocess.run([os.path.join(a.kenlm, "build_binary"), slu, kbin], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    jl = os.path.join(tmp, "score.jsonl")
    lines_txt = os.path.join(tmp, "score.txt")
    spans = []
    with open(jl, "w", encoding="utf-8") as fj, open(lines_txt, "w", encoding="utf-8") as ft:
        k = 0
        for i, d in enumerate(docs(a.score)):
            ls = [" ".join(s.split()) for s in d["text"].split("\n") if s.split()]
            fj.write(json.dumps({"id": str(i), "text": "\n".join(ls)}) + "\n")
            for s in ls:
                ft.write(s + "\n")
            spans.append((k, len(ls)))
            k += len(ls)
    # query's own sentence totals are float sums; add its per-word log10
    # probabilities in double instead, as sluice does
    out = subprocess.run([os.path.join(a.kenlm, "query"), "-v", "word", kbin],
                         stdin=open(lines_txt), capture_output=True, text=True, check=True).stdout
    totals, t = [], 0.0
    for tok in out.replace("\n", "\t").split("\t"):
        parts = tok.split(" ")
        if len(parts) != 3 or "=" not in parts[0]:
            continue
        t += float(parts[2])
        if parts[0].startswith("</s>="):
            totals.append(t)
            t = 0.0
    words = [len(s.split()) + 1 for s in open(lines_txt, encoding="utf-8")]
    res = subprocess.run([a.sluice, "ppl", "-q", "--annotate-only", "--no-normalize", "--model", slm, jl],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    same = diff = 0
    for (start, n), line in zip(spans, res):
        d = json.loads(line)
        if n == 0:
            continue
        lp = sum(totals[start:start + n])
        w = sum(words[start:start + n])
        want = round(10 ** (-lp / w), 1)
        got = d["metadata"]["perplexity"]
        if abs(got - want) <= 0.1 + 1e-6 * want:
            same += 1
        else:
            diff += 1
            if diff <= 5:
                print("  differs:", d["id"], got, want)
    print(f"score: {same} documents equal to KenLM query's perplexity (its per-word log10 p summed in double; to 0.1 + 1e-6 relative), {diff} differ; "
          f"{len(totals)} sentences")

    # 3. speed on the same lines
    def med(cmd, stdin=None):
        ts = []
        for _ in range(3):
            t0 = time.time()
            subprocess.run(cmd, stdin=open(stdin) if stdin else None, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
            ts.append(time.time() - t0)
        return statistics.median(ts)
    tq = med([os.path.join(a.kenlm, "query"), "-v", "summary", kbin], lines_txt)
    ts = med([a.sluice, "ppl", "-q", "--annotate-only", "--no-normalize", "--model", slm, jl])
    print(f"speed: query {tq:.3f} s, sluice ppl {ts:.3f} s on {len(totals)} lines "
          f"(sluice {tq / ts:.2f}x query's speed, median of 3)")
    return 0 if not only_k and not only_s and worst_p < 1e-4 and worst_b < 1e-4 and diff == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
