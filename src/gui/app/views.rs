//! The two image views (RGB and depth) with their headers and footers, and the textures they
//! ask for.

use super::*;

const HEADER_HEIGHT: f32 = 28.0;
const FOOTER_HEIGHT: f32 = 58.0;
const GAP: f32 = 6.0;

impl ExrProbeApp {
    /// Part, display window and data window the RGB view shows.
    /// The channels the probe panel highlights: the user's depth channel and the channels that
    /// feed the RGB view (the solo channel when one is viewed on its own, else the chosen layer).
    pub fn probe_highlight(&self, doc: &Document) -> ProbeHighlight {
        let rgb = if let Some(solo) = self.selection.solo {
            vec![solo]
        } else {
            self.selection
                .rgb_layer
                .and_then(|i| doc.analysis.rgb_layers.get(i))
                .map(|layer| {
                    let mut refs = vec![layer.r, layer.g, layer.b];
                    refs.extend(layer.a);
                    refs
                })
                .unwrap_or_default()
        };
        ProbeHighlight {
            depth: self.selection.depth,
            rgb,
        }
    }

    fn rgb_part(&self, doc: &Document) -> Option<usize> {
        if let Some(solo) = self.selection.solo {
            return Some(solo.part);
        }
        self.selection
            .rgb_layer
            .and_then(|i| doc.analysis.rgb_layers.get(i))
            .map(|l| l.part)
    }

    pub(super) fn depth_mapping(&self, doc: &Document) -> Option<ScalarMapping> {
        let channel = self.selection.depth?;
        let (lo, hi) = self
            .depth
            .range
            .unwrap_or_else(|| robust_range(doc, channel));
        Some(ScalarMapping {
            lo,
            hi,
            invert: self.depth.invert,
            log: self.depth.log,
            colormap: self.depth.colormap,
        })
    }

    fn wanted_rgb(&self, doc: &Document, max_side: usize) -> Option<RenderKey> {
        let what = if let Some(solo) = self.selection.solo {
            let (lo, hi) = self.solo_range.unwrap_or_else(|| robust_range(doc, solo));
            RenderWhat::Scalar {
                channel: solo,
                mapping: ScalarMapping {
                    lo,
                    hi,
                    invert: false,
                    log: false,
                    colormap: Colormap::Gray,
                },
            }
        } else {
            let layer = doc.analysis.rgb_layers.get(self.selection.rgb_layer?)?;
            RenderWhat::Rgb {
                r: layer.r,
                g: layer.g,
                b: layer.b,
                a: layer.a,
                exposure_stops: self.exposure,
            }
        };
        Some(RenderKey {
            generation: doc.generation,
            slot: Slot::Rgb,
            what,
            max_texture_side: max_side,
        })
    }

    fn wanted_depth(&self, doc: &Document, max_side: usize) -> Option<RenderKey> {
        Some(RenderKey {
            generation: doc.generation,
            slot: Slot::Depth,
            what: RenderWhat::Scalar {
                channel: self.selection.depth?,
                mapping: self.depth_mapping(doc)?,
            },
            max_texture_side: max_side,
        })
    }

    /// Starts renders for textures whose key changed (never per frame otherwise).
    pub(super) fn request_textures(&mut self, ctx: &egui::Context) {
        let Some(doc) = self.doc.clone() else {
            self.textures.clear();
            return;
        };
        let max_side = ctx.input(|i| i.max_texture_side);
        for (slot, wanted) in [
            (Slot::Rgb, self.wanted_rgb(&doc, max_side)),
            (Slot::Depth, self.wanted_depth(&doc, max_side)),
        ] {
            let wanted = match wanted {
                Some(key) => Wanted::Key(key),
                None => Wanted::Nothing,
            };
            if let Some(key) = self.textures.needs_render(slot, wanted) {
                self.worker.start_render(
                    key,
                    RenderJob {
                        image: Arc::clone(&doc.image),
                    },
                );
            }
        }
    }

    fn checker_texture(&mut self, ctx: &egui::Context) -> egui::TextureId {
        self.checker_texture
            .get_or_insert_with(|| {
                let dark = Color32::from_gray(102);
                let light = Color32::from_gray(153);
                ctx.load_texture(
                    "exrprobe-checker",
                    egui::ColorImage::new([2, 2], vec![light, dark, dark, light]),
                    TextureOptions::NEAREST_REPEAT,
                )
            })
            .id()
    }

