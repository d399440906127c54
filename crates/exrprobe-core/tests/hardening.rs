//! Regressions found while hardening: non-ASCII names, folders passed as files, fuzzing finds.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod support;

use std::sync::atomic::AtomicBool;

use exr::prelude::{AnyChannel, Blocks, Compression, FlatSamples, LayerAttributes, Text};
use exrprobe_core::load::{LoadError, LoadOptions, load_bytes, load_file};
use support::single_layer_bytes;

fn options() -> LoadOptions {
    LoadOptions {
        memory_budget_bytes: 64 << 20,
        decode_pixels: true,
        ..LoadOptions::default()
    }
}

/// OpenEXR (and Blender) store names as UTF-8 bytes; they must come back as the same text, not
/// one char per byte.
#[test]
fn utf8_channel_and_part_names_are_decoded_as_utf8() {
    let utf8 = |s: &str| Text::from_slice_unchecked(s.as_bytes());
    let bytes = single_layer_bytes(
        (3, 2),
        LayerAttributes {
            layer_name: Some(utf8("Ebene ü")),
            ..LayerAttributes::default()
        },
        Compression::Uncompressed,
        Blocks::ScanLines,
        vec![
            AnyChannel::new(utf8("Tiefe Ω.Z"), FlatSamples::F32(vec![1.5; 6])),
            AnyChannel::new(utf8("Farbe é.R"), FlatSamples::F32(vec![0.5; 6])),
        ],
    );
    let cancel = AtomicBool::new(false);
    let image = load_bytes(&bytes, "names.exr", &options(), &mut |_| {}, &cancel).unwrap();
    let part = &image.parts[0];
    let names: Vec<&str> = part.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Farbe é.R", "Tiefe Ω.Z"]);
    assert_eq!(part.name.as_deref(), Some("Ebene ü"));
    assert!(image.find_channel("Tiefe Ω.Z").is_some());
}

#[test]
fn a_folder_is_reported_as_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    let error = load_file(dir.path(), &options(), &mut |_| {}, &cancel).unwrap_err();
    assert!(matches!(error, LoadError::Io { .. }), "{error:?}");
    let message = error.to_string();
    assert_eq!(
        message,
        format!(
            "cannot read the file (is a directory): {}",
            dir.path().display()
        )
    );
}

/// The signature and the version field are checked by us, with messages that say what is wrong
/// (the exr crate said "file identifier missing" and "file feature flags"); other header damage
/// is named as such, with the field the reader stopped at.
#[test]
fn header_messages_say_what_is_wrong() {
    let cancel = AtomicBool::new(false);
    let message = |bytes: &[u8]| {
        load_bytes(bytes, "x.exr", &options(), &mut |_| {}, &cancel)
            .unwrap_err()
            .to_string()
    };
    let not_exr = message(b"P6\n1 1\n255\n\0\0\0 a PPM, not an EXR");
    assert!(
        not_exr.contains("does not start with the OpenEXR signature"),
        "{not_exr}"
    );
    let mut bytes = single_layer_bytes(
        (2, 2),
        LayerAttributes::default(),
        Compression::Uncompressed,
        Blocks::ScanLines,
        vec![AnyChannel::new("Z", FlatSamples::F32(vec![1.0; 4]))],
    );
    bytes[4] = 3;
    let version = message(&bytes);
    assert!(version.contains("OpenEXR version 3"), "{version}");
    bytes[4] = 2;
    bytes[7] = 0x80;
    let flags = message(&bytes);
    assert!(flags.contains("feature flags 0x80000000"), "{flags}");
    assert!(!flags.contains("file feature flags"), "{flags}");
    // Damage inside an attribute: named as damage, with what to do.
    let mut cut = bytes.clone();
    cut[7] = 0;
    let at = cut.windows(7).position(|w| w == b"chlist\0").unwrap() + 7;
    cut[at..at + 4].copy_from_slice(&(-5i32).to_le_bytes());
    let damaged = message(&cut);
    assert!(damaged.contains("damaged header"), "{damaged}");
    assert!(damaged.contains("copy the file again"), "{damaged}");
}
