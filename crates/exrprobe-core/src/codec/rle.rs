//! RLE blocks (run-length encoding, 1 scan line per block).
//!
//! The encoder prepares the raw block bytes exactly as ZIP does (even-indexed bytes, then the
//! odd-indexed ones, each replaced by its difference to the previous byte plus 128) and then
//! writes runs instead of deflating: a signed count byte, either negative (that many literal
//! bytes follow) or `n ≥ 0` (the next byte repeated `n + 1` times). Decoding expands the runs
//! into a buffer kept per thread and hands it to ZIP's predictor ([`super::zip::unpredict_rows`]),
//! so only the expansion lives here.
//!
//! Damage: a run that would write past the block's size, a run cut off by the end of the data,
//! or data that ends before the block is full is an error. Bytes after the block is full are
//! ignored, as the `exr` crate does (OpenEXR refuses them; a block that decodes completely is
//! still worth showing).

use std::cell::RefCell;

use super::scratch::with_scratch;
use super::{BlockError, BlockLayout, LineSink};

thread_local! {
    static EXPANDED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Expands an RLE block whose raw size is `expected_bytes` and passes the rows of the wanted
/// channels to `sink` (little-endian).
pub(crate) fn decode(
    compressed: &[u8],
    expected_bytes: usize,
    layout: BlockLayout<'_>,
    wanted: &[bool],
    sink: &mut dyn LineSink,
) -> Result<(), BlockError> {
    with_scratch(&EXPANDED, |buffer| {
        expand_into(buffer, compressed, expected_bytes)
            .and_then(|()| super::zip::unpredict_rows(buffer, layout, wanted, sink))
    })
}

/// Expands the runs of `compressed` into `out` (cleared first), which ends up exactly
/// `expected_bytes` long.
pub(crate) fn expand_into(
    out: &mut Vec<u8>,
    compressed: &[u8],
    expected_bytes: usize,
) -> Result<(), BlockError> {
    out.clear();
    out.try_reserve_exact(expected_bytes)
        .map_err(|_| BlockError::OutOfMemory)?;
    let cut_off = || BlockError::compressed("an RLE run is cut off by the end of the block");
    let mut input = compressed;
    while out.len() < expected_bytes {
        let Some((&count, rest)) = input.split_first() else {
            return Err(BlockError::Compressed(
                format!(
                    "an RLE block expands to {} bytes instead of {expected_bytes}",
                    out.len()
                )
                .into(),
            ));
        };
        let count = count as i8;
        let room = expected_bytes - out.len();
        if count < 0 {
            let literal = usize::from(count.unsigned_abs());
            let (bytes, rest) = rest.split_at_checked(literal).ok_or_else(cut_off)?;
            if literal > room {
                return Err(too_long());
            }
            out.extend_from_slice(bytes);
            input = rest;
        } else {
            let repeat = count as usize + 1;
            let (&value, rest) = rest.split_first().ok_or_else(cut_off)?;
            if repeat > room {
                return Err(too_long());
            }
            out.resize(out.len() + repeat, value);
            input = rest;
        }
    }
    Ok(())
}

fn too_long() -> BlockError {
    BlockError::compressed("an RLE block expands to more bytes than the block holds")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests
mod tests {
    use super::*;

    fn expand(compressed: &[u8], expected: usize) -> Result<Vec<u8>, BlockError> {
        let mut out = vec![9; 3];
        expand_into(&mut out, compressed, expected).map(|()| out)
    }

    #[test]
    fn runs_and_literals_expand() {
        // 3 × 7, then the literals 1 2, then 1 × 5.
        assert_eq!(
            expand(&[2, 7, 0xFE, 1, 2, 0, 5], 6).unwrap(),
            [7, 7, 7, 1, 2, 5]
        );
        // The longest run (128) and literal (128).
        let mut long = vec![127, 4, 0x80];
        long.extend(0..128u8);
        let expanded = expand(&long, 256).unwrap();
        assert!(expanded[..128].iter().all(|&b| b == 4));
        assert!(expanded[128..].iter().copied().eq(0..128u8));
        // Nothing to expand.
        assert_eq!(expand(&[], 0).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn damaged_runs_are_errors() {
        for (compressed, expected, what) in [
            (&[2u8, 7][..], 4, "instead of 4"),
            (&[2, 7], 2, "more bytes"),
            (&[0xFD, 1, 2], 3, "cut off"),
            (&[0xFD, 1, 2, 3], 2, "more bytes"),
            (&[5], 6, "cut off"),
        ] {
            let error = expand(compressed, expected).unwrap_err().to_string();
            assert!(error.contains(what), "{compressed:?}: {error}");
        }
        // Trailing bytes after a full block are ignored.
        assert_eq!(expand(&[1, 3, 9, 9], 2).unwrap(), [3, 3]);
    }
}
