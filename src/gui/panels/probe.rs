//! The probe panel: every channel's raw value at one pixel; while comparing, A's, B's (the
//! reference's channel of the same name at the same absolute pixel) and A − B.

use std::fmt::Write as _;

use egui::{Align, Layout, RichText};
use exrprobe_core::model::{Channel, ChannelRef, Image, Part, SampleValue};

/// A probed pixel: `pos_in_data` (column, row) within `part`'s data window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbePos {
    pub part: usize,
    pub col: usize,
    pub row: usize,
}

/// Channels the probe panel highlights: the depth channel and the channels feeding RGB.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeHighlight {
    pub depth: Option<ChannelRef>,
    pub rgb: Vec<ChannelRef>,
    /// The channels not decoded yet are still loading (the shown ones came first): their values
    /// read "loading…", not "n/a".
    pub loading: bool,
}

impl ProbeHighlight {
    /// The highlight from the core's automatic depth and RGB detection (O(channels)).
    pub fn detected(image: &Image) -> Self {
        let depth = exrprobe_core::naming::detect_depth(image).channel();
        let rgb = exrprobe_core::naming::detect_rgb(image)
            .map(|layer| {
                let mut refs = vec![layer.r, layer.g, layer.b];
                refs.extend(layer.a);
                refs
            })
            .unwrap_or_default();
        Self {
            depth,
            rgb,
            loading: false,
        }
    }
}

/// Absolute EXR pixel coordinates of `pos_in_data` in `part`.
fn absolute_xy(part: &Part, pos: ProbePos) -> (i64, i64) {
    (
        i64::from(part.data_window.x) + pos.col as i64,
        i64::from(part.data_window.y) + pos.row as i64,
    )
}

/// The sample of `channel` covering `pos_in_data` (subsampled channels: the sample whose block
/// holds the pixel).
fn channel_value(channel: &Channel, pos: ProbePos) -> Option<SampleValue> {
    let (sx, sy) = channel.sampling;
    channel.value_at(pos.col / sx.max(1), pos.row / sy.max(1))
}

/// The coordinate line shared by the panel and the clipboard text.
fn coordinate_line(image: &Image, part: &Part, pos: ProbePos) -> String {
    let (x, y) = absolute_xy(part, pos);
    let mut line = format!("x={x} y={y}");
    if part.display_window != part.data_window {
        let dx = x - i64::from(part.display_window.x);
        let dy = y - i64::from(part.display_window.y);
        let _ = write!(line, " (display window x={dx} y={dy})");
    }
    if image.is_multi_part() {
        match &part.name {
            Some(name) => {
                let _ = write!(line, " part {} {name}", pos.part);
            }
            None => {
                let _ = write!(line, " part {}", pos.part);
            }
        }
    }
    line
}

fn value_text(value: Option<SampleValue>) -> String {
    match value {
        Some(v) => v.to_string(),
        None => "n/a".to_owned(),
    }
}

/// The value of `channel` of `part` for the panel: "loading…" while its samples are being
/// decoded (`loading`: the image's other channels are), else as [`value_text`].
fn shown_value_text(part: &Part, channel: &Channel, pos: ProbePos, loading: bool) -> String {
    if loading && channel.samples.is_none() && part.pixel_error.is_none() {
        "loading…".to_owned()
    } else {
        value_text(channel_value(channel, pos))
    }
}

/// Text of the probe for the clipboard (Ctrl+C): coordinates and every channel's value.
///
/// The first line holds the absolute pixel coordinates (`x=… y=…`, plus the display-window-relative
/// ones when the windows differ and the part in multi-part files); then one `name<TAB>value` line
/// per channel of that part, values as the shortest text that reads back exactly (`n/a` when not
/// decoded).
///
/// With a `reference`, each line reads `name<TAB>A<TAB>B<TAB>A−B` and a header line names the
/// columns.
pub fn probe_text(image: &Image, reference: Option<&Image>, pos: ProbePos) -> String {
    let Some(part) = image.part(pos.part) else {
        return String::new();
    };
    let mut text = coordinate_line(image, part, pos);
    text.push('\n');
    if reference.is_some() {
        text.push_str("channel\tA\tB\tA-B\n");
    }
    for (index, channel) in part.channels.iter().enumerate() {
        let a = channel_value(channel, pos);
        let _ = write!(text, "{}\t{}", channel.name, value_text(a));
        if let Some(reference) = reference {
            let b = reference_value(image, reference, pos, index);
            let _ = write!(text, "\t{}\t{}", value_text(b), difference_text(a, b));
        }
        text.push('\n');
    }
    text
}

