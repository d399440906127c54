//! `summarize_file` (how `check` and `info` read files: statistics computed row by row while
//! decoding, samples kept only for the depth channel) against `load_file` + `analyze`: the same
//! statistics, findings, kept samples and errors, on every fixture (damaged ones included), on
//! synthetic files of every compression and block layout with hostile values, and on corrupted
//! copies of those; and the memory budget counts only the kept channels.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use exr::prelude::{AnyChannel, Blocks, Compression, FlatSamples, LayerAttributes, Vec2, f16};
use exrprobe_core::analysis::{analyze, analyze_summarized};
use exrprobe_core::load::{
    ChannelFilter, LoadError, LoadOptions, Summarized, load_file, summarize_file,
};
use exrprobe_core::model::{ChannelRef, Image};
use exrprobe_core::naming::detect_depth;
use exrprobe_core::stats::ChannelStats;
use support::{XorShift, all_compressions, fixture, sample_bits as bits, single_layer_bytes};

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

fn options(memory_budget_bytes: u64) -> LoadOptions {
    LoadOptions {
        memory_budget_bytes,
        ..LoadOptions::default()
    }
}

fn summarize_keeping_depth(path: &Path, options: &LoadOptions) -> Result<Summarized, LoadError> {
    let cancel = AtomicBool::new(false);
    summarize_file(
        path,
        options,
        &mut |header| ChannelFilter::only(detect_depth(header).channel()),
        &mut |_| {},
        &cancel,
    )
}

/// Equal in every field, the mean too (both are the exact sum rounded once, whatever order the
/// samples were summed in).
fn assert_same_stats(full: &ChannelStats, summarized: &ChannelStats, what: &str) {
    // NaN constants compare by their bits.
    assert_eq!(
        full.constant.map(f64::to_bits),
        summarized.constant.map(f64::to_bits),
        "{what}: constant"
    );
    assert_eq!(
        full.mean.map(f64::to_bits),
        summarized.mean.map(f64::to_bits),
        "{what}: mean {:?} against {:?}",
        full.mean,
        summarized.mean
    );
    let rest = |s: &ChannelStats| ChannelStats {
        mean: None,
        constant: None,
        ..s.clone()
    };
    assert_eq!(rest(full), rest(summarized), "{what}");
}

/// OpenEXR's `WideFloatRange.exr` holds values from ±1e-38 to ±1e38 that cancel: the exact
/// mean, which NumPy's float64 mean and `math.fsum` also give, is 0. Summed in f64 lanes it
/// came out as 7.7e19 (#10, item 11).
#[test]
fn the_mean_of_a_wide_float_range_is_exact() {
    let path = fixture("openexr-images/TestImages/WideFloatRange.exr");
    let summarized = summarize_keeping_depth(&path, &options(1 << 30)).unwrap();
    let image = &summarized.image;
    let green = image.find_channel("G").unwrap();
    let stats = &summarized.stats[&green];
    assert_eq!(stats.mean, Some(0.0));
    let full = load_file(
        &path,
        &options(1 << 30),
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let samples = full.channel(green).unwrap().samples.as_ref().unwrap();
    assert_eq!(exrprobe_core::stats::channel_stats(samples).mean, Some(0.0));
}

/// Reads `path` both ways and checks they agree. Returns whether it decoded.
fn compare(path: &Path, budget: u64) -> bool {
    let what = path.display().to_string();
    let cancel = AtomicBool::new(false);
    let full = load_file(path, &options(budget), &mut |_| {}, &cancel);
    let summarized = summarize_keeping_depth(path, &options(budget));
    let (full, summarized) = match (full, summarized) {
        (Ok(full), Ok(summarized)) => (full, summarized),
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{what}: errors");
            return false;
        }
        (a, b) => panic!(
            "{what}: load_file gives {:?}, summarize_file {:?}",
            a.map(|_| ()),
            b.map(|_| ())
        ),
    };
    let full_analysis = analyze(&full);
    assert_eq!(
        full_analysis.stats.keys().collect::<Vec<_>>(),
        summarized.stats.keys().collect::<Vec<_>>(),
        "{what}: channels with statistics"
    );
    for (channel, stats) in &full_analysis.stats {
        assert_same_stats(
            stats,
            &summarized.stats[channel],
            &format!("{what}, channel {channel:?}"),
        );
    }
    let depth = full_analysis.depth_channel();
    for (part_index, (full_part, part)) in
        full.parts.iter().zip(&summarized.image.parts).enumerate()
    {
        assert_eq!(
            full_part.pixel_error, part.pixel_error,
            "{what}: part error"
        );
        for (index, (full_channel, channel)) in
            full_part.channels.iter().zip(&part.channels).enumerate()
        {
            let channel_ref = ChannelRef {
                part: part_index,
                channel: index,
            };
            if Some(channel_ref) == depth {
                assert_eq!(
                    full_channel.samples.as_ref().map(bits),
                    channel.samples.as_ref().map(bits),
                    "{what}: kept depth samples"
                );
            } else {
                assert!(
                    channel.samples.is_none(),
                    "{what}: {channel_ref:?} was kept"
                );
            }
        }
    }
    let (image, analysis) = analyze_summarized(summarized);
    assert_eq!(analysis.depth_channel(), depth, "{what}: depth");
    let findings = |a: &exrprobe_core::Analysis| {
        a.findings
            .iter()
            .map(|f| (f.code, f.severity, f.title.clone(), f.channel))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        findings(&full_analysis),
        findings(&analysis),
        "{what}: findings"
    );
    if let Some(depth) = depth {
        assert_eq!(
            full_analysis.distribution(&full, depth),
            analysis.distribution(&image, depth),
            "{what}: depth distribution"
        );
    }
    true
}

