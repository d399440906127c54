//! The exact sum of a channel's samples, for its mean.
//!
//! Why exact: a float channel can hold values of wildly different magnitudes that cancel
//! (OpenEXR's `TestImages/WideFloatRange.exr`, channel G, sums to exactly 0, but summed in `f64`
//! lanes it came out as 7.7e19 per pixel), and normals, velocities and differences cancel less
//! dramatically every day. NumPy's float64 mean (pairwise summation) and Python's `math.fsum`
//! agree with the exact value there; a viewer that reports a mean must too.
//!
//! How, without giving up the one fast pass over the samples:
//! - Every sample is `f32`, `f16` or `u32`, so each is an integer multiple of 2⁻¹⁴⁹ below 2¹²⁸.
//!   The summary loops add a block of [`super::summary::BLOCK`] samples in `f64` lanes as before
//!   and, at the cost of two SIMD integer min/max per sample, track the span of the samples'
//!   binary exponents. When the span is small (see [`F32_EXACT_SPAN`]) every partial sum of
//!   the block fits in the 53 bits of an `f64`, so the lane sums are exact. Other blocks are
//!   added again in exponent groups ([`exact_f32_block_sum`]), each exact for the same reason.
//! - The exact block sums are accumulated in [`ExactSum`]: a fixed-point integer of 384 bits
//!   (twelve 32-bit digits, kept in `i64` so carries can wait), which represents every sum of up
//!   to 2⁴⁰ samples exactly, merges by adding digits, and converts to the correctly rounded
//!   `f64` at the end. The mean (the exact sum divided once) is then within one ulp of the exact
//!   mean, whatever the order of summation.

/// Digits of the fixed-point value, 32 bits each, the lowest worth 2⁻¹⁶⁰ (below 2⁻¹⁴⁹, the
/// smallest f32 step) and the highest reaching 2²²⁴ (above 2¹²⁸ × 2⁴⁰ × 2¹⁶ of headroom).
const DIGITS: usize = 12;
/// Exponent of the lowest digit.
const LOWEST_EXPONENT: i32 = -160;
/// Digit additions (each below 2³² in magnitude) an `i64` digit takes without overflowing, with
/// a margin: carries are propagated after this many [`ExactSum::add`] calls.
const ADDS_BEFORE_CARRY: u32 = 1 << 30;

/// Blocks whose samples' exponent fields (the 8 bits of an f32) span at most this much are
/// summed exactly by plain `f64` additions: a sample with field `f` is a multiple of
/// 2^(f − 150) below 2^(f − 126), so the samples of a block are multiples of 2^(f_min − 150)
/// below 2^(f_max − 126), and any sum of up to 2¹¹ of them (a block) needs at most
/// `f_max − f_min + 24 + 11` bits: at most 53 while the span is at most 18.
pub(super) const F32_EXACT_SPAN: u32 = 53 - 24 - GROWTH_BITS;
/// Bits a sum of one block's samples can grow by.
const GROWTH_BITS: u32 = super::summary::BLOCK.next_power_of_two().ilog2();

/// An exact sum of finite values that are integer multiples of 2⁻¹⁶⁰ and below 2¹⁶⁹ in
/// magnitude (every sum of up to 2⁴⁰ f32, f16 or u32 samples).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExactSum {
    digits: [i64; DIGITS],
    /// `add` calls since the carries were last propagated.
    adds: u32,
}

impl Default for ExactSum {
    fn default() -> Self {
        Self::ZERO
    }
}

impl ExactSum {
    pub(crate) const ZERO: Self = Self {
        digits: [0; DIGITS],
        adds: 0,
    };

