//! Helpers the integration tests of this crate share: fixture paths, EXR files written by the
//! `exr` crate (the reference implementation we compare with), bit patterns of samples.
//!
//! Each test binary includes this module (`mod support;`) and uses a part of it.
#![allow(dead_code)]

use std::io::Cursor;
use std::path::PathBuf;

use exr::image::write::layers::WritableLayers;
use exr::prelude::{
    AnyChannel, AnyChannels, Blocks, Compression, Encoding, FlatSamples, Image as ExrImage, Layer,
    LayerAttributes, LineOrder, SmallVec, WritableImage,
};
use exrprobe_core::model::Samples;

/// A file below `tests/fixtures/` of the repository.
pub fn fixture(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative)
}

/// The bytes of a fixture.
pub fn read_fixture(relative: &str) -> Vec<u8> {
    let path = fixture(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{e}: {}", path.display()))
}

/// `image` written to memory by the `exr` crate.
pub fn exr_bytes<'img, L: WritableLayers<'img>>(image: &'img ExrImage<L>) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write()
        .to_buffered(Cursor::new(&mut bytes))
        .unwrap_or_else(|e| panic!("the exr crate cannot write the test file: {e}"));
    bytes
}

/// A one-part file of `channels` (any order) over `size` pixels, rows in increasing order,
/// written by the `exr` crate.
pub fn single_layer_bytes(
    size: (usize, usize),
    attributes: LayerAttributes,
    compression: Compression,
    blocks: Blocks,
    channels: Vec<AnyChannel<FlatSamples>>,
) -> Vec<u8> {
    let layer = Layer::new(
        size,
        attributes,
        Encoding {
            compression,
            blocks,
            line_order: LineOrder::Increasing,
        },
        AnyChannels::sort(SmallVec::from_vec(channels)),
    );
    exr_bytes(&ExrImage::from_layer(layer))
}

/// A two-part file (parts "good" and "bad", one float channel `Z` of 5 × 40 samples, 2.5 and
/// 7.0) whose second part is damaged: its first offset points past the end of the file.
pub fn two_parts_second_broken() -> Vec<u8> {
    use exr::meta::MetaData;
    use exr::prelude::{ImageAttributes, IntegerBounds};
    let layer = |name: &str, value: f32| {
        let channels = AnyChannels::sort(SmallVec::from_vec(vec![AnyChannel::new(
            "Z",
            FlatSamples::F32(vec![value; 5 * 40]),
        )]));
        Layer::new(
            (5, 40),
            LayerAttributes::named(name),
            Encoding::SMALL_LOSSLESS,
            channels,
        )
    };
    let image = ExrImage::empty(ImageAttributes::new(IntegerBounds::from_dimensions((
        5, 40,
    ))))
    .with_layer(layer("good", 2.5))
    .with_layer(layer("bad", 7.0));
    let mut bytes = exr_bytes(&image);
    let mut cursor = Cursor::new(&bytes);
    let meta = MetaData::read_from_buffered(&mut cursor, true)
        .unwrap_or_else(|e| panic!("cannot read back the test file: {e}"));
    let at = cursor.position() as usize + meta.headers[0].chunk_count * 8;
    let past_the_end = (bytes.len() as u64 + 1000).to_le_bytes();
    bytes[at..at + 8].copy_from_slice(&past_the_end);
    bytes
}

/// Every compression the `exr` crate writes.
pub fn all_compressions() -> Vec<Compression> {
    vec![
        Compression::Uncompressed,
        Compression::RLE,
        Compression::ZIP1,
        Compression::ZIP16,
        Compression::PIZ,
        Compression::PXR24,
        Compression::B44,
        Compression::B44A,
        Compression::DWAA(None),
        Compression::DWAB(None),
    ]
}

/// Bit patterns of our samples, so that NaN payloads compare too.
pub fn sample_bits(samples: &Samples) -> Vec<u32> {
    match samples {
        Samples::F16(v) => v.iter().map(|h| u32::from(h.to_bits())).collect(),
        Samples::F32(v) => v.iter().map(|f| f.to_bits()).collect(),
        Samples::U32(v) => v.clone(),
    }
}

/// Bit patterns of the `exr` crate's samples.
pub fn flat_bits(samples: &FlatSamples) -> Vec<u32> {
    match samples {
        FlatSamples::F16(v) => v.iter().map(|h| u32::from(h.to_bits())).collect(),
        FlatSamples::F32(v) => v.iter().map(|f| f.to_bits()).collect(),
        FlatSamples::U32(v) => v.clone(),
    }
}

/// A deterministic xorshift64 generator (seeded tests, no external randomness).
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
