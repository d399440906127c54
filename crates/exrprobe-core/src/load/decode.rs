//! Decoding the pixel blocks: the offset tables (checked against the file length), the blocks
//! of the largest level of each part grouped in bands of rows, decoded in parallel straight into
//! the channel buffers (or summarised, for reports) by `crate::codec`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use exr::block::chunk::{CompressedBlock, TileCoordinates};
use exr::meta::BlockDescription;
use exr::meta::MetaData;
use exr::meta::attribute::IntegerBounds;
use exr::meta::header::Header;
use half::f16;
use rayon::prelude::*;

use super::chunk::read_chunk;
use super::header::{MetaAndTables, channel_size, invalid_reason, sample_type, unsupported_reason};
use super::rows::{ROW_SUMMARIZER, RowSummarizer};
use super::source::Source;
use super::{ChannelFilter, LoadError, out_of_memory};
use crate::codec::{self, BlockError, BlockLayout, BlockStep};
use crate::model::{ChannelRef, Part, SampleType, Samples, SamplesMut};
use crate::stats::{ChannelStats, RowsSummary};

/// One chunk to decode: which part, where its bytes start, and which block the offset table
/// says it is.
struct Work {
    part: usize,
    offset: u64,
    /// The block's tile (or scan-line block) index at the largest resolution level.
    tile: TileCoordinates,
    /// The block's pixels within the data window.
    rectangle: IntegerBounds,
}

/// Decoding state of one part.
struct PartState {
    /// False for parts we do not decode (deep, subsampled, or no channel wanted).
    decodable: bool,
    /// True for parts none of whose channels are wanted (not read, not an error).
    skipped: bool,
    /// Which channels are wanted (decoded), by channel index.
    wanted: Vec<bool>,
    /// Which of the wanted channels keep their samples (all of them unless summarising).
    kept: Vec<bool>,
    /// Rows of one band: the rows one scan-line block, or one row of tiles, covers.
    band_rows: usize,
    /// The part's blocks, in offset-table order (rows top to bottom, then columns).
    work: Vec<Work>,
    /// The first failure (in offset-table order); later blocks of the part are not decoded.
    error: Option<BlockError>,
    /// Blocks of lower resolution levels whose offsets point outside the file.
    missing_level_blocks: usize,
}

/// One band of rows of one part: its blocks, and the rows of each kept channel they write.
/// Bands never overlap, so they are decoded in parallel straight into the channel buffers.
struct Band<'a> {
    part: usize,
    /// First row of the band within the data window.
    first_row: usize,
    /// Rows of the band (fewer than the part's band height only for the last band).
    row_count: usize,
    items: &'a [Work],
    /// The band's rows of each channel's buffer (`None` for channels that are not kept).
    rows: Vec<Option<SamplesMut<'a>>>,
    /// When summarising: the summary of the band's rows of each wanted channel, once decoded
    /// (empty when not summarising).
    summaries: Vec<Option<RowsSummary>>,
}

/// Decodes smaller than this (in decoded bytes of all channels) report no progress until they
/// end: they take a few tens of milliseconds.
const REPORTED_DECODE_BYTES: usize = 64 << 20;

/// Rows of a band: the rows one scan-line block, or one row of tiles, covers.
fn band_rows(header: &Header) -> usize {
    match header.blocks {
        BlockDescription::ScanLines => header.compression.scan_lines_per_block(),
        BlockDescription::Tiles(tiles) => tiles.tile_size.1,
    }
    .max(1)
}

