//! Loading EXR files into the [`Image`] model with the `exr` crate.
//!
//! Headers are read first: the decoded size is computed from them and checked against a memory
//! budget before any pixel is decoded, so a crafted header that declares billions of pixels is
//! refused with a clear error instead of aborting the process.
//!
//! Pixels are decoded with the `exr` crate's block API: we read the offset tables ourselves
//! (after checking that they fit in the file), read only the chunks of the largest resolution
//! level of the parts we can decode, decompress them in parallel and copy the samples, in their
//! native type, into one buffer per channel. Decoding one part never depends on another, so a
//! part that fails (or uses deep data / subsampling) does not prevent the others from loading.
//!
//! Reports ([`summarize_file`]) take the same path, but summarise each row of every channel as
//! the decoder hands it over and copy only the rows of the channels they keep.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use exr::block::chunk::{Chunk, CompressedBlock, TileCoordinates};
use exr::compression::Compression;
use exr::meta::BlockDescription;
use exr::meta::MetaData;
use exr::meta::attribute::{
    AttributeValue, BlockType, ChannelDescription, EnvironmentMap, IntegerBounds, LevelMode,
    LineOrder, SampleType as ExrSampleType,
};
use exr::meta::header::Header;
use half::f16;
use rayon::prelude::*;

use crate::codec::{self, BlockLayout};
use crate::model::{
    Attribute, Channel, ChannelRef, Image, Part, SampleType, Samples, Storage, Window,
};
use crate::stats::{ChannelStats, HalfCounter, RowsSummary};

/// Why a file could not be loaded. Messages say what happened and end with the path.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the file ({source}): {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("not a valid OpenEXR file ({reason}): {path}")]
    Invalid { reason: String, path: String },
    #[error(
        "decoding would need {needed_bytes} bytes, more than the memory budget of {budget_bytes} bytes (raise it with --memory-budget): {path}"
    )]
    TooLarge {
        needed_bytes: u64,
        budget_bytes: u64,
        path: String,
    },
    #[error("loading was cancelled: {path}")]
    Cancelled { path: String },
}

/// How to load. Build it from [`LoadOptions::default`] and change what you need
/// (`LoadOptions { decode_pixels: false, ..LoadOptions::default() }`).
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Refuse files whose decoded samples (of the wanted channels) would take more bytes than
    /// this.
    pub memory_budget_bytes: u64,
    /// Decode pixels (`false`: headers and channel list only, `samples` stay `None`).
    pub decode_pixels: bool,
    /// Which channels to decode when `decode_pixels` is true. Channels left out are neither
    /// allocated nor copied: their `samples` stay `None` while their part's `pixel_error` stays
    /// `None` (see [`crate::model::Part::pixel_state`]). Parts without a wanted channel are not
    /// read at all, so damage in them goes unnoticed.
    pub channels: ChannelFilter,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            memory_budget_bytes: default_memory_budget(),
            decode_pixels: true,
            channels: ChannelFilter::All,
        }
    }
}

/// Which channels a load decodes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ChannelFilter {
    /// Every channel of every part we can decode.
    #[default]
    All,
    /// Only these channels, named by part and channel index as in a header-only load of the same
    /// file (channels sort by name within a part, as in the file). References to channels the
    /// file does not have are ignored.
    Only(BTreeSet<ChannelRef>),
}

impl ChannelFilter {
    /// A filter that decodes only `channels`.
    pub fn only(channels: impl IntoIterator<Item = ChannelRef>) -> Self {
        ChannelFilter::Only(channels.into_iter().collect())
    }

    /// True when the channel is to be decoded.
    pub fn wants(&self, channel: ChannelRef) -> bool {
        match self {
            ChannelFilter::All => true,
            ChannelFilter::Only(wanted) => wanted.contains(&channel),
        }
    }

    /// The channels both filters want.
    fn both(a: &ChannelFilter, b: &ChannelFilter) -> ChannelFilter {
        match (a, b) {
            (ChannelFilter::All, other) | (other, ChannelFilter::All) => other.clone(),
            (ChannelFilter::Only(a), ChannelFilter::Only(b)) => {
                ChannelFilter::Only(a.intersection(b).copied().collect())
            }
        }
    }

    /// Which of a part's `channel_count` channels are wanted, by channel index.
    fn wanted_in_part(&self, part: usize, channel_count: usize) -> Vec<bool> {
        (0..channel_count)
            .map(|channel| self.wants(ChannelRef { part, channel }))
            .collect()
    }
}

/// Progress callback: called with a fraction in 0..=1 from the loading thread.
pub type Progress<'a> = &'a mut (dyn FnMut(f64) + Send);

/// Budget used when the available memory is unknown: 4 GiB.
const FALLBACK_MEMORY_BUDGET_BYTES: u64 = 4 << 30;

/// Default budget: 75 % of the machine's available memory (`MemAvailable` in `/proc/meminfo`),
/// or 4 GiB when that is unknown.
pub fn default_memory_budget() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_available_bytes(&text))
        .map(|bytes| bytes / 4 * 3)
        .unwrap_or(FALLBACK_MEMORY_BUDGET_BYTES)
}

/// `MemAvailable` from the text of `/proc/meminfo`, in bytes.
fn mem_available_bytes(meminfo: &str) -> Option<u64> {
    let line = meminfo
        .lines()
        .find(|line| line.starts_with("MemAvailable:"))?;
    let mut words = line.split_whitespace().skip(1);
    let kib: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => kib.checked_mul(1024),
        Some(_) => None,
    }
}

