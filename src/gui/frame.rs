//! The parts of a frame around the two image views: the menu bar, messages, status bar, side
//! panels, the welcome view, windows and drag and drop. Every function here reads the
//! [`ViewerState`] and returns or pushes [`Command`]s; only `ExrProbeApp::show` applies them.

use egui::{Color32, RichText};
use exrprobe_core::model::ChannelRef;

use super::actions::{Action, action_button, action_checkbox};
use super::command::{Command, ExportKind, LayoutMode};
use super::dialogs::NO_DIALOG_MESSAGE;
use super::loader::Source;
use super::loader::Worker;
use super::panels::busy;
use super::panels::channels::{ChannelAction, channels_ui};
use super::panels::histogram::{HistogramAction, HistogramSettings, histogram_ui};
use super::panels::info::info_ui;
use super::panels::shortcuts::shortcuts_ui;
use super::panels::timeline::{TimelineData, TimelineFrame, timeline_ui};
use super::state::{
    CompareView, Document, HistogramTarget, ListRow, MessageKind, ViewerState, missing_text,
};
use exrprobe_core::colormap::Colormap;
use exrprobe_core::compare::difference::DifferenceKind;
use exrprobe_core::sequence::FrameStatus;

pub(super) fn menu_bar(ui: &mut egui::Ui, state: &ViewerState, commands: &mut Vec<Command>) {
    let has_doc = state.document().is_some();
    ui.menu_button("File", |ui| {
        action_button(ui, Action::Open, true, commands);
        action_button(ui, Action::OpenFolder, true, commands);
        ui.menu_button("Open Recent", |ui| recent_menu(ui, state, commands));
        let examples = crate::examples::examples();
        ui.menu_button("Open example", |ui| {
            if examples.is_empty() {
                ui.label(RichText::new("No examples built in").weak());
            }
            for (i, example) in examples.iter().enumerate() {
                if ui
                    .button(example.name)
                    .on_hover_text(example.description)
                    .clicked()
                {
                    commands.push(Command::OpenExample(i));
                }
            }
        });
        action_button(ui, Action::Reload, !state.files().is_empty(), commands);
        ui.separator();
        let depth_ok = has_doc && state.selection().depth.is_some();
        action_button(ui, Action::ExportDepth, depth_ok, commands);
        action_button(ui, Action::ExportChannel, has_doc, commands);
        action_button(ui, Action::ExportAll, has_doc, commands);
        action_button(ui, Action::SavePng, has_doc, commands);
        ui.separator();
        action_button(ui, Action::Quit, true, commands);
    });
    ui.menu_button("View", |ui| view_menu(ui, state, commands));
    ui.menu_button("Compare", |ui| compare_menu(ui, state, commands));
    ui.menu_button("Help", |ui| {
        action_button(ui, Action::ShowShortcuts, true, commands);
        action_button(ui, Action::ShowAbout, true, commands);
    });
}

fn compare_menu(ui: &mut egui::Ui, state: &ViewerState, commands: &mut Vec<Command>) {
    let has_doc = state.document().is_some();
    action_button(ui, Action::OpenReference, has_doc, commands);
    let several = state.files().len() > 1;
    action_button(
        ui,
        Action::CompareWithPrevious,
        has_doc && several,
        commands,
    );
    action_button(ui, Action::CompareWithNext, has_doc && several, commands);
    ui.separator();
    let loaded = state.reference_image().is_some();
    for view in CompareView::ALL {
        let keys = match view {
            CompareView::B => Action::FlipAB.shortcut_text(),
            CompareView::Difference(DifferenceKind::Signed) => {
                Action::CycleDifference.shortcut_text()
            }
            CompareView::Wipe => Action::ToggleWipe.shortcut_text(),
            _ => None,
        };
        let mut button = egui::Button::selectable(state.compare_view() == view, view.label());
        if let Some(keys) = keys {
            button = button.shortcut_text(keys);
        }
        let response = ui.add_enabled(loaded, button);
        if response.on_hover_text(view.description()).clicked() {
            commands.push(Command::SetCompareView(view));
        }
    }
    ui.separator();
    action_button(
        ui,
        Action::ClearReference,
        state.reference().is_some(),
        commands,
    );
    ui.separator();
    action_button(ui, Action::ClearPins, state.is_pinned(), commands);
}

