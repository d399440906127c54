//! Hostile input: OpenEXR's corpus of damaged files, truncated copies, crafted headers.
//! Every load must end with `Err` (never a panic, abort or hang).

mod support;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;

use exrprobe_core::load::{LoadError, LoadOptions, load_bytes};
use exrprobe_core::model::Image;
use support::{fixture, two_parts_second_broken};

/// Hang detection, not a timing assertion: a load that takes this long is stuck.
const WATCHDOG: Duration = Duration::from_secs(10);

/// A modest budget, as a viewer on a small machine would use.
const BUDGET_BYTES: u64 = 256 << 20;

/// Loads `bytes` on its own thread and fails the test if that takes longer than the watchdog.
fn load_watched(bytes: Vec<u8>, name: &str) -> Result<Image, LoadError> {
    let (sender, receiver) = mpsc::channel();
    let thread_name = name.to_owned();
    std::thread::Builder::new()
        .name(thread_name.clone())
        .spawn(move || {
            let cancel = AtomicBool::new(false);
            let options = LoadOptions {
                memory_budget_bytes: BUDGET_BYTES,
                decode_pixels: true,
                ..LoadOptions::default()
            };
            let result = load_bytes(&bytes, &thread_name, &options, &mut |_| {}, &cancel);
            let _ = sender.send(result);
        })
        .unwrap_or_else(|e| panic!("cannot spawn a thread: {e}"));
    match receiver.recv_timeout(WATCHDOG) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: load hangs (> {WATCHDOG:?})"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{name}: the loader panicked instead of returning an error")
        }
    }
}

/// The one file of the corpus we accept: OpenEXR itself reads its header (a deep tiled part
/// "bob", 8 channels, checked with the Python bindings) and its block offsets lie inside the
/// file; the damage is in the deep sample data, which we do not decode. So it loads as a header
/// with the deep-data explanation.
const VALID_DEEP_HEADER: &str = "imf_test_deep_tile_file_fuzz_broken_exr";

#[test]
fn every_damaged_file_is_rejected_cleanly() {
    let dir = fixture("openexr-images/Damaged");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    assert!(entries.len() > 80, "the damaged corpus is incomplete");
    let mut accepted = Vec::new();
    for path in &entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        match load_watched(bytes, &name) {
            Err(error) => {
                println!("{name}: {error}");
                assert!(error.to_string().ends_with(&name), "{error}");
                if name.starts_with("memory_DOS") {
                    assert!(matches!(error, LoadError::TooLarge { .. }), "{error}");
                } else {
                    assert!(matches!(error, LoadError::Invalid { .. }), "{error}");
                }
            }
            Ok(image) => {
                let errors: Vec<Option<String>> =
                    image.parts.iter().map(|p| p.pixel_error.clone()).collect();
                println!("{name}: Ok {errors:?}");
                if name == VALID_DEEP_HEADER {
                    assert!(image.parts.iter().all(|p| p.deep && p.channels.len() == 8));
                    assert_eq!(image.parts[0].name.as_deref(), Some("bob"));
                    assert_eq!(
                        errors,
                        [Some(
                            "deep data (several samples per pixel) is not supported".into()
                        )]
                    );
                }
                accepted.push(name);
            }
        }
    }
    assert_eq!(accepted, [VALID_DEEP_HEADER]);
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(needle)))
}

fn write_small_scan_line_file(names: &[&str], width: usize, height: usize) -> Vec<u8> {
    use exr::prelude::*;
    let list: SmallVec<[AnyChannel<FlatSamples>; 4]> = names
        .iter()
        .map(|name| {
            let values = (0..width * height)
                .map(|i| f16::from_f32(i as f32))
                .collect();
            AnyChannel::new(*name, FlatSamples::F16(values))
        })
        .collect();
    let layer = Layer::new(
        (width, height),
        LayerAttributes::default(),
        Encoding::UNCOMPRESSED,
        AnyChannels::sort(list),
    );
    let mut bytes = Vec::new();
    Image::from_layer(layer)
        .write()
        .to_buffered(std::io::Cursor::new(&mut bytes))
        .unwrap_or_else(|e| panic!("cannot write the test file: {e}"));
    bytes
}

