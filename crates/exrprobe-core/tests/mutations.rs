//! Deterministic mutation fuzzing: small valid files with a few bytes changed must load or be
//! refused, never panic, abort or hang. Set `EXRPROBE_MUTATIONS` to run more mutations.

mod support;

use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;

use exr::prelude::{AnyChannel, Blocks, Compression, FlatSamples, LayerAttributes, Vec2, f16};
use exrprobe_core::load::{LoadError, LoadOptions, load_bytes};
use support::{XorShift, all_compressions, read_fixture, single_layer_bytes};

/// Hang detection, not a timing assertion.
const WATCHDOG: Duration = Duration::from_secs(10);

fn small_file(compression: Compression, blocks: Blocks) -> Vec<u8> {
    let (width, height) = (19, 13);
    let count = width * height;
    let channels = vec![
        AnyChannel::new(
            "H",
            FlatSamples::F16((0..count).map(|i| f16::from_f32(i as f32 * 0.25)).collect()),
        ),
        AnyChannel::new(
            "F",
            FlatSamples::F32((0..count).map(|i| (i as f32).sin()).collect()),
        ),
        AnyChannel::new("U", FlatSamples::U32((0..count as u32).collect())),
    ];
    single_layer_bytes(
        (width, height),
        LayerAttributes {
            layer_position: Vec2(3, -2),
            ..LayerAttributes::named("m")
        },
        compression,
        blocks,
        channels,
    )
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for compression in all_compressions() {
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
        seeds.push((relative.to_owned(), read_fixture(relative)));
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
    let mut random = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut next = move || random.next();
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
