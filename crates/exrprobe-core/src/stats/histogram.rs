//! Binning samples over a range into the display histogram, with NaN, ±Inf, background and
//! out-of-range samples counted apart.

use rayon::prelude::*;

use super::{BLOCK, Histogram, MAX_BINS, Native, SENTINEL_THRESHOLD, piece_len};

// ---------------------------------------------------------------------------------------------
// Histogram binning

/// Maps finite values to bins of `[lo, hi]`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Binner {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) bins: usize,
    /// bins / (hi − lo); 0 when `lo == hi`.
    pub(super) scale: f64,
}

/// Where a finite, non-sentinel value falls.
pub(super) enum Slot {
    Under,
    Over,
    Bin(usize),
}

impl Binner {
    pub(super) fn new(lo: f64, hi: f64, bins: usize) -> Self {
        let (lo, hi) = match (lo.is_nan(), hi.is_nan()) {
            (true, true) => (0.0, 0.0),
            (true, false) => (hi, hi),
            (false, true) => (lo, lo),
            (false, false) => (lo, hi),
        };
        let clamp = |v: f64| v.clamp(f64::MIN, f64::MAX);
        let (lo, hi) = (clamp(lo.min(hi)), clamp(lo.max(hi)));
        let bins = bins.clamp(1, MAX_BINS);
        let width = hi - lo; // may be +Inf for the widest ranges; then everything lands in bin 0
        let scale = if width > 0.0 {
            bins as f64 / width
        } else {
            0.0
        };
        Self {
            lo,
            hi,
            bins,
            scale,
        }
    }

    #[inline]
    pub(super) fn slot(&self, value: f64) -> Slot {
        if value < self.lo {
            Slot::Under
        } else if value > self.hi {
            Slot::Over
        } else if self.scale == 0.0 {
            if self.lo == self.hi {
                Slot::Bin(self.bins / 2)
            } else {
                Slot::Bin(0)
            }
        } else {
            // `as usize` saturates; the last bin includes `hi`.
            Slot::Bin((((value - self.lo) * self.scale) as usize).min(self.bins - 1))
        }
    }

    pub(super) fn empty(&self) -> Histogram {
        Histogram {
            lo: self.lo,
            hi: self.hi,
            bins: vec![0; self.bins],
            underflow: 0,
            overflow: 0,
            sentinel: 0,
            nan: 0,
            pos_inf: 0,
            neg_inf: 0,
        }
    }

    /// Adds `count` samples of `value` (whose class the caller knows).
    #[inline]
    pub(super) fn add_finite(&self, histogram: &mut Histogram, value: f64, count: u64) {
        match self.slot(value) {
            Slot::Under => histogram.underflow += count,
            Slot::Over => histogram.overflow += count,
            Slot::Bin(index) => {
                if let Some(bin) = histogram.bins.get_mut(index) {
                    *bin += count;
                }
            }
        }
    }
}

/// Counts of one [`binned`] work item: the bins, then underflow, overflow and a discard slot,
/// so that the loop indexes without branching.
pub(super) struct BinCounts {
    pub(super) slots: Vec<u64>,
    pub(super) finite: u64,
    pub(super) real: u64,
    pub(super) pos_inf: u64,
    pub(super) neg_inf: u64,
    pub(super) count: u64,
}

/// 2^52: adding it to a value in [0, 2^31) rounds the value to an integer held in the low
/// mantissa bits.
pub(super) const ROUNDING_OFFSET: f64 = 4_503_599_627_370_496.0;

/// `t as u32` for `t` in [0, 2^31) (or NaN, giving 0) with plain SSE2 arithmetic, so that loops
/// using it vectorise (Rust's saturating `as` conversion does not).
#[inline(always)]
pub(super) fn floor_to_u32(t: f64) -> u32 {
    let t = if t > 0.0 { t } else { 0.0 };
    let shifted = t + ROUNDING_OFFSET;
    let rounded = shifted - ROUNDING_OFFSET;
    (shifted.to_bits() as u32).wrapping_sub(u32::from(rounded > t))
}

/// How [`bin_slots`] maps a value to a slot of [`BinCounts::slots`].
#[derive(Clone, Copy)]
pub(super) struct SlotMap {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) scale: f64,
    pub(super) last_f: f64,
    pub(super) base: u32,
    pub(super) under: u32,
    pub(super) over: u32,
    pub(super) discard: u32,
}

/// The slot of each sample of `block` (bins, then underflow, overflow, discard). A separate,
/// non-inlined function of selects only, so that the loop vectorises.
#[inline(never)]
pub(super) fn bin_slots<T: Native>(block: &[T], out: &mut [u32], map: &SlotMap) {
    let SlotMap {
        lo,
        hi,
        scale,
        last_f,
        base,
        under,
        over,
        discard,
    } = *map;
    for (&v, out) in block.iter().zip(out.iter_mut()) {
        let x = v.to_f64();
        // NaN fails every comparison; 1e9 is exact in f32, so this matches the key test.
        let is_real = !T::FLOAT || (-f64::MAX..SENTINEL_THRESHOLD).contains(&x);
        // Clamped in floating point first (NaN samples are discarded below); the last bin
        // includes `hi`.
        let t = (x - lo) * scale;
        let bin = base + floor_to_u32(if t < last_f { t } else { last_f });
        let slot = if x < lo { under } else { bin };
        let slot = if x > hi { over } else { slot };
        *out = if is_real { slot } else { discard };
    }
}

