//! The channel tree: part › layer › pass › channel, with type, min/max and NaN/Inf/constant badges.

use exrprobe_core::Analysis;
use exrprobe_core::model::{ChannelRef, Image};

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

/// Draws the tree. Returns the action the user took this frame, if any.
pub fn channels_ui(
    ui: &mut egui::Ui,
    image: &Image,
    analysis: &Analysis,
    selection: &ChannelSelection,
) -> Option<ChannelAction> {
    let _ = (ui, image, analysis, selection);
    todo!()
}