/// Loads a file. `cancel` is polled between blocks; when it becomes true the load stops with
/// [`LoadError::Cancelled`].
///
/// The headers are read and checked first; only then are the pixel blocks read from the file,
/// a batch at a time, and decoded by the same code as [`load_bytes`] (the file is never held in
/// memory as a whole; the offset tables count against the memory budget).
pub fn load_file(
    path: &Path,
    options: &LoadOptions,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<Image, LoadError> {
    read_file(path, options, None, progress, cancel).map(|summarized| summarized.image)
}

/// A file read for a report by [`summarize_file`].
#[derive(Debug)]
pub struct Summarized {
    /// The file, with the samples of only the channels that were kept.
    pub image: Image,
    /// Summary statistics of every decoded channel (kept or not), as
    /// [`crate::stats::channel_stats`] computes them from the samples (the mean may differ in
    /// the last bits: the sum is taken in another order).
    pub stats: BTreeMap<ChannelRef, ChannelStats>,
}

/// Reads a file for a report (`check`, `info`): decodes the channels `options.channels` asks for
/// and computes each one's summary statistics, but keeps the samples only of the channels `keep`
/// chooses. `keep` is called once, with the file's header-only image (names, types, sizes; no
/// samples), to pick them by name: the depth channel, for instance, whose distribution is still
/// to be computed.
///
/// Each row of every decoded channel is summarised as the decoder hands it over, while it is in
/// cache, and only the kept channels' rows are copied anywhere. So the memory needed is that of
/// the kept channels (which is what the memory budget is checked against, with the offset
/// tables), and the statistics need no second pass over memory. Errors, cancellation and
/// progress are as for [`load_file`].
pub fn summarize_file(
    path: &Path,
    options: &LoadOptions,
    keep: &mut dyn FnMut(&Image) -> ChannelFilter,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<Summarized, LoadError> {
    read_file(path, options, Some(keep), progress, cancel)
}

/// [`load_file`] (`keep` is `None`: keep every decoded channel, no statistics) and
/// [`summarize_file`].
fn read_file(
    path: &Path,
    options: &LoadOptions,
    keep: Option<&mut dyn FnMut(&Image) -> ChannelFilter>,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<Summarized, LoadError> {
    let source = path.display().to_string();
    let io_error = |error: std::io::Error| LoadError::Io {
        path: source.clone(),
        source: error,
    };
    let file = File::open(path).map_err(io_error)?;
    let metadata = file.metadata().map_err(io_error)?;
    // Opening a folder succeeds on Unix; say so instead of failing later as "not an EXR".
    if metadata.is_dir() {
        return Err(io_error(std::io::ErrorKind::IsADirectory.into()));
    }
    let file_len = metadata.len();

    // Header first, from the file, without reading the pixel data.
    let (header, parts) = guarded(&source, || {
        let header = read_meta(BufReader::new(&file))
            .map_err(|error| invalid(&source, &error, Stage::Header))?;
        let parts = parts_from_meta(&header.meta, &source)?;
        Ok((header, parts))
    })?;
    let mut image = Image {
        source: source.clone(),
        parts,
    };
    if !options.decode_pixels {
        progress(1.0);
        return Ok(Summarized {
            image,
            stats: BTreeMap::new(),
        });
    }
    let keep = keep.map(|keep| keep(&image));
    // Compressed blocks are read from the file as they are decoded (a batch at a time); only
    // the offset tables are held besides the decoded samples (of the kept channels).
    let resident = match &keep {
        Some(keep) => ChannelFilter::both(&options.channels, keep),
        None => options.channels.clone(),
    };
    check_budget(
        decoded_byte_size(&header.meta, &resident)
            .saturating_add(offset_table_byte_size(&header.meta)),
        options,
        &source,
    )?;
    guarded(&source, || {
        let data = Source::File {
            file: &file,
            len: file_len,
        };
        let stats = decode_pixels(
            data,
            &header,
            &mut image.parts,
            &options.channels,
            keep.as_ref(),
            &source,
            progress,
            cancel,
        )?;
        progress(1.0);
        Ok(Summarized {
            image: Image {
                source: source.clone(),
                parts: std::mem::take(&mut image.parts),
            },
            stats,
        })
    })
}

/// Loads an EXR held in memory (embedded examples, fuzzing). `source` names it in messages.
pub fn load_bytes(
    bytes: &[u8],
    source: &str,
    options: &LoadOptions,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<Image, LoadError> {
    load_from_bytes(bytes, source.to_owned(), options, progress, cancel)
}

/// The code `load_file` and `load_bytes` share.
fn load_from_bytes(
    bytes: &[u8],
    source: String,
    options: &LoadOptions,
    progress: &mut dyn FnMut(f64),
    cancel: &AtomicBool,
) -> Result<Image, LoadError> {
    guarded(&source, || {
        let header = read_meta(bytes).map_err(|error| invalid(&source, &error, Stage::Header))?;
        let mut parts = parts_from_meta(&header.meta, &source)?;
        if options.decode_pixels {
            check_budget(
                decoded_byte_size(&header.meta, &options.channels),
                options,
                &source,
            )?;
            decode_pixels(
                Source::Bytes(bytes),
                &header,
                &mut parts,
                &options.channels,
                None,
                &source,
                progress,
                cancel,
            )?;
        }
        progress(1.0);
        Ok(Image {
            source: source.clone(),
            parts,
        })
    })
}

/// Runs `load`, turning a panic inside the `exr` crate (malformed data it does not check) into
/// [`LoadError::Invalid`] instead of unwinding into the caller.
fn guarded<T>(source: &str, load: impl FnOnce() -> Result<T, LoadError>) -> Result<T, LoadError> {
    catch_unwind(AssertUnwindSafe(load)).unwrap_or_else(|_| {
        Err(LoadError::Invalid {
            reason: "the decoder failed on malformed data".into(),
            path: source.to_owned(),
        })
    })
}

/// The headers and where the offset tables start.
struct MetaAndTables {
    meta: MetaData,
    /// Byte offset of the first offset table (right after the headers).
    offset_tables_start: usize,
}

/// Counts the bytes a reader hands out, to know where the headers end.
struct CountingReader<R> {
    inner: R,
    count: usize,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let count = self.inner.read(buf)?;
        self.count = self.count.saturating_add(count);
        Ok(count)
    }
}

/// Where the compressed pixel blocks come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// The whole file in memory.
    Bytes(&'a [u8]),
    /// An open file, read with positioned reads (safe from several threads at once).
    File { file: &'a File, len: u64 },
}

/// Bytes of the read buffer of one block reader (block headers are small; the compressed data
/// is read straight into its own buffer past the buffer).
const BLOCK_READER_BUFFER_BYTES: usize = 8 << 10;

impl Source<'_> {
    /// Length of the file in bytes.
    fn len(self) -> u64 {
        match self {
            Source::Bytes(bytes) => bytes.len() as u64,
            Source::File { len, .. } => len,
        }
    }

    /// The `len` bytes at `start` (which the caller checked to lie within the file).
    fn read_range(self, start: usize, len: usize) -> std::io::Result<Vec<u8>> {
        match self {
            Source::Bytes(bytes) => start
                .checked_add(len)
                .and_then(|end| bytes.get(start..end))
                .map(<[u8]>::to_vec)
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
            Source::File { file, .. } => {
                let mut buffer = Vec::new();
                buffer
                    .try_reserve_exact(len)
                    .map_err(|_| std::io::Error::from(std::io::ErrorKind::OutOfMemory))?;
                let mut reader = PositionedReader {
                    file,
                    position: start as u64,
                }
                .take(len as u64);
                reader.read_to_end(&mut buffer)?;
                if buffer.len() == len {
                    Ok(buffer)
                } else {
                    Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof))
                }
            }
        }
    }
}

/// Reads an open file from a position of its own, without moving the file's shared cursor.
struct PositionedReader<'a> {
    file: &'a File,
    position: u64,
}

