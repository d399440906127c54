//! Property tests: statistics against a naive reference, robust ranges, histograms and colour
//! mapping on hostile values (NaN, ±Inf, subnormals, sentinels, constant and empty buffers, every
//! half), and `.npy` round trips read back with npyz.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use exrprobe_core::colormap::{
    Colormap, NAN_COLOR, NEG_INF_COLOR, POS_INF_COLOR, SENTINEL_COLOR, ScalarMapping, rgb_to_rgba8,
    scalar_color, scalar_to_rgba8,
};
use exrprobe_core::export::{NpyDtype, write_npy};
use exrprobe_core::f16;
use exrprobe_core::model::{Channel, Samples};
use exrprobe_core::stats::{
    DEFAULT_BINS, SENTINEL_THRESHOLD, channel_stats, distribution, histogram,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Strategies

/// f32 values weighted towards the troublesome ones.
fn hostile_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => -100.0f32..100.0,
        2 => any::<u32>().prop_map(f32::from_bits), // any bit pattern: NaNs, subnormals, huge
        1 => (0u32..0x0080_0000).prop_map(f32::from_bits), // positive subnormals
        1 => (0u32..0x0080_0000).prop_map(|b| -f32::from_bits(b)), // negative subnormals
        1 => prop_oneof![
            Just(f32::NAN),
            Just(f32::INFINITY),
            Just(f32::NEG_INFINITY),
            Just(0.0f32),
            Just(-0.0f32),
            Just(1e10f32),
            Just(1e9f32),
            Just(999_999_940.0f32), // the largest f32 below 1e9: not a sentinel
            Just(f32::MAX),
            Just(f32::MIN),
            Just(f32::MIN_POSITIVE),
        ],
    ]
}

/// Values of every magnitude that cancel: each with its negation, shuffled, plus a few small
/// ones (the exact mean is theirs; a plain float sum loses them). Longer than a summary block.
fn cancelling_f32() -> impl Strategy<Value = Samples> {
    (
        prop::collection::vec(
            any::<u32>().prop_map(|b| f32::from_bits(b & 0x7f7f_ffff)),
            1..2500,
        ),
        prop::collection::vec(-1.0f32..1.0, 0..4),
        any::<u64>(),
    )
        .prop_map(|(big, small, seed)| {
            let mut values: Vec<f32> = big.iter().flat_map(|&v| [v, -v]).chain(small).collect();
            // A fixed pseudo-random shuffle (xorshift), so pairs land in different blocks.
            let mut state = seed | 1;
            for i in (1..values.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                values.swap(i, (state % (i as u64 + 1)) as usize);
            }
            Samples::F32(values)
        })
}

fn hostile_samples() -> impl Strategy<Value = Samples> {
    prop_oneof![
        cancelling_f32(),
        prop::collection::vec(hostile_f32(), 0..400).prop_map(Samples::F32),
        // Any half bit pattern: NaN payloads, ±Inf, subnormals, ±0, ±65504.
        prop::collection::vec(any::<u16>().prop_map(f16::from_bits), 0..400).prop_map(Samples::F16),
        prop::collection::vec(prop_oneof![any::<u32>(), 0u32..10, Just(u32::MAX)], 0..400)
            .prop_map(Samples::U32),
        // Constant buffers of any value (NaN and Inf included).
        (hostile_f32(), 1usize..300).prop_map(|(v, n)| Samples::F32(vec![v; n])),
        (any::<u16>(), 1usize..300).prop_map(|(b, n)| Samples::F16(vec![f16::from_bits(b); n])),
        // Mostly one value with a few others: exercises the percentile ranks.
        (
            hostile_f32(),
            prop::collection::vec(hostile_f32(), 0..5),
            1usize..3000
        )
            .prop_map(|(v, others, n)| {
                let mut values = vec![v; n];
                for (i, o) in others.into_iter().enumerate() {
                    let at = (i * 7919) % n;
                    values[at] = o;
                }
                Samples::F32(values)
            }),
    ]
}

