#!/usr/bin/env bash
# Viewer benchmark in a real window: time from start to the first image on screen, compared with
# the decode time, and resident memory after loading, compared with the decoded size.
#
#   scripts/viewer_bench.sh [BINARY [FILE]]
#
# BINARY defaults to a fresh `cargo build --release` (copied aside, so a rebuild by someone else
# cannot change it mid-run); FILE to the 4K 33-channel ZIP benchmark file made by scripts/bench.sh
# ($CARGO_TARGET_DIR/bench/bench_4k_zip_f32.exr). Needs Xvfb and Mesa's software Vulkan
# (apt-get install -y xvfb mesa-vulkan-drivers).
#
# Each of VIEWER_BENCH_RUNS (default 3) runs starts Xvfb and the viewer on FILE with
# RUST_LOG=exrprobe=info, waits for the log line "first image on screen", lets it settle for
# VIEWER_BENCH_SETTLE_SECS (default 3), then reads VmRSS and VmHWM from /proc. One more run without
# a file gives the empty viewer's memory. Targets (issue #3): first image ≤ decode time + 0.5 s;
# resident memory after loading ≤ 1.3× the decoded size in native types. The image counts as on
# screen when its texture is handed to egui; the GPU upload and paint of that frame follow.
# Only the processes this script started are stopped, by PID.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo_root/target}
runs=${VIEWER_BENCH_RUNS:-3}
settle_secs=${VIEWER_BENCH_SETTLE_SECS:-3}

work=$(mktemp -d "${TMPDIR:-/tmp}/exrprobe-viewer-bench.XXXXXX")
if [[ $# -ge 1 ]]; then
    binary=$1
else
    cargo build --release --bin exrprobe
    cp "$CARGO_TARGET_DIR/release/exrprobe" "$work/exrprobe"
    binary=$work/exrprobe
fi
file=${2:-$CARGO_TARGET_DIR/bench/bench_4k_zip_f32.exr}
if [[ ! -f $file ]]; then
    echo "viewer_bench: no such file: $file (scripts/bench.sh generates the benchmark files)" >&2
    exit 2
fi
command -v Xvfb >/dev/null || { echo "viewer_bench: Xvfb is not installed" >&2; exit 2; }

xvfb_pid=""
app_pid=""
stop() {
    for pid in "$@"; do
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 25); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.2
            done
            kill -9 "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
}
cleanup() {
    local status=$?
    stop "$app_pid" "$xvfb_pid"
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Bytes all decoded channels take in their native types.
decoded_bytes=$("$binary" info --json "$file" | python3 -c '
import json, sys
size = {"half": 2, "float": 4, "uint": 4}
info = json.load(sys.stdin)
print(sum(c["width"] * c["height"] * size[c["type"]] for c in info["channels"] if c["decoded"]))
')

start_xvfb() {
    : >"$work/display"
    Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
    xvfb_pid=$!
    local number=""
    for _ in $(seq 1 100); do
        number=$(tr -dc '0-9' <"$work/display")
        [[ -n $number ]] && break
        sleep 0.1
    done
    [[ -n $number ]] || { echo "viewer_bench: Xvfb did not start" >&2; exit 1; }
    export DISPLAY=":$number"
}

# Runs the viewer with ARGS until its log says LINE (or 120 s), settles, prints "VmRSS VmHWM" in kB.
run_viewer() {
    local line=$1
    shift
    start_xvfb
    mkdir -p -m 700 "$work/xdg"
    env -u WAYLAND_DISPLAY XDG_RUNTIME_DIR="$work/xdg" RUST_LOG=exrprobe=info \
        "$binary" "$@" >"$work/app.log" 2>&1 &
    app_pid=$!
    for _ in $(seq 1 1200); do
        grep -q "$line" "$work/app.log" && break
        kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log" >&2; exit 1; }
        sleep 0.1
    done
    grep -q "$line" "$work/app.log" || { echo "viewer_bench: no '$line' within 120 s" >&2; exit 1; }
    sleep "$settle_secs"
    awk '/^VmRSS/ { rss = $2 } /^VmHWM/ { hwm = $2 } END { print rss, hwm }' "/proc/$app_pid/status"
    stop "$app_pid" "$xvfb_pid"
    app_pid=""
    xvfb_pid=""
}

# The empty viewer (welcome screen) logs nothing to wait for: give it a fixed time.
start_xvfb
mkdir -p -m 700 "$work/xdg"
env -u WAYLAND_DISPLAY XDG_RUNTIME_DIR="$work/xdg" "$binary" >"$work/empty.log" 2>&1 &
app_pid=$!
sleep 6
empty_rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$app_pid/status")
stop "$app_pid" "$xvfb_pid"
app_pid=""
xvfb_pid=""

echo "file: $file ($(awk -v b="$decoded_bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }') decoded); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "empty viewer: VmRSS $(( empty_rss / 1024 )) MiB"
printf '%-4s %9s %9s %12s %13s %11s %11s %9s\n' run decode_s analyse_s first_image_s after_decode_s VmRSS_MiB VmHWM_MiB RSS/decoded
for run in $(seq 1 "$runs"); do
    read -r rss hwm < <(run_viewer "first image on screen" "$file")
    decode=$(sed -n 's/.*decoded in \([0-9.]*\) s.*/\1/p' "$work/app.log" | head -1)
    analyse=$(sed -n 's/.*analysed in \([0-9.]*\) s.*/\1/p' "$work/app.log" | head -1)
    first=$(sed -n 's/.*first image on screen \([0-9.]*\) s.*/\1/p' "$work/app.log" | head -1)
    awk -v run="$run" -v d="$decode" -v a="$analyse" -v f="$first" -v rss="$rss" -v hwm="$hwm" \
        -v dec="$decoded_bytes" 'BEGIN {
            printf "%-4s %9.3f %9.3f %12.3f %13.3f %11.0f %11.0f %9.3f\n",
                run, d, a, f, f - d, rss / 1024, hwm / 1024, rss * 1024 / dec
        }'
done
echo "targets: after_decode_s <= 0.5 (start to image minus decode); RSS/decoded <= 1.3"
