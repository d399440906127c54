//! The metrics against a naive reference on synthetic images: NaN, ±Inf, background, half
//! against float, different data windows, repeated names, identical images.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use super::*;
use crate::model::{Channel, Part};

fn channel(name: &str, samples: Samples, window: &Window) -> Channel {
    Channel::for_test(name, samples, window.width, window.height)
}

fn image(window: Window, channels: Vec<Channel>) -> Image {
    Image {
        source: "test".into(),
        parts: vec![Part::for_test(None, window, channels)],
    }
}

fn window(x: i32, y: i32, width: usize, height: usize) -> Window {
    Window {
        x,
        y,
        width,
        height,
    }
}

/// A deterministic pseudo-random value in [0, 1).
fn noise(i: usize) -> f32 {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    (x % 10_000) as f32 / 10_000.0
}

/// Naive metrics: one sequential loop in f64 (plain sums), by absolute coordinates.
fn reference(a: (&Window, &[f64], &[u32]), b: (&Window, &[f64], &[u32])) -> DiffMetrics {
    let inter = intersection(a.0, b.0).unwrap();
    let at = |w: &Window, x: i64, y: i64| {
        ((y - i64::from(w.y)) as usize) * w.width + (x - i64::from(w.x)) as usize
    };
    let mut m = DiffMetrics::default();
    let (mut abs, mut sq, mut rel) = (0.0, 0.0, 0.0);
    for y in inter.y as i64..inter.y as i64 + inter.height as i64 {
        for x in inter.x as i64..inter.x as i64 + inter.width as i64 {
            let (ia, ib) = (at(a.0, x, y), at(b.0, x, y));
            let (va, vb) = (a.1[ia], b.1[ib]);
            m.pixels += 1;
            if a.2[ia] != b.2[ib] {
                m.differing += 1;
            }
            let ok = |v: f64| v.is_finite() && v < 1e9;
            if ok(va) != ok(vb) {
                m.mismatch_nonfinite += 1;
            }
            if !(ok(va) && ok(vb)) {
                continue;
            }
            m.valid += 1;
            let d = (va - vb).abs();
            if d > m.max_abs {
                m.max_abs = d;
                m.max_abs_at = Some((x, y));
            }
            abs += d;
            sq += d * d;
            let r = d / vb.abs().max(1e-6);
            rel += r;
            m.max_rel = m.max_rel.max(r);
        }
    }
    let n = m.valid as f64;
    if m.valid > 0 {
        m.mean_abs = Some(abs / n);
        m.rmse = Some((sq / n).sqrt());
        m.mean_rel = Some(rel / n);
        m.psnr = (sq > 0.0).then(|| -10.0 * (sq / n).log10());
    }
    m
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300),
        (a, b) => a == b,
    }
}

fn assert_matches(got: &DiffMetrics, want: &DiffMetrics) {
    assert_eq!(
        (got.pixels, got.valid, got.differing, got.mismatch_nonfinite),
        (
            want.pixels,
            want.valid,
            want.differing,
            want.mismatch_nonfinite
        )
    );
    assert_eq!(got.max_abs, want.max_abs);
    assert_eq!(got.max_abs_at, want.max_abs_at);
    assert_eq!(got.max_rel, want.max_rel);
    assert!(close(got.mean_abs, want.mean_abs), "{got:?} {want:?}");
    assert!(close(got.rmse, want.rmse), "{got:?} {want:?}");
    assert!(close(got.mean_rel, want.mean_rel), "{got:?} {want:?}");
}

fn hostile_f32(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| match (i * 7 + seed) % 23 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => f32::NEG_INFINITY,
            3 => 1e10,
            4 => 0.0,
            _ => noise(i + seed) * 100.0 - 20.0,
        })
        .collect()
}

