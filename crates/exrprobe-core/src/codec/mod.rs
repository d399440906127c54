//! Decompression of one pixel block straight into the channels that are wanted.
//!
//! A decompressed block is laid out as OpenEXR stores it: for each row of the block, for each
//! channel (sorted by name), the row's samples of that channel, little-endian. [`decode_block`]
//! hands that data to a sink one row of one channel at a time, and only for the wanted channels,
//! so the caller copies the samples straight into its buffers.
//!
//! Dispatch: blocks stored raw (compression did not help, so the block holds exactly the raw
//! bytes) are split here; ZIP/ZIPS ([`zip`]), RLE ([`rle`], ZIP's predictor after run
//! expansion), PXR24 ([`pxr24`]), B44/B44A ([`b44`]) and DWAA/DWAB ([`dwa`], with the `exr`
//! crate's inverse-DCT kernels) blocks are decoded by our own modules straight into rows; PIZ
//! blocks by [`piz`] (rows handed to the sink straight from its decoded words; for parts with
//! subsampling and on big-endian machines, in the `exr` crate's layout, then split into rows).
//! DWA parts with subsampled channels and anything else go through the `exr` crate's
//! decompressor and are then split into rows the same way.
//! Every decoder of ours is compared bit for bit with the `exr` crate's ([`tests`]) and, on the
//! fixtures, with the OpenEXR library (`tests/openexr_crosscheck.rs`).

mod b44;
mod dwa;
mod error;
pub(crate) mod piz;
mod pxr24;
mod rle;
mod scratch;
pub(crate) mod zip;

pub use error::{BlockError, BlockStep};

use std::sync::OnceLock;

use exr::compression::Compression;
use exr::meta::attribute::{ChannelList, IntegerBounds};
use exr::meta::header::Header;

/// Receives the decoded samples of the wanted channels of a block.
///
/// Each channel's rows come top to bottom; the channels may interleave in any order (most
/// codecs give storage order, a row of every channel then the next row; PIZ gives one channel's
/// rows after the other). Any `FnMut(row, channel, bytes)` closure is a sink that takes rows.
pub(crate) trait LineSink {
    /// One row of one wanted channel: `(row within the block, channel index, little-endian
    /// sample bytes)`.
    fn row(&mut self, row: usize, channel: usize, bytes: &[u8]) -> Result<(), BlockError>;

    /// Where all of one wanted channel's rows of the block may be written at once, when the
    /// sink stores them one after the other and needs nothing else from them: `word_count`
    /// 16-bit words, the samples of the block's rows in order as little-endian 16-bit words (a
    /// 32-bit sample is its low word, then its high word), or `None` to be given the rows one by
    /// one. A codec that finishes a channel's rows together in that layout (PIZ) writes them
    /// there instead of handing each row over to be copied. The samples written count as the
    /// channel's rows: `row` is not called for that channel.
    fn channel_words(
        &mut self,
        _channel: usize,
        _word_count: usize,
    ) -> Result<Option<&mut [u16]>, BlockError> {
        Ok(None)
    }

    /// Where one row of one wanted channel may be written directly: exactly `byte_len` bytes,
    /// the row's samples little-endian, or `None` to be handed the row by [`Self::row`] (which
    /// also reports a row that does not fit). A codec that produces each row in its own pass
    /// (ZIP's predictor) writes it there instead of into a scratch row that is then copied.
    /// The bytes written count as the row: `row` is not called for it.
    fn row_destination(
        &mut self,
        _row: usize,
        _channel: usize,
        _byte_len: usize,
    ) -> Option<&mut [u8]> {
        None
    }
}

impl<F: FnMut(usize, usize, &[u8]) -> Result<(), BlockError>> LineSink for F {
    fn row(&mut self, row: usize, channel: usize, bytes: &[u8]) -> Result<(), BlockError> {
        self(row, channel, bytes)
    }
}

/// Where a block's rows and channels lie in its decompressed bytes.
#[derive(Clone, Copy)]
pub(crate) struct BlockLayout<'a> {
    pub channels: &'a ChannelList,
    /// The block's pixels within the data window (as the `exr` crate computes them from the
    /// block's tile or scan-line index).
    pub rectangle: IntegerBounds,
}

impl BlockLayout<'_> {
    /// Bytes of the block's raw samples, or `None` when that overflows.
    pub fn byte_size(&self) -> Option<usize> {
        self.rectangle
            .size
            .0
            .checked_mul(self.rectangle.size.1)?
            .checked_mul(self.channels.bytes_per_pixel)
    }

    /// Byte lengths of the rows of each channel, in storage order (one row of every channel,
    /// then the next row), with the channel index.
    fn segments(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let width = self.rectangle.size.0;
        (0..self.rectangle.size.1).flat_map(move |row| {
            self.channels
                .list
                .iter()
                .enumerate()
                .map(move |(channel, description)| {
                    (
                        row,
                        channel,
                        width * description.sample_type.bytes_per_sample(),
                    )
                })
        })
    }
}

