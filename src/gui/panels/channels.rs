//! The channel tree: part › layer › pass › channel, with type, min/max and NaN/Inf/constant badges.
//!
//! The tree is rebuilt from the channel names every frame (O(channels), no pixel work) and drawn as
//! a flat list of rows in a `ScrollArea::show_rows`, so files with thousands of channels stay fast:
//! only the visible rows are laid out.

use std::collections::{BTreeMap, BTreeSet};

use egui::{Color32, RichText};
use exrprobe_core::Analysis;
use exrprobe_core::model::{Channel, ChannelRef, Image};
use exrprobe_core::naming::split_name;
use exrprobe_core::stats::ChannelStats;

use super::super::state::channel_loading;
use exrprobe_core::text::{format_compact, format_count, format_exact};

/// What the channel tree currently shows as selected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChannelSelection {
    /// Index into `Analysis::rgb_layers` feeding the RGB view.
    pub rgb_layer: Option<usize>,
    /// Channel shown in the depth view.
    pub depth: Option<ChannelRef>,
    /// A channel viewed on its own (replaces the RGB view with that channel as grey), if any.
    pub solo: Option<ChannelRef>,
}

/// What the user asked for in the channel tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelAction {
    SetRgbLayer(usize),
    SetDepth(ChannelRef),
    /// View one channel on its own; `None` goes back to the RGB layer.
    Solo(Option<ChannelRef>),
    /// Export this channel as .npy (the app asks where).
    Export(ChannelRef),
}

/// Keys of the collapsed groups, kept in egui's memory.
#[derive(Clone, Debug, Default)]
struct Collapsed(BTreeSet<String>);

/// A group of the tree: its sub-groups by token and its channels (indices into the part).
#[derive(Default)]
struct Node<'a> {
    groups: BTreeMap<&'a str, Node<'a>>,
    channels: Vec<usize>,
}

impl Node<'_> {
    fn channel_count(&self) -> usize {
        self.channels.len() + self.groups.values().map(Node::channel_count).sum::<usize>()
    }
}

/// One line of the flattened tree (owned, so that the rows can be kept from frame to frame).
#[derive(Clone)]
enum Row {
    Group {
        key: String,
        label: String,
        indent: usize,
        collapsed: bool,
        channel_count: usize,
        /// The colour layer this group is, if any (index into `Analysis::rgb_layers`).
        rgb_layer: Option<usize>,
    },
    Channel {
        channel_ref: ChannelRef,
        label: String,
        indent: usize,
    },
}

/// The rows of the last tree built, kept in egui's memory: rebuilding the tree of a file with
/// 20 000 channels took 30 ms a frame. Rebuilt when the document or the collapsed groups change.
#[derive(Clone)]
struct TreeCache {
    generation: u64,
    collapsed: BTreeSet<String>,
    rows: std::sync::Arc<Vec<Row>>,
}

/// Display order of components inside a group: R G B A, then X Y Z W, then file order.
fn component_rank(component: &str) -> u8 {
    match component.to_ascii_lowercase().as_str() {
        "r" => 0,
        "g" => 1,
        "b" => 2,
        "a" => 3,
        "x" | "u" => 4,
        "y" | "v" => 5,
        "z" => 6,
        "w" => 7,
        _ => 8,
    }
}

/// What `flatten` needs besides the node: the part and how the tree is shown.
struct FlattenContext<'a, 'c> {
    part_index: usize,
    channels: &'a [Channel],
    collapsed: &'c BTreeSet<String>,
    rgb_prefixes: &'c BTreeMap<(usize, &'c str), usize>,
}

fn flatten<'a>(
    node: &Node<'a>,
    context: &FlattenContext<'a, '_>,
    key: &str,
    indent: usize,
    rows: &mut Vec<Row>,
) {
    let part_index = context.part_index;
    let channels = context.channels;
    let mut leaves: Vec<usize> = node.channels.clone();
    leaves.sort_by_key(|&i| {
        let rank = channels
            .get(i)
            .map_or(8, |c| component_rank(split_name(&c.name).component));
        (rank, i)
    });
    for index in leaves {
        if let Some(channel) = channels.get(index) {
            rows.push(Row::Channel {
                channel_ref: ChannelRef {
                    part: part_index,
                    channel: index,
                },
                label: split_name(&channel.name).component.to_owned(),
                indent,
            });
        }
    }
    for (token, child) in &node.groups {
        // `key` is "p<part>" or "p<part>/<prefix>"; the prefix is the OpenEXR layer name.
        let prefix = match key.split_once('/') {
            Some((_, prefix)) => format!("{prefix}.{token}"),
            None => (*token).to_owned(),
        };
        let child_key = format!("p{part_index}/{prefix}");
        let is_collapsed = context.collapsed.contains(&child_key);
        rows.push(Row::Group {
            key: child_key.clone(),
            label: (*token).to_owned(),
            indent,
            collapsed: is_collapsed,
            channel_count: child.channel_count(),
            rgb_layer: context
                .rgb_prefixes
                .get(&(part_index, prefix.as_str()))
                .copied(),
        });
        if !is_collapsed {
            flatten(child, context, &child_key, indent + 1, rows);
        }
    }
}

