//! The lossy channels of a DWA block (`LossyDctDecoder` in OpenEXR's `internal_dwa_decoder.h`).
//!
//! A lossy channel is cut into 8×8 blocks (the last row and column padded). Each block has one DC
//! coefficient in the DC stream (all of a channel's blocks in a row, then the next channel of a
//! group) and its 63 AC coefficients in the AC stream, in zig-zag order, with `0xffNN` standing
//! for `NN` zeros (`0xff00`: zeros to the end of the block). The coefficients are halves; the
//! inverse DCT gives floats on a perceptual scale, which (for a group) are converted from Y'CbCr
//! to R'G'B', rounded to half, and mapped back to linear light by a 65536-entry table (unless the
//! channel is stored linear, `pLinear`). Float channels get the half widened.
//!
//! A block whose AC coefficients are all zero is constant: one value instead of a transform.
//! Work runs one row of 8×8 blocks at a time, so the blocks stay in cache from the transform to
//! the rows; channels nobody wants only have their coefficients stepped over.

use std::sync::OnceLock;

use half::f16;
use half::slice::HalfFloatSliceExt;

use super::super::scratch::release_if_large;
use super::BlockError;

/// `cos(π/4) / 2`, as OpenEXR spells it: a DC-only block's value is `dc · A · A`.
const DC_SCALE: f32 = 3.535_536e-1;

/// For each position of an 8×8 block in raster order, its index in zig-zag order.
const FROM_ZIG_ZAG: [usize; 64] = [
    0, 1, 5, 6, 14, 15, 27, 28, 2, 4, 7, 13, 16, 26, 29, 42, 3, 8, 12, 17, 25, 30, 41, 43, 9, 11,
    18, 24, 31, 40, 44, 53, 10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60, 21, 34,
    37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63,
];

/// One channel of a lossy group: where its rows go (`None`: not wanted), and whether they are
/// float (else half) samples.
pub(super) struct Component<'o> {
    pub out: Option<&'o mut [u8]>,
    pub float: bool,
}

/// The 8×8 blocks of one row of blocks, kept per thread.
#[derive(Default)]
pub(super) struct Scratch {
    blocks: Vec<[f32; 64]>,
    /// Whether a block has AC coefficients (else it is constant).
    transformed: Vec<bool>,
}

impl Scratch {
    pub(super) fn trim(&mut self) {
        release_if_large(&mut self.blocks);
        release_if_large(&mut self.transformed);
    }
}

/// What is left of the AC and DC streams; each lossy group or channel takes its part.
pub(super) struct Streams<'a> {
    ac: &'a [u16],
    dc: &'a [u16],
}

impl<'a> Streams<'a> {
    pub(super) fn new(ac: &'a [u16], dc: &'a [u16]) -> Self {
        Self { ac, dc }
    }

