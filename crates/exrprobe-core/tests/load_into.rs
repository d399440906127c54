//! Decoding into the caller's buffers (`load_file_into`): every sample of every channel is
//! written (the buffers start filled with a marker, as `numpy.empty` may hand out old memory)
//! and equals a normal load bit for bit, for every codec, tiles, mip-maps and several parts;
//! damage is reported on the parts as a normal load reports it; buffers that do not fit the
//! file's channels are refused before anything is decoded.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use exr::prelude::{AnyChannel, Blocks, FlatSamples, LayerAttributes};
use exrprobe_core::f16;
use exrprobe_core::load::{LoadError, LoadOptions, load_file, load_file_into};
use exrprobe_core::model::{ChannelRef, Image, SampleType, Samples, SamplesMut};
use support::{all_compressions, fixture, sample_bits, single_layer_bytes};

const BUDGET_BYTES: u64 = 1 << 30;

/// Marker values no decoder writes by accident: NaNs with odd payloads, and a uint pattern.
const MARK_F16: u16 = 0x7E01;
const MARK_F32: u32 = 0x7FC0_1235;
const MARK_U32: u32 = 0xDEAD_BEEF;

/// One owned buffer per channel of `head` (a header-only load), filled with the markers.
fn marked_buffers(head: &Image) -> BTreeMap<ChannelRef, Samples> {
    head.channels()
        .map(|(channel_ref, _, channel)| {
            let count = channel.width * channel.height;
            let samples = match channel.sample_type {
                SampleType::Half => Samples::F16(vec![f16::from_bits(MARK_F16); count]),
                SampleType::Float => Samples::F32(vec![f32::from_bits(MARK_F32); count]),
                SampleType::Uint => Samples::U32(vec![MARK_U32; count]),
            };
            (channel_ref, samples)
        })
        .collect()
}

/// The buffers lent to the loader.
fn as_targets(buffers: &mut BTreeMap<ChannelRef, Samples>) -> BTreeMap<ChannelRef, SamplesMut<'_>> {
    buffers
        .iter_mut()
        .map(|(&channel_ref, samples)| (channel_ref, samples.as_samples_mut()))
        .collect()
}

