//! Tests of the statistics against naive references and exact answers.

use super::*;

/// Deterministic pseudo-random numbers in [0, 1) (no test depends on a seed from the clock).
fn lcg(seed: u64) -> impl Iterator<Item = f64> {
    let mut state = seed;
    std::iter::repeat_with(move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// The summary and the distribution of `samples`.
fn both(samples: &Samples) -> (ChannelStats, Distribution) {
    (channel_stats(samples), distribution(samples))
}

/// Reference percentiles by sorting (the convention documented at the top of the module).
fn sorted_percentiles(mut real: Vec<f64>) -> (f64, f64) {
    real.sort_by(f64::total_cmp);
    let (lo, hi) = percentile_ranks(real.len() as u64);
    (real[lo as usize], real[hi as usize])
}

#[test]
fn counts_special_values_and_keeps_sentinels_out_of_the_range() {
    let mut v: Vec<f32> = (0..1000).map(|i| 10.0 + i as f32 * 0.01).collect();
    v.extend([
        f32::NAN,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -f32::NAN,
    ]);
    v.extend([1e10; 7]);
    v.push(1e9); // exactly the threshold: a sentinel
    let (s, d) = both(&Samples::F32(v.clone()));
    assert_eq!(s.count, 1013);
    assert_eq!((s.nan, s.pos_inf, s.neg_inf), (3, 1, 1));
    assert_eq!(s.sentinel, 8);
    assert_eq!(s.finite, 1008);
    assert_eq!(s.real(), 1000);
    assert_eq!(s.min, Some(10.0));
    assert_eq!(s.max, Some(1e10));
    let finite: Vec<f64> = v
        .iter()
        .filter(|x| x.is_finite())
        .map(|&x| f64::from(x))
        .collect();
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    assert!((s.mean.unwrap_or(0.0) - mean).abs() <= mean * 1e-12);
    assert_eq!(s.constant, None);
    // 1000 real values: ranks 0 and 999, i.e. min and max of the real values.
    let (lo, hi) = d.robust_range.unwrap_or((0.0, 0.0));
    assert_eq!(lo, 10.0);
    assert_eq!(hi, f64::from(10.0f32 + 999.0 * 0.01));
    let h = &d.histogram;
    assert_eq!((h.lo, h.hi), (lo, hi));
    assert_eq!(h.bins.len(), DEFAULT_BINS);
    assert_eq!(h.bins.iter().sum::<u64>(), 1000);
    assert_eq!((h.underflow, h.overflow), (0, 0));
    assert_eq!((h.sentinel, h.nan, h.pos_inf, h.neg_inf), (8, 3, 1, 1));
    assert_eq!(h.total(), 1013);
}

#[test]
fn blocks_of_only_background_or_infinities_keep_exact_extremes_and_counts() {
    // Several first-pass blocks: one of sentinels only (its minimum is a sentinel), one of
    // ±Inf and NaN only, one mixing everything; compared with a straightforward count.
    let mut v: Vec<f32> = (0..3000).map(|i| 2e9 + i as f32 * 1e6).collect();
    v.extend((0..3000).map(|i| match i % 3 {
        0 => f32::INFINITY,
        1 => f32::NEG_INFINITY,
        _ => f32::NAN,
    }));
    v.extend((0..3000).map(|i| match i % 5 {
        0 => -0.0,
        1 => 1e10,
        2 => f32::NEG_INFINITY,
        _ => -3.0 + i as f32 * 0.5,
    }));
    let (s, d) = both(&Samples::F32(v.clone()));
    let finite: Vec<f64> = v
        .iter()
        .filter(|x| x.is_finite())
        .map(|&x| f64::from(x))
        .collect();
    let real: Vec<f64> = finite.iter().copied().filter(|&x| x < 1e9).collect();
    assert_eq!(s.finite, finite.len());
    assert_eq!(s.real(), real.len());
    assert_eq!(s.pos_inf, v.iter().filter(|&&x| x == f32::INFINITY).count());
    assert_eq!(
        s.neg_inf,
        v.iter().filter(|&&x| x == f32::NEG_INFINITY).count()
    );
    assert_eq!(s.nan, v.iter().filter(|x| x.is_nan()).count());
    assert_eq!(s.min, finite.iter().copied().reduce(f64::min));
    assert_eq!(s.max, finite.iter().copied().reduce(f64::max));
    assert_eq!(d.robust_range, Some(sorted_percentiles(real)));
    let (only_background, background_distribution) =
        both(&Samples::F32(v.get(..3000).unwrap_or_default().to_vec()));
    assert_eq!(only_background.min, Some(2e9));
    assert_eq!(background_distribution.robust_range, None);
    assert_eq!(background_distribution.histogram.sentinel, 3000);
}

#[test]
fn robust_range_is_the_exact_percentile_of_float_data() {
    // Long-tailed data with negatives, duplicates, outliers and sentinels.
    let v: Vec<f32> = lcg(7)
        .take(300_001)
        .enumerate()
        .map(|(i, r)| match i % 5000 {
            0 => 1e10,
            1 => -5e6,
            2 => 3e7,
            3 => 0.0,
            4 => -0.0,
            _ => ((r * 8.0).exp() - 50.0) as f32,
        })
        .collect();
    let (s, d) = both(&Samples::F32(v.clone()));
    let real: Vec<f64> = v
        .iter()
        .map(|&x| f64::from(x))
        .filter(|x| x.is_finite() && *x < SENTINEL_THRESHOLD)
        .collect();
    assert_eq!(s.real(), real.len());
    let expected = sorted_percentiles(real.clone());
    assert_eq!(d.robust_range, Some(expected));
    assert!(expected.0 > -5e6 && expected.1 < 3e7, "outliers excluded");
    // The histogram over the range agrees with a direct count.
    let (lo, hi) = expected;
    let under = real.iter().filter(|&&x| x < lo).count() as u64;
    let over = real.iter().filter(|&&x| x > hi).count() as u64;
    assert_eq!((d.histogram.underflow, d.histogram.overflow), (under, over));
    assert_eq!(d.histogram.sentinel, 61);
}

#[test]
fn half_channels_give_the_same_statistics_as_their_float_widening() {
    let mut halves: Vec<f16> = lcg(3)
        .take(200_000)
        .map(|r| f16::from_f64(r * 3000.0 - 500.0))
        .collect();
    halves.extend([f16::NAN, f16::INFINITY, f16::NEG_INFINITY, f16::MAX]);
    halves.extend(std::iter::repeat_n(f16::from_f32(7.0), 5000));
    let floats: Vec<f32> = halves.iter().map(|h| h.to_f32()).collect();
    let (h, hd) = both(&Samples::F16(halves.clone()));
    let (f, fd) = both(&Samples::F32(floats.clone()));
    assert_eq!(
        (h.count, h.finite, h.nan, h.pos_inf, h.neg_inf, h.sentinel),
        (f.count, f.finite, f.nan, f.pos_inf, f.neg_inf, f.sentinel)
    );
    assert_eq!((h.min, h.max), (f.min, f.max));
    assert_eq!(h.max, Some(65504.0));
    assert_eq!(hd.robust_range, fd.robust_range);
    assert_eq!(hd.histogram, fd.histogram);
    // Re-binning the half buffer directly gives the same histogram as the counting path.
    let (lo, hi) = hd.robust_range.unwrap_or((0.0, 0.0));
    assert_eq!(
        histogram(&Samples::F16(halves), lo, hi, DEFAULT_BINS),
        hd.histogram
    );
    let (hm, fm) = (h.mean.unwrap_or(f64::NAN), f.mean.unwrap_or(f64::NAN));
    assert!((hm - fm).abs() < 1e-9 * fm.abs(), "{hm} vs {fm}");
    let real: Vec<f64> = floats
        .iter()
        .filter(|x| x.is_finite())
        .map(|&x| f64::from(x))
        .collect();
    assert_eq!(hd.robust_range, Some(sorted_percentiles(real)));
}

#[test]
fn uint_channels_are_all_finite_and_have_no_sentinels() {
    let v: Vec<u32> = lcg(11)
        .take(100_000)
        .map(|r| (r * 4e9) as u32)
        .chain([u32::MAX, 0])
        .collect();
    let (s, d) = both(&Samples::U32(v.clone()));
    assert_eq!((s.finite, s.nan, s.pos_inf, s.neg_inf), (100_002, 0, 0, 0));
    assert_eq!(s.sentinel, 0, "large IDs are data, not background");
    assert_eq!(s.min, Some(0.0));
    assert_eq!(s.max, Some(f64::from(u32::MAX)));
    let real: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
    assert_eq!(d.robust_range, Some(sorted_percentiles(real)));
    assert_eq!(
        d.histogram.bins.iter().sum::<u64>() + d.histogram.underflow + d.histogram.overflow,
        100_002
    );
}

#[test]
fn a_constant_buffer_puts_every_sample_in_one_bin() {
    for samples in [
        Samples::F32(vec![1.0; 76_800]),
        Samples::F16(vec![f16::ONE; 76_800]),
        Samples::U32(vec![1; 76_800]),
    ] {
        let (s, d) = both(&samples);
        assert_eq!(s.constant, Some(1.0), "{:?}", samples.sample_type());
        assert_eq!(d.robust_range, Some((1.0, 1.0)));
        assert_eq!((s.min, s.max, s.mean), (Some(1.0), Some(1.0), Some(1.0)));
        let populated: Vec<_> = d.histogram.bins.iter().filter(|&&c| c > 0).collect();
        assert_eq!(populated, vec![&76_800u64]);
        assert_eq!(d.histogram.total(), 76_800);
    }
}

#[test]
fn an_all_nan_buffer_is_constant_nan_without_range() {
    for samples in [
        Samples::F32(vec![f32::NAN; 100]),
        Samples::F16(vec![f16::NAN; 100]),
    ] {
        let (s, d) = both(&samples);
        assert!(s.constant.is_some_and(f64::is_nan));
        assert_eq!((s.finite, s.nan), (0, 100));
        assert_eq!(
            (s.min, s.max, s.mean, d.robust_range),
            (None, None, None, None)
        );
        assert_eq!(d.histogram.nan, 100);
        assert_eq!(d.histogram.total(), 100);
    }
}

#[test]
fn almost_constant_data_falls_back_to_min_and_max() {
    let mut v = vec![2.0f32; 10_000];
    v[1234] = 5.0;
    let (s, d) = both(&Samples::F32(v));
    assert_eq!(s.constant, None);
    assert_eq!(d.robust_range, Some((2.0, 5.0)));
    assert_eq!(d.histogram.bins.first(), Some(&9_999));
    assert_eq!(d.histogram.bins.last(), Some(&1));
    // Background only: a range of nothing.
    let (s, d) = both(&Samples::F32(vec![1e10, 1e10, f32::INFINITY]));
    assert_eq!((s.sentinel, s.pos_inf, d.robust_range), (2, 1, None));
    assert_eq!(s.constant, None);
    assert_eq!(d.histogram.total(), 3);
}

/// The summary of a channel merged from pieces cut anywhere (empty pieces included) is its
/// summary in one piece: counts, extremes, the constant flag and the mean (an exact sum,
/// rounded once), all exactly.
#[test]
fn summaries_of_pieces_merge_into_the_channel_summary() {
    let floats: Vec<f32> = lcg(7)
        .take(300)
        .enumerate()
        .map(|(i, x)| match i % 11 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => 1e10,
            3 => -0.0,
            _ => x as f32 * 40.0 - 20.0,
        })
        .collect();
    let channels = [
        Samples::F32(floats.clone()),
        Samples::F32(vec![2.5; 300]),
        Samples::F32(vec![f32::NAN; 300]),
        // Constant within every piece cut at a multiple of 100, different across them.
        Samples::F32((0..300).map(|i| (i / 100) as f32).collect()),
        Samples::F16(floats.iter().map(|&v| f16::from_f32(v)).collect()),
        Samples::F16(vec![f16::from_f32(-3.0); 300]),
        Samples::U32((0..300).map(|i| i * 7919).collect()),
        Samples::U32(vec![9; 300]),
    ];
    let mut counter = HalfCounter::default();
    for samples in &channels {
        let whole = channel_stats(samples);
        for cuts in [
            vec![],
            vec![0],
            vec![100, 200],
            vec![1, 2, 299],
            vec![150, 150, 300],
        ] {
            let mut bounds = vec![0];
            bounds.extend(&cuts);
            bounds.push(samples.len());
            let merged = bounds
                .windows(2)
                .map(|w| match samples {
                    Samples::F32(v) => RowsSummary::of_f32(&v[w[0]..w[1]]),
                    Samples::U32(v) => RowsSummary::of_u32(&v[w[0]..w[1]]),
                    Samples::F16(v) => RowsSummary::of_f16(&v[w[0]..w[1]], &mut counter),
                })
                .fold(RowsSummary::EMPTY, RowsSummary::merge)
                .finish_as(samples.sample_type());
            let what = format!("{:?} cut at {cuts:?}", samples.sample_type());
            assert_eq!(
                merged.constant.map(f64::to_bits),
                whole.constant.map(f64::to_bits),
                "{what}"
            );
            // The sums are exact: the mean does not depend on where the pieces were cut.
            assert_eq!(
                merged.mean.map(f64::to_bits),
                whole.mean.map(f64::to_bits),
                "{what}: mean"
            );
            let rest = |s: ChannelStats| ChannelStats {
                mean: None,
                constant: None,
                ..s
            };
            assert_eq!(rest(merged), rest(whole.clone()), "{what}");
        }
    }
    // The counter is left zeroed for the next rows.
    assert!(counter.counts.iter().all(|&n| n == 0));
}

#[test]
fn empty_buffers_give_nones() {
    for samples in [
        Samples::F32(vec![]),
        Samples::F16(vec![]),
        Samples::U32(vec![]),
    ] {
        let (s, d) = both(&samples);
        assert_eq!(s.count, 0);
        assert_eq!((s.min, s.max, s.mean), (None, None, None));
        assert_eq!((s.constant, d.robust_range), (None, None));
        assert_eq!(d.histogram.total(), 0);
        assert_eq!(histogram(&samples, 0.0, 1.0, 8).total(), 0);
    }
}

#[test]
fn many_bins_count_like_few_bins() {
    // 8 bins count into interleaved copies of each counter, 8192 bins into one copy.
    let v = Samples::F32(lcg(5).take(50_000).map(|r| r as f32).collect());
    let fine = histogram(&v, 0.0, 1.0, 8192);
    let coarse = histogram(&v, 0.0, 1.0, 8);
    assert_eq!(coarse.bins.iter().sum::<u64>(), 50_000);
    let regrouped: Vec<u64> = fine.bins.chunks(1024).map(|c| c.iter().sum()).collect();
    assert_eq!(regrouped, coarse.bins);
}

#[test]
fn histogram_rebins_over_a_manual_range() {
    let v = Samples::F32(vec![
        -1.0,
        0.0,
        0.24,
        0.25,
        0.5,
        0.99,
        1.0,
        1.5,
        1e10,
        f32::NAN,
    ]);
    let h = histogram(&v, 0.0, 1.0, 4);
    assert_eq!(h.bins, vec![2, 1, 1, 2], "the last bin includes hi");
    assert_eq!((h.underflow, h.overflow, h.sentinel, h.nan), (1, 1, 1, 1));
    assert_eq!(h.bin_range(1), (0.25, 0.5));
    // Reversed and degenerate arguments never panic and keep every sample.
    let h = histogram(&v, 1.0, 0.0, 0);
    assert_eq!((h.lo, h.hi, h.bins.len()), (0.0, 1.0, 1));
    assert_eq!(h.bins, vec![6]);
    assert_eq!(histogram(&v, 0.0, 1.0, usize::MAX).bins.len(), MAX_BINS);
    let h = histogram(&v, f64::NEG_INFINITY, f64::INFINITY, 3);
    assert_eq!(h.bins.iter().sum::<u64>(), 8);
    let h = histogram(&v, f64::NAN, 0.5, 3);
    assert_eq!((h.lo, h.hi), (0.5, 0.5));
    assert_eq!(h.bins, vec![0, 1, 0]);
    assert_eq!(h.total(), 10);
}