fn build_rows(image: &Image, analysis: &Analysis, collapsed: &BTreeSet<String>) -> Vec<Row> {
    let rgb_prefixes: BTreeMap<(usize, &str), usize> = analysis
        .rgb_layers
        .iter()
        .enumerate()
        .filter_map(|(i, layer)| Some(((layer.part, layer.prefix.as_deref()?), i)))
        .collect();
    let mut rows = Vec::new();
    let multi_part = image.is_multi_part();
    for (part_index, part) in image.parts.iter().enumerate() {
        let mut root = Node::default();
        for (index, channel) in part.channels.iter().enumerate() {
            let mut node = &mut root;
            if let Some(prefix) = split_name(&channel.name).prefix {
                for token in prefix.split('.') {
                    node = node.groups.entry(token).or_default();
                }
            }
            node.channels.push(index);
        }
        let key = format!("p{part_index}");
        let mut indent = 0;
        if multi_part {
            let is_collapsed = collapsed.contains(&key);
            let label = match &part.name {
                Some(name) => format!("Part {part_index}: {name}"),
                None => format!("Part {part_index}"),
            };
            rows.push(Row::Group {
                key: key.clone(),
                label,
                indent: 0,
                collapsed: is_collapsed,
                channel_count: part.channels.len(),
                rgb_layer: None,
            });
            if is_collapsed {
                continue;
            }
            indent = 1;
        }
        let context = FlattenContext {
            part_index,
            channels: &part.channels,
            collapsed,
            rgb_prefixes: &rgb_prefixes,
        };
        flatten(&root, &context, &key, indent, &mut rows);
    }
    rows
}

struct Palette {
    error: Color32,
    warn: Color32,
    info: Color32,
    depth_bg: Color32,
    depth_fg: Color32,
}

impl Palette {
    fn new(visuals: &egui::Visuals) -> Self {
        if visuals.dark_mode {
            Self {
                error: Color32::from_rgb(255, 120, 110),
                warn: Color32::from_rgb(255, 190, 70),
                info: Color32::from_rgb(120, 180, 255),
                depth_bg: Color32::from_rgb(40, 110, 70),
                depth_fg: Color32::WHITE,
            }
        } else {
            Self {
                error: Color32::from_rgb(180, 20, 20),
                warn: Color32::from_rgb(150, 85, 0),
                info: Color32::from_rgb(20, 80, 180),
                depth_bg: Color32::from_rgb(190, 235, 200),
                depth_fg: Color32::from_rgb(0, 60, 20),
            }
        }
    }
}