fn recent_menu(ui: &mut egui::Ui, state: &ViewerState, commands: &mut Vec<Command>) {
    if state.recent().is_empty() {
        ui.label(RichText::new("No recent files").weak());
    }
    for path in state.recent() {
        recent_entry(ui, path, false, commands);
    }
    if !state.recent().is_empty() {
        ui.separator();
        if ui.button("Clear recent files").clicked() {
            commands.push(Command::ClearRecent);
        }
    }
}

/// A recent file, as a menu button or (on the welcome view) a link, with its path as tooltip.
fn recent_entry(
    ui: &mut egui::Ui,
    path: &std::path::Path,
    link: bool,
    commands: &mut Vec<Command>,
) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let response = if link { ui.link(name) } else { ui.button(name) };
    if response.on_hover_text(path.display().to_string()).clicked() {
        commands.push(Command::OpenRecent(path.to_path_buf()));
    }
}

fn view_menu(ui: &mut egui::Ui, state: &ViewerState, commands: &mut Vec<Command>) {
    let has_doc = state.document().is_some();
    for action in [
        Action::Fit,
        Action::OneToOne,
        Action::ZoomIn,
        Action::ZoomOut,
    ] {
        action_button(ui, action, true, commands);
    }
    ui.separator();
    ui.menu_button("Layout", |ui| {
        for (mode, label) in [
            (LayoutMode::Auto, "Automatic"),
            (LayoutMode::SideBySide, "Side by side"),
            (LayoutMode::Stacked, "Stacked"),
        ] {
            if ui.radio(state.layout() == mode, label).clicked() {
                commands.push(Command::SetLayout(mode));
            }
        }
    });
    let settings = state.depth_settings();
    ui.menu_button("Colormap", |ui| {
        for map in Colormap::ALL {
            if ui.radio(settings.colormap == map, map.label()).clicked() {
                commands.push(Command::SetColormap(map));
            }
        }
    });
    let mut invert = settings.invert;
    if ui
        .checkbox(&mut invert, "Invert depth (near bright)")
        .changed()
    {
        commands.push(Command::SetInvert(invert));
    }
    let mut log = settings.log;
    if ui.checkbox(&mut log, "Logarithmic depth").changed() {
        commands.push(Command::SetLogScale(log));
    }
    action_checkbox(
        ui,
        Action::ToggleCheckerboard,
        state.checkerboard(),
        commands,
    );
    ui.separator();
    let panels = state.panels();
    action_checkbox(ui, Action::ToggleLeftPanel, panels.left, commands);
    action_checkbox(ui, Action::ToggleProbePanel, panels.probe, commands);
    action_checkbox(ui, Action::ToggleHistogram, panels.histogram, commands);
    action_checkbox(ui, Action::ToggleTimeline, panels.timeline, commands);
    ui.add_enabled_ui(state.can_watch(), |ui| {
        action_checkbox(ui, Action::ToggleWatch, state.is_watching(), commands);
    });
    action_button(ui, Action::ShowInfo, has_doc, commands);
    ui.separator();
    ui.menu_button("Frame cache", |ui| frame_cache_menu(ui, state, commands));
}

/// The frame cache's budgets to choose from, besides automatic.
const FRAME_CACHE_CHOICES_GIB: [u64; 5] = [1, 2, 4, 8, 16];

/// The frame cache's budget: automatic, off or a size, with what it holds now.
fn frame_cache_menu(ui: &mut egui::Ui, state: &ViewerState, commands: &mut Vec<Command>) {
    use exrprobe_core::text::format_bytes;
    let report = state.frame_cache_use();
    let setting = state.frame_cache_setting();
    ui.label(format!(
        "Holding {} of {}",
        format_bytes(report.used_bytes),
        format_bytes(report.budget_bytes)
    ))
    .on_hover_text(
        "Frames already seen, and the next frames in the direction of travel (their colour and \
         depth), are kept decoded so that stepping through a shot shows them at once.",
    );
    ui.separator();
    let automatic = format!(
        "Automatic ({}, a quarter of the free memory)",
        format_bytes(report.automatic_budget_bytes)
    );
    if ui.radio(setting.is_none(), automatic).clicked() {
        commands.push(Command::SetFrameCache(None));
    }
    if ui.radio(setting == Some(0), "Off").clicked() {
        commands.push(Command::SetFrameCache(Some(0)));
    }
    let mut choices: Vec<u64> = FRAME_CACHE_CHOICES_GIB.iter().map(|g| g << 30).collect();
    if let Some(bytes) = setting.filter(|b| *b > 0 && !choices.contains(b)) {
        choices.push(bytes);
        choices.sort_unstable();
    }
    for bytes in choices {
        if ui
            .radio(setting == Some(bytes), format_bytes(bytes))
            .clicked()
        {
            commands.push(Command::SetFrameCache(Some(bytes)));
        }
    }
}