fn header_only(path: &Path) -> Image {
    let options = LoadOptions {
        decode_pixels: false,
        ..LoadOptions::default()
    };
    load_file(path, &options, &mut |_| {}, &AtomicBool::new(false))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Loads `path` both ways and compares every channel (and every part's error); returns how many
/// channels had samples to compare.
fn compare_both_ways(path: &Path) -> usize {
    let cancel = AtomicBool::new(false);
    let options = LoadOptions {
        memory_budget_bytes: BUDGET_BYTES,
        ..LoadOptions::default()
    };
    let full = load_file(path, &options, &mut |_| {}, &cancel)
        .unwrap_or_else(|e| panic!("{e}: {}", path.display()));
    let head = header_only(path);
    let mut buffers = marked_buffers(&head);
    let targets = as_targets(&mut buffers);
    let into = load_file_into(path, BUDGET_BYTES, targets, &mut |_| {}, &cancel)
        .unwrap_or_else(|e| panic!("{e}: {}", path.display()));
    let mut compared = 0;
    for (channel_ref, part, channel) in full.channels() {
        let into_part = into.part(channel_ref.part).expect("same parts");
        assert_eq!(
            into_part.pixel_error,
            part.pixel_error,
            "{} {channel_ref:?}",
            path.display()
        );
        assert!(
            into.channel(channel_ref)
                .is_some_and(|c| c.samples.is_none()),
            "the samples went to the caller's buffer"
        );
        let Some(expected) = &channel.samples else {
            continue;
        };
        let got = buffers
            .get(&channel_ref)
            .expect("a buffer for every channel");
        assert_eq!(
            sample_bits(got),
            sample_bits(expected),
            "{} {} ({channel_ref:?})",
            path.display(),
            channel.name
        );
        compared += 1;
    }
    compared
}

#[test]
fn every_sample_is_written_and_equals_a_normal_load() {
    let files = [
        "blender/multilayer_zip_32.exr",
        "blender/multilayer_piz_16.exr",
        "blender/single_zbuf_compositing_on.exr",
        "openexr-images/Beachball/multipart.0001.exr",
        "openexr-images/MultiResolution/ColorCodedLevels.exr",
        "openexr-images/TestImages/AllHalfValues.exr",
        "openexr-images/TestImages/WideFloatRange.exr",
        "openexr-images/TestImages/BrightRingsNanInf.exr",
        "openexr-images/LuminanceChroma/Garden.exr",
        "openexr-images/DisplayWindow/t01.exr",
        "openexr-images/dwa/comp_dwaa_v1.exr",
        "openexr-images/dwa/comp_dwab_v2.exr",
    ];
    let mut compared = 0;
    for file in files {
        compared += compare_both_ways(&fixture(file));
    }
    assert!(compared > 60, "only {compared} channels compared");
}

/// Every codec, scan lines and tiles whose size does not divide the image, all three sample
/// types.
#[test]
fn every_codec_and_block_layout_fills_the_whole_buffer() {
    let (width, height) = (83, 71);
    let count = width * height;
    let channels = || {
        vec![
            AnyChannel::new(
                "A",
                FlatSamples::F16((0..count).map(|i| f16::from_f32(i as f32 * 0.25)).collect()),
            ),
            AnyChannel::new(
                "Z",
                FlatSamples::F32((0..count).map(|i| (i as f32).sqrt() * 3.5).collect()),
            ),
            AnyChannel::new("id", FlatSamples::U32((0..count as u32).collect())),
        ]
    };
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for compression in all_compressions() {
        for blocks in [Blocks::ScanLines, Blocks::Tiles(exr::math::Vec2(32, 16))] {
            let bytes = single_layer_bytes(
                (width, height),
                LayerAttributes::named("layer"),
                compression,
                blocks,
                channels(),
            );
            let path = dir.path().join(format!("{compression:?}_{blocks:?}.exr"));
            std::fs::write(&path, bytes).unwrap();
            compared += compare_both_ways(&path);
        }
    }
    assert_eq!(compared, all_compressions().len() * 2 * 3);
}

/// A part whose blocks are damaged: the part says so, exactly as a normal load does (the
/// comparison checks the errors), and the other part is decoded; a file whose only part is cut
/// is refused with the same error as a normal load.
#[test]
fn damage_is_reported_as_a_normal_load_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("second_broken.exr");
    std::fs::write(&path, support::two_parts_second_broken()).unwrap();
    assert_eq!(compare_both_ways(&path), 1);
    let head = header_only(&path);
    let mut buffers = marked_buffers(&head);
    let targets = as_targets(&mut buffers);
    let cancel = AtomicBool::new(false);
    let into = load_file_into(&path, BUDGET_BYTES, targets, &mut |_| {}, &cancel).unwrap();
    assert!(into.parts[0].pixel_error.is_none());
    assert!(into.parts[1].pixel_error.is_some());

    let bytes = support::read_fixture("blender/multilayer_zip_32.exr");
    let cut = dir.path().join("cut.exr");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let head = header_only(&cut);
    let mut buffers = marked_buffers(&head);
    let targets = as_targets(&mut buffers);
    let refused = load_file_into(&cut, BUDGET_BYTES, targets, &mut |_| {}, &cancel).unwrap_err();
    let expected = load_file(&cut, &LoadOptions::default(), &mut |_| {}, &cancel).unwrap_err();
    assert_eq!(refused.to_string(), expected.to_string());
}

/// Buffers of another size or type, or for a channel the file lacks: the file is not the one
/// they were made for (rewritten in between).
#[test]
fn buffers_that_do_not_fit_the_channels_are_refused() {
    let path = fixture("blender/single_zbuf_compositing_on.exr");
    let head = header_only(&path);
    let (z, _, channel) = head
        .channels()
        .find(|(_, _, channel)| channel.name == "Z")
        .unwrap();
    let count = channel.width * channel.height;
    assert_eq!(channel.sample_type, SampleType::Float);
    let cancel = AtomicBool::new(false);
    let try_with = |channel_ref: ChannelRef, samples: &mut Samples| {
        let targets = BTreeMap::from([(channel_ref, samples.as_samples_mut())]);
        load_file_into(&path, BUDGET_BYTES, targets, &mut |_| {}, &cancel)
    };
    let changed =
        |result: Result<Image, LoadError>| matches!(result, Err(LoadError::Changed { .. }));
    assert!(changed(try_with(
        z,
        &mut Samples::F32(vec![0.0; count - 1])
    )));
    assert!(changed(try_with(
        z,
        &mut Samples::F16(vec![f16::ZERO; count])
    )));
    let absent = ChannelRef {
        part: 0,
        channel: 99,
    };
    assert!(changed(try_with(
        absent,
        &mut Samples::F32(vec![0.0; count])
    )));
    // The right buffer works, and only that channel is decoded.
    let mut right = Samples::F32(vec![f32::from_bits(MARK_F32); count]);
    let image = try_with(z, &mut right).unwrap();
    assert!(image.parts.iter().all(|part| part.pixel_error.is_none()));
    assert!(
        sample_bits(&right)
            .iter()
            .all(|&bits| bits == 1.0f32.to_bits())
    );
}
