#!/usr/bin/env bash
# GUI smoke test: start the viewer on a virtual X display, check it stays up and draws something.
#
#   scripts/gui_smoke.sh BINARY [ARGS...]
#
# ARGS default to tests/fixtures/blender/multilayer_zip_32.exr (relative to the repository root).
# Needs Xvfb and ImageMagick (`import`, `convert`); on Debian/Ubuntu:
#   apt-get install -y xvfb mesa-vulkan-drivers imagemagick
#
# Steps: start Xvfb on a display it picks itself (-displayfd, so parallel runs never collide), run
# BINARY there, wait SMOKE_WAIT_SECS (default 8) while checking it is still alive, take a screenshot
# of the root window with `import`, and fail when the screenshot is blank: fewer than
# SMOKE_MIN_COLORS unique colours (default 1000) or a standard deviation below SMOKE_MIN_STDDEV
# (default 0.1, on ImageMagick's 0..1 scale). Calibration (1600×1000, llvmpipe): the viewer showing
# multilayer_zip_32.exr gives ~1700 colours / 0.19; the viewer showing only a load error ~640 / 0.07
# (fails, as it should); an empty X screen 1 / 0. The screenshot is kept at SMOKE_SHOT (default
# $TMPDIR/exrprobe-gui-smoke.png). Only the processes this script started are stopped, by PID.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 BINARY [ARGS...]" >&2
    exit 2
fi
binary=$1
shift
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $# -eq 0 ]]; then
    set -- "$repo_root/tests/fixtures/blender/multilayer_zip_32.exr"
fi
wait_secs=${SMOKE_WAIT_SECS:-8}
min_colors=${SMOKE_MIN_COLORS:-1000}
min_stddev=${SMOKE_MIN_STDDEV:-0.1}
shot=${SMOKE_SHOT:-${TMPDIR:-/tmp}/exrprobe-gui-smoke.png}

for tool in Xvfb import convert; do
    if ! command -v "$tool" >/dev/null; then
        echo "gui_smoke: $tool is not installed (apt-get install -y xvfb imagemagick)" >&2
        exit 2
    fi
done
if [[ ! -x $binary ]]; then
    echo "gui_smoke: not an executable: $binary" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/exrprobe-gui-smoke.XXXXXX")
xvfb_pid=""
app_pid=""
cleanup() {
    local status=$?
    for pid in "$app_pid" "$xvfb_pid"; do
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            # Give it a moment, then insist.
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.2
            done
            kill -9 "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- virtual display ------------------------------------------------------------------------
: >"$work/display"
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
display_number=""
for _ in $(seq 1 100); do
    display_number=$(tr -dc '0-9' <"$work/display")
    [[ -n $display_number ]] && break
    if ! kill -0 "$xvfb_pid" 2>/dev/null; then
        echo "gui_smoke: Xvfb exited at startup:" >&2
        cat "$work/xvfb.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z $display_number ]]; then
    echo "gui_smoke: Xvfb did not report a display within 10 s" >&2
    exit 1
fi
export DISPLAY=":$display_number"
echo "gui_smoke: Xvfb pid $xvfb_pid on display $DISPLAY"

# --- the viewer -----------------------------------------------------------------------------
# Force X11 (no Wayland compositor here) and keep the log for failures.
mkdir -m 700 "$work/xdg"
env -u WAYLAND_DISPLAY XDG_RUNTIME_DIR="$work/xdg" RUST_BACKTRACE=1 "$binary" "$@" >"$work/app.log" 2>&1 &
app_pid=$!
echo "gui_smoke: started $binary $* (pid $app_pid); waiting ${wait_secs} s"
for _ in $(seq 1 "$wait_secs"); do
    sleep 1
    if ! kill -0 "$app_pid" 2>/dev/null; then
        status=0
        wait "$app_pid" || status=$?
        app_pid=""
        echo "gui_smoke: FAIL: the viewer exited early (status $status). Its output:" >&2
        cat "$work/app.log" >&2
        exit 1
    fi
done

# --- screenshot -----------------------------------------------------------------------------
mkdir -p "$(dirname "$shot")"
import -display "$DISPLAY" -window root "$shot"
colors=$(convert "$shot" -format '%k' info:)
stddev=$(convert "$shot" -format '%[fx:standard_deviation]' info:)
echo "gui_smoke: screenshot $shot: $colors unique colours, standard deviation $stddev"
if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "gui_smoke: FAIL: the viewer died while the screenshot was taken. Its output:" >&2
    cat "$work/app.log" >&2
    exit 1
fi
if (( colors < min_colors )) || awk -v s="$stddev" -v m="$min_stddev" 'BEGIN { exit !(s < m) }'; then
    echo "gui_smoke: FAIL: the screen looks blank or shows no image (need >= $min_colors colours and stddev >= $min_stddev). Viewer output:" >&2
    cat "$work/app.log" >&2
    exit 1
fi
echo "gui_smoke: PASS"
