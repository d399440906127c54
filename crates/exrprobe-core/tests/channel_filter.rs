//! Loading only some channels (`LoadOptions::channels`): the wanted channels are bit-identical to
//! a full load, the others are not decoded (and not reported as broken), and the memory budget
//! counts only what is decoded.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod support;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use exrprobe_core::load::{ChannelFilter, LoadError, LoadOptions, load_bytes, load_file};
use exrprobe_core::model::{ChannelRef, Image, PixelState, Samples};
use support::{fixture, sample_bits as bits, two_parts_second_broken};

fn options(channels: ChannelFilter) -> LoadOptions {
    LoadOptions {
        memory_budget_bytes: 1 << 30,
        channels,
        ..LoadOptions::default()
    }
}

fn load(path: &Path, channels: ChannelFilter) -> Image {
    let cancel = AtomicBool::new(false);
    load_file(path, &options(channels), &mut |_| {}, &cancel)
        .unwrap_or_else(|e| panic!("{e}: {}", path.display()))
}

/// Every channel of every fixture we can decode (ZIP, PIZ, RLE, tiles, mip-maps, several parts):
/// loaded alone, it is bit-identical to the full load, and nothing else is decoded.
#[test]
fn each_channel_alone_equals_the_full_load() {
    let files = [
        "blender/multilayer_zip_32.exr",
        "blender/multilayer_piz_16.exr",
        "blender/single_zbuf_compositing_off.exr",
        "openexr-images/Beachball/multipart.0001.exr",
        "openexr-images/MultiResolution/ColorCodedLevels.exr",
        "openexr-images/TestImages/AllHalfValues.exr",
        "openexr-images/TestImages/WideFloatRange.exr",
        "openexr-images/DisplayWindow/t01.exr",
    ];
    let mut compared = 0;
    for file in files {
        let path = fixture(file);
        let full = load(&path, ChannelFilter::All);
        let refs: Vec<ChannelRef> = full.channels().map(|(r, _, _)| r).collect();
        // Every channel on its own is slow for the 30-channel file; every third one suffices.
        for &wanted in refs.iter().step_by(if refs.len() > 12 { 3 } else { 1 }) {
            let one = load(&path, ChannelFilter::only([wanted]));
            for (r, part, channel) in one.channels() {
                let state = part.pixel_state(r.channel);
                if r == wanted {
                    let expected = full.channel(r).and_then(|c| c.samples.as_ref());
                    let got = channel.samples.as_ref();
                    assert!(
                        expected.is_some(),
                        "{file} {r:?} not decoded by a full load"
                    );
                    assert_eq!(got.map(bits), expected.map(bits), "{file} {r:?}");
                    assert_eq!(state, Some(PixelState::Decoded));
                    compared += 1;
                } else {
                    assert!(channel.samples.is_none(), "{file} {r:?} decoded unasked");
                    assert_eq!(state, Some(PixelState::NotRequested), "{file} {r:?}");
                }
            }
            assert!(one.parts.iter().all(|p| p.pixel_error.is_none()), "{file}");
        }
    }
    assert!(compared > 40, "only {compared} channels compared");
}

/// Several channels from different parts at once.
#[test]
fn channels_from_several_parts_load_together() {
    let path = fixture("openexr-images/Beachball/multipart.0001.exr");
    let full = load(&path, ChannelFilter::All);
    assert!(full.parts.len() > 2);
    let wanted = [
        ChannelRef {
            part: 0,
            channel: 0,
        },
        ChannelRef {
            part: 2,
            channel: 1,
        },
    ];
    let some = load(&path, ChannelFilter::only(wanted));
    let decoded: Vec<ChannelRef> = some
        .channels()
        .filter(|(_, _, c)| c.samples.is_some())
        .map(|(r, _, _)| r)
        .collect();
    assert_eq!(decoded, wanted);
    for r in wanted {
        assert_eq!(
            some.channel(r).and_then(|c| c.samples.as_ref()),
            full.channel(r).and_then(|c| c.samples.as_ref())
        );
    }
    // The same headers either way.
    for (a, b) in some.parts.iter().zip(&full.parts) {
        assert_eq!(a.attributes, b.attributes);
    }
}

