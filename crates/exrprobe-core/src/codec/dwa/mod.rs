//! DWAA and DWAB blocks (DreamWorks Animation's lossy DCT codec; 32 and 256 scan lines per
//! block), decoded straight into rows like our other codecs.
//!
//! A block (all integers little-endian) is eleven `u64` counters (version; UNKNOWN section
//! sizes uncompressed and compressed; AC, DC and RLE compressed sizes; RLE sizes after inflating
//! and after expanding; the AC and DC coefficient counts; the AC coding: 0 static Huffman, 1
//! deflate), then (version 2) the channel rules the writer used, then four sections:
//!
//! - UNKNOWN: the channels no rule claims, zlib, each channel's samples one after the other,
//!   row by row, little-endian: rows are handed to the sink straight from the inflated bytes;
//! - AC: the DCT coefficients of every lossy channel (halves in zig-zag order, zero runs coded as
//!   `0xffNN`), PIZ's Huffman code or zlib;
//! - DC: one half per 8×8 block, zlib after ZIP's predictor and byte split;
//! - RLE: the `A` channels, zlib then byte runs, each channel split into byte planes.
//!
//! A channel's scheme comes from the rules matching the suffix of its name (after the last `.`)
//! and its type: `R`, `G`, `B`, `Y`, `BY`, `RY` are lossy, `A` is RLE, anything else (depth,
//! normals, IDs…) is UNKNOWN, i.e. lossless. `R`, `G`, `B` of the same prefix form a group stored
//! as Y'CbCr. Lossy channels ([`lossy`]) are decoded group by group, then one by one, each
//! consuming its part of the AC and DC streams in that order.
//!
//! Why our own: the `exr` crate assembles every channel of a block as `f16` vectors and then a
//! whole interleaved block (copies that were a fifth of `check`'s time on a DWA render), inflates
//! with a slower inflater, and keeps a whole block of 8×8 float blocks in memory, which for
//! DWAB's 256 lines leaves the cache between the transform and the conversion. Here UNKNOWN rows
//! come straight from the inflated section, lossy channels that are not wanted skip the
//! transform, and the transform runs one row of 8×8 blocks at a time.
//!
//! Exactness: the inverse DCT is the `exr` crate's (its runtime-dispatched AVX2/SSE2 ports of
//! OpenEXR's kernels, which differ in their last bits, as OpenEXR's own do), so our samples are
//! the `exr` crate's bit for bit, and OpenEXR's wherever it picks the same kernel as OpenEXR
//! (checked by `scripts/crosscheck.py` against the OpenEXR library). Damage gives an error
//! wherever the `exr` crate gives one (tests).

use std::cell::RefCell;

use exr::meta::attribute::SampleType;

use super::piz::{HuffmanScratch, decode_huffman};
use super::scratch::{Reusable, release_if_large, with_scratch};
use super::zip::{inflate_into, unpredict_into};
use super::{BlockError, BlockLayout, LineSink};

mod lossy;

use lossy::{Component, Streams};

/// How a channel is stored in a DWA block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Unknown,
    Lossy,
    Rle,
}

/// One rule of the channel classification (`Classifier` in OpenEXR's
/// `internal_dwa_classifier.h`).
#[derive(Clone, Debug)]
struct Rule {
    suffix: Vec<u8>,
    scheme: Scheme,
    sample_type: SampleType,
    /// The slot (R, G, B) of a Y'CbCr group, if this suffix joins one.
    group_slot: Option<usize>,
    case_insensitive: bool,
}

impl Rule {
    fn matches(&self, suffix: &[u8], sample_type: SampleType) -> bool {
        self.sample_type == sample_type
            && if self.case_insensitive {
                suffix.eq_ignore_ascii_case(&self.suffix)
            } else {
                suffix == self.suffix.as_slice()
            }
    }
}

