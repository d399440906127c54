//! Everything computed once per loaded image: per-channel summary statistics, depth/RGB
//! detection and findings, plus per-channel distributions (robust range and histogram) computed
//! on demand. The CLI prints it; the viewer computes it on the loader thread and caches it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::diagnose::{Finding, diagnose};
use crate::load::Summarized;
use crate::model::{ChannelRef, Image};
use crate::naming::{DepthDetection, RgbLayer, detect_depth, rgb_layers};
use crate::stats::{ChannelStats, Distribution, channel_stats, distribution};

/// The analysis of one image.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Summary statistics of every decoded channel.
    pub stats: BTreeMap<ChannelRef, ChannelStats>,
    pub depth: DepthDetection,
    /// Every colour layer, best first; the first is the default.
    pub rgb_layers: Vec<RgbLayer>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// The distribution of every decoded channel, computed at most once, when first asked for
    /// (the detected depth channel's during [`analyze`]).
    distributions: BTreeMap<ChannelRef, OnceLock<Distribution>>,
    /// False for [`Analysis::detection_only`]: statistics and findings are still to come.
    complete: bool,
}

impl Analysis {
    /// An analysis from its parts, with no distribution computed yet (one can be for every
    /// channel in `stats`).
    pub fn new(
        stats: BTreeMap<ChannelRef, ChannelStats>,
        depth: DepthDetection,
        rgb_layers: Vec<RgbLayer>,
        findings: Vec<Finding>,
    ) -> Self {
        let distributions = stats.keys().map(|&c| (c, OnceLock::new())).collect();
        Self {
            stats,
            depth,
            rgb_layers,
            findings,
            distributions,
            complete: true,
        }
    }

    /// What can be known without a pass over the samples: the depth channel and the colour
    /// layers (from the channel names), no statistics and no findings yet; distributions can be
    /// asked for every decoded channel. The viewer shows a freshly decoded image with this while
    /// [`analyze`] runs.
    pub fn detection_only(image: &Image) -> Self {
        let mut analysis = Self::new(
            BTreeMap::new(),
            detect_depth(image),
            rgb_layers(image),
            Vec::new(),
        );
        analysis.distributions = image
            .channels()
            .filter(|(_, _, channel)| channel.samples.is_some())
            .map(|(channel_ref, _, _)| (channel_ref, OnceLock::new()))
            .collect();
        analysis.complete = false;
        analysis
    }

    /// False while only the detection is known ([`Analysis::detection_only`]).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    pub fn rgb(&self) -> Option<&RgbLayer> {
        self.rgb_layers.first()
    }

    pub fn depth_channel(&self) -> Option<ChannelRef> {
        self.depth.channel()
    }

    /// The distribution (exact robust range and display histogram) of `channel`, computed from
    /// `image` (the image this analysis was made from) the first time it is asked for; later
    /// calls, from any thread, return the same value without work. `None` when the channel has
    /// no decoded samples. The first call for a 4K float channel costs a few tens of
    /// milliseconds of CPU (three parallel passes over the samples).
    pub fn distribution(&self, image: &Image, channel: ChannelRef) -> Option<&Distribution> {
        let cell = self.distributions.get(&channel)?;
        if let Some(done) = cell.get() {
            return Some(done);
        }
        let samples = image.channel(channel)?.samples.as_ref()?;
        Some(cell.get_or_init(|| distribution(samples)))
    }

    /// The distribution of `channel` if it was computed already (never computes).
    pub fn computed_distribution(&self, channel: ChannelRef) -> Option<&Distribution> {
        self.distributions.get(&channel)?.get()
    }
}

/// Analyses `image`: summary statistics of all channels in parallel, the distribution of the
/// depth channel, then detection and diagnostics.
pub fn analyze(image: &Image) -> Analysis {
    complete(image, Analysis::detection_only(image))
}

/// Completes a [`Analysis::detection_only`] of `image` into the full analysis: summary statistics
/// of all channels, the depth channel's distribution (kept if it was computed already), findings.
pub fn complete(image: &Image, analysis: Analysis) -> Analysis {
    let channels: Vec<_> = image.channels().collect();
    let stats = channels
        .par_iter()
        .filter_map(|(channel_ref, _, channel)| {
            let samples = channel.samples.as_ref()?;
            Some((*channel_ref, channel_stats(samples)))
        })
        .collect();
    complete_with(image, analysis, stats)
}

/// Analyses a file read by [`crate::load::summarize_file`], whose statistics the loader
/// computed already. Distributions can be computed only for the channels it kept (keep the
/// depth channel: its distribution is part of the analysis).
pub fn analyze_summarized(summarized: Summarized) -> (Image, Analysis) {
    let Summarized { image, stats } = summarized;
    let analysis = complete_with(&image, Analysis::detection_only(&image), stats);
    (image, analysis)
}

/// Completes `analysis` of `image` with the statistics of its channels: the depth channel's
/// distribution, findings.
fn complete_with(
    image: &Image,
    mut analysis: Analysis,
    stats: BTreeMap<ChannelRef, ChannelStats>,
) -> Analysis {
    analysis.stats = stats;
    let depth_distribution = analysis
        .depth_channel()
        .and_then(|c| analysis.distribution(image, c));
    let findings = diagnose(
        image,
        &analysis.stats,
        &analysis.depth,
        depth_distribution,
        analysis.rgb_layers.first(),
    );
    analysis.findings = findings;
    analysis.complete = true;
    analysis
}