#[test]
fn every_fixture_summarises_like_the_full_load() {
    let mut files = Vec::new();
    exr_files(&fixture(""), &mut files);
    assert!(files.len() >= 15, "fixtures missing: {files:?}");
    let decoded = files.iter().filter(|path| compare(path, 1 << 30)).count();
    // The damaged corpus fails both ways (and must fail alike); the others decode.
    assert!(
        decoded >= 10,
        "only {decoded} of {} fixtures decoded",
        files.len()
    );
}

/// Deterministic hostile values: every class the statistics tell apart.
fn hostile_floats(count: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    (0..count)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            match state % 16 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => f32::NEG_INFINITY,
                3 => 1e10,
                4 => -0.0,
                5 => f32::from_bits(state >> 9), // subnormals and small values
                _ => (i as f32 * 0.37).sin() * 50.0 + 60.0,
            }
        })
        .collect()
}

fn synthetic_file(
    compression: Compression,
    blocks: Blocks,
    (width, height): (usize, usize),
) -> Vec<u8> {
    let count = width * height;
    let floats = hostile_floats(count, width as u32 * 31 + height as u32);
    let channels = vec![
        AnyChannel::new("Z", FlatSamples::F32(floats.clone())),
        AnyChannel::new(
            "R",
            FlatSamples::F16(floats.iter().map(|&v| f16::from_f32(v * 0.01)).collect()),
        ),
        AnyChannel::new("G", FlatSamples::F16(vec![f16::from_f32(0.5); count])),
        AnyChannel::new("B", FlatSamples::F32(vec![f32::NAN; count])),
        AnyChannel::new(
            "id",
            FlatSamples::U32((0..count as u32).map(|i| i.wrapping_mul(7919)).collect()),
        ),
        AnyChannel::new("mask", FlatSamples::U32(vec![7; count])),
        // Every row constant, rows different: not a constant channel.
        AnyChannel::new(
            "stripes",
            FlatSamples::F16(
                (0..count)
                    .map(|i| f16::from_f32((i / width) as f32))
                    .collect(),
            ),
        ),
    ];
    single_layer_bytes(
        (width, height),
        LayerAttributes {
            layer_position: Vec2(-3, 5),
            ..LayerAttributes::named("render")
        },
        compression,
        blocks,
        channels,
    )
}

/// Every compression, scan lines and tiles that do not divide the image, several sizes: the rows
/// of a band arrive block by block (tile by tile) and must all be summarised exactly once.
#[test]
fn synthetic_files_of_every_layout_summarise_like_the_full_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut decoded = 0;
    for compression in all_compressions() {
        for blocks in [
            Blocks::ScanLines,
            Blocks::Tiles(Vec2(8, 4)),
            Blocks::Tiles(Vec2(16, 16)),
        ] {
            for size in [(1, 1), (37, 23), (130, 70)] {
                let path = dir.path().join(format!(
                    "{compression:?}_{blocks:?}_{}x{}.exr",
                    size.0, size.1
                ));
                std::fs::write(&path, synthetic_file(compression, blocks, size)).unwrap();
                assert!(
                    compare(&path, 1 << 30),
                    "{} does not decode",
                    path.display()
                );
                decoded += 1;
            }
        }
    }
    assert_eq!(decoded, all_compressions().len() * 9);
}

