# Shared by the scale-out recipes (sourced, not run): the repository root, the claimscan
# binary (built when missing), and the shipped model's training settings without pruning,
# since merging shard models needs every count.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${CLAIMSCAN:-$root/target/release/claimscan}
[ -x "$bin" ] || (cd "$root" && cargo build --release --quiet)
settings=$("$bin" info | sed -n 's/^settings: *//p' | sed -E 's/--min-df [0-9]+//; s/--max-features [0-9]+//')
