//! Helpers shared by the root crate's integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses a part

pub mod gui;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use exr::prelude::{AnyChannel, FlatSamples, Text};

/// A render with R, G, B and Z over `width × height`; Z is `depth` plus a ramp (or exactly
/// `depth` everywhere with `constant`).
pub fn render(width: usize, height: usize, depth: f32, constant: bool) -> Vec<u8> {
    let n = width * height;
    let z: Vec<f32> = (0..n)
        .map(|i| {
            if constant {
                depth
            } else {
                depth + i as f32 * 0.01
            }
        })
        .collect();
    let channels = [("R", 0.25f32), ("G", 0.5), ("B", 0.75)]
        .into_iter()
        .map(|(name, v)| AnyChannel::new(Text::from(name), FlatSamples::F32(vec![v; n])))
        .chain([AnyChannel::new(Text::from("Z"), FlatSamples::F32(z))])
        .collect();
    exrprobe_synth::zip_scanline_exr(width, height, channels).unwrap()
}

/// A file of `tests/fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// Runs the exrprobe binary with `args`. `EXRPROBE_TEST_BIN` runs the tests against another
/// build (e.g. a release binary).
pub fn exrprobe<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let binary = std::env::var_os("EXRPROBE_TEST_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_exrprobe").into());
    Command::new(binary)
        .args(args)
        .output()
        .expect("the exrprobe binary runs")
}
