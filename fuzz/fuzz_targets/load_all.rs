//! The whole load path on arbitrary bytes: headers, pixels (with a 64 MiB memory budget, so a
//! header that declares a huge image is refused instead of allocating), then statistics,
//! depth/RGB detection and diagnostics on whatever loaded.
#![no_main]

use std::sync::atomic::AtomicBool;

use exrprobe_core::load::{LoadOptions, load_bytes};
use libfuzzer_sys::fuzz_target;

const MEMORY_BUDGET_BYTES: u64 = 64 << 20;

fuzz_target!(|data: &[u8]| {
    let options = LoadOptions {
        memory_budget_bytes: MEMORY_BUDGET_BYTES,
        decode_pixels: true,
        ..LoadOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let mut progress = |_fraction: f64| {};
    if let Ok(image) = load_bytes(data, "fuzz-input.exr", &options, &mut progress, &cancel) {
        let analysis = exrprobe_core::analyze(&image);
        // Touch the results so nothing is optimised away.
        std::hint::black_box(&analysis);
    }
});
