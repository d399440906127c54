//! PXR24 blocks (Pixar's 24-bit float compression, 16 scan lines per block).
//!
//! PXR24 is lossy only for 32-bit float channels, and only when writing: the encoder rounds each
//! float to 24 bits (sign, exponent, 15 bits of mantissa) and keeps half and uint samples whole.
//! For each row of the block and each channel (sorted by name), it replaces every sample by its
//! difference to the previous sample of that row (wrapping, starting from 0), splits the
//! differences into byte planes, most significant byte first (4 planes for uint, 3 for the
//! 24-bit floats, 2 for half), and deflates the whole block. Decoding is therefore exact: inflate
//! (libdeflate, as for ZIP) into a buffer kept per thread, then for each wanted row and channel
//! sum the differences back up and shift a float's 24 bits into place (for floats on x86-64,
//! sixteen samples at a time in SSE2 registers). Rows of channels that are not wanted are
//! skipped without being summed (each row starts from 0).

use std::cell::RefCell;

use exr::meta::attribute::SampleType;

use super::scratch::{Reusable, release_if_large, with_scratch};
use super::zip::inflate_into;
use super::{BlockError, BlockLayout, LineSink};

thread_local! {
    static INFLATED: RefCell<Planes> = RefCell::new(Planes::default());
}

/// A decompressor, the inflated planes of a block and one rebuilt row, kept per thread.
#[derive(Default)]
struct Planes {
    decompressor: libdeflater::Decompressor,
    planes: Vec<u8>,
    line: Vec<u8>,
}

impl Reusable for Planes {
    fn trim(&mut self) {
        release_if_large(&mut self.planes);
        release_if_large(&mut self.line);
    }
}

/// Bytes one sample of `sample_type` takes in the inflated planes.
fn plane_count(sample_type: SampleType) -> usize {
    match sample_type {
        SampleType::F16 => 2,
        SampleType::F32 => 3,
        SampleType::U32 => 4,
    }
}

/// The size of a block's inflated planes, or `None` when that overflows.
fn planes_size(layout: BlockLayout<'_>) -> Option<usize> {
    let per_pixel: usize = layout
        .channels
        .list
        .iter()
        .map(|c| plane_count(c.sample_type))
        .sum();
    layout
        .rectangle
        .size
        .0
        .checked_mul(layout.rectangle.size.1)?
        .checked_mul(per_pixel)
}

/// Inflates a PXR24 block and passes the rows of the wanted channels to `sink` (little-endian).
pub(crate) fn decode(
    compressed: &[u8],
    layout: BlockLayout<'_>,
    wanted: &[bool],
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    let planes_bytes = planes_size(layout)
        .ok_or_else(|| BlockError::pixels("a pixel block is impossibly large"))?;
    with_scratch(&INFLATED, |state| {
        let Planes {
            decompressor,
            planes,
            line,
        } = state;
        inflate_into(decompressor, planes, compressed, planes_bytes, "PXR24")
            .and_then(|()| rebuild_rows(planes, layout, wanted, line, sink))
    })
}

/// Sums one row of 24-bit float differences (planes `b0`, `b1`, `b2`, most significant first)
/// into little-endian 32-bit floats in `out` (4 bytes per sample).
///
/// With SSE2 (every x86-64 machine) sixteen samples at a time ([`sse2`]), the rest one by one.
fn sum_float_planes(b0: &[u8], b1: &[u8], b2: &[u8], out: &mut [u8]) {
    let mut value = 0u32;
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    let (b0, b1, b2, out) = sse2::sum_float_planes(b0, b1, b2, out, &mut value);
    for (((&a, &b), &c), out) in b0
        .iter()
        .zip(b1)
        .zip(b2)
        .zip(out.as_chunks_mut::<4>().0.iter_mut())
    {
        value = value.wrapping_add(u32::from_be_bytes([a, b, c, 0]));
        *out = value.to_le_bytes();
    }
}

