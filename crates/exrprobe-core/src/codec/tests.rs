//! Bit-exact comparison of our block decoding with the `exr` crate's, on the fixtures, on
//! synthetic files (half/float/uint, odd sizes, tiles and scan lines, noise that is stored raw;
//! every compression the `exr` crate writes) and on damaged blocks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::io::Cursor;

use exr::block::UncompressedBlock;
use exr::block::chunk::{Chunk, CompressedBlock};
use exr::compression::Compression;
use exr::meta::MetaData;
use exr::prelude::{
    AnyChannel, AnyChannels, Blocks, Encoding, FlatSamples, Image as ExrImage, Layer,
    LayerAttributes, LineOrder, SmallVec, WritableImage,
};

use super::{BlockError, BlockLayout, LineSink, decode_block};

fn fixture(relative: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{e}: {path}"))
}

/// Every chunk of a file with its metadata (read with the `exr` crate).
fn chunks(bytes: &[u8]) -> (MetaData, Vec<Chunk>) {
    let reader = exr::block::read(Cursor::new(bytes), false).unwrap();
    let meta = reader.meta_data().clone();
    let chunks = reader
        .all_chunks(false)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (meta, chunks)
}

fn compressed_bytes(chunk: &Chunk) -> &Vec<u8> {
    match &chunk.compressed_block {
        CompressedBlock::ScanLine(block) => &block.compressed_pixels_le,
        CompressedBlock::Tile(block) => &block.compressed_pixels_le,
        _ => panic!("deep block"),
    }
}

fn layout_of<'a>(meta: &'a MetaData, chunk: &Chunk) -> BlockLayout<'a> {
    let header = &meta.headers[chunk.layer_index];
    let tile = header
        .get_block_data_indices(&chunk.compressed_block)
        .unwrap();
    BlockLayout {
        channels: &header.channels,
        rectangle: header.get_absolute_block_pixel_coordinates(tile).unwrap(),
    }
}

/// A sink that keeps each channel's rows in the order they came and, when `direct[channel]`,
/// offers that channel's destinations ([`LineSink::channel_words`],
/// [`LineSink::row_destination`]).
struct TestSink<'a> {
    wanted: &'a [bool],
    direct: Vec<bool>,
    rows: Vec<Vec<(usize, Vec<u8>)>>,
    words: Vec<Option<Vec<u16>>>,
}

impl LineSink for TestSink<'_> {
    fn row(&mut self, row: usize, channel: usize, bytes: &[u8]) -> Result<(), BlockError> {
        assert!(
            self.wanted[channel],
            "a row of channel {channel}, which is not wanted"
        );
        self.rows[channel].push((row, bytes.to_vec()));
        Ok(())
    }

    fn channel_words(
        &mut self,
        channel: usize,
        word_count: usize,
    ) -> Result<Option<&mut [u16]>, BlockError> {
        assert!(self.wanted[channel], "channel {channel} is not wanted");
        if !self.direct[channel] {
            return Ok(None);
        }
        assert!(
            self.words[channel].is_none(),
            "channel {channel} asked twice"
        );
        // Not zeros: whatever the decoder does not overwrite shows.
        Ok(Some(self.words[channel].insert(vec![0xdead; word_count])))
    }

    fn row_destination(
        &mut self,
        row: usize,
        channel: usize,
        byte_len: usize,
    ) -> Option<&mut [u8]> {
        assert!(self.wanted[channel], "channel {channel} is not wanted");
        if !self.direct[channel] {
            return None;
        }
        // Kept as the row, in the order asked for; not zeros, so that what the decoder does
        // not overwrite shows.
        let rows = &mut self.rows[channel];
        rows.push((row, vec![0xad; byte_len]));
        rows.last_mut().map(|(_, bytes)| bytes.as_mut_slice())
    }
}

