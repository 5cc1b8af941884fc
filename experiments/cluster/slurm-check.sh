#!/usr/bin/env bash
# Checks sharded runs on a real Slurm cluster: installs Debian's slurm-wlm
# and munge (apt-get, as root), starts a one-node cluster on this machine
# without systemd, submits quick.yaml (beside this script) as a 4-task job
# array with a dependent merge job through slurm-array.sh, waits for it,
# and checks that the merged results equal a single-process run of the
# same experiment byte for byte, apart from CPU time (the events CSVs'
# sender_cpu_ns and receiver_cpu_ns columns, the summary's *_cpu_ns_mean
# columns, and the CPU fields and events-file digest in the JSON records).
#
#   experiments/cluster/slurm-check.sh [WORKDIR]
#
# Everything the cluster needs goes under WORKDIR (default: a new folder
# under /tmp): slurm.conf, state, logs, the binary, both runs. The cluster
# is one node with proctrack/linuxproc, task/none and no accounting, so it
# needs no cgroups; munged uses its default socket under /run/munge, which
# is made first. The daemons this script starts (munged unless one already
# answers, slurmctld, slurmd) are stopped by their process IDs when it
# ends. Exit status 0 when the results agree; the script prints the
# timings of each step.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${1:-$(mktemp -d /tmp/cgkalab-slurm.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
log() { printf '%s slurm-check: %s\n' "$(date +%T)" "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
t0=$(now)

# --- Install -----------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
  echo "slurm-check: needs root (apt-get, munged, slurmd)" >&2
  exit 1
fi
step=$(now)
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
log "slurm-wlm $(dpkg-query -W -f '${Version}' slurm-wlm) and munge $(dpkg-query -W -f '${Version}' munge) present ($(since "$step"))"

# --- Start the cluster ---------------------------------------------------
pids=()
cleanup() {
  status=$?
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  [ ${#pids[@]} -eq 0 ] || log "stopped the daemons it started (pids ${pids[*]})"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step=$(now)
mkdir -p /run/munge
chown munge:munge /run/munge
chmod 0755 /run/munge
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "munged already running; using it"
else
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  mkdir -p /var/log/munge /var/lib/munge
  chown munge:munge /var/log/munge /var/lib/munge
  runuser -u munge -- munged --pid-file=/run/munge/munged.pid
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  pids+=("$(cat /run/munge/munged.pid)")
  munge -n | unmunge >/dev/null
  log "munged started (pid ${pids[0]})"
fi

node=$(hostname -s)
cpus=$(nproc)
mkdir -p "$work/etc" "$work/state" "$work/spool"
conf=$work/etc/slurm.conf
cat >"$conf" <<EOF
# A one-node cluster for slurm-check.sh; no systemd, no cgroups, no accounting.
ClusterName=cgkalab
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldPort=${SLURMCTLD_PORT:-6817}
SlurmdPort=${SLURMD_PORT:-6818}
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=check Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$conf
slurmctld -D -i -f "$conf" >"$work/slurmctld.out" 2>&1 &
pids+=("$!")
slurmd -D -f "$conf" -N "$node" >"$work/slurmd.out" 2>&1 &
pids+=("$!")
for i in $(seq 120); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  for p in "${pids[@]}"; do
    kill -0 "$p" 2>/dev/null || { echo "slurm-check: a daemon ended; see $work/*.log and $work/*.out" >&2; tail -n 20 "$work"/*.log "$work"/*.out >&2; exit 1; }
  done
  [ "$i" -lt 120 ] || { echo "slurm-check: node $node not idle after 60 s (state: $state)" >&2; tail -n 20 "$work"/*.log >&2; exit 1; }
  sleep 0.5
done
log "one-node cluster up: node $node, $cpus CPUs, slurmctld pid ${pids[-2]}, slurmd pid ${pids[-1]} ($(since "$step"))"
sinfo

# --- Run the experiment twice ---------------------------------------------
step=$(now)
mkdir -p "$work/bin"
(cd "$repo" && go build -o "$work/bin/cgkalab" ./cmd/cgkalab)
bin=$work/bin/cgkalab
log "built $("$bin" version) ($(since "$step"))"

step=$(now)
"$bin" run "$here/quick.yaml" --out "$work/single" >"$work/single.out" 2>"$work/single.err"
log "single process: $(since "$step")"

step=$(now)
"$here/slurm-array.sh" -n 4 -o "$work/array" -b "$bin" -w "$here/quick.yaml"
log "job array of 4 tasks and merge job, submitted to merged: $(since "$step")"
queued=$(squeue -h 2>/dev/null | wc -l)
[ "$queued" = 0 ] || { echo "slurm-check: jobs still queued" >&2; squeue >&2; exit 1; }
# The jobs as slurmctld remembers them (no accounting here, so not sacct).
scontrol -o show job | awk '{ delete f
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = substr($i, length(kv[1]) + 2) }
    id = f["JobId"]; if (f["ArrayTaskId"] != "") id = f["ArrayJobId"] "_" f["ArrayTaskId"]
    printf "job %-6s %-22s %-10s exit %-4s submitted %s started %s ended %s\n", id, f["JobName"], f["JobState"], f["ExitCode"], substr(f["SubmitTime"], 12), substr(f["StartTime"], 12), substr(f["EndTime"], 12) }'
for f in "$work"/array/slurm/*.out; do
  printf -- '--- %s\n' "$(basename "$f")"
  grep -v '% of virtual time' "$f" || true
done

# --- Compare -------------------------------------------------------------
a=$work/single/quick b=$work/array/quick
# drop_cpu_columns: a CSV without the columns whose header names CPU time.
# The runs' CSVs quote no field before their last column, so splitting on
# commas finds the CPU columns; the rest of each line is compared as is.
drop_cpu_columns() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /cpu_ns/) drop[i] = 1 }
    { line = ""; sep = ""
      for (i = 1; i <= NF; i++) if (!(i in drop)) { line = line sep $i; sep = "," }
      print line }' "$1"
}
# drop_cpu_fields: a record without CPU-time fields (measured and
# modelled), the calibration each run measures at its start, and the
# events file's size and digest (the events file holds the CPU columns).
drop_cpu_fields() {
  jq -S 'walk(if type == "object" then with_entries(select((.key | test("cpu_ns")) or .key == "calibration" | not)) else . end)
    | .files |= map(if (.name | endswith(".events.csv")) then del(.size, .sha256) else . end)' "$1"
}
(cd "$a" && find . -type f ! -path './stale/*' | sort) >"$work/files.single"
(cd "$b" && find . -type f ! -path './stale/*' | sort) >"$work/files.array"
if ! diff -u "$work/files.single" "$work/files.array"; then
  echo "slurm-check: the merged results have other files than the single run" >&2
  exit 1
fi
differ=0 exact=0 apart=0
while read -r f; do
  case "$f" in
    *.events.csv | ./summary.csv)
      cmp -s <(drop_cpu_columns "$a/$f") <(drop_cpu_columns "$b/$f") && apart=$((apart + 1)) || { echo "differs: $f" >&2; differ=1; } ;;
    *.json)
      cmp -s <(drop_cpu_fields "$a/$f") <(drop_cpu_fields "$b/$f") && apart=$((apart + 1)) || { echo "differs: $f" >&2; differ=1; } ;;
    ./report.html | ./report.md)
      # Drawn from the records and figures compared here; their tables show
      # CPU time, so they must only exist and not be empty.
      [ -s "$b/$f" ] && apart=$((apart + 1)) || { echo "empty: $f" >&2; differ=1; } ;;
    *)
      cmp -s "$a/$f" "$b/$f" && exact=$((exact + 1)) || { echo "differs: $f" >&2; differ=1; } ;;
  esac
done <"$work/files.single"
if [ "$differ" != 0 ]; then
  echo "slurm-check: FAILED: the merged results differ from the single-process run" >&2
  exit 1
fi
log "merged results equal the single-process run: $exact files byte for byte, $apart apart from CPU columns ($(wc -l <"$work/files.single") files)"
cat "$work/single.out"
log "total $(since "$t0"); work folder $work"
