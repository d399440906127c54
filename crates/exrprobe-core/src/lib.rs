//! exrprobe-core: the pure part of exrprobe (no GUI). The CLI, the viewer and the tests share it.
//!
//! Data flows one way: [`load`] turns a file into a [`model::Image`]; [`analyze`] computes the
//! statistics ([`stats`]), finds the depth and colour channels ([`naming`]) and diagnoses them
//! ([`diagnose`]) once; [`colormap`] maps samples to display pixels; [`export`] writes `.npy`/`.npz`.

pub mod analysis;
pub mod check;
mod codec;
pub mod colormap;
pub mod compare;
pub mod diagnose;
pub mod export;
pub mod load;
pub mod model;
pub mod naming;
pub mod pace;
pub mod records;
pub mod region;
pub mod sequence;
pub mod stats;
pub mod text;
pub mod watch;

pub use analysis::{Analysis, analyze, complete};
pub use half::f16;

/// PIZ block decompression (the `exr` crate's block layout, our decoder). Public only for
/// `examples/piz_bench.rs` and the codec tests; not a stable API.
#[doc(hidden)]
pub use codec::piz::decompress as piz_decompress;

/// Why a pixel block could not be decoded (what [`piz_decompress`] returns on damaged data).
#[doc(hidden)]
pub use codec::BlockError;