/// Our decoding of a block with the given channels wanted: the bytes of the wanted rows in
/// storage order. Decodes twice: handing every row over, and offering every other wanted
/// channel's destination (which PIZ, ZIP and RLE then write directly); both must give the same
/// bytes, or both fail.
fn ours(meta: &MetaData, chunk: &Chunk, wanted: &[bool]) -> Result<Vec<u8>, BlockError> {
    let by_rows = ours_with(meta, chunk, wanted, &vec![false; wanted.len()]);
    let offered: Vec<bool> = (0..wanted.len()).map(|c| wanted[c] && c % 2 == 0).collect();
    let direct = ours_with(meta, chunk, wanted, &offered);
    match (&by_rows, &direct) {
        (Ok(a), Ok(b)) => assert!(a == b, "written into the destination, the rows differ"),
        (Err(_), Err(_)) => {}
        _ => panic!("only one of the two ways fails: {by_rows:?} vs {direct:?}"),
    }
    by_rows
}

fn ours_with(
    meta: &MetaData,
    chunk: &Chunk,
    wanted: &[bool],
    direct: &[bool],
) -> Result<Vec<u8>, BlockError> {
    let header = &meta.headers[chunk.layer_index];
    let layout = layout_of(meta, chunk);
    let mut sink = TestSink {
        wanted,
        direct: direct.to_vec(),
        rows: vec![Vec::new(); wanted.len()],
        words: vec![None; wanted.len()],
    };
    decode_block(
        header,
        layout,
        compressed_bytes(chunk).clone(),
        wanted,
        &mut sink,
    )?;
    let height = layout.rectangle.size.1;
    // A channel written into its destination: its rows are the destination's words in order.
    for (channel, words) in sink.words.iter().enumerate() {
        if let Some(words) = words {
            assert!(sink.rows[channel].is_empty(), "channel {channel} both ways");
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            let row_bytes = bytes.len().checked_div(height).unwrap_or(0);
            assert_eq!(row_bytes * height, bytes.len(), "channel {channel}'s words");
            sink.rows[channel] = (0..height)
                .map(|row| (row, bytes[row * row_bytes..(row + 1) * row_bytes].to_vec()))
                .collect();
        }
    }
    let rows = sink.rows;
    // Each wanted channel's rows come once each, top to bottom (the channels in any order).
    for (channel, rows) in rows.iter().enumerate() {
        let numbers: Vec<usize> = rows.iter().map(|(row, _)| *row).collect();
        let expected: Vec<usize> = if wanted[channel] {
            (0..height).collect()
        } else {
            Vec::new()
        };
        assert_eq!(numbers, expected, "rows of channel {channel}");
    }
    let mut out = Vec::new();
    for (row, channel, _) in layout.segments() {
        if wanted[channel] {
            out.extend_from_slice(&rows[channel][row].1);
        }
    }
    Ok(out)
}

/// The `exr` crate's decoding of a block, reduced to the wanted channels' rows.
fn reference(meta: &MetaData, chunk: &Chunk, wanted: &[bool]) -> Result<Vec<u8>, String> {
    let layout = layout_of(meta, chunk);
    let block = UncompressedBlock::decompress_chunk(chunk.clone(), meta, false)
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut position = 0;
    for (_, channel, len) in layout.segments() {
        if wanted[channel] {
            out.extend_from_slice(&block.data[position..position + len]);
        }
        position += len;
    }
    assert_eq!(position, block.data.len());
    Ok(out)
}

/// Whether blocks of `compression` that are not stored raw are decoded by our own code.
fn decoded_by_us(compression: Compression) -> bool {
    matches!(
        compression,
        Compression::ZIP1
            | Compression::ZIP16
            | Compression::RLE
            | Compression::PIZ
            | Compression::PXR24
            | Compression::B44
            | Compression::B44A
            | Compression::DWAA(_)
            | Compression::DWAB(_)
    )
}

