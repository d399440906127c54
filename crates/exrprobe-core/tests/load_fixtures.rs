//! Loading the real fixture files and comparing with what the OpenEXR reference library reads.
//!
//! Expected numbers were obtained once with the official OpenEXR Python bindings (3.5.3):
//! `OpenEXR.File(path, separate_channels=True)`, then per channel with numpy:
//! "bit sum" = the sum of every sample's raw bit pattern (`pixels.view(uint16/uint32)` as u64),
//! which changes if any single sample differs; NaN/±Inf counts with `np.isnan`/`==inf`.

mod support;

use std::sync::atomic::AtomicBool;

use exrprobe_core::load::{LoadError, LoadOptions, load_bytes, load_file};
use exrprobe_core::model::{Image, SampleType, Samples, Storage, Window};
use support::fixture;

fn options(decode_pixels: bool) -> LoadOptions {
    LoadOptions {
        memory_budget_bytes: 1 << 30,
        decode_pixels,
        ..LoadOptions::default()
    }
}

fn load(relative: &str) -> Image {
    let cancel = AtomicBool::new(false);
    match load_file(&fixture(relative), &options(true), &mut |_| {}, &cancel) {
        Ok(image) => image,
        Err(error) => panic!("{relative} should load: {error}"),
    }
}

fn samples<'a>(image: &'a Image, name: &str) -> &'a Samples {
    let channel = image
        .find_channel(name)
        .and_then(|r| image.channel(r))
        .unwrap_or_else(|| panic!("channel {name} missing in {}", image.source));
    channel
        .samples
        .as_ref()
        .unwrap_or_else(|| panic!("channel {name} not decoded"))
}

/// Sum of the raw bit patterns of all samples (see the module comment).
fn bit_sum(samples: &Samples) -> u64 {
    match samples {
        Samples::F16(v) => v.iter().map(|h| u64::from(h.to_bits())).sum(),
        Samples::F32(v) => v.iter().map(|f| u64::from(f.to_bits())).sum(),
        Samples::U32(v) => v.iter().map(|&u| u64::from(u)).sum(),
    }
}

/// (NaN, +Inf, -Inf) counts.
fn non_finite(samples: &Samples) -> (usize, usize, usize) {
    let values = samples.to_f32_vec();
    (
        values.iter().filter(|v| v.is_nan()).count(),
        values.iter().filter(|&&v| v == f32::INFINITY).count(),
        values.iter().filter(|&&v| v == f32::NEG_INFINITY).count(),
    )
}

fn window(x: i32, y: i32, width: usize, height: usize) -> Window {
    Window {
        x,
        y,
        width,
        height,
    }
}

#[test]
fn compositing_on_depth_is_exactly_one_everywhere() {
    let image = load("blender/single_zbuf_compositing_on.exr");
    let Samples::F32(z) = samples(&image, "Z") else {
        panic!("Z should be float");
    };
    assert_eq!(z.len(), 76_800);
    assert!(z.iter().all(|&v| v == 1.0));
}

#[test]
fn compositing_off_depth_has_the_real_range_and_the_background_sentinel() {
    let image = load("blender/single_zbuf_compositing_off.exr");
    let z = samples(&image, "Z");
    let Samples::F32(values) = z else {
        panic!("Z should be float");
    };
    let min = values.iter().copied().fold(f32::INFINITY, f32::min);
    // OpenEXR: z.min() == 7.212733 (bits 0x40e6ceb5); (z == 1e10).sum() == 5095.
    assert_eq!(min.to_bits(), 0x40e6_ceb5);
    assert_eq!(values.iter().filter(|&&v| v == 1e10).count(), 5_095);
    assert_eq!(bit_sum(z), 85_231_884_850_853);
    assert_eq!(bit_sum(samples(&image, "R")), 80_370_866_483_094);
    assert_eq!(bit_sum(samples(&image, "A")), 81_819_126_988_800);
}

#[test]
fn blender_header_and_custom_attributes_are_kept() {
    let image = load("blender/single_zbuf_compositing_off.exr");
    let part = &image.parts[0];
    assert_eq!(part.compression, "ZIP");
    assert_eq!(part.line_order, "increasing Y");
    assert_eq!(part.storage, Storage::ScanLines);
    assert_eq!(part.data_window, window(0, 0, 320, 240));
    assert_eq!(part.display_window, window(0, 0, 320, 240));
    assert_eq!(part.pixel_aspect, 1.0);
    let attribute = |name: &str| {
        part.attributes
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("attribute {name} missing"))
    };
    assert_eq!(attribute("Camera").value, "Camera");
    assert_eq!(attribute("Camera").type_name, "string");
    assert_eq!(attribute("Frame").value, "001");
    assert_eq!(attribute("cycles.ViewLayer.samples").value, "4");
    assert_eq!(attribute("dataWindow").type_name, "box2i");
    assert_eq!(
        attribute("dataWindow").value,
        "(0, 0) - (319, 239), 320x240"
    );
    assert_eq!(attribute("compression").value, "ZIP");
}

