#!/usr/bin/env bash
# Benchmark: `exrprobe diff A B` on two 3840×2160, 33-channel Blender-style renders (the same
# scene stored as ZIP float and as PIZ half, so every channel is compared and most pixels differ)
# against (a) scripts/bench_diff_peer.py, the same metrics in Python OpenEXR + NumPy, and
# (b) OpenImageIO's `idiff` (when installed; it compares all channels at once). Peak RSS too.
#
#   scripts/bench_diff.sh [EXRPROBE_BINARY]
#
# Without a binary it builds the release binary. The files are generated once into BENCH_DIR
# (default $CARGO_TARGET_DIR/bench) by the make_bench_file example. Needs hyperfine, GNU time,
# python3 with numpy and OpenEXR; idiff (apt: openimageio-tools) is optional.
# BENCH_RUNS (default 5) runs per command after one warm-up run. Target: exrprobe ≤ 0.30× each.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo_root/target}
bench_dir=${BENCH_DIR:-$CARGO_TARGET_DIR/bench}
runs=${BENCH_RUNS:-5}
for tool in hyperfine python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench_diff: $tool is not installed" >&2; exit 2; }
done
python3 -c 'import numpy, OpenEXR' || { echo "bench_diff: python3 needs numpy and OpenEXR" >&2; exit 2; }

mkdir -p "$bench_dir"
if [[ $# -ge 1 ]]; then
    exrprobe=$1
else
    cargo build --release --bin exrprobe
    cp "$CARGO_TARGET_DIR/release/exrprobe" "$bench_dir/exrprobe"
    exrprobe=$bench_dir/exrprobe
fi
a=$bench_dir/bench_4k_zip_f32.exr
b=$bench_dir/bench_4k_piz_f16.exr
if [[ ! -f $a || ! -f $b ]]; then
    cargo run --release -p exrprobe-synth --example make_bench_file -- "$bench_dir"
fi

commands=("$exrprobe diff $a $b" "python3 scripts/bench_diff_peer.py $a $b")
if command -v idiff >/dev/null; then
    commands+=("idiff -a $a $b")
else
    echo "(idiff not installed: apt-get install openimageio-tools)"
fi
# diff exits 1 (the files differ), idiff too: ignore exit codes.
hyperfine -N -i --warmup 1 --runs "$runs" --export-json "$bench_dir/bench_diff.json" "${commands[@]}"
python3 - "$bench_dir/bench_diff.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
ours = results[0]["mean"]
print(f"exrprobe diff: {ours:.3f} s")
for peer in results[1:]:
    print(f"  vs {peer['command'].split()[0:2]}: {peer['mean']:.3f} s, ratio {ours / peer['mean']:.2f}x (target <= 0.30x)")
PY
for command in "${commands[@]}"; do
    /usr/bin/time -f "%M KiB peak RSS: $command" $command >/dev/null 2>/tmp/bench_diff_time || true
    tail -n 1 /tmp/bench_diff_time
done
