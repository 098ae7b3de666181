#!/usr/bin/env bash
# Builds the Python package into a fresh virtual environment and runs its tests:
#   bash python/test.sh
# Needs python3 (with venv) and a Rust toolchain; packages come from PyPI, pinned below.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/py-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check \
    "maturin==1.9.6" "pytest==8.4.2" "numpy==2.3.5" "pandas==2.3.3"
# the package, built by maturin from this checkout (what `pip install .` does)
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/pip" install -q --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps .
# the CLI the tests compare with: the release build if there is one, else the debug one
if [ -z "${CLAIMSCAN_BIN:-}" ]; then
    if [ -x target/release/claimscan ]; then export CLAIMSCAN_BIN=$PWD/target/release/claimscan
    else cargo build --locked --quiet; export CLAIMSCAN_BIN=$PWD/target/debug/claimscan; fi
fi
cd python/tests
exec "../../$venv/bin/python" -m pytest -q .