/// Compares every block of `bytes` with all channels wanted, with every single channel, and
/// with every other channel; returns how many blocks were compared that our own decoders
/// decoded, and how many were stored raw.
fn compare_file(bytes: &[u8], name: &str) -> (usize, usize) {
    let (meta, chunks) = chunks(bytes);
    let (mut own_blocks, mut raw_blocks) = (0, 0);
    for (index, chunk) in chunks.iter().enumerate() {
        let header = &meta.headers[chunk.layer_index];
        let count = header.channels.list.len();
        let mut selections = vec![vec![true; count], (0..count).map(|c| c % 2 == 0).collect()];
        selections.extend((0..count).map(|only| (0..count).map(|c| c == only).collect()));
        for wanted in &selections {
            let expected = reference(&meta, chunk, wanted)
                .unwrap_or_else(|e| panic!("{name}: exr fails on block {index}: {e}"));
            let got = ours(&meta, chunk, wanted)
                .unwrap_or_else(|e| panic!("{name}: we fail on block {index}: {e}"));
            assert!(
                got == expected,
                "{name}: block {index} differs ({wanted:?})"
            );
        }
        let layout = layout_of(&meta, chunk);
        if compressed_bytes(chunk).len() == layout.byte_size().unwrap() {
            raw_blocks += 1;
        } else if decoded_by_us(header.compression) {
            own_blocks += 1;
        }
    }
    (own_blocks, raw_blocks)
}

#[test]
fn fixture_blocks_decode_like_the_exr_crate() {
    let (zip, _) = compare_file(
        &fixture("blender/multilayer_zip_32.exr"),
        "multilayer_zip_32",
    );
    assert!(zip >= 15, "{zip} ZIP blocks");
    let (piz, _) = compare_file(
        &fixture("blender/multilayer_piz_16.exr"),
        "multilayer_piz_16",
    );
    assert!(piz >= 1, "{piz} PIZ blocks");
    // PXR24 as OpenEXR writes it (float, half and mip levels).
    for name in [
        "openexr-images/TestImages/GrayRampsHorizontal.exr",
        "openexr-images/TestImages/WideFloatRange.exr",
        "openexr-images/MultiResolution/ColorCodedLevels.exr",
    ] {
        let (pxr24, _) = compare_file(&fixture(name), name);
        assert!(pxr24 >= 1, "{name}: {pxr24} PXR24 blocks");
    }
    compare_file(
        &fixture("blender/single_zbuf_compositing_off.exr"),
        "single_zbuf",
    );
    compare_file(
        &fixture("openexr-images/Beachball/multipart.0001.exr"),
        "multipart",
    );
}

/// A small deterministic generator (xorshift).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A one-part file of `channels` written by the `exr` crate.
fn write_file(
    size: (usize, usize),
    compression: Compression,
    blocks: Blocks,
    channels: SmallVec<[AnyChannel<FlatSamples>; 4]>,
) -> Vec<u8> {
    let encoding = Encoding {
        compression,
        blocks,
        line_order: LineOrder::Increasing,
    };
    let layer = Layer::new(
        size,
        LayerAttributes::default(),
        encoding,
        AnyChannels::sort(channels),
    );
    let mut bytes = Vec::new();
    ExrImage::from_layer(layer)
        .write()
        .to_buffered(Cursor::new(&mut bytes))
        .unwrap();
    bytes
}

