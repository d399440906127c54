#!/usr/bin/env python3
"""Scrubbing a shot as a user sees it: the next frame on screen after a key press.

    scripts/bench_viewer_scrub.py BINARY FIRST_FRAME

Starts Xvfb and the viewer on FIRST_FRAME of a sequence (the viewer puts the whole sequence in
its file list), waits for the first image and SETTLE_SECS more, then presses Down (xdotool)
VIEWER_STEPS times (default: 5) and reports, for each press, the time until the screen differs
from the frame before it over at least `MIN_CHANGED` pixels, then waits PAUSE_SECS (default 1)
before the next press, as a user stepping through a shot does. The viewer runs with
`--frame-cache FRAME_CACHE` (default 4G) and settings of its own; its resident memory after the
last step is reported beside that budget. The screen is read from Xvfb's
framebuffer as in bench_viewer_screen.py. The screen at the first step's change is saved as
scrub_<frame>.png in VIEWER_SHOTS (default: not saved) so the measurement can be looked at.

Neighbouring frames must look different: make the shot with the make_bench_sequence example
(odd frames the 4K 33-pass render, even frames mirrored), e.g.
    cargo run --release -p exrprobe-synth --example make_bench_sequence -- DIR 8 zip
Target (issue #13): ≤ 0.25 s median with prefetch. The peer in the same run for scale:
`exrprobe export` of one frame's depth channel.

Needs Xvfb, xdotool, numpy and Mesa's software Vulkan (apt-get install -y xvfb xdotool
mesa-vulkan-drivers). Only processes this script started are stopped.
"""

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

_spec = importlib.util.spec_from_file_location(
    "bench_viewer_screen", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_viewer_screen.py"))
screen_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(screen_bench)

# Pixels (estimated from every STEP-th row and column) that must change for the next frame to
# count as shown: the 4K render's views cover a few hundred thousand pixels, and mirroring
# moves most of what they show; a status line or a badge changes a few thousand.
MIN_CHANGED = 40_000
# A pixel counts as changed when its R, G and B differ by more than this in sum.
MIN_DIFFERENCE = 60
STEP = screen_bench.STEP
SETTLE_SECS = float(os.environ.get("SETTLE_SECS", "8"))
PAUSE_SECS = float(os.environ.get("PAUSE_SECS", "1"))
# The viewer's frame cache budget (its --frame-cache).
FRAME_CACHE = os.environ.get("FRAME_CACHE", "4G")
TIMEOUT_SECS = 60


def sample(screen):
    """Every STEP-th row and column of the screen, widened for differences."""
    return np.ascontiguousarray(screen[::STEP, ::STEP]).astype(np.int16)


def changed_pixels(screen, before):
    """Pixels of `screen` that differ from the `sample` `before` (estimated from the sample)."""
    difference = np.abs(sample(screen) - before).sum(axis=2)
    return int(np.count_nonzero(difference > MIN_DIFFERENCE)) * STEP * STEP


def wait_for(predicate, timeout):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic()
        time.sleep(screen_bench.POLL_SECS)
    return None


def window_of(pid, env):
    """The X window of process `pid` (polls until it is mapped)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = subprocess.run(["xdotool", "search", "--pid", str(pid)], env=env,
                               capture_output=True, text=True).stdout.split()
        if found:
            return found[-1]
        time.sleep(0.1)
    sys.exit("bench_viewer_scrub: the viewer's window did not appear")


def memory_mib(pid):
    """Resident memory of `pid` now and at its peak, in MiB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def step_secs(binary, first_frame, steps, work, shot_path=None):
    """Seconds from each Down press to the next frame on screen, and the viewer's resident
    memory (now, peak) in MiB after the last step."""
    xvfb, display = screen_bench.start_xvfb(work)
    app = None
    try:
        screen = screen_bench.framebuffer(work)
        # Settings (the frame cache's budget is one) go to the work folder, not the user's.
        env = dict(os.environ, DISPLAY=display, XDG_RUNTIME_DIR=os.path.join(work, "xdg"),
                   XDG_DATA_HOME=os.path.join(work, "data"), XDG_CONFIG_HOME=os.path.join(work, "config"))
        env.pop("WAYLAND_DISPLAY", None)
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
        app = subprocess.Popen([binary, first_frame, "--frame-cache", FRAME_CACHE], env=env,
                               stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "app.log"), "w"))
        shown = lambda: screen_bench.coloured_pixels(screen, STEP) >= screen_bench.MIN_COLOURED
        if wait_for(shown, TIMEOUT_SECS) is None:
            sys.exit(f"bench_viewer_scrub: no depth map on screen within {TIMEOUT_SECS} s")
        time.sleep(SETTLE_SECS)
        window = window_of(app.pid, env)
        subprocess.run(["xdotool", "windowfocus", window], env=env, check=True)
        # Keep the pointer off the views: a probe readout would change pixels of its own.
        subprocess.run(["xdotool", "mousemove", "5", str(screen_bench.SCREEN[1] - 5)], env=env, check=True)
        time.sleep(0.5)
        result = []
        for _ in range(steps):
            before = sample(screen)
            pressed = time.monotonic()
            subprocess.run(["xdotool", "key", "--window", window, "Down"], env=env, check=True)
            seen = wait_for(lambda: changed_pixels(screen, before) >= MIN_CHANGED, TIMEOUT_SECS)
            if seen is None:
                sys.exit(f"bench_viewer_scrub: the screen did not change within {TIMEOUT_SECS} s "
                         f"of pressing Down; see {work}/app.log")
            result.append(seen - pressed)
            if shot_path and len(result) == 1:
                screen_bench.save_png(np.array(screen), shot_path)
            time.sleep(PAUSE_SECS)
        return result, memory_mib(app.pid)
    finally:
        screen_bench.stop(app)
        screen_bench.stop(xvfb)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, first_frame = (os.path.abspath(a) for a in sys.argv[1:])
    steps = int(os.environ.get("VIEWER_STEPS", "5"))
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            sys.exit(f"bench_viewer_scrub: {tool} is not installed")
    work = tempfile.mkdtemp(prefix="exrprobe-scrub-bench.")
    try:
        screen_bench.export_secs(binary, first_frame, work)  # warm the page cache
        export = statistics.median(screen_bench.export_secs(binary, first_frame, work) for _ in range(3))
        shots = os.environ.get("VIEWER_SHOTS")
        shot_path = None
        if shots:
            os.makedirs(shots, exist_ok=True)
            name = os.path.splitext(os.path.basename(first_frame))[0]
            shot_path = os.path.join(shots, f"scrub_{name}.png")
        secs, (rss, peak) = step_secs(binary, first_frame, steps, work, shot_path)
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        print(f"{os.cpu_count()} cores; load average {load}; {steps} steps from {os.path.basename(first_frame)}, "
              f"{PAUSE_SECS:g} s between a frame on screen and the next press")
        print(f"next frame on screen (s): median {statistics.median(secs):.3f} [{min(secs):.3f}-{max(secs):.3f}]; "
              f"each: {' '.join(f'{s:.3f}' for s in secs)}")
        print(f"export of one frame's depth (s, peer for scale): {export:.3f}")
        print(f"viewer memory after the last step: {rss:.0f} MiB resident, {peak:.0f} MiB at peak; "
              f"frame cache budget {FRAME_CACHE} (decoded samples; the frame shown and its "
              f"textures come on top)")
        print("target: median <= 0.25 s with prefetch")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
