//! Everything computed once per loaded image: per-channel statistics, depth/RGB detection and
//! findings. The CLI prints it; the viewer computes it on the loader thread and caches it.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::diagnose::{Finding, diagnose};
use crate::model::{ChannelRef, Image};
use crate::naming::{DepthDetection, RgbLayer, detect_depth, rgb_layers};
use crate::stats::{ChannelStats, channel_stats};

/// The analysis of one image.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Statistics of every decoded channel.
    pub stats: BTreeMap<ChannelRef, ChannelStats>,
    pub depth: DepthDetection,
    /// Every colour layer, best first; the first is the default.
    pub rgb_layers: Vec<RgbLayer>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
}

impl Analysis {
    pub fn rgb(&self) -> Option<&RgbLayer> {
        self.rgb_layers.first()
    }

    pub fn depth_channel(&self) -> Option<ChannelRef> {
        self.depth.channel()
    }
}

/// Analyses `image`: statistics of all channels in parallel, then detection and diagnostics.
pub fn analyze(image: &Image) -> Analysis {
    let channels: Vec<_> = image.channels().collect();
    let stats: BTreeMap<ChannelRef, ChannelStats> = channels
        .par_iter()
        .filter_map(|(channel_ref, _, channel)| {
            let samples = channel.samples.as_ref()?;
            Some((*channel_ref, channel_stats(samples)))
        })
        .collect();
    let depth = detect_depth(image);
    let rgb_layers = rgb_layers(image);
    let findings = diagnose(image, &stats, &depth, rgb_layers.first());
    Analysis {
        stats,
        depth,
        rgb_layers,
        findings,
    }
}