/// A file with three half (one with `pLinear`), a float and a uint channel of `width × height`;
/// smooth values, or noise (which deflate cannot shrink, so its blocks are stored raw).
fn synthetic(
    width: usize,
    height: usize,
    compression: Compression,
    blocks: Blocks,
    noise: bool,
) -> Vec<u8> {
    let mut random = Noise(0x9e37_79b9_7f4a_7c15);
    let count = width * height;
    let mut value = |i: usize| -> u32 {
        if noise {
            random.next() as u32
        } else {
            (i % width + (i / width) * 3) as u32
        }
    };
    let half: Vec<half::f16> = (0..count)
        .map(|i| half::f16::from_bits(value(i) as u16 & 0x7bff))
        .collect();
    let float: Vec<f32> = (0..count)
        .map(|i| {
            if noise {
                f32::from_bits(value(i))
            } else {
                value(i) as f32 * 0.25
            }
        })
        .collect();
    let uint: Vec<u32> = (0..count).map(&mut value).collect();
    // Signed halves in flat 8×8 patches (B44A's 3-byte tiles), one NaN and one -Inf; or any
    // bits at all.
    let signed: Vec<half::f16> = (0..count)
        .map(|i| match i {
            _ if noise => half::f16::from_bits(value(i) as u16),
            7 => half::f16::NAN,
            11 => half::f16::NEG_INFINITY,
            _ => half::f16::from_f32(((i % width / 8 + i / width / 8) as f32 - 5.0) * 0.75),
        })
        .collect();
    // Stored exponentiated by B44 (`pLinear`): positive values over a wide range, zeros and
    // negatives (which decode to -Inf and 0).
    let linear: Vec<half::f16> = (0..count)
        .map(|i| match i % 29 {
            _ if noise => half::f16::from_bits(value(i) as u16),
            0 => half::f16::ZERO,
            1 => half::f16::from_f32(-0.5),
            _ => half::f16::from_f32((((i % width) as f32) * 0.37 - (i / width) as f32).exp2()),
        })
        .collect();
    let channels: SmallVec<[AnyChannel<FlatSamples>; 4]> = SmallVec::from_vec(vec![
        AnyChannel::new("H", FlatSamples::F16(half)),
        AnyChannel::new("S", FlatSamples::F16(signed)),
        AnyChannel {
            quantize_linearly: true,
            ..AnyChannel::new("P", FlatSamples::F16(linear))
        },
        AnyChannel::new("F", FlatSamples::F32(float)),
        AnyChannel::new("U", FlatSamples::U32(uint)),
    ]);
    write_file((width, height), compression, blocks, channels)
}

#[test]
fn synthetic_blocks_decode_like_the_exr_crate() {
    let mut totals = (0, 0);
    let mut per_compression = Vec::new();
    for compression in [
        Compression::ZIP1,
        Compression::ZIP16,
        Compression::RLE,
        Compression::PXR24,
        Compression::B44,
        Compression::B44A,
    ] {
        let mut own = 0;
        for (width, height) in [(1, 1), (37, 23), (64, 40)] {
            for blocks in [
                Blocks::ScanLines,
                Blocks::Tiles(exr::math::Vec2(16, 8)),
                Blocks::Tiles(exr::math::Vec2(7, 5)),
            ] {
                for noise in [false, true] {
                    let name = format!("{compression:?} {width}x{height} {blocks:?} noise {noise}");
                    let bytes = synthetic(width, height, compression, blocks, noise);
                    let (decoded, raw) = compare_file(&bytes, &name);
                    own += decoded;
                    totals.0 += decoded;
                    totals.1 += raw;
                }
            }
        }
        per_compression.push((compression, own));
    }
    // Both paths were taken many times, and every compression was decoded by us.
    assert!(totals.0 > 100 && totals.1 > 100, "{totals:?}");
    assert!(
        per_compression.iter().all(|&(_, own)| own > 20),
        "{per_compression:?}"
    );
}