/// Decodes the pixels of the wanted channels (`filter`) of every part we can decode into
/// `parts`, or, with `targets`, into the caller's buffers (one for each wanted channel, checked
/// by the caller against the channel's size and type; `parts` then get no samples). With
/// `keep`, only the channels it wants keep their samples, and the summary statistics of every
/// decoded channel are computed band by band and returned (without, the map is empty). At most
/// `blocks_in_flight` blocks are decoded at once.
#[allow(clippy::too_many_arguments)] // the loader's inputs, passed through once
pub(super) fn decode_pixels(
    data: Source<'_>,
    header: &MetaAndTables,
    parts: &mut [Part],
    filter: &ChannelFilter,
    keep: Option<&ChannelFilter>,
    mut targets: Option<BTreeMap<ChannelRef, SamplesMut<'_>>>,
    blocks_in_flight: usize,
    source: &str,
    progress: &mut dyn FnMut(f64),
    cancel: &AtomicBool,
) -> Result<BTreeMap<ChannelRef, ChannelStats>, LoadError> {
    let meta = &header.meta;
    let offset_tables = read_offset_tables(data, header, source)?;
    let tables_end = header
        .offset_tables_start
        .saturating_add(offset_tables.iter().map(Vec::len).sum::<usize>() * 8);
    let mut states = Vec::with_capacity(meta.headers.len());
    for (part_index, (header, table)) in meta.headers.iter().zip(&offset_tables).enumerate() {
        let plan = PartPlan {
            part_index,
            header,
            table,
            filter,
            keep,
            tables_end,
            file_len: data.len(),
        };
        let (state, unsupported) = plan_part(&plan);
        if let (Some(reason), Some(part)) = (unsupported, parts.get_mut(part_index)) {
            part.pixel_error = Some(reason);
        }
        states.push(state);
    }

    // Buffers for the wanted channels of every part we decode (none when decoding into the
    // caller's). They are zeroed pages from the kernel, so a part whose blocks turn out to be
    // garbage never touches its memory.
    let mut buffers: Vec<Option<Vec<Option<Samples>>>> = Vec::with_capacity(states.len());
    for (state, header) in states.iter().zip(&meta.headers) {
        buffers.push(if !state.decodable || state.error.is_some() {
            None
        } else if targets.is_some() {
            Some(vec![None; state.kept.len()])
        } else {
            Some(zeroed_buffers(header, &state.kept).ok_or_else(|| out_of_memory(source))?)
        });
    }

    // Each part's first failure; the bands borrow `states` (their blocks) while decoding.
    let mut errors: Vec<Option<BlockError>> = states.iter_mut().map(|s| s.error.take()).collect();
    let mut bands = Vec::new();
    for (part, (state, part_buffers)) in states.iter().zip(buffers.iter_mut()).enumerate() {
        let (Some(part_buffers), Some(header)) = (part_buffers.as_mut(), meta.headers.get(part))
        else {
            continue;
        };
        let channel_buffers: Vec<Option<SamplesMut<'_>>> = match targets.as_mut() {
            None => part_buffers
                .iter_mut()
                .map(|samples| samples.as_mut().map(Samples::as_samples_mut))
                .collect(),
            Some(targets) => (0..state.kept.len())
                .map(|channel| {
                    let kept = state.kept.get(channel) == Some(&true);
                    kept.then(|| targets.remove(&ChannelRef { part, channel }))
                        .flatten()
                })
                .collect(),
        };
        bands.extend(part_bands(
            part,
            state,
            header,
            channel_buffers,
            keep.is_some(),
        ));
    }
    // When the budget leaves room for fewer blocks than there are threads, decode on a pool of
    // that many threads (each holds one block at a time).
    let pool = if blocks_in_flight < rayon::current_num_threads() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(blocks_in_flight.max(1))
            .build()
            .map_err(|_| out_of_memory(source))?;
        Some(pool)
    } else {
        None
    };
    let decoder = Decoder {
        data,
        meta,
        states: &states,
        source,
        pool,
    };
    decoder.decode(&mut bands, &mut errors, progress, cancel)?;
    let summaries = merge_summaries(&bands);
    drop(bands);
    assemble(
        parts,
        states,
        buffers,
        errors,
        keep.is_some().then_some(&summaries),
        source,
    )
}

/// What deciding how to read one part needs.
struct PartPlan<'a> {
    part_index: usize,
    header: &'a Header,
    table: &'a [u64],
    filter: &'a ChannelFilter,
    keep: Option<&'a ChannelFilter>,
    /// Where the offset tables end: no block can start before.
    tables_end: usize,
    file_len: u64,
}

