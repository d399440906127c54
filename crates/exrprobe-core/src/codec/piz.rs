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
/// Scratch buffers larger than this are released after the block instead of kept for the next.
const MAX_RETAINED_SCRATCH_BYTES: usize = 64 << 20;

fn corrupt(what: &str) -> String {
    format!("corrupt compressed data: {what}")
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
) -> Result<Vec<u8>, String> {
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
) -> Result<Vec<u8>, String> {
    if compressed_le.len() == expected_byte_size {
        // Compression did not help: the block holds the raw little-endian lines.
        return raw_to_native(compressed_le, channels, rectangle);
    }
    if compressed_le.is_empty() {
        return Err(corrupt("an empty PIZ block"));
    }
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let result = decompress_with(
                compressed_le,
                channels,
                rectangle,
                expected_byte_size,
                wanted,
                &mut scratch,
            );
            scratch.trim();
            result
        }
        // Not reachable (nothing here re-enters), but never panic over it.
        Err(_) => decompress_with(
            compressed_le,
            channels,
            rectangle,
            expected_byte_size,
            wanted,
            &mut Scratch::default(),
        ),
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
struct HuffmanScratch {
    /// Code length of every symbol.
    lengths: Vec<u8>,
    /// Primary decoding table: `symbol << 8 | length` for short codes; for prefixes of long
    /// codes, `(index + 1) << 8` of the shortest entry of `LongCodes::lengths` to try; 0 where
    /// no code begins with the prefix.
    table: Vec<u32>,
    /// The same lookup decoding up to two values at once: [`pair_entry`] entries.
    pairs: Vec<u64>,
    /// Symbols with codes longer than [`TABLE_BITS`], by length then symbol.
    long_symbols: Vec<u32>,
}