pub(super) fn messages_ui(ui: &mut egui::Ui, state: &ViewerState, commands: &mut Vec<Command>) {
    if let Some(offer) = state.save_offer() {
        egui::Frame::new()
            .fill(Color32::from_rgb(110, 85, 20))
            .inner_margin(6.0)
            .corner_radius(4.0)
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    let name = offer
                        .path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| offer.path.display().to_string());
                    let text = format!(
                        "{NO_DIALOG_MESSAGE} Save to the default file beside the EXR instead: \
                         {}{}?",
                        offer.path.display(),
                        if offer.replaces_existing {
                            " (it exists and will be replaced)"
                        } else {
                            ""
                        }
                    );
                    ui.label(RichText::new(text).color(Color32::WHITE));
                    if ui
                        .button(format!("Save as {name}"))
                        .on_hover_text(offer.path.display().to_string())
                        .clicked()
                    {
                        commands.push((*offer.command).clone());
                    }
                    if ui.button("Cancel").clicked() {
                        commands.push(Command::DismissSaveOffer);
                    }
                });
            });
    }
    // Newest first, at most a few; the older ones collapse into a count with "Dismiss all".
    let messages = state.messages();
    for (i, message) in messages.iter().enumerate().rev().take(MESSAGES_SHOWN) {
        let (fill, icon) = match message.kind {
            MessageKind::Error => (Color32::from_rgb(110, 30, 30), "Error:"),
            MessageKind::Info => (Color32::from_rgb(30, 80, 45), "Done:"),
        };
        egui::Frame::new()
            .fill(fill)
            .inner_margin(6.0)
            .corner_radius(4.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    if ui
                        .button("×")
                        .on_hover_text("Dismiss this message")
                        .clicked()
                    {
                        commands.push(Command::DismissMessage(i));
                    }
                    ui.add(
                        egui::Label::new(
                            RichText::new(format!("{icon} {}", message.text)).color(Color32::WHITE),
                        )
                        .wrap(),
                    );
                });
            });
    }
    if messages.len() > 1 {
        ui.horizontal(|ui| {
            let older = messages.len().saturating_sub(MESSAGES_SHOWN);
            if older > 0 {
                ui.label(
                    RichText::new(format!(
                        "and {older} older {}",
                        if older == 1 { "message" } else { "messages" }
                    ))
                    .weak(),
                );
            }
            if ui
                .small_button("Dismiss all")
                .on_hover_text("Esc dismisses all messages when no probe is pinned")
                .clicked()
            {
                commands.push(Command::DismissAllMessages);
            }
        });
    }
}

/// Messages shown at once; older ones are counted.
const MESSAGES_SHOWN: usize = 3;

pub(super) fn status_bar(ui: &mut egui::Ui, state: &ViewerState, worker: &Worker) {
    ui.horizontal(|ui| {
        if let Some(doc) = state.document() {
            ui.label(RichText::new(doc.source.label()).strong())
                .on_hover_text(doc.image.source.clone());
            if let Some(part) = doc.image.part(0) {
                let dw = part.data_window;
                ui.label(format!("{}×{}", dw.width, dw.height));
            }
            let parts = doc.image.parts.len() as u64;
            let channels = doc.image.channels().count() as u64;
            ui.label(format!(
                "{} {}, {} {}",
                parts,
                if parts == 1 { "part" } else { "parts" },
                channels,
                if channels == 1 { "channel" } else { "channels" },
            ));
            if state.files().len() > 1
                && let Some(i) = state.current_file()
            {
                ui.label(format!("file {}/{}", i + 1, state.files().len()));
            }
            ui.separator();
        } else if let Some((source, _)) = state.failure() {
            ui.label(RichText::new(source.label()).strong());
            ui.label(RichText::new("cannot be read").color(ui.visuals().error_fg_color));
            if let Some(i) = state.current_file() {
                ui.label(format!("file {}/{}", i + 1, state.files().len()));
            }
            ui.separator();
        } else if worker.load.is_none() {
            ui.label("No file open");
        }
        if let Some(load) = &worker.load {
            if load.analysing {
                busy::spinner(ui, ui.spacing().interact_size.y);
                ui.label(format!("Analysing {}…", load.source.label()))
                    .on_hover_text("Statistics and findings follow in a moment");
            } else {
                ui.add(
                    // Wide enough for a typical frame name (a cut name reads as a glitch).
                    egui::ProgressBar::new(load.fraction as f32)
                        .desired_width(280.0)
                        .show_percentage()
                        .text(format!("Loading {}", load.source.label())),
                );
            }
        }
        for task in &worker.tasks {
            busy::spinner(ui, ui.spacing().interact_size.y);
            ui.label(&task.label);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if state.document().is_some() {
                let ppp = ui.ctx().pixels_per_point();
                ui.label(format!("{:.0} %", state.view().zoom * ppp * 100.0))
                    .on_hover_text("Zoom: screen pixels per image pixel");
                ui.separator();
                if let Some(summary) = probe_summary(state) {
                    ui.label(RichText::new(summary).monospace());
                }
            }
        });
    });
}

