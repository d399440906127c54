//! Where the viewer's scan of a render folder checks files: at the background priority on
//! every core while the window is left alone, and in the idle scheduling class (Linux) while
//! the user works in it. A binary of its own: the idle class runs only on cores nothing else in
//! the process wants, and the other GUI tests running beside it would starve it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::pos2;
use egui_kittest::Harness;
use exrprobe::gui::ExrProbeApp;

use common::gui::{DroppedPath, blender_shot, harness, settle};

/// The scan checks files at the background priority while the window is left alone, and, while
/// the user moves the pointer over it, in the idle scheduling class (Linux, unless the
/// background pool, a core fewer than the machine has, proves clearly faster) or on the
/// background pool (elsewhere).
#[test]
fn the_scan_yields_to_the_window_while_the_user_works_in_it() {
    use exrprobe::gui::ScanCounts;
    let shot = blender_shot();
    let drop_shot = |h: &mut Harness<'static, ExrProbeApp>| {
        h.input_mut()
            .dropped_files
            .push(Arc::new(DroppedPath(shot.path().to_path_buf())));
    };
    // Dropped, then left alone.
    let mut h = harness();
    drop_shot(&mut h);
    settle(&mut h);
    let left_alone = ScanCounts {
        every_core: 7,
        ..ScanCounts::default()
    };
    assert_eq!(h.state().scan_counts(), Some((7, left_alone)));

    // Dropped while the pointer moves over the views, and it keeps moving.
    let mut h = harness();
    h.hover_at(pos2(500.0, 400.0));
    h.step();
    drop_shot(&mut h);
    let started = Instant::now();
    let mut x = 0.0;
    while h.state().scan_counts().is_none_or(|(done, _)| done < 7) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the scan did not finish"
        );
        x = (x + 5.0) % 300.0;
        h.hover_at(pos2(500.0 + x, 400.0));
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let (done, counts) = h.state().scan_counts().expect("a scan");
    assert_eq!(done, 7);
    assert_eq!(counts.every_core, 0, "{counts:?}");
    assert_eq!(counts.idle_class + counts.background, 7, "{counts:?}");
    if cfg!(target_os = "linux") {
        // The background pool first, then the idle class, which is faster here.
        assert!(counts.idle_class >= 1, "{counts:?}");
    } else {
        assert_eq!(counts.idle_class, 0, "{counts:?}");
    }
}
