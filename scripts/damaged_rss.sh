#!/usr/bin/env bash
# Peak resident memory and wall time of `exrprobe info` on every file of the damaged corpus (and
# any other files given), one process per file, measured with GNU time.
#
#   scripts/damaged_rss.sh [BINARY] [FILE_OR_DIR...]
#
# Defaults: $CARGO_TARGET_DIR/debug/exrprobe (or target/debug/exrprobe) and
# tests/fixtures/openexr-images/Damaged. Prints one line per file (peak RSS in KiB, seconds,
# exit code, file), then the worst file. Fails when a file takes more than 10 s, needs more than
# MAX_RSS_MIB (default 2048), exits with anything but 0 or 2, or prints a panic.
# INFO_ARGS adds options to `info` (e.g. "--memory-budget 64M"); RAYON_NUM_THREADS is passed on,
# so the memory of several decoding threads can be checked against the budget.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-${CARGO_TARGET_DIR:-target}/debug/exrprobe}
shift || true
inputs=("$@")
[[ ${#inputs[@]} -gt 0 ]] || inputs=(tests/fixtures/openexr-images/Damaged)
[[ -x $binary ]] || { echo "no exrprobe binary at $binary (cargo build first)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "GNU time (/usr/bin/time) is not installed: skipped"; exit 0; }

max_kib=$((${MAX_RSS_MIB:-2048} * 1024))
read -r -a info_args <<< "${INFO_ARGS:-}"
max_secs=10
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
worst_kib=0 worst_file="" failures=0 count=0
while IFS= read -r -d '' file; do
    count=$((count + 1))
    set +e
    /usr/bin/time -f '%M %e' -o "$work/time" timeout $((max_secs + 5)) \
        "$binary" info "${info_args[@]}" "$file" >/dev/null 2>"$work/stderr"
    code=$?
    set -e
    read -r kib secs < <(tail -n 1 "$work/time")
    printf '%8s KiB %6s s  exit %s  %s\n' "$kib" "$secs" "$code" "$file"
    if (( kib > worst_kib )); then worst_kib=$kib worst_file=$file; fi
    problem=""
    if grep -q panicked "$work/stderr"; then problem="panicked"; fi
    if [[ $code -ne 0 && $code -ne 2 ]]; then problem="exit code $code"; fi
    if (( kib > max_kib )); then problem="peak RSS $kib KiB"; fi
    if awk -v s="$secs" -v m="$max_secs" 'BEGIN { exit !(s > m) }'; then problem="took $secs s"; fi
    if [[ -n $problem ]]; then
        echo "FAILED ($problem): $file" >&2
        sed 's/^/    /' "$work/stderr" >&2
        failures=$((failures + 1))
    fi
done < <(find "${inputs[@]}" -type f -print0 | sort -z)
echo "$count files; worst peak RSS: $worst_kib KiB ($((worst_kib / 1024)) MiB): $worst_file"
if (( failures > 0 )); then
    echo "$failures file(s) failed" >&2
    exit 1
fi