    pub(super) fn views(&mut self, ui: &mut egui::Ui, doc: &Document, commands: &mut Vec<Command>) {
        let area = ui.available_rect_before_wrap();
        let bounds = bounds_of(&doc.image);
        let stacked = match self.layout {
            LayoutMode::SideBySide => false,
            LayoutMode::Stacked => true,
            LayoutMode::Auto => {
                // Whichever arrangement shows the image larger.
                let side = ((area.width() - GAP) / 2.0 / bounds.width())
                    .min((area.height() - HEADER_HEIGHT - FOOTER_HEIGHT) / bounds.height());
                let stack = (area.width() / bounds.width()).min(
                    (area.height() - 2.0 * (HEADER_HEIGHT + FOOTER_HEIGHT) - GAP)
                        / 2.0
                        / bounds.height(),
                );
                stack > side * 1.15
            }
        };
        if stacked != self.last_stacked {
            // The canvases changed shape: fit again.
            self.view.fit_pending = true;
        }
        self.last_stacked = stacked;
        let max_banner = (area.height() * 0.4).max(40.0);
        let banner = if doc.analysis.findings.is_empty() {
            0.0
        } else {
            self.banner_height.min(max_banner)
        };

        // Column rectangles: header, canvas, footer per view; the banner above the depth canvas.
        let (rgb_col, depth_col, canvas_size) = if stacked {
            let canvas_h = ((area.height() - 2.0 * (HEADER_HEIGHT + FOOTER_HEIGHT) - banner - GAP)
                / 2.0)
                .max(16.0);
            let rgb_h = HEADER_HEIGHT + canvas_h + FOOTER_HEIGHT;
            let rgb = egui::Rect::from_min_size(area.min, egui::vec2(area.width(), rgb_h));
            let depth =
                egui::Rect::from_min_max(egui::pos2(area.left(), rgb.bottom() + GAP), area.max);
            (rgb, depth, egui::vec2(area.width(), canvas_h))
        } else {
            let col_w = ((area.width() - GAP) / 2.0).max(16.0);
            let canvas_h = (area.height() - HEADER_HEIGHT - FOOTER_HEIGHT - banner).max(16.0);
            let rgb = egui::Rect::from_min_size(area.min, egui::vec2(col_w, area.height()));
            let depth = egui::Rect::from_min_size(
                egui::pos2(rgb.right() + GAP, area.top()),
                egui::vec2(col_w, area.height()),
            );
            (rgb, depth, egui::vec2(col_w, canvas_h))
        };
        let rgb_header =
            egui::Rect::from_min_size(rgb_col.min, egui::vec2(rgb_col.width(), HEADER_HEIGHT));
        let depth_header =
            egui::Rect::from_min_size(depth_col.min, egui::vec2(depth_col.width(), HEADER_HEIGHT));
        let banner_rect = egui::Rect::from_min_size(
            depth_header.left_bottom(),
            egui::vec2(depth_col.width(), max_banner),
        );
        let rgb_canvas_top = if stacked {
            rgb_header.bottom()
        } else {
            rgb_header.bottom() + banner
        };
        let rgb_canvas =
            egui::Rect::from_min_size(egui::pos2(rgb_col.left(), rgb_canvas_top), canvas_size);
        let depth_canvas = egui::Rect::from_min_size(
            egui::pos2(depth_col.left(), depth_header.bottom() + banner),
            canvas_size,
        );
        let rgb_footer = egui::Rect::from_min_size(
            rgb_canvas.left_bottom(),
            egui::vec2(rgb_col.width(), FOOTER_HEIGHT),
        );
        let depth_footer = egui::Rect::from_min_size(
            depth_canvas.left_bottom(),
            egui::vec2(depth_col.width(), FOOTER_HEIGHT),
        );

        self.canvas_rects = Some((rgb_canvas, depth_canvas));
        self.view.update_canvas(canvas_size, bounds);

        // Headers, banner, footers.
        self.rgb_header(ui, rgb_header, doc, commands);
        self.depth_header(ui, depth_header, doc, commands);
        if !doc.analysis.findings.is_empty() {
            let used = ui
                .scope_builder(egui::UiBuilder::new().max_rect(banner_rect), |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("findings_banner")
                        .max_height(max_banner)
                        .show(ui, |ui| findings_ui(ui, &doc.analysis.findings));
                })
                .response
                .rect
                .height();
            let used = used + 4.0;
            if (used - self.banner_height).abs() > 0.5 {
                self.banner_height = used;
                ui.ctx().request_repaint();
            }
        }
        self.rgb_footer(ui, rgb_footer, commands);
        if !stacked && banner > 0.0 {
            // Beside the findings banner: why this colour layer was chosen.
            let note = egui::Rect::from_min_size(
                rgb_header.left_bottom(),
                egui::vec2(rgb_col.width(), banner.min(20.0)),
            );
            let text = match (self.selection.solo, self.selection.rgb_layer) {
                (Some(_), _) => None,
                (None, Some(i)) => doc.analysis.rgb_layers.get(i).map(|l| l.rule.clone()),
                (None, None) => None,
            };
            if let Some(text) = text {
                ui.scope_builder(egui::UiBuilder::new().max_rect(note), |ui| {
                    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
                    ui.label(RichText::new(text).weak().small());
                });
            }
        }
        self.depth_footer(ui, depth_footer, doc, commands);