/// B's sample of A's channel `index` (of `pos.part`) at the same absolute pixel: the channel of
/// the same qualified name.
fn reference_value(
    image: &Image,
    reference: &Image,
    pos: ProbePos,
    index: usize,
) -> Option<SampleValue> {
    let part = image.part(pos.part)?;
    let name = image.qualified_name(ChannelRef {
        part: pos.part,
        channel: index,
    })?;
    let (x, y) = absolute_xy(part, pos);
    reference.sample_at_pixel(reference.find_channel(&name)?, x, y)
}

/// A − B, exactly (in f64), or `n/a`.
fn difference_text(a: Option<SampleValue>, b: Option<SampleValue>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => exrprobe_core::text::format_exact(a.to_f64() - b.to_f64()),
        _ => "n/a".to_owned(),
    }
}

/// Draws x, y (data window; display window too when they differ) and every channel's raw value at
/// `pos` with full precision, highlighting the depth channel and the channels feeding RGB as given
/// by `highlight` (the app passes the user's choice). `pinned` tells the panel to say the probe is
/// pinned.
pub fn probe_ui_highlighted(
    ui: &mut egui::Ui,
    image: &Image,
    reference: Option<&Image>,
    pos: Option<ProbePos>,
    pinned: bool,
    highlight: &ProbeHighlight,
) {
    ui.push_id("probe_panel", |ui| {
        ui.horizontal(|ui| {
            ui.heading("Probe");
            if pinned {
                ui.label(
                    RichText::new("PINNED")
                        .strong()
                        .color(ui.visuals().warn_fg_color),
                )
                .on_hover_text(
                    "The probe stays on this pixel. Press Esc to follow the cursor again.",
                );
            }
        });
        let Some(pos) = pos else {
            ui.label(
                RichText::new(
                    "Hover over the image to read every channel at that pixel; click to pin.",
                )
                .weak(),
            );
            return;
        };
        let Some(part) = image.part(pos.part) else {
            ui.label(RichText::new("No such part.").weak());
            return;
        };
        coordinates_ui(ui, image, part, pos);
        ui.separator();
        match reference {
            Some(reference) => compared_values_ui(ui, image, reference, pos, highlight),
            None => channel_values_ui(ui, part, pos, highlight),
        }
    });
}

/// x, y of the probed pixel (and in display-window coordinates, and the part, when they matter).
///
/// Rows of a fixed label width rather than an `egui::Grid`: a grid seen for the first time
/// hides itself for a sizing pass and makes egui run the whole frame again, and this one first
/// appears on the first hover over an image, often while a big render still decodes.
fn coordinates_ui(ui: &mut egui::Ui, image: &Image, part: &Part, pos: ProbePos) {
    let (x, y) = absolute_xy(part, pos);
    let mut rows: Vec<(&str, Option<&str>, String)> = vec![(
        "x, y",
        Some("Absolute EXR pixel coordinates (data window)"),
        format!("{x}, {y}"),
    )];
    if part.display_window != part.data_window {
        let dx = x - i64::from(part.display_window.x);
        let dy = y - i64::from(part.display_window.y);
        rows.push((
            "display x, y",
            Some("Coordinates relative to the display window's top-left corner"),
            format!("{dx}, {dy}"),
        ));
    }
    if image.is_multi_part() {
        let name = part.name.clone().unwrap_or_else(|| pos.part.to_string());
        rows.push(("part", None, name));
    }
    let body = egui::TextStyle::Body.resolve(ui.style());
    let label_width = rows
        .iter()
        .map(|(label, _, _)| {
            ui.fonts_mut(|f| {
                f.layout_no_wrap((*label).to_owned(), body.clone(), egui::Color32::WHITE)
                    .size()
                    .x
            })
        })
        .fold(0.0f32, f32::max)
        + ui.spacing().item_spacing.x;
    let row_height = ui.spacing().interact_size.y;
    for (label, tooltip, value) in rows {
        ui.horizontal(|ui| {
            ui.allocate_ui_with_layout(
                egui::vec2(label_width, row_height),
                Layout::left_to_right(Align::Center),
                |ui| {
                    ui.set_min_width(label_width);
                    let response = ui.label(label);
                    if let Some(tooltip) = tooltip {
                        response.on_hover_text(tooltip);
                    }
                },
            );
            ui.add(egui::Label::new(RichText::new(value).monospace()).selectable(true));
        });
    }
}

