#!/usr/bin/env bash
# Benchmark: exrprobe `check` and `export` on 3840×2160, 33-channel Blender-style files (ZIP float
# and PIZ half, then the same render in every other codec Blender offers: RLE, PXR24, B44, B44A,
# DWAA, DWAB) against (a) Python OpenEXR + NumPy doing the same work (scripts/bench_peer.py) and
# (b) `oiiotool --stats`; then peak RSS of each command next to the file's decoded size.
#
#   scripts/bench.sh [EXRPROBE_BINARY]
#
# Without a binary argument it builds the release binary (`cargo build --release`; slow on small
# machines, shares CARGO_TARGET_DIR). The benchmark files are generated once into BENCH_DIR
# (default $CARGO_TARGET_DIR/bench) by the make_bench_file example. Needs hyperfine, oiiotool
# (apt: hyperfine openimageio-tools), GNU time (/usr/bin/time), python3 with numpy and OpenEXR.
# BENCH_RUNS (default 5) runs per command after one warm-up run. BENCH_CODECS (default
# rle,pxr24,b44,b44a,dwaa,dwab; empty for ZIP and PIZ only) chooses the other codecs.
# Targets: exrprobe ≤ 0.30× each peer's time on ZIP and PIZ, ≤ 0.25× on the other codecs;
# exrprobe's peak RSS ≤ 1.1× the decoded size.
# Last, when Xvfb and ImageMagick are installed (apt: xvfb imagemagick mesa-vulkan-drivers), the
# viewer's first image on screen against `exrprobe export` (scripts/bench_viewer_screen.py;
# target ≤ 2×), VIEWER_RUNS (default BENCH_RUNS) runs per file; with xdotool too, the next frame
# on screen after a key press in a 6-frame 4K shot (scripts/bench_viewer_scrub.py; generated once
# into $BENCH_DIR/seq by the make_bench_sequence example, ~0.9 GB; target ≤ 0.25 s median).
# Then the viewer's frame time while hovering the ZIP file as it decodes and after
# (tests/gui_bench.rs, no display needed; target ≤ 4 ms per frame); BENCH_HOVER=0 skips it.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo_root/target}
bench_dir=${BENCH_DIR:-$CARGO_TARGET_DIR/bench}
runs=${BENCH_RUNS:-5}

for tool in hyperfine oiiotool python3 /usr/bin/time; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench: $tool is not installed" >&2
        exit 2
    fi
done
python3 -c 'import numpy, OpenEXR' || { echo "bench: python3 needs numpy and OpenEXR (pip install numpy OpenEXR)" >&2; exit 2; }

mkdir -p "$bench_dir"
if [[ $# -ge 1 ]]; then
    exrprobe=$1
else
    echo "== building the release binary"
    cargo build --release --bin exrprobe
    # Copy it: the shared target directory may be rebuilt by someone else while we measure.
    cp "$CARGO_TARGET_DIR/release/exrprobe" "$bench_dir/exrprobe"
    exrprobe=$bench_dir/exrprobe
fi

files=("$bench_dir/bench_4k_zip_f32.exr" "$bench_dir/bench_4k_piz_f16.exr")
codecs=${BENCH_CODECS-rle,pxr24,b44,b44a,dwaa,dwab}
codec_files=()
for codec in ${codecs//,/ }; do
    case $codec in
        pxr24) codec_files+=("$bench_dir/bench_4k_pxr24_f32.exr") ;;
        rle|b44|b44a|dwaa|dwab) codec_files+=("$bench_dir/bench_4k_${codec}_f16.exr") ;;
        *) echo "bench: unknown codec $codec in BENCH_CODECS" >&2; exit 2 ;;
    esac
done
missing=0
for file in "${files[@]}" "${codec_files[@]}"; do [[ -f $file ]] || missing=1; done
if (( missing )); then
    echo "== generating the benchmark files in $bench_dir"
    cargo run --release -p exrprobe-synth --example make_bench_file -- "$bench_dir" "$codecs"
fi

out=$bench_dir/out
mkdir -p "$out"
peer="python3 $repo_root/scripts/bench_peer.py"

# Peak RSS in bytes of one run of a command (GNU time reports KiB).
peak_rss_bytes() {
    local log
    log=$(mktemp)
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
    awk -F': ' '/Maximum resident set size/ { print $2 * 1024 }' "$log"
    rm -f "$log"
}

# Mean wall time in seconds of a named command in hyperfine's JSON.
mean_secs() {
    python3 - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    results = json.load(f)["results"]
print(next(r["mean"] for r in results if r["command"] == sys.argv[2]))
PY
}