#[test]
fn multilayer_zip_lists_every_pass_and_decodes_them() {
    let image = load("blender/multilayer_zip_32.exr");
    let names: Vec<&str> = image.parts[0]
        .channels
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ViewLayer.Combined.A",
            "ViewLayer.Combined.B",
            "ViewLayer.Combined.G",
            "ViewLayer.Combined.R",
            "ViewLayer.Depth.Z",
            "ViewLayer.Mist.Z",
            "ViewLayer.Normal.X",
            "ViewLayer.Normal.Y",
            "ViewLayer.Normal.Z",
        ]
    );
    assert!(
        image.parts[0]
            .channels
            .iter()
            .all(|c| c.sample_type == SampleType::Float)
    );
    assert_eq!(
        bit_sum(samples(&image, "ViewLayer.Depth.Z")),
        85_231_884_850_853
    );
    assert_eq!(
        bit_sum(samples(&image, "ViewLayer.Mist.Z")),
        79_107_297_429_287
    );
    assert_eq!(
        bit_sum(samples(&image, "ViewLayer.Normal.X")),
        15_110_687_553_281
    );
    assert_eq!(
        bit_sum(samples(&image, "ViewLayer.Normal.Y")),
        34_553_262_106_132
    );
    assert_eq!(
        bit_sum(samples(&image, "ViewLayer.Normal.Z")),
        70_100_438_413_722
    );
}

#[test]
fn multilayer_piz_keeps_half_colour_and_float_depth() {
    let image = load("blender/multilayer_piz_16.exr");
    let part = &image.parts[0];
    assert_eq!(part.compression, "PIZ");
    for channel in &part.channels {
        let expected = if channel.name.starts_with("ViewLayer.Combined.") {
            SampleType::Half
        } else {
            SampleType::Float
        };
        assert_eq!(channel.sample_type, expected, "{}", channel.name);
        assert_eq!(
            channel.samples.as_ref().map(Samples::sample_type),
            Some(expected)
        );
    }
    assert_eq!(
        bit_sum(samples(&image, "ViewLayer.Combined.A")),
        1_179_648_000
    );
    assert_eq!(
        bit_sum(samples(&image, "ViewLayer.Combined.R")),
        1_003_555_854
    );
    assert_eq!(
        bit_sum(samples(&image, "ViewLayer.Depth.Z")),
        85_231_884_850_853
    );
    assert_eq!(
        bit_sum(samples(&image, "ViewLayer.Normal.Z")),
        70_100_438_413_722
    );
    assert!(
        part.attributes
            .iter()
            .any(|a| a.name == "BlenderMultiChannel" && a.value == "Blender V2.55.1 and newer")
    );
}