/// Decompresses one block of `header`'s part covering `layout.rectangle` and passes the rows of
/// the wanted channels (`wanted[channel]`) to `sink`.
///
/// Only parts without subsampling are passed here (the caller decodes no others).
pub(crate) fn decode_block(
    header: &Header,
    layout: BlockLayout<'_>,
    compressed_le: Vec<u8>,
    wanted: &[bool],
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    let expected_bytes = layout
        .byte_size()
        .ok_or_else(|| BlockError::pixels("a pixel block is impossibly large"))?;
    if compressed_le.len() == expected_bytes {
        // Stored raw: compression would have made it larger (always the case for `none`).
        return split_rows(&compressed_le, layout, wanted, Endian::Little, sink);
    }
    match header.compression {
        Compression::ZIP1 | Compression::ZIP16 => {
            zip::decode(&compressed_le, expected_bytes, layout, wanted, sink)
        }
        Compression::RLE => rle::decode(&compressed_le, expected_bytes, layout, wanted, sink),
        Compression::PXR24 => pxr24::decode(&compressed_le, layout, wanted, sink),
        Compression::B44 | Compression::B44A => b44::decode(&compressed_le, layout, wanted, sink),
        Compression::DWAA(_) | Compression::DWAB(_) if all_full_resolution(layout) => {
            dwa::decode(&compressed_le, layout, wanted, sink)
        }
        #[cfg(target_endian = "little")]
        Compression::PIZ if all_full_resolution(layout) => {
            piz::decode_rows(&compressed_le, layout, expected_bytes, wanted, sink)
        }
        Compression::PIZ => {
            let decoded = piz::decompress_channels(
                &compressed_le,
                layout.channels,
                layout.rectangle,
                expected_bytes,
                Some(wanted),
            )?;
            split_rows(&decoded, layout, wanted, Endian::Native, sink)
        }
        _ => {
            let decoded = header
                .compression
                .decompress_image_section_from_le(header, compressed_le, layout.rectangle, false)
                .map_err(|error| BlockError::from_exr(&error, BlockStep::Decompress))?;
            split_rows(&decoded, layout, wanted, Endian::Native, sink)
        }
    }
}

/// `f` of every 16-bit value, computed once into `cell`: the half-to-half tables of B44's
/// `pLinear` channels and of DWA's nonlinear channels.
fn half_table(
    cell: &'static OnceLock<Box<[u16; 65536]>>,
    f: fn(u16) -> u16,
) -> &'static [u16; 65536] {
    cell.get_or_init(|| {
        let mut table = Box::new([0u16; 65536]);
        for (bits, slot) in (0u16..=u16::MAX).zip(table.iter_mut()) {
            *slot = f(bits);
        }
        table
    })
}

/// Whether no channel of the block is subsampled.
fn all_full_resolution(layout: BlockLayout<'_>) -> bool {
    layout
        .channels
        .list
        .iter()
        .all(|c| c.sampling == exr::math::Vec2(1, 1))
}

/// The byte order of decoded samples.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endian {
    Little,
    /// The machine's own order (what the `exr` crate's decompressors return).
    Native,
}

/// Passes the rows of the wanted channels of a decompressed block to `sink`.
pub(crate) fn split_rows(
    bytes: &[u8],
    layout: BlockLayout<'_>,
    wanted: &[bool],
    endian: Endian,
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    let short = || BlockError::pixels("a decompressed block is shorter than expected");
    if Some(bytes.len()) != layout.byte_size() {
        return Err(short());
    }
    let mut position = 0usize;
    #[cfg(target_endian = "big")]
    let mut swapped = Vec::new();
    for (row, channel, len) in layout.segments() {
        let end = position.checked_add(len).ok_or_else(short)?;
        if wanted.get(channel) == Some(&true) {
            let line = bytes.get(position..end).ok_or_else(short)?;
            #[cfg(target_endian = "big")]
            let line = if endian == Endian::Native {
                let sample_bytes = layout
                    .channels
                    .list
                    .get(channel)
                    .map_or(1, |c| c.sample_type.bytes_per_sample());
                swapped.clear();
                swapped.extend_from_slice(line);
                for sample in swapped.chunks_exact_mut(sample_bytes) {
                    sample.reverse();
                }
                &swapped[..]
            } else {
                line
            };
            #[cfg(target_endian = "little")]
            let _ = endian;
            sink.row(row, channel, line)?;
        }
        position = end;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
