//! What the user can ask for ([`Command`]) and what applying it asks the app to do outside the
//! state ([`Effect`]).
//!
//! Panels, menus, shortcuts and drag-and-drop only *produce* commands; `ViewerState::apply` is
//! the one place that changes the viewer's state, and it returns the side effects (start a load,
//! show a dialog, write a file, copy text, close the window) for the app to run. That keeps every
//! state transition testable without a window, a GPU or a file dialog.

use std::path::PathBuf;
use std::sync::Arc;

use exrprobe_core::colormap::Colormap;
use exrprobe_core::model::{ChannelRef, Image};

use super::loader::Source;
use super::panels::probe::ProbePos;
use super::state::CompareView;

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

/// One user request (or one measurement of the frame the state depends on).
#[must_use = "a command does nothing until the state applies it"]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Open these files and folders as the new file list: folders recursively, grouped into
    /// sequences; one frame of a sequence opens the whole sequence at that frame.
    Open(Vec<PathBuf>),
    /// Ask for files with a dialog, then open them.
    OpenDialog,
    /// Ask for a folder with a dialog, then open every EXR in it.
    OpenFolderDialog,
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
    /// The frame cache's budget in bytes of decoded samples (`None`: automatic; 0: off).
    SetFrameCache(Option<u64>),
    SetInvert(bool),
    SetLogScale(bool),
    /// Exposure of the RGB view, in stops.
    SetExposure(f32),
    /// Change the exposure by this many stops.
    StepExposure(f32),
    /// Export; `path: None` asks with a save dialog, tests pass a path.
    Export {
        kind: ExportKind,
        path: Option<PathBuf>,
    },
    /// Save what the two views show as a PNG; `None` asks with a save dialog.
    SavePng(Option<PathBuf>),
    /// Offer to save to the default path (no save dialog could be shown).
    OfferSave(SaveOffer),
    /// Fit the image into the views.
    Fit,
    /// One image pixel per screen pixel.
    OneToOne,
    /// Multiply the zoom by this factor about the view centre.
    Zoom(f32),
    /// Multiply the zoom by `factor`, keeping the image point under `pos_on_screen` fixed.
    ZoomAbout {
        canvas: egui::Rect,
        pos_on_screen: egui::Pos2,
        factor: f32,
    },
    /// Move the image by this many screen points.
    Pan(egui::Vec2),
    /// The frame laid the canvases out: their size, the image bounds they show, whether they are
    /// stacked, and the screen's points per pixel (fits again when a fitted view changed size).
    CanvasesLaidOut {
        canvas_size: egui::Vec2,
        bounds_in_image: egui::Rect,
        stacked: bool,
        pixels_per_point: f32,
    },
    /// The pointer is over this pixel (absolute image coordinates) of `part`, or over no view.
    Hover(Option<PixelUnderPointer>),
    /// Pin the probe at this pixel; pinning a pinned pixel again removes that pin.
    TogglePin(PixelUnderPointer),
    /// Remove pin `i` (oldest first).
    RemovePin(usize),
    ClearPins,
    /// Ask for a file to compare with, then make it the reference.
    OpenReferenceDialog,
    /// Compare with this file (a fixed reference: it stays while stepping through frames).
    SetReference(Source),
    /// Compare every file with its neighbour in the file list: −1 the previous frame, +1 the
    /// next; the reference follows the current file.
    FollowReference(isize),
    /// Keep the reference shown now, whatever the current file (it stops following).
    KeepReference,
    /// Stop comparing.
    ClearReference,
    /// Copy this text to the clipboard.
    CopyText(String),
    /// What both views show while comparing.
    SetCompareView(CompareView),
    /// Show B if A is shown, else A.
    FlipAB,
    /// A − B, then |A − B|, then relative, then A − B again.
    CycleDifference,
    /// The wipe on or off.
    ToggleWipe,
    /// Put the wipe line at this x (image coordinates).
    SetWipe(f32),
    /// Select this region (absolute pixels), or none.
    SetRegion(Option<exrprobe_core::region::Region>),
    /// Copy the region's statistics as text.
    CopyRegionStats,
    /// Copy the NumPy slice that selects the region (`depth[y0:y1, x0:x1]`).
    CopyRegionSlice,
    /// Export one channel over the region as `.npy`; `path: None` asks with a save dialog.
    ExportRegion {
        channel: ChannelRef,
        path: Option<PathBuf>,
    },
    /// Centre the views on this absolute pixel of `part`, zoomed in, and pin it.
    GoToPixel {
        pixel_in_image: (i64, i64),
        part: usize,
    },
    SetLayout(LayoutMode),
    ToggleLayout,
    ToggleHistogram,
    ToggleTimeline,
    /// Follow the file list's folders: new frames appear, changed frames are checked again.
    ToggleWatch,
    SetHistogramLogCounts(bool),
    ToggleCheckerboard,
    ToggleLeftPanel,
    ToggleProbePanel,
    /// Copy the probe (pinned, else hovered) as text.
    CopyProbe,
    /// Remove the newest pin.
    Unpin,
    ShowInfo,
    ShowShortcuts,
    ShowAbout,
    /// The user closed one of the windows (info, shortcuts, about) with its own button.
    CloseWindows {
        info: bool,
        shortcuts: bool,
        about: bool,
    },
    /// Remove the message with this index from the message list.
    DismissMessage(usize),
    DismissAllMessages,
    /// Esc: remove the newest pin, else dismiss the messages.
    Escape,
    /// Close the offer to save to the default path (shown when no save dialog is available).
    DismissSaveOffer,
    Quit,
}

