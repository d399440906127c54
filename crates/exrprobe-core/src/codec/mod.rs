//! Our own decompressors for the codecs where the `exr` crate's is the bottleneck.

pub(crate) mod piz;
