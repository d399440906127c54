//! PIZ decompression (OpenEXR's wavelet + Huffman codec), bit-exact with the `exr` crate.
//!
//! A PIZ block (all integers little-endian):
//!
//! - `u16 min, u16 max`: the range of bitmap bytes that follow (both below 8192); bit `v` of the
//!   bitmap says that the 16-bit value `v` occurs in the block (0 always counts as present);
//! - the bitmap bytes `min..=max` (none when `min > max`);
//! - `i32` byte length of the Huffman section (the `exr` crate ignores it and decodes up to the
//!   end of the block; so do we, to return exactly what it returns);
//! - the Huffman section: `u32 first symbol, u32 last symbol` (the last one is the run-length
//!   code), `u32` table bytes (unused), `u32` number of code bits, `u32` (unused); the code length
//!   of every symbol `first..=last` in 6 bits, most significant bit first (59…62: a run of 2…5
//!   zero lengths, 63 + 8 bits `n`: a run of `n + 6`); then the codes of a canonical Huffman code,
//!   most significant bit first. The run-length code is followed by 8 bits `n`: repeat the
//!   previous value `n` more times;
//! - the decoded 16-bit words are the channels one after the other (each channel's samples row
//!   by row, a 32-bit sample as two words: low, high), each channel (and each word of a 32-bit
//!   sample) transformed by a 2D Haar-like wavelet (14-bit or 16-bit arithmetic), then the values
//!   are indices into the sorted list of the values present in the bitmap.
//!
//! The output is what the `exr` crate returns: for each line of the block, for each channel that
//! has samples on that line (y sampling), its samples of the line, native-endian.
//!
//! Design: a table-driven Huffman decoder (one lookup of [`TABLE_BITS`] bits gives the symbol and
//! the code length; a canonical per-length search for longer codes) reading a 64-bit window from
//! any bit position, writing into a pre-sized buffer; a slice-based in-place wavelet; the value
//! table applied while copying to the output. Scratch buffers are reused per thread.
//!
//! Stricter than the `exr` crate on one point: a code table whose canonical codes overlap (one is
//! a prefix of another; a Huffman coder never writes that) is refused, where the `exr` crate
//! decodes it in some order of its own; and an empty block, for which it returns no bytes at all
//! (which the loader then rejects as too short), is refused here. Every other input is decoded
//! exactly as it does, or refused where it refuses (or panics).

use std::cell::RefCell;

use exr::meta::attribute::{ChannelList, IntegerBounds};

use super::BlockError;
use super::scratch::{Reusable, release_if_large, with_scratch};

mod huffman;
mod wavelet;

// Also DWA's: its AC coefficients use PIZ's Huffman code.
pub(super) use huffman::decode_huffman;
use wavelet::wavelet_decode;

/// Bytes of the full bitmap (one bit per 16-bit value).
const BITMAP_BYTES: usize = 1 << 13;
/// Number of 16-bit values.
const VALUE_COUNT: usize = 1 << 16;
/// Symbols of the Huffman code: every 16-bit value plus one run-length code.
const SYMBOL_COUNT: usize = VALUE_COUNT + 1;
/// Longest code length a table can declare.
const MAX_CODE_LENGTH: usize = 58;
/// Bits of the primary decoding table (codes up to this long are found with one lookup).
const TABLE_BITS: u32 = 12;
/// Code-length values that stand for runs of zero lengths.
const SHORT_ZERO_RUN: u64 = 59;
const LONG_ZERO_RUN: u64 = 63;
const SHORTEST_LONG_RUN: u64 = 6;
/// Bytes of the Huffman section's header.
const HUFFMAN_HEADER_BYTES: usize = 20;

fn corrupt(what: &'static str) -> BlockError {
    BlockError::compressed(what)
}

/// Decompresses one PIZ block whose pixels are `rectangle` into the bytes the `exr` crate's
/// decompression returns (native-endian; for each line, each channel's samples of that line).
/// `expected_byte_size` is the block's raw size (`rectangle` area × bytes per pixel): data of
/// exactly that size was stored uncompressed.
///
/// Damaged or hostile data gives `Err`; memory use is bounded by a few times
/// `expected_byte_size` plus fixed tables.
pub fn decompress(
    compressed_le: &[u8],
    channels: &ChannelList,
    rectangle: IntegerBounds,
    expected_byte_size: usize,
) -> Result<Vec<u8>, BlockError> {
    decompress_channels(compressed_le, channels, rectangle, expected_byte_size, None)
}

