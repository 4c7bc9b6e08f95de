#!/usr/bin/env bash
# Assembles the public projects' schemas used to check catalog fidelity (docs/catalog-fidelity.md)
# into one SQL script each, from snapshots brought with the search tool's `fetch`, then compares
# the catalog plumb interprets from each script with the one PostgreSQL holds after loading it.
#
#   bench/real_schemas.sh [MIRROR_DIR] [OUT_DIR]
#
# MIRROR_DIR holds <owner>+<repo>/repo bare git directories (default /work/.mirror); OUT_DIR gets
# <name>.sql (default /tmp/plumb-real). Nothing here is committed: the schemas stay outside the
# repository. Extensions the schemas need come from Debian's postgresql-15 packages.
set -euo pipefail
mirror=${1:-/work/.mirror}
out=${2:-/tmp/plumb-real}
mkdir -p "$out"
show() { git --git-dir="$mirror/$1/repo" show "${3:-HEAD}:$2"; }

# MusicBrainz: the order of admin/InitDb.pl (a standalone, non-replicated server), each script
# in a session whose search_path is `musicbrainz, public` (InitDb.pl sets it through PGOPTIONS).
mb=metabrainz+musicbrainz-server
if [ -d "$mirror/$mb" ]; then
  {
    for s in musicbrainz cover_art_archive documentation event_art_archive json_dump report \
             sitemaps statistics wikidocs dbmirror2; do
      echo "CREATE SCHEMA $s;"
    done
    for f in Extensions CreateCollations CreateTypes CreateTables caa/CreateTables eaa/CreateTables \
             documentation/CreateTables json_dump/CreateTables report/CreateTables \
             sitemaps/CreateTables statistics/CreateTables wikidocs/CreateTables \
             CreatePrimaryKeys caa/CreatePrimaryKeys documentation/CreatePrimaryKeys \
             eaa/CreatePrimaryKeys json_dump/CreatePrimaryKeys statistics/CreatePrimaryKeys \
             wikidocs/CreatePrimaryKeys CreateSearchConfiguration CreateFunctions \
             caa/CreateFunctions eaa/CreateFunctions CreateIndexes caa/CreateIndexes \
             eaa/CreateIndexes json_dump/CreateIndexes sitemaps/CreateIndexes \
             statistics/CreateIndexes CreateFKConstraints caa/CreateFKConstraints \
             documentation/CreateFKConstraints eaa/CreateFKConstraints caa/CreateEditFKConstraints \
             eaa/CreateEditFKConstraints sitemaps/CreateFKConstraints CreateConstraints \
             CreateViews caa/CreateViews eaa/CreateViews CreateTriggers caa/CreateTriggers \
             eaa/CreateTriggers CreateSearchIndexes dbmirror2/dbmirror2; do
      echo "-- admin/sql/$f.sql"
      echo "SET search_path = musicbrainz, public;"
      show "$mb" "admin/sql/$f.sql"
      echo
    done
  } > "$out/musicbrainz.sql"
fi

# pagila: a pg_dump of the sample database (partitions, domains, a materialized view), at the
# last commit before it needed PostgreSQL 18 (uuidv7, virtual generated columns) and pgvector.
[ -d "$mirror/devrimgunduz+pagila" ] && show devrimgunduz+pagila pagila-schema.sql 23f7fe7 > "$out/pagila.sql"
# Rails structure.sql files: gisia (GitLab-style list partitions with attached indexes),
# danbooru (pg_trgm, btree_gin), lago (pg_partman's schema, partitions).
[ -d "$mirror/Aionrhine+gisia" ] && show Aionrhine+gisia db/structure.sql > "$out/gisia.sql"
[ -d "$mirror/danbooru+danbooru" ] && show danbooru+danbooru db/structure.sql > "$out/danbooru.sql"
[ -d "$mirror/getlago+lago-api" ] && show getlago+lago-api db/structure.sql > "$out/lago.sql"
ls -l "$out"