/// Every half value through the `pLinear` table: B44A blocks of flat 3-byte tiles that hold the
/// 65536 values, decoded by both.
#[test]
fn plinear_b44_tiles_decode_every_value_like_the_exr_crate() {
    let (width, height) = (1024, 1024);
    let channel = |name: &str, quantize_linearly| AnyChannel {
        quantize_linearly,
        ..AnyChannel::new(name, FlatSamples::F16(vec![half::f16::ONE; width * height]))
    };
    let bytes = write_file(
        (width, height),
        Compression::B44A,
        Blocks::ScanLines,
        SmallVec::from_vec(vec![channel("L", true), channel("N", false)]),
    );
    let (meta, mut chunks) = chunks(&bytes);
    assert_eq!(chunks.len(), 32);
    let tiles_per_channel = (width / 4) * (32 / 4);
    let mut next_value = 0u32;
    for chunk in &mut chunks {
        // Both channels ("L" with pLinear, "N" without) get the same values.
        let values: Vec<u16> = (next_value..next_value + tiles_per_channel as u32)
            .map(|v| v as u16)
            .collect();
        next_value += tiles_per_channel as u32;
        let tiles: Vec<u8> = values
            .iter()
            .flat_map(|v| [(v >> 8) as u8, *v as u8, 0xfc])
            .collect();
        let block = [tiles.as_slice(), tiles.as_slice()].concat();
        match &mut chunk.compressed_block {
            CompressedBlock::ScanLine(b) => b.compressed_pixels_le = block,
            _ => unreachable!("scan lines"),
        }
    }
    assert_eq!(next_value, 1 << 16);
    let mut changed = 0;
    for (index, chunk) in chunks.iter().enumerate() {
        let expected = reference(&meta, chunk, &[true, true]).unwrap();
        let got = ours(&meta, chunk, &[true, true]).unwrap();
        assert!(got == expected, "block {index} differs");
        // The table did something: rows of "L" differ from the rows of "N".
        let row = width * 2;
        changed += got
            .chunks_exact(row * 2)
            .filter(|rows| rows[..row] != rows[row..])
            .count();
    }
    assert!(changed > 1000, "{changed}");
}

/// A file whose channels DWA stores in each of its ways: `R`, `G`, `B` half and `c.R`, `c.G`,
/// `c.B` float (two Y'CbCr groups), `Y` half and `lin.Y` half with `pLinear` (lossy, alone), `A`
/// (RLE), a float `Z` and a uint `id` (lossless). Smooth gradients with flat patches, negative
/// values, NaN/Inf, noise in `B`, and a depth with a 1e10 background.
fn synthetic_dwa(width: usize, height: usize, compression: Compression, blocks: Blocks) -> Vec<u8> {
    let mut random = Noise(0x2545_f491_4f6c_dd1d);
    let coordinates = |i: usize| ((i % width) as f32, (i / width) as f32);
    let count = width * height;
    let smooth = |i: usize| {
        let (x, y) = coordinates(i);
        (x / 9.0).sin() * (y / 7.0).cos() * 4.0
    };
    let flat = |i: usize| {
        let (x, y) = coordinates(i);
        (((x / 8.0).floor() + (y / 8.0).floor()) % 5.0 - 2.0) * 0.75
    };
    let half = |f: &dyn Fn(usize) -> f32| -> Vec<half::f16> {
        (0..count).map(|i| half::f16::from_f32(f(i))).collect()
    };
    let mut red = half(&smooth);
    for (at, value) in [
        (3, half::f16::NAN),
        (width + 5, half::f16::INFINITY),
        (2 * width + 7, half::f16::NEG_INFINITY),
    ] {
        if let Some(sample) = red.get_mut(at) {
            *sample = value;
        }
    }
    let noise: Vec<f32> = (0..count)
        .map(|_| (random.next() % 2000) as f32 / 1000.0 - 1.0)
        .collect();
    let blue = half(&|i| smooth(i) + noise[i] * 0.05);
    let depth: Vec<f32> = (0..count)
        .map(|i| {
            let (x, y) = coordinates(i);
            let (dx, dy) = (x - width as f32 / 2.0, y - height as f32 / 2.0);
            if dx * dx + dy * dy > (height as f32 / 2.2).powi(2) {
                1e10
            } else {
                5.0 + x * 0.01 + y * 0.02
            }
        })
        .collect();
    let float = |f: &dyn Fn(usize) -> f32| -> Vec<f32> { (0..count).map(f).collect() };
    let mut linear = AnyChannel::new("lin.Y", FlatSamples::F16(half(&|i| smooth(i).abs())));
    linear.quantize_linearly = true;
    let channels: SmallVec<[AnyChannel<FlatSamples>; 4]> = SmallVec::from_vec(vec![
        AnyChannel::new("R", FlatSamples::F16(red)),
        AnyChannel::new("G", FlatSamples::F16(half(&flat))),
        AnyChannel::new("B", FlatSamples::F16(blue)),
        AnyChannel::new("A", FlatSamples::F16(half(&|i| noise[i].clamp(0.0, 1.0)))),
        AnyChannel::new("Y", FlatSamples::F16(half(&|i| smooth(i) * 0.5 + flat(i)))),
        AnyChannel::new("c.R", FlatSamples::F32(float(&|i| smooth(i) * 100.0))),
        AnyChannel::new("c.G", FlatSamples::F32(float(&flat))),
        AnyChannel::new("c.B", FlatSamples::F32(float(&|i| -smooth(i)))),
        linear,
        AnyChannel::new("Z", FlatSamples::F32(depth)),
        AnyChannel::new(
            "id",
            FlatSamples::U32((0..count).map(|i| (i as u32 * 7) % 1000).collect()),
        ),
    ]);
    write_file((width, height), compression, blocks, channels)
}

