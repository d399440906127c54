//! ZIP and ZIPS blocks (zlib, 16 scan lines or 1 per block).
//!
//! The encoder splits the raw block bytes into the even-indexed bytes followed by the
//! odd-indexed ones, replaces every byte by its difference to the previous one (plus 128), and
//! deflates the result. Decoding inflates with libdeflate (`libdeflater`, chosen because it
//! inflates about twice as fast as the pure-Rust inflaters; the README's benchmark section has
//! the figures) into a buffer kept per thread, and then undoes the predictor and the split in one
//! pass per row and channel, straight into the sink's destination where it offers one (the
//! caller's array: no scratch row to copy), else into a scratch row handed to the sink; rows of
//! channels that are not wanted are only summed (the predictor's running value has to pass over
//! them). On x86-64 the predictor is a prefix sum over SSE2 registers, sixteen bytes of each
//! half at a time (through `safe_arch`, no `unsafe` here); a portable 64-bit-word version takes
//! the rest of each row and other machines.

use std::cell::RefCell;

use super::scratch::{Reusable, release_if_large, with_scratch};
use super::{BlockError, BlockLayout, LineSink};

thread_local! {
    static INFLATER: RefCell<Inflater> = RefCell::new(Inflater::default());
}

/// A decompressor and its output buffer, kept per thread.
#[derive(Default)]
struct Inflater {
    decompressor: libdeflater::Decompressor,
    buffer: Vec<u8>,
}

impl Reusable for Inflater {
    fn trim(&mut self) {
        release_if_large(&mut self.buffer);
    }
}

/// Inflates a ZIP block whose raw size is `expected_bytes` and passes the rows of the wanted
/// channels to `sink` (little-endian).
pub(crate) fn decode(
    compressed: &[u8],
    expected_bytes: usize,
    layout: BlockLayout<'_>,
    wanted: &[bool],
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    with_scratch(&INFLATER, |state| {
        let Inflater {
            decompressor,
            buffer,
        } = state;
        inflate_into(decompressor, buffer, compressed, expected_bytes, "ZIP")
            .and_then(|()| unpredict_rows(buffer, layout, wanted, sink))
    })
}

/// Inflates a zlib stream that must yield exactly `expected_bytes` (the checksum is verified).
#[cfg(test)]
pub(crate) fn inflate(compressed: &[u8], expected_bytes: usize) -> Result<Vec<u8>, BlockError> {
    let mut buffer = Vec::new();
    inflate_into(
        &mut libdeflater::Decompressor::new(),
        &mut buffer,
        compressed,
        expected_bytes,
        "ZIP",
    )?;
    Ok(buffer)
}

/// [`inflate`] into `buffer` (resized to `expected_bytes`; the output can never grow past it,
/// so a hostile stream cannot inflate beyond the block's size). `codec` names the block's
/// compression in errors (PXR24 blocks are zlib streams too).
pub(super) fn inflate_into(
    decompressor: &mut libdeflater::Decompressor,
    buffer: &mut Vec<u8>,
    compressed: &[u8],
    expected_bytes: usize,
    codec: &'static str,
) -> Result<(), BlockError> {
    if buffer.len() != expected_bytes {
        buffer.clear();
        buffer
            .try_reserve_exact(expected_bytes)
            .map_err(|_| BlockError::OutOfMemory)?;
        buffer.resize(expected_bytes, 0);
    }
    let inflated = decompressor
        .zlib_decompress(compressed, buffer)
        .map_err(|error| {
            let reason = match error {
                libdeflater::DecompressionError::InsufficientSpace => {
                    "it inflates to too many bytes"
                }
                libdeflater::DecompressionError::BadData => {
                    "malformed zlib data or checksum mismatch"
                }
            };
            BlockError::Compressed(format!("a {codec} block does not inflate ({reason})").into())
        })?;
    if inflated == expected_bytes {
        Ok(())
    } else {
        Err(BlockError::Compressed(
            format!("a {codec} block inflates to {inflated} bytes instead of {expected_bytes}")
                .into(),
        ))
    }
}