/// "x 12 y 34 · Z = 7.2127 · RGB 0.1 0.2 0.3" for the status bar.
fn probe_summary(state: &ViewerState) -> Option<String> {
    let doc = state.document()?;
    let pos = state.probe()?;
    let part = doc.image.part(pos.part)?;
    let x = i64::from(part.data_window.x) + pos.col as i64;
    let y = i64::from(part.data_window.y) + pos.row as i64;
    let mut text = format!("x {x}  y {y}");
    if let Some(depth) = state.selection().depth
        && depth.part == pos.part
        && let Some(ch) = doc.image.channel(depth)
        && let Some(v) = ch.value_at(
            pos.col / ch.sampling.0.max(1),
            pos.row / ch.sampling.1.max(1),
        )
    {
        text.push_str(&format!("  ·  {} = {v}", ch.name));
    }
    if let Some(layer) = state.rgb_layer().filter(|l| l.part == pos.part) {
        let value = |c: ChannelRef| {
            doc.image
                .channel(c)
                .and_then(|ch| ch.value_at(pos.col, pos.row))
                .map_or_else(|| "–".to_owned(), |v| v.to_string())
        };
        text.push_str(&format!(
            "  ·  RGB {} {} {}",
            value(layer.r),
            value(layer.g),
            value(layer.b)
        ));
    }
    if state.is_pinned() {
        text.push_str("  (pinned)");
    }
    Some(text)
}

/// The timeline of the sequence the current file belongs to (nothing for a file that stands
/// alone).
pub(super) fn timeline_panel(ui: &mut egui::Ui, state: &ViewerState, commands: &mut Vec<Command>) {
    let Some(current) = state.current_file() else {
        return;
    };
    let Some(group) = state
        .groups()
        .iter()
        .find(|g| g.span.is_some() && g.contains(current))
    else {
        return;
    };
    let data = TimelineData {
        label: &group.label,
        frames: group
            .columns()
            .into_iter()
            .map(|(number, file_index)| TimelineFrame {
                number,
                file_index,
                summary: file_index.and_then(|i| state.scanned(i)),
            })
            .collect(),
        current: Some(current),
    };
    if let Some(index) = timeline_ui(ui, &data) {
        commands.push(Command::SelectFile(index));
    }
}

/// Whether the current file is part of a sequence (the timeline has something to show).
pub(super) fn has_timeline(state: &ViewerState) -> bool {
    state.current_file().is_some_and(|current| {
        state
            .groups()
            .iter()
            .any(|g| g.span.is_some() && g.contains(current))
    })
}

/// One line of the file list.
#[derive(Clone, Copy)]
enum ListLine {
    /// The group's label (`shot010/beauty.####.exr`).
    Header(usize),
    /// The group's span and counts (`1–8 · 7 frames · 1 FAIL · 1 missing`).
    Counts(usize),
    Row(usize, usize),
}

