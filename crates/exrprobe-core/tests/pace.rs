//! The pause points (`exrprobe_core::pace`): a load calls the hook before each block it
//! decodes, a check also in the statistics, on the threads that run them, and a hook that
//! makes threads wait does not change what they read.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod support;

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use exrprobe_core::check::check_file;
use exrprobe_core::load::{LoadOptions, load_file};

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}
static POINTS: AtomicUsize = AtomicUsize::new(0);

/// Counts the points reached on the threads of the test's pool, and makes them wait a little.
fn hook() {
    if COUNTED.get() {
        POINTS.fetch_add(1, Ordering::Relaxed);
        std::thread::sleep(Duration::from_micros(100));
    }
}

#[test]
fn a_load_and_a_check_reach_pause_points_and_give_the_same_result() {
    // 320×240, ZIP: 15 blocks of 16 scan lines.
    let path = support::fixture("blender/multilayer_zip_32.exr");
    let options = LoadOptions::default();
    let cancel = AtomicBool::new(false);
    let load = || load_file(&path, &options, &mut |_| {}, &cancel).unwrap();
    let check = || check_file(&path, 1 << 30).unwrap();
    let (unpaced_load, unpaced_check) = (load(), check());
    assert!(exrprobe_core::pace::set_hook(hook));
    assert!(
        !exrprobe_core::pace::set_hook(hook),
        "only the first hook is installed"
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .start_handler(|_| COUNTED.set(true))
        .build()
        .unwrap();

    let paced_load = pool.install(load);
    let decoding = POINTS.swap(0, Ordering::Relaxed);
    assert_eq!(decoding, 15, "one pause point per block");
    assert_eq!(format!("{paced_load:?}"), format!("{unpaced_load:?}"));

    let paced_check = pool.install(check);
    let checking = POINTS.load(Ordering::Relaxed);
    // The blocks, and the pieces of the depth channel's distribution.
    assert!(checking > 15, "{checking} pause points");
    assert_eq!(format!("{paced_check:?}"), format!("{unpaced_check:?}"));
}