/// How one part is read: skipped (no wanted channel), not decoded (with the reason, and the
/// damage of its offsets if any), or its blocks.
fn plan_part(plan: &PartPlan<'_>) -> (PartState, Option<String>) {
    let PartPlan {
        part_index,
        header,
        table,
        filter,
        keep,
        tables_end,
        file_len,
    } = *plan;
    let wanted = filter.wanted_in_part(part_index, header.channels.list.len());
    let kept = match keep {
        Some(keep) => wanted
            .iter()
            .enumerate()
            .map(|(channel, &wanted)| {
                wanted
                    && keep.wants(ChannelRef {
                        part: part_index,
                        channel,
                    })
            })
            .collect(),
        None => wanted.clone(),
    };
    let mut state = PartState {
        decodable: false,
        skipped: false,
        wanted,
        kept,
        band_rows: 1,
        work: Vec::new(),
        error: None,
        missing_level_blocks: 0,
    };
    let mut unsupported = None;
    if matches!(filter, ChannelFilter::Only(_)) && !state.wanted.contains(&true) {
        state.skipped = true;
    } else if let Some(reason) = unsupported_reason(header) {
        unsupported = Some(reason);
        // We do not decode these blocks, but a file whose offsets point outside of it is
        // damaged all the same.
        let outside = table
            .iter()
            .any(|&offset| offset < tables_end as u64 || offset >= file_len);
        state.error = outside
            .then(|| BlockError::Truncated("pixel block offsets point outside the file".into()));
    } else {
        state.decodable = true;
        state.band_rows = band_rows(header);
        // Only the largest level is decoded, but a file cut inside its smaller levels is
        // damaged all the same: count the blocks whose offsets lie outside the file.
        state.missing_level_blocks = header
            .blocks_increasing_y_order()
            .zip(table)
            .filter(|(tile, _)| tile.location.level_index != exr::math::Vec2(0, 0))
            .filter(|&(_, &offset)| offset < tables_end as u64 || offset >= file_len)
            .count();
        match part_work(part_index, header, table) {
            Ok(work) => state.work = work,
            Err(error) => state.error = Some(BlockError::from_exr(&error, BlockStep::Locate)),
        }
    }
    (state, unsupported)
}

/// Decoding the bands in parallel.
struct Decoder<'a> {
    data: Source<'a>,
    meta: &'a MetaData,
    states: &'a [PartState],
    source: &'a str,
    /// A smaller pool to decode on (see [`decode_pixels`]), or `None` for the current one.
    pool: Option<rayon::ThreadPool>,
}

