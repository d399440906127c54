//! Rough throughput check of `channel_stats` on a 3840×2160 image with 33 channels (run with
//! optimisations: `cargo run --release -p exrprobe-core --example stats_bench`).
//!
//! Wall-clock times are only meaningful on an otherwise idle machine. To measure CPU time of one
//! float channel instead, loop it N times under `perf stat -e task-clock`:
//! `STATS_BENCH_PROFILE=20 RAYON_NUM_THREADS=1 perf stat -e task-clock <binary>` (and
//! `STATS_BENCH_PROFILE=0` for the set-up cost); add `STATS_BENCH_HISTOGRAM=1` to time only the
//! `histogram()` pass.

use std::time::Instant;

use exrprobe_core::f16;
use exrprobe_core::model::Samples;
use exrprobe_core::stats::{channel_stats, histogram};
use rayon::prelude::*;

fn main() {
    let (width, height) = (3840usize, 2160usize);
    let n = width * height;
    let float_channel = |seed: u32| {
        Samples::F32(
            (0..n)
                .map(|i| {
                    let x = (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed);
                    if x.is_multiple_of(17) {
                        1e10
                    } else {
                        (x % 100_000) as f32 * 0.013 + 7.2
                    }
                })
                .collect(),
        )
    };
    let half_channel = |seed: u32| {
        Samples::F16(
            (0..n)
                .map(|i| {
                    let x = (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed);
                    f16::from_f32((x % 4096) as f32 / 1024.0)
                })
                .collect(),
        )
    };
    let one = float_channel(1);
    if let Some(iterations) = std::env::var("STATS_BENCH_PROFILE")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        // A clean loop to profile (e.g. under `perf stat` / `perf record`).
        let histogram_only = std::env::var_os("STATS_BENCH_HISTOGRAM").is_some();
        for _ in 0..iterations {
            if histogram_only {
                std::hint::black_box(histogram(&one, 7.0, 1000.0, 256));
            } else {
                std::hint::black_box(channel_stats(&one));
            }
        }
        return;
    }
    let best = |f: &dyn Fn()| {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    if let Samples::F32(v) = &one {
        println!(
            "baseline sequential f64 sum of one float channel: {:.4} s",
            best(&|| {
                std::hint::black_box(v.iter().map(|&x| f64::from(x)).sum::<f64>());
            })
        );
    }
    println!(
        "one float channel: stats {:.4} s, histogram pass {:.4} s (best of 5)",
        best(&|| {
            channel_stats(&one);
        }),
        best(&|| {
            histogram(&one, 7.0, 1000.0, 256);
        })
    );
    for (label, channels) in [
        ("33 float", (0..33).map(float_channel).collect::<Vec<_>>()),
        ("33 half", (0..33).map(half_channel).collect::<Vec<_>>()),
    ] {
        let start = Instant::now();
        let stats: Vec<_> = channels.par_iter().map(channel_stats).collect();
        let duration_secs = start.elapsed().as_secs_f64();
        let sentinels: usize = stats.iter().map(|s| s.sentinel).sum();
        println!(
            "{label} channels of {width}×{height}: {duration_secs:.3} s ({sentinels} sentinels)"
        );
    }
}
