#!/usr/bin/env python3
"""Viewer timings as a user sees them: pixels on the screen, not log lines.

    scripts/bench_viewer_screen.py BINARY FILE [FILE ...]

For each FILE, VIEWER_RUNS times (default 5): starts Xvfb and the viewer on FILE, then reads the
screen every POLL_SECS until the depth view shows the depth map, and reports the time from
starting the viewer to the first read that shows it (an upper bound: the pixels appeared at the
latest then). The screen is read from Xvfb's framebuffer, which Xvfb keeps in a memory-mapped
file (`-fbdir`): a read costs a few milliseconds of one core and no X request. Screenshots with
ImageMagick's `import` (a process, an X round trip and a conversion each) took ~0.1 s of CPU
apiece on the 2-core machine and slowed the decode they were timing from 0.8 s to 1.5 s. The
depth map counts as shown when at least `MIN_COLOURED` pixels are strongly coloured (the depth
view's Turbo colormap; the window's chrome is grey, and its few coloured marks stay far below
that count). The first such screen of each file is saved as first_image_<file>.png in
VIEWER_SHOTS (default: a temporary folder, printed) so the measurement can be looked at.

The peer in the same run: `exrprobe export FILE` of the depth channel alone (the same binary,
median of the runs), which decodes just the channel the depth view shows. Target (issue #13):
first image ≤ 2× that export.

Needs Xvfb, ImageMagick's `convert` (to save the PNGs), numpy, and Mesa's software Vulkan
(apt-get install -y xvfb imagemagick mesa-vulkan-drivers; pip install numpy). Only processes this
script started are stopped.
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
POLL_SECS = 0.02
# Pixels looked at when counting: every STEP-th row and column, so a read stays cheap.
STEP = 4


def start_xvfb(work):
    """Starts Xvfb on a free display; returns (process, display)."""
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
         "-nolisten", "tcp", "-fbdir", work],
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


def framebuffer(work):
    """Screen 0 of the Xvfb started with `-fbdir work`, as a live (height, width, 3) uint8 view
    in RGB order. The file is in XWD format: a header of big-endian 32-bit fields, a colormap,
    then the pixels (32 bits each at depth 24)."""
    raw = np.memmap(os.path.join(work, "Xvfb_screen0"), dtype=np.uint8, mode="r")
    field = lambda i: int.from_bytes(raw[4 * i:4 * i + 4].tobytes(), "big")
    header_size, width, height = field(0), field(4), field(5)
    byte_order, bits_per_pixel, bytes_per_line, ncolors = field(7), field(11), field(12), field(19)
    if (width, height, bits_per_pixel) != (*SCREEN, 32):
        sys.exit(f"bench_viewer_screen: unexpected Xvfb framebuffer {width}x{height}x{bits_per_pixel}")
    start = header_size + 12 * ncolors
    pixels = raw[start:start + bytes_per_line * height].reshape(height, bytes_per_line)
    pixels = pixels[:, :4 * width].reshape(height, width, 4)
    # LSBFirst (0): bytes B, G, R, x; MSBFirst: x, R, G, B.
    return pixels[:, :, 2::-1] if byte_order == 0 else pixels[:, :, 1:4]


def coloured_pixels(shot, step=1):
    """Strongly coloured pixels of `shot`, estimated from every `step`-th row and column."""
    seen = np.ascontiguousarray(shot[::step, ::step])
    r, g, b = seen[:, :, 0], seen[:, :, 1], seen[:, :, 2]
    spread = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    return int(np.count_nonzero(spread > MIN_SPREAD)) * step * step


def save_png(shot, path):
    subprocess.run(["convert", "-size", f"{SCREEN[0]}x{SCREEN[1]}", "-depth", "8", "rgb:-", path],
                   input=shot.tobytes(), check=True)


def first_image_secs(binary, file, work, shot_path):
    """Seconds from starting the viewer on `file` to the first read of the screen showing the
    depth map."""
    xvfb, display = start_xvfb(work)
    app = None
    try:
        env = dict(os.environ, DISPLAY=display, XDG_RUNTIME_DIR=os.path.join(work, "xdg"))
        env.pop("WAYLAND_DISPLAY", None)
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
        screen = framebuffer(work)
        started = time.monotonic()
        app = subprocess.Popen([binary, file], env=env, stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(work, "app.log"), "w"))
        while time.monotonic() - started < TIMEOUT_SECS:
            if app.poll() is not None:
                sys.exit(f"bench_viewer_screen: the viewer exited ({app.returncode}); see {work}/app.log")
            if coloured_pixels(screen, STEP) >= MIN_COLOURED:
                taken = time.monotonic()
                if shot_path and not os.path.exists(shot_path):
                    save_png(np.array(screen), shot_path)
                return taken - started
            time.sleep(POLL_SECS)
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
    for tool in ("Xvfb", "convert"):
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
