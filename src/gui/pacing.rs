//! Pausing a scan thread while the window draws a frame.
//!
//! While the user works in the window, the scan of a render folder checks files on every core
//! in Linux's idle scheduling class (see `loader::ScanPool`). The window's thread then gets a
//! core the moment it wakes up, but not always for the whole frame: the scheduler still gives
//! a scan thread on the same core a turn at a tick now and then (`perf record -e
//! sched:sched_switch`: 79 of the window thread's 181 preemptions in one run), and a frame that
//! lost one took 4 ms more. So one of the scan's threads also waits at the core's pause points
//! ([`exrprobe_core::pace`]: before each block, and each piece of the statistics) while a frame
//! is being drawn and for [`AFTER_FRAME`] after it: during a frame the window has a core to
//! itself, between frames the scan has them all.
//!
//! Measured on the 500-frame benchmark shot with the pointer moving (`gui_bench`, 2 cores,
//! four rounds, alternating): without the pause, the frames' p90 was 2.9–3.9 ms per run, and
//! 3.4 ms (p95 6.2 ms) over all four runs' frames; with it, 2.7–3.0 ms, and 2.9 ms (p95
//! 4.0 ms). The list was complete after 11.0–11.6 s either way (`check` 9.5–10.8 s in the same
//! rounds). An earlier comparison of pausing every scan thread against pausing one showed no
//! difference beyond this machine's noise.

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long after a frame the paced threads still wait: egui ends its pass and tessellates
/// after the app's code returns.
pub const AFTER_FRAME: Duration = Duration::from_millis(1);

/// The longest a paced thread waits at one pause point (a frame that long is stuck, or the
/// window draws without pause; the scan must go on).
pub const MAX_PAUSE: Duration = Duration::from_millis(250);

/// How often a waiting thread looks again.
const POLL: Duration = Duration::from_micros(200);

/// Frames being drawn now (several windows, or several test harnesses, may draw at once).
static FRAMES_DRAWING: AtomicUsize = AtomicUsize::new(0);

/// When the last frame ended, in microseconds since [`epoch`].
static LAST_FRAME_END_US: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Whether this thread waits while the window draws.
    static PACED: Cell<bool> = const { Cell::new(false) };
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros_since_epoch() -> u64 {
    u64::try_from(epoch().elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// A frame being drawn, from [`Drawing::start`] until it is dropped.
#[must_use = "the frame ends when this is dropped"]
pub struct Drawing(());

impl Drawing {
    pub fn start() -> Self {
        FRAMES_DRAWING.fetch_add(1, Ordering::Relaxed);
        Self(())
    }
}

impl Drop for Drawing {
    fn drop(&mut self) {
        LAST_FRAME_END_US.fetch_max(micros_since_epoch(), Ordering::Relaxed);
        FRAMES_DRAWING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Whether a frame is being drawn, or ended less than [`AFTER_FRAME`] ago.
fn drawing() -> bool {
    if FRAMES_DRAWING.load(Ordering::Relaxed) > 0 {
        return true;
    }
    let since_end = micros_since_epoch().saturating_sub(LAST_FRAME_END_US.load(Ordering::Relaxed));
    LAST_FRAME_END_US.load(Ordering::Relaxed) > 0 && since_end < AFTER_FRAME.as_micros() as u64
}

/// Makes the calling thread wait at the core's pause points while the window draws (and
/// installs the hook that does it, once for the process).
pub fn pace_this_thread() {
    PACED.set(true);
    exrprobe_core::pace::set_hook(pause_point);
}

/// The hook: on a paced thread, waits while a frame is drawn (at most [`MAX_PAUSE`]).
fn pause_point() {
    if !PACED.get() {
        return;
    }
    let started = Instant::now();
    while drawing() && started.elapsed() < MAX_PAUSE {
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    /// A paced thread at a pause point goes on only once the frame has ended; a thread that is
    /// not paced goes on while the frame is drawn.
    #[test]
    fn paced_threads_wait_for_the_frame_and_others_do_not() {
        let frame = Drawing::start();
        let (unpaced_tx, unpaced_rx) = channel();
        std::thread::spawn(move || {
            pause_point();
            unpaced_tx.send(Instant::now()).ok();
        });
        let unpaced_done = unpaced_rx
            .recv_timeout(MAX_PAUSE / 2)
            .expect("a thread that is not paced does not wait");

        let (paced_tx, paced_rx) = channel();
        std::thread::spawn(move || {
            pace_this_thread();
            pause_point();
            paced_tx.send(Instant::now()).ok();
        });
        std::thread::sleep(Duration::from_millis(30));
        assert!(
            paced_rx.try_recv().is_err(),
            "the paced thread went on during the frame"
        );
        let ended = Instant::now();
        drop(frame);
        let paced_done = paced_rx.recv().expect("the paced thread goes on");
        assert!(paced_done >= ended, "the paced thread did not wait");
        assert!(unpaced_done < ended);
    }
}
