#!/usr/bin/env python3
"""Viewer timings as a user sees them: pixels on the screen, not log lines.

    scripts/bench_viewer_screen.py BINARY FILE [FILE ...]

For each FILE, VIEWER_RUNS times (default 5): starts Xvfb and the viewer on FILE, then takes
screenshots of the X root window back to back (ImageMagick `import`, about 50 ms each) until the
depth view shows the depth map, and reports the time from starting the viewer to the end of the
first screenshot that shows it (an upper bound: the pixels appeared at the latest then). The
depth map counts as shown when at least `MIN_COLOURED` pixels are strongly coloured (the depth
view's Turbo colormap; the window's chrome is grey, and its few coloured marks stay far below
that count). The first such screenshot of each file is saved as first_image_<file>.png in
VIEWER_SHOTS (default: a temporary folder, printed) so the measurement can be looked at.

The peer in the same run: `exrprobe export FILE` of the depth channel alone (the same binary,
median of the runs), which decodes just the channel the depth view shows. Target (issue #13):
first image ≤ 2× that export.

Needs Xvfb, ImageMagick's `import`, numpy, and Mesa's software Vulkan (apt-get install -y xvfb
imagemagick mesa-vulkan-drivers; pip install numpy). Only processes this script started are
stopped.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

SCREEN = (1600, 1000)
# A view of a few hundred pixels a side holds well over this many coloured pixels.
MIN_COLOURED = 40_000
# Channel spread (max − min of R, G, B) above which a pixel counts as strongly coloured.
MIN_SPREAD = 80
TIMEOUT_SECS = 120


def start_xvfb(work):
    """Starts Xvfb on a free display; returns (process, display)."""
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
         "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "xvfb.log"), "w"))
    os.close(write_fd)
    number = b""
    deadline = time.monotonic() + 10
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        chunk = os.read(read_fd, 16)
        if not chunk:
            break
        number += chunk
    os.close(read_fd)
    if not number.strip():
        stop(process)
        sys.exit("bench_viewer_screen: Xvfb did not start")
    return process, ":" + number.decode().strip()


def stop(process):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def screenshot(display):
    """The root window as an (height, width, 3) uint8 array."""
    raw = subprocess.run(["import", "-display", display, "-window", "root", "-depth", "8", "rgb:-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(SCREEN[1], SCREEN[0], 3)


def coloured_pixels(shot):
    wide = shot.astype(np.int16)
    spread = wide.max(axis=2) - wide.min(axis=2)
    return int((spread > MIN_SPREAD).sum())


def save_png(shot, path):
    subprocess.run(["convert", "-size", f"{SCREEN[0]}x{SCREEN[1]}", "-depth", "8", "rgb:-", path],
                   input=shot.tobytes(), check=True)


def first_image_secs(binary, file, work, shot_path):
    """Seconds from starting the viewer on `file` to the end of the first screenshot showing
    the depth map."""
    xvfb, display = start_xvfb(work)
    app = None
    try:
        env = dict(os.environ, DISPLAY=display, XDG_RUNTIME_DIR=os.path.join(work, "xdg"))
        env.pop("WAYLAND_DISPLAY", None)
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
        started = time.monotonic()
        app = subprocess.Popen([binary, file], env=env, stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(work, "app.log"), "w"))
        while time.monotonic() - started < TIMEOUT_SECS:
            if app.poll() is not None:
                sys.exit(f"bench_viewer_screen: the viewer exited ({app.returncode}); see {work}/app.log")
            try:
                shot = screenshot(display)
            except subprocess.CalledProcessError:
                continue  # no window mapped yet
            taken = time.monotonic()
            if coloured_pixels(shot) >= MIN_COLOURED:
                if shot_path and not os.path.exists(shot_path):
                    save_png(shot, shot_path)
                return taken - started
        sys.exit(f"bench_viewer_screen: no depth map on screen within {TIMEOUT_SECS} s: {file}")
    finally:
        stop(app)
        stop(xvfb)


def export_secs(binary, file, work):
    out = os.path.join(work, "depth.npy")
    started = time.monotonic()
    subprocess.run([binary, "export", file, "-o", out, "--force"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    files = [os.path.abspath(f) for f in sys.argv[2:]]
    runs = int(os.environ.get("VIEWER_RUNS", "5"))
    for tool in ("Xvfb", "import", "convert"):
        if shutil.which(tool) is None:
            sys.exit(f"bench_viewer_screen: {tool} is not installed")
    work = tempfile.mkdtemp(prefix="exrprobe-screen-bench.")
    shots = os.environ.get("VIEWER_SHOTS") or work
    os.makedirs(shots, exist_ok=True)
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"{os.cpu_count()} cores; load average {load}; {runs} runs per file; screenshots in {shots}")
    print(f"{'file':<28} {'first image (s) median [min-max]':>34} {'export depth (s)':>17} {'ratio':>6}")
    try:
        for file in files:
            name = os.path.basename(file)
            export_secs(binary, file, work)  # warm the page cache
            exports = [export_secs(binary, file, work) for _ in range(runs)]
            shot_path = os.path.join(shots, f"first_image_{os.path.splitext(name)[0]}.png")
            firsts = [first_image_secs(binary, file, work, shot_path) for _ in range(runs)]
            first, export = statistics.median(firsts), statistics.median(exports)
            print(f"{name:<28} {first:>13.3f} [{min(firsts):.3f}-{max(firsts):.3f}]"
                  f"{'':>6} {export:>17.3f} {first / export:>6.2f}")
        print("target: first image <= 2x the export of the depth channel")
    finally:
        if shots != work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
