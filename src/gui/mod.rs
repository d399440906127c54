//! The viewer.
//!
//! - `state.rs` — [`ViewerState`]: everything the viewer shows, private fields, one `apply`.
//! - `command.rs` — [`Command`] (what the user asks for) and `Effect` (what applying it asks the
//!   app to do: load, dialogs, writes, clipboard).
//! - `actions.rs` — the command table: labels, descriptions and keys of menu entries and
//!   shortcuts; key handling, menus and the F1 help come from it.
//! - `app.rs` — [`ExrProbeApp`]: the state plus workers, textures and dialogs; runs effects.
//! - `frame.rs` — one frame: menus, status bar, messages, side panels, windows, drag and drop.
//! - `views/` — the two image views (layout, pointer, painting) with their headers and legends.
//! - `view.rs` — one canvas: pan and zoom arithmetic, painting an image with its overlays.
//! - `loader.rs` — worker threads (load, analyse, export, render) with generations that drop
//!   stale results; `frame_cache.rs` — decoded frames kept for stepping through a shot;
//!   `prefetch.rs` — the next frames decoded ahead into it; `textures.rs` — display textures; `dialogs.rs` — native file dialogs.
//! - `panels/` — one file per panel: `*_ui(ui, data) -> Option<action>`, no I/O, no state.

mod actions;
mod app;
mod backdrop;
mod command;
mod dialogs;
mod frame;
mod frame_cache;
mod glyphs;
mod loader;
mod pacing;
pub mod panels;
mod prefetch;
mod state;
#[cfg(test)]
mod test_support;
mod textures;
mod view;
mod views;

use std::path::PathBuf;
use std::time::Instant;

pub use app::ExrProbeApp;
pub use command::{Command, ExportKind, LayoutMode, PixelUnderPointer, SaveOffer};
pub use dialogs::Dialogs;
pub use loader::{ScanCounts, ScanPool, Source, Worker, WorkerMsg};
pub use state::{
    ChannelChoice, CompareView, DepthSettings, Document, FileSummary, ListGroup, ListRow, Message,
    MessageKind, MetricsKey, ReferenceFollow, ViewerState,
};
pub use textures::Slot;
pub use view::ViewState;

/// Opens the viewer window with `files` (none: the welcome view), comparing with `reference`
/// when given, with a frame cache of `frame_cache_bytes` when given (else as in the settings).
pub fn run(
    files: Vec<PathBuf>,
    reference: Option<PathBuf>,
    frame_cache_bytes: Option<u64>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    // Decode the first file while the window and the GPU start (a few hundred ms).
    let mut worker = loader::Worker::default();
    // (A folder, or one frame of a sequence, may start on another file: the app then loads it.)
    if let Some(first) = files.first().filter(|p| p.is_file()) {
        worker.start_load(
            loader::Source::File(first.clone()),
            ChannelChoice::default(),
        );
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
            let mut app = ExrProbeApp::starting(Some(cc), files, worker, started);
            if let Some(bytes) = frame_cache_bytes {
                app.execute(Command::SetFrameCache(Some(bytes)));
            }
            if let Some(reference) = reference {
                app.execute(Command::SetReference(Source::File(reference)));
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|err| anyhow::anyhow!("cannot open the viewer window: {err}"))
}