impl Read for PositionedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let count = std::os::unix::fs::FileExt::read_at(self.file, buf, self.position)?;
        #[cfg(windows)]
        let count = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.position)?;
        self.position = self.position.saturating_add(count as u64);
        Ok(count)
    }
}

/// Reads and validates the headers of every part.
fn read_meta(read: impl Read) -> Result<MetaAndTables, exr::error::Error> {
    let mut counting = CountingReader {
        inner: read,
        count: 0,
    };
    // Same flags as the exr crate's own reader (`Reader::read_from_buffered(_, false)`): headers
    // parsed strictly, the header set validated leniently. Header reading never leaves a peeked
    // byte behind (it stops after consuming the terminating zero), so `count` is exact.
    let meta = MetaData::read_from_buffered(&mut counting, true)?;
    // `MetaData::validate` refuses deep parts outright; we want their headers, so validate each
    // header the way it does (non-pedantic) ourselves.
    if meta.headers.is_empty() {
        return Err(exr::error::Error::Invalid("the file has no parts".into()));
    }
    let is_multi_part = meta.headers.len() > 1;
    let mut long_names = false;
    for header in &meta.headers {
        validate_header(header, is_multi_part, &mut long_names)?;
    }
    Ok(MetaAndTables {
        meta,
        offset_tables_start: counting.count,
    })
}

/// Validates one header like the exr crate does, except that subsampled channels are allowed
/// (the exr crate refuses them as unsupported; we still want to show such a header).
fn validate_header(
    header: &Header,
    is_multi_part: bool,
    long_names: &mut bool,
) -> Result<(), exr::error::Error> {
    let subsampled = header
        .channels
        .list
        .iter()
        .any(|channel| channel.sampling != exr::math::Vec2(1, 1));
    if !subsampled {
        return header.validate(is_multi_part, long_names, false);
    }
    // The sampling-specific checks (non-zero factors dividing the data window) come first in the
    // exr crate, so run them and accept only its "not supported" answer; then validate the rest
    // of the header with the sampling factors set to 1.
    for channel in &header.channels.list {
        match channel.validate(true, header.data_window(), false) {
            Ok(()) | Err(exr::error::Error::NotSupported(_)) => {}
            Err(error) => return Err(error),
        }
    }
    let mut unsampled = header.clone();
    for channel in unsampled.channels.list.iter_mut() {
        channel.sampling = exr::math::Vec2(1, 1);
    }
    unsampled.validate(is_multi_part, long_names, false)
}

/// Where an `exr` error happened, to word the message.
#[derive(Clone, Copy)]
enum Stage {
    Header,
    Pixels,
}

/// A user-readable reason for an `exr` error.
fn describe(error: &exr::error::Error, stage: Stage) -> String {
    use exr::error::Error;
    match error {
        Error::Invalid(message) if message == "reference to missing bytes" => {
            "file ends early (truncated?)".into()
        }
        Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "file ends early (truncated?)".into()
        }
        Error::Io(io) => format!("read error: {io}"),
        Error::Aborted => "reading was aborted".into(),
        Error::NotSupported(message) => format!("unsupported feature: {message}"),
        Error::Invalid(message) if message.starts_with("compressed") => {
            format!("corrupt compressed data: {message}")
        }
        Error::Invalid(message) => match stage {
            Stage::Header => format!("invalid header: {message}"),
            Stage::Pixels => format!("corrupt pixel data: {message}"),
        },
    }
}

/// A user-readable reason for an `exr` error while decoding pixels.
pub(crate) fn describe_pixel_error(error: &exr::error::Error) -> String {
    describe(error, Stage::Pixels)
}

fn invalid(source: &str, error: &exr::error::Error, stage: Stage) -> LoadError {
    LoadError::Invalid {
        reason: describe(error, stage),
        path: source.to_owned(),
    }
}

fn invalid_reason(source: &str, reason: impl Into<String>) -> LoadError {
    LoadError::Invalid {
        reason: reason.into(),
        path: source.to_owned(),
    }
}

/// The allocator refused memory the budget allowed (the machine has less free than assumed).
fn out_of_memory(source: &str) -> LoadError {
    LoadError::Io {
        path: source.to_owned(),
        source: std::io::Error::from(std::io::ErrorKind::OutOfMemory),
    }
}

fn check_budget(needed_bytes: u64, options: &LoadOptions, source: &str) -> Result<(), LoadError> {
    if needed_bytes > options.memory_budget_bytes {
        Err(LoadError::TooLarge {
            needed_bytes,
            budget_bytes: options.memory_budget_bytes,
            path: source.to_owned(),
        })
    } else {
        Ok(())
    }
}

/// Why we cannot decode a part's pixels, or `None` when we can.
fn unsupported_reason(header: &Header) -> Option<String> {
    if header.deep {
        return Some("deep data (several samples per pixel) is not supported".into());
    }
    let subsampled: Vec<String> = header
        .channels
        .list
        .iter()
        .filter(|channel| channel.sampling != exr::math::Vec2(1, 1))
        .map(|channel| text_string(&channel.name))
        .collect();
    if subsampled.is_empty() {
        None
    } else {
        Some(format!(
            "subsampled channels ({}) are not supported",
            subsampled.join(", ")
        ))
    }
}