impl Scratch {
    fn trim(&mut self) {
        if self.words.capacity() * 2 > MAX_RETAINED_SCRATCH_BYTES {
            self.words = Vec::new();
        }
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
) -> Result<Vec<ChannelLayout>, String> {
    let mut start = 0usize;
    channels
        .list
        .iter()
        .map(|channel| {
            let exr::math::Vec2(x_sampling, y_sampling) = channel.sampling;
            if x_sampling == 0 || y_sampling == 0 {
                return Err("invalid header: a channel has a sampling factor of 0".to_owned());
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
                    .map_err(|_| "invalid header: a sampling factor is too large".to_owned())?,
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
fn take<'a, const N: usize>(input: &'a [u8], at: &mut usize) -> Result<&'a [u8; N], String> {
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
) -> Result<Vec<u8>, String> {
    let (layouts, words) = decode_words(
        compressed,
        channels,
        rectangle,
        expected_byte_size,
        wanted,
        scratch,
    )?;
    write_lines(words, &layouts, rectangle)
}

/// Decodes a block (the Huffman stream, then the inverse wavelet and the value table of the
/// wanted channels) into `scratch.words`: each channel's samples one after the other, row by
/// row, as 16-bit words (a 32-bit sample is its low word, then its high word). Returns the
/// channels' layouts and the words.
fn decode_words<'s>(
    compressed: &[u8],
    channels: &ChannelList,
    rectangle: IntegerBounds,
    expected_byte_size: usize,
    wanted: Option<&[bool]>,
    scratch: &'s mut Scratch,
) -> Result<(Vec<ChannelLayout>, &'s [u16]), String> {
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
            .map_err(|_| "out of memory".to_owned())?;
        scratch.words.resize(word_count, 0);
    }
    let words = scratch
        .words
        .get_mut(..word_count)
        .ok_or_else(|| "out of memory".to_owned())?;
    decode_huffman(huffman, words, &mut scratch.huffman)?;

    // Inverse wavelet and value table, channel by channel (the table right after the wavelet,
    // while the channel's words are still in cache).
    let values: &[u16; VALUE_COUNT] = scratch
        .values
        .as_slice()
        .try_into()
        .map_err(|_| "internal error: value table size".to_owned())?;
    let identity = max_value == u16::MAX;
    let map_values = |words: &mut [u16]| {
        if !identity {
            for word in words {
                *word = values[usize::from(*word)];
            }
        }
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
        map_values(channel_words);
    }
    // Words past the channels (none in a consistent block) are mapped too, as exr maps all.
    map_values(words.get_mut(channels_end..).unwrap_or_default());
    Ok((layouts, words))
}

/// [`decompress_channels`] for the loader: hands the rows of the wanted channels to `sink`
/// straight from the decoded words (little-endian, in storage order), instead of assembling the
/// whole block first, which for a one-channel export copied every channel of every block. Only
/// for parts without subsampling, on little-endian machines (where the words are the
/// little-endian bytes of the samples).
#[cfg(target_endian = "little")]
pub(crate) fn decode_rows(
    compressed_le: &[u8],
    layout: super::BlockLayout<'_>,
    expected_byte_size: usize,
    wanted: &[bool],
    sink: &mut super::LineSink<'_>,
) -> Result<(), String> {
    if compressed_le.is_empty() {
        return Err(corrupt("an empty PIZ block"));
    }
    let mut emit = |scratch: &mut Scratch| -> Result<(), String> {
        let (layouts, words) = decode_words(
            compressed_le,
            layout.channels,
            layout.rectangle,
            expected_byte_size,
            Some(wanted),
            scratch,
        )?;
        if layouts.iter().any(|layout| layout.y_sampling != 1) {
            return Err("internal error: a subsampled part reached the PIZ row decoder".into());
        }
        let mut cursors: Vec<usize> = layouts.iter().map(|layout| layout.start).collect();
        for row in 0..layout.rectangle.size.1 {
            for (channel, (layout, cursor)) in layouts.iter().zip(cursors.iter_mut()).enumerate() {
                let count = layout.width * layout.words_per_sample;
                let source = words
                    .get(*cursor..*cursor + count)
                    .ok_or_else(|| corrupt("the PIZ block's channels do not fit the block"))?;
                *cursor += count;
                if wanted.get(channel) == Some(&true) {
                    sink(row, channel, bytemuck::cast_slice(source))?;
                }
            }
        }
        Ok(())
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let result = emit(&mut scratch);
            scratch.trim();
            result
        }
        // Not reachable (nothing here re-enters), but never panic over it.
        Err(_) => emit(&mut Scratch::default()),
    })
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

/// The codes longer than [`TABLE_BITS`], per length, shortest first.
struct LongCodes {
    lengths: Vec<LongLength>,
    /// Some code has 58 bits (more than a 64-bit window read at any bit offset holds).
    has_58_bits: bool,
}

/// The codes of one length: in the 64-bit left-aligned code space, they are the values from
/// `begin` up (below the codes of the next shorter length: canonical codes of longer lengths
/// are numerically lower).
#[derive(Clone, Copy)]
struct LongLength {
    length: u32,
    /// `first_code << (64 - length)`.
    begin: u64,
    first_code: u64,
    count: u64,
    /// Index of the first symbol of this length in `long_symbols`.
    symbols_at: usize,
}

