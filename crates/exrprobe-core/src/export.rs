//! `.npy` / `.npz` export with atomic writes: the data goes to a temporary file in the target
//! folder that is renamed over the target only when complete, so no partial file is ever left.

use std::path::Path;

use crate::model::{Channel, Image};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NpyDtype {
    /// Little-endian f32 (`<f4`); half widened exactly, uint converted.
    #[default]
    F32,
    /// The file's own type: `<f2`, `<f4` or `<u4`.
    Native,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path} exists already (use --force to overwrite)")]
    Exists { path: String },
    #[error("channel {channel} has no decoded pixels")]
    NoPixels { channel: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Writes one channel as a 2-D array `(height, width)` in C order.
pub fn write_npy(
    channel: &Channel,
    dtype: NpyDtype,
    path: &Path,
    overwrite: bool,
) -> Result<(), ExportError> {
    let _ = (channel, dtype, path, overwrite);
    todo!()
}

/// Writes every decoded channel into one `.npz`, keyed by its qualified name.
pub fn write_npz(
    image: &Image,
    dtype: NpyDtype,
    path: &Path,
    overwrite: bool,
) -> Result<(), ExportError> {
    let _ = (image, dtype, path, overwrite);
    todo!()
}