/// [`decompress`], finishing only the channels with `wanted[channel]` (all when `None`): the
/// Huffman stream covers the whole block, but the inverse wavelet and the value table run per
/// channel, and a one-channel export skips them for the others. The samples of unwanted channels
/// in the result are meaningless.
pub fn decompress_channels(
    compressed_le: &[u8],
    channels: &ChannelList,
    rectangle: IntegerBounds,
    expected_byte_size: usize,
    wanted: Option<&[bool]>,
) -> Result<Vec<u8>, BlockError> {
    if compressed_le.len() == expected_byte_size {
        // Compression did not help: the block holds the raw little-endian lines.
        return raw_to_native(compressed_le, channels, rectangle);
    }
    if compressed_le.is_empty() {
        return Err(corrupt("an empty PIZ block"));
    }
    with_scratch(&SCRATCH, |scratch| {
        decompress_with(
            compressed_le,
            channels,
            rectangle,
            expected_byte_size,
            wanted,
            scratch,
        )
    })
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Buffers reused from block to block on one thread.
#[derive(Default)]
struct Scratch {
    /// The decoded 16-bit words of the block.
    words: Vec<u16>,
    huffman: HuffmanScratch,
    /// Value table: index → 16-bit value (0 past the last value present).
    values: Vec<u16>,
}

/// Buffers of the Huffman decoder.
#[derive(Default)]
pub(super) struct HuffmanScratch {
    /// Code length of every symbol.
    lengths: Vec<u8>,
    /// Primary decoding table: `symbol << 8 | length` for short codes; for prefixes of long
    /// codes, `(index + 1) << 8` of the shortest entry of `LongCodes::lengths` to try; 0 where
    /// no code begins with the prefix.
    table: Vec<u32>,
    /// The same lookup decoding up to three values at once: [`multi_entry`] entries.
    multi: Vec<u64>,
    /// Symbols with codes longer than [`TABLE_BITS`], by length then symbol.
    long_symbols: Vec<u32>,
}

impl Reusable for Scratch {
    /// The words take the block's size; the tables are bounded (65536 entries at most).
    fn trim(&mut self) {
        release_if_large(&mut self.words);
    }
}

/// Geometry of one channel within the block.
struct ChannelLayout {
    /// First word of the channel in the decoded words.
    start: usize,
    /// Samples per row and rows of the channel in this block.
    width: usize,
    height: usize,
    /// 16-bit words per sample (1 for half, 2 for float and uint).
    words_per_sample: usize,
    y_sampling: i64,
}

fn channel_layouts(
    channels: &ChannelList,
    rectangle: IntegerBounds,
) -> Result<Vec<ChannelLayout>, BlockError> {
    let mut start = 0usize;
    channels
        .list
        .iter()
        .map(|channel| {
            let exr::math::Vec2(x_sampling, y_sampling) = channel.sampling;
            if x_sampling == 0 || y_sampling == 0 {
                return Err(BlockError::Header("a channel has a sampling factor of 0"));
            }
            let width = rectangle.size.0 / x_sampling;
            let height = rectangle.size.1 / y_sampling;
            let words_per_sample = channel.sample_type.bytes_per_sample() / 2;
            let layout = ChannelLayout {
                start,
                width,
                height,
                words_per_sample,
                y_sampling: i64::try_from(y_sampling)
                    .map_err(|_| BlockError::Header("a sampling factor is too large"))?,
            };
            let words = width
                .checked_mul(height)
                .and_then(|n| n.checked_mul(words_per_sample))
                .ok_or_else(|| corrupt("a PIZ block is too large"))?;
            start = start
                .checked_add(words)
                .ok_or_else(|| corrupt("a PIZ block is too large"))?;
            Ok(layout)
        })
        .collect()
}

/// Reads `N` little-endian bytes at `*at`, advancing it.
fn take<'a, const N: usize>(input: &'a [u8], at: &mut usize) -> Result<&'a [u8; N], BlockError> {
    let bytes = at
        .checked_add(N)
        .and_then(|end| input.get(*at..end))
        .and_then(|bytes| <&[u8; N]>::try_from(bytes).ok())
        .ok_or_else(|| corrupt("a PIZ block ends early"))?;
    *at += N;
    Ok(bytes)
}