/// Draws the tree of the document of `generation` (the rows are rebuilt only when it or the
/// collapsed groups change). Returns the action the user took this frame, if any.
pub fn channels_ui(
    ui: &mut egui::Ui,
    image: &Image,
    analysis: &Analysis,
    generation: u64,
    selection: &ChannelSelection,
) -> Option<ChannelAction> {
    let mut action = None;
    ui.push_id("channel_tree", |ui| {
        let palette = Palette::new(ui.visuals());
        summary_ui(ui, image, analysis, selection, &mut action);
        ui.separator();

        let collapsed_id = ui.scope_id().with("collapsed");
        let collapsed = ui.data_mut(|d| d.get_temp::<Collapsed>(collapsed_id).unwrap_or_default());
        let cache_id = ui.scope_id().with("rows");
        let cached = ui
            .data(|d| d.get_temp::<TreeCache>(cache_id))
            .filter(|cache| cache.generation == generation && cache.collapsed == collapsed.0);
        let rows = match cached {
            Some(cache) => cache.rows,
            None => {
                let rows = std::sync::Arc::new(build_rows(image, analysis, &collapsed.0));
                let cache = TreeCache {
                    generation,
                    collapsed: collapsed.0.clone(),
                    rows: std::sync::Arc::clone(&rows),
                };
                ui.data_mut(|d| d.insert_temp(cache_id, cache));
                rows
            }
        };
        let mut toggle: Option<String> = None;
        let row_height = ui.spacing().interact_size.y;
        // Bound the list to what is visible even when the caller put us inside another scroll
        // area (whose height is unbounded), so that only the visible rows are laid out.
        let visible_height = (ui.clip_rect().bottom() - ui.cursor().top())
            .min(ui.available_height())
            .max(4.0 * row_height);
        egui::ScrollArea::both()
            .id_salt("channel_rows")
            .auto_shrink([false, false])
            .max_height(visible_height)
            .show_rows(ui, row_height, rows.len(), |ui, visible| {
                for row in rows.get(visible).unwrap_or_default() {
                    match row {
                        Row::Group {
                            key,
                            label,
                            indent,
                            collapsed,
                            channel_count,
                            rgb_layer,
                        } => {
                            let clicked = group_row_ui(
                                ui,
                                label,
                                *indent,
                                *collapsed,
                                *channel_count,
                                *rgb_layer,
                                selection,
                                &mut action,
                            );
                            if clicked {
                                toggle = Some(key.clone());
                            }
                        }
                        Row::Channel {
                            channel_ref,
                            label,
                            indent,
                        } => {
                            let Some(channel) = image.channel(*channel_ref) else {
                                continue;
                            };
                            if let Some(a) = channel_row_ui(
                                ui,
                                image,
                                analysis,
                                selection,
                                &palette,
                                *channel_ref,
                                channel,
                                label,
                                *indent,
                            ) {
                                action = Some(a);
                            }
                        }
                    }
                }
            });
        if let Some(key) = toggle {
            let mut collapsed = collapsed;
            if !collapsed.0.remove(&key) {
                collapsed.0.insert(key);
            }
            ui.data_mut(|d| d.insert_temp(collapsed_id, collapsed));
        }
    });
    action
}

/// The colour-layer radios, the current depth channel and the way back from a solo view.
fn summary_ui(
    ui: &mut egui::Ui,
    image: &Image,
    analysis: &Analysis,
    selection: &ChannelSelection,
    action: &mut Option<ChannelAction>,
) {
    ui.label(RichText::new("Colour layer").strong())
        .on_hover_text("Which channels feed the RGB view");
    if analysis.rgb_layers.is_empty() {
        ui.label(RichText::new("no R, G, B (or Y) channels found").weak());
    }
    for (index, layer) in analysis.rgb_layers.iter().enumerate() {
        let checked = selection.rgb_layer == Some(index) && selection.solo.is_none();
        let mut hint = format!(
            "Show {} in the RGB view.\nFound by: {}",
            layer.label(image),
            layer.rule
        );
        if index == 0 {
            hint.push_str("\n(best match, chosen by default)");
        }
        if ui
            .radio(checked, layer.label(image))
            .on_hover_text(hint)
            .clicked()
        {
            *action = Some(ChannelAction::SetRgbLayer(index));
        }
    }
    if let Some(solo) = selection.solo {
        ui.horizontal(|ui| {
            let name = image.qualified_name(solo).unwrap_or_default();
            ui.label(format!("Viewing {name} alone"));
            if ui
                .small_button("Back to RGB")
                .on_hover_text("Show the colour layer again instead of the single channel")
                .clicked()
            {
                *action = Some(ChannelAction::Solo(None));
            }
        });
    }
    ui.horizontal(|ui| {
        ui.label(RichText::new("Depth:").strong());
        match selection.depth {
            Some(depth) => {
                let name = image.qualified_name(depth).unwrap_or_default();
                let hint = match &analysis.depth.chosen {
                    Some(chosen) if chosen.channel == depth => {
                        format!("Detected automatically.\nRule: {}", chosen.rule)
                    }
                    _ => "Chosen by you (right-click a channel > Use as depth)".to_owned(),
                };
                ui.label(RichText::new(name).monospace())
                    .on_hover_text(hint);
            }
            None => {
                let mut hint =
                    "No depth channel. Right-click any channel > Use as depth.".to_owned();
                for rejected in &analysis.depth.rejected {
                    hint.push('\n');
                    hint.push_str(&rejected.reason);
                }
                ui.label(RichText::new("none").weak()).on_hover_text(hint);
            }
        }
    });
}

