//! The frame: menu bar, keyboard shortcuts, messages, status bar, side panels, the welcome view,
//! windows, drag and drop and the window title, around the two image views (`views.rs`).

use super::*;

/// Which channel the histogram shows, and whether dragging on it sets the depth or the solo range.
enum HistogramTarget {
    Depth(ChannelRef),
    Solo(ChannelRef),
}

impl ExrProbeApp {
    /// Draws the whole window and runs the commands it produced. `eframe::App::ui` calls this;
    /// tests drive it directly with `egui_kittest::Harness::new_ui_state`.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.ctx.is_none() {
            self.ctx = Some(ctx.clone());
        }
        self.worker.set_context(&ctx);
        self.drain_worker();

        self.expire_messages(&ctx);
        let mut commands: Vec<Command> = std::mem::take(&mut self.pending);
        self.keyboard_shortcuts(&ctx, &mut commands);

        egui::Panel::top("menu_bar").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| self.menu_bar(ui, &mut commands));
        });
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar(ui));
        if !self.messages.is_empty() || self.save_offer.is_some() {
            egui::Panel::top("messages").show(ui, |ui| self.messages_ui(ui, &mut commands));
        }

        if let Some(doc) = self.doc.clone() {
            if self.show_left {
                egui::Panel::left("channels")
                    .default_size(300.0)
                    .show(ui, |ui| self.left_panel(ui, &doc, &mut commands));
            }
            if self.show_probe {
                egui::Panel::right("probe")
                    .default_size(280.0)
                    .show(ui, |ui| {
                        egui::ScrollArea::both()
                            .auto_shrink([false, false])
                            .show(ui, |ui| {
                                let highlight = self.probe_highlight(&doc);
                                probe_ui_highlighted(
                                    ui,
                                    &doc.image,
                                    self.probe(),
                                    self.pinned.is_some(),
                                    &highlight,
                                );
                            });
                    });
            }
            if self.show_histogram {
                egui::Panel::bottom("histogram")
                    .resizable(true)
                    .default_size(190.0)
                    .show(ui, |ui| self.histogram_panel(ui, &doc, &mut commands));
            }
            egui::CentralPanel::default().show(ui, |ui| self.views(ui, &doc, &mut commands));
        } else {
            if self.files.len() > 1 {
                egui::Panel::left("channels")
                    .default_size(300.0)
                    .show(ui, |ui| self.file_list(ui, &mut commands));
            }
            egui::CentralPanel::default().show(ui, |ui| self.welcome(ui, &mut commands));
        }

        self.windows(&ctx);
        self.drag_and_drop(&ctx, &mut commands);

        // Commands change what the next frame shows (a histogram drag's range, a window opened
        // from a menu): draw it now, not at the next input event.
        // Likewise for what a click or key press opens that egui only draws from the next frame
        // on (a context menu): one extra frame per button or key event.
        let pressed = ctx.input(|i| {
            i.events.iter().any(|e| {
                matches!(
                    e,
                    egui::Event::PointerButton { .. } | egui::Event::Key { .. }
                )
            })
        });
        if !commands.is_empty() || pressed {
            ctx.request_repaint();
        }
        for command in commands {
            self.execute(command);
        }
        self.request_textures(&ctx);
        self.update_title(&ctx);
    }

    /// Drops confirmations older than [`INFO_MESSAGE_SECS`] and schedules a repaint for the next.
    fn expire_messages(&mut self, ctx: &egui::Context) {
        let lifetime = Duration::from_secs_f32(INFO_MESSAGE_SECS);
        self.messages
            .retain(|m| m.kind == MessageKind::Error || m.posted.elapsed() < lifetime);
        if let Some(next) = self
            .messages
            .iter()
            .filter(|m| m.kind == MessageKind::Info)
            .map(|m| lifetime.saturating_sub(m.posted.elapsed()))
            .min()
        {
            ctx.request_repaint_after(next);
        }
    }

    fn keyboard_shortcuts(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let typing = ctx.egui_wants_keyboard_input();
        let copy_event = ctx.input(|i| i.events.iter().any(|e| matches!(e, egui::Event::Copy)));
        ctx.input_mut(|i| {
            let cmd = |key| KeyboardShortcut::new(Modifiers::COMMAND, key);
            let cmd_shift = |key| KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, key);
            let mut take = |shortcut: KeyboardShortcut, command: Command| {
                if i.consume_shortcut(&shortcut) {
                    commands.push(command);
                }
            };
            take(cmd(Key::O), Command::OpenDialog);
            take(
                cmd_shift(Key::E),
                Command::Export {
                    kind: ExportKind::Channel(None),
                    path: None,
                },
            );
            take(
                cmd(Key::E),
                Command::Export {
                    kind: ExportKind::Depth,
                    path: None,
                },
            );
            take(cmd(Key::S), Command::SavePng(None));
            take(cmd(Key::Q), Command::Quit);
            take(
                KeyboardShortcut::new(Modifiers::NONE, Key::F5),
                Command::Reload,
            );
            take(
                KeyboardShortcut::new(Modifiers::NONE, Key::F1),
                Command::ShowShortcuts,
            );
            if !typing {
                if i.consume_shortcut(&cmd(Key::C)) || copy_event {
                    commands.push(Command::CopyProbe);
                }
                let plain = |key| KeyboardShortcut::new(Modifiers::NONE, key);
                let shift = |key| KeyboardShortcut::new(Modifiers::SHIFT, key);
                let mut take = |shortcut: KeyboardShortcut, command: Command| {
                    if i.consume_shortcut(&shortcut) {
                        commands.push(command);
                    }
                };
                take(
                    shift(Key::E),
                    Command::SetExposure(self.exposure - EXPOSURE_STEP),
                );
                take(
                    plain(Key::E),
                    Command::SetExposure(self.exposure + EXPOSURE_STEP),
                );
                take(plain(Key::F), Command::Fit);
                take(plain(Key::Num1), Command::OneToOne);
                take(plain(Key::Plus), Command::Zoom(2.0));
                take(plain(Key::Equals), Command::Zoom(2.0));
                take(plain(Key::Minus), Command::Zoom(0.5));
                take(plain(Key::ArrowUp), Command::PrevFile);
                take(plain(Key::PageUp), Command::PrevFile);
                take(plain(Key::ArrowDown), Command::NextFile);
                take(plain(Key::PageDown), Command::NextFile);
                take(plain(Key::I), Command::ShowInfo);
                take(plain(Key::H), Command::ToggleHistogram);
                take(plain(Key::L), Command::ToggleLayout);
                take(plain(Key::Escape), Command::Unpin);
            }
        });
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let has_doc = self.doc.is_some();
        ui.menu_button("File", |ui| {
            menu_item(ui, true, "Open…", "Ctrl+O", Command::OpenDialog, commands);
            ui.menu_button("Open Recent", |ui| {
                if self.recent.is_empty() {
                    ui.label(RichText::new("No recent files").weak());
                }
                for path in &self.recent {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if ui
                        .button(name)
                        .on_hover_text(path.display().to_string())
                        .clicked()
                    {
                        commands.push(Command::OpenRecent(path.clone()));
                    }
                }
                if !self.recent.is_empty() {
                    ui.separator();
                    if ui.button("Clear recent files").clicked() {
                        commands.push(Command::ClearRecent);
                    }
                }
            });
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
            menu_item(
                ui,
                !self.files.is_empty(),
                "Reload",
                "F5 — read the current file again from disk",
                Command::Reload,
                commands,
            );
            ui.separator();
            let depth_ok = has_doc && self.selection.depth.is_some();
            menu_item(
                ui,
                depth_ok,
                "Export depth as .npy…",
                "Ctrl+E — float32 array (height, width), bit-exact",
                Command::Export {
                    kind: ExportKind::Depth,
                    path: None,
                },
                commands,
            );
            menu_item(
                ui,
                has_doc,
                "Export channel as .npy…",
                "Ctrl+Shift+E — the channel shown on its own, else the depth channel",
                Command::Export {
                    kind: ExportKind::Channel(None),
                    path: None,
                },
                commands,
            );
            menu_item(
                ui,
                has_doc,
                "Export all channels as .npz…",
                "Every decoded channel, keyed by its name",
                Command::Export {
                    kind: ExportKind::AllChannels,
                    path: None,
                },
                commands,
            );
            menu_item(
                ui,
                has_doc,
                "Save view as PNG…",
                "Ctrl+S — the RGB and depth views side by side, full resolution",
                Command::SavePng(None),
                commands,
            );
            ui.separator();
            menu_item(ui, true, "Quit", "Ctrl+Q", Command::Quit, commands);
        });
        ui.menu_button("View", |ui| {
            menu_item(ui, true, "Fit", "F", Command::Fit, commands);
            menu_item(
                ui,
                true,
                "1:1",
                "1 — one image pixel per screen pixel",
                Command::OneToOne,
                commands,
            );
            menu_item(ui, true, "Zoom in", "+", Command::Zoom(2.0), commands);
            menu_item(ui, true, "Zoom out", "-", Command::Zoom(0.5), commands);
            ui.separator();
            ui.menu_button("Layout", |ui| {
                for (mode, label) in [
                    (LayoutMode::Auto, "Automatic"),
                    (LayoutMode::SideBySide, "Side by side"),
                    (LayoutMode::Stacked, "Stacked"),
                ] {
                    if ui.radio(self.layout == mode, label).clicked() {
                        commands.push(Command::SetLayout(mode));
                    }
                }
            });
            ui.menu_button("Colormap", |ui| {
                for map in [
                    Colormap::Gray,
                    Colormap::Turbo,
                    Colormap::Viridis,
                    Colormap::Inferno,
                ] {
                    if ui
                        .radio(self.depth.colormap == map, colormap_name(map))
                        .clicked()
                    {
                        commands.push(Command::SetColormap(map));
                    }
                }
            });
            let mut invert = self.depth.invert;
            if ui
                .checkbox(&mut invert, "Invert depth (near bright)")
                .changed()
            {
                commands.push(Command::SetInvert(invert));
            }
            let mut log = self.depth.log;
            if ui.checkbox(&mut log, "Logarithmic depth").changed() {
                commands.push(Command::SetLogScale(log));
            }
            let mut checker = self.checkerboard;
            if ui
                .checkbox(&mut checker, "Checkerboard under alpha")
                .changed()
            {
                commands.push(Command::ToggleCheckerboard);
            }
            ui.separator();
            let mut left = self.show_left;
            if ui.checkbox(&mut left, "Channels panel").changed() {
                commands.push(Command::ToggleLeftPanel);
            }
            let mut probe = self.show_probe;
            if ui.checkbox(&mut probe, "Probe panel").changed() {
                commands.push(Command::ToggleProbePanel);
            }
            let mut hist = self.show_histogram;
            if ui.checkbox(&mut hist, "Histogram (H)").changed() {
                commands.push(Command::ToggleHistogram);
            }
            menu_item(
                ui,
                has_doc,
                "File info…",
                "I — header attributes",
                Command::ShowInfo,
                commands,
            );
        });
        ui.menu_button("Help", |ui| {
            menu_item(
                ui,
                true,
                "Keyboard shortcuts",
                "F1",
                Command::ShowShortcuts,
                commands,
            );
            if ui.button("About exrprobe").clicked() {
                commands.push(Command::ShowAbout);
            }
        });
    }

    fn messages_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        if let Some(offer) = &self.save_offer {
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
                            commands.push(offer.command.clone());
                        }
                        if ui.button("Cancel").clicked() {
                            commands.push(Command::DismissSaveOffer);
                        }
                    });
                });
        }
        for (i, message) in self.messages.iter().enumerate() {
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
                        ui.label(
                            RichText::new(format!("{icon} {}", message.text)).color(Color32::WHITE),
                        );
                    });
                });
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some(doc) = &self.doc {
                ui.label(RichText::new(doc.source.label()).strong())
                    .on_hover_text(doc.image.source.clone());
                if let Some(part) = doc.image.part(0) {
                    let dw = part.data_window;
                    ui.label(format!("{}×{}", dw.width, dw.height));
                }
                let channels = doc.image.channels().count();
                ui.label(format!(
                    "{} part{}, {} channel{}",
                    doc.image.parts.len(),
                    if doc.image.parts.len() == 1 { "" } else { "s" },
                    channels,
                    if channels == 1 { "" } else { "s" }
                ));
                if self.files.len() > 1
                    && let Some(i) = self.current
                {
                    ui.label(format!("file {}/{}", i + 1, self.files.len()));
                }
                ui.separator();
            } else {
                ui.label("No file open");
            }
            if let Some(load) = &self.worker.load {
                if load.analysing {
                    ui.spinner();
                    ui.label(format!("Analysing {}…", load.source.label()))
                        .on_hover_text("Statistics and findings follow in a moment");
                } else {
                    ui.add(
                        egui::ProgressBar::new(load.fraction as f32)
                            .desired_width(160.0)
                            .show_percentage()
                            .text(format!("Loading {}", load.source.label())),
                    );
                }
            }
            for task in &self.worker.tasks {
                ui.spinner();
                ui.label(&task.label);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if self.doc.is_some() {
                    let ppp = ui.ctx().pixels_per_point();
                    ui.label(format!("{:.0} %", self.view.zoom * ppp * 100.0))
                        .on_hover_text("Zoom: screen pixels per image pixel");
                    ui.separator();
                    if let Some(summary) = self.probe_summary() {
                        ui.label(RichText::new(summary).monospace());
                    }
                }
            });
        });
    }

    /// "x 12 y 34 · Z 7.2127 · RGB 0.1 0.2 0.3" for the status bar.
    fn probe_summary(&self) -> Option<String> {
        let doc = self.doc.as_ref()?;
        let pos = self.probe()?;
        let part = doc.image.part(pos.part)?;
        let x = i64::from(part.data_window.x) + pos.col as i64;
        let y = i64::from(part.data_window.y) + pos.row as i64;
        let mut text = format!("x {x}  y {y}");
        if let Some(depth) = self.selection.depth
            && depth.part == pos.part
            && let Some(ch) = doc.image.channel(depth)
            && let Some(v) = ch.value_at(
                pos.col / ch.sampling.0.max(1),
                pos.row / ch.sampling.1.max(1),
            )
        {
            text.push_str(&format!("  ·  {} = {v}", ch.name));
        }
        if let Some(layer) = self
            .selection
            .rgb_layer
            .and_then(|i| doc.analysis.rgb_layers.get(i))
            && layer.part == pos.part
        {
            let value = |c: ChannelRef| {
                doc.image
                    .channel(c)
                    .and_then(|ch| ch.value_at(pos.col, pos.row))
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "–".to_owned())
            };
            text.push_str(&format!(
                "  ·  RGB {} {} {}",
                value(layer.r),
                value(layer.g),
                value(layer.b)
            ));
        }
        if self.pinned.is_some() {
            text.push_str("  (pinned)");
        }
        Some(text)
    }

    fn file_list(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.heading("Files");
        egui::ScrollArea::vertical()
            .id_salt("file_list")
            .auto_shrink([false, true])
            .max_height(200.0)
            .show(ui, |ui| {
                for (i, source) in self.files.iter().enumerate() {
                    let selected = self.current == Some(i);
                    let response = ui.selectable_label(selected, source.label());
                    let response = match source.path() {
                        Some(path) => response.on_hover_text(path.display().to_string()),
                        None => response,
                    };
                    if response.clicked() && !selected {
                        commands.push(Command::SelectFile(i));
                    }
                }
            });
        ui.label(RichText::new("Up/Down or PageUp/PageDown step through the files").weak());
        ui.separator();
    }

    fn left_panel(&mut self, ui: &mut egui::Ui, doc: &Document, commands: &mut Vec<Command>) {
        if self.files.len() > 1 {
            self.file_list(ui, commands);
        }
        egui::ScrollArea::both()
            .id_salt("channel_tree")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if let Some(action) = channels_ui(ui, &doc.image, &doc.analysis, &self.selection) {
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

    fn histogram_target(&self) -> Option<HistogramTarget> {
        match (self.selection.solo, self.selection.depth) {
            (Some(solo), _) => Some(HistogramTarget::Solo(solo)),
            (None, Some(depth)) => Some(HistogramTarget::Depth(depth)),
            (None, None) => None,
        }
    }

    fn histogram_panel(&mut self, ui: &mut egui::Ui, doc: &Document, commands: &mut Vec<Command>) {
        let Some(target) = self.histogram_target() else {
            ui.label("No depth channel: choose one in the channel list to see its histogram.");
            return;
        };
        let (channel, range) = match target {
            HistogramTarget::Depth(c) => {
                (c, self.depth.range.unwrap_or_else(|| robust_range(doc, c)))
            }
            HistogramTarget::Solo(c) => {
                (c, self.solo_range.unwrap_or_else(|| robust_range(doc, c)))
            }
        };
        let label = doc
            .image
            .qualified_name(channel)
            .unwrap_or_else(|| "channel".to_owned());
        let (Some(stats), Some(distribution)) = (
            doc.analysis.stats.get(&channel),
            doc.analysis.distribution(&doc.image, channel),
        ) else {
            ui.label(format!("{label} has no decoded pixels."));
            return;
        };
        if let Some((lo, hi)) = histogram_ui(
            ui,
            &label,
            stats,
            distribution,
            range,
            &mut self.histogram_settings,
        ) {
            commands.push(match target {
                HistogramTarget::Depth(_) => Command::SetDepthRange(lo, hi),
                HistogramTarget::Solo(_) => Command::SetSoloRange(lo, hi),
            });
        }
    }

    fn welcome(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let rect = ui.available_rect_before_wrap();
        let zone = rect.shrink(rect.size().min_elem().min(80.0) * 0.5);
        ui.painter().rect(
            zone,
            12.0,
            Color32::from_gray(30),
            egui::Stroke::new(2.0, Color32::from_gray(80)),
            egui::StrokeKind::Inside,
        );
        let inner =
            egui::Rect::from_center_size(zone.center(), egui::vec2(zone.width().min(520.0), 300.0));
        ui.scope_builder(egui::UiBuilder::new().max_rect(inner), |ui| {
            ui.vertical_centered(|ui| {
                ui.heading(RichText::new("exrprobe").size(28.0).strong());
                ui.label("Inspect OpenEXR renders: RGB, depth, diagnostics, .npy export");
                ui.add_space(18.0);
                ui.label(RichText::new("Drop .exr files here").size(18.0));
                ui.label(RichText::new("several files form a frame sequence").weak());
                ui.add_space(12.0);
                if ui
                    .add(
                        egui::Button::new(RichText::new("Open…").size(16.0))
                            .min_size(egui::vec2(160.0, 32.0)),
                    )
                    .on_hover_text("Ctrl+O")
                    .clicked()
                {
                    commands.push(Command::OpenDialog);
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
                if !self.recent.is_empty() {
                    ui.add_space(12.0);
                    ui.label(RichText::new("Recent").weak());
                    for path in self.recent.iter().take(5) {
                        let name = path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        if ui
                            .link(name)
                            .on_hover_text(path.display().to_string())
                            .clicked()
                        {
                            commands.push(Command::OpenRecent(path.clone()));
                        }
                    }
                }
            });
        });
        if let Some(load) = &self.worker.load {
            ui.painter().text(
                zone.center_bottom() - egui::vec2(0.0, 24.0),
                egui::Align2::CENTER_BOTTOM,
                format!(
                    "Loading {}… {:.0} %",
                    load.source.label(),
                    load.fraction * 100.0
                ),
                egui::FontId::proportional(15.0),
                Color32::from_gray(200),
            );
        }
    }

    fn windows(&mut self, ctx: &egui::Context) {
        if let Some(doc) = &self.doc {
            let mut open = self.show_info;
            egui::Window::new("File info")
                .open(&mut open)
                .pivot(egui::Align2::CENTER_CENTER)
                .default_pos(ctx.content_rect().center())
                .default_size([560.0, 480.0])
                .vscroll(true)
                .show(ctx, |ui| info_ui(ui, &doc.image));
            self.show_info = open;
        }
        let mut open = self.show_shortcuts;
        egui::Window::new("Keyboard shortcuts")
            .open(&mut open)
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .resizable(false)
            .show(ctx, shortcuts_ui);
        self.show_shortcuts = open;
        let mut open = self.show_about;
        egui::Window::new("About exrprobe")
            .open(&mut open)
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .resizable(false)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.heading(format!("exrprobe {}", env!("CARGO_PKG_VERSION")));
                ui.label(env!("CARGO_PKG_DESCRIPTION"));
                ui.label("Licensed under MIT or Apache-2.0.");
            });
        self.show_about = open;
    }

    /// Paints the overlay while files are dragged over the window and turns dropped files into an
    /// `Open` command.
    fn drag_and_drop(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
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
                if hovered == 1 {
                    "Drop to open this file".to_owned()
                } else {
                    format!("Drop to open these {hovered} files as a sequence")
                },
                egui::FontId::proportional(26.0),
                Color32::WHITE,
            );
        }
        if !dropped.is_empty() {
            commands.push(Command::Open(dropped));
        }
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let generation = self.doc.as_ref().map_or(0, |d| d.generation);
        if generation != self.title_generation {
            self.title_generation = generation;
            let title = match &self.doc {
                Some(doc) => format!("{} — exrprobe", doc.source.label()),
                None => "exrprobe".to_owned(),
            };
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
        }
    }
}