        // Canvases: interact with both first, so the crosshair is known before painting.
        let rgb_response = view::canvas_interact(ui, rgb_canvas, "RGB view", &mut self.view);
        let depth_response = view::canvas_interact(ui, depth_canvas, "Depth view", &mut self.view);
        let rgb_part = self.rgb_part(doc);
        let depth_part = self.selection.depth.map(|d| d.part);
        let mut hovered = None;
        for (response, rect, part) in [
            (&rgb_response, rgb_canvas, rgb_part),
            (&depth_response, depth_canvas, depth_part),
        ] {
            if let Some(pos) = response.hover_pos() {
                let (x, y) = view::pixel_at(&self.view, rect, pos);
                hovered = Some(((x, y), part.unwrap_or(0)));
            }
            if response.clicked()
                && let Some(pos) = response.interact_pointer_pos()
            {
                let (x, y) = view::pixel_at(&self.view, rect, pos);
                match probe_pos(&doc.image, part.unwrap_or(0), x, y) {
                    Some(p) if self.pinned != Some(p) => {
                        self.pinned = Some(p);
                        self.pinned_pixel = Some((x, y));
                    }
                    _ => {
                        self.pinned = None;
                        self.pinned_pixel = None;
                    }
                }
            }
        }
        self.hover_pixel = hovered.map(|(p, _)| p);
        self.hover = hovered.and_then(|((x, y), part)| probe_pos(&doc.image, part, x, y));
        if rgb_response.hovered() || depth_response.hovered() {
            ui.ctx().set_cursor_icon(egui::CursorIcon::Crosshair);
        }

        let checker = if self.checkerboard
            && self.selection.solo.is_none()
            && self
                .selection
                .rgb_layer
                .and_then(|i| doc.analysis.rgb_layers.get(i))
                .is_some_and(|l| l.a.is_some())
        {
            Some(self.checker_texture(ui.ctx()))
        } else {
            None
        };
        let crosshair = self.hover_pixel;
        let pinned = self.pinned_pixel;

        let image = &doc.image;
        let analysis = &doc.analysis;
        let selection = self.selection;
        let rgb_text = |x: i64, y: i64| -> Option<String> {
            if let Some(solo) = selection.solo {
                let p = probe_pos(image, solo.part, x, y)?;
                return channel_value(image, solo, p).map(short_value);
            }
            let layer = analysis.rgb_layers.get(selection.rgb_layer?)?;
            let p = probe_pos(image, layer.part, x, y)?;
            let r = channel_value(image, layer.r, p)?;
            if layer.gray {
                return Some(short_value(r));
            }
            let g = channel_value(image, layer.g, p)?;
            let b = channel_value(image, layer.b, p)?;
            Some(format!(
                "{}\n{}\n{}",
                short_value(r),
                short_value(g),
                short_value(b)
            ))
        };
        let depth_text = |x: i64, y: i64| -> Option<String> {
            let depth = selection.depth?;
            let p = probe_pos(image, depth.part, x, y)?;
            channel_value(image, depth, p).map(short_value)
        };