#[test]
fn dwa_blocks_decode_like_the_exr_crate() {
    // Written by OpenEXR itself: version 1 blocks (the legacy rules) and version 2.
    for name in [
        "openexr-images/dwa/comp_dwaa_v1.exr",
        "openexr-images/dwa/comp_dwab_v2.exr",
    ] {
        let (own, _) = compare_file(&fixture(name), name);
        assert!(own >= 1, "{name}: {own} DWA blocks");
    }
    let mut own = 0;
    let tiles = |w, h| Blocks::Tiles(exr::math::Vec2(w, h));
    for compression in [Compression::DWAA(None), Compression::DWAB(Some(80.0))] {
        for ((width, height), blocks) in [
            ((1, 1), Blocks::ScanLines),
            ((37, 23), Blocks::ScanLines),
            ((37, 23), tiles(16, 8)),
            ((37, 23), tiles(7, 5)),
            ((203, 77), tiles(48, 40)),
            // Two DWAB blocks, the second one short.
            ((64, 300), Blocks::ScanLines),
        ] {
            let name = format!("{compression:?} {width}x{height} {blocks:?}");
            let bytes = synthetic_dwa(width, height, compression, blocks);
            own += compare_file(&bytes, &name).0;
        }
    }
    assert!(own > 50, "{own} DWA blocks decoded by us");
}

/// A damaged copy of a block's bytes, and whether it was cut short (else a bit was flipped).
struct Damaged {
    bytes: Vec<u8>,
    cut: bool,
}

/// `original` cut at each of `cuts` (those shorter than it) and, `flips` times, with one bit
/// flipped at random.
fn damaged_variants(
    original: &[u8],
    cuts: &[usize],
    flips: usize,
    random: &mut Noise,
) -> Vec<Damaged> {
    let mut variants: Vec<Damaged> = cuts
        .iter()
        .filter(|&&cut| cut < original.len())
        .map(|&cut| Damaged {
            bytes: original[..cut].to_vec(),
            cut: true,
        })
        .collect();
    for _ in 0..flips {
        let mut bytes = original.to_vec();
        let at = (random.next() % bytes.len() as u64) as usize;
        bytes[at] ^= 1 << (random.next() % 8);
        variants.push(Damaged { bytes, cut: false });
    }
    variants
}

/// What decoding a damaged block gave, ours against the exr crate's.
enum Verdict {
    /// The same samples.
    Same,
    /// An error in both (ours says "corrupt").
    BothFailed,
    /// The exr crate panicked (ours did not).
    ExrPanicked,
}