/// The rules of version 0 and 1 blocks, which did not store them (`sLegacyChannelRules`).
fn legacy_rules() -> Vec<Rule> {
    let lossy: [(&str, Option<usize>); 11] = [
        ("r", Some(0)),
        ("red", Some(0)),
        ("g", Some(1)),
        ("grn", Some(1)),
        ("green", Some(1)),
        ("b", Some(2)),
        ("blu", Some(2)),
        ("blue", Some(2)),
        ("y", None),
        ("by", None),
        ("ry", None),
    ];
    let mut rules = Vec::with_capacity(25);
    for (suffix, group_slot) in lossy {
        for sample_type in [SampleType::F16, SampleType::F32] {
            rules.push(Rule {
                suffix: suffix.as_bytes().to_vec(),
                scheme: Scheme::Lossy,
                sample_type,
                group_slot,
                case_insensitive: true,
            });
        }
    }
    for sample_type in [SampleType::U32, SampleType::F16, SampleType::F32] {
        rules.push(Rule {
            suffix: b"a".to_vec(),
            scheme: Scheme::Rle,
            sample_type,
            group_slot: None,
            case_insensitive: true,
        });
    }
    rules
}

/// The rules stored in a version 2 block: a `u16` byte count (itself included), then rules of
/// a NUL-terminated suffix (at most 128 bytes), a flags byte (group slot + 1 in the high nibble,
/// scheme in bits 2–3, case-insensitive in bit 0) and a sample type byte. Returns the rules and
/// the input after them.
fn parse_rules(input: &[u8]) -> Result<(Vec<Rule>, &[u8]), BlockError> {
    let damaged = || BlockError::compressed("a DWA block's channel rules are damaged");
    let (size, rest) = input.split_first_chunk::<2>().ok_or_else(damaged)?;
    let rules_bytes = usize::from(u16::from_le_bytes(*size))
        .checked_sub(2)
        .ok_or_else(damaged)?;
    let (mut data, after) = rest.split_at_checked(rules_bytes).ok_or_else(damaged)?;
    let mut rules = Vec::new();
    while !data.is_empty() {
        let suffix_len = data.iter().position(|&b| b == 0).ok_or_else(damaged)?;
        if suffix_len > 128 {
            return Err(damaged());
        }
        let (suffix, rest) = data.split_at(suffix_len);
        let Some(&[_nul, flags, sample_type, ..]) = rest.get(..3) else {
            return Err(damaged());
        };
        data = rest.get(3..).unwrap_or_default();
        rules.push(Rule {
            suffix: suffix.to_vec(),
            group_slot: match flags >> 4 {
                0 => None,
                slot @ 1..=3 => Some(usize::from(slot - 1)),
                _ => return Err(damaged()),
            },
            scheme: match (flags >> 2) & 3 {
                0 => Scheme::Unknown,
                1 => Scheme::Lossy,
                2 => Scheme::Rle,
                _ => return Err(damaged()),
            },
            case_insensitive: flags & 1 != 0,
            sample_type: match sample_type {
                0 => SampleType::U32,
                1 => SampleType::F16,
                2 => SampleType::F32,
                _ => return Err(damaged()),
            },
        });
    }
    Ok((rules, after))
}

/// Each channel's scheme, and the Y'CbCr groups (channel indices of R, G, B) in the order their
/// prefixes first appear in the channel list, which is the order they are stored in
/// (`DwaCompressor_classifyChannels`).
fn classify(layout: BlockLayout<'_>, rules: &[Rule]) -> (Vec<Scheme>, Vec<[usize; 3]>) {
    let mut schemes = Vec::with_capacity(layout.channels.list.len());
    let mut prefixes: Vec<(&[u8], [Option<usize>; 3])> = Vec::new();
    for (index, channel) in layout.channels.list.iter().enumerate() {
        let name = channel.name.bytes();
        let suffix_start = name
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(0, |dot| dot + 1);
        let (prefix, suffix) = name.split_at(suffix_start);
        let slots_at = match prefixes.iter().position(|(known, _)| *known == prefix) {
            Some(at) => at,
            None => {
                prefixes.push((prefix, [None; 3]));
                prefixes.len() - 1
            }
        };
        let mut scheme = Scheme::Unknown;
        for rule in rules
            .iter()
            .filter(|r| r.matches(suffix, channel.sample_type))
        {
            scheme = rule.scheme;
            if let (Some(slot), Some((_, slots))) = (rule.group_slot, prefixes.get_mut(slots_at))
                && let Some(entry) = slots.get_mut(slot)
            {
                *entry = Some(index);
            }
        }
        schemes.push(scheme);
    }
    let groups = prefixes
        .into_iter()
        .filter_map(|(_, slots)| {
            let [Some(r), Some(g), Some(b)] = slots else {
                return None;
            };
            let lossy = [r, g, b]
                .iter()
                .all(|&c| schemes.get(c) == Some(&Scheme::Lossy));
            let sampling = |c: usize| layout.channels.list.get(c).map(|d| d.sampling);
            (lossy && sampling(r) == sampling(g) && sampling(r) == sampling(b)).then_some([r, g, b])
        })
        .collect();
    (schemes, groups)
}

