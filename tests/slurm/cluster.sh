#!/usr/bin/env bash
# A single-node Slurm cluster for tests, entirely under one directory:
#   tests/slurm/cluster.sh start DIR    munged + slurmctld + slurmd; prints
#                                       the SLURM_CONF to export
#   tests/slurm/cluster.sh stop DIR
# Needs root and Debian's slurmd, slurmctld, slurm-client and munge
# (tools/install-deps.sh installs them).  Exit 77 (skip) when the
# machine cannot run the daemons, with the reason on stderr.
set -euo pipefail
cmd=${1:?start|stop}
dir=$(mkdir -p "${2:?DIR}" && cd "$2" && pwd)

skip() { echo "SKIP: $*" >&2; exit 77; }

stop() {
	for p in slurmd slurmctld munged; do
		if [ -f "$dir/$p.pid" ]; then
			kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
		fi
	done
	sleep 1
	for p in slurmd slurmctld munged; do
		if [ -f "$dir/$p.pid" ]; then
			kill -9 "$(cat "$dir/$p.pid")" 2>/dev/null || true
			rm -f "$dir/$p.pid"
		fi
	done
}

if [ "$cmd" = stop ]; then
	stop
	exit 0
fi

[ "$(id -u)" -eq 0 ] || skip "the Slurm test needs root (slurmd runs jobs as their user)"
for b in munged slurmctld slurmd sbatch squeue scontrol; do
	command -v "$b" >/dev/null || skip "$b is not installed (tools/install-deps.sh installs it)"
done
stop
host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
# free ports for slurmctld and slurmd
read -r p1 p2 < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
chmod 700 "$dir/munge"
if [ ! -f "$dir/munge/munge.key" ]; then
	dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
	chmod 400 "$dir/munge/munge.key"
fi
munged --force --socket="$dir/munge/munge.sock" --key-file="$dir/munge/munge.key" \
	--pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" \
	|| skip "munged does not start here: $(tail -2 "$dir/log/munged.log" 2>/dev/null)"
cat > "$dir/slurm.conf" <<CONF
ClusterName=sluicetest
SlurmctldHost=$host
SlurmctldPort=$p1
SlurmdPort=$p2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1,sched_min_interval=200000
MinJobAge=5
KillWait=2
SlurmctldTimeout=30
SlurmdTimeout=30
MaxArraySize=10000
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$dir/slurm.conf" || skip "slurmctld does not start: $(tail -3 "$dir/log/slurmctld.log" 2>/dev/null)"
slurmd -f "$dir/slurm.conf" || skip "slurmd does not start: $(tail -3 "$dir/log/slurmd.log" 2>/dev/null)"
for _ in $(seq 60); do
	if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
		echo "$dir/slurm.conf"
		exit 0
	fi
	sleep 1
done
state=$(sinfo -h -o '%t %E' 2>&1 || true)
stop
skip "the Slurm node did not come up ($state); see $dir/log"