/// An image pixel under the pointer: absolute EXR coordinates `(x, y)` in `part`, and where the
/// probe reads it (`None` outside the part's data window).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelUnderPointer {
    pub pixel_in_image: (i64, i64),
    pub probe: Option<ProbePos>,
}

/// Offered instead of a save dialog when none is available: write to the default path.
#[derive(Clone, Debug, PartialEq)]
pub struct SaveOffer {
    /// The export or PNG command with the default path filled in.
    pub command: Box<Command>,
    pub path: PathBuf,
    /// Whether a file is already at `path` (checked once, when the offer is made).
    pub replaces_existing: bool,
}

/// What the state asks the app to do after applying a command.
#[derive(Clone, Debug)]
pub enum Effect {
    /// Decode and analyse this source on the worker (cancelling a load in flight), or take it
    /// from the frame cache when it is there unchanged.
    Load(Source),
    /// Drop the cached decode of this file: the next load reads it from disk.
    ForgetCached(PathBuf),
    /// Decode the shown channels of these files (the next frames in the direction of travel,
    /// nearest first) into the frame cache, replacing an earlier request.
    Prefetch(Vec<PathBuf>),
    /// Give the frame cache this budget (`None`: automatic), dropping frames beyond it.
    SetFrameCacheBudget(Option<u64>),
    /// Decode this source as the reference (cancelling a reference load in flight).
    LoadReference(Source),
    /// Ask for a file to make the reference; starts in `directory` when known.
    PickReference {
        directory: Option<PathBuf>,
    },
    /// Check these files in the background (the file list's statuses); results carry
    /// `generation`, and a newer scan replaces an older one.
    Scan {
        generation: u64,
        paths: Vec<PathBuf>,
    },
    /// Watch these folders for frames that appear, change or vanish (`None`: stop watching);
    /// reports carry `generation`.
    Watch {
        generation: u64,
        roots: Option<Vec<PathBuf>>,
    },
    /// Ask for EXR files to open; starts in `directory` when known.
    PickFilesToOpen {
        directory: Option<PathBuf>,
    },
    /// Ask for a folder to open; starts in `directory` when known.
    PickFolderToOpen {
        directory: Option<PathBuf>,
    },
    /// Ask where to save; `command` is re-applied with the chosen path, or offered with
    /// `default_path` when no dialog can be shown.
    PickSavePath {
        default_path: PathBuf,
        extension: &'static str,
        command: SaveCommand,
    },
    /// Write one channel (or, with `None`, every channel) of `image` to `path` on a worker.
    WriteExport {
        image: Arc<Image>,
        channel: Option<ChannelRef>,
        /// What is exported, for the messages ("ViewLayer.Depth.Z", "all channels").
        what: String,
        path: PathBuf,
    },
    /// Write `channel` of `image` cropped to `region` to `path` as `.npy` on a worker.
    WriteRegionExport {
        image: Arc<Image>,
        channel: ChannelRef,
        region: exrprobe_core::region::Region,
        /// What is exported, for the messages ("Z over x=… y=…").
        what: String,
        path: PathBuf,
    },
    /// Render what the views show again and save it as a PNG at `path` on a worker.
    WriteViewPng {
        image: Arc<Image>,
        path: PathBuf,
    },
    CopyText(String),
    CloseWindow,
}

/// A save that waits for its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveCommand {
    Export(ExportKind),
    ExportRegion(ChannelRef),
    ViewPng,
}

impl SaveCommand {
    /// The command that saves to `path`.
    pub fn with_path(self, path: PathBuf) -> Command {
        match self {
            SaveCommand::Export(kind) => Command::Export {
                kind,
                path: Some(path),
            },
            SaveCommand::ExportRegion(channel) => Command::ExportRegion {
                channel,
                path: Some(path),
            },
            SaveCommand::ViewPng => Command::SavePng(Some(path)),
        }
    }
}