/// The eleven counters at the start of a block.
struct Counters {
    version: u64,
    unknown_uncompressed: usize,
    unknown_compressed: usize,
    ac_compressed: usize,
    dc_compressed: usize,
    rle_compressed: usize,
    rle_uncompressed: usize,
    rle_raw: usize,
    ac_count: usize,
    dc_count: usize,
    ac_deflate: bool,
}

fn parse_counters(input: &[u8]) -> Result<(Counters, &[u8]), BlockError> {
    let (words, rest) = input
        .split_first_chunk::<88>()
        .ok_or_else(|| BlockError::compressed("a DWA block is shorter than its header"))?;
    let (words, _) = words.as_chunks::<8>();
    let value = |i: usize| words.get(i).map_or(0, |w| u64::from_le_bytes(*w));
    // OpenEXR reads the sizes as signed: a top bit set is damage.
    let size = |i: usize| {
        let v = value(i);
        if v > i64::MAX as u64 {
            return Err(BlockError::compressed("a DWA block's header is damaged"));
        }
        usize::try_from(v).map_err(|_| BlockError::compressed("a DWA block's header is damaged"))
    };
    let counters = Counters {
        version: value(0),
        unknown_uncompressed: size(1)?,
        unknown_compressed: size(2)?,
        ac_compressed: size(3)?,
        dc_compressed: size(4)?,
        rle_compressed: size(5)?,
        rle_uncompressed: size(6)?,
        rle_raw: size(7)?,
        ac_count: size(8)?,
        dc_count: size(9)?,
        ac_deflate: match value(10) {
            0 => false,
            1 => true,
            _ => {
                return Err(BlockError::compressed(
                    "a DWA block names an unknown AC coding",
                ));
            }
        },
    };
    Ok((counters, rest))
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Buffers kept per thread from one block to the next.
#[derive(Default)]
struct Scratch {
    decompressor: libdeflater::Decompressor,
    huffman: HuffmanScratch,
    /// The inflated UNKNOWN section.
    unknown: Vec<u8>,
    /// AC coefficients (and their bytes when deflated).
    ac: Vec<u16>,
    ac_bytes: Vec<u8>,
    /// DC coefficients, and their bytes as inflated.
    dc: Vec<u16>,
    dc_bytes: Vec<u8>,
    dc_unpredicted: Vec<u8>,
    /// The RLE section inflated, expanded, and the wanted channels' samples interleaved.
    rle_runs: Vec<u8>,
    rle_planes: Vec<u8>,
    rle: Vec<u8>,
    /// The wanted lossy channels' rows, little-endian.
    lossy: Vec<u8>,
    transform: lossy::Scratch,
}

impl Reusable for Scratch {
    fn trim(&mut self) {
        release_if_large(&mut self.unknown);
        release_if_large(&mut self.ac);
        release_if_large(&mut self.ac_bytes);
        release_if_large(&mut self.dc);
        release_if_large(&mut self.dc_bytes);
        release_if_large(&mut self.dc_unpredicted);
        release_if_large(&mut self.rle_runs);
        release_if_large(&mut self.rle_planes);
        release_if_large(&mut self.rle);
        release_if_large(&mut self.lossy);
        self.transform.trim();
    }
}

/// Where a wanted channel's rows are, as a byte offset of its first row.
#[derive(Clone, Copy)]
enum Rows {
    Unknown(usize),
    Rle(usize),
    Lossy(usize),
    NotWanted,
}

/// Decodes a DWAA/DWAB block (not stored raw) and passes the rows of the wanted channels to
/// `sink` (little-endian). Only for parts without subsampling.
pub(crate) fn decode(
    compressed: &[u8],
    layout: BlockLayout<'_>,
    wanted: &[bool],
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    with_scratch(&SCRATCH, |scratch| {
        decode_with(scratch, compressed, layout, wanted, sink)
    })
}

/// Bytes of `count` samples of `bytes_per_sample` each, or an error naming an impossible size.
fn bytes_of(count: usize, bytes_per_sample: usize) -> Result<usize, BlockError> {
    count
        .checked_mul(bytes_per_sample)
        .ok_or_else(|| BlockError::pixels("a pixel block is impossibly large"))
}

fn decode_with(
    scratch: &mut Scratch,
    compressed: &[u8],
    layout: BlockLayout<'_>,
    wanted: &[bool],
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    let exr::math::Vec2(width, height) = layout.rectangle.size;
    let samples = width
        .checked_mul(height)
        .ok_or_else(|| BlockError::pixels("a pixel block is impossibly large"))?;
    let (counters, rest) = parse_counters(compressed)?;
    check_sizes(&counters, layout)?;
    if counters.version > 2 {
        return Err(BlockError::Unsupported(
            format!("DWA blocks of version {}", counters.version).into(),
        ));
    }
    let (rules, sections) = if counters.version < 2 {
        (legacy_rules(), rest)
    } else {
        parse_rules(rest)?
    };
    let (schemes, groups) = classify(layout, &rules);
    let channels = &layout.channels.list;
    if channels
        .iter()
        .zip(&schemes)
        .any(|(c, &s)| s == Scheme::Lossy && c.sample_type == SampleType::U32)
    {
        return Err(BlockError::Unsupported(
            "DWA lossy compression of uint channels".into(),
        ));
    }

    // The four sections, in order.
    let mut rest = sections;
    let mut take = |len: usize| -> Result<&[u8], BlockError> {
        let (section, after) = rest
            .split_at_checked(len)
            .ok_or_else(|| BlockError::compressed("a DWA block ends before its sections do"))?;
        rest = after;
        Ok(section)
    };
    let unknown_section = take(counters.unknown_compressed)?;
    let ac_section = take(counters.ac_compressed)?;
    let dc_section = take(counters.dc_compressed)?;
    let rle_section = take(counters.rle_compressed)?;

    let Scratch {
        decompressor,
        huffman,
        unknown,
        ac,
        ac_bytes,
        dc,
        dc_bytes,
        dc_unpredicted,
        rle_runs,
        rle_planes,
        rle,
        lossy,
        transform,
    } = scratch;

    // UNKNOWN: inflated as it is; rows are read from it directly. (Buffers keep their length
    // from block to block: resizing is zeroing, and every byte is overwritten.)
    if counters.unknown_uncompressed == 0 {
        unknown.clear();
    } else {
        inflate_into(
            decompressor,
            unknown,
            unknown_section,
            counters.unknown_uncompressed,
            "DWA",
        )?;
    }

    // AC coefficients.
    if counters.ac_count == 0 {
        ac.clear();
    } else {
        set_len(ac, counters.ac_count)?;
        if counters.ac_deflate {
            inflate_into(
                decompressor,
                ac_bytes,
                ac_section,
                bytes_of(counters.ac_count, 2)?,
                "DWA",
            )?;
            for (word, bytes) in ac.iter_mut().zip(ac_bytes.as_chunks::<2>().0) {
                *word = u16::from_le_bytes(*bytes);
            }
        } else {
            decode_huffman(ac_section, ac, huffman).map_err(|error| match error {
                BlockError::Compressed(_) => BlockError::compressed(
                    "the Huffman-coded DCT coefficients of a DWA block are damaged",
                ),
                other => other,
            })?;
        }
    }

    // DC coefficients.
    if counters.dc_count == 0 {
        dc.clear();
    } else {
        let bytes = bytes_of(counters.dc_count, 2)?;
        inflate_into(decompressor, dc_bytes, dc_section, bytes, "DWA")?;
        set_len(dc_unpredicted, bytes)?;
        unpredict_into(dc_bytes, dc_unpredicted);
        set_len(dc, counters.dc_count)?;
        for (word, bytes) in dc.iter_mut().zip(dc_unpredicted.as_chunks::<2>().0) {
            *word = u16::from_le_bytes(*bytes);
        }
    }

    // RLE: inflated, then the byte runs expanded.
    rle_planes.clear();
    if counters.rle_raw > 0 {
        inflate_into(
            decompressor,
            rle_runs,
            rle_section,
            counters.rle_uncompressed,
            "DWA",
        )?;
        super::rle::expand_into(rle_planes, rle_runs, counters.rle_raw)?;
    }

    // Where each wanted channel's rows are; RLE channels interleaved from their byte planes.
    let mut rows = vec![Rows::NotWanted; channels.len()];
    let (mut unknown_at, mut planes_at, mut lossy_bytes) = (0usize, 0usize, 0usize);
    rle.clear();
    for (index, (channel, &scheme)) in channels.iter().zip(&schemes).enumerate() {
        let sample_bytes = channel.sample_type.bytes_per_sample();
        let channel_bytes = bytes_of(samples, sample_bytes)?;
        let is_wanted = wanted.get(index) == Some(&true);
        match scheme {
            Scheme::Unknown => {
                let end = unknown_at
                    .checked_add(channel_bytes)
                    .filter(|&end| end <= unknown.len())
                    .ok_or_else(|| {
                        BlockError::compressed("a DWA block's lossless channels are cut off")
                    })?;
                if is_wanted {
                    rows[index] = Rows::Unknown(unknown_at);
                }
                unknown_at = end;
            }
            Scheme::Rle => {
                let planes = planes_at
                    .checked_add(channel_bytes)
                    .and_then(|end| rle_planes.get(planes_at..end))
                    .ok_or_else(|| {
                        BlockError::compressed("a DWA block's RLE channels are cut off")
                    })?;
                planes_at += channel_bytes;
                if is_wanted {
                    rows[index] = Rows::Rle(rle.len());
                    interleave_planes(planes, sample_bytes, rle)?;
                }
            }
            Scheme::Lossy => {
                if is_wanted {
                    rows[index] = Rows::Lossy(lossy_bytes);
                    lossy_bytes = lossy_bytes
                        .checked_add(channel_bytes)
                        .ok_or_else(|| BlockError::pixels("a pixel block is impossibly large"))?;
                }
            }
        }
    }

    // Lossy channels: the groups, then the others in channel order.
    set_len(lossy, lossy_bytes)?;
    let mut streams = Streams::new(ac, dc);
    let mut lossy_rest: &mut [u8] = lossy;
    // Output slices are handed out in channel order; collect each channel's slice first.
    let mut outputs: Vec<Option<&mut [u8]>> = Vec::with_capacity(channels.len());
    for (channel, row) in channels.iter().zip(&rows) {
        if let Rows::Lossy(_) = row {
            let bytes = bytes_of(samples, channel.sample_type.bytes_per_sample())?;
            let (mine, after) = std::mem::take(&mut lossy_rest)
                .split_at_mut_checked(bytes)
                .ok_or(BlockError::Internal(
                    "DWA lossy rows do not fit their buffer",
                ))?;
            lossy_rest = after;
            outputs.push(Some(mine));
        } else {
            outputs.push(None);
        }
    }
    fn component<'o>(
        outputs: &mut [Option<&'o mut [u8]>],
        channels: &[exr::meta::attribute::ChannelDescription],
        index: usize,
    ) -> Component<'o> {
        Component {
            out: outputs.get_mut(index).and_then(Option::take),
            float: channels.get(index).map(|c| c.sample_type) == Some(SampleType::F32),
        }
    }
    for &group in &groups {
        let mut components = group.map(|index| component(&mut outputs, channels, index));
        streams.decode(width, height, true, &mut components, transform)?;
    }
    for (index, channel) in channels.iter().enumerate() {
        let grouped = groups.iter().flatten().any(|&c| c == index);
        if schemes.get(index) != Some(&Scheme::Lossy) || grouped {
            continue;
        }
        let mut components = [component(&mut outputs, channels, index)];
        streams.decode(
            width,
            height,
            !channel.quantize_linearly,
            &mut components,
            transform,
        )?;
    }

    // Every row of every wanted channel, in storage order.
    for row in 0..height {
        for (index, channel) in channels.iter().enumerate() {
            let row_bytes = width * channel.sample_type.bytes_per_sample();
            let at = row * row_bytes;
            let line = match rows.get(index) {
                Some(Rows::Unknown(start)) => unknown.get(start + at..start + at + row_bytes),
                Some(Rows::Rle(start)) => rle.get(start + at..start + at + row_bytes),
                Some(Rows::Lossy(start)) => lossy.get(start + at..start + at + row_bytes),
                _ => continue,
            }
            .ok_or(BlockError::Internal("DWA rows do not fit the block"))?;
            sink.row(row, index, line)?;
        }
    }
    Ok(())
}

