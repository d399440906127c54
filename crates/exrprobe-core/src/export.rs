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
fn widen_half(h: f16) -> f32 {
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
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use std::io::Read as _;

    use super::*;
    use crate::model::{Part, SampleType, Storage, Window};

    fn channel(name: &str, width: usize, height: usize, samples: Samples) -> Channel {
        Channel {
            name: name.to_owned(),
            sample_type: samples.sample_type(),
            sampling: (1, 1),
            quantize_linearly: false,
            width,
            height,
            samples: Some(samples),
        }
    }

    fn part(name: Option<&str>, channels: Vec<Channel>) -> Part {
        let window = Window {
            x: -2,
            y: 5,
            width: 3,
            height: 2,
        };
        Part {
            name: name.map(str::to_owned),
            data_window: window,
            display_window: window,
            pixel_aspect: 1.0,
            compression: "none".into(),
            line_order: "increasing Y".into(),
            storage: Storage::ScanLines,
            deep: false,
            attributes: vec![],
            channels,
            pixel_error: None,
            pixels_damaged: false,
        }
    }

    /// Half values that are easy to get wrong: NaN with a payload, ±Inf, -0, subnormal, max.
    fn tricky_halves() -> Vec<f16> {
        [0x7e01u16, 0x7c00, 0xfc00, 0x8000, 0x0001, 0x7bff]
            .into_iter()
            .map(f16::from_bits)
            .collect()
    }

    /// Parses an `.npy` stream: (descr, shape, data bytes), checking the format as numpy would.
    fn parse_npy(bytes: &[u8]) -> (String, Vec<u64>, Vec<u8>) {
        let npy = npyz::NpyFile::new(bytes).unwrap();
        let descr = npy.header().dtype().descr();
        let shape = npy.shape().to_vec();
        assert_eq!(npy.order(), npyz::Order::C);
        let header_len = bytes.len()
            - npy.header().dtype().num_bytes().unwrap() * (shape.iter().product::<u64>() as usize);
        (descr, shape, bytes[header_len..].to_vec())
    }

    #[test]
    fn npy_native_half_keeps_every_bit_and_the_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.npy");
        let halves = tricky_halves();
        let ch = channel("Z", 3, 2, Samples::F16(halves.clone()));
        write_npy(&ch, NpyDtype::Native, &path, false).unwrap();
        let (descr, shape, data) = parse_npy(&std::fs::read(&path).unwrap());
        assert_eq!(descr, "'<f2'");
        assert_eq!(shape, vec![2, 3]);
        let expected: Vec<u8> = halves
            .iter()
            .flat_map(|h| h.to_bits().to_le_bytes())
            .collect();
        assert_eq!(data, expected);
    }

    #[test]
    fn npy_f32_widens_half_exactly_and_converts_uint() {
        let dir = tempfile::tempdir().unwrap();
        let halves = tricky_halves();
        let path = dir.path().join("h.npy");
        write_npy(
            &channel("Y", 2, 3, Samples::F16(halves.clone())),
            NpyDtype::F32,
            &path,
            false,
        )
        .unwrap();
        let (descr, shape, data) = parse_npy(&std::fs::read(&path).unwrap());
        assert_eq!((descr.as_str(), shape), ("'<f4'", vec![3, 2]));
        let got: Vec<u32> = data
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let expected: Vec<u32> = halves.iter().map(|h| h.to_f32().to_bits()).collect();
        assert_eq!(got[1..], expected[1..]);
        // The NaN payload survives widening (shifted, not a canonical NaN), as in numpy.
        assert_eq!(got[0], 0x7fc0_2000);
        assert_eq!(widen_half(f16::from_bits(0x7c01)).to_bits(), 0x7f80_2000); // signalling stays
        assert_eq!(widen_half(f16::from_bits(0xfe00)).to_bits(), 0xffc0_0000);

        let ids = vec![0u32, 1, 16_777_217, u32::MAX];
        let path = dir.path().join("id_native.npy");
        write_npy(
            &channel("id", 4, 1, Samples::U32(ids.clone())),
            NpyDtype::Native,
            &path,
            false,
        )
        .unwrap();
        let (descr, shape, data) = parse_npy(&std::fs::read(&path).unwrap());
        assert_eq!((descr.as_str(), shape), ("'<u4'", vec![1, 4]));
        let expected: Vec<u8> = ids.iter().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(data, expected);

        let path = dir.path().join("id_f32.npy");
        write_npy(
            &channel("id", 4, 1, Samples::U32(ids.clone())),
            NpyDtype::F32,
            &path,
            false,
        )
        .unwrap();
        let (descr, _, data) = parse_npy(&std::fs::read(&path).unwrap());
        assert_eq!(descr, "'<f4'");
        let expected: Vec<u8> = ids.iter().flat_map(|&u| (u as f32).to_le_bytes()).collect();
        assert_eq!(data, expected);
    }

    #[test]
    fn npz_holds_every_decoded_channel_under_its_qualified_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.npz");
        let depth: Vec<f32> = vec![1.5, f32::from_bits(0x7fa0_0001), 1e10, -0.0, 3.0, 4.0];
        let mut undecoded = channel("deep", 3, 2, Samples::F32(vec![0.0; 6]));
        undecoded.samples = None;
        undecoded.sample_type = SampleType::Float;
        let image = Image {
            source: "test".into(),
            parts: vec![
                part(
                    Some("beauty"),
                    vec![channel("R", 3, 2, Samples::F16(tricky_halves()))],
                ),
                part(
                    None,
                    vec![channel("Z", 3, 2, Samples::F32(depth.clone())), undecoded],
                ),
            ],
        };
        write_npz(&image, NpyDtype::Native, &path, false).unwrap();
        let mut npz = npyz::npz::NpzArchive::open(&path).unwrap();
        let mut names: Vec<String> = npz.array_names().map(str::to_owned).collect();
        names.sort();
        assert_eq!(names, vec!["1/Z".to_owned(), "beauty/R".to_owned()]);
        let r = npz.by_name("beauty/R").unwrap().unwrap();
        assert_eq!(r.header().dtype().descr(), "'<f2'");
        assert_eq!(r.shape(), &[2, 3]);
        let r: Vec<f16> = r.into_vec().unwrap();
        assert_eq!(
            r.iter().map(|h| h.to_bits()).collect::<Vec<_>>(),
            tricky_halves()
                .iter()
                .map(|h| h.to_bits())
                .collect::<Vec<_>>()
        );
        let z: Vec<f32> = npz.by_name("1/Z").unwrap().unwrap().into_vec().unwrap();
        assert_eq!(
            z.iter().map(|f| f.to_bits()).collect::<Vec<_>>(),
            depth.iter().map(|f| f.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_signal_handler_can_remove_the_temporary_file_of_an_export_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.npy");
        let mut seen = None;
        let result = write_atomically(&target, false, |_| {
            // Mid-write: the temporary file exists and is registered.
            let partial: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            seen = partial.first().cloned();
            assert_eq!(remove_partial_files(), 1);
            Err(io::Error::other("interrupted"))
        });
        assert!(result.is_err());
        let partial = seen.unwrap();
        assert!(
            partial
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".exrprobe-")
        );
        assert!(!partial.exists());
        assert_eq!(remove_partial_files(), 0, "unregistered once done");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn npz_keys_never_leave_the_folder_and_never_collide() {
        assert_eq!(
            npz_keys([
                "a/b/Z",
                "a/b/Z",
                "../x",
                "/abs",
                "ok.Z",
                "tab\tname",
                "a//b",
                "a\\b"
            ]),
            [
                "a/b/Z", "a/b/Z#2", "_/x", "_/abs", "ok.Z", "tab_name", "a/_/b", "a_b"
            ]
        );
    }

    #[test]
    fn npz_without_any_decoded_channel_is_refused_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.npz");
        let mut ch = channel("Z", 3, 2, Samples::F32(vec![0.0; 6]));
        ch.samples = None;
        let image = Image {
            source: "test".into(),
            parts: vec![part(None, vec![ch])],
        };
        let err = write_npz(&image, NpyDtype::F32, &path, false).unwrap_err();
        assert!(matches!(err, ExportError::NoPixels { .. }), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn refuses_to_overwrite_without_permission_and_leaves_the_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.npy");
        std::fs::write(&path, b"precious").unwrap();
        let ch = channel("Z", 1, 1, Samples::F32(vec![2.0]));
        let err = write_npy(&ch, NpyDtype::F32, &path, false).unwrap_err();
        assert!(matches!(err, ExportError::Exists { .. }));
        assert!(
            err.to_string().ends_with(&path.display().to_string()),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        write_npy(&ch, NpyDtype::F32, &path, true).unwrap();
        let (_, shape, data) = parse_npy(&std::fs::read(&path).unwrap());
        assert_eq!((shape, data), (vec![1, 1], 2.0f32.to_le_bytes().to_vec()));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn samples_that_do_not_fill_the_shape_are_refused_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.npy");
        // 3 × 2 declared, 5 samples held: never write an array numpy would misread.
        let ch = channel("Z", 3, 2, Samples::F32(vec![0.0; 5]));
        let text = write_npy(&ch, NpyDtype::F32, &path, false)
            .unwrap_err()
            .to_string();
        assert!(text.contains("5 samples"), "{text}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_as_target_is_never_replaced() {
        use std::os::unix::fs::FileTypeExt as _;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("pipe.npy");
        let made = std::process::Command::new("mkfifo").arg(&target).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo is not available: skipped");
            return;
        }
        let ch = channel("Z", 1, 1, Samples::F32(vec![2.0]));
        for overwrite in [false, true] {
            let error = write_npy(&ch, NpyDtype::F32, &target, overwrite).unwrap_err();
            assert!(matches!(error, ExportError::NotAFile { .. }), "{error}");
        }
        assert!(std::fs::metadata(&target).unwrap().file_type().is_fifo());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_as_target_is_refused_even_with_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.npy");
        std::fs::create_dir(&target).unwrap();
        let ch = channel("Z", 1, 1, Samples::F32(vec![2.0]));
        for overwrite in [false, true] {
            let text = write_npy(&ch, NpyDtype::F32, &target, overwrite)
                .unwrap_err()
                .to_string();
            assert!(text.contains("the target is a folder"), "{text}");
        }
        assert!(target.is_dir());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_folder_gives_a_clear_error_with_the_path_last() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/folder/z.npy");
        let ch = channel("Z", 1, 1, Samples::F32(vec![2.0]));
        let err = write_npy(&ch, NpyDtype::F32, &path, false).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("the folder does not exist"), "{text}");
        assert!(text.ends_with(&path.display().to_string()), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn read_only_folder_is_refused_without_leftovers() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("ro");
        std::fs::create_dir(&folder).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
        // Root (and CAP_DAC_OVERRIDE) writes into read-only folders anyway: detect that.
        let probe = folder.join("probe");
        let writable_anyway = std::fs::write(&probe, b"x").is_ok();
        let _ = std::fs::remove_file(&probe);
        let path = folder.join("z.npy");
        let result = write_npy(
            &channel("Z", 1, 1, Samples::F32(vec![2.0])),
            NpyDtype::F32,
            &path,
            false,
        );
        if writable_anyway {
            assert!(result.is_ok());
        } else {
            let text = result.unwrap_err().to_string();
            assert!(text.contains("permission denied"), "{text}");
            assert!(text.ends_with(&path.display().to_string()), "{text}");
            assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
        }
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A writer that accepts `budget` bytes and then fails like a full disk.
    struct FullDisk<W> {
        inner: W,
        budget: usize,
    }

    impl<W: Write> Write for FullDisk<W> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.budget == 0 {
                return Err(io::Error::from(io::ErrorKind::StorageFull));
            }
            let n = buf.len().min(self.budget);
            self.budget -= n;
            self.inner.write(&buf[..n])
        }
        fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }
    }

    #[test]
    fn disk_full_midway_leaves_no_partial_or_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.npy");
        let values: Vec<f32> = (0..10_000).map(|i| i as f32).collect();
        let ch = channel("Z", 100, 100, Samples::F32(values));
        let Some(samples) = ch.samples.as_ref() else {
            unreachable!()
        };
        let mut written_before_failure = 0;
        let err = write_atomically(&path, false, |file| {
            let mut out = FullDisk {
                inner: &mut *file,
                budget: 5_000,
            };
            let result = write_npy_to(&mut out, &ch, samples, NpyDtype::F32);
            written_before_failure = file.stream_position()?;
            result
        })
        .unwrap_err();
        // The failure really happened in the middle of the data.
        assert_eq!(written_before_failure, 5_000);
        let text = err.to_string();
        assert!(
            text.starts_with("cannot write, the disk is full: "),
            "{text}"
        );
        assert!(text.ends_with(&path.display().to_string()), "{text}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn written_file_is_complete_and_readable_by_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.npy");
        write_npy(
            &channel("Z", 1, 1, Samples::F32(vec![7.25])),
            NpyDtype::F32,
            &path,
            false,
        )
        .unwrap();
        let mut bytes = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut bytes).unwrap();
        assert_eq!(&bytes[..6], b"\x93NUMPY");
        assert_eq!(bytes.len() % 16, 4); // 16-aligned header + one f32
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            // Same mode as any new file (the umask applies), not the 0600 of a temporary file.
            let ordinary = dir.path().join("ordinary");
            File::create(&ordinary).unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), mode(&ordinary));
        }
    }
}