#[expect(
    clippy::too_many_arguments,
    reason = "one row's data, drawn in one place"
)]
fn group_row_ui(
    ui: &mut egui::Ui,
    label: &str,
    indent: usize,
    collapsed: bool,
    channel_count: usize,
    rgb_layer: Option<usize>,
    selection: &ChannelSelection,
    action: &mut Option<ChannelAction>,
) -> bool {
    let mut clicked = false;
    ui.horizontal(|ui| {
        ui.add_space(indent as f32 * ui.spacing().indent);
        let size = egui::vec2(
            ui.spacing().icon_width * 0.8,
            ui.spacing().interact_size.y * 0.8,
        );
        let (_, icon_response) = ui.allocate_exact_size(size, egui::Sense::click());
        let icon_response =
            icon_response.on_hover_text(if collapsed { "Expand" } else { "Collapse" });
        egui::collapsing_header::paint_default_icon(
            ui,
            if collapsed { 0.0 } else { 1.0 },
            &icon_response,
        );
        let text = RichText::new(label).strong();
        clicked = icon_response.clicked();
        clicked |= ui
            .add(egui::Button::new(text).frame(false))
            .on_hover_text(if collapsed {
                format!("Expand {label} ({channel_count} channels)")
            } else {
                format!("Collapse {label} ({channel_count} channels)")
            })
            .clicked();
        ui.label(RichText::new(format!("{channel_count}")).weak().small());
        if let Some(layer) = rgb_layer {
            let checked = selection.rgb_layer == Some(layer) && selection.solo.is_none();
            if ui
                .radio(checked, "RGB")
                .on_hover_text(format!("Show {label} in the RGB view"))
                .clicked()
            {
                *action = Some(ChannelAction::SetRgbLayer(layer));
            }
        }
    });
    clicked
}

/// One item after a channel's name: a marker, the type, the range or a badge.
struct Trailing {
    text: RichText,
    hint: String,
    /// What goes first when the row is too wide: 0 (the type) … 5 (the depth marker); items of
    /// priority 4 and above (NaN, Inf, constant, not decoded, depth) always stay.
    priority: u8,
}

fn badge(text: String, color: Color32, hint: String, priority: u8) -> Trailing {
    Trailing {
        text: RichText::new(text).small().strong().color(color),
        hint,
        priority,
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one row's data, drawn in one place"
)]
fn channel_row_ui(
    ui: &mut egui::Ui,
    image: &Image,
    analysis: &Analysis,
    selection: &ChannelSelection,
    palette: &Palette,
    channel_ref: ChannelRef,
    channel: &Channel,
    label: &str,
    indent: usize,
) -> Option<ChannelAction> {
    let mut action = None;
    let qualified = image
        .qualified_name(channel_ref)
        .unwrap_or_else(|| channel.name.clone());
    let stats = analysis.stats.get(&channel_ref);
    let is_depth = selection.depth == Some(channel_ref);
    let is_solo = selection.solo == Some(channel_ref);
    let pixels = if channel.samples.is_some() {
        Pixels::Decoded
    } else if channel_loading(image, analysis, channel_ref) {
        Pixels::Loading
    } else {
        Pixels::Missing
    };
    ui.horizontal(|ui| {
        ui.add_space(indent as f32 * ui.spacing().indent + 4.0);
        // The row's name: click views the channel alone; right-click for more.
        let mut name = RichText::new(label).monospace();
        if is_depth {
            name = name.strong();
        }
        let response = ui.selectable_label(is_solo, name);
        response.widget_info(|| {
            egui::WidgetInfo::selected(egui::Role::Button, true, is_solo, &qualified)
        });
        let mut hint = format!(
            "{qualified}\n{} samples, {} × {}",
            channel.sample_type, channel.width, channel.height
        );
        if channel.sampling != (1, 1) {
            hint.push_str(&format!(
                " (subsampled {} × {})",
                channel.sampling.0, channel.sampling.1
            ));
        }
        hint.push_str(if is_solo {
            "\nClick: back to the colour layer. Right-click: more."
        } else {
            "\nClick: view this channel alone. Right-click: use as depth, export."
        });

        // What follows the name, in screen order; `priority` decides what goes first when the
        // row is too wide for the panel (lowest first; what is dropped moves to the tooltip).
        let mut items: Vec<Trailing> = Vec::new();
        items.extend(depth_item(analysis, palette, channel_ref, is_depth));
        items.push(type_item(channel));
        items.extend(pixel_items(image, palette, channel_ref, stats, pixels));
        let hidden = fit_items(ui, &mut items);
        if !hidden.is_empty() {
            hint.push_str(&format!(
                "\nNot shown for lack of width (widen the panel): {}",
                hidden.join(", ")
            ));
        }
        let response = response.on_hover_text(hint);
        if response.clicked() {
            action = Some(ChannelAction::Solo(if is_solo {
                None
            } else {
                Some(channel_ref)
            }));
        }
        response.context_menu(|ui| {
            if let Some(a) = channel_menu_ui(ui, channel_ref, is_solo, is_depth, pixels) {
                action = Some(a);
            }
        });
        for item in items {
            ui.label(item.text).on_hover_text(item.hint);
        }
    });
    action
}