#[test]
fn float_channels_in_different_windows_match_the_naive_reference() {
    let (wa, wb) = (window(0, 0, 70, 40), window(-5, 3, 60, 50));
    let va = hostile_f32(wa.pixel_count(), 0);
    let vb = hostile_f32(wb.pixel_count(), 5);
    let a = image(wa, vec![channel("Z", Samples::F32(va.clone()), &wa)]);
    let b = image(wb, vec![channel("Z", Samples::F32(vb.clone()), &wb)]);
    let c = compare_images(&a, &b, &[]).unwrap();
    assert_eq!(c.window, Some(window(0, 3, 55, 37)));
    assert!(c.windows_differ());
    let wide = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let want = reference((&wa, &wide(&va), &bits(&va)), (&wb, &wide(&vb), &bits(&vb)));
    assert!(want.valid > 100 && want.mismatch_nonfinite > 10);
    assert_matches(&c.channels[0].metrics, &want);
    // Depth gets no PSNR.
    assert_eq!(c.channels[0].metrics.psnr, None);
    assert!(c.channels[0].is_depth);
}

#[test]
fn half_against_float_shows_the_rounding_and_values_not_bits() {
    let w = window(0, 0, 64, 32);
    let floats: Vec<f32> = (0..w.pixel_count()).map(|i| noise(i) * 3.0).collect();
    let halves: Vec<f16> = floats.iter().map(|&v| f16::from_f32(v)).collect();
    let a = image(w, vec![channel("R", Samples::F16(halves.clone()), &w)]);
    let b = image(w, vec![channel("R", Samples::F32(floats.clone()), &w)]);
    let c = compare_images(&a, &b, &[]).unwrap();
    let m = &c.channels[0].metrics;
    let wide_a: Vec<f64> = halves.iter().map(|h| h.to_f64()).collect();
    let wide_b: Vec<f64> = floats.iter().map(|&v| f64::from(v)).collect();
    // Bits of different types: compare values (the reference uses the f64 bits).
    let bits_a: Vec<u32> = wide_a.iter().map(|&v| (v as f32).to_bits()).collect();
    let bits_b: Vec<u32> = wide_b.iter().map(|&v| (v as f32).to_bits()).collect();
    let want = reference((&w, &wide_a, &bits_a), (&w, &wide_b, &bits_b));
    assert_matches(m, &want);
    assert!(m.max_abs > 0.0 && m.max_abs <= 3.0 * 2f64.powi(-11));
    // R alone is no colour layer: no PSNR either.
    assert!(!c.channels[0].is_color);
}

#[test]
fn identical_images_give_zeros_and_the_identical_verdict() {
    let w = window(2, 2, 30, 20);
    let values = hostile_f32(w.pixel_count(), 3);
    let make = || {
        image(
            w,
            vec![
                channel("R", Samples::F32(values.clone()), &w),
                channel("G", Samples::F32(values.clone()), &w),
                channel("B", Samples::F32(values.clone()), &w),
                channel("id", Samples::U32((0..600).collect()), &w),
            ],
        )
    };
    let c = compare_images(&make(), &make(), &[]).unwrap();
    assert_eq!(c.channels.len(), 4);
    for diff in &c.channels {
        let m = &diff.metrics;
        assert_eq!((m.differing, m.mismatch_nonfinite, m.max_abs), (0, 0, 0.0));
        assert_eq!(m.max_abs_at, None);
        assert_eq!(m.mean_abs, Some(0.0));
        assert_eq!(m.psnr, None, "identical: infinite PSNR, not reported");
    }
    // Colour first in R G B order (no depth here), then the rest by name.
    let names: Vec<&str> = c.channels.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["R", "G", "B", "id"]);
    assert_eq!(c.verdict(&Tolerance::default()), Verdict::Identical);
}