// ---------------------------------------------------------------------------------------------
// Naive reference

struct Reference {
    count: usize,
    finite: usize,
    nan: usize,
    pos_inf: usize,
    neg_inf: usize,
    sentinel: usize,
    min: Option<f64>,
    max: Option<f64>,
    mean: Option<f64>,
    /// Finite, non-sentinel values, sorted.
    real_sorted: Vec<f64>,
    constant: bool,
}

fn reference(samples: &Samples) -> Reference {
    let (values, bits, is_uint): (Vec<f64>, Vec<u32>, bool) = match samples {
        Samples::F16(v) => (
            v.iter().map(|x| f64::from(x.to_f32())).collect(),
            v.iter().map(|x| u32::from(x.to_bits())).collect(),
            false,
        ),
        Samples::F32(v) => (
            v.iter().map(|&x| f64::from(x)).collect(),
            v.iter().map(|x| x.to_bits()).collect(),
            false,
        ),
        Samples::U32(v) => (v.iter().map(|&x| f64::from(x)).collect(), v.clone(), true),
    };
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let is_sentinel = |v: f64| !is_uint && v >= SENTINEL_THRESHOLD;
    let mut real_sorted: Vec<f64> = finite
        .iter()
        .copied()
        .filter(|&v| !is_sentinel(v))
        .collect();
    real_sorted.sort_by(f64::total_cmp);
    Reference {
        count: values.len(),
        finite: finite.len(),
        nan: values.iter().filter(|v| v.is_nan()).count(),
        pos_inf: values.iter().filter(|&&v| v == f64::INFINITY).count(),
        neg_inf: values.iter().filter(|&&v| v == f64::NEG_INFINITY).count(),
        sentinel: finite.iter().filter(|&&v| is_sentinel(v)).count(),
        min: finite.iter().copied().reduce(f64::min),
        max: finite.iter().copied().reduce(f64::max),
        mean: (!finite.is_empty()).then(|| fsum(&finite) / finite.len() as f64),
        real_sorted,
        constant: !bits.is_empty() && bits.iter().all(|&b| b == bits[0]),
    }
}

/// The correctly rounded sum of `values` (Shewchuk's exact partials, with the final rounding
/// of Python's `math.fsum`): an algorithm independent of exrprobe's fixed-point one.
fn fsum(values: &[f64]) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for &value in values {
        let mut x = value;
        let mut kept = 0;
        for i in 0..partials.len() {
            let mut y = partials[i];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    let Some(mut n) = partials.len().checked_sub(1) else {
        return 0.0;
    };
    let mut hi = partials[n];
    let mut lo = 0.0;
    while n > 0 {
        let x = hi;
        n -= 1;
        let y = partials[n];
        hi = x + y;
        lo = y - (hi - x);
        if lo != 0.0 {
            break;
        }
    }
    if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        if y == x - hi {
            hi = x;
        }
    }
    hi
}