/// Refuses counters no valid block of this size has, before anything is allocated for them:
/// more lossless samples than the block holds (OpenEXR's own check), more RLE runs than twice
/// that, more coefficients than one per sample of the block padded to 8×8 blocks.
fn check_sizes(counters: &Counters, layout: BlockLayout<'_>) -> Result<(), BlockError> {
    let raw = layout.byte_size().unwrap_or(usize::MAX);
    let exr::math::Vec2(width, height) = layout.rectangle.size;
    let coefficients = width
        .saturating_add(7)
        .saturating_mul(height.saturating_add(7))
        .saturating_mul(layout.channels.list.len());
    let plausible = counters
        .unknown_uncompressed
        .saturating_add(counters.rle_raw)
        <= raw
        && counters.rle_uncompressed <= raw.saturating_mul(2).saturating_add(4096)
        && counters.ac_count <= coefficients
        && counters.dc_count <= coefficients;
    if plausible {
        Ok(())
    } else {
        Err(BlockError::compressed(
            "a DWA block declares impossible section sizes",
        ))
    }
}

/// Makes `buffer` `len` elements long, whose contents are then overwritten (left as they are
/// when the length is right already: the same size from block to block is the rule).
fn set_len<T: Copy + Default>(buffer: &mut Vec<T>, len: usize) -> Result<(), BlockError> {
    if buffer.len() != len {
        buffer.clear();
        buffer
            .try_reserve_exact(len)
            .map_err(|_| BlockError::OutOfMemory)?;
        buffer.resize(len, T::default());
    }
    Ok(())
}