/// One parallel pass binning native samples. With `SPECIALS` false the sentinel, NaN and ±Inf
/// counts are left at 0 (the caller knows them already).
pub(super) fn binned<T: Native, const SPECIALS: bool>(values: &[T], binner: &Binner) -> Histogram {
    let bins = binner.bins;
    let (under, over, discard) = (bins, bins + 1, bins + 2);
    // `bins` ≤ MAX_BINS, so every slot fits a u32.
    let (under, over, discard) = (under as u32, over as u32, discard as u32);
    let (lo, hi, scale) = (binner.lo, binner.hi, binner.scale);
    // A degenerate range (lo == hi) puts its samples in the middle bin.
    let base = if lo == hi { (bins / 2) as u32 } else { 0 };
    // With `base` > 0 the scale is 0, so `base + 0` stays in range.
    let last_f = (bins - 1) as f64;
    let slot_map = SlotMap {
        lo,
        hi,
        scale,
        last_f,
        base,
        under,
        over,
        discard,
    };
    // Few slots: count into interleaved copies (see `scatter`); many: one copy, to bound memory.
    let lanes = if bins + 3 <= 1 << 12 {
        SCATTER_LANES
    } else {
        1
    };
    let empty = || BinCounts {
        slots: vec![0; (bins + 3) * lanes],
        finite: 0,
        real: 0,
        pos_inf: 0,
        neg_inf: 0,
        count: 0,
    };
    let counts = values
        .par_chunks(piece_len(values.len()))
        .fold(empty, |mut c, chunk| {
            crate::pace::point();
            let (mut finite, mut real, mut pos_inf, mut neg_inf) = (0u64, 0u64, 0u64, 0u64);
            let slots = c.slots.as_mut_slice();
            // Slot of each sample of a block: computed in a branch-free (vectorisable) loop,
            // then counted in a scatter loop.
            let mut block_slots = [0u32; BLOCK];
            for block in chunk.chunks(BLOCK) {
                bin_slots(block, &mut block_slots, &slot_map);
                if SPECIALS && T::FLOAT {
                    for &v in block {
                        let x = v.to_f64();
                        real += u64::from((-f64::MAX..SENTINEL_THRESHOLD).contains(&x));
                        finite += u64::from(x.abs() <= f64::MAX);
                        pos_inf += u64::from(x == f64::INFINITY);
                        neg_inf += u64::from(x == f64::NEG_INFINITY);
                    }
                } else {
                    finite += block.len() as u64;
                    real += block.len() as u64;
                }
                let block_slots = block_slots.get(..block.len()).unwrap_or_default();
                if lanes == SCATTER_LANES {
                    scatter(block_slots, slots);
                } else {
                    for &slot in block_slots {
                        if let Some(count) = slots.get_mut(slot as usize) {
                            *count += 1;
                        }
                    }
                }
            }
            c.finite += finite;
            c.real += real;
            c.pos_inf += pos_inf;
            c.neg_inf += neg_inf;
            c.count += chunk.len() as u64;
            c
        })
        .reduce(empty, |mut a, b| {
            for (x, y) in a.slots.iter_mut().zip(&b.slots) {
                *x += y;
            }
            a.finite += b.finite;
            a.real += b.real;
            a.pos_inf += b.pos_inf;
            a.neg_inf += b.neg_inf;
            a.count += b.count;
            a
        });
    let totals: Vec<u64> = counts
        .slots
        .chunks(lanes)
        .map(|copies| copies.iter().sum())
        .collect();
    let mut histogram = binner.empty();
    histogram.bins = totals.get(..bins).map(<[u64]>::to_vec).unwrap_or_default();
    histogram.underflow = totals.get(under as usize).copied().unwrap_or(0);
    histogram.overflow = totals.get(over as usize).copied().unwrap_or(0);
    histogram.sentinel = counts.finite - counts.real;
    histogram.pos_inf = counts.pos_inf;
    histogram.neg_inf = counts.neg_inf;
    histogram.nan = counts.count - counts.finite - counts.pos_inf - counts.neg_inf;
    histogram
}

/// Copies of each counter that [`scatter`] rotates over.
pub(super) const SCATTER_LANES: usize = 4;

/// Counts `slots` into `counts`, which holds [`SCATTER_LANES`] adjacent copies of each counter
/// (slot `s`, copy `l` at `s * SCATTER_LANES + l`). Consecutive samples go to different copies:
/// in smooth images neighbouring samples share a slot, and incrementing one counter would make
/// every increment wait for the previous one's store.
#[inline]
pub(super) fn scatter<C: Copy + std::ops::AddAssign + From<u8>>(slots: &[u32], counts: &mut [C]) {
    let (quads, rest) = slots.as_chunks::<SCATTER_LANES>();
    for quad in quads {
        for (lane, &slot) in quad.iter().enumerate() {
            if let Some(count) = counts.get_mut(slot as usize * SCATTER_LANES + lane) {
                *count += C::from(1);
            }
        }
    }
    for &slot in rest {
        if let Some(count) = counts.get_mut(slot as usize * SCATTER_LANES) {
            *count += C::from(1);
        }
    }
}