/// Corrupted copies fail (or, rarely, decode) the same way both ways: a block that lands
/// outside the band of a channel that is only summarised is refused like one that lands
/// outside a kept buffer.
#[test]
fn corrupted_files_fail_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut random = XorShift(0x2545_f491_4f6c_dd1d);
    let mut next = move || random.next();
    let mut failed = 0;
    let mut runs = 0;
    for compression in [Compression::ZIP16, Compression::PIZ, Compression::RLE] {
        for blocks in [Blocks::ScanLines, Blocks::Tiles(Vec2(16, 8))] {
            let seed = synthetic_file(compression, blocks, (61, 45));
            for round in 0..25 {
                let mut bytes = seed.clone();
                // Past the header: damage the offset tables and the blocks.
                let start = bytes.len() / 8;
                for _ in 0..1 + next() % 3 {
                    let at = start + (next() as usize) % (bytes.len() - start);
                    bytes[at] ^= 1 << (next() % 8);
                }
                let path = dir.path().join(format!("{compression:?}_{round}.exr"));
                std::fs::write(&path, &bytes).unwrap();
                let cancel = AtomicBool::new(false);
                if load_file(&path, &options(1 << 30), &mut |_| {}, &cancel).is_err() {
                    failed += 1;
                }
                compare(&path, 1 << 30);
                runs += 1;
            }
        }
    }
    assert!(
        failed > runs / 4,
        "only {failed} of {runs} corrupted files failed"
    );
}

/// The budget counts the kept channels only: a file too large to load whole is summarised
/// within a budget that holds its depth channel (plus the offset table).
#[test]
fn the_budget_counts_only_the_kept_channels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.exr");
    let (width, height) = (256, 128);
    std::fs::write(
        &path,
        synthetic_file(Compression::ZIP16, Blocks::ScanLines, (width, height)),
    )
    .unwrap();
    let depth_bytes = (width * height * 4) as u64;
    let offset_table_bytes = (height / 16 * 8) as u64;
    // One ZIP block in flight: 16 rows of the 7 channels (22 bytes a pixel), compressed (at
    // most raw, and at most the file) and inflated.
    let block_bytes = 16 * width as u64 * 22;
    let file_len = std::fs::metadata(&path).unwrap().len();
    let budget = depth_bytes + offset_table_bytes + block_bytes.min(file_len) + block_bytes;
    let cancel = AtomicBool::new(false);
    match load_file(&path, &options(budget), &mut |_| {}, &cancel) {
        Err(LoadError::TooLarge { needed_bytes, .. }) => assert!(needed_bytes > budget),
        other => panic!(
            "the whole file fits {budget} bytes: {:?}",
            other.map(|_| ())
        ),
    }
    let summarized = summarize_keeping_depth(&path, &options(budget)).unwrap();
    assert_eq!(summarized.stats.len(), 7);
    let kept: Vec<&str> = summarized
        .image
        .channels()
        .filter(|(_, _, c)| c.samples.is_some())
        .map(|(_, _, c)| c.name.as_str())
        .collect();
    assert_eq!(kept, ["Z"]);
    // One byte less and even the depth channel does not fit.
    match summarize_keeping_depth(&path, &options(budget - 1)) {
        Err(LoadError::TooLarge { needed_bytes, .. }) => assert_eq!(needed_bytes, budget),
        other => panic!("{:?}", other.map(|_| ())),
    }
}

/// A filter that keeps nothing still gives every channel's statistics; one that keeps all
/// gives the full load's samples.
#[test]
fn keeping_nothing_or_everything() {
    let path = fixture("blender/multilayer_zip_32.exr");
    let cancel = AtomicBool::new(false);
    let full = load_file(&path, &options(1 << 30), &mut |_| {}, &cancel).unwrap();
    let channel_count = full.channels().count();
    let read = |keep: ChannelFilter| {
        summarize_file(
            &path,
            &options(1 << 30),
            &mut |_: &Image| keep.clone(),
            &mut |_| {},
            &cancel,
        )
        .unwrap()
    };
    let nothing = read(ChannelFilter::only([]));
    assert_eq!(nothing.stats.len(), channel_count);
    assert!(
        nothing
            .image
            .channels()
            .all(|(_, _, c)| c.samples.is_none())
    );
    let everything = read(ChannelFilter::All);
    assert_eq!(everything.stats.len(), channel_count);
    for ((_, _, a), (_, _, b)) in full.channels().zip(everything.image.channels()) {
        assert_eq!(
            a.samples.as_ref().map(bits),
            b.samples.as_ref().map(bits),
            "{}",
            a.name
        );
    }
}
