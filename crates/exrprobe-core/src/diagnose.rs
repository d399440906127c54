//! Diagnostics: findings about a loaded image, as data, in plain language.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{ChannelRef, Image};
use crate::naming::{DepthDetection, RgbLayer};
use crate::stats::ChannelStats;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// One finding. `code` is stable (scripts match on it); the texts are for people.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    /// One line, e.g. "Depth channel Z is 1.0 in every pixel".
    pub title: String,
    /// What is wrong and why it happens.
    pub explanation: String,
    /// What to do about it.
    pub fix: String,
    /// The channel it is about, if any.
    pub channel: Option<ChannelRef>,
}

/// Diagnoses an image from its statistics and detection results. Most severe first.
pub fn diagnose(
    image: &Image,
    stats: &BTreeMap<ChannelRef, ChannelStats>,
    depth: &DepthDetection,
    rgb: Option<&RgbLayer>,
) -> Vec<Finding> {
    let _ = (image, stats, depth, rgb);
    todo!()
}
