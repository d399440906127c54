//! One module per panel. Each `*_ui` function takes `&mut egui::Ui` plus data, does no file I/O and
//! no heavy work, and reports what the user asked for as a return value; the app turns that into a
//! `Command`.

pub mod channels;
pub mod compare;
pub mod findings;
pub mod histogram;
pub mod info;
pub mod probe;
pub mod region;
pub mod shortcuts;
pub mod timeline;
