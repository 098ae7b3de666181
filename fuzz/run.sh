#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) each, one after the other, with seeds
# made from the committed fixtures and the shipped model. Needs cargo-fuzz
# (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets it build.
set -euo pipefail
cd "$(dirname "$0")"
secs=${SECONDS_EACH:-600}
mkdir -p corpus/model_loader corpus/model_body corpus/csv_loader corpus/text_pipeline
cp ../models/claims.model corpus/model_loader/shipped.model
# small models of every kind as seeds of the body target (the shipped one is 6 MB)
bin=../target/release/claimscan
[ -x "$bin" ] || (cd .. && cargo build --release --quiet)
for flags in "" "--bigrams --char-ngrams 2-3 --calibrate --calibrate-folds 2" \
             "--variant complement --weight-norm --idf --norm l2" "--variant bernoulli"; do
    name=$(echo "seed $flags" | tr -c 'a-z0-9\n' '_')
    "$bin" train --data ../tests/fixtures/golden.csv --out "corpus/model_body/$name.model" $flags 2>/dev/null
    tail -n +2 "corpus/model_body/$name.model" > "corpus/model_body/$name" && rm "corpus/model_body/$name.model"
done
cp ../tests/fixtures/golden.csv corpus/csv_loader/golden.csv
head -c 4000 ../corpus/claims.csv > corpus/csv_loader/claims-head.csv
cp ../tests/fixtures/probe.txt corpus/text_pipeline/probe.txt
export RUSTC_BOOTSTRAP=1
for t in ${TARGETS:-model_body model_loader csv_loader text_pipeline}; do
    echo "== $t: $secs s"
    cargo fuzz run -O "$t" -- -max_total_time="$secs" -rss_limit_mb=4096 2>&1 | grep -E "^(#[0-9]+ +DONE|Done|==[0-9]+== ERROR|SUMMARY|artifact)" || true
done
