//! Decoding a file in two stages: the channels a viewer is about to draw first, the others
//! afterwards.
//!
//! A Blender render with 33 passes decodes to about 1.1 GB at 4K, of which the viewer draws four
//! channels (a colour layer and the depth). Most of a full load is spent writing the samples of
//! the other 29 into fresh memory, so the first image waits for data nobody looks at yet. The
//! viewer therefore loads the shown channels with [`super::load_file`] and a
//! [`ChannelFilter::Only`], shows them, and then calls [`load_rest`] for everything else. The
//! compressed blocks are read and inflated twice (a block holds every channel of its rows), which
//! costs far less than it saves on the way to the first image.
//!
//! [`load_rest`] gives exactly what a full load gives, with the statistics of every channel as
//! [`super::summarize_file`] computes them: the rest are summarised while they are decoded, the
//! first stage's channels are copied over and summarised from their samples.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::{ChannelFilter, LoadError, LoadOptions, Progress, Summarized, summarize_file};
use crate::model::{ChannelRef, Image, Part, PixelState};
use crate::stats::channel_stats;

/// The channels of `first` left out by its channel filter ([`PixelState::NotRequested`]); not
/// those of a part the first stage found it could not decode (trying again would fail again).
pub fn rest_of(first: &Image) -> BTreeSet<ChannelRef> {
    first
        .channels()
        .filter(|(channel_ref, part, _)| {
            part.pixel_state(channel_ref.channel) == Some(PixelState::NotRequested)
        })
        .map(|(channel_ref, _, _)| channel_ref)
        .collect()
}

/// Decodes the channels `first` (a load of the same file with a channel filter) lacks and
/// returns the whole file, as a full load with [`super::summarize_file`] keeping every channel
/// would: the samples of `first` are copied, the others decoded, and every decoded channel has
/// its statistics.
///
/// The memory budget of `options` counts the copied samples too. When the file no longer has
/// the parts and channels of `first` (it was rewritten in between) the load fails with
/// [`LoadError::Changed`]. When the other channels' parts turn out to be damaged beyond use, the
/// file is decoded once more as a whole, so damage is reported as a full load reports it.
pub fn load_rest(
    path: &Path,
    first: &Image,
    options: &LoadOptions,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<Summarized, LoadError> {
    let copied_bytes: u64 = first
        .channels()
        .filter_map(|(_, _, channel)| channel.samples.as_ref())
        .map(|samples| (samples.len() * samples.sample_type().bytes_per_sample()) as u64)
        .sum();
    let rest_options = LoadOptions {
        memory_budget_bytes: options.memory_budget_bytes.saturating_sub(copied_bytes),
        decode_pixels: true,
        channels: ChannelFilter::both(&options.channels, &ChannelFilter::Only(rest_of(first))),
    };
    let mut keep_all = |_: &Image| ChannelFilter::All;
    let rest = match summarize_file(path, &rest_options, &mut keep_all, progress, cancel) {
        Ok(rest) => rest,
        // Every part holding the other channels is broken: a full load reports that on the
        // parts (the first stage's part decoded) rather than refusing the file.
        Err(LoadError::Invalid { .. }) => {
            return summarize_file(path, options, &mut keep_all, &mut |_| {}, cancel);
        }
        Err(error) => return Err(error),
    };
    let Summarized {
        mut image,
        mut stats,
    } = rest;
    if !same_layout(&first.parts, &image.parts) {
        return Err(LoadError::Changed {
            path: path.display().to_string(),
        });
    }
    for (part_index, (part, first_part)) in image.parts.iter_mut().zip(&first.parts).enumerate() {
        for (channel_index, (channel, first_channel)) in part
            .channels
            .iter_mut()
            .zip(&first_part.channels)
            .enumerate()
        {
            if channel.samples.is_none()
                && let Some(samples) = &first_channel.samples
            {
                stats.insert(
                    ChannelRef {
                        part: part_index,
                        channel: channel_index,
                    },
                    channel_stats(samples),
                );
                channel.samples = Some(samples.clone());
            }
        }
        // Either stage may have met the part's damage (the stage that read its blocks).
        if part.pixel_error.is_none() {
            part.pixel_error.clone_from(&first_part.pixel_error);
            part.pixels_damaged = first_part.pixels_damaged;
        }
        part.missing_level_blocks = part
            .missing_level_blocks
            .max(first_part.missing_level_blocks);
    }
    Ok(Summarized { image, stats })
}

/// True when both loads have the same parts with the same channels (names, types, sizes).
fn same_layout(a: &[Part], b: &[Part]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            a.name == b.name
                && a.data_window == b.data_window
                && a.channels.len() == b.channels.len()
                && a.channels.iter().zip(&b.channels).all(|(a, b)| {
                    a.name == b.name
                        && a.sample_type == b.sample_type
                        && a.width == b.width
                        && a.height == b.height
                })
        })
}