    /// Adds `value`, which must be finite, a multiple of 2⁻¹⁶⁰ and below 2¹⁶⁹ in magnitude (what
    /// the summary loops hand over always is). Bits below 2⁻¹⁶⁰ would be dropped and larger
    /// values clamped to the top digits; neither can come from samples.
    pub(crate) fn add(&mut self, value: f64) {
        if value == 0.0 || !value.is_finite() {
            return;
        }
        let bits = value.to_bits();
        let field = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1 << 52) - 1);
        // value = ±mantissa × 2^exponent
        let (mantissa, exponent) = if field == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1 << 52), field - 1075)
        };
        let position = exponent - LOWEST_EXPONENT;
        let (shifted, first_digit) = if position < 0 {
            (u128::from(mantissa >> position.unsigned_abs().min(63)), 0)
        } else {
            let digit = (position / 32) as usize;
            (u128::from(mantissa) << (position % 32), digit)
        };
        let negative = bits >> 63 == 1;
        for (index, piece) in [
            shifted & 0xffff_ffff,
            (shifted >> 32) & 0xffff_ffff,
            shifted >> 64,
        ]
        .into_iter()
        .enumerate()
        {
            let piece = piece as i64; // below 2³²
            let digit = (first_digit + index).min(DIGITS - 1);
            if let Some(slot) = self.digits.get_mut(digit) {
                *slot += if negative { -piece } else { piece };
            }
        }
        self.count_add(1);
    }

    /// The sum of both.
    pub(crate) fn merge(mut self, other: Self) -> Self {
        for (digit, add) in self.digits.iter_mut().zip(other.digits) {
            *digit += add;
        }
        self.count_add(other.adds.max(1));
        self
    }

    fn count_add(&mut self, adds: u32) {
        self.adds = self.adds.saturating_add(adds);
        if self.adds >= ADDS_BEFORE_CARRY {
            self.propagate_carries();
        }
    }

    /// Brings every digit but the top one into `[0, 2³²)`.
    fn propagate_carries(&mut self) {
        let mut carry = 0i64;
        for digit in &mut self.digits[..DIGITS - 1] {
            let value = *digit + carry;
            carry = value >> 32; // floor division: the digit stays non-negative
            *digit = value - (carry << 32);
        }
        if let Some(top) = self.digits.last_mut() {
            *top += carry;
        }
        self.adds = 0;
    }

    /// The sum, correctly rounded to the nearest `f64`.
    pub(crate) fn to_f64(self) -> f64 {
        let mut value = self;
        value.propagate_carries();
        let negative = value.digits[DIGITS - 1] < 0;
        if negative {
            for digit in &mut value.digits {
                *digit = -*digit;
            }
            value.propagate_carries();
        }
        // Now every digit is in [0, 2³²) (the top one too: the magnitude is below 2²²⁴).
        let Some(top) = value.digits.iter().rposition(|&d| d != 0) else {
            return 0.0;
        };
        let low = top.saturating_sub(2);
        let mut wide = 0u128;
        for &digit in value.digits[low..=top].iter().rev() {
            wide = (wide << 32) | digit as u128;
        }
        // A nonzero digit below the three kept ones only decides ties: fold it into the lowest
        // kept bit (the kept digits hold at least 65 bits, so bit 0 lies below the rounding bit).
        if value.digits[..low].iter().any(|&d| d != 0) {
            wide |= 1;
        }
        let magnitude = wide as f64 * power_of_two(LOWEST_EXPONENT + 32 * low as i32);
        if negative { -magnitude } else { magnitude }
    }
}

/// 2^exponent for exponents in f64's normal range (exact).
fn power_of_two(exponent: i32) -> f64 {
    f64::from_bits(((exponent + 1023) as u64) << 52)
}

