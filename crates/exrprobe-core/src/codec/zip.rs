//! ZIP and ZIPS blocks (zlib, 16 scan lines or 1 per block).
//!
//! The encoder splits the raw block bytes into the even-indexed bytes followed by the
//! odd-indexed ones, replaces every byte by its difference to the previous one (plus 128), and
//! deflates the result. Decoding inflates with `zune-inflate` and then undoes the predictor and the
//! split in one pass per row and channel, straight into the sink; rows of channels that are not
//! wanted are only summed (the predictor's running value has to pass over them).

use super::{BlockLayout, LineSink};

/// Inflates a ZIP block whose raw size is `expected_bytes` and passes the rows of the wanted
/// channels to `sink` (little-endian).
pub(crate) fn decode(
    compressed: &[u8],
    expected_bytes: usize,
    layout: BlockLayout<'_>,
    wanted: &[bool],
    sink: &mut LineSink<'_>,
) -> Result<(), String> {
    let deltas = inflate(compressed, expected_bytes)?;
    unpredict_rows(&deltas, layout, wanted, sink)
}

/// Inflates a zlib stream that must yield exactly `expected_bytes` (the checksum is verified).
pub(crate) fn inflate(compressed: &[u8], expected_bytes: usize) -> Result<Vec<u8>, String> {
    // The limit stops a hostile stream from inflating beyond the block's size; the size hint
    // makes the output buffer the right size up front.
    let options = zune_inflate::DeflateOptions::default()
        .set_limit(expected_bytes)
        .set_size_hint(expected_bytes);
    let bytes = zune_inflate::DeflateDecoder::new_with_options(compressed, options)
        .decode_zlib()
        .map_err(|error| {
            format!(
                "corrupt compressed data: a ZIP block does not inflate ({})",
                inflate_reason(&error.error)
            )
        })?;
    if bytes.len() == expected_bytes {
        Ok(bytes)
    } else {
        Err(format!(
            "corrupt compressed data: a ZIP block inflates to {} bytes instead of {expected_bytes}",
            bytes.len()
        ))
    }
}

fn inflate_reason(error: &zune_inflate::errors::DecodeErrorStatus) -> String {
    use zune_inflate::errors::DecodeErrorStatus;
    match error {
        DecodeErrorStatus::InsufficientData => "the data ends early".to_owned(),
        DecodeErrorStatus::OutputLimitExceeded(..) => "it inflates to too many bytes".to_owned(),
        DecodeErrorStatus::MismatchedAdler(..) | DecodeErrorStatus::MismatchedCRC(..) => {
            "checksum mismatch".to_owned()
        }
        _ => "malformed zlib data".to_owned(),
    }
}

/// Undoes the predictor and the even/odd split of an inflated block and passes the rows of the
/// wanted channels to `sink`.
pub(crate) fn unpredict_rows(
    deltas: &[u8],
    layout: BlockLayout<'_>,
    wanted: &[bool],
    sink: &mut LineSink<'_>,
) -> Result<(), String> {
    let short = || "corrupt pixel data: a decompressed block is shorter than expected".to_owned();
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
            line.resize(len, 0);
            unpredict_interleave(even, odd, &mut even_value, &mut odd_value, &mut line);
            sink(row, channel, &line)?;
        } else {
            even_value = even_value.wrapping_add(delta_sum(even));
            odd_value = odd_value.wrapping_add(delta_sum(odd));
        }
        pair = end;
    }
    Ok(())
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
fn unpredict_interleave(
    even: &[u8],
    odd: &[u8],
    even_value: &mut u8,
    odd_value: &mut u8,
    out: &mut [u8],
) {
    let (even_blocks, even_rest) = even.as_chunks::<16>();
    let (odd_blocks, odd_rest) = odd.as_chunks::<16>();
    let (out_blocks, out_rest) = out.as_chunks_mut::<32>();
    for ((e, o), out) in even_blocks
        .iter()
        .zip(odd_blocks)
        .zip(out_blocks.iter_mut())
    {
        let e = running_sum(*e, *even_value);
        let o = running_sum(*o, *odd_value);
        *even_value = e[15];
        *odd_value = o[15];
        for (i, pair) in out.as_chunks_mut::<2>().0.iter_mut().enumerate() {
            *pair = [e[i], o[i]];
        }
    }
    for ((&e, &o), pair) in even_rest
        .iter()
        .zip(odd_rest)
        .zip(out_rest.as_chunks_mut::<2>().0.iter_mut())
    {
        *even_value = even_value.wrapping_add(e ^ 0x80);
        *odd_value = odd_value.wrapping_add(o ^ 0x80);
        *pair = [*even_value, *odd_value];
    }
}

/// The predictor over 16 bytes at once: `start + Σ (delta - 128)` for each prefix, computed
/// with four shifted additions (a log-step prefix sum the compiler maps to vector shifts).
#[inline(always)]
fn running_sum(deltas: [u8; 16], start: u8) -> [u8; 16] {
    // delta - 128 ≡ delta ^ 0x80 (mod 256).
    let mut v = deltas.map(|d| d ^ 0x80);
    v = add_shifted::<1>(v);
    v = add_shifted::<2>(v);
    v = add_shifted::<4>(v);
    v = add_shifted::<8>(v);
    v.map(|x| x.wrapping_add(start))
}

/// `v[i] + v[i - SHIFT]` (and `v[i]` for the first `SHIFT` lanes).
#[inline(always)]
fn add_shifted<const SHIFT: usize>(v: [u8; 16]) -> [u8; 16] {
    let mut shifted = [0u8; 16];
    if let (Some(to), Some(from)) = (shifted.get_mut(SHIFT..), v.get(..16 - SHIFT)) {
        to.copy_from_slice(from);
    }
    let mut out = v;
    for (o, s) in out.iter_mut().zip(shifted) {
        *o = o.wrapping_add(s);
    }
    out
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
        for len in [0usize, 2, 30, 32, 34, 64, 66, 1000, 4098] {
            let deltas: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 24) as u8
                })
                .collect();
            let (evens, odds) = deltas.split_at(len / 2);
            let mut e = 0x80u8;
            let mut o = e.wrapping_add(delta_sum(evens));
            let mut out = vec![0u8; len];
            // In two pieces, as rows of two channels would be.
            let cut = (len / 4) & !1;
            let (out_a, out_b) = out.split_at_mut(cut);
            let half_cut = cut / 2;
            unpredict_interleave(&evens[..half_cut], &odds[..half_cut], &mut e, &mut o, out_a);
            unpredict_interleave(&evens[half_cut..], &odds[half_cut..], &mut e, &mut o, out_b);
            assert_eq!(out, reference(&deltas), "length {len}");
        }
    }
}
