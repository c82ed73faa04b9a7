#!/usr/bin/env bash
# A stage killed by SIGTERM, SIGHUP, SIGUSR1 or SIGQUIT removes its temporary output files
# (FILE.tmp-PID, shard files) and still dies of the signal (exit 128+N).
# Each stage reads an endless generated stream, so it is surely running
# when the signal comes; the signal is sent once its temporaries exist.
. "$(dirname "$0")/lib.sh"
need_data
set -e

# a generator of real documents, without end: the dolma file, over and over
# (ids made unique), with token ids for sluice shard
python3 - "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" "$T/gen.py" <<'PY'
import gzip, json, sys
docs = [json.loads(l) for _, l in zip(range(200), gzip.open(sys.argv[1], 'rt', encoding='utf-8'))]
open(sys.argv[2] + '.docs', 'w').write('\n'.join(json.dumps(d) for d in docs) + '\n')
open(sys.argv[2], 'w').write('''import json, sys, zlib
docs = [json.loads(l) for l in open(%r)]
n = 0
try:
    while True:
        for d in docs:
            d = dict(d, id='%%s-%%d' %% (d['id'], n))
            d['tokens'] = [zlib.crc32(w.encode()) %% 50000 for w in d['text'].split()]
            sys.stdout.write(json.dumps(d) + '\\n')
            n += 1
except BrokenPipeError:
    pass
''' % (sys.argv[2] + '.docs'))
PY

# kill_when_ready DIR SIG WANT COMMAND...: run COMMAND in DIR reading the
# generator, wait until WANT temporaries ($pat, default *.tmp-*) exist there
# (found: how many did), send SIG; sets rc (its exit status) and left (the
# temporary files and shuffle folders left)
kill_when_ready() {
	local dir=$1 sig=$2 want=$3 pid i
	shift 3
	mkdir -p "$dir"
	# (with every signal at its default: a run under nohup, or from a
	# script's background job, inherits HUP, INT or QUIT ignored, and an
	# ignored signal is left ignored on purpose, see tmpclean.h)
	(cd "$dir" && exec env --default-signal "$@" 2>"$T/err") < <(python3 "$T/gen.py" 2>/dev/null) &
	pid=$!
	for i in $(seq 400); do
		[ "$(find "$dir" -name "${pat:-*.tmp-*}" | wc -l)" -ge "$want" ] && break
		sleep 0.05
	done
	found=$(find "$dir" -name "${pat:-*.tmp-*}" | wc -l)
	kill -"$sig" "$pid"
	set +e
	wait "$pid"
	rc=$?
	set -e
	left=$(cd "$dir" && find . -name '*.tmp-*' -o -name '*.shuffle-*' | sort | tr '\n' ' ')
}

# the audit's case: dedup minhash with a compressed output and --rejects
kill_when_ready "$T/a" TERM 2 "$SLUICE" dedup minhash -q -o o.jsonl.gz --rejects r.jsonl
eq "minhash, SIGTERM: temporaries existed before the kill" "$found" 2
eq "minhash, SIGTERM: exit 143" "$rc" 143
eq "minhash, SIGTERM: no temporary left" "$left" ""
check "minhash, SIGTERM: no output published" test ! -e "$T/a/o.jsonl.gz"

# SIGHUP, and --stats written only at the end
kill_when_ready "$T/b" HUP 1 "$SLUICE" cat -q -o out.jsonl.zst --stats s.json
eq "cat, SIGHUP: the output was being written" "$found" 1
eq "cat, SIGHUP: exit 129" "$rc" 129
eq "cat, SIGHUP: no temporary left" "$left" ""

# the signal a Slurm job gets with --signal=USR1@60, and QUIT
kill_when_ready "$T/u" USR1 1 "$SLUICE" cat -q -o out.jsonl
eq "cat, SIGUSR1: exit 138" "$rc" 138
eq "cat, SIGUSR1: no temporary left" "$left" ""
kill_when_ready "$T/q" QUIT 1 "$SLUICE" cat -q -o out.jsonl
eq "cat, SIGQUIT: exit 131" "$rc" 131
eq "cat, SIGQUIT: no temporary left" "$left" ""

# the shard writer's files (sluice shard writes PREFIX_NNNNN.*.tmp-PID)
kill_when_ready "$T/c" TERM 1 "$SLUICE" shard -q --format megatron --vocab-size 50000 -o web
eq "shard, SIGTERM: a shard file was being written" "$found" 1
eq "shard, SIGTERM: exit 143" "$rc" 143
eq "shard, SIGTERM: no temporary left" "$left" ""
check "shard, SIGTERM: no lock file left" test ! -e "$T/c/web.lock"

# the shuffle's bucket folder (PREFIX.shuffle-PID/bucket-NNNNN), in its first pass
pat='bucket-*' kill_when_ready "$T/e" TERM 20 "$SLUICE" shard -q --format megatron --vocab-size 50000 --shuffle --shuffle-buckets 20 -o web
eq "shard --shuffle, SIGTERM: the buckets were being written" "$found" 20
eq "shard --shuffle, SIGTERM: exit 143" "$rc" 143
eq "shard --shuffle, SIGTERM: no bucket folder or temporary left" "$left" ""

# a stage not killed still publishes (the table does not remove finished files)
mkdir -p "$T/d"
(cd "$T/d" && python3 "$T/gen.py" 2>/dev/null | head -n 500 | "$SLUICE" cat -q -o done.jsonl.gz --rejects rej.jsonl)
eq "finished stage: output published" "$(gzip -dc "$T/d/done.jsonl.gz" | wc -l)" 500
eq "finished stage: no temporary left" "$(cd "$T/d" && find . -name '*.tmp-*')" ""

done_testing
