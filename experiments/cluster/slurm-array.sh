#!/usr/bin/env bash
# Runs a cgkalab experiment as a Slurm job array: one shard of its runs per
# array task, then a merge job that starts once every task has succeeded.
#
#   experiments/cluster/slurm-array.sh [options] FILE [-- SBATCH-ARGS...]
#
#   -n TASKS    array tasks, i.e. shards (default 4); task i runs
#               'cgkalab run FILE --shard i/TASKS', i = SLURM_ARRAY_TASK_ID
#   -o OUT      results folder on a file system every node sees (default
#               results); the runs go to OUT/<name>/, the tasks' logs to
#               OUT/slurm/
#   -b CGKALAB  the cgkalab binary, reachable from every node (default: the
#               one on PATH)
#   -w          wait until the merge job ends (sbatch --wait) and exit with
#               its status
#   SBATCH-ARGS are passed to both sbatch calls, e.g. -- --partition=long
#               --time=2:00:00 --cpus-per-task=2
#
# The array is submitted with --array=0-(TASKS-1). The merge job depends on
# it with --dependency=afterok and --kill-on-invalid-dep=yes, so that a
# failed task cancels the merge instead of leaving it pending forever; a
# failed task can then be rerun alone (cgkalab run ... --shard i/TASKS), as
# finished runs are skipped, and the merge submitted again:
#   sbatch --wrap 'cgkalab merge OUT/<name>'
# The merge checks that every run is present once and that all agree on
# the experiment and its configuration, writes summary.csv and the
# figures, and exits with status 3 if the results do not make up the
# experiment.
#
# Jobs submitted with --wrap run under /bin/sh, so the wrapped commands
# are plain POSIX sh. The experiment's name (its folder under OUT) is read
# from the file's top-level name: key.
set -euo pipefail

tasks=4 out=results bin="" wait=""
# usage prints the comment above; to stdout for -h, else to stderr (exit 2).
usage() {
  if [ "${1:-2}" = 0 ]; then sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  else sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; fi
  exit "${1:-2}"
}
while getopts "n:o:b:wh" opt; do
  case "$opt" in
    n) tasks=$OPTARG ;;
    o) out=$OPTARG ;;
    b) bin=$OPTARG ;;
    w) wait=--wait ;;
    h) usage 0 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
file=$1; shift
[ "${1:-}" != "--" ] || shift
extra=("$@")

case "$tasks" in ''|*[!0-9]*) echo "slurm-array: -n $tasks: want a number of tasks" >&2; exit 2 ;; esac
[ "$tasks" -ge 1 ] || { echo "slurm-array: -n: want at least 1 task" >&2; exit 2; }
bin=${bin:-$(command -v cgkalab || true)}
[ -x "$bin" ] || { echo "slurm-array: no cgkalab binary (give one with -b)" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
mkdir -p "$out/slurm"
out=$(cd "$out" && pwd)

if [ "$file" = default ]; then
  name=default
else
  [ -f "$file" ] || { echo "slurm-array: $file: no such file" >&2; exit 3; }
  file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
  name=$(awk '/^name:/ { sub(/^name:[ \t]*/, ""); sub(/[ \t]+#.*$/, ""); gsub(/^["\047]|["\047]$/, ""); print; exit }' "$file")
  [ -n "$name" ] || { echo "slurm-array: $file has no top-level name:" >&2; exit 3; }
fi
for p in "$bin" "$file" "$out"; do
  case "$p" in *"'"*) echo "slurm-array: $p: a path with a single quote cannot be passed to /bin/sh" >&2; exit 2 ;; esac
done

array=$(sbatch --parsable --job-name="cgkalab-$name" --array="0-$((tasks - 1))" \
  --output="$out/slurm/%x-%A_%a.out" "${extra[@]}" \
  --wrap "exec '$bin' run '$file' --out '$out' --shard \"\$SLURM_ARRAY_TASK_ID/$tasks\" --no-plots")
array=${array%%;*}
echo "slurm-array: submitted array job $array ($tasks tasks of experiment $name)"

merge=$(sbatch --parsable $wait --job-name="cgkalab-$name-merge" \
  --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$out/slurm/%x-%j.out" "${extra[@]}" \
  --wrap "exec '$bin' merge --experiment '$file' '$out/$name'") || status=$?
merge=${merge%%;*}
echo "slurm-array: merge job $merge writes $out/$name/summary.csv and figures once every task succeeded"
exit "${status:-0}"