/// The file list: a header per sequence ("shot010/beauty.####.exr · 101–112 · 11 frames ·
/// 2 FAIL · 1 missing"), one row per frame with the status the background scan found (the top
/// finding in its tooltip), and rows for missing frames. Only the visible rows are drawn, so a
/// shot of thousands of frames costs no more than a short one.
pub(super) fn file_list(
    ui: &mut egui::Ui,
    state: &ViewerState,
    worker: &Worker,
    commands: &mut Vec<Command>,
) {
    let lines: Vec<ListLine> = state
        .groups()
        .iter()
        .enumerate()
        .flat_map(|(g, group)| {
            [ListLine::Header(g), ListLine::Counts(g)]
                .into_iter()
                .chain((0..group.rows.len()).map(move |r| ListLine::Row(g, r)))
        })
        .collect();
    let row_height = ui.spacing().interact_size.y;
    let list_id = ui.scope_id().with("file_list_follow");
    // Keep the current frame in view when it changes (Up/Down, the timeline).
    let current_line = lines.iter().position(|line| match *line {
        ListLine::Row(g, r) => matches!(
            state.groups().get(g).and_then(|group| group.rows.get(r)),
            Some(ListRow::File { index, .. }) if Some(*index) == state.current_file()
        ),
        ListLine::Header(_) | ListLine::Counts(_) => false,
    });
    let (followed, offset, height) = ui.data(|d| {
        d.get_temp::<(Option<usize>, f32, f32)>(list_id)
            .unwrap_or((None, 0.0, 0.0))
    });
    let mut area = egui::ScrollArea::vertical()
        .id_salt("file_list")
        .auto_shrink([false, true])
        .max_height(ui.available_height() * 0.45);
    if let Some(line) = current_line.filter(|_| followed != current_line) {
        let top = line as f32 * (row_height + ui.spacing().item_spacing.y);
        if top < offset || top + row_height > offset + height {
            area = area.vertical_scroll_offset((top - height / 2.0).max(0.0));
        }
    }
    let output = area.show_rows(ui, row_height, lines.len(), |ui, range| {
        for line in lines.get(range).unwrap_or_default() {
            match *line {
                ListLine::Header(g) => {
                    if let Some(group) = state.groups().get(g) {
                        ui.add(egui::Label::new(RichText::new(&group.label).strong()).truncate())
                            .on_hover_text(group.header(state.scan_results()));
                    }
                }
                ListLine::Counts(g) => {
                    if let Some(group) = state.groups().get(g) {
                        ui.add(
                            egui::Label::new(
                                RichText::new(group.counts(state.scan_results())).small(),
                            )
                            .truncate(),
                        );
                    }
                }
                ListLine::Row(g, r) => {
                    if let Some(row) = state.groups().get(g).and_then(|group| group.rows.get(r)) {
                        file_row(ui, state, *row, commands);
                    }
                }
            }
        }
    });
    ui.data_mut(|d| {
        d.insert_temp(
            list_id,
            (
                current_line,
                output.state.clamped_offset().y,
                output.inner_rect.height(),
            ),
        )
    });
    if let Some(scan) = worker.scan.as_ref().filter(|s| s.done < s.total) {
        let about = "Every frame is checked in the background, as exrprobe check does";
        if worker.first_image_pending() {
            // The scan waits for the image the user waits for; a still line, not a spinner
            // (its frames would take CPU from that decode under a software rasteriser).
            ui.label(format!(
                "Checking {} frames once this one is shown",
                scan.total
            ))
            .on_hover_text(about);
        } else {
            ui.horizontal(|ui| {
                busy::spinner(ui, ui.spacing().interact_size.y);
                ui.label(format!("Checking frames {}/{}", scan.done, scan.total))
                    .on_hover_text(about);
            });
        }
    }
    if state.is_watching() {
        ui.label(
            RichText::new("Watching the folder for new frames")
                .weak()
                .small(),
        )
        .on_hover_text("View > Watch folder turns it off");
    }
    ui.label(RichText::new("Up/Down or PageUp/PageDown step through the files").weak());
    ui.separator();
}

/// One row of the file list: the status badge and the file (or the missing frames).
fn file_row(ui: &mut egui::Ui, state: &ViewerState, row: ListRow, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| match row {
        ListRow::File { index, frame } => {
            let Some(source) = state.files().get(index) else {
                return;
            };
            let summary = state.scanned(index);
            let (badge, color, meaning) = status_badge(summary.map(|s| s.status));
            badge_label(ui, badge, color, meaning);
            let selected = state.current_file() == Some(index);
            let name = match frame {
                Some(frame) => format!("{frame}  {}", source.label()),
                None => source.label(),
            };
            let mut hint = source
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            if let Some(headline) = summary.and_then(|s| s.headline.as_deref()) {
                hint.push_str(&format!("\n{meaning}: {headline}"));
            }
            let response = ui.selectable_label(selected, name).on_hover_text(hint);
            if response.clicked() && !selected {
                commands.push(Command::SelectFile(index));
            }
        }
        ListRow::Missing { first, last } => {
            badge_label(ui, "MISS", Color32::from_gray(140), "no file");
            ui.label(RichText::new(missing_text(first, last)).italics().weak())
                .on_hover_text("No file has these frame numbers: the render skipped them or died");
        }
    });
}