        let windows = |part: Option<usize>| -> (Window, Window) {
            part.and_then(|p| image.part(p))
                .map(|p| (p.data_window, p.display_window))
                .unwrap_or((
                    Window {
                        x: 0,
                        y: 0,
                        width: 0,
                        height: 0,
                    },
                    Window {
                        x: 0,
                        y: 0,
                        width: 0,
                        height: 0,
                    },
                ))
        };
        let textures = &self.textures;
        let shown_color = |slot: Slot, col: usize, row: usize| {
            let shown = textures.shown(slot)?;
            textures::pixel_color(image, &shown.key.what, col, row)
        };
        let rgb_color = |col: usize, row: usize| shown_color(Slot::Rgb, col, row);
        let depth_color = |col: usize, row: usize| shown_color(Slot::Depth, col, row);

        let (rgb_dw, rgb_disp) = windows(rgb_part);
        let rgb_key = self.wanted_rgb(doc, 0);
        let rgb_placeholder = self.placeholder(Slot::Rgb, rgb_key.is_some(), doc);
        view::paint_canvas(
            ui,
            rgb_canvas,
            &self.view,
            &CanvasContent {
                shown: self.textures.shown(Slot::Rgb),
                data_window: rgb_dw,
                display_window: rgb_disp,
                checkerboard: checker,
                placeholder: rgb_placeholder,
                pixel_text: &rgb_text,
                sample_color: &rgb_color,
            },
            crosshair,
            pinned,
        );
        let (depth_dw, depth_disp) = windows(depth_part);
        let depth_placeholder = self.placeholder(Slot::Depth, self.selection.depth.is_some(), doc);
        view::paint_canvas(
            ui,
            depth_canvas,
            &self.view,
            &CanvasContent {
                shown: self.textures.shown(Slot::Depth),
                data_window: depth_dw,
                display_window: depth_disp,
                checkerboard: None,
                placeholder: depth_placeholder,
                pixel_text: &depth_text,
                sample_color: &depth_color,
            },
            crosshair,
            pinned,
        );

        if let Some(depth) = self.selection.depth
            && let Some(value) = doc.analysis.stats.get(&depth).and_then(|s| s.constant)
        {
            // On the image where it is in view, else at the top of the canvas.
            let image_in_image = egui::Rect::from_min_size(
                egui::pos2(depth_dw.x as f32, depth_dw.y as f32),
                egui::vec2(depth_dw.width as f32, depth_dw.height as f32),
            );
            let on_screen = self
                .view
                .screen_rect(depth_canvas, image_in_image)
                .intersect(depth_canvas);
            let area = if on_screen.height() >= 40.0 && on_screen.width() >= 40.0 {
                on_screen
            } else {
                depth_canvas
            };
            constant_depth_label(ui, depth_canvas, area.center_top(), value);
        }