/// Decodes the Huffman section into `out` (which must be filled exactly).
fn decode_huffman(
    input: &[u8],
    out: &mut [u16],
    scratch: &mut HuffmanScratch,
) -> Result<(), String> {
    let mut at = 0usize;
    let mut word = || take::<4>(input, &mut at).map(|b| u32::from_le_bytes(*b));
    let first_symbol = word()? as usize;
    let run_symbol = word()?;
    let _table_bytes = word()?;
    let bit_count = word()? as usize;
    let _unused = word()?;
    let last_symbol = run_symbol as usize;
    if first_symbol >= SYMBOL_COUNT || last_symbol >= SYMBOL_COUNT {
        return Err(corrupt("the PIZ code table range is out of bounds"));
    }
    let rest = input.get(HUFFMAN_HEADER_BYTES..).unwrap_or_default();
    if bit_count.div_ceil(8) > rest.len() {
        return Err(corrupt("a PIZ block ends early"));
    }
    scratch.lengths.resize(SYMBOL_COUNT, 0);
    let table_bytes = read_code_lengths(rest, first_symbol, last_symbol, &mut scratch.lengths)?;
    let stream = rest.get(table_bytes..).unwrap_or_default();
    if bit_count > 8 * stream.len() || i32::try_from(bit_count).is_err() {
        return Err(corrupt("the PIZ code stream is longer than its block"));
    }
    let padding_bits = (8 - (bit_count & 7)) & 7;
    let end_bits = (8 * stream.len())
        .checked_sub(padding_bits)
        .ok_or_else(|| corrupt("the PIZ code stream is shorter than declared"))?;
    let long = build_tables(scratch, first_symbol, last_symbol, run_symbol)?;
    let table: &[u32; 1 << TABLE_BITS] = scratch
        .table
        .as_slice()
        .try_into()
        .map_err(|_| "internal error: decoding table size".to_owned())?;
    let pairs: &[u64; 1 << TABLE_BITS] = scratch
        .pairs
        .as_slice()
        .try_into()
        .map_err(|_| "internal error: decoding table size".to_owned())?;
    let codes = Codes {
        pairs,
        table,
        long: &long,
        long_symbols: &scratch.long_symbols,
        run_symbol,
    };
    decode_stream(stream, end_bits, &codes, out)
}

/// Reads the packed code lengths of `first..=last` into `lengths` (zero elsewhere in that
/// range); returns the bytes used.
fn read_code_lengths(
    input: &[u8],
    first: usize,
    last: usize,
    lengths: &mut [u8],
) -> Result<usize, String> {
    let mut bits = 0u64;
    let mut bit_count = 0u32;
    let mut used = 0usize;
    let mut read = |count: u32| -> Result<u64, String> {
        while bit_count < count {
            let byte = input
                .get(used)
                .ok_or_else(|| corrupt("the PIZ code table ends early"))?;
            used += 1;
            bits = (bits << 8) | u64::from(*byte);
            bit_count += 8;
        }
        bit_count -= count;
        Ok((bits >> bit_count) & ((1 << count) - 1))
    };
    if first <= last
        && let Some(range) = lengths.get_mut(first..=last)
    {
        range.fill(0);
    }
    let too_long = || corrupt("the PIZ code table is longer than its symbol range");
    let mut symbol = first;
    while symbol <= last {
        let length = read(6)?;
        if length == LONG_ZERO_RUN {
            let run = (read(8)? + SHORTEST_LONG_RUN) as usize;
            if symbol + run > last + 1 {
                return Err(too_long());
            }
            symbol += run;
        } else if length >= SHORT_ZERO_RUN {
            let run = (length - SHORT_ZERO_RUN + 2) as usize;
            if symbol + run > last + 1 {
                return Err(too_long());
            }
            symbol += run;
        } else {
            if let Some(slot) = lengths.get_mut(symbol) {
                *slot = length as u8;
            }
            symbol += 1;
        }
    }
    Ok(used)
}

