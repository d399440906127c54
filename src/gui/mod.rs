//! The viewer.
//!
//! `app/` holds the state, the frame (drain workers → panels → drop handling → commands) and the
//! two image views with their headers and footers; `command.rs` the `Command` enum and its
//! handler, `loader.rs` the worker threads, `textures.rs` the display textures and `view.rs` the
//! image canvases (pan, zoom, probe). `panels/` has one file per panel.

pub mod app;
pub mod command;
pub mod loader;
pub mod panels;
pub mod textures;
pub mod view;

use std::path::PathBuf;
use std::time::Instant;

pub use app::ExrProbeApp;
pub use command::{Command, Dialogs, ExportKind, LayoutMode};
pub use textures::Slot;

/// Opens the viewer window with `files` (none: the welcome view).
pub fn run(files: Vec<PathBuf>) -> anyhow::Result<()> {
    let started = Instant::now();
    // Decode the first file while the window and the GPU start (a few hundred ms).
    let mut worker = loader::Worker::default();
    if let Some(first) = files.first().filter(|p| !p.as_os_str().is_empty()) {
        worker.start_load(loader::Source::File(first.clone()));
    }
    let native_options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("exrprobe")
            .with_app_id("exrprobe")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([640.0, 420.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "exrprobe",
        native_options,
        Box::new(move |cc| {
            Ok(Box::new(ExrProbeApp::starting(
                Some(cc),
                files,
                worker,
                started,
            )))
        }),
    )
    .map_err(|err| anyhow::anyhow!("cannot open the viewer window: {err}"))
}