/// Equal as numbers (−0 == +0), or both NaN.
fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn check_stats(samples: &Samples) -> Result<(), TestCaseError> {
    let stats = channel_stats(samples);
    let distribution = distribution(samples);
    let r = reference(samples);
    prop_assert_eq!(stats.count, r.count);
    prop_assert_eq!(stats.finite, r.finite);
    prop_assert_eq!(stats.nan, r.nan);
    prop_assert_eq!(stats.pos_inf, r.pos_inf);
    prop_assert_eq!(stats.neg_inf, r.neg_inf);
    prop_assert_eq!(stats.sentinel, r.sentinel);
    prop_assert_eq!(stats.real(), r.real_sorted.len());
    prop_assert_eq!(stats.min, r.min);
    prop_assert_eq!(stats.max, r.max);
    match (stats.mean, r.mean) {
        (Some(got), Some(want)) => {
            // Both are the correctly rounded sum divided once: equal to the bit, in any
            // summation order (±0 aside).
            prop_assert!(same(got, want), "mean {} vs exact reference {}", got, want);
            prop_assert!(got >= r.min.unwrap_or(got) && got <= r.max.unwrap_or(got));
        }
        (got, want) => prop_assert_eq!(got, want),
    }
    prop_assert_eq!(
        stats.constant.is_some(),
        r.constant,
        "constant flag {:?}",
        stats.constant
    );
    if let Some(value) = stats.constant {
        prop_assert!(same(value, samples.get(0).unwrap().to_f64()));
    }
    match distribution.robust_range {
        None => prop_assert!(r.real_sorted.is_empty(), "no range but real samples"),
        Some((lo, hi)) => {
            let n = r.real_sorted.len();
            prop_assert!(n > 0, "range without real samples");
            prop_assert!(lo <= hi, "lo {} > hi {}", lo, hi);
            prop_assert!(lo >= r.real_sorted[0] && hi <= r.real_sorted[n - 1]);
            // The documented nearest-rank convention, exactly.
            let lo_rank = (0.001 * (n - 1) as f64).floor() as usize;
            let hi_rank = (0.999 * (n - 1) as f64).ceil() as usize;
            let (want_lo, want_hi) = (r.real_sorted[lo_rank], r.real_sorted[hi_rank]);
            let (real_min, real_max) = (r.real_sorted[0], r.real_sorted[n - 1]);
            if want_lo >= want_hi && real_min < real_max {
                // The percentiles collapsed on a buffer that is not constant: the range widens
                // to the real min/max, so `lo == hi` only for constant data.
                prop_assert_eq!((lo, hi), (real_min, real_max));
            } else {
                prop_assert_eq!((lo, hi), (want_lo, want_hi));
            }
            prop_assert_eq!(lo == hi, real_min == real_max);
        }
    }
    prop_assert_eq!(distribution.histogram.bins.len(), DEFAULT_BINS);
    prop_assert_eq!(distribution.histogram.total(), r.count as u64);
    prop_assert_eq!(distribution.histogram.nan, r.nan as u64);
    prop_assert_eq!(distribution.histogram.pos_inf, r.pos_inf as u64);
    prop_assert_eq!(distribution.histogram.neg_inf, r.neg_inf as u64);
    prop_assert_eq!(distribution.histogram.sentinel, r.sentinel as u64);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn statistics_match_a_naive_reference(samples in hostile_samples()) {
        check_stats(&samples)?;
    }

    #[test]
    fn histogram_counts_every_sample_for_any_range(
        samples in hostile_samples(),
        lo in hostile_f32(),
        hi in hostile_f32(),
        bins in 0usize..600,
    ) {
        let h = histogram(&samples, f64::from(lo), f64::from(hi), bins);
        prop_assert_eq!(h.bins.len(), bins.max(1));
        prop_assert_eq!(h.total(), samples.len() as u64);
        let r = reference(&samples);
        prop_assert_eq!(h.nan, r.nan as u64);
        prop_assert_eq!(h.pos_inf, r.pos_inf as u64);
        prop_assert_eq!(h.neg_inf, r.neg_inf as u64);
        prop_assert_eq!(h.sentinel, r.sentinel as u64);
        prop_assert!(h.lo <= h.hi);
        prop_assert!(h.lo.is_finite() && h.hi.is_finite());
    }

    #[test]
    fn scalar_colours_mark_special_values_and_never_panic(
        samples in hostile_samples(),
        lo in hostile_f32(),
        hi in hostile_f32(),
        invert in any::<bool>(),
        log in any::<bool>(),
        colormap in prop::sample::select(Colormap::ALL.to_vec()),
    ) {
        let mapping = ScalarMapping { lo: f64::from(lo), hi: f64::from(hi), invert, log, colormap };
        let pixels = scalar_to_rgba8(&samples, &mapping);
        prop_assert_eq!(pixels.len(), samples.len());
        let is_uint = matches!(samples, Samples::U32(_));
        for (i, pixel) in pixels.iter().enumerate() {
            let v = samples.get(i).unwrap().to_f64();
            let special = if v.is_nan() {
                Some(NAN_COLOR)
            } else if v == f64::INFINITY {
                Some(POS_INF_COLOR)
            } else if v == f64::NEG_INFINITY {
                Some(NEG_INF_COLOR)
            } else if !is_uint && v >= SENTINEL_THRESHOLD {
                Some(SENTINEL_COLOR)
            } else {
                None
            };
            if let Some(colour) = special {
                prop_assert_eq!(*pixel, colour, "value {}", v);
            } else {
                prop_assert_eq!(pixel[3], 255, "opaque");
            }
            if !is_uint {
                // The single-value path (colour bar) agrees with the buffer path.
                prop_assert_eq!(scalar_color(v, &mapping), *pixel, "value {}", v);
            }
        }
    }

    #[test]
    fn rgb_mapping_never_panics_and_marks_nan(
        r in hostile_samples(),
        g in hostile_samples(),
        b in hostile_samples(),
        exposure in prop_oneof![-20.0f32..20.0, hostile_f32()],
    ) {
        let pixels = rgb_to_rgba8(&r, &g, &b, None, exposure);
        prop_assert_eq!(pixels.len(), r.len().min(g.len()).min(b.len()));
        for (i, pixel) in pixels.iter().enumerate() {
            let any_nan = [&r, &g, &b].iter().any(|s| s.get(i).unwrap().to_f64().is_nan());
            if any_nan {
                prop_assert_eq!(*pixel, NAN_COLOR);
            } else {
                prop_assert_eq!(pixel[3], 255, "opaque without alpha");
            }
        }
    }

    /// The colour bar labels its positions with `value_at`; the renderer colours values by
    /// `position_of`. They must be inverses over the shown range, log floor included (a log
    /// mapping with `lo ≤ 0` starts four decades below `hi`).
    #[test]
    fn value_at_is_the_inverse_of_position_of(
        lo in prop_oneof![-1e4f64..1e4, Just(0.0), Just(-1.0)],
        span in 1e-3f64..1e6,
        log in any::<bool>(),
        t in 0.0f64..=1.0,
        colormap in prop::sample::select(Colormap::ALL.to_vec()),
        invert in any::<bool>(),
    ) {
        let mapping = ScalarMapping { lo, hi: lo + span, invert, log, colormap };
        let v = mapping.value_at(t);
        prop_assert!(v.is_finite(), "value_at({t}) = {v}");
        let back = mapping.position_of(v);
        prop_assert!((back - t).abs() < 1e-9, "position_of(value_at({t})) = {back}");
        let again = mapping.value_at(back);
        prop_assert!((again - v).abs() <= 1e-9 * v.abs().max(1.0), "{again} vs {v}");
        // The colour at a bar position is the colour of the value labelled there.
        let direct = colormap.color_at(if invert { 1.0 - t } else { t });
        prop_assert_eq!(scalar_color(v, &mapping), direct, "t {}", t);
    }
}