/// A four-letter status badge at the start of a file-list row, explained on hover.
fn badge_label(ui: &mut egui::Ui, badge: &str, color: Color32, meaning: &str) {
    ui.label(
        RichText::new(badge)
            .monospace()
            .small()
            .strong()
            .color(color),
    )
    .on_hover_text(meaning);
}

/// The badge of a scan status: text, colour and what it means.
fn status_badge(status: Option<FrameStatus>) -> (&'static str, Color32, &'static str) {
    match status {
        None => ("····", Color32::from_gray(110), "not checked yet"),
        Some(FrameStatus::Ok) => ("OK  ", Color32::from_rgb(90, 190, 110), "OK"),
        Some(FrameStatus::Warn) => ("WARN", Color32::from_rgb(230, 180, 60), "warning"),
        Some(FrameStatus::Fail) => ("FAIL", Color32::from_rgb(240, 90, 80), "fails the check"),
        Some(FrameStatus::Unreadable) => ("ERR ", Color32::from_rgb(240, 90, 80), "cannot be read"),
        Some(FrameStatus::BeingWritten) => (
            "WRIT",
            Color32::from_rgb(110, 160, 240),
            "still being written",
        ),
    }
}

pub(super) fn left_panel(
    ui: &mut egui::Ui,
    state: &ViewerState,
    worker: &Worker,
    doc: &Document,
    commands: &mut Vec<Command>,
) {
    if state.files().len() > 1 {
        file_list(ui, state, worker, commands);
    }
    egui::ScrollArea::both()
        .id_salt("channel_tree")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if let Some(action) = channels_ui(
                ui,
                &doc.image,
                &doc.analysis,
                doc.generation,
                &state.selection(),
            ) {
                commands.push(match action {
                    ChannelAction::SetRgbLayer(i) => Command::SetRgbLayer(i),
                    ChannelAction::SetDepth(c) => Command::SetDepth(c),
                    ChannelAction::Solo(c) => Command::Solo(c),
                    ChannelAction::Export(c) => Command::Export {
                        kind: ExportKind::Channel(Some(c)),
                        path: None,
                    },
                });
            }
        });
}

pub(super) fn histogram_panel(
    ui: &mut egui::Ui,
    state: &ViewerState,
    doc: &Document,
    commands: &mut Vec<Command>,
) {
    let Some(target) = state.histogram_target() else {
        ui.label("No depth channel: choose one in the channel list to see its histogram.");
        return;
    };
    let (HistogramTarget::Depth(channel) | HistogramTarget::Solo(channel)) = target;
    let Some(range) = state.histogram_range(target) else {
        return;
    };
    let label = doc
        .image
        .qualified_name(channel)
        .unwrap_or_else(|| "channel".to_owned());
    let (Some(stats), Some(distribution)) = (
        doc.analysis.stats.get(&channel),
        doc.analysis.distribution(&doc.image, channel),
    ) else {
        if doc.analysis.is_complete() {
            ui.label(format!("{label} has no decoded pixels."));
        } else {
            ui.horizontal(|ui| {
                busy::spinner(ui, ui.spacing().interact_size.y);
                ui.label(format!("Analysing {label}…"));
            });
        }
        // Keep the panel's height, so that the views above do not change their layout when
        // the histogram arrives.
        ui.allocate_space(ui.available_size());
        return;
    };
    let settings = HistogramSettings {
        log_counts: state.histogram_log_counts(),
    };
    // Scrolled rather than grown when the panel is smaller than its content: the panel's height
    // is the user's (or the default), the same as while the channel was being analysed.
    let action = egui::ScrollArea::vertical()
        .id_salt("histogram_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            histogram_ui(ui, &label, stats, distribution, range, settings)
        })
        .inner;
    match action {
        Some(HistogramAction::SetRange(lo, hi)) => commands.push(match target {
            HistogramTarget::Depth(_) => Command::SetDepthRange(lo, hi),
            HistogramTarget::Solo(_) => Command::SetSoloRange(lo, hi),
        }),
        Some(HistogramAction::SetLogCounts(on)) => {
            commands.push(Command::SetHistogramLogCounts(on));
        }
        None => {}
    }
}

