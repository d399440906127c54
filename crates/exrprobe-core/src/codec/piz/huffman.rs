//! The Huffman section of a PIZ block: code lengths, canonical codes, table-driven decoding of
//! a 64-bit window at any bit position (see the format in `mod.rs`).

use super::{
    BlockError, HUFFMAN_HEADER_BYTES, HuffmanScratch, LONG_ZERO_RUN, MAX_CODE_LENGTH,
    SHORT_ZERO_RUN, SHORTEST_LONG_RUN, SYMBOL_COUNT, TABLE_BITS, corrupt, take,
};

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
pub(in crate::codec) fn decode_huffman(
    input: &[u8],
    out: &mut [u16],
    scratch: &mut HuffmanScratch,
) -> Result<(), BlockError> {
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
        .map_err(|_| BlockError::Internal("decoding table size"))?;
    let multi: &[u64; 1 << TABLE_BITS] = scratch
        .multi
        .as_slice()
        .try_into()
        .map_err(|_| BlockError::Internal("decoding table size"))?;
    let codes = Codes {
        multi,
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
) -> Result<usize, BlockError> {
    let mut bits = 0u64;
    let mut bit_count = 0u32;
    let mut used = 0usize;
    let mut read = |count: u32| -> Result<u64, BlockError> {
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

/// The symbols (offsets into `lengths`) that have a code, with their lengths, skipping the
/// others eight at a time. In most blocks most of the 65537 symbols have none (a block of a
/// render holds a few thousand distinct values), and a 32×32 tile's code is built from its symbol
/// range: counting every zero (one increment of the same counter after the other, each waiting
/// for the last) made building the tables 80 % of the time of decoding such tiles.
fn nonzero_lengths(lengths: &[u8]) -> impl Iterator<Item = (usize, u8)> + '_ {
    let (chunks, tail) = lengths.as_chunks::<8>();
    let chunked = chunks
        .iter()
        .enumerate()
        .filter(|(_, chunk)| u64::from_ne_bytes(**chunk) != 0)
        .flat_map(|(index, chunk)| {
            chunk
                .iter()
                .enumerate()
                .map(move |(within, &length)| (index * 8 + within, length))
        });
    let tail_start = chunks.len() * 8;
    let tail = tail
        .iter()
        .enumerate()
        .map(move |(within, &length)| (tail_start + within, length));
    chunked.chain(tail).filter(|&(_, length)| length != 0)
}

/// Builds the canonical code from `scratch.lengths[first..=last]` (as OpenEXR does: longer codes
/// get the numerically lower values; codes of one length increase with the symbol), checks that
/// no code is a prefix of another, and fills the primary table and the long-code lists.
fn build_tables(
    scratch: &mut HuffmanScratch,
    first: usize,
    last: usize,
    run_symbol: u32,
) -> Result<LongCodes, BlockError> {
    let lengths = if first <= last {
        scratch.lengths.get(first..=last).unwrap_or_default()
    } else {
        &[]
    };
    let mut count = [0u64; MAX_CODE_LENGTH + 1];
    for (_, length) in nonzero_lengths(lengths) {
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
    // For each long length: the next slot of its symbols in `long_symbols`.
    let mut long_next = [usize::MAX; MAX_CODE_LENGTH + 1];
    for l in &long.lengths {
        if let Some(slot) = long_next.get_mut(l.length as usize) {
            *slot = l.symbols_at;
        }
    }
    for (offset, length) in nonzero_lengths(lengths) {
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
        } else if let Some(slot) = long_next.get_mut(length)
            && let Some(s) = scratch.long_symbols.get_mut(*slot)
        {
            *s = symbol;
            *slot += 1;
        }
    }
    // Prefixes of long codes: where to start the search by length (the shortest length a code
    // with that prefix can have: the first of `long.lengths` whose codes begin at or below the
    // prefix's highest window), as `(index + 1) << 8` with length 0. The lengths' `begin`
    // decreases along the list, so from the highest prefix down that index only grows.
    let prefix_bits = 64 - TABLE_BITS;
    let mut index = 0;
    for (prefix, entry) in scratch.table.iter_mut().enumerate().rev() {
        let highest_window = ((prefix as u64) << prefix_bits) | ((1u64 << prefix_bits) - 1);
        while long
            .lengths
            .get(index)
            .is_some_and(|l| highest_window < l.begin)
        {
            index += 1;
        }
        if *entry == 0 && index < long.lengths.len() {
            *entry = ((index + 1) as u32) << 8;
        }
    }
    build_multi(scratch, run_symbol);
    Ok(long)
}

/// A [`HuffmanScratch::multi`] entry: bits 0..8 the length of its codes, 8..16 how many values
/// it decodes (0: a run, a long code or no code: see the single-value table), 16..32 the first
/// value, 32..48 the second, 48..64 the third. An entry with no values has only bits 16..32 set,
/// to the single-value table's `index + 1` where the prefix begins long codes, else 0.
fn multi_entry(length: u32, values: &[u32]) -> u64 {
    let mut entry = u64::from(length) | ((values.len() as u64) << 8);
    for (i, &value) in values.iter().enumerate() {
        entry |= u64::from(value as u16) << (16 + 16 * i);
    }
    entry
}

/// Fills the multi-value table from the single-value one: where the bits after a short value
/// code begin with more short value codes, one lookup decodes up to three of them (runs
/// excluded).
fn build_multi(scratch: &mut HuffmanScratch, run_symbol: u32) {
    let mask = (1usize << TABLE_BITS) - 1;
    let single = &scratch.table;
    let value = |entry: u32| (entry & 0xff != 0 && entry >> 8 != run_symbol).then_some(entry);
    scratch.multi.clear();
    scratch.multi.extend((0..1usize << TABLE_BITS).map(|index| {
        let mut values = [0u32; 3];
        let mut count = 0;
        let mut length = 0u32;
        while count < values.len() {
            let Some(code) = single
                .get((index << length) & mask)
                .copied()
                .and_then(value)
                .filter(|code| length + (code & 0xff) <= TABLE_BITS)
            else {
                break;
            };
            values[count] = code >> 8;
            count += 1;
            length += code & 0xff;
        }
        if count == 0 {
            // A long code's prefix: where its search by length starts (`(index + 1) << 16`),
            // so that the fast path need not look it up in the single-value table.
            match single.get(index).copied() {
                Some(entry) if entry & 0xff == 0 => u64::from(entry >> 8) << 16,
                _ => 0,
            }
        } else {
            multi_entry(length, &values[..count])
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
    multi: &'a [u64; 1 << TABLE_BITS],
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
) -> Result<(), BlockError> {
    let Codes {
        multi,
        table,
        long,
        long_symbols,
        run_symbol,
    } = *codes;
    let invalid_code = || corrupt("invalid PIZ code");
    let too_much = || corrupt("the PIZ code stream decodes to more data than the block holds");
    let mut position = 0usize;
    let mut written = 0usize;
    // The bits of a window that come from the stream (`peek` shifts in up to 7 zero bits).
    const VALID_BITS: usize = 57;
    // Lookups of at most TABLE_BITS bits each that fit in one window.
    const LOOKUPS_PER_WINDOW: usize = VALID_BITS / TABLE_BITS as usize;
    // Bits of the longest long code decoded in the window (more than 57: never there).
    let longest = if long.has_58_bits {
        usize::MAX / 2
    } else {
        long.lengths.last().map_or(0, |l| l.length as usize)
    };
    while position < end_bits {
        let window = peek(stream, position);
        // Fast path, away from the end of the stream: short value codes, up to three per
        // lookup, and long value codes, several from one window (no end checks needed: the
        // window lies before it). Runs, 58-bit codes and invalid bits go the slow way below.
        if position + 64 <= end_bits {
            let mut bits = window;
            let mut used = 0usize;
            for _ in 0..LOOKUPS_PER_WINDOW {
                if used + TABLE_BITS as usize > VALID_BITS {
                    // After long codes.
                    break;
                }
                let entry = multi
                    .get((bits >> (64 - TABLE_BITS)) as usize)
                    .copied()
                    .unwrap_or(0);
                let values = (entry >> 8) as u8 as usize;
                if values == 0 {
                    // A long code (not the run code, not a 58-bit one) whose bits are all in
                    // the window: decoded here, without leaving the window (in noisy blocks one
                    // code in eight is long).
                    let first_plus_one = (entry >> 16) as usize;
                    if first_plus_one == 0 || used + longest > VALID_BITS {
                        break;
                    }
                    let first_length = first_plus_one - 1;
                    let Some((symbol, length)) =
                        decode_long(bits, first_length, long, long_symbols)
                    else {
                        break;
                    };
                    if symbol == run_symbol {
                        break;
                    }
                    *out.get_mut(written).ok_or_else(too_much)? = symbol as u16;
                    written += 1;
                    bits <<= length;
                    used += length;
                    continue;
                }
                if let Some([a, b, c]) = out.get_mut(written..written + 3) {
                    // All three slots are written; those past the entry's values are
                    // overwritten next.
                    *a = (entry >> 16) as u16;
                    *b = (entry >> 32) as u16;
                    *c = (entry >> 48) as u16;
                } else if let Some(slots) = out.get_mut(written..written + values) {
                    for (i, slot) in slots.iter_mut().enumerate() {
                        *slot = (entry >> (16 + 16 * i)) as u16;
                    }
                } else {
                    return Err(too_much());
                }
                written += values;
                let length = u32::from(entry as u8);
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
