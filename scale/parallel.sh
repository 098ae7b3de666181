#!/usr/bin/env bash
# Sharded training (map: train per shard; reduce: merge) and sharded prediction with GNU
# parallel, checked against one unsharded run.
#
#   bash scale/parallel.sh [CORPUS.csv] [INPUT.txt] [SHARDS]
#
# Defaults: corpus/claims.csv; as input, the corpus texts repeated 60 times; 4 shards.
# Exit 0 only when the sharded prediction equals one unsharded run, line for line.
set -euo pipefail
# shellcheck source=scale/common.sh
source "$(dirname "$0")/common.sh"
corpus=${1:-$root/corpus/claims.csv}
shards=${3:-4}
command -v parallel >/dev/null || { echo "GNU parallel is not installed (apt-get install parallel)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/claimscan-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "settings: $settings"

# input to classify
input=${2:-}
if [ -z "$input" ]; then
    input=$work/input.txt
    for _ in $(seq 1 60); do tail -n +2 "$corpus" | sed -E 's/,[^,]*,[^,]*$//; s/^"//; s/"$//'; done > "$input"
fi
echo "input: $(wc -l < "$input") lines"

# map: split the corpus rows round-robin into shards (header on each), train each in parallel
mkdir -p "$work/shards"
tail -n +2 "$corpus" | split -n r/"$shards" -d - "$work/shards/rows-"
for f in "$work"/shards/rows-*; do
    { head -1 "$corpus"; cat "$f"; } > "$f.csv" && rm "$f"
done
# shellcheck disable=SC2086
parallel --halt now,fail=1 "$bin" train --data {} --out {.}.model $settings ::: "$work"/shards/*.csv 2>/dev/null
# reduce
"$bin" merge --out "$work/merged.model" "$work"/shards/*.model
# shellcheck disable=SC2086
"$bin" train --data "$corpus" --out "$work/whole.model" $settings 2>/dev/null
if cmp -s "$work/merged.model" "$work/whole.model"; then
    echo "map/reduce training: merged model is byte-identical to the unsharded model"
else
    echo "map/reduce training: merged model differs in bytes (floating-point order); comparing predictions"
fi

# sharded prediction: split the input by lines, predict each piece in parallel, keep order
mkdir -p "$work/pieces"
split -n l/"$shards" -d "$input" "$work/pieces/part-"
parallel -k --halt now,fail=1 "$bin" predict --threads 1 --model "$work/merged.model" {} ::: "$work"/pieces/part-* > "$work/sharded.tsv"
"$bin" predict --model "$work/whole.model" "$input" > "$work/single.tsv"
if cmp -s "$work/sharded.tsv" "$work/single.tsv"; then
    echo "sharded prediction: $(wc -l < "$work/sharded.tsv") lines, identical to the unsharded run"
else
    echo "sharded prediction differs from the unsharded run" >&2
    diff <(cut -f1 "$work/sharded.tsv") <(cut -f1 "$work/single.tsv") | head >&2
    exit 1
fi