pub(super) fn welcome(
    ui: &mut egui::Ui,
    state: &ViewerState,
    worker: &Worker,
    commands: &mut Vec<Command>,
) {
    let rect = ui.available_rect_before_wrap();
    if let Some(load) = &worker.load {
        // Opening a file: say only that, not "drop files here" with buttons under it.
        loading_card(ui, rect, &load.source.label(), load.fraction);
        return;
    }
    let zone = rect.shrink(rect.size().min_elem().min(80.0) * 0.5);
    // An outline only: a fill would shade the whole window once more per frame (see backdrop).
    ui.painter().rect_stroke(
        zone,
        12.0,
        egui::Stroke::new(2.0, Color32::from_gray(80)),
        egui::StrokeKind::Inside,
    );
    let inner =
        egui::Rect::from_center_size(zone.center(), egui::vec2(zone.width().min(520.0), 300.0));
    ui.scope_builder(egui::UiBuilder::new().max_rect(inner), |ui| {
        ui.vertical_centered(|ui| welcome_contents(ui, state, commands));
    });
}

/// What the views' place shows while the first image of a file is decoded: the file, what is
/// happening, and how far it got. Painted only, and still (no animation): on a software
/// rasteriser every extra frame takes CPU from the decode it reports on.
fn loading_card(ui: &egui::Ui, rect: egui::Rect, file: &str, fraction: f64) {
    let fraction = fraction.clamp(0.0, 1.0) as f32;
    let painter = ui.painter();
    let center = rect.center();
    painter.text(
        center - egui::vec2(0.0, 22.0),
        egui::Align2::CENTER_BOTTOM,
        format!("Opening {file}"),
        egui::FontId::proportional(18.0),
        ui.visuals().strong_text_color(),
    );
    painter.text(
        center - egui::vec2(0.0, 4.0),
        egui::Align2::CENTER_BOTTOM,
        format!("decoding… {:.0} %", fraction * 100.0),
        egui::FontId::proportional(14.0),
        ui.visuals().weak_text_color(),
    );
    let bar = egui::Rect::from_center_size(center + egui::vec2(0.0, 10.0), egui::vec2(320.0, 6.0));
    painter.rect_filled(bar, 3.0, Color32::from_gray(60));
    let done = egui::Rect::from_min_size(bar.min, egui::vec2(bar.width() * fraction, bar.height()));
    painter.rect_filled(done, 3.0, ui.visuals().selection.bg_fill);
}

/// In place of the views when the current file could not be loaded: which file, why, and how to
/// go on (never the previous file's pixels).
pub(super) fn failure_card(ui: &mut egui::Ui, file: &str, message: &str) {
    let rect = ui.available_rect_before_wrap();
    let card = egui::Rect::from_center_size(
        rect.center(),
        egui::vec2(rect.width().min(620.0) - 24.0, 150.0),
    );
    ui.painter().rect(
        card,
        8.0,
        Color32::from_rgb(60, 24, 24),
        egui::Stroke::new(1.0, Color32::from_rgb(150, 60, 60)),
        egui::StrokeKind::Inside,
    );
    ui.scope_builder(egui::UiBuilder::new().max_rect(card.shrink(16.0)), |ui| {
        ui.vertical_centered(|ui| {
            ui.label(
                RichText::new(format!("Cannot open {file}"))
                    .size(18.0)
                    .strong()
                    .color(Color32::WHITE),
            );
            ui.add_space(8.0);
            ui.label(RichText::new(message).color(Color32::from_gray(230)));
            ui.add_space(8.0);
            ui.label(
                RichText::new("Up/Down step to another file; F5 tries this one again.").weak(),
            );
        });
    });
}

