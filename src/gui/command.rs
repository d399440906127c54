//! Everything the user can ask the viewer to do. Panels, menus, shortcuts and drag-and-drop only
//! *produce* commands; the app runs them at the end of the frame (`ExrProbeApp::execute`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use exrprobe_core::colormap::Colormap;
use exrprobe_core::model::ChannelRef;

/// What to export as `.npy`/`.npz`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// The channel shown in the depth view, as `.npy`.
    Depth,
    /// One channel as `.npy`; `None` means the channel currently viewed (solo, else depth).
    Channel(Option<ChannelRef>),
    /// Every decoded channel in one `.npz`.
    AllChannels,
}

/// How the two views are arranged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LayoutMode {
    /// Side by side when the area is wide, stacked when it is tall and narrow.
    #[default]
    Auto,
    SideBySide,
    Stacked,
}

/// One user request. Executed at the end of the frame in which it was produced.
#[must_use = "a command does nothing until the app executes it"]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Open these files as the new file list (a frame sequence when several).
    Open(Vec<PathBuf>),
    /// Ask for files with a dialog, then open them.
    OpenDialog,
    /// Open the built-in example with this index in `crate::examples::examples()`.
    OpenExample(usize),
    /// Open a file from the recent list.
    OpenRecent(PathBuf),
    ClearRecent,
    /// Load the current file again from disk.
    Reload,
    /// Show file `i` of the file list.
    SelectFile(usize),
    NextFile,
    PrevFile,
    /// Feed the RGB view from `Analysis::rgb_layers[i]`.
    SetRgbLayer(usize),
    /// Use this channel as depth.
    SetDepth(ChannelRef),
    /// Show one channel on its own in place of the RGB layer (`None`: back to RGB).
    Solo(Option<ChannelRef>),
    /// Manual depth normalisation range.
    SetDepthRange(f64, f64),
    /// Back to the core's robust range.
    ResetDepthRange,
    /// Display range of the channel viewed on its own.
    SetSoloRange(f64, f64),
    SetColormap(Colormap),
    SetInvert(bool),
    SetLogScale(bool),
    /// Exposure of the RGB view, in stops.
    SetExposure(f32),
    /// Export; `path: None` asks with a save dialog, tests pass a path.
    Export {
        kind: ExportKind,
        path: Option<PathBuf>,
    },
    /// Save what the two views show as a PNG; `None` asks with a save dialog.
    SavePng(Option<PathBuf>),
    /// Fit the image into the views.
    Fit,
    /// One image pixel per screen pixel.
    OneToOne,
    /// Multiply the zoom by this factor about the view centre.
    Zoom(f32),
    SetLayout(LayoutMode),
    ToggleLayout,
    ToggleHistogram,
    ToggleCheckerboard,
    ToggleLeftPanel,
    ToggleProbePanel,
    /// Copy the probe (pinned, else hovered) as text.
    CopyProbe,
    /// Release a pinned probe.
    Unpin,
    ShowInfo,
    ShowShortcuts,
    ShowAbout,
    /// Remove the message with this index from the message list.
    DismissMessage(usize),
    /// Close the offer to save to the default path (shown when no save dialog is available).
    DismissSaveOffer,
    Quit,
}

/// Which file dialogs the app uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialogs {
    /// rfd's native dialogs (xdg-desktop-portal, else zenity, on Linux).
    #[default]
    Native,
    /// Behave as on a system without any dialog backend (tests; never shows a dialog).
    Unavailable,
}

/// Shown when a file dialog could not be opened.
pub const NO_DIALOG_MESSAGE: &str = "No file dialog is available on this system \
    (xdg-desktop-portal or zenity is needed). Drop files onto the window or pass them on the \
    command line.";

/// A dialog that returns nothing sooner than this was never shown: rfd's blocking dialogs return
/// `None` both on cancel and when neither xdg-desktop-portal nor zenity works (rfd 0.17.2 only
/// logs the zenity error), and no person cancels a dialog this fast.
pub const MIN_PLAUSIBLE_DIALOG: Duration = Duration::from_millis(150);

/// What came of a file dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogOutcome<T> {
    Chosen(T),
    Cancelled,
    /// No dialog could be shown.
    Unavailable,
}

/// Tells a cancelled dialog from one that was never shown, by how long it was open.
pub fn classify_dialog<T>(result: Option<T>, open_duration: Duration) -> DialogOutcome<T> {
    match result {
        Some(value) => DialogOutcome::Chosen(value),
        None if open_duration < MIN_PLAUSIBLE_DIALOG => DialogOutcome::Unavailable,
        None => DialogOutcome::Cancelled,
    }
}