        if self.first_image_secs.is_none()
            && (self.textures.shown(Slot::Rgb).is_some()
                || self.textures.shown(Slot::Depth).is_some())
        {
            let secs = self.started.elapsed().as_secs_f64();
            self.first_image_secs = Some(secs);
            log::info!("first image on screen {secs:.3} s after start");
        }
    }

    /// Text shown in a canvas without a texture.
    fn placeholder(&self, slot: Slot, has_content: bool, doc: &Document) -> Option<String> {
        if self.textures.shown(slot).is_some() {
            return None;
        }
        if !has_content {
            return Some(match slot {
                Slot::Rgb => "No colour layer in this file — choose a channel to view".to_owned(),
                Slot::Depth => "No depth channel found — choose one in the channel list".to_owned(),
            });
        }
        let key = match slot {
            Slot::Rgb => self.wanted_rgb(doc, self.textures_max_side()),
            Slot::Depth => self.wanted_depth(doc, self.textures_max_side()),
        };
        if let Some(error) = key.as_ref().and_then(|k| self.textures.error_for(k)) {
            return Some(error.to_owned());
        }
        Some("Rendering…".to_owned())
    }

    fn textures_max_side(&self) -> usize {
        self.ctx
            .as_ref()
            .map_or(2048, |ctx| ctx.input(|i| i.max_texture_side))
    }

    fn rgb_header(
        &mut self,
        ui: &mut egui::Ui,
        rect: egui::Rect,
        doc: &Document,
        commands: &mut Vec<Command>,
    ) {
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(rect)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
            |ui| {
                let title = if let Some(solo) = self.selection.solo {
                    format!(
                        "Channel {}",
                        doc.image.qualified_name(solo).unwrap_or_default()
                    )
                } else if let Some(layer) = self
                    .selection
                    .rgb_layer
                    .and_then(|i| doc.analysis.rgb_layers.get(i))
                {
                    format!("RGB  {}", layer.label(&doc.image))
                } else {
                    "RGB".to_owned()
                };
                let rule = if self.selection.solo.is_some() {
                    "Shown on its own as grey over its robust range".to_owned()
                } else {
                    self.selection
                        .rgb_layer
                        .and_then(|i| doc.analysis.rgb_layers.get(i))
                        .map(|l| format!("Chosen because: {}", l.rule))
                        .unwrap_or_else(|| "No colour layer in this file".to_owned())
                };
                ui.label(RichText::new(title).strong()).on_hover_text(rule);
                if self.selection.solo.is_some()
                    && ui
                        .small_button("Back to RGB")
                        .on_hover_text("Show the colour layer again")
                        .clicked()
                {
                    commands.push(Command::Solo(None));
                }
            },
        );
    }

    fn rgb_footer(&mut self, ui: &mut egui::Ui, rect: egui::Rect, commands: &mut Vec<Command>) {
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(rect.shrink2(egui::vec2(0.0, 4.0)))
                .layout(egui::Layout::left_to_right(egui::Align::Min)),
            |ui| {
                let label = ui.label("Exposure");
                let mut exposure = self.exposure;
                let response = ui
                    .add(
                        egui::DragValue::new(&mut exposure)
                            .speed(0.05)
                            .range(-20.0..=20.0)
                            .suffix(" EV")
                            .fixed_decimals(1),
                    )
                    .labelled_by(label.id)
                    .on_hover_text("Exposure in stops (E / Shift+E)");
                if response.changed() {
                    commands.push(Command::SetExposure(exposure));
                }
                if self.exposure != 0.0
                    && ui
                        .small_button("0")
                        .on_hover_text("Reset exposure")
                        .clicked()
                {
                    commands.push(Command::SetExposure(0.0));
                }
                let mut checker = self.checkerboard;
                if ui
                    .checkbox(&mut checker, "Checkerboard")
                    .on_hover_text("Show alpha over a checkerboard")
                    .changed()
                {
                    commands.push(Command::ToggleCheckerboard);
                }
            },
        );
    }

    fn depth_header(
        &mut self,
        ui: &mut egui::Ui,
        rect: egui::Rect,
        doc: &Document,
        commands: &mut Vec<Command>,
    ) {
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(rect)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
            |ui| {
                let title = match self.selection.depth {
                    Some(d) => {
                        format!("Depth  {}", doc.image.qualified_name(d).unwrap_or_default())
                    }
                    None => "Depth".to_owned(),
                };
                let response = ui.label(RichText::new(title).strong());
                if let Some(chosen) = &doc.analysis.depth.chosen
                    && Some(chosen.channel) == self.selection.depth
                {
                    response.on_hover_text(format!("Detected: {}", chosen.rule));
                }
                let mut colormap = self.depth.colormap;
                egui::ComboBox::from_id_salt("colormap")
                    .selected_text(colormap_name(colormap))
                    .width(80.0)
                    .show_ui(ui, |ui| {
                        for map in [
                            Colormap::Gray,
                            Colormap::Turbo,
                            Colormap::Viridis,
                            Colormap::Inferno,
                        ] {
                            ui.selectable_value(&mut colormap, map, colormap_name(map));
                        }
                    })
                    .response
                    .on_hover_text("Colormap");
                if colormap != self.depth.colormap {
                    commands.push(Command::SetColormap(colormap));
                }
                let mut invert = self.depth.invert;
                if ui
                    .checkbox(&mut invert, "Invert")
                    .on_hover_text("Near bright, far dark")
                    .changed()
                {
                    commands.push(Command::SetInvert(invert));
                }
                let mut log = self.depth.log;
                if ui
                    .checkbox(&mut log, "Log")
                    .on_hover_text("Map log(depth): more contrast near the camera")
                    .changed()
                {
                    commands.push(Command::SetLogScale(log));
                }
            },
        );
    }

    /// The colour bar legend with real depth values, editable min/max and the special colours.
    fn depth_footer(
        &mut self,
        ui: &mut egui::Ui,
        rect: egui::Rect,
        doc: &Document,
        commands: &mut Vec<Command>,
    ) {
        let Some(mapping) = self.depth_mapping(doc) else {
            return;
        };
        let ctx = ui.ctx().clone();
        if self.colorbar.as_ref().is_none_or(|(m, _)| *m != mapping) {
            let pixels = (0..256)
                .map(|i| {
                    let t = f64::from(i) / 255.0;
                    let [r, g, b, a] = scalar_color(value_at_fraction(&mapping, t), &mapping);
                    Color32::from_rgba_unmultiplied(r, g, b, a)
                })
                .collect();
            let image = egui::ColorImage::new([256, 1], pixels);
            match &mut self.colorbar {
                Some((m, texture)) => {
                    texture.set(image, TextureOptions::LINEAR);
                    *m = mapping;
                }
                None => {
                    let texture =
                        ctx.load_texture("exrprobe-colorbar", image, TextureOptions::LINEAR);
                    self.colorbar = Some((mapping, texture));
                }
            }
        }
        let Some((_, texture)) = &self.colorbar else {
            return;
        };
        let texture_id = texture.id();
        let rect = rect.shrink2(egui::vec2(0.0, 3.0));
        let (mut lo, mut hi) = (mapping.lo, mapping.hi);
        let speed = ((hi - lo).abs() / 300.0).max(1e-6);
        let mut range_changed = false;
        // Row 1: min [gradient] max. Row 2 (left): Auto + the special colours.
        let row1 = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width(), 20.0));
        // A labelled number field at one end of the row; returns the rectangle it took.
        let mut range_field = |layout: egui::Layout, label: &str, value: &mut f64, end: &str| {
            ui.scope_builder(egui::UiBuilder::new().max_rect(row1).layout(layout), |ui| {
                let label = ui.label(label);
                range_changed |= ui
                    .add(egui::DragValue::new(value).speed(speed).max_decimals(6))
                    .labelled_by(label.id)
                    .on_hover_text(format!("Depth mapped to the {end} end of the colormap"))
                    .changed();
            })
            .response
            .rect
        };
        let lo_end = range_field(
            egui::Layout::left_to_right(egui::Align::Center),
            "min",
            &mut lo,
            "low",
        )
        .right();
        let hi_start = range_field(
            egui::Layout::right_to_left(egui::Align::Center),
            "max",
            &mut hi,
            "high",
        )
        .left();
        if range_changed {
            commands.push(Command::SetDepthRange(lo, hi));
        }
        // The gradient fills what the two fields leave (they are as wide as their numbers).
        let gradient = egui::Rect::from_min_max(
            egui::pos2(lo_end + 8.0, rect.top() + 3.0),
            egui::pos2((hi_start - 8.0).max(lo_end + 16.0), rect.top() + 17.0),
        );
        let bar_response = ui.interact(
            gradient,
            ui.scope_id().with("colorbar"),
            egui::Sense::hover(),
        );
        let painter = ui.painter();
        painter.image(
            texture_id,
            gradient,
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            Color32::WHITE,
        );
        painter.rect_stroke(
            gradient,
            0.0,
            egui::Stroke::new(1.0, Color32::from_gray(90)),
            egui::StrokeKind::Outside,
        );
        // Tick labels need room; a narrow bar has none (the fields beside it say the range).
        let ticks = if mapping.hi == mapping.lo {
            0 // constant: one label
        } else if gradient.width() > 320.0 {
            4
        } else if gradient.width() > 150.0 {
            2
        } else if gradient.width() > 90.0 {
            1
        } else {
            0
        };
        let constant_label = mapping.hi == mapping.lo;
        if constant_label {
            painter.text(
                egui::pos2(gradient.center().x, gradient.bottom() + 4.0),
                egui::Align2::CENTER_TOP,
                format!("every value = {}", mapping.lo),
                egui::FontId::proportional(11.0),
                Color32::from_gray(210),
            );
        }
        for k in (0..=ticks).filter(|_| ticks > 0) {
            let t = f64::from(k) / f64::from(ticks);
            let x = gradient.left() + gradient.width() * t as f32;
            painter.line_segment(
                [
                    egui::pos2(x, gradient.bottom()),
                    egui::pos2(x, gradient.bottom() + 4.0),
                ],
                egui::Stroke::new(1.0, Color32::from_gray(160)),
            );
            let anchor = if k == 0 {
                egui::Align2::LEFT_TOP
            } else if k == ticks {
                egui::Align2::RIGHT_TOP
            } else {
                egui::Align2::CENTER_TOP
            };
            painter.text(
                egui::pos2(x, gradient.bottom() + 4.0),
                anchor,
                short_value(value_at_fraction(&mapping, t)),
                egui::FontId::proportional(11.0),
                Color32::from_gray(210),
            );
        }
        bar_response.on_hover_text(format!(
            "{} from {} to {}{}{}",
            colormap_name(mapping.colormap),
            mapping.lo,
            mapping.hi,
            if mapping.log { ", logarithmic" } else { "" },
            if mapping.invert {
                ", inverted (near bright)"
            } else {
                ""
            }
        ));
        let row2 = egui::Rect::from_min_max(egui::pos2(rect.left(), rect.top() + 34.0), rect.max);
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(row2)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
            |ui| {
                if ui
                    .add_enabled(
                        self.depth.range.is_some(),
                        egui::Button::new("Auto range").small(),
                    )
                    .on_hover_text("Back to the robust range (percentiles, background excluded)")
                    .clicked()
                {
                    commands.push(Command::ResetDepthRange);
                }
                ui.add_space(8.0);
                for (color, label, tip) in [
                    (NAN_COLOR, "NaN", "NaN samples are drawn in this colour"),
                    (
                        POS_INF_COLOR,
                        "+Inf",
                        "+Inf samples are drawn in this colour",
                    ),
                    (
                        NEG_INF_COLOR,
                        "-Inf",
                        "-Inf samples are drawn in this colour",
                    ),
                    (
                        SENTINEL_COLOR,
                        "background",
                        "Background: values of 1e9 and above (Cycles writes 1e10 where no object was hit)",
                    ),
                ] {
                    let (r, resp) =
                        ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                    ui.painter().rect_filled(
                        r,
                        2.0,
                        Color32::from_rgba_unmultiplied(color[0], color[1], color[2], color[3]),
                    );
                    ui.painter().rect_stroke(
                        r,
                        2.0,
                        egui::Stroke::new(1.0, Color32::from_gray(120)),
                        egui::StrokeKind::Outside,
                    );
                    resp.on_hover_text(tip);
                    ui.label(RichText::new(label).small());
                    ui.add_space(4.0);
                }
            },
        );
    }
}