impl Decoder<'_> {
    /// Decodes `bands` in parallel, each thread taking the next band as it finishes one. (It
    /// used to decode batches of about 64 MB with a join after each, to report progress and
    /// poll for cancellation between them; a core then waited for the other's last block of
    /// every batch. Without the joins, `read` of the 4K PIZ benchmark file is 17 % faster and
    /// `check` of it 8 % faster on two cores.) A part stops at its first failure in file order,
    /// recorded in `errors`: a failed band skips the part's later bands but not its earlier
    /// ones, so the error does not depend on timing. Cancellation is checked before each band.
    /// Progress is reported from the calling thread as bands finish, for decodes of at least
    /// [`REPORTED_DECODE_BYTES`] started outside the pool; others report only their start and
    /// end.
    fn decode(
        &self,
        bands: &mut [Band<'_>],
        errors: &mut [Option<BlockError>],
        progress: &mut dyn FnMut(f64),
        cancel: &AtomicBool,
    ) -> Result<(), LoadError> {
        let total: usize = bands.iter().map(|band| band.items.len()).sum();
        let done = AtomicUsize::new(0);
        let cancelled = AtomicBool::new(false);
        // Per part, the index of its earliest failed band so far (bands are in file order).
        let first_failure: Vec<AtomicUsize> = errors
            .iter()
            .map(|error| AtomicUsize::new(if error.is_some() { 0 } else { usize::MAX }))
            .collect();
        let band_count = bands.len();
        let work_bytes: usize = bands
            .iter()
            .map(|band| {
                let block_bytes = self
                    .meta
                    .headers
                    .get(band.part)
                    .map_or(0, Header::max_block_byte_size);
                band.items.len().saturating_mul(block_bytes)
            })
            .fold(0, usize::saturating_add);
        let (done, cancelled, first_failure) = (&done, &cancelled, &first_failure);
        // Each decoded band sends a message; the calling thread reports progress on each.
        let mut decode_all = |sender: &mpsc::Sender<()>| -> Vec<(usize, usize, BlockError)> {
            bands
                .par_iter_mut()
                .enumerate()
                .filter_map(|(index, band)| {
                    let failure = first_failure.get(band.part)?;
                    if index >= failure.load(Ordering::Relaxed) {
                        return None;
                    }
                    crate::pace::point();
                    if cancel.load(Ordering::Relaxed) {
                        cancelled.store(true, Ordering::Relaxed);
                        return None;
                    }
                    let result = self.decode_one(band);
                    done.fetch_add(band.items.len(), Ordering::Relaxed);
                    // Nobody listens when decoding on a pool thread (see below).
                    sender.send(()).ok();
                    let error = result.err()?;
                    failure.fetch_min(index, Ordering::Relaxed);
                    Some((index, band.part, error))
                })
                .collect()
        };
        let mut run = move |sender: &mpsc::Sender<()>| match &self.pool {
            Some(pool) => pool.install(|| decode_all(sender)),
            None => decode_all(sender),
        };
        let report = || done.load(Ordering::Relaxed) as f64 / total.max(1) as f64;
        progress(0.0);
        let (sender, receiver) = mpsc::channel::<()>();
        let quick = band_count < 2 || work_bytes < REPORTED_DECODE_BYTES;
        let mut failures = if quick || rayon::current_thread_index().is_some() {
            // A small file (its progress would flash by; a thread and a message per band cost
            // a folder check 13 % of its time), or on a pool thread already (files decoded in
            // parallel), where blocking the thread to report could starve the pool.
            drop(receiver);
            run(&sender)
        } else {
            std::thread::scope(|scope| {
                // The sender goes with the worker: the reports end when it ends (or unwinds).
                let worker = scope.spawn(move || run(&sender));
                for () in receiver.iter() {
                    progress(report());
                }
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
        };
        // The earliest failure of each part is its error.
        failures.sort_by_key(|&(index, _, _)| index);
        for (_, part, reason) in failures {
            if let Some(error) = errors.get_mut(part) {
                error.get_or_insert(reason);
            }
        }
        if cancelled.load(Ordering::Relaxed) {
            return Err(LoadError::Cancelled {
                path: self.source.to_owned(),
            });
        }
        progress(report());
        Ok(())
    }

    fn decode_one(&self, band: &mut Band<'_>) -> Result<(), BlockError> {
        match (self.meta.headers.get(band.part), self.states.get(band.part)) {
            (Some(header), Some(state)) => {
                decode_band(self.data, band, self.meta, header, &state.wanted)
            }
            _ => Err(BlockError::Internal("a band of an unknown part")),
        }
    }
}

/// Each channel's summary: its bands', in order.
fn merge_summaries(bands: &[Band<'_>]) -> BTreeMap<ChannelRef, RowsSummary> {
    let mut summaries: BTreeMap<ChannelRef, RowsSummary> = BTreeMap::new();
    for band in bands {
        for (channel, summary) in band.summaries.iter().enumerate() {
            if let Some(summary) = summary {
                let entry = summaries
                    .entry(ChannelRef {
                        part: band.part,
                        channel,
                    })
                    .or_insert(RowsSummary::EMPTY);
                *entry = entry.merge(*summary);
            }
        }
    }
    summaries
}

/// Puts the decoded buffers into `parts` and the errors into their `pixel_error`; with
/// `summaries` (a report), returns the statistics of every decoded channel. A file whose every
/// decodable part is broken is refused rather than shown without pixels (parts we do not
/// support are not errors).
fn assemble(
    parts: &mut [Part],
    states: Vec<PartState>,
    buffers: Vec<Option<Vec<Option<Samples>>>>,
    errors: Vec<Option<BlockError>>,
    summaries: Option<&BTreeMap<ChannelRef, RowsSummary>>,
    source: &str,
) -> Result<BTreeMap<ChannelRef, ChannelStats>, LoadError> {
    let mut stats = BTreeMap::new();
    let mut first_error = None;
    let mut decoded_parts = 0;
    for (part_index, (((part, state), part_buffers), error)) in parts
        .iter_mut()
        .zip(states)
        .zip(buffers)
        .zip(errors)
        .enumerate()
    {
        if state.skipped {
            continue;
        }
        if !state.decodable {
            // A part we do not decode: keep its explanation, add the damage if any.
            if let Some(reason) = error {
                let unsupported = part.pixel_error.take().unwrap_or_default();
                part.pixel_error =
                    Some(format!("{unsupported}; the file is also damaged: {reason}"));
                part.pixels_damaged = true;
                first_error.get_or_insert(reason);
            }
            continue;
        }
        match (error, part_buffers) {
            (None, Some(part_buffers)) => {
                decoded_parts += 1;
                part.missing_level_blocks = state.missing_level_blocks;
                for (channel, samples) in part.channels.iter_mut().zip(part_buffers) {
                    channel.samples = samples;
                }
                let Some(summaries) = summaries else { continue };
                for (index, channel) in part.channels.iter().enumerate() {
                    if state.wanted.get(index) != Some(&true) {
                        continue;
                    }
                    let channel_ref = ChannelRef {
                        part: part_index,
                        channel: index,
                    };
                    let summary = summaries
                        .get(&channel_ref)
                        .copied()
                        .unwrap_or(RowsSummary::EMPTY);
                    stats.insert(channel_ref, summary.finish_as(channel.sample_type));
                }
            }
            (error, _) => {
                // No error but no buffers: the allocator refused them.
                let reason = error.unwrap_or(BlockError::OutOfMemory);
                part.pixel_error = Some(reason.to_string());
                part.pixels_damaged = reason != BlockError::OutOfMemory;
                first_error.get_or_insert(reason);
            }
        }
    }
    match first_error {
        Some(BlockError::OutOfMemory) if decoded_parts == 0 => Err(out_of_memory(source)),
        Some(reason) if decoded_parts == 0 => Err(invalid_reason(source, reason.to_string())),
        _ => Ok(stats),
    }
}

/// The blocks of the largest resolution level of a part, in offset-table order.
fn part_work(part: usize, header: &Header, table: &[u64]) -> Result<Vec<Work>, exr::error::Error> {
    let mut work = Vec::new();
    for (tile, &offset) in header.blocks_increasing_y_order().zip(table) {
        if tile.location.level_index != exr::math::Vec2(0, 0) {
            continue;
        }
        let rectangle = header.get_absolute_block_pixel_coordinates(tile.location)?;
        rectangle.validate(Some(header.layer_size))?;
        work.push(Work {
            part,
            offset,
            tile: tile.location,
            rectangle,
        });
    }
    Ok(work)
}

/// Splits a part's buffers into bands of rows and pairs each band with its blocks.
fn part_bands<'a>(
    part: usize,
    state: &'a PartState,
    header: &Header,
    buffers: Vec<Option<SamplesMut<'a>>>,
    summarize: bool,
) -> Vec<Band<'a>> {
    let band_rows = state.band_rows;
    let band_len = header.layer_size.0.saturating_mul(band_rows).max(1);
    // For each channel, its rows cut into bands.
    let mut channel_bands: Vec<std::vec::IntoIter<Option<SamplesMut<'a>>>> = buffers
        .into_iter()
        .map(|samples| {
            let bands: Vec<Option<SamplesMut<'a>>> = match samples {
                None => Vec::new(),
                Some(SamplesMut::F16(v)) => v
                    .chunks_mut(band_len)
                    .map(|c| Some(SamplesMut::F16(c)))
                    .collect(),
                Some(SamplesMut::F32(v)) => v
                    .chunks_mut(band_len)
                    .map(|c| Some(SamplesMut::F32(c)))
                    .collect(),
                Some(SamplesMut::U32(v)) => v
                    .chunks_mut(band_len)
                    .map(|c| Some(SamplesMut::U32(c)))
                    .collect(),
            };
            bands.into_iter()
        })
        .collect();
    let mut bands = Vec::new();
    let mut items = state.work.as_slice();
    let mut band_index = 0;
    while let Some(first) = items.first() {
        let band_of = |item: &Work| item.rectangle.position.1.max(0) as usize / band_rows;
        let band = band_of(first);
        let count = items
            .iter()
            .take_while(|item| band_of(item) == band)
            .count()
            .max(1);
        let (these, later) = items.split_at(count.min(items.len()));
        items = later;
        // Bands come in order (the offset table runs top to bottom); skip the buffers' bands
        // no block falls in.
        let mut rows = Vec::with_capacity(channel_bands.len());
        for channel in &mut channel_bands {
            let mut slot = None;
            for _ in band_index..=band {
                slot = channel.next().flatten();
            }
            rows.push(slot);
        }
        band_index = band + 1;
        let first_row = band.saturating_mul(band_rows);
        bands.push(Band {
            part,
            first_row,
            row_count: band_rows.min(header.layer_size.1.saturating_sub(first_row)),
            items: these,
            rows,
            summaries: if summarize {
                vec![None; state.wanted.len()]
            } else {
                Vec::new()
            },
        });
    }
    bands
}