/// Builds the canonical code from `scratch.lengths[first..=last]` (as OpenEXR does: longer codes
/// get the numerically lower values; codes of one length increase with the symbol), checks that
/// no code is a prefix of another, and fills the primary table and the long-code lists.
fn build_tables(
    scratch: &mut HuffmanScratch,
    first: usize,
    last: usize,
    run_symbol: u32,
) -> Result<LongCodes, String> {
    let lengths = if first <= last {
        scratch.lengths.get(first..=last).unwrap_or_default()
    } else {
        &[]
    };
    let mut count = [0u64; MAX_CODE_LENGTH + 1];
    for &length in lengths {
        if let Some(c) = count.get_mut(usize::from(length)) {
            *c += 1;
        }
    }
    // Lowest code of each length, from the longest down.
    let mut start = [0u64; MAX_CODE_LENGTH + 1];
    let mut code = 0u64;
    for length in (1..=MAX_CODE_LENGTH).rev() {
        start[length] = code;
        code = (code + count[length]) >> 1;
    }
    // Overlap check: the codes of each length cover [start, start + count) × 2^(58 - length) of
    // the 58-bit code space; each length's block must end where the next shorter one begins
    // (or below it), and the shortest must fit.
    let mut previous_end = 0u128;
    for length in (1..=MAX_CODE_LENGTH).rev() {
        if count[length] == 0 {
            continue;
        }
        let scale = (MAX_CODE_LENGTH - length) as u32;
        let begin = u128::from(start[length]) << scale;
        let end = u128::from(start[length] + count[length]) << scale;
        if begin < previous_end || end > 1u128 << MAX_CODE_LENGTH {
            return Err(corrupt("the PIZ code table is invalid (overlapping codes)"));
        }
        previous_end = end;
    }

    // Primary table and long-code lists.
    scratch.table.clear();
    scratch.table.resize(1 << TABLE_BITS, 0);
    let mut long = LongCodes {
        lengths: Vec::new(),
        has_58_bits: count[MAX_CODE_LENGTH] > 0,
    };
    let mut long_total = 0usize;
    for length in (TABLE_BITS as usize + 1)..=MAX_CODE_LENGTH {
        if count[length] > 0 {
            long.lengths.push(LongLength {
                length: length as u32,
                begin: start[length] << (64 - length),
                first_code: start[length],
                count: count[length],
                symbols_at: long_total,
            });
            long_total += count[length] as usize;
        }
    }
    scratch.long_symbols.clear();
    scratch.long_symbols.resize(long_total, 0);
    let mut next_code = start;
    let mut long_next: Vec<usize> = long.lengths.iter().map(|l| l.symbols_at).collect();
    for (offset, &length) in lengths.iter().enumerate() {
        if length == 0 {
            continue;
        }
        let symbol = (first + offset) as u32;
        let length = usize::from(length);
        let Some(code) = next_code.get_mut(length) else {
            continue;
        };
        let this_code = *code;
        *code += 1;
        if length <= TABLE_BITS as usize {
            let shift = TABLE_BITS as usize - length;
            let begin = (this_code as usize) << shift;
            let entry = (symbol << 8) | length as u32;
            if let Some(range) = scratch.table.get_mut(begin..begin + (1 << shift)) {
                range.fill(entry);
            }
        } else if let Some(index) = long
            .lengths
            .iter()
            .position(|l| l.length as usize == length)
            && let Some(slot) = long_next.get_mut(index)
        {
            if let Some(s) = scratch.long_symbols.get_mut(*slot) {
                *s = symbol;
            }
            *slot += 1;
        }
    }
    // Prefixes of long codes: where to start the search by length (the shortest length a code
    // with that prefix can have), as `(index + 1) << 8` with length 0.
    let prefix_bits = 64 - TABLE_BITS;
    for (prefix, entry) in scratch.table.iter_mut().enumerate() {
        if *entry == 0 {
            let highest_window = ((prefix as u64) << prefix_bits) | ((1u64 << prefix_bits) - 1);
            if let Some(index) = long.lengths.iter().position(|l| highest_window >= l.begin) {
                *entry = ((index + 1) as u32) << 8;
            }
        }
    }
    build_pairs(scratch, run_symbol);
    Ok(long)
}

/// A [`HuffmanScratch::pairs`] entry: bits 0..8 the length of its codes, 8..16 how many values
/// it decodes (0: a run, a long code or no code: see the single-value table), 16..32 the first
/// value, 32..48 the second.
fn pair_entry(length: u32, values: &[u32]) -> u64 {
    let mut entry = u64::from(length) | ((values.len() as u64) << 8);
    for (i, &value) in values.iter().enumerate() {
        entry |= u64::from(value as u16) << (16 + 16 * i);
    }
    entry
}