/// Columns and rows of a channel's samples (data window divided by the sampling).
fn channel_size(header: &Header, channel: &ChannelDescription) -> (usize, usize) {
    let exr::math::Vec2(width, height) = header.layer_size;
    let exr::math::Vec2(x_sampling, y_sampling) = channel.sampling;
    (width / x_sampling.max(1), height / y_sampling.max(1))
}

/// Bytes of the offset tables of every part (one u64 per chunk).
fn offset_table_byte_size(meta: &MetaData) -> u64 {
    meta.headers
        .iter()
        .map(|header| header.chunk_count as u64)
        .fold(0u64, u64::saturating_add)
        .saturating_mul(8)
}

/// Bytes of the decoded samples of every wanted channel of the parts we would decode (largest
/// level, native types).
fn decoded_byte_size(meta: &MetaData, filter: &ChannelFilter) -> u64 {
    meta.headers
        .iter()
        .enumerate()
        .filter(|(_, header)| unsupported_reason(header).is_none())
        .flat_map(|(part, header)| {
            header
                .channels
                .list
                .iter()
                .enumerate()
                .filter(move |&(channel, _)| filter.wants(ChannelRef { part, channel }))
                .map(|(_, channel)| {
                    let (width, height) = channel_size(header, channel);
                    (width as u64)
                        .saturating_mul(height as u64)
                        .saturating_mul(sample_type(channel.sample_type).bytes_per_sample() as u64)
                })
        })
        .fold(0u64, u64::saturating_add)
}

fn sample_type(sample_type: ExrSampleType) -> SampleType {
    match sample_type {
        ExrSampleType::F16 => SampleType::Half,
        ExrSampleType::F32 => SampleType::Float,
        ExrSampleType::U32 => SampleType::Uint,
    }
}

fn window(bounds: IntegerBounds) -> Window {
    Window {
        x: bounds.position.0,
        y: bounds.position.1,
        width: bounds.size.0,
        height: bounds.size.1,
    }
}

/// The OpenEXR name of a compression method (`none`, `RLE`, `ZIPS`, `ZIP`, `PIZ`, …).
fn compression_name(compression: Compression) -> &'static str {
    match compression {
        Compression::Uncompressed => "none",
        Compression::RLE => "RLE",
        Compression::ZIP1 => "ZIPS",
        Compression::ZIP16 => "ZIP",
        Compression::PIZ => "PIZ",
        Compression::PXR24 => "PXR24",
        Compression::B44 => "B44",
        Compression::B44A => "B44A",
        Compression::DWAA(_) => "DWAA",
        Compression::DWAB(_) => "DWAB",
        Compression::HTJ2K32 => "HTJ2K32",
        Compression::HTJ2K256 => "HTJ2K256",
    }
}

fn line_order_name(line_order: LineOrder) -> &'static str {
    match line_order {
        LineOrder::Increasing => "increasing Y",
        LineOrder::Decreasing => "decreasing Y",
        LineOrder::Unspecified => "random Y",
    }
}

fn level_mode_name(level_mode: LevelMode) -> &'static str {
    match level_mode {
        LevelMode::Singular => "singular",
        LevelMode::MipMap => "mipmap",
        LevelMode::RipMap => "ripmap",
    }
}

/// Turns every header into a [`Part`] (channels without samples).
fn parts_from_meta(meta: &MetaData, source: &str) -> Result<Vec<Part>, LoadError> {
    meta.headers
        .iter()
        .map(|header| part_from_header(header, source))
        .collect()
}

fn part_from_header(header: &Header, source: &str) -> Result<Part, LoadError> {
    // `all_named_attributes` panics when the chunk count does not fit an i32; no real file has
    // that many blocks.
    if i32::try_from(header.chunk_count).is_err() {
        return Err(invalid_reason(
            source,
            format!(
                "invalid header: the data window needs {} pixel blocks",
                header.chunk_count
            ),
        ));
    }
    let mut attributes: Vec<Attribute> = header
        .all_named_attributes()
        .map(|(name, value)| Attribute {
            name: String::from_utf8_lossy(name).into_owned(),
            type_name: String::from_utf8_lossy(value.kind_name()).into_owned(),
            value: attribute_text(&value),
        })
        .collect();
    attributes.sort_by(|a, b| a.name.cmp(&b.name));

    let channels = header
        .channels
        .list
        .iter()
        .map(|channel| {
            let (width, height) = channel_size(header, channel);
            Channel {
                name: text_string(&channel.name),
                sample_type: sample_type(channel.sample_type),
                sampling: (channel.sampling.0, channel.sampling.1),
                quantize_linearly: channel.quantize_linearly,
                width,
                height,
                samples: None,
            }
        })
        .collect();

    let storage = match header.blocks {
        BlockDescription::ScanLines => Storage::ScanLines,
        BlockDescription::Tiles(tiles) => Storage::Tiles {
            tile_width: tiles.tile_size.0,
            tile_height: tiles.tile_size.1,
            levels: level_mode_name(tiles.level_mode).into(),
        },
    };

    Ok(Part {
        name: header.own_attributes.layer_name.as_ref().map(text_string),
        data_window: window(header.data_window()),
        display_window: window(header.shared_attributes.display_window),
        pixel_aspect: header.shared_attributes.pixel_aspect,
        compression: compression_name(header.compression).into(),
        line_order: line_order_name(header.line_order).into(),
        storage,
        deep: header.deep,
        attributes,
        channels,
        pixel_error: None,
    })
}

fn vec2_text<T: std::fmt::Display>(v: &exr::math::Vec2<T>) -> String {
    format!("({}, {})", v.0, v.1)
}

fn matrix_text(values: &[f32], columns: usize) -> String {
    let rows: Vec<String> = values
        .chunks(columns)
        .map(|row| {
            let row: Vec<String> = row.iter().map(ToString::to_string).collect();
            format!("[{}]", row.join(", "))
        })
        .collect();
    format!("[{}]", rows.join(", "))
}

/// A name or text attribute as a `String`. OpenEXR (and Blender through it) writes UTF-8 bytes;
/// the `exr` crate's `Display` maps each byte to one char (Latin-1), which garbles every
/// non-ASCII name (`Tiefe Ω` became `Tiefe Î©`). Bytes that are not UTF-8 keep that Latin-1
/// reading, so no name is lost.
fn text_string(text: &exr::meta::attribute::Text) -> String {
    match std::str::from_utf8(text.as_slice()) {
        Ok(utf8) => utf8.to_owned(),
        Err(_) => text.to_string(),
    }
}

