//! Writes a synthetic shot for the sequence benchmark (scripts/bench_sequence.sh): frames
//! `shot/beauty.1001.exr` … of the spheres scene at WIDTH×HEIGHT with Blender's multilayer
//! pass names (Combined RGBA and Normal as half, Depth and Mist as float, ZIP), the depth
//! moving a little each frame, and a few bad frames: 1105–1106 with the constant-1.0 depth trap,
//! 1109 missing, 1111 cut off at half its bytes.
//!
//! ```sh
//! cargo run --release -p exrprobe-synth --example make_sequence -- OUT_DIR [FRAMES] [WIDTH] [HEIGHT]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use exr::prelude::{AnyChannel, FlatSamples, Text};
use half::f16;

const FIRST: u64 = 1001;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: make_sequence OUT_DIR [FRAMES] [WIDTH] [HEIGHT]");
        return ExitCode::from(2);
    };
    let mut number = |default: usize| {
        args.next()
            .and_then(|a| a.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let (frames, width, height) = (number(500), number(960), number(540));
    if let Err(err) = std::fs::create_dir_all(&out) {
        eprintln!(
            "make_sequence: cannot create the folder ({err}): {}",
            out.display()
        );
        return ExitCode::from(2);
    }
    let passes = exrprobe_synth::render(width, height);
    let pass = |name: &str, channel: &str| -> Vec<f32> {
        passes
            .channel(name, channel)
            .map(<[f32]>::to_vec)
            .unwrap_or_default()
    };
    let half =
        |values: &[f32]| FlatSamples::F16(values.iter().map(|&v| f16::from_f32(v)).collect());
    let combined: Vec<(&str, Vec<f32>)> = ["R", "G", "B", "A"]
        .into_iter()
        .map(|c| (c, pass("Combined", c)))
        .collect();
    let normal: Vec<(&str, Vec<f32>)> = ["X", "Y", "Z"]
        .into_iter()
        .map(|c| (c, pass("Normal", c)))
        .collect();
    let depth = pass("Depth", "Z");
    let mist = pass("Mist", "Z");
    for frame in FIRST..FIRST + frames as u64 {
        if frame == 1109 {
            continue; // never written
        }
        let shift = (frame - FIRST) as f32 * 0.01;
        let z: Vec<f32> = if (1105..=1106).contains(&frame) {
            vec![1.0; depth.len()] // the Compositing trap
        } else {
            depth
                .iter()
                .map(|&d| if d >= 1e9 { d } else { d + shift })
                .collect()
        };
        let mut channels: Vec<AnyChannel<FlatSamples>> = Vec::new();
        for (c, values) in &combined {
            channels.push(AnyChannel::new(
                Text::from(format!("ViewLayer.Combined.{c}").as_str()),
                half(values),
            ));
        }
        for (c, values) in &normal {
            channels.push(AnyChannel::new(
                Text::from(format!("ViewLayer.Normal.{c}").as_str()),
                half(values),
            ));
        }
        channels.push(AnyChannel::new(
            Text::from("ViewLayer.Depth.Z"),
            FlatSamples::F32(z),
        ));
        channels.push(AnyChannel::new(
            Text::from("ViewLayer.Mist.Z"),
            FlatSamples::F32(mist.clone()),
        ));
        let mut bytes = match exrprobe_synth::zip_scanline_exr(width, height, channels) {
            Ok(bytes) => bytes,
            Err(err) => {
                eprintln!("make_sequence: cannot encode frame {frame}: {err}");
                return ExitCode::from(2);
            }
        };
        if frame == 1111 {
            bytes.truncate(bytes.len() / 2); // a job that died mid-write
        }
        let path = out.join(format!("beauty.{frame:04}.exr"));
        if let Err(err) = std::fs::write(&path, &bytes) {
            eprintln!("make_sequence: cannot write ({err}): {}", path.display());
            return ExitCode::from(2);
        }
    }
    println!("{frames} frames of {width}×{height} in {}", out.display());
    ExitCode::SUCCESS
}