/// Sets the sampling factors of a channel in the `channels` attribute (name, NUL, pixel type,
/// linear flag + 3 reserved bytes, then x and y sampling as little-endian i32).
fn patch_sampling(bytes: &mut [u8], channel: &str, sampling: i32) {
    let name = [channel.as_bytes(), &[0]].concat();
    let at = find(bytes, &name) + name.len() + 8;
    bytes[at..at + 4].copy_from_slice(&sampling.to_le_bytes());
    bytes[at + 4..at + 8].copy_from_slice(&sampling.to_le_bytes());
}

#[test]
fn subsampled_channels_load_the_header_and_explain_the_pixels() {
    let mut bytes = write_small_scan_line_file(&["BY", "RY", "Y"], 8, 6);
    patch_sampling(&mut bytes, "BY", 2);
    patch_sampling(&mut bytes, "RY", 2);
    let image = load_watched(bytes, "subsampled").unwrap_or_else(|e| panic!("{e}"));
    let part = &image.parts[0];
    assert_eq!(
        part.pixel_error.as_deref(),
        Some("subsampled channels (BY, RY) are not supported")
    );
    let sizes: Vec<_> = part
        .channels
        .iter()
        .map(|c| (c.name.as_str(), c.sampling, (c.width, c.height)))
        .collect();
    assert_eq!(
        sizes,
        [
            ("BY", (2, 2), (4, 3)),
            ("RY", (2, 2), (4, 3)),
            ("Y", (1, 1), (8, 6))
        ]
    );
    assert!(part.channels.iter().all(|c| c.samples.is_none()));
}

#[test]
fn garden_luminance_file_loads() {
    // This copy of LuminanceChroma/Garden.exr holds only a tiled `Y` channel (no RY/BY): the
    // OpenEXR Python bindings list just `Y`, 874x493 half, bit sum 4 802 588 010.
    let bytes =
        std::fs::read(fixture("openexr-images/LuminanceChroma/Garden.exr")).unwrap_or_default();
    let image = load_watched(bytes, "Garden.exr").unwrap_or_else(|e| panic!("{e}"));
    let part = &image.parts[0];
    assert_eq!(part.pixel_error, None);
    let y = part.channels.iter().find(|c| c.name == "Y");
    let sum = y.and_then(|c| c.samples.as_ref()).map(|s| match s {
        exrprobe_core::model::Samples::F16(v) => v.iter().map(|h| u64::from(h.to_bits())).sum(),
        _ => 0u64,
    });
    assert_eq!(sum, Some(4_802_588_010));
    assert!(
        part.attributes
            .iter()
            .any(|a| a.name == "preview" && a.type_name == "preview")
    );
}

/// Declares a data window of `size`×`size` pixels in a small valid file.
fn with_huge_data_window(size: i32) -> Vec<u8> {
    let mut bytes = write_small_scan_line_file(&["Z"], 4, 4);
    let at = find(&bytes, b"dataWindow\0box2i\0") + b"dataWindow\0box2i\0".len() + 4;
    // xMin, yMin, xMax, yMax
    bytes[at + 8..at + 12].copy_from_slice(&(size - 1).to_le_bytes());
    bytes[at + 12..at + 16].copy_from_slice(&(size - 1).to_le_bytes());
    // Uncompressed scan lines: one block per line, so the chunk count must say `size`.
    let at = find(&bytes, b"chunkCount\0int\0") + b"chunkCount\0int\0".len() + 4;
    bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
    bytes
}