/// Undoes the predictor and the even/odd split of an inflated block and passes the rows of the
/// wanted channels to `sink`, or writes them straight where it offers
/// ([`LineSink::row_destination`]).
pub(crate) fn unpredict_rows(
    deltas: &[u8],
    layout: BlockLayout<'_>,
    wanted: &[bool],
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    let short = || BlockError::pixels("a decompressed block is shorter than expected");
    if Some(deltas.len()) != layout.byte_size() {
        return Err(short());
    }
    // Every row of every channel has an even byte count (samples are 2 or 4 bytes), so byte
    // 2k of the block comes from `evens[k]` and byte 2k+1 from `odds[k]`.
    let (evens, odds) = deltas.split_at(deltas.len().div_ceil(2));
    // The predictor runs over `evens` and then on over `odds`; starting from 128 makes the
    // first byte come out unchanged.
    let mut even_value = 0x80u8;
    let mut odd_value = even_value.wrapping_add(delta_sum(evens));
    let mut line = Vec::new();
    let mut pair = 0usize;
    for (row, channel, len) in layout.segments() {
        let pairs = len / 2;
        let end = pair.checked_add(pairs).ok_or_else(short)?;
        let (Some(even), Some(odd)) = (evens.get(pair..end), odds.get(pair..end)) else {
            return Err(short());
        };
        if wanted.get(channel) == Some(&true) {
            if let Some(dest) = sink
                .row_destination(row, channel, len)
                .filter(|dest| dest.len() == len)
            {
                unpredict_interleave(even, odd, &mut even_value, &mut odd_value, dest);
            } else {
                line.resize(len, 0);
                unpredict_interleave(even, odd, &mut even_value, &mut odd_value, &mut line);
                sink.row(row, channel, &line)?;
            }
        } else {
            even_value = even_value.wrapping_add(delta_sum(even));
            odd_value = odd_value.wrapping_add(delta_sum(odd));
        }
        pair = end;
    }
    Ok(())
}

/// Undoes the predictor and the even/odd split of a whole buffer (`out.len() == deltas.len()`,
/// an even count): DWA's DC coefficients are stored this way.
pub(super) fn unpredict_into(deltas: &[u8], out: &mut [u8]) {
    let (evens, odds) = deltas.split_at(deltas.len().div_ceil(2));
    let mut even_value = 0x80u8;
    let mut odd_value = even_value.wrapping_add(delta_sum(evens));
    let pairs = odds.len();
    let evens = evens.get(..pairs).unwrap_or(evens);
    unpredict_interleave(evens, odds, &mut even_value, &mut odd_value, out);
}

/// What the predictor adds over `deltas`: the sum of `delta - 128`, modulo 256.
fn delta_sum(deltas: &[u8]) -> u8 {
    let sum = deltas.iter().fold(0u8, |sum, &d| sum.wrapping_add(d));
    // -128 ≡ 128 (mod 256): an odd count adds 128 once more.
    if deltas.len() % 2 == 1 {
        sum.wrapping_add(0x80)
    } else {
        sum
    }
}

/// Runs the predictor over `even` and `odd` (continuing from `even_value` / `odd_value`, which
/// are updated) and interleaves the results into `out` (`out.len() == 2 * even.len()`).
///
/// With SSE2 (every x86-64 machine) sixteen bytes of each half at a time (`sse2`),
/// else eight in 64-bit words ([`unpredict_interleave_words`]).
fn unpredict_interleave(
    even: &[u8],
    odd: &[u8],
    even_value: &mut u8,
    odd_value: &mut u8,
    out: &mut [u8],
) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    let (even, odd, out) = sse2::unpredict_interleave(even, odd, even_value, odd_value, out);
    unpredict_interleave_words(even, odd, even_value, odd_value, out);
}