proptest! {
    // Large buffers go through the parallel, multi-piece paths (pieces of at least 65 536).
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn statistics_of_large_buffers_match_the_reference(
        palette in prop::collection::vec(hostile_f32(), 1..6),
        picks in prop::collection::vec(any::<u8>(), 64),
        len in 65_536usize..300_000,
        half in any::<bool>(),
    ) {
        let values: Vec<f32> = (0..len)
            .map(|i| palette[usize::from(picks[(i * 31 + i / 97) % picks.len()]) % palette.len()])
            .collect();
        let samples = if half {
            Samples::F16(values.iter().map(|&v| f16::from_f32(v)).collect())
        } else {
            Samples::F32(values)
        };
        check_stats(&samples)?;
    }

    /// Long runs of one value next to each other: whole blocks of real samples beside blocks of
    /// background, NaN or ±Inf, and blocks that mix them (the float summary's short loop for
    /// all-real blocks, and its fall-back).
    #[test]
    fn statistics_of_runs_of_values_match_the_reference(
        palette in prop::collection::vec(hostile_f32(), 1..6),
        runs in prop::collection::vec((any::<u8>(), 1usize..6000), 1..40),
    ) {
        let values: Vec<f32> = runs
            .iter()
            .enumerate()
            .flat_map(|(run, &(pick, len))| {
                let v = palette[usize::from(pick) % palette.len()];
                // Real values vary within the run, so extremes and sums are not the palette's.
                (0..len).map(move |i| {
                    if v.is_finite() && v.abs() < 1e9 {
                        v + (i % 7) as f32 * 0.25 - run as f32
                    } else {
                        v
                    }
                })
            })
            .collect();
        check_stats(&Samples::F32(values))?;
    }
}