fn decompress_with(
    compressed: &[u8],
    channels: &ChannelList,
    rectangle: IntegerBounds,
    expected_byte_size: usize,
    wanted: Option<&[bool]>,
    scratch: &mut Scratch,
) -> Result<Vec<u8>, BlockError> {
    let (layouts, words) = decode_words(
        compressed,
        channels,
        rectangle,
        expected_byte_size,
        wanted,
        scratch,
        &mut |_, _, words, values| {
            values.in_place(words);
            Ok(())
        },
    )?;
    write_lines(words, &layouts, rectangle)
}

/// The value table of a block: what its wavelet's output stands for.
struct ValueMap<'a> {
    values: &'a [u16; VALUE_COUNT],
    /// Every value is present (the table maps each value to itself).
    identity: bool,
}

impl ValueMap<'_> {
    fn in_place(&self, words: &mut [u16]) {
        if !self.identity {
            for word in words {
                *word = self.values[usize::from(*word)];
            }
        }
    }

    /// `dest` (as long as `words`) = the values `words` stand for.
    fn copy_into(&self, words: &[u16], dest: &mut [u16]) {
        if self.identity {
            dest.copy_from_slice(words);
        } else {
            for (d, &word) in dest.iter_mut().zip(words) {
                *d = self.values[usize::from(word)];
            }
        }
    }
}

/// Called by [`decode_words`] with each wanted channel's words after its inverse wavelet (the
/// channel index, its layout, its words, the value table still to apply to them), while they
/// are in cache. It applies the table, in place or while copying the words elsewhere.
type ChannelDone<'a> =
    dyn FnMut(usize, &ChannelLayout, &mut [u16], &ValueMap<'_>) -> Result<(), BlockError> + 'a;

/// Decodes a block (the Huffman stream, then the inverse wavelet of the wanted channels) into
/// `scratch.words`: each channel's samples one after the other, row by row, as 16-bit words (a
/// 32-bit sample is its low word, then its high word), passing each wanted channel to `done`,
/// which applies the value table, as soon as its wavelet is done. Returns the channels' layouts
/// and the words.
fn decode_words<'s>(
    compressed: &[u8],
    channels: &ChannelList,
    rectangle: IntegerBounds,
    expected_byte_size: usize,
    wanted: Option<&[bool]>,
    scratch: &'s mut Scratch,
    done: &mut ChannelDone<'_>,
) -> Result<(Vec<ChannelLayout>, &'s [u16]), BlockError> {
    let word_count = expected_byte_size / 2;
    let layouts = channel_layouts(channels, rectangle)?;

    // Bitmap → value table.
    let mut at = 0usize;
    let min_byte = usize::from(u16::from_le_bytes(*take::<2>(compressed, &mut at)?));
    let max_byte = usize::from(u16::from_le_bytes(*take::<2>(compressed, &mut at)?));
    if min_byte >= BITMAP_BYTES || max_byte >= BITMAP_BYTES {
        return Err(corrupt("the PIZ bitmap range is out of bounds"));
    }
    let bitmap: &[u8] = if min_byte <= max_byte {
        let len = max_byte - min_byte + 1;
        let bitmap = compressed
            .get(at..at + len)
            .ok_or_else(|| corrupt("a PIZ block ends early"))?;
        at += len;
        bitmap
    } else {
        &[]
    };
    let max_value = build_value_table(bitmap, min_byte, &mut scratch.values);
    // The Huffman section's length (ignored, as the exr crate does).
    take::<4>(compressed, &mut at)?;
    let huffman = compressed.get(at..).unwrap_or_default();

    // Huffman → words.
    if scratch.words.len() < word_count {
        scratch.words.clear();
        scratch
            .words
            .try_reserve_exact(word_count)
            .map_err(|_| BlockError::OutOfMemory)?;
        scratch.words.resize(word_count, 0);
    }
    let words = scratch
        .words
        .get_mut(..word_count)
        .ok_or(BlockError::OutOfMemory)?;
    decode_huffman(huffman, words, &mut scratch.huffman)?;

    // Inverse wavelet and value table, channel by channel (the table right after the wavelet,
    // while the channel's words are still in cache).
    let values = ValueMap {
        values: scratch
            .values
            .as_slice()
            .try_into()
            .map_err(|_| BlockError::Internal("value table size"))?,
        identity: max_value == u16::MAX,
    };
    let fourteen_bits = max_value < (1 << 14);
    let mut channels_end = 0;
    for (index, layout) in layouts.iter().enumerate() {
        let len = layout.width * layout.height * layout.words_per_sample;
        channels_end = layout.start + len;
        let channel_words = words
            .get_mut(layout.start..channels_end)
            .ok_or_else(|| corrupt("the PIZ block's channels do not fit the block"))?;
        if wanted.is_some_and(|wanted| wanted.get(index) != Some(&true)) {
            continue;
        }
        let (width, height) = (layout.width, layout.height);
        match (layout.words_per_sample, fourteen_bits) {
            (1, true) => wavelet_decode::<1, true>(channel_words, width, height),
            (1, false) => wavelet_decode::<1, false>(channel_words, width, height),
            (_, true) => wavelet_decode::<2, true>(channel_words, width, height),
            (_, false) => wavelet_decode::<2, false>(channel_words, width, height),
        }
        done(index, layout, channel_words, &values)?;
    }
    // Words past the channels (none in a consistent block) are mapped too, as exr maps all.
    values.in_place(words.get_mut(channels_end..).unwrap_or_default());
    Ok((layouts, words))
}