/// Eight bytes of each half at a time in 64-bit words (SWAR): the running sums of the even and
/// of the odd bytes of a word come from one multiplication each (16-bit lanes, which cannot
/// overflow into each other), the byte-wise prefix from those two, and the value carried from
/// word to word is a single byte addition, so the loop is not bound by the predictor's serial
/// dependency.
fn unpredict_interleave_words(
    even: &[u8],
    odd: &[u8],
    even_value: &mut u8,
    odd_value: &mut u8,
    out: &mut [u8],
) {
    let (even_words, even_rest) = even.as_chunks::<8>();
    let (odd_words, odd_rest) = odd.as_chunks::<8>();
    let (out_words, out_rest) = out.as_chunks_mut::<16>();
    for ((e, o), out) in even_words.iter().zip(odd_words).zip(out_words.iter_mut()) {
        let (e_at_even, e_at_odd) = prefix_lanes(u64::from_le_bytes(*e), even_value);
        let (o_at_even, o_at_odd) = prefix_lanes(u64::from_le_bytes(*o), odd_value);
        // 16-bit lanes holding output byte pairs (even-half byte, odd-half byte): `pairs_a`
        // has pairs 0, 2, 4, 6, `pairs_b` pairs 1, 3, 5, 7.
        let pairs_a = e_at_even | (o_at_even << 8);
        let pairs_b = e_at_odd | (o_at_odd << 8);
        let low = (pairs_a & 0xFFFF)
            | ((pairs_b & 0xFFFF) << 16)
            | ((pairs_a & 0xFFFF_0000) << 16)
            | ((pairs_b & 0xFFFF_0000) << 32);
        let high = ((pairs_a >> 32) & 0xFFFF)
            | (((pairs_b >> 32) & 0xFFFF) << 16)
            | ((pairs_a >> 48) << 32)
            | ((pairs_b >> 48) << 48);
        let (out_low, out_high) = out.split_at_mut(8);
        out_low.copy_from_slice(&low.to_le_bytes());
        out_high.copy_from_slice(&high.to_le_bytes());
    }
    for ((&e, &o), pair) in even_rest
        .iter()
        .zip(odd_rest)
        .zip(out_rest.as_chunks_mut::<2>().0.iter_mut())
    {
        // delta - 128 ≡ delta ^ 0x80 (mod 256).
        *even_value = even_value.wrapping_add(e ^ 0x80);
        *odd_value = odd_value.wrapping_add(o ^ 0x80);
        *pair = [*even_value, *odd_value];
    }
}

/// The predictor and interleave in SSE2 registers, through `safe_arch`'s safe wrappers of the
/// intrinsics (SSE2 is part of x86-64, so they are always available there).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use safe_arch::{
        add_i8_m128i, bitxor_m128i, byte_shl_imm_u128_m128i, load_unaligned_m128i, m128i,
        set_splat_i8_m128i, shuffle_ai_f32_all_m128i, shuffle_ai_i16_h64all_m128i,
        store_unaligned_m128i, unpack_high_i8_m128i, unpack_low_i8_m128i,
    };

    /// The running sums of the sixteen deltas of `deltas` (stored plus 128), continuing from
    /// every byte of `carry` (the previous result, broadcast), which becomes this block's last
    /// result: a prefix sum in four shift-and-add steps.
    #[inline(always)]
    fn prefix(deltas: m128i, carry: &mut m128i) -> m128i {
        let mut x = bitxor_m128i(deltas, set_splat_i8_m128i(i8::MIN)); // delta - 128
        x = add_i8_m128i(x, byte_shl_imm_u128_m128i::<1>(x));
        x = add_i8_m128i(x, byte_shl_imm_u128_m128i::<2>(x));
        x = add_i8_m128i(x, byte_shl_imm_u128_m128i::<4>(x));
        x = add_i8_m128i(x, byte_shl_imm_u128_m128i::<8>(x));
        x = add_i8_m128i(x, *carry);
        // Byte 15 into every byte: double the high bytes into words, word 7 into the high
        // words, dword 3 everywhere.
        let high = unpack_high_i8_m128i(x, x);
        *carry = shuffle_ai_f32_all_m128i::<0xFF>(shuffle_ai_i16_h64all_m128i::<0xFF>(high));
        x
    }

    /// [`super::unpredict_interleave`] over the whole blocks of sixteen bytes of each half;
    /// returns what is left of the three slices.
    pub(super) fn unpredict_interleave<'a, 'b>(
        even: &'a [u8],
        odd: &'a [u8],
        even_value: &mut u8,
        odd_value: &mut u8,
        out: &'b mut [u8],
    ) -> (&'a [u8], &'a [u8], &'b mut [u8]) {
        let (even_blocks, _) = even.as_chunks::<16>();
        let (odd_blocks, _) = odd.as_chunks::<16>();
        let (out_blocks, _) = out.as_chunks_mut::<32>();
        let blocks = even_blocks
            .len()
            .min(odd_blocks.len())
            .min(out_blocks.len());
        if blocks == 0 {
            return (even, odd, out);
        }
        let mut even_carry = set_splat_i8_m128i(*even_value as i8);
        let mut odd_carry = set_splat_i8_m128i(*odd_value as i8);
        for ((e, o), out) in even_blocks.iter().zip(odd_blocks).zip(out_blocks) {
            let e = prefix(load_unaligned_m128i(e), &mut even_carry);
            let o = prefix(load_unaligned_m128i(o), &mut odd_carry);
            let (low, high) = out.as_chunks_mut::<16>().0.split_at_mut(1);
            if let (Some(low), Some(high)) = (low.first_mut(), high.first_mut()) {
                store_unaligned_m128i(low, unpack_low_i8_m128i(e, o));
                store_unaligned_m128i(high, unpack_high_i8_m128i(e, o));
            }
        }
        *even_value = <[u8; 16]>::from(even_carry)[0];
        *odd_value = <[u8; 16]>::from(odd_carry)[0];
        let done = blocks * 16;
        (
            even.get(done..).unwrap_or_default(),
            odd.get(done..).unwrap_or_default(),
            out.get_mut(2 * done..).unwrap_or_default(),
        )
    }
}

