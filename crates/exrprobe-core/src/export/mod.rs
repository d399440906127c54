//! `.npy` / `.npz` export with atomic writes: the data goes to a temporary file in the target
//! folder that is renamed over the target only when complete, so no partial file is ever left.
//!
//! Arrays are 2-D, `(height, width)` of the channel's sample grid (the data window for ordinary
//! channels), in C order, little-endian. Values are bit-identical to the file: with
//! [`NpyDtype::Native`] the file's own type is kept (`<f2`, `<f4`, `<u4`); with [`NpyDtype::F32`]
//! half is widened exactly and uint is converted (exact up to 2^24).

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::Path;

use half::f16;
use npyz::WriterBuilder as _;
use npyz::npz::NpzWriter;
use npyz::zip::CompressionMethod;
use npyz::zip::write::FileOptions;

use crate::model::{Channel, Image, Samples};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NpyDtype {
    /// Little-endian f32 (`<f4`); half widened exactly, uint converted.
    #[default]
    F32,
    /// The file's own type: `<f2`, `<f4` or `<u4`.
    Native,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the file exists already (use --force to overwrite it): {path}")]
    Exists { path: String },
    /// `path` is the file that was to be written.
    #[error("channel {channel} has no decoded pixels, nothing to export: {path}")]
    NoPixels { channel: String, path: String },
    /// A device, pipe or socket: renaming over it would replace it with a regular file.
    #[error(
        "the target is not a regular file (a device, pipe or socket), refusing to replace it: {path}"
    )]
    NotAFile { path: String },
    #[error("cannot write, {}: {path}", describe_io_error(.source))]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

/// The cause of a write error in words a user can act on.
fn describe_io_error(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "the folder does not exist".to_owned(),
        io::ErrorKind::PermissionDenied => {
            "permission denied (is the folder writable for you?)".to_owned()
        }
        io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".to_owned(),
        io::ErrorKind::StorageFull => "the disk is full".to_owned(),
        io::ErrorKind::QuotaExceeded => "the disk quota is exceeded".to_owned(),
        io::ErrorKind::NotADirectory => "a part of the folder path is not a folder".to_owned(),
        io::ErrorKind::IsADirectory => "the target is a folder".to_owned(),
        _ => error.to_string(),
    }
}

/// Buffer size of the writers (big sequential writes).
const WRITE_BUFFER_BYTES: usize = 1 << 20;

/// Writes `bytes` to `path` with the same guarantees as the exports (atomic, no clobber unless
/// `overwrite`, never over a folder, device or pipe): the viewer's PNG of its views.
pub fn write_bytes(bytes: &[u8], path: &Path, overwrite: bool) -> Result<(), ExportError> {
    write_atomically(path, overwrite, |file| file.write_all(bytes))
}

/// Writes one channel as a 2-D array `(height, width)` in C order.
pub fn write_npy(
    channel: &Channel,
    dtype: NpyDtype,
    path: &Path,
    overwrite: bool,
) -> Result<(), ExportError> {
    let samples = channel
        .samples
        .as_ref()
        .ok_or_else(|| ExportError::NoPixels {
            channel: channel.name.clone(),
            path: path.display().to_string(),
        })?;
    write_atomically(path, overwrite, |file| {
        let mut out = BufWriter::with_capacity(WRITE_BUFFER_BYTES, file);
        write_npy_to(&mut out, channel, samples, dtype)?;
        out.flush()
    })
}

