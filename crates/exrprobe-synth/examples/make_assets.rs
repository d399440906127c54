//! Writes the built-in example renders to `assets/` (or to the folder given as the argument):
//! `example_spheres.exr` (Blender-style multilayer) and `example_z_trap.exr` (the single-layer
//! "Compositing on" trap with `Z` = 1.0 everywhere).
//!
//! ```sh
//! cargo run -p exrprobe-synth --example make_assets
//! ```
//!
//! The files are deterministic; `tests/synth_assets.rs` fails when the committed assets differ from
//! a fresh render, so rerun this after changing the renderer and commit the result.

use std::path::PathBuf;
use std::process::ExitCode;

use exrprobe_synth as synth;

fn main() -> ExitCode {
    let out_dir = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets"),
        PathBuf::from,
    );
    let files = [
        ("example_spheres.exr", synth::example_spheres_exr()),
        ("example_z_trap.exr", synth::example_z_trap_exr()),
    ];
    if let Err(err) = std::fs::create_dir_all(&out_dir) {
        eprintln!(
            "make_assets: cannot create the output folder ({err}): {}",
            out_dir.display()
        );
        return ExitCode::FAILURE;
    }
    for (name, bytes) in files {
        let path = out_dir.join(name);
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(err) => {
                eprintln!("make_assets: {err}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(err) = std::fs::write(&path, &bytes) {
            eprintln!("make_assets: cannot write ({err}): {}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    ExitCode::SUCCESS
}