#[test]
fn huge_data_window_is_too_large_before_any_allocation() {
    // 100 000 × 100 000 half samples: 20 GB. Without the check, the process would abort.
    let bytes = with_huge_data_window(100_000);
    match load_watched(bytes.clone(), "huge") {
        Err(LoadError::TooLarge {
            needed_bytes,
            budget_bytes,
            ..
        }) => {
            // The samples, and one uncompressed block in flight (at most the whole file).
            assert_eq!(needed_bytes, 100_000 * 100_000 * 2 + bytes.len() as u64);
            assert_eq!(budget_bytes, BUDGET_BYTES);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // Within the budget but with too few bytes for its offset table: refused as truncated
    // before the blocks are enumerated.
    let bytes = with_huge_data_window(8_000);
    match load_watched(bytes, "big") {
        Err(LoadError::Invalid { reason, .. }) => {
            assert!(reason.contains("declare 8000 pixel blocks"), "{reason}")
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn header_only_load_of_a_huge_window_lists_channels() {
    let bytes = with_huge_data_window(100_000);
    let options = LoadOptions {
        memory_budget_bytes: BUDGET_BYTES,
        decode_pixels: false,
        ..LoadOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let image = load_bytes(&bytes, "huge", &options, &mut |_| {}, &cancel)
        .unwrap_or_else(|e| panic!("{e}"));
    let z = &image.parts[0].channels[0];
    assert_eq!(
        (z.name.as_str(), z.width, z.height),
        ("Z", 100_000, 100_000)
    );
}

#[test]
fn truncated_blender_files_are_rejected() {
    let bytes =
        std::fs::read(fixture("blender/single_zbuf_compositing_off.exr")).unwrap_or_default();
    assert!(bytes.len() > 10_000);
    let mut cuts: Vec<usize> = (0..64).map(|i| i * bytes.len() / 64).collect();
    cuts.extend([1, 3, 4, 7, 8, 100, 333, bytes.len() - 100, bytes.len() - 1]);
    for cut in cuts {
        let truncated = bytes[..cut].to_vec();
        let result = load_watched(truncated, &format!("cut at {cut}"));
        assert!(
            matches!(result, Err(LoadError::Invalid { .. })),
            "cut at {cut}: {result:?}"
        );
    }
}

#[test]
fn a_broken_part_does_not_prevent_the_others_from_loading() {
    let bytes = two_parts_second_broken();
    let image = load_watched(bytes, "two parts").unwrap_or_else(|e| panic!("{e}"));
    let good = &image.parts[0];
    assert_eq!(good.name.as_deref(), Some("good"));
    assert_eq!(good.pixel_error, None);
    assert_eq!(
        good.channels[0].samples,
        Some(exrprobe_core::model::Samples::F32(vec![2.5; 200]))
    );
    let bad = &image.parts[1];
    assert_eq!(bad.name.as_deref(), Some("bad"));
    assert_eq!(
        bad.pixel_error.as_deref(),
        Some("file ends early (truncated?): a pixel block offset points past the end")
    );
    assert_eq!(bad.channels[0].samples, None);
}

#[test]
fn load_file_checks_the_budget_from_the_header_before_reading_the_pixels() {
    let bytes = with_huge_data_window(100_000);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("huge.exr");
    std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let options = LoadOptions {
        memory_budget_bytes: BUDGET_BYTES,
        decode_pixels: true,
        ..LoadOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let result = exrprobe_core::load::load_file(&path, &options, &mut |_| {}, &cancel);
    match result {
        Err(LoadError::TooLarge {
            needed_bytes,
            path: message_path,
            ..
        }) => {
            // Decoded samples plus the offset table (one u64 per block, one block per line),
            // which is held while decoding; the blocks are read from the file a batch at a time,
            // and one uncompressed block in flight takes at most the whole file.
            assert_eq!(
                needed_bytes,
                100_000 * 100_000 * 2 + 100_000 * 8 + bytes.len() as u64
            );
            assert_eq!(message_path, path.display().to_string());
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}
