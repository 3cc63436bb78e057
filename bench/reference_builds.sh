#!/usr/bin/env bash
# Reference builds for a byte-identity check across a refactoring:
#   bench/reference_builds.sh DEST     (run it in the old checkout and in the new one,
#   then `diff -r OLD NEW`: only report.json's input paths may differ)
# Builds the demo, both shared dev corpora (JSONL and listing), a 2k synthetic corpus with two
# workers, a store of two corpora exported, and `paperkg extract`.  Needs ../shared/.
set -euo pipefail
dest=$(realpath -m "$1"); mkdir -p "$dest"
cd "$(dirname "$0")/.."
pk=.venv/bin/paperkg
shared=../shared/data
[ -f "$dest/syn2k.jsonl" ] || .venv/bin/python -c "
import sys; sys.path.insert(0, 'bench')
from pathlib import Path
from scale import write_corpus
write_corpus(Path('$shared/corpus/medical-ai-dev.jsonl'), 2000, Path('$dest/syn2k.jsonl'))"
$pk build -o "$dest/demo" --workers 1 >/dev/null
$pk build "$shared/corpus/medical-ai-dev.jsonl" -o "$dest/med" --workers 1 >/dev/null
$pk build "$shared/corpus/medical-ai-dev.listing.txt" -o "$dest/medlist" --workers 1 >/dev/null
$pk build "$shared/corpus-ml/ml-openreview-dev.jsonl" -o "$dest/ml" --workers 1 >/dev/null
$pk build "$dest/syn2k.jsonl" -o "$dest/syn2k" --workers 2 >/dev/null
rm -rf "$dest/store"
$pk build "$shared/corpus/medical-ai-dev.jsonl" --store "$dest/store" >/dev/null
$pk build "$shared/corpus-ml/ml-openreview-dev.jsonl" --store "$dest/store" -o "$dest/storeout" \
    >/dev/null
$pk extract "$shared/corpus-ml/ml-openreview-dev.jsonl" -o "$dest/ml-extract.jsonl" >/dev/null
rm -rf "$dest/store"
echo "reference builds in $dest"