/// Fills the two-value table from the single-value one: where the bits after a short value
/// code begin with another short value code, one lookup decodes both (runs excluded).
fn build_pairs(scratch: &mut HuffmanScratch, run_symbol: u32) {
    let mask = (1usize << TABLE_BITS) - 1;
    let single = &scratch.table;
    let value = |entry: u32| (entry & 0xff != 0 && entry >> 8 != run_symbol).then_some(entry);
    scratch.pairs.clear();
    scratch.pairs.extend((0..1usize << TABLE_BITS).map(|index| {
        let Some(first) = single.get(index).copied().and_then(value) else {
            return 0;
        };
        let first_length = first & 0xff;
        let rest = single
            .get((index << first_length) & mask)
            .copied()
            .and_then(value)
            .filter(|second| (second & 0xff) <= TABLE_BITS - first_length);
        match rest {
            Some(second) => pair_entry(first_length + (second & 0xff), &[first >> 8, second >> 8]),
            None => pair_entry(first_length, &[first >> 8]),
        }
    }));
}

/// The 64 bits of `stream` from bit `position` on (most significant first), zero past its end.
#[inline(always)]
fn peek(stream: &[u8], position: usize) -> u64 {
    let byte = position >> 3;
    let word = match stream.get(byte..byte + 8) {
        Some(bytes) => u64::from_be_bytes(bytes.try_into().unwrap_or_default()),
        None => {
            let mut padded = [0u8; 8];
            let tail = stream.get(byte..).unwrap_or_default();
            padded[..tail.len().min(8)].copy_from_slice(&tail[..tail.len().min(8)]);
            u64::from_be_bytes(padded)
        }
    };
    word << (position & 7)
}

/// Decodes a code longer than [`TABLE_BITS`] from the 64 bits at its position:
/// `(symbol, length)`, `None` for a bit pattern that is no code.
#[inline(always)]
fn decode_long(
    window: u64,
    first_length: usize,
    long: &LongCodes,
    long_symbols: &[u32],
) -> Option<(u32, usize)> {
    let code = long
        .lengths
        .get(first_length..)?
        .iter()
        .find(|l| window >= l.begin)?;
    let offset = (window >> (64 - code.length)) - code.first_code;
    if offset >= code.count {
        return None;
    }
    let symbol = long_symbols.get(code.symbols_at + offset as usize)?;
    Some((*symbol, code.length as usize))
}

/// [`decode_long`] for tables with 58-bit codes, from a 128-bit window.
#[cold]
fn decode_long_58(
    stream: &[u8],
    position: usize,
    long: &LongCodes,
    long_symbols: &[u32],
) -> Option<(u32, usize)> {
    let window =
        (u128::from(peek(stream, position)) << 64) | u128::from(peek(stream, position + 64));
    let code = long
        .lengths
        .iter()
        .find(|l| window >= u128::from(l.begin) << 64)?;
    let offset = ((window >> (128 - code.length)) as u64) - code.first_code;
    if offset >= code.count {
        return None;
    }
    let symbol = long_symbols.get(code.symbols_at + offset as usize)?;
    Some((*symbol, code.length as usize))
}

/// Decodes the code stream (`end_bits` bits of `stream`) into `out`, which it must fill exactly.
/// The decoding tables of one block.
struct Codes<'a> {
    pairs: &'a [u64; 1 << TABLE_BITS],
    table: &'a [u32; 1 << TABLE_BITS],
    long: &'a LongCodes,
    long_symbols: &'a [u32],
    run_symbol: u32,
}