/// Every channel's A, B and A − B at `pos`, one row each (B: `n/a` where the reference lacks
/// the channel or the pixel), with the depth and RGB channels highlighted.
fn compared_values_ui(
    ui: &mut egui::Ui,
    image: &Image,
    reference: &Image,
    pos: ProbePos,
    highlight: &ProbeHighlight,
) {
    let Some(part) = image.part(pos.part) else {
        return;
    };
    let strong_color = ui.visuals().strong_text_color();
    // Three value columns need the room long layer names would take: the shared prefix goes
    // above the table.
    let names: Vec<&str> = part.channels.iter().map(|c| c.name.as_str()).collect();
    let prefix = super::shared_prefix_caption(ui, &names);
    egui::Grid::new("probe_compared")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            for title in ["channel", "A", "B", "A − B"] {
                ui.label(RichText::new(title).small().strong());
            }
            ui.end_row();
            for (index, channel) in part.channels.iter().enumerate() {
                let channel_ref = ChannelRef {
                    part: pos.part,
                    channel: index,
                };
                let marked =
                    highlight.depth == Some(channel_ref) || highlight.rgb.contains(&channel_ref);
                let short = channel.name.get(prefix..).unwrap_or(&channel.name);
                let mut name = RichText::new(short).monospace();
                if marked {
                    name = name.strong().color(strong_color);
                }
                ui.label(name).on_hover_text(channel.name.as_str());
                let a = channel_value(channel, pos);
                let b = reference_value(image, reference, pos, index);
                let difference = difference_text(a, b);
                let differs = a.zip(b).is_some_and(|(a, b)| a.to_f64() != b.to_f64());
                let a_text = shown_value_text(part, channel, pos, highlight.loading);
                ui.add(egui::Label::new(RichText::new(a_text).monospace()).selectable(true));
                ui.add(egui::Label::new(RichText::new(value_text(b)).monospace()).selectable(true));
                let mut difference = RichText::new(difference).monospace();
                if differs {
                    difference = difference.color(ui.visuals().warn_fg_color);
                }
                ui.add(egui::Label::new(difference).selectable(true));
                ui.end_row();
            }
        });
}

