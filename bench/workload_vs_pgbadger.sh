#!/usr/bin/env bash
# plumb workload against pgBadger on the same stderr log, in one run: wall time, peak memory,
# statements counted and total duration of each, and the ratio.
#
#   bench/workload_vs_pgbadger.sh [LOG] [PREFIX]
#
# Defaults: /tmp/wl/pg200.log written by
#   python3 ../shared/bench/gen_pglog.py --size-mb 200 --out /tmp/wl/pg200.log
# and that generator's prefix. Needs pgbadger (apt-get install -y pgbadger) and a release build
# (cargo build --release -p plumb).
set -euo pipefail
cd "$(dirname "$0")/.."
log=${1:-/tmp/wl/pg200.log}
prefix=${2:-'%t [%p]: user=%u,db=%d,app=%a,client=%h '}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
plumb=target/release/plumb
[ -x "$plumb" ] || { echo "build first: cargo build --release -p plumb" >&2; exit 2; }

measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/$name.time" "$@" >/dev/null 2>"$out/$name.err" || {
    cat "$out/$name.err" >&2; exit 1; }
  read -r secs kb <"$out/$name.time"
  echo "$name $secs $kb"
}

size=$(stat -c %s "$log")
echo "log: $log ($((size / 1000000)) MB), $(nproc) cores"
p=$(measure plumb "$plumb" workload "$log" --format json -o "$out/plumb.json")
b=$(measure pgbadger pgbadger -j "$(nproc)" -f stderr -p "$prefix" -x json -o "$out/pgbadger.json" "$log")
python3 - "$out" "$p" "$b" "$size" <<'EOF'
import json, sys
out, p, b, size = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), int(sys.argv[4])
plumb = json.load(open(f"{out}/plumb.json"))
badger = json.load(open(f"{out}/pgbadger.json"))
ps, pt = plumb["summary"]["statements"], plumb["summary"]["total_duration_ms"] / 1000
stat = badger.get("overall_stat", {})
bs = int(stat.get("queries_number", 0))
# pgBadger keeps durations per database; its total is execute + prepare (parse) + bind.
bt = sum(sum(float(v.get("queries_duration", {}).get(k) or 0) for k in ("execute", "prepare", "bind"))
         for v in stat.values() if isinstance(v, dict)) / 1000
def row(name, secs, kb, n, total):
    print(f"{name:9} {float(secs):7.2f} s  {size / float(secs) / 1e6:7.1f} MB/s  peak {int(kb) / 1024:6.0f} MiB  statements {n:>9,}  total {total:>12,.1f} s")
row("plumb", p[1], p[2], ps, pt)
row("pgbadger", b[1], b[2], bs, bt)
print(f"ratio: plumb is {float(b[1]) / float(p[1]):.1f}x faster; statements differ by {ps - bs}; totals by {abs(pt - bt) / max(bt, 1e-9) * 100:.3f}%")
EOF
