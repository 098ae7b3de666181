#!/usr/bin/env bash
# Runs scale/spark_job.py on Apache Spark in local mode (pyspark from PyPI, the machine's
# Java). Installs pyspark into scale/.venv on first use.
#
#   bash scale/spark.sh [CORPUS.csv] [SHARDS]
set -euo pipefail
# shellcheck source=scale/common.sh
source "$(dirname "$0")/common.sh"
corpus=${1:-$root/corpus/claims.csv}
shards=${2:-4}
command -v java >/dev/null || { echo "Spark needs Java (apt-get install openjdk-17-jre-headless)" >&2; exit 2; }
venv=$root/scale/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import pyspark" 2>/dev/null || "$venv/bin/pip" install -q --disable-pip-version-check "pyspark>=3.5"
export PYSPARK_PYTHON="$venv/bin/python"
# shellcheck disable=SC2086
exec "$venv/bin/python" "$root/scale/spark_job.py" "$bin" "$corpus" "$shards" $settings
