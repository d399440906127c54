//! Header-only parsing on arbitrary bytes (`decode_pixels: false`): what `info` and the
//! viewer's first look at a file do.
#![no_main]

use std::sync::atomic::AtomicBool;

use exrprobe_core::load::{LoadOptions, load_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = LoadOptions {
        memory_budget_bytes: 64 << 20,
        decode_pixels: false,
        ..LoadOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let mut progress = |_fraction: f64| {};
    if let Ok(image) = load_bytes(data, "fuzz-input.exr", &options, &mut progress, &cancel) {
        let analysis = exrprobe_core::analyze(&image);
        std::hint::black_box(&analysis);
    }
});
