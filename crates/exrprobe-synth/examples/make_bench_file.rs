//! Writes the 3840×2160 benchmark files into OUT_DIR: the full 33-channel Blender pass set as
//! 32-bit float ZIP (`bench_4k_zip_f32.exr`) and as half/float PIZ (`bench_4k_piz_f16.exr`, colour
//! passes half, data passes such as depth float, as Blender writes "Float (Half)"); with a
//! second argument, also in the other codecs Blender offers (`rle,pxr24,b44,b44a,dwaa,dwab`, or
//! `all`): `bench_4k_CODEC_f16.exr` (half colour) or `bench_4k_pxr24_f32.exr`.
//!
//! ```sh
//! cargo run --release -p exrprobe-synth --example make_bench_file -- OUT_DIR [CODECS]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use exrprobe_synth::{self as synth, BenchEncoding};

fn main() -> ExitCode {
    let Some(out_dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: make_bench_file OUT_DIR [CODECS]");
        return ExitCode::from(2);
    };
    if let Err(err) = std::fs::create_dir_all(&out_dir) {
        eprintln!(
            "make_bench_file: cannot create the output folder ({err}): {}",
            out_dir.display()
        );
        return ExitCode::FAILURE;
    }
    // Codecs to write besides ZIP and PIZ, e.g. `rle,pxr24,b44,b44a,dwaa,dwab` or `all`.
    let extra = std::env::args().nth(2).unwrap_or_default();
    let chosen: Vec<BenchEncoding> = BenchEncoding::ALL
        .into_iter()
        .filter(|e| {
            matches!(e, BenchEncoding::ZipFloat | BenchEncoding::PizHalf)
                || extra == "all"
                || extra.split(',').any(|c| c == e.codec())
        })
        .collect();
    for encoding in chosen {
        let path = out_dir.join(encoding.file_name());
        let started = Instant::now();
        if let Err(err) = synth::write_bench_file(&path, encoding) {
            eprintln!("make_bench_file: {err}");
            return ExitCode::FAILURE;
        }
        let duration_secs = started.elapsed().as_secs_f64();
        println!("wrote {} in {duration_secs:.1} s", path.display());
    }
    ExitCode::SUCCESS
}