/// Writes every decoded channel into one `.npz`, keyed by its qualified name (made safe for an
/// archive, and unique: see [`npz_keys`]).
///
/// Channels without decoded pixels (deep parts, undecodable parts) are left out; when no channel
/// has pixels the result is [`ExportError::NoPixels`].
pub fn write_npz(
    image: &Image,
    dtype: NpyDtype,
    path: &Path,
    overwrite: bool,
) -> Result<(), ExportError> {
    let decoded: Vec<(String, &Channel, &Samples)> = image
        .channels()
        .filter_map(|(channel_ref, _, channel)| {
            let samples = channel.samples.as_ref()?;
            let name = image.qualified_name(channel_ref)?;
            Some((name, channel, samples))
        })
        .collect();
    let keys = npz_keys(decoded.iter().map(|(name, _, _)| name.as_str()));
    let arrays: Vec<(String, &Channel, &Samples)> = decoded
        .into_iter()
        .zip(keys)
        .map(|((_, channel, samples), key)| (key, channel, samples))
        .collect();
    if arrays.is_empty() {
        return Err(ExportError::NoPixels {
            channel: "(any)".to_owned(),
            path: path.display().to_string(),
        });
    }
    write_atomically(path, overwrite, |file| {
        let out = StopAfterError::new(BufWriter::with_capacity(WRITE_BUFFER_BYTES, file));
        let mut npz = NpzWriter::new(out);
        for (name, channel, samples) in &arrays {
            write_npz_entry(&mut npz, name, channel, samples, dtype)?;
        }
        let mut out = npz.zip_writer().finish().map_err(io::Error::from)?;
        out.flush()
    })
}

/// The `.npz` keys of channels with these qualified names, in order: the name itself when it is
/// safe as an archive entry, else with every path component that could leave the folder it is
/// unpacked in (`..`, `.`, an empty component from a leading or doubled `/`) and every control
/// character or backslash replaced by `_`; a key that two channels would share (a part `a/b`
/// with channel `Z` and a part `a` with channel `b/Z`, or duplicate names) gets `#2`, `#3`, …
/// so that no array overwrites another when NumPy loads the archive.
pub fn npz_keys<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken = std::collections::HashSet::new();
    names
        .into_iter()
        .map(|name| {
            let safe: String = name
                .chars()
                .map(|c| if c.is_control() || c == '\\' { '_' } else { c })
                .collect();
            let safe = safe
                .split('/')
                .map(|part| match part {
                    "" | "." | ".." => "_",
                    other => other,
                })
                .collect::<Vec<_>>()
                .join("/");
            let mut key = safe.clone();
            let mut n = 2;
            while !taken.insert(key.clone()) {
                key = format!("{safe}#{n}");
                n += 1;
            }
            key
        })
        .collect()
}

/// Passes everything through until the first error; afterwards writes and seeks succeed
/// without touching the file (on a virtual position, so the caller's bookkeeping stays
/// consistent). The zip writer finalises the archive in its `Drop` and prints
/// `ZipWriter drop failed: …` to stderr when that fails (disk full); once our error has been
/// returned the temporary file is deleted anyway, so nothing is worth writing.
struct StopAfterError<W> {
    inner: W,
    failed: bool,
    /// Stream position and length as the caller sees them.
    position: u64,
    len: u64,
}

impl<W> StopAfterError<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            failed: false,
            position: 0,
            len: 0,
        }
    }

    fn note<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(error) = &result
            && error.kind() != io::ErrorKind::Interrupted
        {
            self.failed = true;
        }
        result
    }

    fn advance(&mut self, count: usize) {
        self.position = self.position.saturating_add(count as u64);
        self.len = self.len.max(self.position);
    }
}

impl<W: Write> Write for StopAfterError<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let count = if self.failed {
            buf.len()
        } else {
            let result = self.inner.write(buf);
            self.note(result)?
        };
        self.advance(count);
        Ok(count)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.note(result)
    }
}

impl<W: Seek> Seek for StopAfterError<W> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        if self.failed {
            let target = match pos {
                io::SeekFrom::Start(offset) => Some(offset),
                io::SeekFrom::End(delta) => self.len.checked_add_signed(delta),
                io::SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
            };
            self.position = target.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
            return Ok(self.position);
        }
        let result = self.inner.seek(pos);
        let position = self.note(result)?;
        self.position = position;
        self.len = self.len.max(position);
        Ok(position)
    }
}