fn run_dialog<T>(dialogs: Dialogs, show: impl FnOnce() -> Option<T>) -> DialogOutcome<T> {
    match dialogs {
        Dialogs::Unavailable => DialogOutcome::Unavailable,
        Dialogs::Native => {
            let started = Instant::now();
            let result = show();
            classify_dialog(result, started.elapsed())
        }
    }
}

/// Offered instead of a save dialog when none is available: write to the default path.
#[derive(Clone, Debug, PartialEq)]
pub struct SaveOffer {
    /// The export or PNG command with the default path filled in.
    pub command: Command,
    pub path: PathBuf,
    /// Whether a file is already at `path` (checked once, when the offer is made).
    pub replaces_existing: bool,
}

// ----------------------------------------------------------------------------------------------
// The handler.

use std::sync::Arc;

use super::app::{EXPORT_DTYPE, ExrProbeApp, channel_suffix, default_export_path};
use super::loader::Source;
use super::panels::probe::probe_text;
use super::textures::{RenderJob, RenderKey, Slot};

impl ExrProbeApp {
    /// Runs one command now. Panels and shortcuts queue commands that run at the end of the
    /// frame; tests call this directly (dialogs are bypassed by passing paths).
    pub fn execute(&mut self, command: Command) {
        match command {
            Command::Open(paths) => {
                let paths: Vec<PathBuf> = paths
                    .into_iter()
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect();
                if paths.is_empty() {
                    return;
                }
                self.files = paths.into_iter().map(Source::File).collect();
                self.select_file(0);
            }
            Command::OpenDialog => {
                let mut dialog = rfd::FileDialog::new()
                    .set_title("Open OpenEXR files")
                    .add_filter("OpenEXR", &["exr", "EXR"])
                    .add_filter("All files", &["*"]);
                if let Some(dir) = self
                    .doc
                    .as_ref()
                    .and_then(|d| d.source.path())
                    .and_then(|p| p.parent())
                {
                    dialog = dialog.set_directory(dir);
                }
                match run_dialog(self.dialogs, || dialog.pick_files()) {
                    DialogOutcome::Chosen(paths) => self.execute(Command::Open(paths)),
                    DialogOutcome::Cancelled => {}
                    DialogOutcome::Unavailable => self.error(NO_DIALOG_MESSAGE.to_owned()),
                }
            }
            Command::OpenExample(i) => {
                self.files = vec![Source::Example(i)];
                self.select_file(0);
            }
            Command::OpenRecent(path) => {
                if path.exists() {
                    self.execute(Command::Open(vec![path]));
                } else {
                    self.recent.retain(|p| p != &path);
                    self.error(format!(
                        "Cannot open a recent file: it no longer exists: {}",
                        path.display()
                    ));
                }
            }
            Command::ClearRecent => self.recent.clear(),
            Command::Reload => {
                if let Some(i) = self.current {
                    self.select_file(i);
                }
            }
            Command::SelectFile(i) => self.select_file(i),
            Command::NextFile => {
                if let Some(i) = self.current
                    && i + 1 < self.files.len()
                {
                    self.select_file(i + 1);
                }
            }
            Command::PrevFile => {
                if let Some(i) = self.current
                    && i > 0
                {
                    self.select_file(i - 1);
                }
            }
            Command::SetRgbLayer(i) => {
                self.selection.rgb_layer = Some(i);
                self.selection.solo = None;
                self.solo_range = None;
                self.remember_selection();
            }
            Command::SetDepth(channel) => {
                if self.selection.depth != Some(channel) {
                    self.selection.depth = Some(channel);
                    self.depth.range = None;
                }
                self.remember_selection();
            }
            Command::Solo(channel) => {
                if self.selection.solo != channel {
                    self.solo_range = None;
                }
                self.selection.solo = channel;
                self.remember_selection();
            }
            Command::SetDepthRange(lo, hi) => {
                if lo.is_finite() && hi.is_finite() {
                    self.depth.range = Some((lo.min(hi), lo.max(hi)));
                }
            }
            Command::ResetDepthRange => self.depth.range = None,
            Command::SetSoloRange(lo, hi) => {
                if lo.is_finite() && hi.is_finite() {
                    self.solo_range = Some((lo.min(hi), lo.max(hi)));
                }
            }
            Command::SetColormap(map) => self.depth.colormap = map,
            Command::SetInvert(invert) => self.depth.invert = invert,
            Command::SetLogScale(log) => self.depth.log = log,
            Command::SetExposure(stops) => {
                if stops.is_finite() {
                    self.exposure = stops.clamp(-20.0, 20.0);
                }
            }
            Command::Export { kind, path } => self.export(kind, path),
            Command::SavePng(path) => self.save_png(path),
            Command::Fit => self.view.fit_pending = true,
            Command::OneToOne => {
                let ppp = self.ctx.as_ref().map_or(1.0, |c| c.pixels_per_point());
                self.view.set_zoom(1.0 / ppp);
            }
            Command::Zoom(factor) => {
                if factor.is_finite() && factor > 0.0 {
                    self.view.set_zoom(self.view.zoom * factor);
                }
            }
            Command::SetLayout(mode) => self.layout = mode,
            Command::ToggleLayout => {
                // Flip what is on screen now (Auto may show either).
                self.layout = if self.last_stacked {
                    LayoutMode::SideBySide
                } else {
                    LayoutMode::Stacked
                };
            }
            Command::ToggleHistogram => self.show_histogram = !self.show_histogram,
            Command::ToggleCheckerboard => self.checkerboard = !self.checkerboard,
            Command::ToggleLeftPanel => self.show_left = !self.show_left,
            Command::ToggleProbePanel => self.show_probe = !self.show_probe,
            Command::CopyProbe => {
                if let (Some(doc), Some(pos)) = (&self.doc, self.probe()) {
                    let text = probe_text(&doc.image, pos);
                    if let Some(ctx) = &self.ctx {
                        ctx.copy_text(text);
                    }
                }
            }
            Command::Unpin => {
                self.pinned = None;
                self.pinned_pixel = None;
            }
            Command::ShowInfo => {
                if self.doc.is_some() {
                    self.show_info = !self.show_info;
                }
            }
            Command::ShowShortcuts => self.show_shortcuts = !self.show_shortcuts,
            Command::ShowAbout => self.show_about = true,
            Command::DismissSaveOffer => self.save_offer = None,
            Command::DismissMessage(i) => {
                if i < self.messages.len() {
                    self.messages.remove(i);
                }
            }
            Command::Quit => {
                if let Some(ctx) = &self.ctx {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
        }
    }

    fn select_file(&mut self, i: usize) {
        let Some(source) = self.files.get(i).cloned() else {
            return;
        };
        self.current = Some(i);
        self.worker.start_load(source);
    }

    fn export(&mut self, kind: ExportKind, path: Option<PathBuf>) {
        let Some(doc) = self.doc.clone() else {
            self.error("Nothing to export: open a file first".to_owned());
            return;
        };
        let channel = match kind {
            ExportKind::Depth => match self.selection.depth {
                Some(c) => Some(c),
                None => {
                    self.error(
                        "No depth channel to export: choose one in the channel list".to_owned(),
                    );
                    return;
                }
            },
            ExportKind::Channel(Some(c)) => Some(c),
            ExportKind::Channel(None) => match self.selection.solo.or(self.selection.depth) {
                Some(c) => Some(c),
                None => {
                    self.error(
                        "No channel to export: view a channel on its own or choose a depth channel"
                            .to_owned(),
                    );
                    return;
                }
            },
            ExportKind::AllChannels => None,
        };
        let (default_path, filter) = match (kind, channel) {
            (ExportKind::Depth, _) => (default_export_path(&doc.source, "depth.npy"), "npy"),
            (_, Some(c)) => (
                default_export_path(
                    &doc.source,
                    &format!("{}.npy", channel_suffix(&doc.image, c)),
                ),
                "npy",
            ),
            (_, None) => (default_export_path(&doc.source, "npz"), "npz"),
        };
        let path = match path {
            Some(p) => p,
            None => match run_dialog(self.dialogs, || save_dialog(&default_path, filter)) {
                DialogOutcome::Chosen(p) => p,
                DialogOutcome::Cancelled => return,
                DialogOutcome::Unavailable => {
                    self.save_offer = Some(SaveOffer {
                        command: Command::Export {
                            kind,
                            path: Some(default_path.clone()),
                        },
                        replaces_existing: default_path.exists(),
                        path: default_path,
                    });
                    return;
                }
            },
        };
        self.save_offer = None;
        let image = Arc::clone(&doc.image);
        let what = match channel {
            Some(c) => image
                .qualified_name(c)
                .unwrap_or_else(|| "channel".to_owned()),
            None => "all channels".to_owned(),
        };
        let label = format!("Exporting {what}…");
        self.worker.start_task(label, move || {
            let result = match channel {
                Some(c) => match image.channel(c) {
                    Some(ch) => exrprobe_core::export::write_npy(ch, EXPORT_DTYPE, &path, true),
                    None => return Err(format!("Cannot export {what}: no such channel")),
                },
                None => exrprobe_core::export::write_npz(&image, EXPORT_DTYPE, &path, true),
            };
            result
                .map(|()| format!("Exported {what} to {}", path.display()))
                .map_err(|e| format!("Export failed: {e}"))
        });
    }

    fn save_png(&mut self, path: Option<PathBuf>) {
        let Some(doc) = self.doc.clone() else {
            self.error("Nothing to save: open a file first".to_owned());
            return;
        };
        // What the views show; the worker renders it again from the model.
        let rgb = self.textures.shown(Slot::Rgb).map(|s| s.key.clone());
        let depth = self.textures.shown(Slot::Depth).map(|s| s.key.clone());
        if rgb.is_none() && depth.is_none() {
            self.error("Nothing to save yet: the views are still rendering".to_owned());
            return;
        }
        let path = match path {
            Some(p) => p,
            None => {
                let default_path = default_export_path(&doc.source, "view.png");
                match run_dialog(self.dialogs, || save_dialog(&default_path, "png")) {
                    DialogOutcome::Chosen(p) => p,
                    DialogOutcome::Cancelled => return,
                    DialogOutcome::Unavailable => {
                        self.save_offer = Some(SaveOffer {
                            command: Command::SavePng(Some(default_path.clone())),
                            replaces_existing: default_path.exists(),
                            path: default_path,
                        });
                        return;
                    }
                }
            }
        };
        self.save_offer = None;
        let image = Arc::clone(&doc.image);
        self.worker.start_task("Saving PNG…".to_owned(), move || {
            let render = |key: Option<RenderKey>| -> Result<Option<Arc<egui::ColorImage>>, String> {
                let Some(key) = key else { return Ok(None) };
                let job = RenderJob {
                    image: Arc::clone(&image),
                };
                job.run(key)
                    .result
                    .map(|rendered| Some(rendered.image))
                    .map_err(|e| format!("Cannot save the view: {e}"))
            };
            let (rgb, depth) = (render(rgb)?, render(depth)?);
            let (width, height, rgba) = compose_side_by_side(rgb.as_deref(), depth.as_deref());
            write_png_atomic(&path, width, height, &rgba)
                .map(|()| format!("Saved the view to {}", path.display()))
                .map_err(|e| format!("Cannot save the view: {e}"))
        });
    }
}

fn save_dialog(default_path: &std::path::Path, extension: &str) -> Option<PathBuf> {
    let mut dialog = rfd::FileDialog::new().add_filter(extension, &[extension]);
    if let Some(dir) = default_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        dialog = dialog.set_directory(dir);
    }
    if let Some(name) = default_path.file_name() {
        dialog = dialog.set_file_name(name.to_string_lossy());
    }
    dialog.save_file()
}

/// The two view images side by side (RGB left, depth right), unpremultiplied RGBA8.
pub fn compose_side_by_side(
    left: Option<&egui::ColorImage>,
    right: Option<&egui::ColorImage>,
) -> (usize, usize, Vec<u8>) {
    let size = |i: Option<&egui::ColorImage>| i.map_or([0, 0], |i| i.size);
    let [lw, lh] = size(left);
    let [rw, rh] = size(right);
    let gap = if lw > 0 && rw > 0 { 8 } else { 0 };
    let width = lw + gap + rw;
    let height = lh.max(rh);
    let mut rgba = vec![0u8; width * height * 4];
    for (image, x0) in [(left, 0), (right, lw + gap)] {
        let Some(image) = image else { continue };
        let [w, _] = image.size;
        for (i, pixel) in image.pixels.iter().enumerate() {
            let (x, y) = (x0 + i % w, i / w);
            let at = (y * width + x) * 4;
            if let Some(dst) = rgba.get_mut(at..at + 4) {
                dst.copy_from_slice(&pixel.to_srgba_unmultiplied());
            }
        }
    }
    (width, height, rgba)
}

/// Writes a PNG to a temporary file beside `path` and renames it over `path` when complete.
pub fn write_png_atomic(
    path: &std::path::Path,
    width: usize,
    height: usize,
    rgba: &[u8],
) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "view.png".to_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> Result<(), String> {
        let file = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
        let w = u32::try_from(width).map_err(|e| e.to_string())?;
        let h = u32::try_from(height).map_err(|e| e.to_string())?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgba).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, path).map_err(|e| e.to_string())
    };
    let result = write();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| format!("{e}: {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_none_faster_than_a_person_can_cancel_means_no_dialog() {
        assert_eq!(
            classify_dialog::<u8>(None, Duration::from_millis(3)),
            DialogOutcome::Unavailable
        );
        assert_eq!(
            classify_dialog::<u8>(None, Duration::from_millis(900)),
            DialogOutcome::Cancelled
        );
        assert_eq!(
            classify_dialog(Some(7u8), Duration::from_millis(3)),
            DialogOutcome::Chosen(7)
        );
    }
}
