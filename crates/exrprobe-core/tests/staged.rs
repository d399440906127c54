//! Loading in two stages (`load_file` with a channel filter, then `load_rest`, as the viewer
//! does to show the drawn channels first) gives exactly what one full load gives: the same
//! parts, samples (bit for bit), errors and statistics, on every fixture (damaged ones
//! included), on multi-part files whose other part is broken, and on every compression; a file
//! rewritten between the stages is reported, not merged.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use exr::prelude::{AnyChannel, Blocks, FlatSamples, LayerAttributes, Vec2};
use exrprobe_core::load::{
    ChannelFilter, LoadError, LoadOptions, Summarized, load_file, load_rest, rest_of,
    summarize_file,
};
use exrprobe_core::model::{ChannelRef, Image};
use exrprobe_core::naming::{detect_depth, rgb_layers};
use support::{
    all_compressions, fixture, sample_bits as bits, single_layer_bytes, two_parts_second_broken,
};

fn exr_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}: {}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            exr_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "exr") {
            out.push(path);
        }
    }
}

fn full_load(path: &Path) -> Result<Summarized, LoadError> {
    summarize_file(
        path,
        &LoadOptions::default(),
        &mut |_| ChannelFilter::All,
        &mut |_| {},
        &AtomicBool::new(false),
    )
}

fn header_only(path: &Path) -> Image {
    let options = LoadOptions {
        decode_pixels: false,
        ..LoadOptions::default()
    };
    load_file(path, &options, &mut |_| {}, &AtomicBool::new(false)).unwrap()
}

/// The viewer's first stage: the best colour layer and the depth channel.
fn shown(header: &Image) -> BTreeSet<ChannelRef> {
    let mut shown: BTreeSet<ChannelRef> = detect_depth(header).channel().into_iter().collect();
    if let Some(layer) = rgb_layers(header).first() {
        shown.extend([layer.r, layer.g, layer.b]);
        shown.extend(layer.a);
    }
    shown
}

/// Equal in every respect: parts, attributes, channels, samples by their bits, errors, and the
/// statistics of every channel (compared by their debug text, which shows NaN as NaN).
fn assert_same(staged: &Summarized, full: &Summarized, what: &str) {
    assert_eq!(staged.image.parts.len(), full.image.parts.len(), "{what}");
    for (index, (a, b)) in staged.image.parts.iter().zip(&full.image.parts).enumerate() {
        let what = format!("{what}, part {index}");
        let header = |p: &exrprobe_core::model::Part| {
            let mut p = p.clone();
            for channel in &mut p.channels {
                channel.samples = None;
            }
            p
        };
        assert_eq!(header(a), header(b), "{what}");
        for (ca, cb) in a.channels.iter().zip(&b.channels) {
            assert_eq!(
                ca.samples.as_ref().map(bits),
                cb.samples.as_ref().map(bits),
                "{what}, channel {}",
                ca.name
            );
        }
    }
    assert_eq!(
        format!("{:?}", staged.stats),
        format!("{:?}", full.stats),
        "{what}: statistics"
    );
}

/// Loads `path` in two stages with `first` as the first stage's channels; `None` when the first
/// stage refuses the file (the viewer then loads it whole).
fn staged(path: &Path, first: BTreeSet<ChannelRef>) -> Option<Summarized> {
    let cancel = AtomicBool::new(false);
    let options = LoadOptions {
        channels: ChannelFilter::Only(first),
        ..LoadOptions::default()
    };
    let first = load_file(path, &options, &mut |_| {}, &cancel).ok()?;
    Some(load_rest(path, &first, &LoadOptions::default(), &mut |_| {}, &cancel).unwrap())
}

#[test]
fn every_fixture_loads_in_two_stages_as_in_one() {
    let mut files = Vec::new();
    exr_files(&fixture(""), &mut files);
    assert!(files.len() >= 15, "fixtures missing: {files:?}");
    let mut compared = 0;
    for path in &files {
        let what = path.display().to_string();
        let Ok(full) = full_load(path) else { continue };
        let header = header_only(path);
        let last = header.channels().map(|(c, _, _)| c).last();
        // The viewer's choice, a single channel, and nothing at all in the first stage.
        for first in [shown(&header), last.into_iter().collect(), BTreeSet::new()] {
            if let Some(two) = staged(path, first.clone()) {
                assert_same(&two, &full, &format!("{what}, first {first:?}"));
                compared += 1;
            }
        }
    }
    assert!(compared >= 30, "only {compared} staged loads compared");
}

