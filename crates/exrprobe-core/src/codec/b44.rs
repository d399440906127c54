//! B44 and B44A blocks (lossy 4×4 half-float blocks, 32 scan lines per block).
//!
//! A block stores its channels one after another (sorted by name), not row by row. A channel of
//! 32-bit samples (float or uint) is stored whole, little-endian. A half channel is cut into 4×4
//! tiles of samples, row by row of tiles (the last row and column of tiles are padded); each tile
//! takes 14 bytes: the first sample, a shift, and fifteen 6-bit differences (down the first
//! column each sample's difference to the one above, in the other columns to its left
//! neighbour; scaled by `2^shift` and offset by `32 << shift`) on an ordered form of the half
//! bits (negative values inverted, so that integer order is float order). B44A adds 3-byte tiles for flat areas: a shift byte of 13
//! or more (`byte[2] >= 13 << 2`) means all sixteen samples equal the first. The lossy step is
//! the encoder's rounding of the differences; decoding is exact integer arithmetic, wrapping in
//! 16 bits as OpenEXR's `unsigned short` does, so we give exactly what OpenEXR gives.
//!
//! Half channels with `pLinear` set are stored exponentiated (the encoder packs `e^(x/8)` of
//! each sample) and decoded through a 65536-entry table of `8·ln(x)`
//! ([`from_exponential_table`], computed as OpenEXR computes it). Blender and most writers set
//! `pLinear` to 0.
//!
//! Decoding unpacks the wanted half channels into a buffer kept per thread (one block, as
//! little-endian rows) and then hands the rows to the sink in storage order, the rows of 32-bit
//! channels straight from the block; the tiles of channels that are not wanted are only stepped
//! over (their sizes come from the shift byte).

use std::cell::RefCell;
use std::sync::OnceLock;

use exr::meta::attribute::SampleType;
use half::f16;

use super::scratch::with_scratch;
use super::{BlockError, BlockLayout, LineSink};

/// A third byte of at least this value marks a flat 3-byte tile (a shift of 13 or more).
const FLAT_TILE_MARK: u8 = 13 << 2;

thread_local! {
    static SAMPLES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Decodes a B44/B44A block and passes the rows of the wanted channels to `sink`
/// (little-endian).
pub(crate) fn decode(
    compressed: &[u8],
    layout: BlockLayout<'_>,
    wanted: &[bool],
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    with_scratch(&SAMPLES, |samples| {
        decode_with(samples, compressed, layout, wanted, sink)
    })
}

fn decode_with(
    samples: &mut Vec<u8>,
    compressed: &[u8],
    layout: BlockLayout<'_>,
    wanted: &[bool],
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    let exr::math::Vec2(width, height) = layout.rectangle.size;
    let too_large = || BlockError::pixels("a pixel block is impossibly large");
    let channel_samples = width.checked_mul(height).ok_or_else(too_large)?;
    // Where the rows of each wanted channel are: the unpacked halves in `samples`, or the
    // 32-bit samples where they are stored in `compressed`.
    let mut sources = Vec::with_capacity(layout.channels.list.len());
    let mut half_bytes = 0usize;
    for (channel, description) in layout.channels.list.iter().enumerate() {
        let is_half = description.sample_type == SampleType::F16;
        sources.push(Source::Samples(half_bytes));
        if is_half && wanted.get(channel) == Some(&true) {
            half_bytes = channel_samples
                .checked_mul(2)
                .and_then(|bytes| half_bytes.checked_add(bytes))
                .ok_or_else(too_large)?;
        }
    }
    // Every byte is overwritten below, so a buffer of the right size is reused as it is.
    if samples.len() != half_bytes {
        samples.clear();
        samples
            .try_reserve_exact(half_bytes)
            .map_err(|_| BlockError::OutOfMemory)?;
        samples.resize(half_bytes, 0);
    }

    let mut input = compressed;
    for (channel, description) in layout.channels.list.iter().enumerate() {
        let is_wanted = wanted.get(channel) == Some(&true);
        if description.sample_type == SampleType::F16 {
            let out = match sources.get(channel) {
                Some(&Source::Samples(start)) if is_wanted => {
                    samples.get_mut(start..start + channel_samples * 2)
                }
                _ => None,
            };
            let table = description.quantize_linearly.then(from_exponential_table);
            input = unpack_half_channel(input, width, height, out, table)?;
        } else {
            let bytes = channel_samples.checked_mul(4).ok_or_else(too_large)?;
            if let Some(source) = sources.get_mut(channel) {
                *source = Source::Stored(compressed.len() - input.len());
            }
            input = input.get(bytes..).ok_or_else(cut_off)?;
        }
    }

    for row in 0..height {
        for (channel, description) in layout.channels.list.iter().enumerate() {
            if wanted.get(channel) != Some(&true) {
                continue;
            }
            let row_bytes = width * description.sample_type.bytes_per_sample();
            let line = match sources.get(channel) {
                Some(&Source::Samples(start)) => samples.get(start + row * row_bytes..),
                Some(&Source::Stored(start)) => compressed.get(start + row * row_bytes..),
                None => None,
            }
            .and_then(|rest| rest.get(..row_bytes))
            .ok_or(BlockError::Internal("B44 rows do not fit the block"))?;
            sink.row(row, channel, line)?;
        }
    }
    Ok(())
}

/// Where a channel's rows are, as a byte offset.
#[derive(Clone, Copy)]
enum Source {
    /// In the unpacked halves.
    Samples(usize),
    /// In the block as stored (32-bit channels, little-endian).
    Stored(usize),
}

fn cut_off() -> BlockError {
    BlockError::compressed("a B44 block ends before its last channel")
}

/// Steps over the 4×4 tiles of one half channel of `width × height` samples and, when `out` is
/// given (`width × height` little-endian halves, row by row), unpacks them into it, through
/// `table` for a `pLinear` channel. Returns the input after the channel.
fn unpack_half_channel<'a>(
    mut input: &'a [u8],
    width: usize,
    height: usize,
    mut out: Option<&mut [u8]>,
    table: Option<&[u16; 65536]>,
) -> Result<&'a [u8], BlockError> {
    for tile_y in (0..height).step_by(4) {
        for tile_x in (0..width).step_by(4) {
            let flat = input.get(2).ok_or_else(cut_off)? >= &FLAT_TILE_MARK;
            let size = if flat { 3 } else { 14 };
            let (tile, rest) = input.split_at_checked(size).ok_or_else(cut_off)?;
            input = rest;
            let Some(out) = out.as_deref_mut() else {
                continue;
            };
            let mut values = match <&[u8; 14]>::try_from(tile) {
                Ok(tile) => unpack14(tile),
                Err(_) => [ordered_to_half(u16::from_be_bytes([tile[0], tile[1]])); 16],
            };
            if let Some(table) = table {
                values = values.map(|value| table[usize::from(value)]);
            }
            let columns = (width - tile_x).min(4);
            for (dy, row) in values.chunks_exact(4).enumerate().take(height - tile_y) {
                let at = ((tile_y + dy) * width + tile_x) * 2;
                if let Some(dest) = out.get_mut(at..at + columns * 2) {
                    for (pair, &value) in dest.chunks_exact_mut(2).zip(row) {
                        pair.copy_from_slice(&value.to_le_bytes());
                    }
                }
            }
        }
    }
    Ok(input)
}