/// The exact sum of the finite samples of a block of at most [`super::summary::BLOCK`] f32s,
/// by exponent group: samples whose exponent fields share the same upper four bits span at most
/// 15 and so add exactly in `f64` (see [`F32_EXACT_SPAN`]). For the blocks the fast loop cannot
/// vouch for.
pub(super) fn exact_f32_block_sum(block: &[f32]) -> ExactSum {
    const GROUPS: usize = 16;
    const WAYS: usize = 4;
    debug_assert!(block.len() <= super::summary::BLOCK);
    // Independent accumulators per way, so consecutive samples of one group do not wait on
    // each other.
    let mut groups = [[0.0f64; GROUPS]; WAYS];
    let (quads, rest) = block.as_chunks::<WAYS>();
    let add = |way: &mut [f64; GROUPS], v: f32| {
        let group = ((v.to_bits() >> 27) & 0xf) as usize;
        if v.is_finite()
            && let Some(slot) = way.get_mut(group)
        {
            *slot += f64::from(v);
        }
    };
    for quad in quads {
        for (way, &v) in groups.iter_mut().zip(quad) {
            add(way, v);
        }
    }
    for &v in rest {
        add(&mut groups[0], v);
    }
    let mut sum = ExactSum::ZERO;
    for way in groups {
        for group in way {
            sum.add(group);
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact sum of `values` as a rational with denominator 2^160, in i128 pairs (test
    /// inputs stay within i128 when scaled).
    fn naive_exact(values: &[f64]) -> f64 {
        // Scale into integers of 2^-160 using a big integer made of i128 halves is overkill
        // for the test ranges: values here are multiples of 2^-40 below 2^60.
        let scaled: i128 = values.iter().map(|&v| (v * 2f64.powi(40)) as i128).sum();
        scaled as f64 / 2f64.powi(40)
    }

    #[test]
    fn cancelling_magnitudes_sum_to_exactly_zero() {
        let mut sum = ExactSum::ZERO;
        for v in [3.0e38f32, 1.0, -3.0e38, -1.0, 1e-30, -1e-30] {
            sum.add(f64::from(v));
        }
        assert_eq!(sum.to_f64(), 0.0);
        // A float64 sum in this order loses the first 1.0 entirely.
        let naive: f64 = [3.0e38f64, 1.0, -3.0e38, -1.0, 1.0]
            .iter()
            .fold(0.0, |a, b| a + b);
        assert_eq!(naive, 0.0);
        let mut exact = ExactSum::ZERO;
        for v in [3.0e38f32, 1.0, -3.0e38, -1.0, 1.0] {
            exact.add(f64::from(v));
        }
        assert_eq!(exact.to_f64(), 1.0);
    }

    #[test]
    fn extremes_of_f32_are_exact() {
        let tiny = f32::from_bits(1); // 2^-149
        let mut sum = ExactSum::ZERO;
        sum.add(f64::from(f32::MAX));
        sum.add(f64::from(tiny));
        sum.add(-f64::from(f32::MAX));
        assert_eq!(sum.to_f64(), f64::from(tiny));
        let mut big = ExactSum::ZERO;
        for _ in 0..1000 {
            big.add(f64::from(f32::MAX));
        }
        assert_eq!(big.to_f64(), f64::from(f32::MAX) * 1000.0);
        let mut negative = ExactSum::ZERO;
        negative.add(-2.5);
        negative.add(0.25);
        assert_eq!(negative.to_f64(), -2.25);
    }

    #[test]
    fn rounding_is_to_nearest_even_with_everything_below_taken_into_account() {
        // 2^60 + 1 + 2^-100: the nearest f64 above 2^60 is 2^60 + 256; the 1 is below half an
        // ulp, so the sum rounds down to 2^60 unless the tiny part were dropped at a tie.
        let mut sum = ExactSum::ZERO;
        sum.add(2f64.powi(60));
        sum.add(128.0); // exactly half an ulp: a tie
        assert_eq!(sum.to_f64(), 2f64.powi(60), "tie to even (down)");
        sum.add(2f64.powi(-100)); // just above the tie
        assert_eq!(sum.to_f64(), 2f64.powi(60) + 256.0, "above the tie: up");
    }

    #[test]
    fn merging_equals_adding_everything_to_one() {
        let values: Vec<f64> = (0..5000)
            .map(|i| f64::from((i as f32 * 0.37).sin() * 10f32.powi(i % 13 - 6)))
            .collect();
        let mut one = ExactSum::ZERO;
        for &v in &values {
            one.add(v);
        }
        let (a, b) = values.split_at(1234);
        let mut left = ExactSum::ZERO;
        a.iter().for_each(|&v| left.add(v));
        let mut right = ExactSum::ZERO;
        b.iter().for_each(|&v| right.add(v));
        assert_eq!(left.merge(right).to_f64(), one.to_f64());
    }

    #[test]
    fn agrees_with_an_integer_reference() {
        let values: Vec<f64> = (0..20_000)
            .map(|i| ((i * 7919) % 100_003) as f64 * 2f64.powi(-20) - 40.0)
            .collect();
        let mut sum = ExactSum::ZERO;
        values.iter().for_each(|&v| sum.add(v));
        assert_eq!(sum.to_f64(), naive_exact(&values));
    }

    #[test]
    fn many_adds_propagate_carries_without_overflow() {
        let mut sum = ExactSum::ZERO;
        let piece = f64::from(u32::MAX) * 2f64.powi(-160 + 32 * 5);
        let mut reference = ExactSum::ZERO;
        for _ in 0..3 {
            reference.add(piece);
        }
        // Force the carry path as if 2^30 adds had happened.
        sum.adds = ADDS_BEFORE_CARRY - 2;
        for _ in 0..3 {
            sum.add(piece);
        }
        assert_eq!(sum.adds, 1, "carries were propagated once");
        assert_eq!(sum.to_f64(), reference.to_f64());
    }

    #[test]
    fn block_sum_by_groups_is_exact() {
        let block: Vec<f32> = (0..2048)
            .map(|i| match i % 5 {
                0 => 1e10,
                1 => -1e10,
                2 => 1e-7 * i as f32,
                3 => f32::NAN,
                _ => 0.5,
            })
            .collect();
        let mut reference = ExactSum::ZERO;
        for &v in &block {
            if v.is_finite() {
                reference.add(f64::from(v));
            }
        }
        assert_eq!(exact_f32_block_sum(&block).to_f64(), reference.to_f64());
        // And not what a plain f64 sum in this order gives.
        let plain: f64 = block
            .iter()
            .filter(|v| v.is_finite())
            .map(|&v| f64::from(v))
            .sum();
        assert_ne!(plain, reference.to_f64());
    }
}