/// The depth marker of a row: the depth channel, the detected one, another candidate, or a
/// channel ruled out.
fn depth_item(
    analysis: &Analysis,
    palette: &Palette,
    channel_ref: ChannelRef,
    is_depth: bool,
) -> Option<Trailing> {
    let detection = &analysis.depth;
    if is_depth {
        let hint = match &detection.chosen {
            Some(chosen) if chosen.channel == channel_ref => {
                format!(
                    "Depth channel, detected automatically.\nRule: {}",
                    chosen.rule
                )
            }
            _ => "Depth channel, chosen by you.".to_owned(),
        };
        Some(Trailing {
            text: RichText::new(" depth ")
                .small()
                .strong()
                .color(palette.depth_fg)
                .background_color(palette.depth_bg),
            hint,
            priority: 5,
        })
    } else if let Some(chosen) = detection
        .chosen
        .as_ref()
        .filter(|c| c.channel == channel_ref)
    {
        Some(Trailing {
            text: RichText::new("detected depth").small().weak(),
            hint: format!(
                "Detected as depth by the rule: {}\nRight-click > Use as depth to show it.",
                chosen.rule
            ),
            priority: 2,
        })
    } else if let Some(other) = detection.others.iter().find(|c| c.channel == channel_ref) {
        Some(Trailing {
            text: RichText::new("depth?").small().weak(),
            hint: format!(
                "Also looks like depth: {}\nRight-click > Use as depth to show it.",
                other.rule
            ),
            priority: 1,
        })
    } else {
        detection
            .rejected
            .iter()
            .find(|r| r.channel == channel_ref)
            .map(|rejected| Trailing {
                text: RichText::new("not depth").small().weak(),
                hint: format!("Not used as depth: {}", rejected.reason),
                priority: 1,
            })
    }
}

/// The sample type of a row.
fn type_item(channel: &Channel) -> Trailing {
    Trailing {
        text: RichText::new(channel.sample_type.name())
            .small()
            .monospace()
            .weak(),
        hint: match channel.sample_type {
            exrprobe_core::model::SampleType::Half => "16-bit float (half): max 65504, ~3 digits",
            exrprobe_core::model::SampleType::Float => "32-bit float: ~7 digits",
            exrprobe_core::model::SampleType::Uint => "32-bit unsigned integer (IDs, masks)",
        }
        .to_owned(),
        priority: 0,
    }
}

/// Whether a channel's pixels are there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pixels {
    Decoded,
    /// Being decoded after the shown channels (see `state::channel_loading`).
    Loading,
    /// Not decoded: the part's `pixel_error` says why.
    Missing,
}