    /// Decodes one lossy channel (one component) or one Y'CbCr group (three, R G B) of
    /// `width × height` samples into the components' rows (little-endian), `nonlinear`: through
    /// the table back to linear light.
    pub(super) fn decode(
        &mut self,
        width: usize,
        height: usize,
        nonlinear: bool,
        components: &mut [Component<'_>],
        scratch: &mut Scratch,
    ) -> Result<(), BlockError> {
        let count = components.len();
        let (blocks_x, blocks_y) = (width.div_ceil(8), height.div_ceil(8));
        let too_large = || BlockError::pixels("a pixel block is impossibly large");
        let blocks = blocks_x.checked_mul(blocks_y).ok_or_else(too_large)?;
        let dc_count = blocks.checked_mul(count).ok_or_else(too_large)?;
        let (dc, dc_rest) = self.dc.split_at_checked(dc_count).ok_or_else(|| {
            BlockError::compressed("a DWA block has fewer DC coefficients than blocks")
        })?;
        self.dc = dc_rest;
        if components.iter().all(|c| c.out.is_none()) {
            let mut unused = [0u16; 64];
            for _ in 0..dc_count {
                un_rle_ac(&mut self.ac, &mut unused)?;
            }
            return Ok(());
        }
        let table = nonlinear.then(to_linear_table);
        let slots = blocks_x.checked_mul(count).ok_or_else(too_large)?;
        scratch.blocks.clear();
        scratch.blocks.resize(slots, [0.0; 64]);
        scratch.transformed.clear();
        scratch.transformed.resize(slots, false);

        for block_y in 0..blocks_y {
            for block_x in 0..blocks_x {
                for component in 0..count {
                    let slot = component * blocks_x + block_x;
                    let mut zig_zag = [0u16; 64];
                    zig_zag[0] = dc
                        .get(component * blocks + block_y * blocks_x + block_x)
                        .copied()
                        .unwrap_or(0);
                    let last_non_zero = un_rle_ac(&mut self.ac, &mut zig_zag)?;
                    let (Some(block), Some(transformed)) = (
                        scratch.blocks.get_mut(slot),
                        scratch.transformed.get_mut(slot),
                    ) else {
                        return Err(BlockError::Internal("DWA block slots"));
                    };
                    *transformed = last_non_zero != 0;
                    if *transformed {
                        let mut coefficients = [0.0f32; 64];
                        f16_slice(&zig_zag).convert_to_f32_slice(&mut coefficients);
                        for (value, &from) in block.iter_mut().zip(&FROM_ZIG_ZAG) {
                            *value = coefficients[from];
                        }
                    } else {
                        // Filled whole: a group's other components may be transformed.
                        *block = [f16::from_bits(zig_zag[0]).to_f32() * DC_SCALE * DC_SCALE; 64];
                    }
                }
            }
            inverse_dct(
                scratch
                    .blocks
                    .iter_mut()
                    .zip(&scratch.transformed)
                    .filter_map(|(block, &transformed)| transformed.then_some(block)),
            );
            for block_x in 0..blocks_x {
                let constant = (0..count)
                    .all(|c| scratch.transformed.get(c * blocks_x + block_x) == Some(&false));
                if count == 3 {
                    csc_inverse(&mut scratch.blocks, blocks_x, block_x, constant);
                }
                let rows = (height - block_y * 8).min(8);
                let columns = (width - block_x * 8).min(8);
                for (component, target) in components.iter_mut().enumerate() {
                    let Some(out) = target.out.as_deref_mut() else {
                        continue;
                    };
                    let Some(block) = scratch.blocks.get(component * blocks_x + block_x) else {
                        continue;
                    };
                    let mut halves = [0u16; 64];
                    if constant {
                        halves = [f16::from_f32(block[0]).to_bits(); 64];
                    } else {
                        f16_slice_mut(&mut halves).convert_from_f32_slice(block);
                    }
                    if let Some(table) = table {
                        for half in &mut halves {
                            *half = table[usize::from(*half)];
                        }
                    }
                    write_block(
                        out,
                        &halves,
                        target.float,
                        width,
                        (block_x * 8, block_y * 8),
                        (columns, rows),
                    );
                }
            }
        }
        Ok(())
    }
}

/// The halves of a block as `f16` (same bits).
fn f16_slice(bits: &[u16; 64]) -> &[f16] {
    bytemuck::cast_slice(bits)
}

fn f16_slice_mut(bits: &mut [u16; 64]) -> &mut [f16] {
    bytemuck::cast_slice_mut(bits)
}

/// Writes the `columns × rows` top-left samples of a block at `(x, y)` of a channel `width`
/// samples wide.
fn write_block(
    out: &mut [u8],
    halves: &[u16; 64],
    float: bool,
    width: usize,
    (x, y): (usize, usize),
    (columns, rows): (usize, usize),
) {
    let sample_bytes = if float { 4 } else { 2 };
    let mut floats = [0.0f32; 64];
    if float {
        f16_slice(halves).convert_to_f32_slice(&mut floats);
    }
    for (row, values) in halves.chunks_exact(8).take(rows).enumerate() {
        let at = ((y + row) * width + x) * sample_bytes;
        let Some(dest) = out.get_mut(at..at + columns * sample_bytes) else {
            continue;
        };
        if float {
            let values = floats.get(row * 8..row * 8 + 8).unwrap_or_default();
            for (bytes, value) in dest.chunks_exact_mut(4).zip(values) {
                bytes.copy_from_slice(&value.to_le_bytes());
            }
        } else {
            for (bytes, &half) in dest.chunks_exact_mut(2).zip(values) {
                bytes.copy_from_slice(&half.to_le_bytes());
            }
        }
    }
}

/// Y'CbCr → R'G'B' for block `block_x` of a group (`csc709Inverse`): the three components'
/// blocks are `blocks[block_x]`, `blocks[blocks_x + block_x]`, `blocks[2·blocks_x + block_x]`.
/// A constant block converts only its first value (the others are equal).
fn csc_inverse(blocks: &mut [[f32; 64]], blocks_x: usize, block_x: usize, constant: bool) {
    let (first, rest) = blocks.split_at_mut(blocks_x);
    let (second, third) = rest.split_at_mut(blocks_x);
    let (Some(y), Some(cb), Some(cr)) = (
        first.get_mut(block_x),
        second.get_mut(block_x),
        third.get_mut(block_x),
    ) else {
        return;
    };
    let samples = if constant { 1 } else { 64 };
    for i in 0..samples {
        let (luma, blue, red) = (y[i], cb[i], cr[i]);
        y[i] = luma + 1.5747 * red;
        cb[i] = luma - 0.1873 * blue - 0.4682 * red;
        cr[i] = luma + 1.8556 * blue;
    }
}

/// Expands the AC coefficients of one block into `zig_zag[1..]` (which must be zero), stepping
/// `ac` past them; returns the zig-zag index of the last non-zero coefficient (0: none).
fn un_rle_ac(ac: &mut &[u16], zig_zag: &mut [u16; 64]) -> Result<usize, BlockError> {
    let (mut position, mut last_non_zero, mut used) = (1usize, 0usize, 0usize);
    while position < 64 {
        let &value = ac.get(used).ok_or_else(|| {
            BlockError::compressed("a DWA block has fewer AC coefficients than blocks")
        })?;
        used += 1;
        if value & 0xff00 == 0xff00 {
            let zeros = usize::from(value & 0xff);
            position += if zeros == 0 { 64 } else { zeros };
        } else {
            if let Some(slot) = zig_zag.get_mut(position) {
                *slot = value;
            }
            last_non_zero = position;
            position += 1;
        }
    }
    *ac = ac.get(used..).unwrap_or_default();
    Ok(last_non_zero)
}

/// The inverse DCT of every block, with the kernel the `exr` crate picks for this CPU (its ports
/// of OpenEXR's AVX and SSE2 kernels, or its scalar one), so that the samples are its samples.
fn inverse_dct<'b>(mut blocks: impl Iterator<Item = &'b mut [f32; 64]>) {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        use exr::compression::dwa::discrete_cosine_transform::x86::{avx2, sse2};
        match *kernel() {
            Kernel::Avx2(v3) => return avx2::dct_inverse_8x8_batch(v3, &mut blocks),
            Kernel::Sse2(v1) => {
                for block in blocks {
                    sse2::dct_inverse_8x8(v1, block);
                }
                return;
            }
            Kernel::Scalar => {}
        }
    }
    for block in blocks {
        exr::compression::dwa::discrete_cosine_transform::dct_inverse_8x8_autovectorized(block);
    }
}