fn write_npz_entry<W: Write + Seek>(
    npz: &mut NpzWriter<W>,
    name: &str,
    channel: &Channel,
    samples: &Samples,
    dtype: NpyDtype,
) -> io::Result<()> {
    let element_bytes: u64 = match (samples, dtype) {
        (Samples::F16(_), NpyDtype::Native) => 2,
        _ => 4,
    };
    // Zip entries of 4 GiB or more need the zip64 extension; leave it off otherwise.
    let large = (samples.len() as u64).saturating_mul(element_bytes) >= u64::from(u32::MAX) - 4096;
    let options = FileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(large);
    let shape = shape_of(channel);
    match (samples, dtype) {
        (Samples::F16(v), NpyDtype::Native) => write_array(
            npz.array::<f16>(name, options)?,
            "<f2",
            &shape,
            v.iter().copied(),
        ),
        (Samples::F16(v), NpyDtype::F32) => write_array(
            npz.array::<f32>(name, options)?,
            "<f4",
            &shape,
            v.iter().map(|&h| widen_half(h)),
        ),
        (Samples::F32(v), _) => write_array(
            npz.array::<f32>(name, options)?,
            "<f4",
            &shape,
            v.iter().copied(),
        ),
        (Samples::U32(v), NpyDtype::Native) => write_array(
            npz.array::<u32>(name, options)?,
            "<u4",
            &shape,
            v.iter().copied(),
        ),
        (Samples::U32(v), NpyDtype::F32) => write_array(
            npz.array::<f32>(name, options)?,
            "<f4",
            &shape,
            v.iter().map(|&u| u as f32),
        ),
    }
}

/// Widens a half to f32 exactly as numpy's `astype(np.float32)` does: every number exactly, and a
/// NaN keeps its sign and payload bits as they are (the `half` crate would set the quiet bit).
pub fn widen_half(h: f16) -> f32 {
    if h.is_nan() {
        let bits = u32::from(h.to_bits());
        f32::from_bits(((bits & 0x8000) << 16) | 0x7f80_0000 | ((bits & 0x03ff) << 13))
    } else {
        h.to_f32()
    }
}

fn shape_of(channel: &Channel) -> [u64; 2] {
    [channel.height as u64, channel.width as u64]
}

/// Writes a complete `.npy` stream (header and data) of one channel.
fn write_npy_to<W: Write>(
    out: W,
    channel: &Channel,
    samples: &Samples,
    dtype: NpyDtype,
) -> io::Result<()> {
    let shape = shape_of(channel);
    match (samples, dtype) {
        (Samples::F16(v), NpyDtype::Native) => write_array(
            npyz::WriteOptions::<f16>::new().writer(out),
            "<f2",
            &shape,
            v.iter().copied(),
        ),
        (Samples::F16(v), NpyDtype::F32) => write_array(
            npyz::WriteOptions::<f32>::new().writer(out),
            "<f4",
            &shape,
            v.iter().map(|&h| widen_half(h)),
        ),
        (Samples::F32(v), _) => write_array(
            npyz::WriteOptions::<f32>::new().writer(out),
            "<f4",
            &shape,
            v.iter().copied(),
        ),
        (Samples::U32(v), NpyDtype::Native) => write_array(
            npyz::WriteOptions::<u32>::new().writer(out),
            "<u4",
            &shape,
            v.iter().copied(),
        ),
        (Samples::U32(v), NpyDtype::F32) => write_array(
            npyz::WriteOptions::<f32>::new().writer(out),
            "<f4",
            &shape,
            v.iter().map(|&u| u as f32),
        ),
    }
}

/// An element type written as little-endian bytes.
trait LittleEndian: Copy {
    fn append_le(self, out: &mut Vec<u8>);
}