/// [`decompress_channels`] for the loader: hands the rows of the wanted channels to `sink`
/// straight from the decoded words (little-endian), instead of assembling the whole block
/// first, which for a one-channel export copied every channel of every block. Only for parts
/// without subsampling, on little-endian machines (where the words are the little-endian bytes
/// of the samples).
///
/// Where the sink offers a channel's destination ([`super::LineSink::channel_words`]: the
/// block's rows of a channel are one run of words there, as in the decoded words), the value
/// table is applied while writing the words there, and the rows are not handed over one by one
/// to be copied again: for `read` into NumPy arrays that copy was 7 % of the time.
///
/// The rows come channel by channel (each channel's rows top to bottom), each channel as soon
/// as its inverse wavelet and value table are done: its words are then still in the core's
/// cache, where in storage order (a row of every channel, then the next row) a 4K block of 33
/// half channels (8 MB of words) was read back from memory.
#[cfg(target_endian = "little")]
pub(crate) fn decode_rows(
    compressed_le: &[u8],
    layout: super::BlockLayout<'_>,
    expected_byte_size: usize,
    wanted: &[bool],
    sink: &mut dyn super::LineSink,
) -> Result<(), BlockError> {
    if compressed_le.is_empty() {
        return Err(corrupt("an empty PIZ block"));
    }
    if layout
        .channels
        .list
        .iter()
        .any(|channel| channel.sampling.1 != 1)
    {
        return Err(BlockError::Internal(
            "a subsampled part reached the PIZ row decoder",
        ));
    }
    let emit = |scratch: &mut Scratch| -> Result<(), BlockError> {
        let mut rows_of =
            |channel: usize, layout: &ChannelLayout, words: &mut [u16], values: &ValueMap<'_>| {
                if let Some(dest) = sink.channel_words(channel, words.len())? {
                    if dest.len() != words.len() {
                        return Err(BlockError::Internal(
                            "a channel's destination does not fit its PIZ words",
                        ));
                    }
                    values.copy_into(words, dest);
                    return Ok(());
                }
                values.in_place(words);
                let row_words = layout.width * layout.words_per_sample;
                if row_words == 0 {
                    return Ok(());
                }
                for (row, source) in words.chunks_exact(row_words).enumerate() {
                    sink.row(row, channel, bytemuck::cast_slice(source))?;
                }
                Ok(())
            };
        decode_words(
            compressed_le,
            layout.channels,
            layout.rectangle,
            expected_byte_size,
            Some(wanted),
            scratch,
            &mut rows_of,
        )
        .map(|_| ())
    };
    with_scratch(&SCRATCH, emit)
}