/// The decoding table of `pLinear` half channels: `8·ln(x)` of every half `x`, in single
/// precision, rounded to half (OpenEXR's `b44_convertToLinear` in `internal_b44_table_init.c`,
/// which its decoder applies as `convertToLinear`); 0 for infinities, NaN and negative values,
/// −∞ for zero and −0.
fn from_exponential_table() -> &'static [u16; 65536] {
    static TABLE: OnceLock<Box<[u16; 65536]>> = OnceLock::new();
    super::half_table(&TABLE, from_exponential)
}

fn from_exponential(bits: u16) -> u16 {
    if bits & 0x7c00 == 0x7c00 || bits > 0x8000 {
        return 0;
    }
    f16::from_f32(8.0 * f16::from_bits(bits).to_f32().ln()).to_bits()
}

/// The half bits of an ordered value (the inverse of the encoder's mapping: non-negative halves
/// have the top bit set, negative ones are inverted).
fn ordered_to_half(ordered: u16) -> u16 {
    if ordered & 0x8000 != 0 {
        ordered & 0x7fff
    } else {
        !ordered
    }
}

/// Unpacks a 14-byte tile into its sixteen half values, row by row: OpenEXR's `unpack14`.
fn unpack14(b: &[u8; 14]) -> [u16; 16] {
    let byte = |i: usize| u32::from(b[i]);
    let mut s = [0u32; 16];
    s[0] = (byte(0) << 8) | byte(1);
    let shift = byte(2) >> 2;
    let bias = 0x20u32 << shift;
    // The six-bit difference `d` scaled and offset: wraps like OpenEXR's 16-bit arithmetic
    // (only the low 16 bits are kept at the end).
    let step = |from: u32, d: u32| from.wrapping_add((d & 0x3f) << shift).wrapping_sub(bias);

    // The first column, each sample from the one above.
    s[4] = step(s[0], (byte(2) << 4) | (byte(3) >> 4));
    s[8] = step(s[4], (byte(3) << 2) | (byte(4) >> 6));
    s[12] = step(s[8], byte(4));
    // Every sample of columns 1–3 from its left neighbour.
    s[1] = step(s[0], byte(5) >> 2);
    s[5] = step(s[4], (byte(5) << 4) | (byte(6) >> 4));
    s[9] = step(s[8], (byte(6) << 2) | (byte(7) >> 6));
    s[13] = step(s[12], byte(7));

    s[2] = step(s[1], byte(8) >> 2);
    s[6] = step(s[5], (byte(8) << 4) | (byte(9) >> 4));
    s[10] = step(s[9], (byte(9) << 2) | (byte(10) >> 6));
    s[14] = step(s[13], byte(10));

    s[3] = step(s[2], byte(11) >> 2);
    s[7] = step(s[6], (byte(11) << 4) | (byte(12) >> 4));
    s[11] = step(s[10], (byte(12) << 2) | (byte(13) >> 6));
    s[15] = step(s[14], byte(13));

    s.map(|value| ordered_to_half(value as u16))
}