/// Decodes `chunk` with its bytes replaced by `bytes`, all channels wanted, both ways; panics
/// when ours panics or when one fails and the other does not.
fn decode_damaged(meta: &MetaData, chunk: &Chunk, bytes: Vec<u8>, codec: &str) -> Verdict {
    let mut damaged = chunk.clone();
    match &mut damaged.compressed_block {
        CompressedBlock::ScanLine(block) => block.compressed_pixels_le = bytes,
        CompressedBlock::Tile(block) => block.compressed_pixels_le = bytes,
        _ => unreachable!(),
    }
    let all = vec![true; meta.headers[chunk.layer_index].channels.list.len()];
    let got = std::panic::catch_unwind(|| ours(meta, &damaged, &all))
        .unwrap_or_else(|_| panic!("{codec}: we panic on a damaged block"));
    let Ok(expected) = std::panic::catch_unwind(|| reference(meta, &damaged, &all)) else {
        return Verdict::ExrPanicked;
    };
    match (&got, &expected) {
        (Ok(a), Ok(b)) => {
            assert!(a == b, "{codec}: a damaged block decodes differently");
            Verdict::Same
        }
        (Err(reason), Err(_)) => {
            assert!(
                reason.to_string().starts_with("corrupt"),
                "{codec}: {reason}"
            );
            Verdict::BothFailed
        }
        _ => panic!(
            "{codec}: ours {:?} vs exr {:?}",
            got.as_ref().map(Vec::len),
            expected.as_ref().map(Vec::len)
        ),
    }
}

/// Damaged ZIP blocks (cut short, bytes flipped): an error whenever the exr crate fails too,
/// the exr crate's samples otherwise; never a panic, never more output than the block holds.
#[test]
fn damaged_zip_blocks_fail_like_the_exr_crate() {
    let bytes = fixture("blender/multilayer_zip_32.exr");
    let (meta, chunks) = chunks(&bytes);
    let synthetic_bytes = synthetic(64, 40, Compression::ZIP16, Blocks::ScanLines, false);
    let (synthetic_meta, synthetic_chunks) = self::chunks(&synthetic_bytes);
    let mut random = Noise(42);
    let (mut failures, mut trials) = (0, 0);
    for (meta, chunks) in [(&meta, &chunks), (&synthetic_meta, &synthetic_chunks)] {
        for chunk in chunks.iter().take(6) {
            let original = compressed_bytes(chunk);
            let cuts = [0, 1, 2, 5, original.len() / 2, original.len() - 1];
            for variant in damaged_variants(original, &cuts, 40, &mut random) {
                match decode_damaged(meta, chunk, variant.bytes, "ZIP") {
                    Verdict::Same => {}
                    Verdict::BothFailed => failures += 1,
                    Verdict::ExrPanicked => panic!("the exr crate panics on a damaged ZIP block"),
                }
                trials += 1;
            }
        }
    }
    // Nearly every damage is caught (checksum); a flip in the zlib header's level bits or in
    // the checksum's own bytes may not be.
    assert!(failures * 10 > trials * 8, "{failures} of {trials}");
}

/// A zlib stream that inflates beyond the block's size is refused without growing past it.
#[test]
fn a_zip_bomb_block_is_refused() {
    let raw = vec![0u8; 1 << 20];
    let bomb = miniz_oxide_compress(&raw);
    let error = super::zip::inflate(&bomb, 4096).unwrap_err();
    assert!(error.to_string().contains("too many bytes"), "{error}");
    let error = super::zip::inflate(&bomb, (1 << 20) + 2).unwrap_err();
    assert!(error.to_string().contains("instead of"), "{error}");
    assert_eq!(super::zip::inflate(&bomb, 1 << 20).unwrap(), raw);
}