/// Renders an attribute value as readable text.
fn attribute_text(value: &AttributeValue) -> String {
    match value {
        AttributeValue::Text(text) => text_string(text),
        AttributeValue::TextVector(texts) => {
            texts.iter().map(text_string).collect::<Vec<_>>().join(", ")
        }
        AttributeValue::F32(v) => v.to_string(),
        AttributeValue::F64(v) => v.to_string(),
        AttributeValue::I32(v) => v.to_string(),
        AttributeValue::IntegerBounds(b) => {
            let (x, y) = (i64::from(b.position.0), i64::from(b.position.1));
            format!(
                "({x}, {y}) - ({}, {}), {}x{}",
                x + b.size.0 as i64 - 1,
                y + b.size.1 as i64 - 1,
                b.size.0,
                b.size.1
            )
        }
        AttributeValue::FloatRect(r) => {
            format!("{} - {}", vec2_text(&r.min), vec2_text(&r.max))
        }
        AttributeValue::Rational((numerator, denominator)) => {
            format!("{numerator}/{denominator}")
        }
        AttributeValue::IntVec2(v) => vec2_text(v),
        AttributeValue::FloatVec2(v) => vec2_text(v),
        AttributeValue::IntVec3((a, b, c)) => format!("({a}, {b}, {c})"),
        AttributeValue::FloatVec3((a, b, c)) => format!("({a}, {b}, {c})"),
        AttributeValue::ChannelList(list) => list
            .list
            .iter()
            .map(|channel| {
                let mut text = format!(
                    "{} ({})",
                    text_string(&channel.name),
                    sample_type(channel.sample_type)
                );
                if channel.sampling != exr::math::Vec2(1, 1) {
                    text.push_str(&format!(
                        ", sampling {}x{}",
                        channel.sampling.0, channel.sampling.1
                    ));
                }
                text
            })
            .collect::<Vec<_>>()
            .join(", "),
        AttributeValue::Chromaticities(c) => format!(
            "red {}, green {}, blue {}, white {}",
            vec2_text(&c.red),
            vec2_text(&c.green),
            vec2_text(&c.blue),
            vec2_text(&c.white)
        ),
        AttributeValue::Compression(c) => compression_name(*c).into(),
        AttributeValue::EnvironmentMap(map) => match map {
            EnvironmentMap::LatitudeLongitude => "latitude-longitude".into(),
            EnvironmentMap::Cube => "cube".into(),
        },
        AttributeValue::KeyCode(k) => format!(
            "manufacturer {}, type {}, prefix {}, count {}, perf offset {}, perfs per frame {}, perfs per count {}",
            k.film_manufacturer_code,
            k.film_type,
            k.film_roll_prefix,
            k.count,
            k.perforation_offset,
            k.perforations_per_frame,
            k.perforations_per_count
        ),
        AttributeValue::LineOrder(order) => line_order_name(*order).into(),
        AttributeValue::Matrix3x3(m) => matrix_text(m, 3),
        AttributeValue::Matrix4x4(m) => matrix_text(m, 4),
        AttributeValue::Preview(p) => format!("{}x{} preview image", p.size.0, p.size.1),
        AttributeValue::BlockType(block_type) => match block_type {
            BlockType::ScanLine => "scanlineimage".into(),
            BlockType::Tile => "tiledimage".into(),
            BlockType::DeepScanLine => "deepscanline".into(),
            BlockType::DeepTile => "deeptile".into(),
        },
        AttributeValue::TileDescription(t) => format!(
            "{}x{} tiles, {}, {:?} rounding",
            t.tile_size.0,
            t.tile_size.1,
            level_mode_name(t.level_mode),
            t.rounding_mode
        )
        .to_lowercase(),
        AttributeValue::TimeCode(t) => format!(
            "{:02}:{:02}:{:02}:{:02}{}",
            t.hours,
            t.minutes,
            t.seconds,
            t.frame,
            if t.drop_frame { " (drop frame)" } else { "" }
        ),
        AttributeValue::Bytes { type_hint, bytes } => {
            if type_hint.to_string().is_empty() {
                format!("{} bytes", bytes.len())
            } else {
                format!("{} bytes ({type_hint})", bytes.len())
            }
        }
        AttributeValue::Custom { bytes, .. } => {
            let shown: Vec<String> = bytes.iter().take(16).map(|b| format!("{b:02x}")).collect();
            let more = if bytes.len() > 16 { " …" } else { "" };
            format!("{} bytes: {}{more}", bytes.len(), shown.join(" "))
        }
    }
}

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
    error: Option<String>,
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
    /// The band's rows of each channel (`None` for channels that are not kept).
    rows: Vec<Option<RowsMut<'a>>>,
    /// When summarising: the summary of the band's rows of each wanted channel, once decoded
    /// (empty when not summarising).
    summaries: Vec<Option<RowsSummary>>,
}

