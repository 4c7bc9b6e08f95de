#!/usr/bin/env bash
# Live catalog load of a generated 5,000-table database: `plumb schema dump --db` against
# `pg_dump --schema-only`, side by side in one hyperfine run, then `plumb schema review --db`.
# Usage: bench/schema_vs_pg_dump.sh [runs] [tables]. Needs PostgreSQL on 127.0.0.1:5432 (trust).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
tables=${2:-5000}
db=plumb_bench_schema_$tables
conn="host=127.0.0.1 port=5432 user=postgres dbname=$db"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
if ! psql -h 127.0.0.1 -U postgres -d "$db" -Atc "SELECT 1" >/dev/null 2>&1; then
  echo "generating $db ($tables tables)..."
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
  psql -h 127.0.0.1 -U postgres -d "$db" -q -v tables="$tables" -f bench/gen_schema.sql
fi
psql -h 127.0.0.1 -U postgres -d "$db" -Atc \
  "SELECT count(*) FILTER (WHERE relkind = 'r') || ' tables, ' || count(*) FILTER (WHERE relkind = 'i') || ' indexes' FROM pg_class WHERE relnamespace = 'public'::regnamespace"
cargo build --release --quiet
plumb=$(pwd)/target/release/plumb
hyperfine -N -w 2 -r "$runs" \
  -n "plumb schema dump --db" "$plumb schema dump --db '$conn' -o /dev/null" \
  -n "pg_dump --schema-only" "pg_dump -h 127.0.0.1 -U postgres --schema-only -f /dev/null $db" \
  -n "plumb schema review --db" "$plumb schema review --db '$conn' -f json -o /dev/null --fail-on none"