fn miniz_oxide_compress(bytes: &[u8]) -> Vec<u8> {
    // zune-inflate's encoder writes zlib streams too.
    zune_inflate::DeflateEncoder::new(bytes).encode_zlib()
}

/// Damaged DWA blocks: whatever the `exr` crate makes of them, we make the same (the same
/// samples or an error), and never panic. Stricter on one point: an empty block, which the
/// `exr` crate reads as zeros, is refused.
#[test]
fn damaged_dwa_blocks_decode_like_the_exr_crate() {
    let mut random = Noise(11);
    for compression in [Compression::DWAA(None), Compression::DWAB(None)] {
        let bytes = synthetic_dwa(61, 70, compression, Blocks::ScanLines);
        let (meta, chunks) = chunks(&bytes);
        let (mut trials, mut errors, mut same) = (0, 0, 0);
        for chunk in &chunks {
            let mut empty = chunk.clone();
            match &mut empty.compressed_block {
                CompressedBlock::ScanLine(block) => block.compressed_pixels_le.clear(),
                _ => unreachable!(),
            }
            let all = vec![true; meta.headers[0].channels.list.len()];
            assert!(ours(&meta, &empty, &all).is_err(), "an empty block decodes");
            assert!(reference(&meta, &empty, &all).is_ok_and(|r| r.iter().all(|&b| b == 0)));

            let original = compressed_bytes(chunk);
            let cuts = [1, 8, 87, 88, 95, original.len() / 2, original.len() - 1];
            for variant in damaged_variants(original, &cuts, 60, &mut random) {
                let cut = variant.cut;
                match decode_damaged(&meta, chunk, variant.bytes, &format!("{compression:?}")) {
                    Verdict::Same => {
                        assert!(!cut, "{compression:?}: a cut block decodes");
                        same += 1;
                    }
                    Verdict::BothFailed => errors += 1,
                    Verdict::ExrPanicked => {}
                }
                trials += 1;
            }
        }
        // Cuts and damaged streams fail; flips in the lossy coefficients decode to other values.
        assert!(
            errors >= 7 * chunks.len(),
            "{compression:?}: {errors} of {trials}"
        );
        assert!(same > 0, "{compression:?}: {same} of {trials}");
    }
}

/// Damaged blocks of the other compressions we decode (cut short, bytes flipped): whatever the
/// `exr` crate makes of them, we make the same (the same samples, or an error), and never panic.
/// B44 has no checksum, so most flips decode to other samples, in both.
#[test]
fn damaged_blocks_of_every_compression_decode_like_the_exr_crate() {
    let mut random = Noise(7);
    for compression in [
        Compression::RLE,
        Compression::PXR24,
        Compression::B44,
        Compression::B44A,
    ] {
        let bytes = synthetic(37, 40, compression, Blocks::ScanLines, false);
        let (meta, chunks) = chunks(&bytes);
        let (mut trials, mut errors, mut exr_panics) = (0, 0, 0);
        for chunk in &chunks {
            let original = compressed_bytes(chunk);
            let cuts = [0, 1, 2, 3, 14, original.len() / 2, original.len() - 1];
            for variant in damaged_variants(original, &cuts, 30, &mut random) {
                let cut = variant.cut;
                match decode_damaged(&meta, chunk, variant.bytes, &format!("{compression:?}")) {
                    Verdict::Same => assert!(!cut, "{compression:?}: a cut block decodes"),
                    Verdict::BothFailed => errors += 1,
                    // The exr crate's own arithmetic may overflow on damage (a panic in tests).
                    Verdict::ExrPanicked => exr_panics += 1,
                }
                trials += 1;
            }
        }
        // Every cut is an error in both (checked above); the exr crate rarely panics.
        assert!(
            errors >= 5 * chunks.len(),
            "{compression:?}: {errors} of {trials}"
        );
        assert!(
            exr_panics * 4 < trials,
            "{compression:?}: {exr_panics} exr panics"
        );
    }
}
