#!/usr/bin/env bash
# Side-by-side throughput of `plumb lint` and squawk (npm squawk-cli@2) with JSON output on
# ../shared/corpus copied 20 times, in one hyperfine run. Usage: bench/lint_vs_squawk.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
corpus=$(cd ../shared/corpus && pwd)
work=${BENCH_DIR:-/tmp/plumb-bench}
mkdir -p "$work"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
[ -x "$work/node_modules/.bin/squawk" ] || (cd "$work" && npm install --silent squawk-cli@2 >/dev/null)
if [ ! -d "$work/corpus20/copy19" ]; then
  for i in $(seq 0 19); do
    d="$work/corpus20/copy$i"; mkdir -p "$d"
    cp -r "$corpus/lemmy/migrations" "$d/lemmy"
    cp -r "$corpus/documenso/packages/prisma/migrations" "$d/documenso"
    cp -r "$corpus/harbor/make/migrations/postgresql" "$d/harbor"
    cp -r "$corpus/authelia/internal/storage/migrations/postgres" "$d/authelia"
  done
fi
echo "files: $(find "$work/corpus20" -name '*.sql' | wc -l)"
cargo build --release --quiet
plumb=$(pwd)/target/release/plumb
cd "$work"
hyperfine --shell=bash -w 2 -r "$runs" -i \
  -n plumb "$plumb lint corpus20/copy*/{lemmy,documenso,harbor,authelia} --format json > /dev/null" \
  -n squawk "node_modules/.bin/squawk --reporter json corpus20/copy*/*/*.sql corpus20/copy*/*/*/*.sql > /dev/null"