/// Reads and decodes the blocks of one band into its rows (of the kept channels); when
/// summarising, every wanted channel's rows are also summarised as they come out of the decoder,
/// while they are in cache.
fn decode_band(
    data: Source<'_>,
    band: &mut Band<'_>,
    meta: &MetaData,
    header: &Header,
    wanted: &[bool],
) -> Result<(), BlockError> {
    if band.summaries.is_empty() {
        return decode_band_blocks(data, band, meta, header, wanted, None);
    }
    let mut summarizer = ROW_SUMMARIZER.with_borrow_mut(std::mem::take);
    let result = decode_band_blocks(data, band, meta, header, wanted, Some(&mut summarizer));
    ROW_SUMMARIZER.set(summarizer);
    result
}

/// [`decode_band`].
fn decode_band_blocks(
    data: Source<'_>,
    band: &mut Band<'_>,
    meta: &MetaData,
    header: &Header,
    wanted: &[bool],
    mut summarizer: Option<&mut RowSummarizer>,
) -> Result<(), BlockError> {
    let width = header.layer_size.0;
    let types: Vec<SampleType> = header
        .channels
        .list
        .iter()
        .map(|channel| sample_type(channel.sample_type))
        .collect();
    let band_len = width.saturating_mul(band.row_count);
    for item in band.items {
        let chunk = read_chunk(data, item.offset, item.part, meta)?;
        let tile = header
            .get_block_data_indices(&chunk.compressed_block)
            .map_err(|error| BlockError::from_exr(&error, BlockStep::Locate))?;
        if tile.level_index != exr::math::Vec2(0, 0) {
            return Err(BlockError::pixels(
                "the offset table points at a block of a smaller resolution level",
            ));
        }
        if tile != item.tile {
            return Err(BlockError::pixels(
                "the offset table points at the wrong pixel block (duplicate or swapped offsets)",
            ));
        }
        let compressed = match chunk.compressed_block {
            CompressedBlock::ScanLine(block) => block.compressed_pixels_le,
            CompressedBlock::Tile(block) => block.compressed_pixels_le,
            _ => return Err(BlockError::Unsupported("deep data".into())),
        };
        let layout = BlockLayout {
            channels: &header.channels,
            rectangle: item.rectangle,
        };
        let mut sink = BandSink {
            x: item.rectangle.position.0.max(0) as usize,
            y: item.rectangle.position.1.max(0) as usize,
            block_width: item.rectangle.size.0,
            width,
            first_row: band.first_row,
            band_len,
            types: &types,
            rows: &mut band.rows,
            summaries: &mut band.summaries,
            summarizer: summarizer.as_deref_mut(),
        };
        codec::decode_block(header, layout, compressed, wanted, &mut sink)?;
    }
    Ok(())
}

