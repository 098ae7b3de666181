"""Sharded training and prediction on Apache Spark (local mode), through the claimscan
binary, checked against one unsharded run. Run by scale/spark.sh.

map: each partition of the corpus is written to a shard CSV and trained by `claimscan train`;
reduce: the driver merges the shard models with `claimscan merge`;
predict: the input lines go through `RDD.pipe("claimscan predict ...")`, partition by
partition, and the collected labels must equal one unsharded `claimscan predict` run.
"""
import csv
import os
import subprocess
import sys
import tempfile

from pyspark import SparkConf, SparkContext

# the training flags come from spark.sh (the shipped settings without pruning)
binary, corpus, shards, flags = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
work = tempfile.mkdtemp(prefix="claimscan-spark.")

sc = SparkContext(conf=SparkConf().setMaster(f"local[{shards}]").setAppName("claimscan"))
sc.setLogLevel("ERROR")
with open(corpus, encoding="utf-8") as f:
    header, *rows = f.read().splitlines()

def train_shard(index, lines):
    path = os.path.join(work, f"shard-{index}.csv")
    with open(path, "w", encoding="utf-8") as out:
        out.write(header + "\n")
        for line in lines:
            out.write(line + "\n")
    model = path[:-4] + ".model"
    subprocess.run([binary, "train", "--data", path, "--out", model, *flags],
                   check=True, capture_output=True)
    yield model

# round-robin rows so that every shard holds every label
rdd = sc.parallelize(list(enumerate(rows)), shards).partitionBy(shards, lambda i: i % shards).values()
models = sorted(rdd.mapPartitionsWithIndex(train_shard).collect())
merged = os.path.join(work, "merged.model")
subprocess.run([binary, "merge", "--out", merged, *models], check=True, capture_output=True)
whole = os.path.join(work, "whole.model")
subprocess.run([binary, "train", "--data", corpus, "--out", whole, *flags], check=True, capture_output=True)
same_bytes = open(merged, "rb").read() == open(whole, "rb").read()
print(f"spark map/reduce training: {len(models)} shard models merged; "
      f"{'byte-identical to' if same_bytes else 'differs in bytes from'} the unsharded model")

# sharded prediction through RDD.pipe
texts = [rec[0] for rec in csv.reader(rows)] * 20
inp = os.path.join(work, "input.txt")
with open(inp, "w", encoding="utf-8") as f:
    f.write("\n".join(texts) + "\n")
piped = sc.textFile(inp, shards).pipe(f"{binary} predict --threads 1 --model {merged}").collect()
single = subprocess.run([binary, "predict", "--model", whole, inp], capture_output=True,
                        text=True, check=True).stdout.splitlines()
sc.stop()
if piped != single:
    bad = sum(a != b for a, b in zip(piped, single))
    print(f"spark prediction differs: {len(piped)} vs {len(single)} lines, {bad} differ", file=sys.stderr)
    sys.exit(1)
print(f"spark prediction: {len(piped)} lines through RDD.pipe in {shards} partitions, "
      "identical to the unsharded run")
