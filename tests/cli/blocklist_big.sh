#!/usr/bin/env bash
# sluice blocklist --words with large generated lists: the automaton's memory
# follows the list (a 3.6 MB list of 400k words fits in a few hundred MB and
# finds the same words as a set lookup); a list whose automaton would pass
# the limit (256 MiB), and an absurdly long word, are refused with exit 1
# and a message, before the memory is taken.
. "$(dirname "$0")/lib.sh"
set -e

# peak RSS in KB of a command (its output to $T/out, $T/err), status in $rc
peak() {
	local r
	r=$(python3 -c '
import resource, subprocess, sys
out, err = sys.argv[1], sys.argv[2]
with open(out, "wb") as o, open(err, "wb") as e:
    p = subprocess.run(sys.argv[3:], stdout=o, stderr=e)
print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$T/out" "$T/err" "$@")
	rc=${r% *}
	kb=${r#* }
}

# 400k random lowercase words of 4-12 letters (3.6 MB), and documents with
# listed and unlisted words; the rejected ones are those with a listed word
python3 - "$T/words" "$T/docs.jsonl" "$T/want" 400000 <<'PY'
import json, random, sys
r = random.Random(7)
n = int(sys.argv[4])
words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(4, 12))) for _ in range(n)]
with open(sys.argv[1], "w") as f:
    f.write("\n".join(words) + "\n")
listed = set(words)
want = []
with open(sys.argv[2], "w") as f:
    for i in range(300):
        toks = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(4, 12))) for _ in range(20)]
        if i % 3 == 0:
            toks[r.randrange(20)] = r.choice(words)
        if i % 7 == 0:
            toks.append("\u00e9t\u00e9 " + r.choice(words).upper())
        f.write(json.dumps({"id": str(i), "text": " ".join(toks)}) + "\n")
        if any(t.lower() in listed for t in " ".join(toks).split()):
            want.append(str(i))
with open(sys.argv[3], "w") as f:
    f.write("\n".join(sorted(want)) + "\n")
PY
peak "$SLUICE" blocklist -q --words "$T/words" --rejects "$T/rej.jsonl" "$T/docs.jsonl"
eq "3.6 MB list: exit" "$rc" 0
got=$(python3 -c "import json,sys; print('\n'.join(sorted(json.loads(l)['id'] for l in open(sys.argv[1]))))" "$T/rej.jsonl")
eq "3.6 MB list: the same documents as a set lookup ($(grep -c . "$T/want"))" "$got" "$(cat "$T/want")"
# the dense 256-wide rows took 2.1 GB here; byte classes ~260 MB
if [ -z "${SLUICE_SANITIZED:-}" ] || [ "${SLUICE_SANITIZED:-}" = none ]; then
	check "3.6 MB list: peak memory $kb KB < 400 MB" test "$kb" -lt 400000
fi

# 9 MB: refused with the file, its size and the limit, without taking it
python3 - "$T/words" "$T/x" 1000000 <<'PY'
import random, sys
r = random.Random(8)
with open(sys.argv[1], "w") as f:
    for _ in range(int(sys.argv[3])):
        f.write("".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(4, 12))) + "\n")
PY
size=$(python3 -c "import os,sys; print('%.1f MB' % (os.path.getsize(sys.argv[1]) / 1e6))" "$T/words")
peak "$SLUICE" blocklist -q --words "$T/words" "$T/docs.jsonl"
eq "9 MB list: exit" "$rc" 1
eq "9 MB list: message" "$(cat "$T/err")" \
	"sluice blocklist: --words '$T/words' ($size) is too big: its automaton would pass the limit of 256 MiB"
eq "9 MB list: no output" "$(wc -c < "$T/out")" 0
if [ -z "${SLUICE_SANITIZED:-}" ] || [ "${SLUICE_SANITIZED:-}" = none ]; then
	check "9 MB list: refused within $kb KB < 320 MB" test "$kb" -lt 320000
fi
# the same list chosen by metadata.language from a directory
mkdir "$T/dir"
mv "$T/words" "$T/dir/en"
run "$SLUICE" blocklist -q --words "$T/dir" "$T/docs.jsonl"
eq "9 MB list in a directory: exit" "$rc" 1
check "9 MB list in a directory: message" has "$T/err" "sluice blocklist: '$T/dir/en' ($size) is too big"

# a word of 2000 bytes on line 3
{ echo one; echo two; python3 -c "print('x' * 2000)"; } > "$T/long"
run "$SLUICE" blocklist -q --words "$T/long" "$T/docs.jsonl"
eq "long word: exit" "$rc" 1
eq "long word: message" "$(cat "$T/err")" \
	"sluice blocklist: --words '$T/long': line 3: a word of 2000 bytes (the limit is 1024)"
# 1024 bytes is still a word
{ echo one; python3 -c "print('x' * 1024)"; } > "$T/long"
run "$SLUICE" blocklist -q --words "$T/long" "$T/docs.jsonl"
eq "1024-byte word: exit" "$rc" 0

done_testing
