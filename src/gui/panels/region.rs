//! The region panel (the selected rectangle, editable; every channel's statistics over it;
//! copy as text or as a NumPy slice; export a channel's region as `.npy`) and the pins table
//! (every channel's value at each pinned pixel, with a remove button per pin).

use egui::RichText;
use exrprobe_core::model::{ChannelRef, Image};
use exrprobe_core::region::Region;
use exrprobe_core::text::{
    common_layer_prefix, format_count, format_exact, format_sample, format_significant,
};

use super::super::command::{Command, PixelUnderPointer};
use super::super::state::RegionResult;
use super::super::view::{PIN_COLOR, REGION_COLOR};

/// What the region panel shows.
pub struct RegionPanel<'a> {
    pub image: &'a Image,
    pub region: Option<Region>,
    /// The part whose channels are listed.
    pub part: Option<usize>,
    pub stats: Option<&'a RegionResult>,
    /// `depth[y0:y1, x0:x1]`, when the region meets the part.
    pub numpy_slice: Option<String>,
    /// The depth channel, exported by the panel's export button.
    pub depth: Option<ChannelRef>,
}

/// The region's rectangle (four number fields), its statistics table and its buttons.
pub fn region_ui(ui: &mut egui::Ui, panel: &RegionPanel<'_>) -> Option<Command> {
    let mut command = None;
    let Some(region) = panel.region else {
        ui.label(RichText::new("Shift+drag over a view to select a region.").weak());
        return None;
    };
    ui.horizontal_wrapped(|ui| {
        let mut edited = region;
        let mut changed = false;
        for (label, value) in [
            ("x", &mut edited.x0),
            ("y", &mut edited.y0),
            ("to x", &mut edited.x1),
            ("y", &mut edited.y1),
        ] {
            let l = ui.label(label);
            changed |= ui
                .add(egui::DragValue::new(value).speed(1.0))
                .labelled_by(l.id)
                .on_hover_text("Absolute pixel coordinates; the end is exclusive")
                .changed();
        }
        if changed {
            command = Some(Command::SetRegion(Some(Region::from_corners(
                (edited.x0, edited.y0),
                (edited.x1 - 1, edited.y1 - 1),
            ))));
        }
        if ui
            .small_button("Clear")
            .on_hover_text("Remove the region")
            .clicked()
        {
            command = Some(Command::SetRegion(None));
        }
    });
    ui.label(
        RichText::new(format!(
            "{} × {} = {} pixels",
            region.width(),
            region.height(),
            format_count(region.width() * region.height())
        ))
        .color(REGION_COLOR)
        .small(),
    );
    let stats = match panel.stats {
        None => {
            ui.horizontal(|ui| {
                super::busy::spinner(ui, ui.spacing().interact_size.y);
                ui.label(RichText::new("Measuring…").weak());
            });
            return command;
        }
        Some(Err(message)) => {
            ui.label(RichText::new(message.as_str()).color(ui.visuals().warn_fg_color));
            return command;
        }
        Some(Ok(stats)) => stats,
    };
    let names: Vec<&str> = stats.iter().map(|s| s.name.as_str()).collect();
    let prefix = super::shared_prefix_caption(ui, &names);
    egui::Grid::new("region_stats")
        .num_columns(6)
        .striped(true)
        .show(ui, |ui| {
            for title in ["channel", "min", "max", "mean", "median", "std"] {
                ui.label(RichText::new(title).small().strong());
            }
            ui.end_row();
            for (index, s) in stats.iter().enumerate() {
                let t = s.sample_type;
                // Six digits fit the panel; the tooltip and "Copy table" have every digit.
                let number =
                    |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format_significant(v, 6));
                let exact =
                    |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format_sample(v, t));
                let counts = format!(
                    "{} ({}): min {}, max {}, mean {}; {} samples, {} real; NaN {}, +Inf {}, \
                     -Inf {}, background {}",
                    s.name,
                    t,
                    exact(s.min),
                    exact(s.max),
                    s.mean.map_or_else(|| "–".to_owned(), format_exact),
                    format_count(s.samples),
                    format_count(s.real),
                    format_count(s.nan),
                    format_count(s.pos_inf),
                    format_count(s.neg_inf),
                    format_count(s.background)
                );
                let special = s.nan + s.pos_inf + s.neg_inf + s.background;
                let mut name = RichText::new(s.name.get(prefix..).unwrap_or(&s.name)).monospace();
                if special > 0 {
                    name = name.color(ui.visuals().warn_fg_color);
                }
                let response = ui.label(name).on_hover_text(counts);
                if let Some(part) = panel.part {
                    let channel = ChannelRef {
                        part,
                        channel: index,
                    };
                    response.context_menu(|ui| {
                        if ui.button("Export this channel's region as .npy…").clicked() {
                            command = Some(Command::ExportRegion {
                                channel,
                                path: None,
                            });
                            ui.close();
                        }
                    });
                }
                for value in [
                    number(s.min),
                    number(s.max),
                    number(s.mean),
                    number(s.median),
                    s.std
                        .map_or_else(|| "–".to_owned(), |v| format_significant(v, 4)),
                ] {
                    ui.label(RichText::new(value).monospace());
                }
                ui.end_row();
            }
        });
    ui.horizontal_wrapped(|ui| {
        if ui
            .small_button("Copy table")
            .on_hover_text("Copy the statistics as tab-separated text")
            .clicked()
        {
            command = Some(Command::CopyRegionStats);
        }
        if let Some(slice) = &panel.numpy_slice
            && ui
                .small_button("Copy NumPy slice")
                .on_hover_text(format!(
                    "Copy `{slice}`: the region of the depth array as `export` and \
                     exrprobe.read() give it (data-window coordinates)"
                ))
                .clicked()
        {
            command = Some(Command::CopyRegionSlice);
        }
        if let Some(depth) = panel.depth
            && ui
                .small_button("Export depth region…")
                .on_hover_text("Export the depth channel over the region as .npy (right-click a channel for another)")
                .clicked()
        {
            command = Some(Command::ExportRegion {
                channel: depth,
                path: None,
            });
        }
    });
    command
}