/// Rows of one channel's buffer.
enum RowsMut<'a> {
    F16(&'a mut [f16]),
    F32(&'a mut [f32]),
    U32(&'a mut [u32]),
}

/// Blocks decoded between two checks for cancellation (and progress reports): enough to keep
/// every thread busy. Only one inflated block per thread is held at a time.
fn batch_size(meta: &MetaData) -> usize {
    let threads = rayon::current_num_threads().max(1);
    let block_bytes = meta
        .headers
        .iter()
        .map(Header::max_block_byte_size)
        .max()
        .unwrap_or(0)
        .max(1);
    (BATCH_DECODED_BYTES / block_bytes).clamp(threads * 2, threads * 8)
}

/// Decoded bytes a batch covers, to report progress and poll for cancellation often enough.
const BATCH_DECODED_BYTES: usize = 64 << 20;

/// Rows of a band: the rows one scan-line block, or one row of tiles, covers.
fn band_rows(header: &Header) -> usize {
    match header.blocks {
        BlockDescription::ScanLines => header.compression.scan_lines_per_block(),
        BlockDescription::Tiles(tiles) => tiles.tile_size.1,
    }
    .max(1)
}

/// Summarises rows of little-endian samples as the decoder hands them over ([`summarize_file`]).
/// Kept per thread: its half counter is large, and its pages are then touched only once.
#[derive(Default)]
struct RowSummarizer {
    halves: Vec<f16>,
    floats: Vec<f32>,
    uints: Vec<u32>,
    half_counter: HalfCounter,
}

impl RowSummarizer {
    /// The summary of one row. The decoders' rows are usually aligned for their sample type and
    /// then read in place (on little-endian machines); otherwise they are copied first.
    fn summarize(&mut self, sample_type: SampleType, bytes: &[u8]) -> RowsSummary {
        match sample_type {
            SampleType::Half => {
                let values = in_place::<f16>(bytes).unwrap_or_else(|| {
                    copy_samples(&mut self.halves, bytes, |b| {
                        f16::from_bits(u16::from_le_bytes(b))
                    })
                });
                RowsSummary::of_f16(values, &mut self.half_counter)
            }
            SampleType::Float => RowsSummary::of_f32(
                in_place::<f32>(bytes)
                    .unwrap_or_else(|| copy_samples(&mut self.floats, bytes, f32::from_le_bytes)),
            ),
            SampleType::Uint => RowsSummary::of_u32(
                in_place::<u32>(bytes)
                    .unwrap_or_else(|| copy_samples(&mut self.uints, bytes, u32::from_le_bytes)),
            ),
        }
    }
}

/// Little-endian sample bytes as samples, without a copy, when they are aligned (and the
/// machine is little-endian).
fn in_place<T: bytemuck::AnyBitPattern>(bytes: &[u8]) -> Option<&[T]> {
    if cfg!(target_endian = "little") {
        bytemuck::try_cast_slice(bytes).ok()
    } else {
        None
    }
}

/// Little-endian sample bytes converted into `buffer`.
fn copy_samples<'a, T, const N: usize>(
    buffer: &'a mut Vec<T>,
    bytes: &[u8],
    convert: impl Fn([u8; N]) -> T,
) -> &'a [T] {
    buffer.clear();
    buffer.extend(bytes.as_chunks::<N>().0.iter().map(|b| convert(*b)));
    buffer
}

thread_local! {
    static ROW_SUMMARIZER: RefCell<RowSummarizer> = RefCell::new(RowSummarizer::default());
}

