//! Why a pixel block could not be decoded.
//!
//! One typed error for every step of decoding a block (reading it, decompressing it, putting its
//! rows where they belong), so that the loader can tell damage from a lack of memory without
//! comparing texts. Errors of the `exr` crate are mapped here once, by their kind and by the step
//! that failed ([`BlockStep`]), never by their message text. The `Display` text is what a part's
//! `pixel_error` shows.

use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The file ends before a block does.
    #[error("file ends early (truncated?): {0}")]
    Truncated(Cow<'static, str>),
    /// The compressed stream is damaged: it does not decompress as its method says.
    #[error("corrupt compressed data: {0}")]
    Compressed(Cow<'static, str>),
    /// A block or the offset table does not fit the header (wrong size, wrong place).
    #[error("corrupt pixel data: {0}")]
    Pixels(Cow<'static, str>),
    /// The header describes something no block can satisfy.
    #[error("invalid header: {0}")]
    Header(&'static str),
    #[error("unsupported feature: {0}")]
    Unsupported(Cow<'static, str>),
    /// The operating system could not read the file.
    #[error("read error: {0}")]
    Read(std::io::ErrorKind),
    /// The allocator refused memory the budget allowed (the machine has less free than assumed).
    #[error("out of memory")]
    OutOfMemory,
    /// A mistake of ours, not of the file.
    #[error("internal error: {0}, please report it")]
    Internal(&'static str),
}

/// The step of decoding a block that an `exr` crate error came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockStep {
    /// Reading a block's header and bytes at its offset.
    Read,
    /// Locating the block's pixels from its header (tile or scan-line index).
    Locate,
    /// Decompressing the block with the `exr` crate.
    Decompress,
}

impl BlockError {
    /// Maps an error of the `exr` crate by its kind and the step that failed.
    pub fn from_exr(error: &exr::error::Error, step: BlockStep) -> Self {
        use exr::error::Error;
        match error {
            Error::Io(io) => Self::from_io(io.kind()),
            Error::NotSupported(what) => Self::Unsupported(Cow::Owned(what.to_string())),
            Error::Aborted => Self::Internal("the decoder stopped without a reason"),
            Error::Invalid(_) => match step {
                BlockStep::Read => Self::Pixels(Cow::Borrowed(
                    "a pixel block is cut off (truncated?) or its block header is damaged",
                )),
                BlockStep::Locate => Self::Pixels(Cow::Borrowed(
                    "a pixel block's header names a block the image does not have",
                )),
                BlockStep::Decompress => Self::Compressed(Cow::Borrowed(
                    "a pixel block does not decompress (damaged data)",
                )),
            },
        }
    }

    /// Maps a failed read of the file.
    pub fn from_io(kind: std::io::ErrorKind) -> Self {
        match kind {
            std::io::ErrorKind::UnexpectedEof => {
                Self::Truncated(Cow::Borrowed("a pixel block runs past the end of the file"))
            }
            std::io::ErrorKind::OutOfMemory => Self::OutOfMemory,
            kind => Self::Read(kind),
        }
    }

    /// Damaged compressed data, described by `what`.
    pub fn compressed(what: &'static str) -> Self {
        Self::Compressed(Cow::Borrowed(what))
    }

    /// A block that does not fit its header, described by `what`.
    pub fn pixels(what: &'static str) -> Self {
        Self::Pixels(Cow::Borrowed(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exr_errors_are_mapped_by_kind_and_step_not_by_text() {
        let eof = exr::error::Error::Io(std::io::ErrorKind::UnexpectedEof.into());
        assert!(
            BlockError::from_exr(&eof, BlockStep::Read)
                .to_string()
                .starts_with("file ends early (truncated?)")
        );
        // Two different texts of the same kind at the same step give the same error.
        for text in ["reference to missing bytes", "compressed data too short"] {
            let error = exr::error::Error::Invalid(text.into());
            assert_eq!(
                BlockError::from_exr(&error, BlockStep::Decompress),
                BlockError::compressed("a pixel block does not decompress (damaged data)")
            );
        }
        assert_eq!(
            BlockError::from_io(std::io::ErrorKind::OutOfMemory),
            BlockError::OutOfMemory
        );
        assert_eq!(BlockError::OutOfMemory.to_string(), "out of memory");
    }
}