impl LittleEndian for f16 {
    fn append_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl LittleEndian for f32 {
    fn append_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl LittleEndian for u32 {
    fn append_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

/// Bytes of element data handed to the output at once (few large writes, not one per sample).
const CHUNK_BYTES: usize = 256 * 1024;

/// Writes the header through an npyz builder that already has its output stream, then the
/// elements in large little-endian chunks.
fn write_array<T, B>(
    builder: B,
    type_str: &str,
    shape: &[u64],
    values: impl ExactSizeIterator<Item = T>,
) -> io::Result<()>
where
    T: LittleEndian,
    B: npyz::WriterBuilder<T> + npyz::write_options::HasWriter,
    B::Writer: Write,
{
    let expected = shape.iter().product::<u64>();
    if values.len() as u64 != expected {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the channel has {} samples but its size {shape:?} needs {expected}",
                values.len()
            ),
        ));
    }
    let type_str: npyz::TypeStr = type_str
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{e}")))?;
    let mut out = builder
        .dtype(npyz::DType::new_scalar(type_str))
        .shape(shape)
        .write_header_only()?;
    let mut chunk = Vec::with_capacity(CHUNK_BYTES + 8);
    for value in values {
        value.append_le(&mut chunk);
        if chunk.len() >= CHUNK_BYTES {
            out.write_all(&chunk)?;
            chunk.clear();
        }
    }
    out.write_all(&chunk)?;
    out.flush()
}

/// Temporary files being written now (a front end's signal handler removes them).
static PARTIAL_FILES: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Keeps a temporary file's path in [`PARTIAL_FILES`] while it is being written.
struct PartialFile(std::path::PathBuf);

impl PartialFile {
    fn register(path: &Path) -> Self {
        let mut files = PARTIAL_FILES.lock().unwrap_or_else(|e| e.into_inner());
        files.push(path.to_path_buf());
        Self(path.to_path_buf())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        let mut files = PARTIAL_FILES.lock().unwrap_or_else(|e| e.into_inner());
        files.retain(|p| p != &self.0);
    }
}

/// Deletes the temporary files of exports in progress. For a front end's handler of Ctrl+C,
/// SIGTERM or SIGHUP, which end the process without unwinding (so the temporary files' own
/// clean-up never runs); an interrupted 4K `export --all` used to leave a ~1 GB hidden
/// `.exrprobe-*.partial` behind. Returns how many were deleted.
pub fn remove_partial_files() -> usize {
    let files = PARTIAL_FILES.lock().unwrap_or_else(|e| e.into_inner());
    files
        .iter()
        .filter(|path| std::fs::remove_file(path).is_ok())
        .count()
}

/// Writes `path` atomically: `write` fills a temporary file in the same folder, which is synced
/// and renamed onto `path` only when complete. On every error the temporary file is removed.
fn write_atomically(
    path: &Path,
    overwrite: bool,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<(), ExportError> {
    let path_text = || path.display().to_string();
    let io_error = |source: io::Error| ExportError::Io {
        path: path_text(),
        source,
    };
    // A folder is never replaced, with or without `overwrite`.
    if path.is_dir() {
        return Err(io_error(io::Error::from(io::ErrorKind::IsADirectory)));
    }
    // Never rename over a device, pipe or socket (as root, `--force -o /dev/null` would otherwise
    // replace the device node with a regular file).
    if path.metadata().is_ok_and(|m| !m.is_file()) {
        return Err(ExportError::NotAFile { path: path_text() });
    }
    // Refuse early (before writing gigabytes); the no-clobber rename below closes the race.
    if !overwrite && path.symlink_metadata().is_ok() {
        return Err(ExportError::Exists { path: path_text() });
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".exrprobe-").suffix(".partial");
    #[cfg(unix)]
    {
        // Like any new file (the umask applies), not the owner-only default of temporary files.
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(folder).map_err(io_error)?;
    // From here on, dropping `temp` (any early return) deletes the temporary file; a signal
    // that ends the process deletes it through `remove_partial_files`.
    let _registered = PartialFile::register(temp.path());
    write(temp.as_file_mut()).map_err(io_error)?;
    temp.as_file().sync_all().map_err(io_error)?;
    if overwrite {
        temp.persist(path).map_err(|e| io_error(e.error))?;
    } else {
        temp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                ExportError::Exists { path: path_text() }
            } else {
                io_error(e.error)
            }
        })?;
    }
    // Make the rename itself durable. Best effort: not every platform can sync a folder, and the
    // file is complete either way.
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests;