/// The float rows' running sum in SSE2 registers, through `safe_arch`'s safe wrappers of the
/// intrinsics (SSE2 is part of x86-64, so they are always available there).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use safe_arch::{
        add_i32_m128i, byte_shl_imm_u128_m128i, load_unaligned_m128i, m128i,
        shuffle_ai_f32_all_m128i, store_unaligned_m128i, unpack_high_i8_m128i,
        unpack_high_i16_m128i, unpack_low_i8_m128i, unpack_low_i16_m128i, zeroed_m128i,
    };

    /// The running sums of four 32-bit differences, continuing from every lane of `carry`
    /// (the previous sum, broadcast), which becomes this group's last sum.
    #[inline(always)]
    fn prefix(x: m128i, carry: &mut m128i) -> m128i {
        let x = add_i32_m128i(x, byte_shl_imm_u128_m128i::<4>(x));
        let x = add_i32_m128i(x, byte_shl_imm_u128_m128i::<8>(x));
        let x = add_i32_m128i(x, *carry);
        *carry = shuffle_ai_f32_all_m128i::<0xFF>(x);
        x
    }

    /// [`super::sum_float_planes`] over whole groups of sixteen samples; continues from and
    /// updates `value`, and returns what is left of the four slices.
    pub(super) fn sum_float_planes<'a, 'b>(
        b0: &'a [u8],
        b1: &'a [u8],
        b2: &'a [u8],
        out: &'b mut [u8],
        value: &mut u32,
    ) -> (&'a [u8], &'a [u8], &'a [u8], &'b mut [u8]) {
        let (p0, _) = b0.as_chunks::<16>();
        let (p1, _) = b1.as_chunks::<16>();
        let (p2, _) = b2.as_chunks::<16>();
        let (out_groups, _) = out.as_chunks_mut::<64>();
        let groups = p0.len().min(p1.len()).min(p2.len()).min(out_groups.len());
        if groups == 0 {
            return (b0, b1, b2, out);
        }
        let zero = zeroed_m128i();
        let mut carry = m128i::from([*value; 4]);
        for (((p0, p1), p2), out) in p0.iter().zip(p1).zip(p2).zip(out_groups) {
            let (p0, p1, p2) = (
                load_unaligned_m128i(p0),
                load_unaligned_m128i(p1),
                load_unaligned_m128i(p2),
            );
            // Low halves of the 32-bit differences: the third byte shifted up by 8; high
            // halves: the first two bytes.
            let low_a = unpack_low_i8_m128i(zero, p2);
            let low_b = unpack_high_i8_m128i(zero, p2);
            let high_a = unpack_low_i8_m128i(p1, p0);
            let high_b = unpack_high_i8_m128i(p1, p0);
            let sums = [
                prefix(unpack_low_i16_m128i(low_a, high_a), &mut carry),
                prefix(unpack_high_i16_m128i(low_a, high_a), &mut carry),
                prefix(unpack_low_i16_m128i(low_b, high_b), &mut carry),
                prefix(unpack_high_i16_m128i(low_b, high_b), &mut carry),
            ];
            for (sum, out) in sums.into_iter().zip(out.as_chunks_mut::<16>().0) {
                store_unaligned_m128i(out, sum);
            }
        }
        *value = <[u32; 4]>::from(carry)[0];
        let done = groups * 16;
        (
            b0.get(done..).unwrap_or_default(),
            b1.get(done..).unwrap_or_default(),
            b2.get(done..).unwrap_or_default(),
            out.get_mut(4 * done..).unwrap_or_default(),
        )
    }
}

/// Sums the byte planes of each wanted row and channel back into samples.
fn rebuild_rows(
    planes: &[u8],
    layout: BlockLayout<'_>,
    wanted: &[bool],
    line: &mut Vec<u8>,
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    let short = || BlockError::pixels("a decompressed block is shorter than expected");
    let width = layout.rectangle.size.0;
    let mut position = 0usize;
    for row in 0..layout.rectangle.size.1 {
        for (channel, description) in layout.channels.list.iter().enumerate() {
            let planes_in_row = plane_count(description.sample_type);
            let end = width
                .checked_mul(planes_in_row)
                .and_then(|len| position.checked_add(len))
                .ok_or_else(short)?;
            if wanted.get(channel) == Some(&true) {
                let bytes = planes.get(position..end).ok_or_else(short)?;
                let sample_bytes = description.sample_type.bytes_per_sample();
                line.resize(width * sample_bytes, 0);
                match description.sample_type {
                    SampleType::F16 => {
                        let (high, low) = bytes.split_at(width);
                        let mut value = 0u16;
                        for ((&h, &l), out) in high
                            .iter()
                            .zip(low)
                            .zip(line.as_chunks_mut::<2>().0.iter_mut())
                        {
                            value = value.wrapping_add(u16::from_be_bytes([h, l]));
                            *out = value.to_le_bytes();
                        }
                    }
                    SampleType::F32 => {
                        let (b0, rest) = bytes.split_at(width);
                        let (b1, b2) = rest.split_at(width);
                        sum_float_planes(b0, b1, b2, line);
                    }
                    SampleType::U32 => {
                        let (b0, rest) = bytes.split_at(width);
                        let (b1, rest) = rest.split_at(width);
                        let (b2, b3) = rest.split_at(width);
                        let mut value = 0u32;
                        for ((((&a, &b), &c), &d), out) in b0
                            .iter()
                            .zip(b1)
                            .zip(b2)
                            .zip(b3)
                            .zip(line.as_chunks_mut::<4>().0.iter_mut())
                        {
                            value = value.wrapping_add(u32::from_be_bytes([a, b, c, d]));
                            *out = value.to_le_bytes();
                        }
                    }
                }
                sink.row(row, channel, line)?;
            }
            position = end;
        }
    }
    if position == planes.len() {
        Ok(())
    } else {
        Err(BlockError::Internal("PXR24 planes do not fit the block"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_float_sum_matches_the_sample_by_sample_one() {
        let mut seed = 0x2545_f491_u32;
        for width in [0usize, 1, 15, 16, 17, 33, 64, 100, 3840] {
            let planes: Vec<u8> = (0..3 * width)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 24) as u8
                })
                .collect();
            let (b0, rest) = planes.split_at(width);
            let (b1, b2) = rest.split_at(width);
            let mut expected = Vec::new();
            let mut value = 0u32;
            for i in 0..width {
                value = value.wrapping_add(u32::from_be_bytes([b0[i], b1[i], b2[i], 0]));
                expected.extend_from_slice(&value.to_le_bytes());
            }
            let mut out = vec![0xAA; 4 * width];
            sum_float_planes(b0, b1, b2, &mut out);
            assert_eq!(out, expected, "width {width}");
        }
    }
}
