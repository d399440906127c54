#!/usr/bin/env bash
# Export failure injection (needs root to mount file systems; skipped otherwise):
#   1. disk full (a 256 KiB tmpfs): the export fails saying the disk is full, leaves no partial or
#      temporary file, and a pre-existing target (overwritten with --force) stays byte-identical;
#   2. read-only file system: a clear read-only message, nothing written;
#   3. target exists without --force: refused, the file untouched;
#   4. spaces and non-ASCII characters in the output path: the export works;
#   5. SIGTERM, SIGINT, SIGHUP in the middle of `export --all`: exit 130, no temporary file left
#      (needs python3 with numpy and OpenEXR to write a large input; skipped without).
#
#   scripts/failure_injection.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-${CARGO_TARGET_DIR:-target}/debug/exrprobe}
binary=$(realpath "$binary")
input=$(realpath tests/fixtures/blender/multilayer_zip_32.exr)
[[ -x $binary ]] || { echo "no exrprobe binary at $binary (cargo build first)" >&2; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
    echo "failure injection: not root, cannot mount file systems: skipped"
    exit 0
fi
work=$(mktemp -d)
mnt=$work/mnt
mkdir -p "$mnt"
cleanup() {
    umount "$mnt" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
    echo "failure injection: mounting a tmpfs is not permitted here: skipped"
    exit 0
fi

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# run EXPECTED_EXIT EXPECTED_TEXT ARGS...: runs the export, checks exit code, message, no panic.
run() {
    local want_code=$1 want_text=$2
    shift 2
    set +e
    "$binary" export "$@" >"$work/out" 2>"$work/err"
    local code=$?
    set -e
    echo "  exit $code: $(head -c 300 "$work/err")"
    [[ $code -eq $want_code ]] || fail "exit code $code, expected $want_code: $*"
    grep -q panicked "$work/err" && fail "panic: $*"
    if grep -v '^exrprobe: ' "$work/err" | grep -q .; then
        fail "stderr has lines that are not 'exrprobe: ' messages: $*"
    fi
    if [[ -n $want_text ]]; then
        grep -qF -- "$want_text" "$work/err" || fail "message lacks '$want_text': $*"
    fi
    return 0
}
# only_files DIR NAME...: DIR holds exactly these entries (no partial/temporary files).
only_files() {
    local dir=$1
    shift
    local want got
    want=$(printf '%s\n' "$@" | sort)
    got=$(ls -A "$dir" | sort)
    [[ $got == "$want" ]] || fail "unexpected files in $dir: $(echo $got)"
}

echo "== 1. disk full (256 KiB tmpfs; the depth array is 300 KiB)"
printf 'precious data that must survive\n' >"$mnt/depth.npy"
cp "$mnt/depth.npy" "$work/depth.npy.orig"
run 2 "the disk is full" "$input" --force -o "$mnt/depth.npy"
grep -qF "$mnt/depth.npy" "$work/err" || fail "disk-full message lacks the path"
cmp -s "$mnt/depth.npy" "$work/depth.npy.orig" || fail "the existing file was damaged"
only_files "$mnt" depth.npy
run 2 "the disk is full" "$input" -o "$mnt/new.npy"
only_files "$mnt" depth.npy
run 2 "the disk is full" "$input" --all -o "$mnt/all.npz"
only_files "$mnt" depth.npy

echo "== 3. target exists, no --force"
run 2 "exists" "$input" -o "$mnt/depth.npy"
cmp -s "$mnt/depth.npy" "$work/depth.npy.orig" || fail "the existing file was damaged"

echo "== 2. read-only file system"
umount "$mnt"
mount -t tmpfs -o size=4m tmpfs "$mnt"
printf 'keep me\n' >"$mnt/depth.npy"
mount -o remount,ro "$mnt"
run 2 "read-only" "$input" -o "$mnt/fresh.npy"
run 2 "read-only" "$input" --force -o "$mnt/depth.npy"
[[ $(cat "$mnt/depth.npy") == "keep me" ]] || fail "the existing file changed on a read-only mount"
only_files "$mnt" depth.npy

echo "== 4. spaces and non-ASCII characters in the output path"
umount "$mnt"
mount -t tmpfs -o size=4m tmpfs "$mnt"
mkdir -p "$mnt/Rendus d'été/Tiefe ü Ω"
out="$mnt/Rendus d'été/Tiefe ü Ω/tiefe karte 01.npy"
run 0 "" "$input" -o "$out"
[[ -s $out ]] || fail "no output file at $out"
[[ $(head -c 6 "$out" | tail -c 5) == NUMPY ]] || fail "$out is not a .npy file"
only_files "$mnt/Rendus d'été/Tiefe ü Ω" "tiefe karte 01.npy"

echo "== 5. a signal in the middle of export --all"
big=$work/big.exr
if python3 -c "
import numpy as np, OpenEXR
rng = np.random.default_rng(7)
channels = {f'c{i}': rng.random((2000, 2000), dtype=np.float32) for i in range(8)}
OpenEXR.File({'compression': OpenEXR.NO_COMPRESSION, 'type': OpenEXR.scanlineimage},
             channels).write('$big')" 2>/dev/null; then
    out_dir=$work/signals
    mkdir -p "$out_dir"
    for signal in TERM INT HUP; do
        "$binary" export "$big" --all -o "$out_dir/all.npz" 2>"$work/err" &
        pid=$!
        for _ in $(seq 1 300); do
            ls -A "$out_dir" | grep -q partial && break
            sleep 0.1
        done
        ls -A "$out_dir" | grep -q partial || fail "SIG$signal: the export never started writing"
        kill -"$signal" "$pid"
        set +e
        wait "$pid"
        code=$?
        set -e
        echo "  SIG$signal: exit $code: $(head -c 200 "$work/err")"
        [[ $code -eq 130 ]] || fail "SIG$signal: exit code $code, expected 130"
        only_files "$out_dir"
    done
else
    echo "  python3 with numpy and OpenEXR is needed to write the input: skipped"
fi

if (( failures > 0 )); then
    echo "failure injection: $failures check(s) failed" >&2
    exit 1
fi
echo "failure injection: all checks passed"