fn decode_stream(
    stream: &[u8],
    end_bits: usize,
    codes: &Codes<'_>,
    out: &mut [u16],
) -> Result<(), String> {
    let Codes {
        pairs,
        table,
        long,
        long_symbols,
        run_symbol,
    } = *codes;
    let invalid_code = || corrupt("invalid PIZ code");
    let too_much = || corrupt("the PIZ code stream decodes to more data than the block holds");
    let mut position = 0usize;
    let mut written = 0usize;
    // Lookups of at most TABLE_BITS bits each that fit in one 57-bit window.
    const LOOKUPS_PER_WINDOW: usize = 57 / TABLE_BITS as usize;
    while position < end_bits {
        let window = peek(stream, position);
        // Fast path, away from the end of the stream: value codes, one or two per lookup,
        // several lookups from one window (no end checks needed: the window lies before it).
        if position + 64 <= end_bits {
            let mut bits = window;
            let mut used = 0usize;
            for _ in 0..LOOKUPS_PER_WINDOW {
                let pair = pairs
                    .get((bits >> (64 - TABLE_BITS)) as usize)
                    .copied()
                    .unwrap_or(0);
                let values = (pair >> 8) as u8 as usize;
                if values == 0 {
                    break;
                }
                if let Some([a, b]) = out.get_mut(written..written + 2) {
                    // Both slots are written; a single value's second slot is overwritten next.
                    *a = (pair >> 16) as u16;
                    *b = (pair >> 32) as u16;
                } else if let (1, Some(a)) = (values, out.get_mut(written)) {
                    *a = (pair >> 16) as u16;
                } else {
                    return Err(too_much());
                }
                written += values;
                let length = u32::from(pair as u8);
                bits <<= length;
                used += length as usize;
            }
            if used > 0 {
                position += used;
                continue;
            }
        }
        let index = (window >> (64 - TABLE_BITS)) as usize;
        let entry = table.get(index).copied().unwrap_or(0);
        let (symbol, length) = if entry & 0xff != 0 {
            (entry >> 8, (entry & 0xff) as usize)
        } else if entry == 0 {
            return Err(invalid_code());
        } else if long.has_58_bits {
            decode_long_58(stream, position, long, long_symbols).ok_or_else(invalid_code)?
        } else {
            let first_length = (entry >> 8) as usize - 1;
            decode_long(window, first_length, long, long_symbols).ok_or_else(invalid_code)?
        };
        position += length;
        if position > end_bits {
            return Err(invalid_code());
        }
        if symbol == run_symbol {
            let repeat = (peek(stream, position) >> 56) as usize;
            position += 8;
            if position > end_bits {
                return Err(invalid_code());
            }
            if written + repeat > out.len() {
                return Err(too_much());
            }
            let previous = written
                .checked_sub(1)
                .and_then(|i| out.get(i))
                .copied()
                .ok_or_else(|| corrupt("a PIZ run repeats a value before any value"))?;
            if let Some(run) = out.get_mut(written..written + repeat) {
                run.fill(previous);
            }
            written += repeat;
        } else {
            *out.get_mut(written).ok_or_else(too_much)? = symbol as u16;
            written += 1;
        }
    }
    if written == out.len() {
        Ok(())
    } else {
        Err(corrupt(
            "the PIZ code stream decodes to less data than the block holds",
        ))
    }
}

/// One step of the inverse wavelet: two words back from their average and difference.
#[inline(always)]
fn unmix<const FOURTEEN_BITS: bool>(low: u16, high: u16) -> (u16, u16) {
    if FOURTEEN_BITS {
        let (l, h) = (low as i16, high as i16);
        let a = l.wrapping_add(h & 1).wrapping_add(h >> 1);
        (a as u16, a.wrapping_sub(h) as u16)
    } else {
        let b = low.wrapping_sub(high >> 1);
        let a = high.wrapping_add(b).wrapping_add(0x8000);
        (a, b)
    }
}

