//! Writes the hostile files of `exrprobe_synth::hostile` into a folder, for
//! `scripts/damaged_rss.sh` (memory with several threads) and the fuzz seeds.
//!
//!     cargo run -p exrprobe-synth --example make_hostile -- DIR
//!
//! - `declared_2gib_blocks.exr` (under 1 KiB): 8 blocks that each declare 2 147 483 644 bytes
//!   the file does not have (#10, item 1).
//! - `sparse_1gib_blocks.exr` (8 GiB long, a few KiB on disk): 8 blocks of 1 GiB of zeros each,
//!   which the file does hold, as a hole (#10, item 2: with `--memory-budget 64M` it is refused;
//!   it used to take 1 GiB per decoding thread).

use std::path::PathBuf;

use exrprobe_synth::hostile::DeclaredBlocks;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: make_hostile DIR")?;
    std::fs::create_dir_all(&dir)?;
    let files = [
        (
            "declared_2gib_blocks.exr",
            DeclaredBlocks {
                channel: "R".into(),
                width: (1 << 29) - 1,
                rows: 8,
                declared_bytes: 2_147_483_644,
                sparse: false,
            },
        ),
        (
            "sparse_1gib_blocks.exr",
            DeclaredBlocks {
                channel: "R".into(),
                width: 1 << 28,
                rows: 8,
                declared_bytes: 1 << 30,
                sparse: true,
            },
        ),
    ];
    for (name, file) in files {
        let path = dir.join(name);
        file.write(&path)?;
        println!("{}", path.display());
    }
    Ok(())
}