/// The badges of a row's pixels: loading, not decoded, NaN, Inf, constant or the range,
/// background.
fn pixel_items(
    image: &Image,
    palette: &Palette,
    channel_ref: ChannelRef,
    stats: Option<&ChannelStats>,
    pixels: Pixels,
) -> Vec<Trailing> {
    let mut items = Vec::new();
    if pixels == Pixels::Loading {
        items.push(badge(
            "loading…".to_owned(),
            palette.info,
            "Being decoded: the channels the views show were decoded first, the others follow."
                .to_owned(),
            4,
        ));
    } else if pixels == Pixels::Missing {
        let reason = image
            .part(channel_ref.part)
            .and_then(|p| p.pixel_error.clone())
            .unwrap_or_else(|| "The pixels of this channel were not decoded.".to_owned());
        items.push(badge("not decoded".to_owned(), palette.warn, reason, 4));
    } else if let Some(stats) = stats {
        if stats.nan > 0 {
            items.push(badge(
                format!("NaN {}", format_count(stats.nan as u64)),
                palette.error,
                format!(
                    "{} samples are NaN (not a number)",
                    format_count(stats.nan as u64)
                ),
                4,
            ));
        }
        let inf = stats.pos_inf + stats.neg_inf;
        if inf > 0 {
            items.push(badge(
                format!("Inf {}", format_count(inf as u64)),
                palette.error,
                format!(
                    "{} samples are +Inf, {} are -Inf",
                    format_count(stats.pos_inf as u64),
                    format_count(stats.neg_inf as u64)
                ),
                4,
            ));
        }
        match stats.constant {
            Some(value) => items.push(badge(
                format!("constant {}", format_compact(value)),
                palette.warn,
                format!(
                    "Every one of the {} samples is {}",
                    format_count(stats.count as u64),
                    format_exact(value)
                ),
                4,
            )),
            None => {
                if let (Some(min), Some(max)) = (stats.min, stats.max) {
                    items.push(Trailing {
                        text: RichText::new(format!(
                            "{} … {}",
                            format_compact(min),
                            format_compact(max)
                        ))
                        .small()
                        .monospace(),
                        hint: format!(
                            "min {}\nmax {}\nmean {}\n(finite samples, background sentinels \
                             included)",
                            format_exact(min),
                            format_exact(max),
                            stats.mean.map(format_exact).unwrap_or_default()
                        ),
                        priority: 2,
                    });
                }
            }
        }
        if stats.sentinel > 0 && stats.constant.is_none() {
            items.push(badge(
                format!("bg {}", format_count(stats.sentinel as u64)),
                palette.info,
                format!(
                    "{} background samples (≥ 1e9, e.g. Cycles writes 1e10 where a ray hit \
                     nothing)",
                    format_count(stats.sentinel as u64)
                ),
                3,
            ));
        }
    }
    items
}

/// Drops the least important items until the row fits the visible width of the panel (the list
/// may scroll sideways, but a badge cut off at the edge is easy to miss); returns the texts of
/// the dropped ones.
fn fit_items(ui: &egui::Ui, items: &mut Vec<Trailing>) -> Vec<String> {
    let visible_width = ui.clip_rect().right() - ui.cursor().left();
    let spacing = ui.spacing().item_spacing.x;
    let mut widths: Vec<f32> = items
        .iter()
        .map(|item| {
            egui::WidgetText::from(item.text.clone())
                .into_galley(
                    ui,
                    Some(egui::TextWrapMode::Extend),
                    f32::INFINITY,
                    egui::TextStyle::Body,
                )
                .size()
                .x
                + spacing
        })
        .collect();
    let mut hidden: Vec<String> = Vec::new();
    while widths.iter().sum::<f32>() > visible_width {
        let Some(drop) = items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.priority < 4)
            .min_by_key(|(i, item)| (item.priority, usize::MAX - i))
            .map(|(i, _)| i)
        else {
            break;
        };
        let item = items.remove(drop);
        widths.remove(drop);
        hidden.push(item.text.text().trim().to_owned());
    }
    hidden
}

/// The actions for one channel, shared by its context menu.
fn channel_menu_ui(
    ui: &mut egui::Ui,
    channel_ref: ChannelRef,
    is_solo: bool,
    is_depth: bool,
    pixels: Pixels,
) -> Option<ChannelAction> {
    let mut action = None;
    if is_solo {
        if ui
            .button("Back to RGB")
            .on_hover_text("Show the colour layer again")
            .clicked()
        {
            action = Some(ChannelAction::Solo(None));
            ui.close();
        }
    } else if ui
        .button("View alone")
        .on_hover_text("Show only this channel, as grey, in the RGB view")
        .clicked()
    {
        action = Some(ChannelAction::Solo(Some(channel_ref)));
        ui.close();
    }
    if ui
        .add_enabled(!is_depth, egui::Button::new("Use as depth"))
        .on_hover_text("Show this channel in the depth view")
        .on_disabled_hover_text("This channel is already the depth channel")
        .clicked()
    {
        action = Some(ChannelAction::SetDepth(channel_ref));
        ui.close();
    }
    if ui
        .add_enabled(
            pixels == Pixels::Decoded,
            egui::Button::new("Export as .npy…"),
        )
        .on_hover_text("Write this channel's samples to a NumPy .npy file")
        .on_disabled_hover_text(if pixels == Pixels::Loading {
            "This channel is still loading"
        } else {
            "The pixels of this channel were not decoded"
        })
        .clicked()
    {
        action = Some(ChannelAction::Export(channel_ref));
        ui.close();
    }
    action
}