fn welcome_contents(ui: &mut egui::Ui, state: &ViewerState, commands: &mut Vec<Command>) {
    ui.heading(RichText::new("exrprobe").size(28.0).strong());
    ui.label("Inspect OpenEXR renders: RGB, depth, diagnostics, .npy export");
    ui.add_space(18.0);
    ui.label(RichText::new("Drop .exr files or a render folder here").size(18.0));
    ui.label(
        RichText::new("frames are grouped into sequences and checked in the background").weak(),
    );
    ui.add_space(12.0);
    let open = Action::Open;
    if ui
        .add(
            egui::Button::new(RichText::new(open.spec().label).size(16.0))
                .min_size(egui::vec2(160.0, 32.0)),
        )
        .on_hover_text(open.tooltip())
        .clicked()
    {
        commands.push(open.command());
    }
    ui.add_space(6.0);
    let examples = crate::examples::examples();
    if examples.is_empty() {
        ui.add_enabled(false, egui::Button::new("Open example render"))
            .on_disabled_hover_text("No examples are built into this binary");
    }
    for (i, example) in examples.iter().enumerate() {
        let label = if i == 0 {
            "Open example render".to_owned()
        } else {
            format!("Open example: {}", example.name)
        };
        if ui
            .add(egui::Button::new(label).min_size(egui::vec2(160.0, 26.0)))
            .on_hover_text(format!("{} — {}", example.name, example.description))
            .clicked()
        {
            commands.push(Command::OpenExample(i));
        }
    }
    if !state.recent().is_empty() {
        ui.add_space(12.0);
        ui.label(RichText::new("Recent").weak());
        for path in state.recent().iter().take(5) {
            recent_entry(ui, path, true, commands);
        }
    }
}

/// The info, shortcuts and about windows; returns which the user closed.
pub(super) fn windows(ctx: &egui::Context, state: &ViewerState) -> Option<Command> {
    let panels = state.panels();
    let centered = |title: &str| {
        egui::Window::new(title.to_owned())
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
    };
    let mut info = panels.info;
    if let Some(doc) = state.document() {
        centered("File info")
            .open(&mut info)
            .default_size([560.0, 480.0])
            .vscroll(true)
            .show(ctx, |ui| info_ui(ui, &doc.image));
    }
    let mut shortcuts = panels.shortcuts;
    centered("Keyboard shortcuts")
        .open(&mut shortcuts)
        .resizable(false)
        .show(ctx, shortcuts_ui);
    let mut about = panels.about;
    centered("About exrprobe")
        .open(&mut about)
        .resizable(false)
        .collapsible(false)
        .show(ctx, |ui| {
            ui.heading(format!("exrprobe {}", env!("CARGO_PKG_VERSION")));
            ui.label(env!("CARGO_PKG_DESCRIPTION"));
            ui.label("Licensed under MIT or Apache-2.0.");
        });
    let closed = (
        panels.info && !info,
        panels.shortcuts && !shortcuts,
        panels.about && !about,
    );
    (closed != (false, false, false)).then_some(Command::CloseWindows {
        info: closed.0,
        shortcuts: closed.1,
        about: closed.2,
    })
}

/// Paints the overlay while files are dragged over the window and turns dropped files into an
/// `Open` command; one file dropped with Shift held onto an open document (`has_doc`) becomes
/// the reference instead.
pub(super) fn drag_and_drop(ctx: &egui::Context, has_doc: bool) -> Option<Command> {
    let shift = ctx.input(|i| i.modifiers.shift);
    let (hovered, dropped) = ctx.input(|i| {
        (
            i.raw.hovered_files.len(),
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect::<Vec<_>>(),
        )
    });
    if hovered > 0 {
        let screen = ctx.content_rect();
        let painter = ctx.layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("exrprobe_drop_overlay"),
        ));
        painter.rect_filled(screen, 0.0, Color32::from_black_alpha(190));
        painter.rect_stroke(
            screen.shrink(24.0),
            16.0,
            egui::Stroke::new(3.0, Color32::from_rgb(90, 170, 255)),
            egui::StrokeKind::Inside,
        );
        painter.text(
            screen.center(),
            egui::Align2::CENTER_CENTER,
            if shift && hovered == 1 && has_doc {
                "Drop to compare with this file (reference B)".to_owned()
            } else if hovered == 1 {
                "Drop to open this file".to_owned()
            } else {
                format!("Drop to open these {hovered} files as a sequence")
            },
            egui::FontId::proportional(26.0),
            Color32::WHITE,
        );
        if hovered == 1 && has_doc && !shift {
            painter.text(
                screen.center() + egui::vec2(0.0, 34.0),
                egui::Align2::CENTER_CENTER,
                "Hold Shift to compare with it instead",
                egui::FontId::proportional(16.0),
                Color32::from_gray(200),
            );
        }
    }
    match dropped.as_slice() {
        [] => None,
        // Shift+drop of one file onto an open document: compare with it.
        [one] if shift && has_doc => Some(Command::SetReference(Source::File(one.clone()))),
        _ => Some(Command::Open(dropped)),
    }
}
