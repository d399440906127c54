//! The info window's contents: header attributes of every part.

use egui::RichText;
use exrprobe_core::model::{Attribute, Image, Part};
use exrprobe_core::text::{format_bytes, format_storage, format_window_long, plural};

/// Draws the header attributes (compression, windows, line order, Blender render metadata, …).
pub fn info_ui(ui: &mut egui::Ui, image: &Image) {
    ui.push_id("info_panel", |ui| {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Source:").strong());
            ui.add(egui::Label::new(image.source.as_str()).selectable(true));
        });
        ui.label(format!(
            "{}, {}, {} decoded",
            plural(image.parts.len() as u64, "part"),
            plural(image.channels().count() as u64, "channel"),
            format_bytes(image.decoded_byte_size() as u64),
        ));
        ui.separator();
        if image.parts.len() == 1 {
            if let Some(part) = image.parts.first() {
                part_ui(ui, 0, part);
            }
        } else {
            for (index, part) in image.parts.iter().enumerate() {
                let title = match &part.name {
                    Some(name) => format!("Part {index}: {name}"),
                    None => format!("Part {index}"),
                };
                egui::CollapsingHeader::new(RichText::new(title).strong())
                    .id_salt(("info_part", index))
                    .default_open(index == 0)
                    .show(ui, |ui| part_ui(ui, index, part));
            }
        }
    });
}

/// Blender (and common render) metadata worth showing first.
fn is_render_metadata(attribute: &Attribute) -> bool {
    const NAMES: &[&str] = &[
        "Camera",
        "Date",
        "File",
        "Frame",
        "Lens",
        "Marker",
        "Memory",
        "Note",
        "RenderTime",
        "Scene",
        "Time",
        "Hostname",
        "Software",
        "BlenderVersion",
        "software",
        "owner",
        "comments",
        "capDate",
        "renderingTransform",
    ];
    attribute.name.starts_with("cycles.")
        || attribute.name.starts_with("blender")
        || NAMES.contains(&attribute.name.as_str())
}

fn row(ui: &mut egui::Ui, name: &str, value: impl Into<egui::WidgetText>) {
    ui.label(RichText::new(name).strong());
    ui.add(egui::Label::new(value).selectable(true).wrap());
    ui.end_row();
}

fn part_ui(ui: &mut egui::Ui, index: usize, part: &Part) {
    egui::Grid::new(("info_summary", index))
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            if let Some(name) = &part.name {
                row(ui, "Name", name.as_str());
            }
            row(ui, "Data window", format_window_long(&part.data_window));
            let display = if part.display_window == part.data_window {
                format!(
                    "{} (same as data)",
                    format_window_long(&part.display_window)
                )
            } else {
                format_window_long(&part.display_window)
            };
            row(ui, "Display window", display);
            row(ui, "Compression", part.compression.as_str());
            row(ui, "Line order", part.line_order.as_str());
            row(ui, "Storage", format_storage(&part.storage, part.deep));
            row(ui, "Pixel aspect", format!("{}", part.pixel_aspect));
            row(ui, "Channels", part.channels.len().to_string());
            if part.deep {
                row(
                    ui,
                    "Deep data",
                    "yes (several samples per pixel; not decoded)",
                );
            }
            if let Some(error) = &part.pixel_error {
                ui.label(RichText::new("Pixels").strong());
                ui.add(
                    egui::Label::new(
                        RichText::new(error.as_str()).color(ui.visuals().warn_fg_color),
                    )
                    .selectable(true)
                    .wrap(),
                );
                ui.end_row();
            }
        });

    let metadata: Vec<&Attribute> = part
        .attributes
        .iter()
        .filter(|a| is_render_metadata(a))
        .collect();
    if !metadata.is_empty() {
        ui.add_space(6.0);
        ui.label(RichText::new("Render metadata").heading());
        egui::Grid::new(("info_metadata", index))
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                for attribute in metadata {
                    row(ui, &attribute.name, attribute.value.as_str());
                }
            });
    }

    ui.add_space(6.0);
    ui.label(RichText::new(format!("All attributes ({})", part.attributes.len())).heading());
    egui::Grid::new(("info_attributes", index))
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            ui.label(RichText::new("Name").strong());
            ui.label(RichText::new("Type").strong());
            ui.label(RichText::new("Value").strong());
            ui.end_row();
            for attribute in &part.attributes {
                ui.add(egui::Label::new(attribute.name.as_str()).selectable(true));
                ui.label(
                    RichText::new(attribute.type_name.as_str())
                        .weak()
                        .monospace(),
                );
                ui.add(
                    egui::Label::new(RichText::new(attribute.value.as_str()).monospace())
                        .selectable(true)
                        .wrap(),
                );
                ui.end_row();
            }
        });
}
