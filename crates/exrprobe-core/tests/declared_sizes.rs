//! Blocks that declare more bytes than the file has, or than the memory budget allows (#10,
//! items 1 and 2): refused before anything of that size is allocated, on the report path and
//! the full load, from a file and from memory; and a tight budget decodes on fewer threads
//! instead of refusing a file whose blocks fit one at a time.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::sync::atomic::AtomicBool;

use exrprobe_core::load::{
    ChannelFilter, LoadError, LoadOptions, load_bytes, load_file, summarize_file,
};
use exrprobe_synth::hostile::DeclaredBlocks;

fn options(budget: u64) -> LoadOptions {
    LoadOptions {
        memory_budget_bytes: budget,
        ..LoadOptions::default()
    }
}

/// Reports keep nothing of channel `R` (it is summarised row by row), so the decoded samples
/// need no memory and only the blocks in flight count.
fn summarize(path: &std::path::Path, budget: u64) -> Result<String, LoadError> {
    let cancel = AtomicBool::new(false);
    summarize_file(
        path,
        &options(budget),
        &mut |_| ChannelFilter::only([]),
        &mut |_| {},
        &cancel,
    )
    .map(|summarized| format!("{:?}", summarized.image.parts[0].pixel_error))
}

/// The 917-byte file: one float channel, rows of 2³¹/4 − 1 pixels, 8 blocks that each
/// declare 2 147 483 644 bytes. The `exr` crate reserved (and zero-filled) each block's
/// declared size before reading it: 2 GiB per thread, an abort under `ulimit -v`.
#[test]
fn blocks_declaring_more_than_the_file_holds_are_refused_before_allocating() {
    let file = DeclaredBlocks {
        channel: "R".into(),
        width: (1 << 29) - 1,
        rows: 8,
        declared_bytes: 2_147_483_644,
        sparse: false,
    };
    let bytes = file.header_bytes();
    assert!(bytes.len() < 1024, "{} bytes", bytes.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("declared.exr");
    std::fs::write(&path, &bytes).unwrap();

    // The first block's header is followed only by the seven other block headers.
    let expected = "declares 2147483644 bytes, but the file ends 56 bytes later";
    let report = summarize(&path, 1 << 40);
    let message = match report {
        Ok(pixel_error) => pixel_error,
        Err(error) => error.to_string(),
    };
    assert!(message.contains(expected), "{message}");

    // The full load and the load from memory take the same block reader.
    let cancel = AtomicBool::new(false);
    let full = load_file(&path, &options(1 << 40), &mut |_| {}, &cancel).unwrap_err();
    assert!(full.to_string().contains(expected), "{full}");
    let from_memory = load_bytes(
        &bytes,
        "declared.exr",
        &options(1 << 40),
        &mut |_| {},
        &cancel,
    )
    .unwrap_err();
    assert!(from_memory.to_string().contains(expected), "{from_memory}");
}

/// A block header that declares more than the raw size of its pixels is damaged, however long
/// the file: stored blocks are never larger than raw.
#[test]
fn a_block_declaring_more_than_its_raw_pixels_is_damaged() {
    let file = DeclaredBlocks {
        channel: "R".into(),
        width: 16,
        rows: 2,
        declared_bytes: 65,
        sparse: true,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oversized.exr");
    file.write(&path).unwrap();
    let message = match summarize(&path, 1 << 30) {
        Ok(pixel_error) => pixel_error,
        Err(error) => error.to_string(),
    };
    assert!(
        message.contains("declares 65 bytes, more than the 64 bytes of its raw pixels"),
        "{message}"
    );
}

/// Blocks of 64 MiB that the file really holds (a sparse file: zeros): with a 32 MiB budget not
/// one block fits, so the file is refused before a block is read, although the report keeps no
/// samples. The exr crate's reader held one such block per thread, whatever the budget.
#[test]
fn blocks_larger_than_the_budget_are_refused_before_reading() {
    let file = DeclaredBlocks {
        channel: "R".into(),
        width: 1 << 24,
        rows: 4,
        declared_bytes: 1 << 26,
        sparse: true,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sparse.exr");
    file.write(&path).unwrap();
    let error = summarize(&path, 32 << 20).unwrap_err();
    match &error {
        LoadError::TooLarge {
            needed_bytes,
            budget_bytes,
            ..
        } => {
            assert_eq!(*budget_bytes, 32 << 20);
            assert_eq!(
                *needed_bytes,
                (1 << 26) + 4 * 8,
                "one raw block and the offsets"
            );
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

/// With room for one block besides the decoded samples, the file loads (on one thread) and its
/// samples are what the file holds (zeros).
#[test]
fn a_budget_for_one_block_at_a_time_still_loads_the_file() {
    let file = DeclaredBlocks {
        channel: "R".into(),
        width: 1 << 16,
        rows: 8,
        declared_bytes: 1 << 18,
        sparse: true,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tight.exr");
    file.write(&path).unwrap();
    let decoded = 8u64 << 18;
    let tables = 8 * 8;
    let cancel = AtomicBool::new(false);
    // Room for the samples, the offset table and exactly one block.
    let budget = decoded + tables + (1 << 18);
    let image = load_file(&path, &options(budget), &mut |_| {}, &cancel).unwrap();
    let part = &image.parts[0];
    assert_eq!(part.pixel_error, None);
    let samples = part.channels[0].samples.as_ref().expect("decoded");
    assert_eq!(samples.len(), 8 << 16);
    // One byte less: not even one block fits.
    let refused = load_file(&path, &options(budget - 1), &mut |_| {}, &cancel).unwrap_err();
    assert!(matches!(refused, LoadError::TooLarge { .. }), "{refused:?}");
}