#[test]
fn the_blender_render_shows_only_its_drawn_channels_first() {
    let path = fixture("blender/multilayer_zip_32.exr");
    let header = header_only(&path);
    let first = shown(&header);
    assert_eq!(first.len(), 5, "RGBA and depth: {first:?}");
    let options = LoadOptions {
        channels: ChannelFilter::Only(first.clone()),
        ..LoadOptions::default()
    };
    let partial = load_file(&path, &options, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    let decoded: BTreeSet<ChannelRef> = partial
        .channels()
        .filter(|(_, _, c)| c.samples.is_some())
        .map(|(c, _, _)| c)
        .collect();
    assert_eq!(decoded, first);
    let all: BTreeSet<ChannelRef> = partial.channels().map(|(c, _, _)| c).collect();
    assert_eq!(
        rest_of(&partial),
        all.difference(&first).copied().collect::<BTreeSet<_>>()
    );
    assert!(rest_of(&partial).len() >= 4, "Mist and Normal are left");
}

/// The second part of this file is broken: a first stage that reads only the first part
/// succeeds, and the rest must report the broken part as a full load does.
#[test]
fn a_broken_other_part_is_reported_as_a_full_load_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two_parts.exr");
    std::fs::write(&path, two_parts_second_broken()).unwrap();
    let full = full_load(&path).unwrap();
    assert!(full.image.parts.iter().any(|p| p.pixel_error.is_some()));
    let first_part: BTreeSet<ChannelRef> = header_only(&path)
        .channels()
        .filter(|(c, _, _)| c.part == 0)
        .map(|(c, _, _)| c)
        .collect();
    let two = staged(&path, first_part).unwrap();
    assert_same(&two, &full, "two parts, second broken");
    // Both parts in the first stage: its error on the broken part carries over.
    let both = header_only(&path).channels().map(|(c, _, _)| c).collect();
    let two = staged(&path, both).unwrap();
    assert_same(&two, &full, "two parts, both in the first stage");
}

#[test]
fn every_compression_loads_in_two_stages_as_in_one() {
    let dir = tempfile::tempdir().unwrap();
    let (width, height) = (37, 21);
    let mut rng = support::XorShift(0x9e37_79b9_7f4a_7c15);
    for (compression, blocks) in all_compressions()
        .into_iter()
        .flat_map(|c| [(c, Blocks::ScanLines), (c, Blocks::Tiles(Vec2(16, 8)))])
    {
        let mut channel = |name: &str| {
            let values: Vec<f32> = (0..width * height)
                .map(|_| (rng.next() % 10_000) as f32 / 7.0)
                .collect();
            AnyChannel::new(name, FlatSamples::F32(values))
        };
        let channels = vec![
            channel("B"),
            channel("G"),
            channel("R"),
            channel("Z"),
            channel("N.X"),
        ];
        let bytes = single_layer_bytes(
            (width, height),
            LayerAttributes::named("layer"),
            compression,
            blocks,
            channels,
        );
        let path = dir.path().join(format!("{compression:?}_{blocks:?}.exr"));
        std::fs::write(&path, bytes).unwrap();
        let full = full_load(&path).unwrap();
        let header = header_only(&path);
        let two = staged(&path, shown(&header)).unwrap();
        assert_same(&two, &full, &format!("{compression:?} {blocks:?}"));
    }
}

#[test]
fn a_file_rewritten_between_the_stages_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frame.exr");
    std::fs::copy(fixture("blender/multilayer_zip_32.exr"), &path).unwrap();
    let cancel = AtomicBool::new(false);
    let header = header_only(&path);
    let options = LoadOptions {
        channels: ChannelFilter::Only(shown(&header)),
        ..LoadOptions::default()
    };
    let first = load_file(&path, &options, &mut |_| {}, &cancel).unwrap();
    // Another render with other channels lands on the same name.
    std::fs::copy(fixture("blender/single_zbuf_compositing_on.exr"), &path).unwrap();
    let error = load_rest(&path, &first, &LoadOptions::default(), &mut |_| {}, &cancel)
        .expect_err("a rewritten file must not be merged");
    assert!(matches!(error, LoadError::Changed { .. }), "{error:?}");
    assert!(
        error.to_string().ends_with(&path.display().to_string()),
        "{error}"
    );
}

/// The memory budget counts the first stage's samples, which the whole image holds again.
#[test]
fn the_budget_counts_the_copied_channels() {
    let path = fixture("blender/multilayer_zip_32.exr");
    let cancel = AtomicBool::new(false);
    let header = header_only(&path);
    let options = LoadOptions {
        channels: ChannelFilter::Only(shown(&header)),
        ..LoadOptions::default()
    };
    let first = load_file(&path, &options, &mut |_| {}, &cancel).unwrap();
    let whole: u64 = header
        .channels()
        .map(|(_, _, c)| c.decoded_byte_size() as u64)
        .sum();
    // Enough for the other channels alone, not with the copied ones.
    let first_bytes: u64 = first
        .channels()
        .filter(|(_, _, c)| c.samples.is_some())
        .map(|(_, _, c)| c.decoded_byte_size() as u64)
        .sum();
    let tight = LoadOptions {
        memory_budget_bytes: whole - first_bytes / 2,
        ..LoadOptions::default()
    };
    let refused = load_rest(&path, &first, &tight, &mut |_| {}, &cancel);
    assert!(
        matches!(refused, Err(LoadError::TooLarge { .. })),
        "{:?}",
        refused.map(|_| ())
    );
}