/// Every channel's value at each pin: one column per pin (numbered as on the image, with its
/// coordinates and a remove button), one row per channel of the first pin's part.
pub fn pins_ui(ui: &mut egui::Ui, image: &Image, pins: &[PixelUnderPointer]) -> Option<Command> {
    let mut command = None;
    let Some(first) = pins.iter().find_map(|p| p.probe) else {
        ui.label(RichText::new("Click a pixel to pin it; pins stay while you step frames.").weak());
        return None;
    };
    let part = image.part(first.part)?;
    egui::ScrollArea::horizontal()
        .id_salt("pins_scroll")
        .show(ui, |ui| {
            egui::Grid::new("pins_table")
                .num_columns(pins.len() + 1)
                .striped(true)
                .show(ui, |ui| {
                    ui.label(RichText::new("channel").small().strong());
                    for (i, pin) in pins.iter().enumerate() {
                        ui.horizontal(|ui| {
                            let (x, y) = pin.pixel_in_image;
                            ui.label(
                                RichText::new(format!("#{} {x},{y}", i + 1))
                                    .small()
                                    .color(PIN_COLOR),
                            );
                            if ui
                                .small_button("×")
                                .on_hover_text(format!("Remove pin {}", i + 1))
                                .clicked()
                            {
                                command = Some(Command::RemovePin(i));
                            }
                        });
                    }
                    ui.end_row();
                    let names: Vec<&str> = part.channels.iter().map(|c| c.name.as_str()).collect();
                    let prefix = common_layer_prefix(&names);
                    for channel in &part.channels {
                        let short = channel.name.get(prefix..).unwrap_or(&channel.name);
                        ui.label(RichText::new(short).monospace())
                            .on_hover_text(channel.name.as_str());
                        for pin in pins {
                            let (x, y) = pin.pixel_in_image;
                            let value = pin
                                .probe
                                .and_then(|p| image.part(p.part).map(|q| (p.part, q)))
                                .and_then(|(index, q)| {
                                    let c =
                                        q.channels.iter().position(|c| c.name == channel.name)?;
                                    image.sample_at_pixel(
                                        ChannelRef {
                                            part: index,
                                            channel: c,
                                        },
                                        x,
                                        y,
                                    )
                                });
                            let text = value
                                .map_or_else(|| "n/a".to_owned(), |v| format_exact(v.to_f64()));
                            ui.add(
                                egui::Label::new(RichText::new(text).monospace()).selectable(true),
                            );
                        }
                        ui.end_row();
                    }
                });
        });
    command
}
