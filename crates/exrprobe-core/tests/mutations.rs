//! Deterministic mutation fuzzing: small valid files with a few bytes changed must load or be
//! refused, never panic, abort or hang. Set `EXRPROBE_MUTATIONS` to run more mutations.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;

use exr::prelude::{
    AnyChannel, AnyChannels, Blocks, Compression, Encoding, FlatSamples, Image as ExrImage, Layer,
    LayerAttributes, LineOrder, SmallVec, Vec2, WritableImage, f16,
};
use exrprobe_core::load::{LoadError, LoadOptions, load_bytes};

/// Hang detection, not a timing assertion.
const WATCHDOG: Duration = Duration::from_secs(10);

fn fixture(relative: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/"
    ))
    .join(relative)
}

fn small_file(compression: Compression, blocks: Blocks) -> Vec<u8> {
    let (width, height) = (19, 13);
    let count = width * height;
    let list: SmallVec<[AnyChannel<FlatSamples>; 4]> = SmallVec::from_vec(vec![
        AnyChannel::new(
            "H",
            FlatSamples::F16((0..count).map(|i| f16::from_f32(i as f32 * 0.25)).collect()),
        ),
        AnyChannel::new(
            "F",
            FlatSamples::F32((0..count).map(|i| (i as f32).sin()).collect()),
        ),
        AnyChannel::new("U", FlatSamples::U32((0..count as u32).collect())),
    ]);
    let layer = Layer::new(
        (width, height),
        LayerAttributes {
            layer_position: Vec2(3, -2),
            ..LayerAttributes::named("m")
        },
        Encoding {
            compression,
            blocks,
            line_order: LineOrder::Increasing,
        },
        AnyChannels::sort(list),
    );
    let mut bytes = Vec::new();
    ExrImage::from_layer(layer)
        .write()
        .to_buffered(Cursor::new(&mut bytes))
        .unwrap_or_else(|e| panic!("cannot write {compression:?}: {e}"));
    bytes
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for compression in [
        Compression::Uncompressed,
        Compression::RLE,
        Compression::ZIP1,
        Compression::ZIP16,
        Compression::PIZ,
        Compression::PXR24,
        Compression::B44,
        Compression::B44A,
        Compression::DWAA(None),
        Compression::DWAB(None),
    ] {
        seeds.push((
            format!("{compression:?} scan lines"),
            small_file(compression, Blocks::ScanLines),
        ));
        seeds.push((
            format!("{compression:?} tiles"),
            small_file(compression, Blocks::Tiles(Vec2(8, 4))),
        ));
    }
    for relative in [
        "openexr-images/TestImages/stripes.exr",
        "openexr-images/DisplayWindow/t09.exr",
        "openexr-images/MultiResolution/ColorCodedLevels.exr",
        "openexr-images/v2/deep_Balls.exr",
        "blender/multilayer_piz_16.exr",
    ] {
        let bytes = std::fs::read(fixture(relative)).unwrap_or_else(|e| panic!("{e}"));
        seeds.push((relative.to_owned(), bytes));
    }
    seeds
}

/// Returns whether the loader refused the input through its panic guard.
fn load_watched(bytes: Vec<u8>, name: &str) -> bool {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let cancel = AtomicBool::new(false);
        let options = LoadOptions {
            memory_budget_bytes: 64 << 20,
            decode_pixels: true,
            ..LoadOptions::default()
        };
        let result = load_bytes(&bytes, "mutant", &options, &mut |_| {}, &cancel);
        let _ = sender.send(result);
    });
    match receiver.recv_timeout(WATCHDOG) {
        Ok(Err(LoadError::Invalid { reason, .. })) => {
            reason == "the decoder failed on malformed data"
        }
        Ok(_) => false,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: load hangs (> {WATCHDOG:?})"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{name}: the loader panicked"),
    }
}

#[test]
fn mutated_files_never_panic_or_hang() {
    let per_seed: usize = std::env::var("EXRPROBE_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut guarded = Vec::new();
    for (seed_name, seed) in seeds() {
        for round in 0..per_seed {
            let mut bytes = seed.clone();
            let edits = 1 + next() % 4;
            for _ in 0..edits {
                let position = (next() % bytes.len() as u64) as usize;
                // Mostly in the header and offset tables, where hostile values do the most harm.
                let position = if next() % 2 == 0 {
                    position % bytes.len().min(600)
                } else {
                    position
                };
                bytes[position] = match next() % 4 {
                    0 => 0,
                    1 => 0xff,
                    _ => next() as u8,
                };
            }
            let name = format!("{seed_name} mutation {round}");
            if load_watched(bytes, &name) {
                guarded.push(name);
            }
        }
    }
    // Inputs that only the panic guard caught (the exr crate panicked on them).
    println!("caught by the panic guard: {guarded:?}");
}
