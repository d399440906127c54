//! Writes a 4K shot for the scrubbing benchmark (scripts/bench_viewer_scrub.py): FRAMES (default
//! 8) frames `OUT_DIR/bench_4k_<codec>.1001.exr` … of the 33-channel benchmark render,
//! odd frames as rendered and even frames mirrored left to right, so that every step to the
//! next frame changes the picture on screen. CODEC is `zip` (float, ZIP) or `piz` (half/float,
//! PIZ), as the two benchmark files. Two frames are rendered; the others are copies of them.
//!
//! ```sh
//! cargo run --release -p exrprobe-synth --example make_bench_sequence -- OUT_DIR [FRAMES] [zip|piz]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use exrprobe_synth::{self as synth, BenchEncoding};

const FIRST: usize = 1001;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(out_dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: make_bench_sequence OUT_DIR [FRAMES] [zip|piz]");
        return ExitCode::from(2);
    };
    let frames = match args.next().map(|a| a.parse::<usize>()) {
        None => 8,
        Some(Ok(n)) if n >= 2 => n,
        Some(_) => {
            eprintln!("make_bench_sequence: FRAMES must be a number of at least 2");
            return ExitCode::from(2);
        }
    };
    let (encoding, codec) = match args.next().as_deref() {
        None | Some("zip") => (BenchEncoding::ZipFloat, "zip"),
        Some("piz") => (BenchEncoding::PizHalf, "piz"),
        Some(other) => {
            eprintln!("make_bench_sequence: unknown codec {other:?} (zip or piz)");
            return ExitCode::from(2);
        }
    };
    if let Err(err) = std::fs::create_dir_all(&out_dir) {
        eprintln!(
            "make_bench_sequence: cannot create the output folder ({err}): {}",
            out_dir.display()
        );
        return ExitCode::FAILURE;
    }
    let frame_path = |i: usize| out_dir.join(format!("bench_4k_{codec}.{:04}.exr", FIRST + i));
    let written = synth::write_bench_file(&frame_path(0), encoding)
        .and_then(|()| synth::write_mirrored_bench_file(&frame_path(1), encoding));
    if let Err(err) = written {
        eprintln!("make_bench_sequence: {err}");
        return ExitCode::FAILURE;
    }
    for i in 2..frames {
        let (from, to) = (frame_path(i % 2), frame_path(i));
        if let Err(err) = std::fs::copy(&from, &to) {
            eprintln!(
                "make_bench_sequence: cannot write ({err}): {}",
                to.display()
            );
            return ExitCode::FAILURE;
        }
    }
    println!("{frames} frames in {}", out_dir.display());
    ExitCode::SUCCESS
}