/// Where a block's rows go: into the band's rows of the kept channels, and into the summaries
/// when summarising.
struct BandSink<'b, 'r> {
    /// The block's first column and row within the data window, and its width.
    x: usize,
    y: usize,
    block_width: usize,
    /// The part's width, the band's first row and its samples per channel.
    width: usize,
    first_row: usize,
    band_len: usize,
    types: &'b [SampleType],
    rows: &'b mut [Option<SamplesMut<'r>>],
    summaries: &'b mut [Option<RowsSummary>],
    summarizer: Option<&'b mut RowSummarizer>,
}

impl BandSink<'_, '_> {
    /// The first sample of the block's row `row` in the band's buffers.
    fn start_of(&self, row: usize) -> Option<usize> {
        (self.y + row)
            .checked_sub(self.first_row)
            .and_then(|r| r.checked_mul(self.width))
            .and_then(|r| r.checked_add(self.x))
    }
}

impl codec::LineSink for BandSink<'_, '_> {
    fn row(&mut self, row: usize, channel: usize, bytes: &[u8]) -> Result<(), BlockError> {
        let start = self.start_of(row);
        if let (Some(summarizer), Some(summary), Some(&sample_type)) = (
            self.summarizer.as_deref_mut(),
            self.summaries.get_mut(channel),
            self.types.get(channel),
        ) {
            let row = summarizer.summarize(sample_type, bytes);
            *summary = Some(summary.unwrap_or(RowsSummary::EMPTY).merge(row));
        }
        // Only wanted channels reach here; those that are kept have rows in the band.
        match self.rows.get_mut(channel) {
            Some(Some(dest)) => write_row(dest, start, bytes),
            Some(None) if self.summarizer.is_some() => {
                // Not kept: only summarised. Still reject rows outside the band.
                let samples = self
                    .types
                    .get(channel)
                    .map_or(0, |t| bytes.len() / t.bytes_per_sample());
                match start.and_then(|start| start.checked_add(samples)) {
                    Some(end) if end <= self.band_len => Ok(()),
                    _ => Err(outside_the_data_window()),
                }
            }
            _ => Err(outside_the_data_window()),
        }
    }

