#!/usr/bin/env bash
# Benchmark of render folders (issue: sequences): on a synthetic shot of FRAMES frames at
# 960×540 with Blender-like passes and a few bad frames (make_sequence example),
#   1. `exrprobe check FOLDER` against a Python loop over the OpenEXR bindings doing the same
#      per-file work (scripts/bench_sequence_peer.py); target ≤ 0.30× its time;
#   2. the viewer's scan while the pointer moves over the views: seconds until the file list
#      shows every status, against the CLI's time in the same run (target ≤ 1.2×), frame time
#      while scanning, peak memory;
#   3. the same scan with the window left alone (when it takes every core).
#
#   scripts/bench_sequence.sh [EXRPROBE_BINARY]
#
# Needs hyperfine, python3 with numpy and OpenEXR. FRAMES (default 500), BENCH_RUNS (default 3).
# The shot is generated once into BENCH_DIR (default $CARGO_TARGET_DIR/bench-seq).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo_root/target}
frames=${FRAMES:-500}
runs=${BENCH_RUNS:-3}
bench_dir=${BENCH_DIR:-$CARGO_TARGET_DIR/bench-seq}
shot=$bench_dir/shot_${frames}

command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 2; }
python3 -c 'import numpy, OpenEXR' || { echo "bench: python3 needs numpy and OpenEXR" >&2; exit 2; }

mkdir -p "$bench_dir"
if [[ $# -ge 1 ]]; then
    exrprobe=$1
else
    echo "== building the release binary"
    cargo build --release --bin exrprobe
    cp "$CARGO_TARGET_DIR/release/exrprobe" "$bench_dir/exrprobe"
    exrprobe=$bench_dir/exrprobe
fi
if [[ ! -d $shot ]]; then
    echo "== generating $frames frames in $shot"
    cargo run --release -p exrprobe-synth --example make_sequence -- "$shot" "$frames"
fi

echo "== check vs the Python loop ($runs runs each)"
json=$bench_dir/hyperfine.json
hyperfine --runs "$runs" --warmup 1 -i --export-json "$json" \
    -n exrprobe "$exrprobe check $shot" \
    -n python "python3 $repo_root/scripts/bench_sequence_peer.py $shot"
read -r ours peer < <(python3 -c "
import json, sys
r = {x['command']: x['mean'] for x in json.load(open('$json'))['results']}
print(r['exrprobe'], r['python'])")
python3 -c "print(f'check: {$ours:.3f} s, Python loop: {$peer:.3f} s, ratio {$ours / $peer:.3f} (target <= 0.30)')"

echo "== the viewer's scan of the same folder"
log=$bench_dir/viewer_scan.log
EXRPROBE_BENCH_SEQUENCE=$shot cargo test --release -p exrprobe --test gui_bench scan_of_a_render_folder \
    -- --exact --ignored --nocapture 2>&1 | tee "$log" | grep -E "scan|frame time"
scan=$(awk '/^scan_seconds/ { print $2 }' "$log")
rss=$(awk '/^scan_peak_rss_bytes/ { print $2 }' "$log")
python3 -c "print(f'viewer: every status after {$scan:.3f} s = {$scan / $ours:.2f}x the CLI (target <= 1.2); peak RSS {$rss / 2**20:.0f} MiB')"

echo "== the viewer's scan of the same folder, window left alone"
log=$bench_dir/viewer_scan_alone.log
EXRPROBE_BENCH_SEQUENCE=$shot cargo test --release -p exrprobe --test gui_bench \
    scan_of_a_render_folder_left_alone -- --ignored --nocapture 2>&1 | tee "$log" | grep -E "scan"
alone=$(awk '/^scan_left_alone_seconds/ { print $2 }' "$log")
python3 -c "print(f'viewer left alone: every status after {$alone:.3f} s = {$alone / $ours:.2f}x the CLI (target <= 1.2)')"