/// Every channel's raw value at `pos`, one row each, with the depth and RGB channels highlighted.
fn channel_values_ui(ui: &mut egui::Ui, part: &Part, pos: ProbePos, highlight: &ProbeHighlight) {
    let row_height = ui
        .text_style_height(&egui::TextStyle::Monospace)
        .max(ui.spacing().interact_size.y);
    // Column widths in monospace characters: values are usually ≤ 12 characters
    // (`0.031425893`); names get the rest. In a narrow panel the type column goes (the type
    // stays in the name's tooltip) so that names like `ViewLayer.Combined.R` still fit.
    let font_id = egui::TextStyle::Monospace.resolve(ui.style());
    let char_width = ui.fonts_mut(|f| f.glyph_width(&font_id, '0'));
    let char_width = if char_width > 0.0 { char_width } else { 7.0 };
    let spacing = ui.spacing().item_spacing.x;
    let value_width = 12.0 * char_width;
    let type_width = 5.0 * char_width;
    let available = ui.available_width();
    let show_type = available >= 20.0 * char_width + type_width + value_width + 2.0 * spacing;
    let name_width = if show_type {
        available - type_width - value_width - 2.0 * spacing
    } else {
        available - value_width - spacing
    }
    .max(8.0 * char_width);
    let strong_color = ui.visuals().strong_text_color();
    let depth_color = ui.visuals().selection.bg_fill;
    egui::ScrollArea::vertical()
        .id_salt("probe_channels")
        .auto_shrink([false, true])
        .show_rows(ui, row_height, part.channels.len(), |ui, rows| {
            for index in rows {
                let Some(channel) = part.channels.get(index) else {
                    continue;
                };
                let channel_ref = ChannelRef {
                    part: pos.part,
                    channel: index,
                };
                let is_depth = highlight.depth == Some(channel_ref);
                let is_rgb = highlight.rgb.contains(&channel_ref);
                let value = shown_value_text(part, channel, pos, highlight.loading);
                ui.horizontal(|ui| {
                    let mut name = RichText::new(channel.name.as_str()).monospace();
                    if is_depth {
                        name = name
                            .strong()
                            .color(strong_color)
                            .background_color(depth_color);
                    } else if is_rgb {
                        name = name.strong().color(strong_color);
                    }
                    ui.allocate_ui_with_layout(
                        egui::vec2(name_width, row_height),
                        Layout::left_to_right(Align::Center),
                        |ui| {
                            ui.set_min_width(name_width);
                            let role = if is_depth {
                                ", the depth channel"
                            } else if is_rgb {
                                ", feeds the RGB view"
                            } else {
                                ""
                            };
                            let hint = format!("{} ({}{role})", channel.name, channel.sample_type);
                            ui.add(egui::Label::new(name).truncate())
                                .on_hover_text(hint);
                        },
                    );
                    if show_type {
                        ui.allocate_ui_with_layout(
                            egui::vec2(type_width, row_height),
                            Layout::left_to_right(Align::Center),
                            |ui| {
                                ui.set_min_width(type_width);
                                ui.label(
                                    RichText::new(channel.sample_type.name()).weak().monospace(),
                                );
                            },
                        );
                    }
                    let mut value_text = RichText::new(value.as_str()).monospace();
                    if is_depth || is_rgb {
                        value_text = value_text.strong();
                    }
                    ui.add(egui::Label::new(value_text).selectable(true))
                        .on_hover_text("Raw stored value, shortest text that reads back exactly");
                });
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use exrprobe_core::f16;
    use exrprobe_core::model::{Channel, Samples, Storage, Window};

    fn channel(name: &str, samples: Samples) -> Channel {
        Channel {
            name: name.to_owned(),
            sample_type: samples.sample_type(),
            sampling: (1, 1),
            quantize_linearly: false,
            width: 2,
            height: 2,
            samples: Some(samples),
        }
    }

    fn image(data_window: Window, display_window: Window) -> Image {
        let part = Part {
            name: None,
            data_window,
            display_window,
            pixel_aspect: 1.0,
            compression: "none".into(),
            line_order: "increasing Y".into(),
            storage: Storage::ScanLines,
            deep: false,
            attributes: vec![],
            channels: vec![
                channel(
                    "B",
                    Samples::F16(vec![
                        f16::from_f32(0.0),
                        f16::from_f32(0.1),
                        f16::from_f32(1000.5),
                        f16::from_bits(0x0001),
                    ]),
                ),
                channel("Z", Samples::F32(vec![1.0, 0.1, 7.212_733, 1e10])),
                channel("id", Samples::U32(vec![0, 1, 2, 4_294_967_295])),
                Channel {
                    samples: None,
                    ..channel("late", Samples::F32(vec![]))
                },
            ],
            pixel_error: None,
            pixels_damaged: false,
            missing_level_blocks: 0,
        };
        Image {
            source: "test".into(),
            parts: vec![part],
        }
    }

    const WINDOW: Window = Window {
        x: 0,
        y: 0,
        width: 2,
        height: 2,
    };

    #[test]
    fn probe_text_lists_exact_values() {
        let img = image(WINDOW, WINDOW);
        let text = probe_text(
            &img,
            None,
            ProbePos {
                part: 0,
                col: 1,
                row: 0,
            },
        );
        // half 0.1 is stored as 0.0999755859375; its shortest round-trip text as f32 names it
        // exactly.
        let half_tenth = f16::from_f32(0.1).to_f32();
        assert_eq!(half_tenth.to_string(), "0.099975586");
        assert_eq!(text, "x=1 y=0\nB\t0.099975586\nZ\t0.1\nid\t1\nlate\tn/a\n");
    }

    #[test]
    fn probe_text_uses_absolute_and_display_coordinates() {
        let data = Window {
            x: 10,
            y: -5,
            width: 2,
            height: 2,
        };
        let display = Window {
            x: 4,
            y: -10,
            width: 20,
            height: 20,
        };
        let img = image(data, display);
        let text = probe_text(
            &img,
            None,
            ProbePos {
                part: 0,
                col: 1,
                row: 1,
            },
        );
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("x=11 y=-4 (display window x=7 y=6)"));
        assert_eq!(lines.next(), Some("B\t5.9604645e-8"));
        assert_eq!(lines.next(), Some("Z\t1e10"));
        assert_eq!(lines.next(), Some("id\t4294967295"));
        // The printed half reads back to the exact stored value.
        let printed: f32 = "0.000000059604645".parse().unwrap_or(f32::NAN);
        assert_eq!(f16::from_f32(printed).to_bits(), 0x0001);
    }

    #[test]
    fn probe_text_of_missing_part_is_empty() {
        let img = image(WINDOW, WINDOW);
        assert_eq!(
            probe_text(
                &img,
                None,
                ProbePos {
                    part: 3,
                    col: 0,
                    row: 0
                }
            ),
            ""
        );
    }
}
