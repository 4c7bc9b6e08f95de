#!/usr/bin/env bash
# Time and peak memory of `plumb lint` on one big migration file (issue 7 target: 50 MB in under
# 10 s with under 1 GB peak). Generates three 50 MB files in $TMPDIR: a realistic mix (tables,
# indexes, ALTERs, INSERTs with quoted semicolons, views, PL/pgSQL functions, comments), only
# CREATE TABLE (the catalog grows by one table per statement), and only UPDATE (no catalog growth).
# Usage: bench/lint_big_file.sh [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
mb="${1:-50}"
dir="${TMPDIR:-/tmp}/plumb_big"
mkdir -p "$dir"
python3 - "$dir" "$mb" <<'PY'
import sys
d, mb = sys.argv[1], int(sys.argv[2])
limit = mb * 1024 * 1024
def write(name, make):
    n = i = 0
    with open(f"{d}/{name}.sql", "w") as f:
        while n < limit:
            s = make(i); f.write(s); n += len(s); i += 1
def mix(i):
    k = i % 6
    return [
        f"CREATE TABLE t{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), ref_id bigint);\n",
        f"CREATE INDEX t{i-1}_name_idx ON t{i-1} (name);\n",
        f"ALTER TABLE t{i-2} ADD COLUMN note varchar(200);\n",
        f"INSERT INTO t{i-3} (name, ref_id) VALUES ('a;b', 1), ('c', 2), ('d''e', 3);\n",
        f"CREATE VIEW v{i} AS SELECT id, name FROM t{i-4} WHERE name <> ';';\n",
        f"CREATE FUNCTION f{i}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM t{i-5}); END; $$;\n-- a comment; with a semicolon\n",
    ][k]
write("mix", mix)
write("tables", lambda i: f"CREATE TABLE t{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), ref_id bigint);\n")
write("updates", lambda i: f"UPDATE t SET a = {i} WHERE id = {i};\n")
PY
cargo build --release -q -p plumb
for f in mix tables updates; do
  /usr/bin/time -f "$f: %e s wall, %U s user, %M kB peak" \
    target/release/plumb lint "$dir/$f.sql" --format json -o /dev/null || true
done