/// Inverse wavelet of one channel in place: `width × height` samples of `LANES` words each
/// (the words of a sample are transformed independently).
fn wavelet_decode<const LANES: usize, const FOURTEEN_BITS: bool>(
    words: &mut [u16],
    width: usize,
    height: usize,
) {
    let smaller = width.min(height);
    if smaller < 2 {
        return;
    }
    let row = width * LANES;
    // Largest power of two ≤ the smaller side.
    let mut p2 = 1usize << (usize::BITS - 1 - smaller.leading_zeros());
    let mut p = p2 >> 1;
    while p >= 1 {
        let group = p2 * LANES;
        let right = p * LANES;
        let mut y = 0usize;
        while y + p2 <= height {
            let (head, tail) = words.split_at_mut((y + p) * row);
            let (Some(top), Some(bottom)) =
                (head.get_mut(y * row..(y + 1) * row), tail.get_mut(..row))
            else {
                return;
            };
            if p == 1 {
                // The finest level (three quarters of the work), in two passes the compiler
                // vectorises: vertical pairs of every column (an odd last column gets only this
                // step, as it should), then horizontal pairs of both rows. Each 2×2 group is
                // independent of the others, so the order across groups does not matter.
                for (a, b) in top.iter_mut().zip(bottom.iter_mut()) {
                    (*a, *b) = unmix::<FOURTEEN_BITS>(*a, *b);
                }
                unmix_adjacent::<LANES, FOURTEEN_BITS>(top);
                unmix_adjacent::<LANES, FOURTEEN_BITS>(bottom);
                y += p2;
                continue;
            }
            let mut top_groups = top.chunks_exact_mut(group);
            let mut bottom_groups = bottom.chunks_exact_mut(group);
            for (a, b) in (&mut top_groups).zip(&mut bottom_groups) {
                for lane in 0..LANES {
                    let (c, t) = unmix::<FOURTEEN_BITS>(a[lane], b[lane]);
                    let (r, tr) = unmix::<FOURTEEN_BITS>(a[right + lane], b[right + lane]);
                    let (c, r) = unmix::<FOURTEEN_BITS>(c, r);
                    let (t, tr) = unmix::<FOURTEEN_BITS>(t, tr);
                    a[lane] = c;
                    a[right + lane] = r;
                    b[lane] = t;
                    b[right + lane] = tr;
                }
            }
            if width & p != 0 {
                let a = top_groups.into_remainder();
                let b = bottom_groups.into_remainder();
                for lane in 0..LANES.min(a.len()).min(b.len()) {
                    let (c, t) = unmix::<FOURTEEN_BITS>(a[lane], b[lane]);
                    a[lane] = c;
                    b[lane] = t;
                }
            }
            y += p2;
        }
        if height & p != 0
            && let Some(top) = words.get_mut(y * row..(y + 1) * row)
        {
            if p == 1 {
                unmix_adjacent::<LANES, FOURTEEN_BITS>(top);
                break;
            }
            for a in top.chunks_exact_mut(group) {
                for lane in 0..LANES {
                    let (c, r) = unmix::<FOURTEEN_BITS>(a[lane], a[right + lane]);
                    a[lane] = c;
                    a[right + lane] = r;
                }
            }
        }
        p2 = p;
        p >>= 1;
    }
}

/// The horizontal step of the finest wavelet level on one row: samples `2k` and `2k + 1`
/// (a trailing odd sample is left alone).
fn unmix_adjacent<const LANES: usize, const FOURTEEN_BITS: bool>(row: &mut [u16]) {
    if LANES == 1 {
        let (pairs, _) = row.as_chunks_mut::<2>();
        for pair in pairs {
            let (c, r) = unmix::<FOURTEEN_BITS>(pair[0], pair[1]);
            *pair = [c, r];
        }
    } else {
        let (pairs, _) = row.as_chunks_mut::<4>();
        for pair in pairs {
            let (c0, r0) = unmix::<FOURTEEN_BITS>(pair[0], pair[2]);
            let (c1, r1) = unmix::<FOURTEEN_BITS>(pair[1], pair[3]);
            *pair = [c0, c1, r0, r1];
        }
    }
}

/// Writes the lines of the block: for each line, for each channel with samples on it, the
/// channel's next row of words, native-endian.
fn write_lines(
    words: &[u16],
    layouts: &[ChannelLayout],
    rectangle: IntegerBounds,
) -> Result<Vec<u8>, String> {
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
        .map_err(|_| "out of memory".to_owned())?;

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
) -> Result<Vec<u8>, String> {
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
