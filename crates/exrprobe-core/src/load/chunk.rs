//! Reading one compressed pixel block (a "chunk") at the offset its part's table gives.
//!
//! The block's own header (the part number in multi-part files, then the scan-line y or the
//! tile and level coordinates, then the byte count of its data) is parsed here, not by the `exr`
//! crate's `Chunk::read`: that one reserves the declared byte count (up to the largest block
//! the header allows) before reading a byte of it, so a 917-byte file whose blocks declare
//! 2 GiB each aborted the process with "memory allocation failed". Here the declared count is
//! checked against the bytes the file still has after the block header, and against the raw size
//! of the largest block of the part, before anything is allocated, and the allocation itself is
//! fallible. What a chunk can then cost in memory is bounded by the header and counted against
//! the memory budget by the loader (see `blocks_in_flight` in the parent module).

use std::borrow::Cow;

use exr::block::chunk::{
    Chunk, CompressedBlock, CompressedScanLineBlock, CompressedTileBlock, TileCoordinates,
};
use exr::compression::Compression;
use exr::math::Vec2;
use exr::meta::header::Header;
use exr::meta::{BlockDescription, MetaData};

use super::source::Source;
use crate::codec::{BlockError, BlockStep};

/// The largest block header: part number, four tile coordinates, byte count.
const MAX_BLOCK_HEADER_BYTES: usize = 4 + 16 + 4;

/// Reads the block at `offset`, which its part's offset table (of part `part`) lists.
pub(super) fn read_chunk(
    data: Source<'_>,
    offset: u64,
    part: usize,
    meta: &MetaData,
) -> Result<Chunk, BlockError> {
    let past_end = || BlockError::Truncated("a pixel block offset points past the end".into());
    if offset >= data.len() {
        return Err(past_end());
    }
    let start = usize::try_from(offset).map_err(|_| past_end())?;
    let multi_part = meta.requirements.is_multilayer();
    let header = meta
        .headers
        .get(part)
        .ok_or(BlockError::Internal("a block of an unknown part"))?;
    if header.deep {
        return Err(BlockError::Unsupported("deep data".into()));
    }
    let tiled = matches!(header.blocks, BlockDescription::Tiles(_));
    let header_bytes = 4 * usize::from(multi_part) + if tiled { 16 } else { 4 } + 4;
    debug_assert!(header_bytes <= MAX_BLOCK_HEADER_BYTES);
    let cut_header =
        || BlockError::Truncated("the file ends inside the header of a pixel block".into());
    let available = data.len() - offset;
    if (header_bytes as u64) > available {
        return Err(cut_header());
    }
    let fields = data
        .read_range(start, header_bytes)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::UnexpectedEof => cut_header(),
            kind => BlockError::from_io(kind),
        })?;
    let mut fields = fields
        .as_chunks::<4>()
        .0
        .iter()
        .map(|field| i32::from_le_bytes(*field));
    let mut next = || {
        fields
            .next()
            .ok_or(BlockError::Internal("block header field count"))
    };

    if multi_part {
        let listed_in = next()?;
        if usize::try_from(listed_in).ok() != Some(part) {
            return Err(BlockError::Pixels(Cow::Owned(format!(
                "a block of part {listed_in} is listed in the offset table of part {part}"
            ))));
        }
    }
    let location = if tiled {
        let (x, y, level_x, level_y) = (next()?, next()?, next()?, next()?);
        Some(tile_coordinates([x, y, level_x, level_y])?)
    } else {
        None
    };
    let y_coordinate = if tiled { 0 } else { next()? };
    let declared = next()?;

    // The data size, bounded by the file and by the raw size of the part's largest block
    // (a block is stored raw when compression does not make it smaller).
    let data_start = offset + header_bytes as u64;
    let left_in_file = data.len() - data_start;
    let declared = u64::try_from(declared).map_err(|_| {
        BlockError::pixels("a pixel block declares a negative byte count (damaged block header)")
    })?;
    if declared > left_in_file {
        return Err(BlockError::Truncated(Cow::Owned(format!(
            "a pixel block declares {declared} bytes, but the file ends {left_in_file} bytes later"
        ))));
    }
    let largest = header.max_block_byte_size() as u64;
    if declared > largest {
        return Err(BlockError::Pixels(Cow::Owned(format!(
            "a pixel block declares {declared} bytes, more than the {largest} bytes of its raw pixels"
        ))));
    }
    // Both bounds hold: the count is at most the raw size of a block (a `usize`) and the file
    // has that many bytes left.
    let compressed_pixels_le = data
        .read_range(start + header_bytes, declared as usize)
        .map_err(|error| BlockError::from_io(error.kind()))?;

    let compressed_block = match location {
        Some(coordinates) => CompressedBlock::Tile(CompressedTileBlock {
            coordinates,
            compressed_pixels_le,
        }),
        None => CompressedBlock::ScanLine(CompressedScanLineBlock {
            y_coordinate,
            compressed_pixels_le,
        }),
    };
    let chunk = Chunk {
        layer_index: part,
        compressed_block,
    };
    if matches!(
        header.compression,
        Compression::DWAA(_) | Compression::DWAB(_)
    ) {
        check_dwa_counters(header, &chunk)?;
    }
    Ok(chunk)
}

/// Tile and level coordinates from a tile block's header: never negative, levels below 32
/// (a level 32 would be 2³² times smaller than the largest one).
fn tile_coordinates([x, y, level_x, level_y]: [i32; 4]) -> Result<TileCoordinates, BlockError> {
    let index = |value: i32| usize::try_from(value).ok();
    match (index(x), index(y), index(level_x), index(level_y)) {
        (Some(x), Some(y), Some(level_x), Some(level_y)) if level_x < 32 && level_y < 32 => {
            Ok(TileCoordinates {
                tile_index: Vec2(x, y),
                level_index: Vec2(level_x, level_y),
            })
        }
        _ => Err(BlockError::pixels(
            "a tile block's header has negative or impossible coordinates (damaged block header)",
        )),
    }
}

/// The DWA decoder of the exr crate allocates buffers of the sizes stored in each block's own
/// header (eleven little-endian u64 counters) before inflating; a corrupt counter made it
/// request a terabyte and abort the process. Refuse counters no valid block can have: section
/// sizes beyond twice the block's raw size (plus slack for RLE expansion), coefficient counts
/// beyond one per sample of the block padded to 8×8 DCT blocks.
fn check_dwa_counters(header: &Header, chunk: &Chunk) -> Result<(), BlockError> {
    let compressed = match &chunk.compressed_block {
        CompressedBlock::ScanLine(block) => &block.compressed_pixels_le,
        CompressedBlock::Tile(block) => &block.compressed_pixels_le,
        _ => return Ok(()),
    };
    let bounds = header
        .get_block_data_indices(&chunk.compressed_block)
        .and_then(|tile| header.get_absolute_block_pixel_coordinates(tile))
        .map_err(|error| BlockError::from_exr(&error, BlockStep::Locate))?;
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
        Err(BlockError::compressed(
            "a DWA block declares impossible section sizes",
        ))
    } else {
        Ok(())
    }
}