// ---------------------------------------------------------------------------------------------
// .npy round trips

fn channel(width: usize, height: usize, samples: Samples) -> Channel {
    Channel {
        name: "Z".into(),
        sample_type: samples.sample_type(),
        sampling: (1, 1),
        quantize_linearly: false,
        width,
        height,
        samples: Some(samples),
    }
}

fn grid() -> impl Strategy<Value = (usize, usize, Samples)> {
    (1usize..40, 1usize..40, 0u8..3).prop_flat_map(|(w, h, kind)| {
        let n = w * h;
        let samples = match kind {
            0 => prop::collection::vec(hostile_f32(), n)
                .prop_map(Samples::F32)
                .boxed(),
            1 => prop::collection::vec(any::<u16>().prop_map(f16::from_bits), n)
                .prop_map(Samples::F16)
                .boxed(),
            _ => prop::collection::vec(any::<u32>(), n)
                .prop_map(Samples::U32)
                .boxed(),
        };
        (Just(w), Just(h), samples)
    })
}

fn read_back(path: &std::path::Path) -> npyz::NpyFile<std::io::BufReader<std::fs::File>> {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    npyz::NpyFile::new(file).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn npy_round_trip_is_bit_exact((width, height, samples) in grid(), native in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dépth map.npy");
        let dtype = if native { NpyDtype::Native } else { NpyDtype::F32 };
        write_npy(&channel(width, height, samples.clone()), dtype, &path, false).unwrap();
        let npy = read_back(&path);
        prop_assert_eq!(npy.shape(), &[height as u64, width as u64][..]);
        match (&samples, native) {
            (Samples::F16(want), true) => {
                let got: Vec<f16> = npy.into_vec().unwrap();
                let got: Vec<u16> = got.iter().map(|v| v.to_bits()).collect();
                let want: Vec<u16> = want.iter().map(|v| v.to_bits()).collect();
                prop_assert_eq!(got, want);
            }
            (Samples::U32(want), true) => {
                let got: Vec<u32> = npy.into_vec().unwrap();
                prop_assert_eq!(&got, want);
            }
            _ => {
                let got: Vec<f32> = npy.into_vec().unwrap();
                let got: Vec<u32> = got.iter().map(|v| v.to_bits()).collect();
                // F32: every half widens exactly; a NaN keeps sign and payload without the quiet
                // bit being set, as numpy's `astype(np.float32)` does; uint converts like `as f32`.
                let numpy_widen = |h: &f16| {
                    if h.is_nan() {
                        let bits = u32::from(h.to_bits());
                        ((bits & 0x8000) << 16) | 0x7f80_0000 | ((bits & 0x03ff) << 13)
                    } else {
                        h.to_f32().to_bits()
                    }
                };
                let want: Vec<u32> = match &samples {
                    Samples::F32(v) => v.iter().map(|x| x.to_bits()).collect(),
                    Samples::F16(v) => v.iter().map(numpy_widen).collect(),
                    Samples::U32(v) => v.iter().map(|&x| (x as f32).to_bits()).collect(),
                };
                prop_assert_eq!(got, want);
            }
        }
        // Nothing but the target is left in the folder.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        prop_assert_eq!(names.len(), 1, "{:?}", names);
    }
}