/// Decodes the pixels of the wanted channels (`filter`) of every part we can decode into
/// `parts`. With `keep`, only the channels it wants keep their samples, and the summary
/// statistics of every decoded channel are computed band by band and returned (without, the
/// map is empty).
#[allow(clippy::too_many_arguments)]
fn decode_pixels(
    data: Source<'_>,
    header: &MetaAndTables,
    parts: &mut [Part],
    filter: &ChannelFilter,
    keep: Option<&ChannelFilter>,
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
        };
        if matches!(filter, ChannelFilter::Only(_)) && !state.wanted.contains(&true) {
            state.skipped = true;
        } else if let Some(reason) = unsupported_reason(header) {
            if let Some(part) = parts.get_mut(part_index) {
                part.pixel_error = Some(reason);
            }
            // We do not decode these blocks, but a file whose offsets point outside of it is
            // damaged all the same.
            let outside = table
                .iter()
                .any(|&offset| offset < tables_end as u64 || offset >= data.len());
            state.error = outside.then(|| {
                "file ends early (truncated?): pixel block offsets point outside the file"
                    .to_owned()
            });
        } else {
            state.decodable = true;
            state.band_rows = band_rows(header);
            match part_work(part_index, header, table) {
                Ok(work) => state.work = work,
                Err(error) => state.error = Some(describe(&error, Stage::Pixels)),
            }
        }
        states.push(state);
    }

    // Buffers for the wanted channels of every part we decode. They are zeroed pages from the
    // kernel, so a part whose blocks turn out to be garbage never touches its memory.
    let mut buffers: Vec<Option<Vec<Option<Samples>>>> = Vec::with_capacity(states.len());
    for (state, header) in states.iter().zip(&meta.headers) {
        buffers.push(if state.decodable && state.error.is_none() {
            Some(zeroed_buffers(header, &state.kept).ok_or_else(|| out_of_memory(source))?)
        } else {
            None
        });
    }

    // Each part's first failure; the bands borrow `states` (their blocks) while decoding.
    let mut errors: Vec<Option<String>> = states.iter_mut().map(|s| s.error.take()).collect();
    let mut bands = Vec::new();
    for (part, (state, part_buffers)) in states.iter().zip(buffers.iter_mut()).enumerate() {
        let (Some(part_buffers), Some(header)) = (part_buffers.as_mut(), meta.headers.get(part))
        else {
            continue;
        };
        bands.extend(part_bands(
            part,
            state,
            header,
            part_buffers,
            keep.is_some(),
        ));
    }

    // Bands are decoded in parallel, a batch at a time (cancellation and progress between
    // batches); a part stops at its first failure.
    let total: usize = bands.iter().map(|band| band.items.len()).sum();
    let mut done = 0usize;
    let batch_blocks = batch_size(meta);
    progress(0.0);
    let mut rest = bands.as_mut_slice();
    while !rest.is_empty() {
        if cancel.load(Ordering::Relaxed) {
            return Err(LoadError::Cancelled {
                path: source.to_owned(),
            });
        }
        // Whole bands, at least one, about `batch_blocks` blocks.
        let mut count = 0;
        let mut blocks = 0;
        while let Some(band) = rest.get(count) {
            if count > 0 && blocks + band.items.len() > batch_blocks {
                break;
            }
            blocks += band.items.len();
            count += 1;
        }
        let (batch, later) = std::mem::take(&mut rest).split_at_mut(count);
        rest = later;
        let failed: Vec<bool> = errors.iter().map(Option::is_some).collect();
        let results: Vec<(usize, Result<(), String>)> = batch
            .par_iter_mut()
            .filter(|band| failed.get(band.part) == Some(&false))
            .map(|band| {
                let result = match (meta.headers.get(band.part), states.get(band.part)) {
                    (Some(header), Some(state)) => {
                        decode_band(data, band, meta, header, &state.wanted)
                    }
                    _ => Err("corrupt pixel data: a block of an unknown part".to_owned()),
                };
                (band.part, result)
            })
            .collect();
        for (part, result) in results {
            if let (Err(reason), Some(error)) = (result, errors.get_mut(part)) {
                error.get_or_insert(reason);
            }
        }
        done += blocks;
        progress(done as f64 / total.max(1) as f64);
    }
    // Each channel's summary: its bands', in order.
    let mut summaries: BTreeMap<ChannelRef, RowsSummary> = BTreeMap::new();
    for band in &bands {
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
    drop(bands);

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
                first_error.get_or_insert(reason);
            }
            continue;
        }
        match (error, part_buffers) {
            (None, Some(part_buffers)) => {
                decoded_parts += 1;
                for (channel, samples) in part.channels.iter_mut().zip(part_buffers) {
                    channel.samples = samples;
                }
                if keep.is_some() {
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
            }
            (error, _) => {
                let reason = error.unwrap_or_else(|| OUT_OF_MEMORY.to_owned());
                first_error.get_or_insert_with(|| reason.clone());
                part.pixel_error = Some(reason);
            }
        }
    }
    // A file whose every decodable part is broken is broken: refuse it rather than show an
    // image without pixels. (Parts we do not support are not errors.)
    match first_error {
        Some(reason) if decoded_parts == 0 => Err(invalid_reason(source, reason)),
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
    buffers: &'a mut [Option<Samples>],
    summarize: bool,
) -> Vec<Band<'a>> {
    let band_rows = state.band_rows;
    let band_len = header.layer_size.0.saturating_mul(band_rows).max(1);
    // For each channel, its rows cut into bands.
    let mut channel_bands: Vec<std::vec::IntoIter<Option<RowsMut<'a>>>> = buffers
        .iter_mut()
        .map(|samples| {
            let bands: Vec<Option<RowsMut<'a>>> = match samples {
                None => Vec::new(),
                Some(Samples::F16(v)) => v
                    .chunks_mut(band_len)
                    .map(|c| Some(RowsMut::F16(c)))
                    .collect(),
                Some(Samples::F32(v)) => v
                    .chunks_mut(band_len)
                    .map(|c| Some(RowsMut::F32(c)))
                    .collect(),
                Some(Samples::U32(v)) => v
                    .chunks_mut(band_len)
                    .map(|c| Some(RowsMut::U32(c)))
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
) -> Result<(), String> {
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
) -> Result<(), String> {
    let width = header.layer_size.0;
    let types: Vec<SampleType> = header
        .channels
        .list
        .iter()
        .map(|channel| sample_type(channel.sample_type))
        .collect();
    let band_len = width.saturating_mul(band.row_count);
    let width = header.layer_size.0;
    for item in band.items {
        let chunk = read_chunk(data, item, meta)?;
        let tile = header
            .get_block_data_indices(&chunk.compressed_block)
            .map_err(|error| describe(&error, Stage::Pixels))?;
        if tile.level_index != exr::math::Vec2(0, 0) {
            return Err(
                "corrupt pixel data: the offset table points at a block of a smaller resolution level"
                    .into(),
            );
        }
        if tile != item.tile {
            return Err(
                "corrupt pixel data: the offset table points at the wrong pixel block (duplicate or swapped offsets)"
                    .into(),
            );
        }
        let compressed = match chunk.compressed_block {
            CompressedBlock::ScanLine(block) => block.compressed_pixels_le,
            CompressedBlock::Tile(block) => block.compressed_pixels_le,
            _ => return Err("unsupported feature: deep data".into()),
        };
        let layout = BlockLayout {
            channels: &header.channels,
            rectangle: item.rectangle,
        };
        let x = item.rectangle.position.0.max(0) as usize;
        let y = item.rectangle.position.1.max(0) as usize;
        let rows = &mut band.rows;
        let summaries = &mut band.summaries;
        let first_row = band.first_row;
        codec::decode_block(
            header,
            layout,
            compressed,
            wanted,
            &mut |row, channel, bytes| {
                let start = (y + row)
                    .checked_sub(first_row)
                    .and_then(|r| r.checked_mul(width))
                    .and_then(|r| r.checked_add(x));
                if let (Some(summarizer), Some(summary), Some(&sample_type)) = (
                    summarizer.as_deref_mut(),
                    summaries.get_mut(channel),
                    types.get(channel),
                ) {
                    let row = summarizer.summarize(sample_type, bytes);
                    *summary = Some(summary.unwrap_or(RowsSummary::EMPTY).merge(row));
                }
                // Only wanted channels reach here; those that are kept have rows in the band.
                match rows.get_mut(channel) {
                    Some(Some(dest)) => write_row(dest, start, bytes),
                    Some(None) if summarizer.is_some() => {
                        // Not kept: only summarised. Still reject rows outside the band.
                        let samples = types
                            .get(channel)
                            .map_or(0, |t| bytes.len() / t.bytes_per_sample());
                        match start.and_then(|start| start.checked_add(samples)) {
                            Some(end) if end <= band_len => Ok(()),
                            _ => Err(outside_the_data_window()),
                        }
                    }
                    _ => Err(outside_the_data_window()),
                }
            },
        )?;
    }
    Ok(())
}

fn outside_the_data_window() -> String {
    "corrupt pixel data: a pixel block lies outside the data window".to_owned()
}

/// Converts one row of little-endian samples into `dest` from sample `start` on.
fn write_row(dest: &mut RowsMut<'_>, start: Option<usize>, bytes: &[u8]) -> Result<(), String> {
    let outside = outside_the_data_window;
    let start = start.ok_or_else(outside)?;
    match dest {
        RowsMut::F16(v) => {
            let (src, _) = bytes.as_chunks::<2>();
            let end = start.checked_add(src.len()).ok_or_else(outside)?;
            let dest = v.get_mut(start..end).ok_or_else(outside)?;
            for (d, s) in dest.iter_mut().zip(src) {
                *d = f16::from_bits(u16::from_le_bytes(*s));
            }
        }
        RowsMut::F32(v) => {
            let (src, _) = bytes.as_chunks::<4>();
            let end = start.checked_add(src.len()).ok_or_else(outside)?;
            let dest = v.get_mut(start..end).ok_or_else(outside)?;
            for (d, s) in dest.iter_mut().zip(src) {
                *d = f32::from_le_bytes(*s);
            }
        }
        RowsMut::U32(v) => {
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
        .map_err(|error| invalid(source, &exr::error::Error::Io(error), Stage::Pixels))?;
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

/// Reads one compressed chunk at its offset and checks it belongs to the expected part.
fn read_chunk(data: Source<'_>, item: &Work, meta: &MetaData) -> Result<Chunk, String> {
    let past_end =
        || "file ends early (truncated?): a pixel block offset points past the end".to_owned();
    if item.offset >= data.len() {
        return Err(past_end());
    }
    let chunk = match data {
        Source::Bytes(bytes) => {
            let mut rest = usize::try_from(item.offset)
                .ok()
                .and_then(|start| bytes.get(start..))
                .ok_or_else(past_end)?;
            Chunk::read(&mut rest, meta)
        }
        Source::File { file, .. } => {
            let mut reader = BufReader::with_capacity(
                BLOCK_READER_BUFFER_BYTES,
                PositionedReader {
                    file,
                    position: item.offset,
                },
            );
            Chunk::read(&mut reader, meta)
        }
    }
    .map_err(|error| describe(&error, Stage::Pixels))?;
    if chunk.layer_index != item.part {
        return Err(format!(
            "corrupt pixel data: a block of part {} is listed in the offset table of part {}",
            chunk.layer_index, item.part
        ));
    }
    if let Some(header) = meta.headers.get(item.part)
        && matches!(
            header.compression,
            Compression::DWAA(_) | Compression::DWAB(_)
        )
    {
        check_dwa_counters(header, &chunk)?;
    }
    Ok(chunk)
}

/// The DWA decoder of the exr crate allocates buffers of the sizes stored in each block's own
/// header (eleven little-endian u64 counters) before inflating; a corrupt counter made it
/// request a terabyte and abort the process. Refuse counters no valid block can have: section
/// sizes beyond twice the block's raw size (plus slack for RLE expansion), coefficient counts
/// beyond one per sample of the block padded to 8×8 DCT blocks.
fn check_dwa_counters(header: &Header, chunk: &Chunk) -> Result<(), String> {
    use exr::block::chunk::CompressedBlock;
    let compressed = match &chunk.compressed_block {
        CompressedBlock::ScanLine(block) => &block.compressed_pixels_le,
        CompressedBlock::Tile(block) => &block.compressed_pixels_le,
        _ => return Ok(()),
    };
    let bounds = header
        .get_block_data_indices(&chunk.compressed_block)
        .and_then(|tile| header.get_absolute_block_pixel_coordinates(tile))
        .map_err(|error| describe(&error, Stage::Pixels))?;
    let (width, height) = (bounds.size.0 as u64, bounds.size.1 as u64);
    let raw_bytes = width
        .saturating_mul(height)
        .saturating_mul(header.channels.bytes_per_pixel as u64);
    // Stored raw (or empty) when compression did not help: no DWA header to check.
    if compressed.is_empty() || compressed.len() as u64 == raw_bytes {
        return Ok(());
    }
    let (counters, _) = compressed.as_chunks::<8>();
    let counter = |index: usize| counters.get(index).map(|c| u64::from_le_bytes(*c));
    let size_limit = raw_bytes.saturating_mul(2).saturating_add(4096);
    let count_limit = width
        .saturating_add(7)
        .saturating_mul(height.saturating_add(7))
        .saturating_mul(header.channels.list.len() as u64);
    // Counter order: version, unknown uncompressed, unknown compressed, AC compressed,
    // DC compressed, RLE compressed, RLE uncompressed, RLE raw, AC count, DC count, AC mode.
    let too_large = [1, 6, 7]
        .iter()
        .any(|&i| counter(i).is_some_and(|v| v > size_limit))
        || [8, 9]
            .iter()
            .any(|&i| counter(i).is_some_and(|v| v > count_limit));
    if too_large {
        Err("corrupt compressed data: a DWA block declares impossible section sizes".into())
    } else {
        Ok(())
    }
}

/// `PartState::error` when the allocator refused a part's buffers (reported as
/// [`out_of_memory`], not as damage).
const OUT_OF_MEMORY: &str = "out of memory";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_available_is_parsed_from_meminfo() {
        let text =
            "MemTotal:       16318480 kB\nMemFree:         1000 kB\nMemAvailable:    8000000 kB\n";
        assert_eq!(mem_available_bytes(text), Some(8_000_000 * 1024));
        assert_eq!(mem_available_bytes("MemTotal: 5 kB\n"), None);
        assert_eq!(mem_available_bytes("MemAvailable: lots kB\n"), None);
    }

    #[test]
    fn default_budget_is_positive() {
        assert!(default_memory_budget() > 0);
    }

    /// `load_file` reads blocks from the file; `load_bytes` from memory: damaged files must give
    /// the same result either way.
    #[test]
    fn reading_blocks_from_the_file_matches_reading_them_from_memory() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/blender/multilayer_zip_32.exr"
        );
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{e}: {path}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cancel = AtomicBool::new(false);
        let options = LoadOptions::default();
        let mut compared = 0;
        // Whole, cut inside the pixel blocks, cut inside the offset table.
        for len in [bytes.len(), bytes.len() * 2 / 3, bytes.len() - 1, 400] {
            let data = bytes.get(..len).unwrap_or_default();
            let file = dir.path().join(format!("cut_{len}.exr"));
            std::fs::write(&file, data).unwrap_or_else(|e| panic!("{e}"));
            let from_file = load_file(&file, &options, &mut |_| {}, &cancel);
            let from_bytes = load_bytes(data, "mem", &options, &mut |_| {}, &cancel);
            match (from_file, from_bytes) {
                (Ok(a), Ok(b)) => assert_eq!(a.parts, b.parts, "cut at {len}"),
                (
                    Err(LoadError::Invalid { reason: a, .. }),
                    Err(LoadError::Invalid { reason: b, .. }),
                ) => {
                    assert_eq!(a, b, "cut at {len}");
                }
                (a, b) => panic!("cut at {len}: {a:?} vs {b:?}"),
            }
            compared += 1;
        }
        assert_eq!(compared, 4);
        // A cut inside the pixel data is reported on the parts, not silently zero-filled.
        let cut = dir.path().join(format!("cut_{}.exr", bytes.len() * 2 / 3));
        match load_file(&cut, &options, &mut |_| {}, &cancel) {
            Ok(image) => assert!(image.parts.iter().any(|p| p.pixel_error.is_some())),
            Err(error) => assert!(error.to_string().contains("truncated"), "{error}"),
        }
    }
}