/// The instruction set the inverse DCT runs on, found once.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
enum Kernel {
    Avx2(pulp::x86::V3),
    Sse2(pulp::x86::V1),
    Scalar,
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn kernel() -> &'static Kernel {
    static KERNEL: OnceLock<Kernel> = OnceLock::new();
    KERNEL.get_or_init(|| {
        if let Some(v3) = pulp::x86::V3::try_new() {
            Kernel::Avx2(v3)
        } else if let Some(v1) = pulp::x86::V1::try_new() {
            Kernel::Sse2(v1)
        } else {
            Kernel::Scalar
        }
    })
}

/// The nonlinear → linear table of every half (`dwa_convertToLinear` in OpenEXR's
/// `internal_dwa_table_init.c`): `x^2.2` up to 1, `e^(2.2·(x−1))` above, signed; 0 for
/// zero, infinities and NaN. Computed with `powf` in single precision, as OpenEXR does.
fn to_linear_table() -> &'static [u16; 65536] {
    static TABLE: OnceLock<Box<[u16; 65536]>> = OnceLock::new();
    super::super::half_table(&TABLE, to_linear)
}

fn to_linear(bits: u16) -> u16 {
    if bits == 0 || bits & 0x7c00 == 0x7c00 {
        return 0;
    }
    let value = f16::from_bits(bits).to_f32();
    let sign = if value < 0.0 { -1.0f32 } else { 1.0 };
    let magnitude = value.abs();
    let linear = if magnitude <= 1.0 {
        magnitude.powf(2.2)
    } else {
        // OpenEXR's 9.02501329156f (e^2.2), the same f32.
        9.025_013_f32.powf(magnitude - 1.0)
    };
    f16::from_f32(sign * linear).to_bits()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests

    use super::*;

    #[test]
    fn ac_runs_expand_into_the_zig_zag_block() {
        // 5, a run of 3 zeros, 7, then zeros to the end; the next block's values stay.
        let stream = [5u16, 0xff03, 7, 0xff00, 42];
        let mut ac = &stream[..];
        let mut block = [0u16; 64];
        assert_eq!(un_rle_ac(&mut ac, &mut block).unwrap(), 5);
        assert_eq!(&block[..7], &[0, 5, 0, 0, 0, 7, 0]);
        assert_eq!(ac, &[42]);
        // A block without AC values is DC only; a stream that ends inside a block is damage.
        let mut ac = &[0xff00u16][..];
        assert_eq!(un_rle_ac(&mut ac, &mut [0u16; 64]).unwrap(), 0);
        let mut ac = &[1u16, 2, 3][..];
        assert!(un_rle_ac(&mut ac, &mut [0u16; 64]).is_err());
    }

    #[test]
    fn the_linear_table_inverts_the_perceptual_curve() {
        let table = to_linear_table();
        let linear =
            |value: f32| f16::from_bits(table[usize::from(f16::from_f32(value).to_bits())]);
        assert_eq!(linear(1.0), f16::ONE);
        assert_eq!(linear(0.0), f16::ZERO);
        assert_eq!(linear(-1.0), f16::NEG_ONE);
        // 0.5^2.2 and e^(2.2·1): the two branches.
        assert_eq!(linear(0.5), f16::from_f32(0.5f32.powf(2.2)));
        assert_eq!(linear(2.0), f16::from_f32(9.025_013));
        assert_eq!(linear(-2.0), -f16::from_f32(9.025_013));
        // Infinities and NaN become zero, as in OpenEXR.
        for special in [f16::INFINITY, f16::NEG_INFINITY, f16::NAN] {
            assert_eq!(table[usize::from(special.to_bits())], 0);
        }
    }
}