    /// The block's rows of a kept channel are one run of the band's buffer when the block spans
    /// the part's width (scan-line blocks, and tiles as wide as the image); not when
    /// summarising, which reads the rows.
    fn channel_words(
        &mut self,
        channel: usize,
        word_count: usize,
    ) -> Result<Option<&mut [u16]>, BlockError> {
        if cfg!(target_endian = "big")
            || self.summarizer.is_some()
            || self.x != 0
            || self.block_width != self.width
        {
            return Ok(None);
        }
        let start = self.start_of(0);
        let Some(Some(dest)) = self.rows.get_mut(channel) else {
            return Err(outside_the_data_window());
        };
        start
            .and_then(|start| sample_run::<u16>(dest, start, word_count))
            .map(Some)
            .ok_or_else(outside_the_data_window)
    }

    /// A kept channel's row is a run of the band's buffer; not when summarising, which reads
    /// the row. `None` also for a row that does not fit: [`Self::row`] reports it.
    fn row_destination(
        &mut self,
        row: usize,
        channel: usize,
        byte_len: usize,
    ) -> Option<&mut [u8]> {
        if cfg!(target_endian = "big") || self.summarizer.is_some() {
            return None;
        }
        let start = self.start_of(row)?;
        let Some(Some(dest)) = self.rows.get_mut(channel) else {
            return None;
        };
        sample_run::<u8>(dest, start, byte_len)
    }
}

/// The samples of `dest` from `start` on that make exactly `len` units of `T` (bytes, 16-bit
/// words), as those units; `None` when `len` is not a whole number of samples or the run
/// leaves the buffer.
fn sample_run<'a, T: bytemuck::Pod>(
    dest: &'a mut SamplesMut<'_>,
    start: usize,
    len: usize,
) -> Option<&'a mut [T]> {
    let bytes = len.checked_mul(std::mem::size_of::<T>())?;
    let bytes_per_sample = dest.sample_type().bytes_per_sample();
    if bytes % bytes_per_sample != 0 {
        return None;
    }
    let range = start..start.checked_add(bytes / bytes_per_sample)?;
    match dest {
        SamplesMut::F16(v) => bytemuck::try_cast_slice_mut(v.get_mut(range)?).ok(),
        SamplesMut::F32(v) => bytemuck::try_cast_slice_mut(v.get_mut(range)?).ok(),
        SamplesMut::U32(v) => bytemuck::try_cast_slice_mut(v.get_mut(range)?).ok(),
    }
}

fn outside_the_data_window() -> BlockError {
    BlockError::pixels("a pixel block lies outside the data window")
}

/// Converts one row of little-endian samples into `dest` from sample `start` on.
fn write_row(
    dest: &mut SamplesMut<'_>,
    start: Option<usize>,
    bytes: &[u8],
) -> Result<(), BlockError> {
    let outside = outside_the_data_window;
    let start = start.ok_or_else(outside)?;
    match dest {
        SamplesMut::F16(v) => {
            let (src, _) = bytes.as_chunks::<2>();
            let end = start.checked_add(src.len()).ok_or_else(outside)?;
            let dest = v.get_mut(start..end).ok_or_else(outside)?;
            for (d, s) in dest.iter_mut().zip(src) {
                *d = f16::from_bits(u16::from_le_bytes(*s));
            }
        }
        SamplesMut::F32(v) => {
            let (src, _) = bytes.as_chunks::<4>();
            let end = start.checked_add(src.len()).ok_or_else(outside)?;
            let dest = v.get_mut(start..end).ok_or_else(outside)?;
            for (d, s) in dest.iter_mut().zip(src) {
                *d = f32::from_le_bytes(*s);
            }
        }
        SamplesMut::U32(v) => {
            let (src, _) = bytes.as_chunks::<4>();
            let end = start.checked_add(src.len()).ok_or_else(outside)?;
            let dest = v.get_mut(start..end).ok_or_else(outside)?;
            for (d, s) in dest.iter_mut().zip(src) {
                *d = u32::from_le_bytes(*s);
            }
        }
    }
    Ok(())
}

