#!/usr/bin/env bash
# Runs scale/spark_job.py on Apache Spark in local mode (pyspark from PyPI, the machine's
# Java). Installs pyspark into scale/.venv on first use.
#
#   bash scale/spark.sh [CORPUS.csv] [SHARDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-$root/corpus/claims.csv}
shards=${2:-4}
bin=${CLAIMSCAN:-$root/target/release/claimscan}
[ -x "$bin" ] || (cd "$root" && cargo build --release --quiet)
command -v java >/dev/null || { echo "Spark needs Java (apt-get install openjdk-17-jre-headless)" >&2; exit 2; }
venv=$root/scale/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import pyspark" 2>/dev/null || "$venv/bin/pip" install -q --disable-pip-version-check "pyspark>=3.5"
export PYSPARK_PYTHON="$venv/bin/python"
exec "$venv/bin/python" "$root/scale/spark_job.py" "$bin" "$corpus" "$shards"
