//! Throughput of the statistics on a 3840×2160 image with 33 channels (run with optimisations:
//! `cargo run --release -p exrprobe-core --example stats_bench`). Prints the summary
//! (`channel_stats`, every channel) and the distribution (`distribution`, shown channels only)
//! separately, in ns per sample.
//!
//! Wall-clock times are only meaningful on an otherwise idle machine; `RAYON_NUM_THREADS=1`
//! gives per-sample CPU cost. To measure CPU time of one float channel instead, loop it N times
//! under `perf stat -e task-clock`:
//! `STATS_BENCH_PROFILE=20 RAYON_NUM_THREADS=1 perf stat -e task-clock <binary>` (and
//! `STATS_BENCH_PROFILE=0` for the set-up cost); `STATS_BENCH_PASS=summary|distribution|histogram`
//! chooses the pass (default: summary), `smooth` the distribution of a smooth channel.

use std::time::Instant;

use exrprobe_core::f16;
use exrprobe_core::model::Samples;
use exrprobe_core::stats::{channel_stats, distribution, histogram};
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
    // A smooth render-like depth channel: neighbouring samples are close (they share histogram
    // bins, the worst case for scatter loops), with a background region of 1e10.
    let smooth_channel = || {
        Samples::F32(
            (0..n)
                .map(|i| {
                    let (x, y) = ((i % width) as f32, (i / width) as f32);
                    if x * x + y * y < 600_000.0 {
                        1e10
                    } else {
                        7.2 + 0.004 * x + 0.002 * y + (x * 0.01).sin()
                    }
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
        let pass = std::env::var("STATS_BENCH_PASS").unwrap_or_default();
        let smooth = if pass == "smooth" {
            smooth_channel()
        } else {
            Samples::F32(Vec::new())
        };
        for _ in 0..iterations {
            match pass.as_str() {
                "histogram" => {
                    std::hint::black_box(histogram(&one, 7.0, 1000.0, 256));
                }
                "distribution" => {
                    std::hint::black_box(distribution(&one));
                }
                "smooth" => {
                    std::hint::black_box(distribution(&smooth));
                }
                _ => {
                    std::hint::black_box(channel_stats(&one));
                }
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
    let ns_per_sample = |secs: f64, samples: usize| secs * 1e9 / samples as f64;
    println!(
        "{} rayon threads; times are the best of 5 (wall clock)",
        rayon::current_num_threads()
    );
    if let Samples::F32(v) = &one {
        let secs = best(&|| {
            std::hint::black_box(v.iter().map(|&x| f64::from(x)).sum::<f64>());
        });
        println!(
            "baseline sequential f64 sum of one float channel: {:.4} s ({:.2} ns/sample)",
            secs,
            ns_per_sample(secs, n)
        );
    }
    let half = half_channel(1);
    let smooth = smooth_channel();
    for (label, samples) in [("float", &one), ("smooth float", &smooth), ("half", &half)] {
        let summary = best(&|| {
            std::hint::black_box(channel_stats(samples));
        });
        let dist = best(&|| {
            std::hint::black_box(distribution(samples));
        });
        let bins = best(&|| {
            std::hint::black_box(histogram(samples, 7.0, 1000.0, 256));
        });
        println!(
            "one {label} channel: summary {:.4} s ({:.2} ns/sample), distribution {:.4} s \
             ({:.2} ns/sample), histogram pass {:.4} s ({:.2} ns/sample)",
            summary,
            ns_per_sample(summary, n),
            dist,
            ns_per_sample(dist, n),
            bins,
            ns_per_sample(bins, n),
        );
    }
    for (label, channels) in [
        ("33 float", (0..33).map(float_channel).collect::<Vec<_>>()),
        ("33 half", (0..33).map(half_channel).collect::<Vec<_>>()),
    ] {
        let start = Instant::now();
        let stats: Vec<_> = channels.par_iter().map(channel_stats).collect();
        let duration_secs = start.elapsed().as_secs_f64();
        let sentinels: usize = stats.iter().map(|s| s.sentinel).sum();
        println!(
            "{label} channels of {width}×{height}: summaries {duration_secs:.3} s \
             ({:.2} ns/sample; {sentinels} sentinels)",
            ns_per_sample(duration_secs, n * channels.len())
        );
    }
}