# Mean CPU time (user + system, all threads) in seconds: on a shared machine wall time mostly
# measures the other load, CPU time the work done.
cpu_secs() {
    python3 - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    results = json.load(f)["results"]
print(next(r["user"] + r["system"] for r in results if r["command"] == sys.argv[2]))
PY
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

summary=()
for file in "${files[@]}" "${codec_files[@]}"; do
    case $file in
        *_zip_*|*_piz_*) target=0.30 ;;
        *) target=0.25 ;;
    esac
    name=$(basename "$file" .exr)
    echo
    echo "=================================================================================="
    echo "== $name ($(du -h "$file" | cut -f1) on disk)"
    echo "=================================================================================="
    # Sanity: every command must work before it is timed (check exits 1 when it finds errors).
    status=0
    "$exrprobe" check "$file" >/dev/null || status=$?
    if (( status > 1 )); then
        echo "bench: exrprobe check cannot read $file (status $status)" >&2
        exit 1
    fi
    "$exrprobe" export "$file" -o "$out/$name.depth.npy" --force >/dev/null
    $peer export "$file" "$out/$name.peer.npy" >/dev/null
    python3 -c "import numpy as np, sys; a, b = np.load(sys.argv[1]), np.load(sys.argv[2]); assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b), 'exports differ'; print('exports identical:', a.shape, a.dtype)" \
        "$out/$name.depth.npy" "$out/$name.peer.npy"

    json=$out/$name.hyperfine.json
    hyperfine --warmup 1 --runs "$runs" --ignore-failure --export-json "$json" \
        -n "exrprobe check" "$exrprobe check $file" \
        -n "exrprobe export" "$exrprobe export $file -o $out/$name.depth.npy --force" \
        -n "python check" "$peer check $file" \
        -n "python export" "$peer export $file $out/$name.peer.npy" \
        -n "oiiotool --stats" "oiiotool --stats $file"

    ours_check=$(mean_secs "$json" "exrprobe check")
    ours_export=$(mean_secs "$json" "exrprobe export")
    py_check=$(mean_secs "$json" "python check")
    py_export=$(mean_secs "$json" "python export")
    oiio=$(mean_secs "$json" "oiiotool --stats")
    cpu_ours_check=$(cpu_secs "$json" "exrprobe check")
    cpu_ours_export=$(cpu_secs "$json" "exrprobe export")
    cpu_py_check=$(cpu_secs "$json" "python check")
    cpu_py_export=$(cpu_secs "$json" "python export")
    cpu_oiio=$(cpu_secs "$json" "oiiotool --stats")

    decoded=$($peer decoded-size "$file")
    rss_check=$(peak_rss_bytes "$exrprobe" check "$file")
    rss_export=$(peak_rss_bytes "$exrprobe" export "$file" -o "$out/$name.depth.npy" --force)
    rss_py_check=$(peak_rss_bytes $peer check "$file")
    rss_oiio=$(peak_rss_bytes oiiotool --stats "$file")

    summary+=("$(printf '%s\n' \
        "$name: decoded size $(awk -v b="$decoded" 'BEGIN { printf "%.0f MB", b / 1e6 }')" \
        "  wall, mean of $runs     exrprobe check $(printf '%.3f' "$ours_check") s, export $(printf '%.3f' "$ours_export") s; python check $(printf '%.3f' "$py_check") s, export $(printf '%.3f' "$py_export") s; oiiotool --stats $(printf '%.3f' "$oiio") s" \
        "  ratio ours/peer        check/python-check $(ratio "$ours_check" "$py_check"), check/oiiotool $(ratio "$ours_check" "$oiio"), export/python-export $(ratio "$ours_export" "$py_export"), export/oiiotool $(ratio "$ours_export" "$oiio")   (target <= $target)" \
        "  CPU (user+sys)         exrprobe check $(printf '%.3f' "$cpu_ours_check") s, export $(printf '%.3f' "$cpu_ours_export") s; python check $(printf '%.3f' "$cpu_py_check") s, export $(printf '%.3f' "$cpu_py_export") s; oiiotool --stats $(printf '%.3f' "$cpu_oiio") s" \
        "  CPU ratio ours/peer    check/python-check $(ratio "$cpu_ours_check" "$cpu_py_check"), check/oiiotool $(ratio "$cpu_ours_check" "$cpu_oiio"), export/python-export $(ratio "$cpu_ours_export" "$cpu_py_export"), export/oiiotool $(ratio "$cpu_ours_export" "$cpu_oiio")" \
        "  peak RSS / decoded     exrprobe check $(ratio "$rss_check" "$decoded"), export $(ratio "$rss_export" "$decoded"); python check $(ratio "$rss_py_check" "$decoded"); oiiotool $(ratio "$rss_oiio" "$decoded")   (target for exrprobe <= 1.10)" \
        "  peak RSS (MB)          exrprobe check $(( rss_check / 1000000 )), export $(( rss_export / 1000000 )); python check $(( rss_py_check / 1000000 )); oiiotool $(( rss_oiio / 1000000 ))")")
done

echo
echo "=================================================================================="
echo "== Summary ($(nproc) cores; $(uname -m); load average $(cut -d" " -f1-3 /proc/loadavg))"
echo "=================================================================================="
printf '%s\n' "${summary[@]}"

echo
if command -v Xvfb >/dev/null && command -v convert >/dev/null; then
    echo "== viewer: first image on screen (scripts/bench_viewer_screen.py)"
    VIEWER_RUNS=${VIEWER_RUNS:-$runs} python3 "$repo_root/scripts/bench_viewer_screen.py" "$exrprobe" "${files[@]}"
    if command -v xdotool >/dev/null; then
        first_frame=$bench_dir/seq/bench_4k_zip.1001.exr
        if [[ ! -f $bench_dir/seq/bench_4k_zip.1006.exr ]]; then
            echo "== generating the scrubbing shot in $bench_dir/seq"
            cargo run --release -p exrprobe-synth --example make_bench_sequence -- "$bench_dir/seq" 6 zip
        fi
        echo
        echo "== viewer: next frame on screen after Down (scripts/bench_viewer_scrub.py)"
        python3 "$repo_root/scripts/bench_viewer_scrub.py" "$exrprobe" "$first_frame"
    else
        echo "== scrubbing benchmark skipped: needs xdotool (apt-get install -y xdotool)"
    fi
else
    echo "== viewer benchmark skipped: needs Xvfb and ImageMagick (apt-get install -y xvfb imagemagick mesa-vulkan-drivers)"
fi

if [[ ${BENCH_HOVER:-1} != 0 ]]; then
    echo
    echo "== viewer: frame time while hovering the ZIP file, during its decode and after (tests/gui_bench.rs)"
    EXRPROBE_BENCH_FILE=${files[0]} cargo test -q --release -p exrprobe --test gui_bench -- \
        --ignored --nocapture --exact frame_time_while_hovering_a_4k_33_channel_image
fi
