//! Times the `exr` crate's PIZ decompression against ours on every compressed block of a file,
//! on one thread, and checks that both give the same bytes.
//!
//! `cargo run --release -p exrprobe-core --example piz_bench -- [file.exr] [rounds]`
//! (default: the 4K PIZ bench file, 3 rounds; the best round of each is reported).

use std::io::Cursor;
use std::time::{Duration, Instant};

/// CPU time of this thread (from `/proc/thread-self/schedstat`, in ns) where available, else
/// wall time: the machine this runs on is shared, and wall time counts the other processes' turns.
struct CpuClock {
    cpu_ns: Option<u64>,
    wall: Instant,
}

impl CpuClock {
    fn cpu_ns() -> Option<u64> {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }
    fn now() -> Self {
        Self {
            cpu_ns: Self::cpu_ns(),
            wall: Instant::now(),
        }
    }
    fn elapsed(&self) -> Duration {
        match (self.cpu_ns, Self::cpu_ns()) {
            (Some(start), Some(end)) => Duration::from_nanos(end.saturating_sub(start)),
            _ => self.wall.elapsed(),
        }
    }
}

use exr::block::chunk::{Chunk, CompressedBlock};
use exr::compression::Compression;
use exr::meta::MetaData;
use exr::meta::attribute::IntegerBounds;

struct Block {
    part: usize,
    bounds: IntegerBounds,
    compressed: Vec<u8>,
    expected_bytes: usize,
}

fn read_blocks(bytes: &[u8]) -> Result<(MetaData, Vec<Block>), String> {
    let mut cursor = Cursor::new(bytes);
    let meta = MetaData::read_from_buffered(&mut cursor, false).map_err(|e| e.to_string())?;
    let mut at = cursor.position() as usize;
    let mut blocks = Vec::new();
    for header in &meta.headers {
        for _ in 0..header.chunk_count {
            let entry: [u8; 8] = bytes
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .ok_or("offset table ends early")?;
            at += 8;
            let offset = u64::from_le_bytes(entry) as usize;
            let mut rest = bytes.get(offset..).ok_or("offset past the end")?;
            let chunk = Chunk::read(&mut rest, &meta).map_err(|e| e.to_string())?;
            let header = meta
                .headers
                .get(chunk.layer_index)
                .ok_or("bad part index")?;
            let bounds = header
                .get_block_data_indices(&chunk.compressed_block)
                .and_then(|tile| header.get_absolute_block_pixel_coordinates(tile))
                .map_err(|e| e.to_string())?;
            let compressed = match chunk.compressed_block {
                CompressedBlock::ScanLine(block) => block.compressed_pixels_le,
                CompressedBlock::Tile(block) => block.compressed_pixels_le,
                _ => return Err("deep data".into()),
            };
            let expected_bytes = bounds.size.area() * header.channels.bytes_per_pixel;
            if header.compression == Compression::PIZ && compressed.len() != expected_bytes {
                blocks.push(Block {
                    part: chunk.layer_index,
                    bounds,
                    compressed,
                    expected_bytes,
                });
            }
        }
    }
    Ok((meta, blocks))
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "/work/target/bench/bench_4k_piz_f16.exr".into());
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    let bytes = std::fs::read(&path).map_err(|e| format!("{e}: {path}"))?;
    let (meta, blocks) = read_blocks(&bytes)?;
    let decoded_bytes: usize = blocks.iter().map(|b| b.expected_bytes).sum();
    let compressed_bytes: usize = blocks.iter().map(|b| b.compressed.len()).sum();
    println!(
        "{path}: {} compressed PIZ blocks, {:.1} MB compressed, {:.1} MB decoded",
        blocks.len(),
        compressed_bytes as f64 / 1e6,
        decoded_bytes as f64 / 1e6
    );

    let header = |block: &Block| &meta.headers[block.part];
    // `PIZ_BENCH_ONLY=ours` skips exr (to profile our decoder alone).
    let only_ours = std::env::var("PIZ_BENCH_ONLY").is_ok_and(|v| v == "ours");
    let mut best_exr = Duration::MAX;
    let mut best_ours = Duration::MAX;
    for round in 0..rounds {
        let start = CpuClock::now();
        let mut checksum_exr = 0u64;
        for block in blocks.iter().filter(|_| !only_ours) {
            let data = Compression::PIZ
                .decompress_image_section_from_le(
                    header(block),
                    block.compressed.clone(),
                    block.bounds,
                    false,
                )
                .map_err(|e| e.to_string())?;
            checksum_exr = checksum_exr.wrapping_add(fnv(&data));
        }
        best_exr = best_exr.min(start.elapsed());

        let start = CpuClock::now();
        let mut checksum_ours = 0u64;
        for block in &blocks {
            let data = exrprobe_core::piz_decompress(
                &block.compressed,
                &header(block).channels,
                block.bounds,
                block.expected_bytes,
            )
            .map_err(|error| error.to_string())?;
            checksum_ours = checksum_ours.wrapping_add(fnv(&data));
        }
        best_ours = best_ours.min(start.elapsed());
        if checksum_exr != checksum_ours && !only_ours {
            return Err(format!("round {round}: the decoded bytes differ"));
        }
    }
    let rate = |time: Duration| decoded_bytes as f64 / 1e6 / time.as_secs_f64();
    println!("CPU time of the best of {rounds} rounds (one thread):");
    println!(
        "exr:  {:8.1} ms  {:7.1} MB/s",
        best_exr.as_secs_f64() * 1e3,
        rate(best_exr)
    );
    println!(
        "ours: {:8.1} ms  {:7.1} MB/s  ({:.2}x, same bytes)",
        best_ours.as_secs_f64() * 1e3,
        rate(best_ours),
        best_exr.as_secs_f64() / best_ours.as_secs_f64()
    );
    Ok(())
}

/// A cheap order-dependent checksum (FNV-1a over 8-byte words).
fn fnv(data: &[u8]) -> u64 {
    let (words, rest) = data.as_chunks::<8>();
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for word in words {
        hash = (hash ^ u64::from_le_bytes(*word)).wrapping_mul(0x0100_0000_01b3);
    }
    for &byte in rest {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