#[test]
fn header_only_load_lists_channels_without_samples() {
    let cancel = AtomicBool::new(false);
    let image = load_file(
        &fixture("blender/multilayer_zip_32.exr"),
        &options(false),
        &mut |_| {},
        &cancel,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(image.parts[0].channels.len(), 9);
    assert!(image.parts[0].channels.iter().all(|c| c.samples.is_none()));
    assert!(
        image.parts[0]
            .channels
            .iter()
            .all(|c| c.width == 320 && c.height == 240)
    );
}

#[test]
fn beachball_multipart_lists_every_part_and_decodes_them() {
    let image = load("openexr-images/Beachball/multipart.0001.exr");
    let parts: Vec<(Option<&str>, Vec<&str>)> = image
        .parts
        .iter()
        .map(|p| {
            (
                p.name.as_deref(),
                p.channels.iter().map(|c| c.name.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            (Some("rgba_right"), vec!["A", "B", "G", "R"]),
            (Some("depth_left"), vec!["Z"]),
            (Some("forward_left"), vec!["forward.u", "forward.v"]),
            (Some("whitebarmask_left"), vec!["whitebarmask.mask"]),
            (Some("rgba_left"), vec!["A", "B", "G", "R"]),
            (Some("depth_right"), vec!["Z"]),
            (Some("forward_right"), vec!["forward.u", "forward.v"]),
            (Some("disparityL"), vec!["disparityL.x", "disparityL.y"]),
            (Some("disparityR"), vec!["disparityR.x", "disparityR.y"]),
            (Some("whitebarmask_right"), vec!["whitebarmask.mask"]),
        ]
    );
    assert!(image.parts.iter().all(|p| p.pixel_error.is_none()));
    // OpenEXR: dataWindow (654, 245)-(1530, 1120); displayWindow (0, 0)-(2047, 1555).
    assert_eq!(image.parts[0].data_window, window(654, 245, 877, 876));
    assert_eq!(image.parts[0].display_window, window(0, 0, 2048, 1556));
    assert_eq!(image.parts[0].compression, "ZIPS");
    assert_eq!(bit_sum(samples(&image, "rgba_right/R")), 5_652_235_490);
    assert_eq!(bit_sum(samples(&image, "depth_left/Z")), 11_111_394_133);
    assert_eq!(
        bit_sum(samples(&image, "whitebarmask_left/whitebarmask.mask")),
        3_183_541_196
    );
    assert_eq!(
        bit_sum(samples(&image, "disparityR/disparityR.x")),
        31_861_535_905
    );
    assert_eq!(
        bit_sum(samples(&image, "whitebarmask_right/whitebarmask.mask")),
        3_197_598_579
    );
    let mask = image
        .find_channel("whitebarmask_right/whitebarmask.mask")
        .and_then(|r| image.channel(r))
        .map(|c| (c.width, c.height));
    assert_eq!(mask, Some((386, 769)));
}

#[test]
fn display_window_different_from_data_window_is_kept() {
    let t01 = load("openexr-images/DisplayWindow/t01.exr");
    assert_eq!(t01.parts[0].data_window, window(0, 0, 400, 300));
    assert_eq!(t01.parts[0].display_window, window(0, 0, 400, 300));
    let t09 = load("openexr-images/DisplayWindow/t09.exr");
    // OpenEXR: dataWindow (0, 0)-(399, 299), displayWindow (400, 0)-(599, 299).
    assert_eq!(t09.parts[0].data_window, window(0, 0, 400, 300));
    assert_eq!(t09.parts[0].display_window, window(400, 0, 200, 300));
    assert_eq!(bit_sum(samples(&t09, "B")), 1_364_046_848);
    assert_eq!(bit_sum(samples(&t09, "G")), 16_898_048);
    assert_eq!(bit_sum(samples(&t09, "R")), 13_795_328);
}

#[test]
fn mipmap_decodes_the_largest_level() {
    let image = load("openexr-images/MultiResolution/ColorCodedLevels.exr");
    let part = &image.parts[0];
    assert_eq!(
        part.storage,
        Storage::Tiles {
            tile_width: 64,
            tile_height: 64,
            levels: "mipmap".into()
        }
    );
    assert_eq!(part.compression, "PXR24");
    let r = part
        .channels
        .iter()
        .find(|c| c.name == "R")
        .map(|c| (c.width, c.height));
    assert_eq!(r, Some((512, 512)));
    assert_eq!(samples(&image, "R").len(), 512 * 512);
    assert_eq!(bit_sum(samples(&image, "R")), 2_030_970_734);
    assert_eq!(bit_sum(samples(&image, "A")), 4_026_531_840);
}

#[test]
fn nan_and_infinity_counts_match_openexr() {
    let image = load("openexr-images/TestImages/BrightRingsNanInf.exr");
    for name in ["R", "G", "B"] {
        let s = samples(&image, name);
        assert_eq!(non_finite(s), (2, 2, 2), "{name}");
        assert_eq!(bit_sum(s), 9_658_301_794, "{name}");
    }
    // OpenEXR: NaN at (row, col) (320, 320) and (480, 320), both with bits 0x7fff.
    let r = image.parts[0].channels.iter().find(|c| c.name == "R");
    let nan_bits = r.and_then(|c| c.value_at(320, 480)).map(|v| match v {
        exrprobe_core::model::SampleValue::F16(h) => h.to_bits(),
        _ => 0,
    });
    assert_eq!(nan_bits, Some(0x7fff));
}

#[test]
fn every_half_bit_pattern_round_trips() {
    let image = load("openexr-images/TestImages/AllHalfValues.exr");
    // OpenEXR reads R, G and B as bits 0, 1, …, 65535 in row-major order.
    for name in ["R", "G", "B"] {
        let Samples::F16(values) = samples(&image, name) else {
            panic!("{name} should be half");
        };
        assert_eq!(values.len(), 65_536);
        assert!(
            values
                .iter()
                .enumerate()
                .all(|(i, h)| usize::from(h.to_bits()) == i),
            "{name}"
        );
    }
}

#[test]
fn other_test_images_match_openexr() {
    let image = load("openexr-images/TestImages/GrayRampsHorizontal.exr");
    assert_eq!(bit_sum(samples(&image, "Y")), 8_170_034_958);
    let image = load("openexr-images/TestImages/WideFloatRange.exr");
    assert_eq!(bit_sum(samples(&image, "G")), 534_656_949_472_256);
    let image = load("openexr-images/TestImages/stripes.exr");
    assert_eq!(bit_sum(samples(&image, "A")), 76_800_000);
    assert_eq!(bit_sum(samples(&image, "B")), 68_587_400);
}

#[test]
fn deep_part_loads_its_header_and_says_why_there_are_no_pixels() {
    let image = load("openexr-images/v2/deep_Balls.exr");
    assert!(!image.parts.is_empty());
    for part in &image.parts {
        assert!(part.deep);
        assert_eq!(
            part.pixel_error.as_deref(),
            Some("deep data (several samples per pixel) is not supported")
        );
        assert!(!part.channels.is_empty());
        assert!(part.channels.iter().all(|c| c.samples.is_none()));
    }
}

#[test]
fn load_bytes_gives_the_same_image_as_load_file() {
    let path = fixture("blender/multilayer_piz_16.exr");
    let bytes = std::fs::read(&path).unwrap_or_default();
    let cancel = AtomicBool::new(false);
    let from_bytes = load_bytes(&bytes, "mem", &options(true), &mut |_| {}, &cancel);
    let from_file = load("blender/multilayer_piz_16.exr");
    match from_bytes {
        Ok(image) => assert_eq!(image.parts, from_file.parts),
        Err(error) => panic!("{error}"),
    }
}

/// A 2048×2560 file of four float channels (84 MB decoded, ZIP, 160 blocks): big enough for
/// the loader to report progress while it decodes.
fn large_zip_file() -> Vec<u8> {
    let (width, height) = (2048, 2560);
    let channels = ["A", "B", "G", "R"]
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let samples = (0..width * height)
                .map(|i| (i % width + c) as f32 * 0.5)
                .collect();
            exr::prelude::AnyChannel::new(*name, exr::prelude::FlatSamples::F32(samples))
        })
        .collect();
    exrprobe_synth::zip_scanline_exr(width, height, channels).unwrap_or_default()
}

#[test]
fn progress_reaches_one_and_only_grows() {
    let cancel = AtomicBool::new(false);
    let bytes = large_zip_file();
    let mut seen = Vec::new();
    let result = load_bytes(
        &bytes,
        "large",
        &options(true),
        &mut |p| seen.push(p),
        &cancel,
    );
    assert!(result.is_ok(), "{result:?}");
    assert!(seen.len() > 10, "{seen:?}");
    assert_eq!(seen.first().copied(), Some(0.0));
    assert_eq!(seen.last().copied(), Some(1.0));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(seen.iter().all(|p| (0.0..=1.0).contains(p)));

    // A small file decodes in a moment: only its start and end are reported.
    let mut seen = Vec::new();
    let result = load_file(
        &fixture("openexr-images/Beachball/multipart.0001.exr"),
        &options(true),
        &mut |p| seen.push(p),
        &cancel,
    );
    assert!(result.is_ok());
    assert_eq!(seen.first().copied(), Some(0.0));
    assert_eq!(seen.last().copied(), Some(1.0));
    assert!(seen.iter().all(|&p| p == 0.0 || p == 1.0), "{seen:?}");
}

#[test]
fn cancellation_stops_the_load() {
    let cancel = AtomicBool::new(true);
    let result = load_file(
        &fixture("blender/multilayer_zip_32.exr"),
        &options(true),
        &mut |_| {},
        &cancel,
    );
    assert!(
        matches!(result, Err(LoadError::Cancelled { .. })),
        "{result:?}"
    );

    // Cancelling in the middle: set the flag from the progress callback once decoding has begun.
    let cancel = AtomicBool::new(false);
    let bytes = large_zip_file();
    let result = load_bytes(
        &bytes,
        "large",
        &options(true),
        &mut |p| {
            if p > 0.0 {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
        &cancel,
    );
    assert!(
        matches!(result, Err(LoadError::Cancelled { .. })),
        "{result:?}"
    );
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let cancel = AtomicBool::new(false);
    let path = fixture("does/not/exist.exr");
    let result = load_file(&path, &options(true), &mut |_| {}, &cancel);
    match result {
        Err(error @ LoadError::Io { .. }) => {
            assert!(error.to_string().ends_with(&path.display().to_string()));
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}