/// Appends the samples of one RLE channel to `out`: `planes` holds its first bytes, then its
/// second bytes… (one plane per byte of a sample).
fn interleave_planes(
    planes: &[u8],
    sample_bytes: usize,
    out: &mut Vec<u8>,
) -> Result<(), BlockError> {
    let count = planes.len() / sample_bytes.max(1);
    out.try_reserve(planes.len())
        .map_err(|_| BlockError::OutOfMemory)?;
    let start = out.len();
    out.resize(start + planes.len(), 0);
    let dest = out.get_mut(start..).unwrap_or_default();
    for (byte, plane) in planes.chunks_exact(count.max(1)).enumerate() {
        let slots = dest.iter_mut().skip(byte).step_by(sample_bytes.max(1));
        for (slot, &value) in slots.zip(plane) {
            *slot = value;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests

    use exr::meta::attribute::{ChannelDescription, ChannelList, IntegerBounds};
    use exr::prelude::{SmallVec, Text};

    use super::*;

    fn layout_of(channels: &ChannelList) -> BlockLayout<'_> {
        BlockLayout {
            channels,
            rectangle: IntegerBounds::from_dimensions((8, 8)),
        }
    }

    fn channels(names: &[(&str, SampleType)]) -> ChannelList {
        let list = names
            .iter()
            .map(|&(name, sample_type)| {
                ChannelDescription::new(Text::from(name), sample_type, false)
            })
            .collect::<SmallVec<_>>();
        ChannelList::new(list)
    }

    #[test]
    fn channels_are_classified_by_suffix_and_type_and_grouped_by_prefix() {
        use SampleType::{F16, F32, U32};
        let list = channels(&[
            ("A", F16),
            ("B", F16),
            ("G", F16),
            ("R", F16),
            ("Z", F32),
            ("diff.B", F32),
            ("diff.G", F32),
            ("diff.R", F32),
            ("half.B", F16),
            ("half.G", F16),
            ("id.R", U32),
            ("only.R", F16),
        ]);
        // Version 2 rules as OpenEXR writes them: R/G/B/Y lossy for half and float, A RLE.
        let mut stored = Vec::new();
        for (suffix, slot, scheme) in [("R", 1u8, 1u8), ("G", 2, 1), ("B", 3, 1), ("A", 0, 2)] {
            for sample_type in [1u8, 2] {
                stored.extend_from_slice(suffix.as_bytes());
                stored.extend_from_slice(&[0, (slot << 4) | (scheme << 2), sample_type]);
            }
        }
        let mut block = ((stored.len() + 2) as u16).to_le_bytes().to_vec();
        block.extend_from_slice(&stored);
        block.extend_from_slice(b"sections");
        let (rules, rest) = parse_rules(&block).unwrap();
        assert_eq!(rest, b"sections");
        let (schemes, groups) = classify(layout_of(&list), &rules);
        use Scheme::{Lossy, Rle, Unknown};
        assert_eq!(
            schemes,
            [
                Rle, Lossy, Lossy, Lossy, Unknown, Lossy, Lossy, Lossy, Lossy, Lossy, Unknown,
                Lossy
            ]
        );
        // R, G, B of one prefix, in the order the prefixes appear; "half." lacks R.
        assert_eq!(groups, [[3, 2, 1], [7, 6, 5]]);

        // The legacy rules (version 0 and 1) ignore case and know the long names.
        let list = channels(&[("blue", F16), ("Green", F16), ("RED", F16), ("alpha", F16)]);
        let (schemes, groups) = classify(layout_of(&list), &legacy_rules());
        assert_eq!(schemes, [Lossy, Lossy, Lossy, Unknown]);
        assert_eq!(groups, [[2, 1, 0]]);
    }

    #[test]
    fn damaged_rules_and_counters_are_refused() {
        // A size below its own two bytes, a size past the end, a bad scheme, a bad type.
        for block in [
            &[1u8, 0][..],
            &[9, 0, b'R', 0, 4, 1][..],
            &[7, 0, b'R', 0, 0b1100, 1][..],
            &[7, 0, b'R', 0, 4, 3][..],
            &[6, 0, b'R', 4, 1, 0][..],
        ] {
            assert!(parse_rules(block).is_err(), "{block:?}");
        }
        let mut header = vec![0u8; 88];
        assert!(parse_counters(&header[..87]).is_err());
        header[80] = 2; // an AC coding that does not exist
        assert!(parse_counters(&header).is_err());
        header[80] = 0;
        header[15] = 0x80; // a size with the top bit set
        assert!(parse_counters(&header).is_err());
        header[15] = 0;
        assert!(parse_counters(&header).is_ok());
    }

    #[test]
    fn rle_planes_are_interleaved_into_samples() {
        let mut out = vec![9];
        interleave_planes(&[1, 2, 3, 10, 20, 30], 2, &mut out).unwrap();
        assert_eq!(out, [9, 1, 10, 2, 20, 3, 30]);
    }
}
