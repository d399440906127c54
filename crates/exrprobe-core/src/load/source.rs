//! Where the compressed blocks come from: the file, read at positions (safe from several
//! threads at once, without moving a shared cursor), or bytes in memory.

use std::fs::File;
use std::io::Read;

/// Counts the bytes a reader hands out, to know where the headers end.
pub(super) struct CountingReader<R> {
    pub(super) inner: R,
    pub(super) count: usize,
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
pub(super) enum Source<'a> {
    /// The whole file in memory.
    Bytes(&'a [u8]),
    /// An open file, read with positioned reads (safe from several threads at once).
    File { file: &'a File, len: u64 },
}

impl Source<'_> {
    /// Length of the file in bytes.
    pub(super) fn len(self) -> u64 {
        match self {
            Source::Bytes(bytes) => bytes.len() as u64,
            Source::File { len, .. } => len,
        }
    }

    /// The `len` bytes at `start` (which the caller checked to lie within the file).
    pub(super) fn read_range(self, start: usize, len: usize) -> std::io::Result<Vec<u8>> {
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
pub(super) struct PositionedReader<'a> {
    pub(super) file: &'a File,
    pub(super) position: u64,
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