#[test]
fn psnr_tolerances_and_verdicts() {
    let w = window(0, 0, 10, 10);
    let ones = vec![0.5f32; 100];
    let mut off = ones.clone();
    off[37] = 0.6; // one pixel 0.1 off: mse = 0.01 / 100
    let rgb = |v: &Vec<f32>| {
        image(
            w,
            vec![
                channel("R", Samples::F32(v.clone()), &w),
                channel("G", Samples::F32(ones.clone()), &w),
                channel("B", Samples::F32(ones.clone()), &w),
            ],
        )
    };
    let c = compare_images(&rgb(&off), &rgb(&ones), &[]).unwrap();
    let r = c.channels.iter().find(|d| d.name == "R").unwrap();
    assert!(r.is_color);
    let psnr = r.metrics.psnr.unwrap();
    let want = -10.0 * ((0.6f32 as f64 - 0.5).powi(2) / 100.0).log10();
    assert!((psnr - want).abs() < 1e-9, "{psnr} {want}");
    assert_eq!(r.metrics.max_abs_at, Some((7, 3)));
    assert_eq!(
        c.verdict(&Tolerance::default()),
        Verdict::Different(vec!["R".into()])
    );
    let loose = Tolerance {
        max_abs: Some(0.2),
        max_rel: None,
    };
    assert_eq!(c.verdict(&loose), Verdict::WithinTolerance);
    let tight_rel = Tolerance {
        max_abs: Some(0.2),
        max_rel: Some(0.1),
    };
    assert_eq!(c.verdict(&tight_rel), Verdict::Different(vec!["R".into()]));
}

#[test]
fn nan_on_one_side_fails_any_tolerance() {
    let w = window(0, 0, 4, 1);
    let a = image(
        w,
        vec![channel(
            "Z",
            Samples::F32(vec![1.0, 2.0, f32::NAN, 4.0]),
            &w,
        )],
    );
    let b = image(
        w,
        vec![channel("Z", Samples::F32(vec![1.0, 2.0, 3.0, 4.0]), &w)],
    );
    let c = compare_images(&a, &b, &[]).unwrap();
    let m = &c.channels[0].metrics;
    assert_eq!((m.valid, m.differing, m.mismatch_nonfinite), (3, 1, 1));
    let huge = Tolerance {
        max_abs: Some(1e30),
        max_rel: None,
    };
    assert!(!c.channels[0].within(&huge));
}

#[test]
fn channels_only_in_one_file_repeated_names_and_unknown_requests() {
    let w = window(0, 0, 2, 1);
    let a = image(
        w,
        vec![
            channel("Z", Samples::F32(vec![1.0, 2.0]), &w),
            channel("Z", Samples::F32(vec![5.0, 6.0]), &w),
            channel("A", Samples::F32(vec![0.0, 0.0]), &w),
        ],
    );
    let b = image(
        w,
        vec![
            channel("Z", Samples::F32(vec![1.0, 2.0]), &w),
            channel("Z", Samples::F32(vec![5.0, 7.0]), &w),
            channel("C", Samples::F32(vec![0.0, 0.0]), &w),
        ],
    );
    let c = compare_images(&a, &b, &[]).unwrap();
    let names: Vec<&str> = c.channels.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["Z", "Z#2"]);
    assert_eq!(c.channels[1].metrics.differing, 1);
    assert_eq!(
        (c.only_in_a.clone(), c.only_in_b.clone()),
        (vec!["A".to_owned()], vec!["C".to_owned()])
    );
    let only = compare_images(&a, &b, &["Z#2".to_owned()]).unwrap();
    assert_eq!(only.channels.len(), 1);
    let unknown = compare_images(&a, &b, &["A".to_owned()]).unwrap_err();
    assert!(unknown.to_string().contains("shared: Z, Z#2"), "{unknown}");
    let c_only = image(w, vec![channel("C", Samples::F32(vec![0.0, 0.0]), &w)]);
    let none = compare_images(&a, &c_only, &[]).unwrap_err();
    assert!(
        matches!(none, CompareError::NoSharedChannel { .. }),
        "{none}"
    );
}

#[test]
fn disjoint_windows_compare_no_pixel() {
    let (wa, wb) = (window(0, 0, 4, 4), window(10, 10, 4, 4));
    let a = image(wa, vec![channel("Y", Samples::F32(vec![1.0; 16]), &wa)]);
    let b = image(wb, vec![channel("Y", Samples::F32(vec![2.0; 16]), &wb)]);
    let c = compare_images(&a, &b, &[]).unwrap();
    assert_eq!(c.window, None);
    assert_eq!(c.channels[0].metrics.pixels, 0);
}