/// Lanes of 16 bits, one byte value each.
const LOW_BYTES: u64 = 0x00FF_00FF_00FF_00FF;
/// Multiplying 16-bit lanes by this sums each lane and the ones below it.
const LANE_PREFIX: u64 = 0x0001_0001_0001_0001;

/// The predictor over the eight deltas of `word` (little-endian), continuing from `value`
/// (updated to the last result). Returns the eight results in 16-bit lanes: results 0, 2, 4, 6
/// and results 1, 3, 5, 7 (the high byte of each lane is garbage).
#[inline(always)]
fn prefix_lanes(word: u64, value: &mut u8) -> (u64, u64) {
    // delta - 128 ≡ delta ^ 0x80 (mod 256).
    let deltas = word ^ 0x8080_8080_8080_8080;
    let evens = deltas & LOW_BYTES;
    let odds = (deltas >> 8) & LOW_BYTES;
    // Lane i: sum of the even (odd) deltas 0..=i; at most 4 × 255, so no lane overflows.
    let even_sums = evens.wrapping_mul(LANE_PREFIX);
    let odd_sums = odds.wrapping_mul(LANE_PREFIX);
    let start = u64::from(*value).wrapping_mul(LANE_PREFIX);
    // Result 2i = even sums 0..=i + odd sums 0..i; result 2i+1 = even and odd sums 0..=i.
    let at_even = (even_sums + (odd_sums << 16) + start) & LOW_BYTES;
    let at_odd = (even_sums + odd_sums + start) & LOW_BYTES;
    *value = value.wrapping_add(((even_sums + odd_sums) >> 48) as u8);
    (at_even, at_odd)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The predictor and the even/odd split the way the format describes them, byte by byte.
    fn reference(deltas: &[u8]) -> Vec<u8> {
        let mut predicted = deltas.to_vec();
        for i in 1..predicted.len() {
            predicted[i] = predicted[i - 1]
                .wrapping_add(predicted[i])
                .wrapping_sub(128);
        }
        let half = predicted.len().div_ceil(2);
        let mut out = Vec::with_capacity(predicted.len());
        for i in 0..half {
            out.push(predicted[i]);
            if let Some(&b) = predicted.get(half + i) {
                out.push(b);
            }
        }
        out
    }

    #[test]
    fn vector_predictor_matches_the_byte_by_byte_one() {
        let mut seed = 0x1234_5678_u32;
        for len in [
            0usize, 2, 30, 32, 34, 62, 64, 66, 96, 130, 1000, 4098, 15360,
        ] {
            let deltas: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 24) as u8
                })
                .collect();
            let (evens, odds) = deltas.split_at(len / 2);
            // The dispatching version (SSE2 on x86-64) and the portable one.
            type Interleave = fn(&[u8], &[u8], &mut u8, &mut u8, &mut [u8]);
            let versions: [(&str, Interleave); 2] = [
                ("dispatch", unpredict_interleave),
                ("words", unpredict_interleave_words),
            ];
            for (name, interleave) in versions {
                let mut e = 0x80u8;
                let mut o = e.wrapping_add(delta_sum(evens));
                let mut out = vec![0u8; len];
                // In two pieces, as rows of two channels would be.
                let cut = (len / 4) & !1;
                let (out_a, out_b) = out.split_at_mut(cut);
                let half_cut = cut / 2;
                interleave(&evens[..half_cut], &odds[..half_cut], &mut e, &mut o, out_a);
                interleave(&evens[half_cut..], &odds[half_cut..], &mut e, &mut o, out_b);
                assert_eq!(out, reference(&deltas), "{name}, length {len}");
            }
        }
    }
}
