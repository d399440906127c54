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

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::BufReader;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::model::{ChannelRef, Image, SamplesMut};
use crate::stats::ChannelStats;

mod chunk;
mod decode;
mod header;
mod rows;
mod source;
mod staged;

use decode::decode_pixels;
use header::{decoded_byte_size, invalid, offset_table_byte_size, parts_from_meta, read_meta};
use source::Source;
pub use staged::{load_rest, rest_of};

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
    /// A pipe, device or socket: reading it could block forever or never end.
    #[error("not a regular file (a pipe, device or socket), refusing to read it: {path}")]
    NotAFile { path: String },
    #[error("loading was cancelled: {path}")]
    Cancelled { path: String },
    /// Its parts or channels changed between two reads (rewritten while it was being loaded).
    #[error("the file changed while it was being read (is it still being written?): {path}")]
    Changed { path: String },
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
/// a block at a time by each decoding thread, and decoded by the same code as [`load_bytes`] (the file is never held in
/// memory as a whole; the offset tables count against the memory budget).
pub fn load_file(
    path: &Path,
    options: &LoadOptions,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<Image, LoadError> {
    read_file(path, options, None, None, progress, cancel).map(|summarized| summarized.image)
}

/// Decodes the channels of `targets` into the caller's buffers, one per channel (row-major
/// over the channel's data window, of its sample type), and returns the file's header-only
/// image: a channel's buffer holds its samples when its part has no `pixel_error`. Every
/// sample of such a buffer is written, so it may start uninitialised (`numpy.empty`); the
/// buffers of a failed part are left in an unspecified state.
///
/// This is for callers that own the memory the samples end in: the Python package decodes into
/// arrays NumPy allocated (and asked the kernel to back with huge pages), saving a copy and most
/// page faults. The buffers are sized from a header-only load of the same file; when they do
/// not match its channels now (a reference to a channel it lacks, another size or type), the
/// file was rewritten in between and the load fails with [`LoadError::Changed`]. The memory
/// budget counts the offset tables and the blocks in flight (the buffers exist already);
/// errors, cancellation and progress are as for [`load_file`].
pub fn load_file_into(
    path: &Path,
    memory_budget_bytes: u64,
    targets: BTreeMap<ChannelRef, SamplesMut<'_>>,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<Image, LoadError> {
    let options = LoadOptions {
        memory_budget_bytes,
        decode_pixels: true,
        channels: ChannelFilter::only(targets.keys().copied()),
    };
    read_file(path, &options, None, Some(targets), progress, cancel)
        .map(|summarized| summarized.image)
}

/// A file read for a report by [`summarize_file`].
#[derive(Debug)]
pub struct Summarized {
    /// The file, with the samples of only the channels that were kept.
    pub image: Image,
    /// Summary statistics of every decoded channel (kept or not), exactly as
    /// [`crate::stats::channel_stats`] computes them from the samples (the mean too: it comes
    /// from an exact sum, whatever the order).
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
    read_file(path, options, Some(keep), None, progress, cancel)
}

/// [`load_file`] (`keep` is `None`: keep every decoded channel, no statistics),
/// [`summarize_file`] and, with `targets`, [`load_file_into`] (whose `options.channels` are
/// the targets').
fn read_file(
    path: &Path,
    options: &LoadOptions,
    keep: Option<&mut dyn FnMut(&Image) -> ChannelFilter>,
    targets: Option<BTreeMap<ChannelRef, SamplesMut<'_>>>,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<Summarized, LoadError> {
    let source = path.display().to_string();
    let io_error = |error: std::io::Error| LoadError::Io {
        path: source.clone(),
        source: error,
    };
    // Opening a FIFO blocks until a writer comes (forever, for a stray `x.exr` pipe), and a
    // device never ends: look before opening (links are followed).
    let before = std::fs::metadata(path).map_err(io_error)?;
    if !before.is_file() && !before.is_dir() {
        return Err(LoadError::NotAFile { path: source });
    }
    let file = File::open(path).map_err(io_error)?;
    let metadata = file.metadata().map_err(io_error)?;
    // Opening a folder succeeds on Unix; say so instead of failing later as "not an EXR".
    if metadata.is_dir() {
        return Err(io_error(std::io::ErrorKind::IsADirectory.into()));
    }
    if !metadata.is_file() {
        return Err(LoadError::NotAFile { path: source });
    }
    let file_len = metadata.len();

    // Header first, from the file, without reading the pixel data.
    let (header, parts) = guarded(&source, || {
        let header = read_meta(BufReader::new(&file)).map_err(|error| invalid(&source, &error))?;
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
    if let Some(targets) = &targets
        && !targets_fit(&image, targets)
    {
        return Err(LoadError::Changed { path: source });
    }
    // Compressed blocks are read from the file as they are decoded (one per thread); only
    // the offset tables are held besides the decoded samples (of the kept channels, unless
    // they go to the caller's buffers).
    let resident = match (&keep, &targets) {
        (_, Some(_)) => ChannelFilter::Only(BTreeSet::new()),
        (Some(keep), None) => ChannelFilter::both(&options.channels, keep),
        (None, None) => options.channels.clone(),
    };
    let resident_bytes = decoded_byte_size(&header.meta, &resident)
        .saturating_add(offset_table_byte_size(&header.meta));
    let in_flight = blocks_in_flight(&header.meta, file_len, resident_bytes, options, &source)?;
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
            targets,
            in_flight,
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
        let header = read_meta(bytes).map_err(|error| invalid(&source, &error))?;
        let mut parts = parts_from_meta(&header.meta, &source)?;
        if options.decode_pixels {
            let resident_bytes = decoded_byte_size(&header.meta, &options.channels);
            let in_flight = blocks_in_flight(
                &header.meta,
                bytes.len() as u64,
                resident_bytes,
                options,
                &source,
            )?;
            decode_pixels(
                Source::Bytes(bytes),
                &header,
                &mut parts,
                &options.channels,
                None,
                None,
                in_flight,
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

/// True when every target names a channel of `image` and has its sample type and size.
fn targets_fit(image: &Image, targets: &BTreeMap<ChannelRef, SamplesMut<'_>>) -> bool {
    targets.iter().all(|(&channel_ref, target)| {
        image.channel(channel_ref).is_some_and(|channel| {
            channel.sample_type == target.sample_type()
                && channel.width.checked_mul(channel.height) == Some(target.len())
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

/// Checks the budget and says how many pixel blocks may be decoded at once (one per thread, at
/// most) within what the budget leaves besides `resident_bytes` (the decoded samples and offset
/// tables): each block in flight holds its compressed bytes and its decompressed ones (see
/// [`block_working_bytes`]). Fewer threads decode when the budget is tight; when the resident
/// bytes and one block do not fit, the file is refused with [`LoadError::TooLarge`] (naming
/// that minimum) before any block is read.
fn blocks_in_flight(
    meta: &exr::meta::MetaData,
    file_len: u64,
    resident_bytes: u64,
    options: &LoadOptions,
    source: &str,
) -> Result<usize, LoadError> {
    let per_block = meta
        .headers
        .iter()
        .map(|header| block_working_bytes(header, file_len))
        .max()
        .unwrap_or(0)
        .max(1);
    let spare = options.memory_budget_bytes.checked_sub(resident_bytes);
    let fitting = spare.map_or(0, |spare| {
        usize::try_from(spare / per_block).unwrap_or(usize::MAX)
    });
    if fitting == 0 {
        return Err(LoadError::TooLarge {
            needed_bytes: resident_bytes.saturating_add(per_block),
            budget_bytes: options.memory_budget_bytes,
            path: source.to_owned(),
        });
    }
    Ok(fitting.min(rayon::current_num_threads().max(1)))
}

/// Bytes one block of `header`'s part can take while it is decoded: its compressed bytes (at
/// most the raw size of the part's largest block, which the block reader enforces, and never
/// more than the file) and its decompressed ones. Uncompressed blocks are split into rows where
/// they lie; our ZIP and PIZ decoders inflate or decode into one buffer of the raw size; the
/// `exr` crate's decompressors (the other methods) return a new buffer of the raw size and may
/// hold an intermediate one of the same size while they work.
fn block_working_bytes(header: &exr::meta::header::Header, file_len: u64) -> u64 {
    use exr::compression::Compression;
    let raw = header.max_block_byte_size() as u64;
    let compressed = raw.min(file_len);
    let decompressed_copies = match header.compression {
        Compression::Uncompressed => 0,
        Compression::ZIP1 | Compression::ZIP16 | Compression::PIZ => 1,
        _ => 2,
    };
    compressed.saturating_add(raw.saturating_mul(decompressed_copies))
}

/// The allocator refused memory the budget allowed (the machine has less free than assumed).
fn out_of_memory(source: &str) -> LoadError {
    LoadError::Io {
        path: source.to_owned(),
        source: std::io::Error::from(std::io::ErrorKind::OutOfMemory),
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
