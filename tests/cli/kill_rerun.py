"""kill_rerun.py INPUT DIR REF ROUNDS COMMAND... : a shard-writing command
(sluice shard or sluice tok --format) killed with SIGKILL at random points,
1 to 3 times a round, then run again to the end, must leave the same set as
REF's (every file equal, the manifest equal but for the directory name).
The command gets -q -o DIR/x INPUT appended."""
import filecmp, os, random, shutil, signal, subprocess, sys, time

inp, d, ref, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
args = sys.argv[5:] + ['-q', '-o', d + '/x', inp]
rng = random.Random(20261130)
# time one run to spread the kills over it
os.makedirs(d, exist_ok=True)
t0 = time.time(); subprocess.run(args, check=True); full = time.time() - t0
killed = 0
for r in range(rounds):
    shutil.rmtree(d); os.makedirs(d)
    kills = rng.randint(1, 3)
    for k in range(kills):
        p = subprocess.Popen(args, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full * 0.7))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL); killed += 1
        p.wait()
    rc = subprocess.run(args, stderr=subprocess.PIPE)
    if rc.returncode != 0:
        print('round', r, 'rerun failed', rc.stderr.decode(), file=sys.stderr); sys.exit(1)
    got = sorted(os.listdir(d)); want = sorted(os.listdir(ref))
    if got != want:
        print('round', r, 'file sets differ', set(got) ^ set(want), file=sys.stderr); sys.exit(1)
    _, mismatch, errors = filecmp.cmpfiles(d, ref, [f for f in want if not f.endswith('.json')], shallow=False)
    if mismatch or errors:
        print('round', r, 'files differ', mismatch, errors, file=sys.stderr); sys.exit(1)
    a = open(d + '/x.manifest.json').read().replace(d, ref)
    if a != open(ref + '/x.manifest.json').read():
        print('round', r, 'manifests differ', file=sys.stderr); sys.exit(1)
print(f'{rounds} rounds, {killed} kills, run {full:.2f}s', file=sys.stderr)
if killed < rounds // 3:
    print('too few kills landed', file=sys.stderr); sys.exit(1)
