//! One module per panel. Each `*_ui` function takes `&mut egui::Ui` plus data, does no file I/O and
//! no heavy work, and reports what the user asked for as a return value; the app turns that into a
//! `Command`.

pub mod busy;
pub mod channels;
pub mod compare;
pub mod findings;
pub mod histogram;
pub mod info;
pub mod probe;
pub mod region;
pub mod shortcuts;
pub mod timeline;

/// Above a narrow table of channels: the layer prefix all `names` share ("channels of
/// ViewLayer.…"), which the rows then leave out. Returns its length in bytes (0: none).
pub(crate) fn shared_prefix_caption(ui: &mut egui::Ui, names: &[&str]) -> usize {
    let prefix = exrprobe_core::text::common_layer_prefix(names);
    if let Some(shared) = names
        .first()
        .and_then(|n| n.get(..prefix))
        .filter(|p| !p.is_empty())
    {
        ui.label(
            egui::RichText::new(format!("channels of {shared}…"))
                .small()
                .weak(),
        );
    }
    prefix
}