/// Reads the offset tables (one u64 per chunk, per part) after checking that they fit in the
/// file: the chunk count comes from the header's data window, so a crafted header could
/// otherwise make us enumerate billions of blocks.
fn read_offset_tables(
    data: Source<'_>,
    header: &MetaAndTables,
    source: &str,
) -> Result<Vec<Vec<u64>>, LoadError> {
    let total_chunks = header
        .meta
        .headers
        .iter()
        .try_fold(0usize, |sum, h| sum.checked_add(h.chunk_count));
    let table_bytes = total_chunks.and_then(|count| count.checked_mul(8));
    let table_end = table_bytes.and_then(|len| len.checked_add(header.offset_tables_start));
    let table_range = table_bytes
        .zip(table_end)
        .filter(|&(_, end)| end as u64 <= data.len());
    let Some((table_bytes, _)) = table_range else {
        return Err(invalid_reason(
            source,
            format!(
                "file ends early (truncated?): the headers declare {} pixel blocks, whose offset table does not fit in the file",
                total_chunks.map_or_else(|| "too many".to_owned(), |n| n.to_string())
            ),
        ));
    };
    let bytes = data
        .read_range(header.offset_tables_start, table_bytes)
        .map_err(|error| invalid_reason(source, BlockError::from_io(error.kind()).to_string()))?;
    let mut position = 0;
    let mut tables = Vec::with_capacity(header.meta.headers.len());
    for part in &header.meta.headers {
        let end = position + part.chunk_count * 8;
        let table_bytes = bytes
            .get(position..end)
            .ok_or_else(|| invalid_reason(source, "file ends early (truncated?)"))?;
        let (entries, _) = table_bytes.as_chunks::<8>();
        tables.push(entries.iter().map(|e| u64::from_le_bytes(*e)).collect());
        position = end;
    }
    Ok(tables)
}

/// Zeroed sample buffers for the wanted channels of a part (`None` for the others); `None` when
/// the allocator refuses.
///
/// The decoded blocks overwrite every sample, so the buffers are not filled sample by sample:
/// `vec![0; n]` of a primitive asks the allocator for zeroed memory, which for large buffers is
/// fresh pages from the kernel (already zero, no memset pass). That allocation aborts instead of
/// failing, so one fallible reservation of the part's whole size is made (and released) first.
/// One for the part, not one per channel: glibc raises its mmap threshold to the size of a
/// freed mmapped block (up to 32 MiB), so releasing a probe of exactly one channel's size sent
/// the channel buffers that followed into its per-thread arenas, where the memory freed around
/// them stayed resident (the viewer held ~90 MB more for a 4K file). A probe of the whole part
/// is either above that cap or small enough not to matter.
fn zeroed_buffers(header: &Header, wanted: &[bool]) -> Option<Vec<Option<Samples>>> {
    let sizes: Vec<Option<(SampleType, usize)>> = header
        .channels
        .list
        .iter()
        .zip(wanted)
        .map(|(channel, &wanted)| {
            let (width, height) = channel_size(header, channel);
            wanted.then(|| {
                (
                    sample_type(channel.sample_type),
                    width.saturating_mul(height),
                )
            })
        })
        .collect();
    let total_bytes = sizes
        .iter()
        .flatten()
        .try_fold(0usize, |sum, &(sample_type, count)| {
            count
                .checked_mul(sample_type.bytes_per_sample())
                .and_then(|bytes| sum.checked_add(bytes))
        })?;
    let mut probe = Vec::<u8>::new();
    probe.try_reserve_exact(total_bytes).ok()?;
    drop(probe);
    Some(
        sizes
            .into_iter()
            .map(|size| size.map(|(sample_type, count)| zeroed_samples(sample_type, count)))
            .collect(),
    )
}

/// A zero-filled buffer of `count` samples (see [`zeroed_buffers`] for why this is cheap and
/// why the caller reserves first).
fn zeroed_samples(sample_type: SampleType, count: usize) -> Samples {
    use half::vec::HalfBitsVecExt;
    match sample_type {
        SampleType::Half => Samples::F16(vec![0u16; count].reinterpret_into()),
        SampleType::Float => Samples::F32(vec![0.0f32; count]),
        SampleType::Uint => Samples::U32(vec![0u32; count]),
    }
}
