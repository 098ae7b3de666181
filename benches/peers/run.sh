#!/usr/bin/env bash
# Peer comparison: claimscan against scikit-learn and fastText on the same corpus, the same
# held-out split and the same 1,000,000-line stream, all measured in this one run.
#
#   bash benches/peers/run.sh            # from the repository root
#   LINES=200000 bash benches/peers/run.sh   # a shorter stream
#   QUALITY_ONLY=1 bash benches/peers/run.sh # only the held-out quality table
#   PREVIOUS=/path/to/old/claimscan bash benches/peers/run.sh   # time a previous build beside it
#                                        (each build with its own shipped settings)
#
# The stream is benches/make_stream.py's: real vocabulary from the corpus and the held-out
# sets, in varied word order (about 24 words a line).
#
# Installs scikit-learn and fastText's Python bindings from PyPI into benches/peers/.venv,
# and fastText's command-line tool from Debian's `fasttext` package when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=benches/peers
work=$here/work
mkdir -p "$work"

if [ -z "${QUALITY_ONLY:-}" ] && ! command -v fasttext >/dev/null 2>&1; then
    echo "installing Debian's fasttext (command-line tool)..." >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq fasttext >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq fasttext >/dev/null; fi
fi
if [ ! -x "$here/.venv/bin/python" ]; then
    python3 -m venv "$here/.venv"
fi
"$here/.venv/bin/pip" install -q --disable-pip-version-check \
    "scikit-learn>=1.5" "numpy>=1.26" "fasttext-numpy2==0.10.4"

cargo build --release --quiet
extra=()
if [ -z "${QUALITY_ONLY:-}" ]; then
    python3 benches/make_stream.py --lines "${LINES:-1000000}" > "$work/stream.txt"
    extra+=(--stream "$work/stream.txt")
else
    extra+=(--quality-only)
fi
if [ -n "${PREVIOUS:-}" ]; then
    extra+=(--previous "$PREVIOUS")
fi
exec "$here/.venv/bin/python" "$here/peers.py" --lines "${LINES:-1000000}" --work "$work" \
    --claimscan target/release/claimscan --corpus corpus/claims.csv \
    --heldout tests/fixtures/heldout.csv --heldout tests/fixtures/heldout_web.csv \
    "${extra[@]}"
