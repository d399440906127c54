//! The window's background: painted once per frame by the GPU's clear, not by every panel.
//!
//! egui's panels fill their rectangles with `panel_fill`, so by default every pixel of the
//! window is shaded at least twice per frame: the clear, then the panel's fill (and a third
//! time under a card drawn on the central panel). On a GPU that costs nothing; on a software
//! rasteriser it is most of the frame. Mesa's llvmpipe, which remote desktops, VNC sessions and
//! virtual machines without a GPU use, shades a full-window fill in tens of milliseconds on two
//! cores, and the clear takes a fraction of that. Measured on the release build under Xvfb
//! (1400×900 window, 2 cores): the welcome screen cost about 190 ms of rasteriser time per frame,
//! the menu and status bars alone 10 ms; CPU that the decoder of the file being opened did not
//! get. So the panels here have transparent frames and [`clear_color`] is the panel colour: the
//! window looks the same, and each frame shades only what is drawn on it.

use egui::{Color32, Frame, Style, Visuals};

/// The clear colour of every frame: the panels' colour, since the panels draw none.
pub fn clear_color(visuals: &Visuals) -> [f32; 4] {
    visuals.panel_fill.to_normalized_gamma_f32()
}

/// A side, top or bottom panel's frame: egui's margins, no fill (the clear shows through).
pub fn side_frame(style: &Style) -> Frame {
    Frame::side_top_panel(style).fill(Color32::TRANSPARENT)
}

/// The central panel's frame: egui's margins, no fill.
pub fn central_frame(style: &Style) -> Frame {
    Frame::central_panel(style).fill(Color32::TRANSPARENT)
}