/// The value at fraction `t` (0..=1) of the colour bar under `mapping` (log-spaced for log maps).
/// Says on the depth view that the depth channel holds one value everywhere, so its flat colour
/// cannot be mistaken for a depth map.
/// `top_center` is where its top edge is centred (screen points).
fn constant_depth_label(ui: &egui::Ui, canvas: egui::Rect, top_center: egui::Pos2, value: f64) {
    let painter = ui.painter_at(canvas);
    let text = format!("constant {} — no depth", short_value(value));
    let galley = painter.layout_no_wrap(text, egui::FontId::proportional(18.0), Color32::WHITE);
    let pos = egui::pos2(top_center.x - galley.size().x / 2.0, top_center.y + 10.0);
    let rect = egui::Rect::from_min_size(pos, galley.size()).expand2(egui::vec2(8.0, 4.0));
    painter.rect_filled(rect, 4.0, Color32::from_black_alpha(200));
    painter.galley(pos, galley, Color32::WHITE);
}

fn value_at_fraction(mapping: &ScalarMapping, t: f64) -> f64 {
    if mapping.log && mapping.lo > 0.0 && mapping.hi > 0.0 {
        (mapping.lo.ln() + t * (mapping.hi.ln() - mapping.lo.ln())).exp()
    } else {
        mapping.lo + t * (mapping.hi - mapping.lo)
    }
}

/// The probe position of absolute pixel (x, y) in `part`, if inside its data window.
pub fn probe_pos(image: &Image, part: usize, x: i64, y: i64) -> Option<ProbePos> {
    let dw = image.part(part)?.data_window;
    if !dw.contains(x, y) {
        return None;
    }
    Some(ProbePos {
        part,
        col: usize::try_from(x - i64::from(dw.x)).ok()?,
        row: usize::try_from(y - i64::from(dw.y)).ok()?,
    })
}

/// A channel's value at a probe position (subsampled channels are looked up at their sample).
fn channel_value(image: &Image, channel: ChannelRef, pos: ProbePos) -> Option<f64> {
    let ch = image.channel(channel)?;
    let (sx, sy) = ch.sampling;
    ch.value_at(pos.col / sx.max(1), pos.row / sy.max(1))
        .map(|v| v.to_f64())
}