/// Fills `values` (resized to 65536) with the values present in the bitmap, in increasing order,
/// 0 after them; returns the index of the last one.
fn build_value_table(bitmap: &[u8], first_byte: usize, values: &mut Vec<u16>) -> u16 {
    values.resize(VALUE_COUNT, 0);
    let mut count = 0usize;
    let mut push = |value: u16| {
        if let Some(slot) = values.get_mut(count) {
            *slot = value;
            count += 1;
        }
    };
    push(0);
    for (index, &byte) in bitmap.iter().enumerate() {
        if byte == 0 {
            continue;
        }
        let base = (first_byte + index) * 8;
        for bit in 0..8 {
            let value = base + bit;
            if value != 0 && byte & (1 << bit) != 0 {
                push(value as u16);
            }
        }
    }
    if let Some(rest) = values.get_mut(count..) {
        rest.fill(0);
    }
    (count - 1) as u16
}

/// Writes the lines of the block: for each line, for each channel with samples on it, the
/// channel's next row of words, native-endian.
fn write_lines(
    words: &[u16],
    layouts: &[ChannelLayout],
    rectangle: IntegerBounds,
) -> Result<Vec<u8>, BlockError> {
    let first_line = i64::from(rectangle.position.1);
    let line_count = rectangle.size.1 as i64;
    let has_line = |layout: &ChannelLayout, y: i64| y.rem_euclid(layout.y_sampling) == 0;
    let mut out_bytes = 0usize;
    for y in first_line..first_line + line_count {
        for layout in layouts {
            if has_line(layout, y) {
                out_bytes = out_bytes
                    .checked_add(layout.width * layout.words_per_sample * 2)
                    .ok_or_else(|| corrupt("a PIZ block is too large"))?;
            }
        }
    }
    let mut out = Vec::<u8>::new();
    out.try_reserve_exact(out_bytes)
        .map_err(|_| BlockError::OutOfMemory)?;

    let mut cursors: Vec<usize> = layouts.iter().map(|layout| layout.start).collect();
    for y in first_line..first_line + line_count {
        for (layout, cursor) in layouts.iter().zip(cursors.iter_mut()) {
            if !has_line(layout, y) {
                continue;
            }
            let count = layout.width * layout.words_per_sample;
            let source = words
                .get(*cursor..*cursor + count)
                .ok_or_else(|| corrupt("the PIZ block's channels do not fit the block"))?;
            *cursor += count;
            // Grow by one line (zeroing a few kB that are in cache anyway), then fill it.
            let line_start = out.len();
            out.resize(line_start + count * 2, 0);
            let line = out.get_mut(line_start..).unwrap_or_default();
            if layout.words_per_sample == 1 || cfg!(target_endian = "little") {
                // Half samples, or 32-bit samples on a little-endian machine: word by word.
                for (d, &s) in line.chunks_exact_mut(2).zip(source) {
                    d.copy_from_slice(&s.to_ne_bytes());
                }
            } else {
                // 32-bit samples on a big-endian machine: low word, high word → native u32.
                for (d, s) in line.chunks_exact_mut(4).zip(source.chunks_exact(2)) {
                    let sample = u32::from(s[0]) | (u32::from(s[1]) << 16);
                    d.copy_from_slice(&sample.to_ne_bytes());
                }
            }
        }
    }
    Ok(out)
}

/// A block stored uncompressed: little-endian lines, converted to native-endian.
fn raw_to_native(
    raw: &[u8],
    channels: &ChannelList,
    rectangle: IntegerBounds,
) -> Result<Vec<u8>, BlockError> {
    let mut out = raw.to_vec();
    if cfg!(target_endian = "little") {
        return Ok(out);
    }
    let layouts = channel_layouts(channels, rectangle)?;
    let first_line = i64::from(rectangle.position.1);
    let mut rest = out.as_mut_slice();
    for y in first_line..first_line + rectangle.size.1 as i64 {
        for layout in &layouts {
            if y.rem_euclid(layout.y_sampling) != 0 {
                continue;
            }
            let sample_bytes = layout.words_per_sample * 2;
            let bytes = layout.width * sample_bytes;
            if bytes > rest.len() {
                return Err(corrupt("an uncompressed block is shorter than its lines"));
            }
            let (line, tail) = std::mem::take(&mut rest).split_at_mut(bytes);
            rest = tail;
            for sample in line.chunks_exact_mut(sample_bytes) {
                sample.reverse();
            }
        }
    }
    Ok(out)
}
