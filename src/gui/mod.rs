//! The viewer.

pub mod panels;

use std::path::PathBuf;

/// Opens the viewer window with `files` (none: the welcome view).
pub fn run(files: Vec<PathBuf>) -> anyhow::Result<()> {
    let _ = files;
    todo!()
}