/// The budget counts the wanted channels (and the blocks being decoded, which hold every
/// channel of their rows) only: a budget that fits one channel refuses the full load and accepts
/// the one channel; one byte less is refused, naming exactly what was needed.
#[test]
fn the_budget_counts_only_wanted_channels() {
    let bytes = std::fs::read(fixture("blender/multilayer_zip_32.exr")).unwrap();
    let cancel = AtomicBool::new(false);
    let header_only = LoadOptions {
        decode_pixels: false,
        ..options(ChannelFilter::All)
    };
    let header = load_bytes(&bytes, "zip", &header_only, &mut |_| {}, &cancel).unwrap();
    let depth = header.find_channel("ViewLayer.Depth.Z").unwrap();
    let one_channel_bytes = header.channel(depth).unwrap().decoded_byte_size() as u64;
    assert!(header.decoded_byte_size() as u64 > 4 * one_channel_bytes);

    // What the depth channel alone needs: asked with a budget of one byte.
    let with_budget = |budget, channels| LoadOptions {
        memory_budget_bytes: budget,
        ..options(channels)
    };
    let needed = match load_bytes(
        &bytes,
        "zip",
        &with_budget(1, ChannelFilter::only([depth])),
        &mut |_| {},
        &cancel,
    ) {
        Err(LoadError::TooLarge { needed_bytes, .. }) => needed_bytes,
        other => panic!("expected TooLarge, got {other:?}"),
    };
    // The channel and one ZIP block of 16 rows of every channel (compressed and inflated),
    // well below the whole file decoded.
    let block_rows = 16;
    let row_bytes = header.decoded_byte_size() as u64 / header.parts[0].data_window.height as u64;
    assert!(
        needed > one_channel_bytes + block_rows * row_bytes,
        "{needed}"
    );
    assert!(
        needed <= one_channel_bytes + 3 * block_rows * row_bytes,
        "{needed}"
    );
    assert!(needed < header.decoded_byte_size() as u64 / 2, "{needed}");

    let full = load_bytes(
        &bytes,
        "zip",
        &with_budget(needed, ChannelFilter::All),
        &mut |_| {},
        &cancel,
    );
    assert!(matches!(full, Err(LoadError::TooLarge { .. })), "{full:?}");
    let one = load_bytes(
        &bytes,
        "zip",
        &with_budget(needed, ChannelFilter::only([depth])),
        &mut |_| {},
        &cancel,
    )
    .unwrap();
    assert!(one.channel(depth).unwrap().samples.is_some());
    let refused = load_bytes(
        &bytes,
        "zip",
        &with_budget(needed - 1, ChannelFilter::only([depth])),
        &mut |_| {},
        &cancel,
    );
    assert!(
        matches!(refused, Err(LoadError::TooLarge { needed_bytes, .. }) if needed_bytes == needed),
        "{refused:?}"
    );
}

/// A damaged part that no wanted channel lives in is not read, so it is not reported; a damaged
/// part that is wanted still is.
#[test]
fn damage_in_a_part_that_is_not_wanted_is_not_reported() {
    let bytes = two_parts_second_broken();
    let cancel = AtomicBool::new(false);
    let good = ChannelRef {
        part: 0,
        channel: 0,
    };
    let bad = ChannelRef {
        part: 1,
        channel: 0,
    };
    let only_good = options(ChannelFilter::only([good]));
    let image = load_bytes(&bytes, "two parts", &only_good, &mut |_| {}, &cancel).unwrap();
    assert!(image.parts.iter().all(|p| p.pixel_error.is_none()));
    assert_eq!(
        image.channel(good).unwrap().samples,
        Some(Samples::F32(vec![2.5; 200]))
    );
    assert_eq!(
        image.parts[1].pixel_state(0),
        Some(PixelState::NotRequested)
    );

    // Asking for the broken part alone: it is the only part asked for, so the load fails.
    let only_bad = options(ChannelFilter::only([bad]));
    let refused = load_bytes(&bytes, "two parts", &only_bad, &mut |_| {}, &cancel);
    assert!(
        matches!(&refused, Err(LoadError::Invalid { reason, .. }) if reason.contains("past the end")),
        "{refused:?}"
    );
    // Both: the good one loads, the bad one says why.
    let both = options(ChannelFilter::only([good, bad]));
    let image = load_bytes(&bytes, "two parts", &both, &mut |_| {}, &cancel).unwrap();
    assert!(image.channel(good).unwrap().samples.is_some());
    assert!(matches!(
        image.parts[1].pixel_state(0),
        Some(PixelState::Unavailable(reason)) if reason.contains("past the end")
    ));
}

/// An empty filter decodes nothing and reads no pixel block, like a header-only load.
#[test]
fn an_empty_filter_decodes_nothing() {
    let path = fixture("blender/multilayer_zip_32.exr");
    let image = load(&path, ChannelFilter::only([]));
    assert!(image.channels().all(|(_, _, c)| c.samples.is_none()));
    assert!(image.parts.iter().all(|p| p.pixel_error.is_none()));
}
