//! Hostile files written byte by byte: headers an encoder would never produce, which the `exr`
//! crate's writer cannot make, to reproduce what a damaged or crafted file does to a reader.
//!
//! Every file here is a single-part scan-line file without compression, with one `FLOAT`
//! channel, a data window of `width` × `rows` pixels (one pixel block per row) and blocks that
//! *declare* `declared_bytes` of data each. Only the block headers are written: the file is
//! either short (the declared data is missing) or, with [`DeclaredBlocks::sparse`], as long as
//! the declarations say, with the data left as a hole (reads as zeros, takes no disk space).

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

/// The shape of a file whose blocks declare their own (possibly absurd) sizes.
#[derive(Clone, Debug)]
pub struct DeclaredBlocks {
    /// Channel name (`R` is neither depth nor colour-layer-specific, so reports do not keep it).
    pub channel: String,
    /// Pixels per row of the data window.
    pub width: u32,
    /// Rows, one block each.
    pub rows: u32,
    /// The byte count each block's header declares.
    pub declared_bytes: u32,
    /// When true, the file is long enough to hold every declared block (as a hole).
    pub sparse: bool,
}

impl DeclaredBlocks {
    /// The header, the offset table and the block headers (the whole file unless `sparse`).
    pub fn header_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&[0x76, 0x2f, 0x31, 0x01]); // magic
        out.extend_from_slice(&2u32.to_le_bytes()); // version 2, single-part scan lines
        let mut channels = Vec::new();
        channels.extend_from_slice(self.channel.as_bytes());
        channels.push(0);
        channels.extend_from_slice(&2i32.to_le_bytes()); // FLOAT
        channels.extend_from_slice(&[0, 0, 0, 0]); // pLinear, reserved
        channels.extend_from_slice(&1i32.to_le_bytes()); // x sampling
        channels.extend_from_slice(&1i32.to_le_bytes()); // y sampling
        channels.push(0);
        attribute(&mut out, "channels", "chlist", &channels);
        attribute(&mut out, "compression", "compression", &[0]); // NONE
        let window = box2i(self.width, self.rows);
        attribute(&mut out, "dataWindow", "box2i", &window);
        attribute(&mut out, "displayWindow", "box2i", &window);
        attribute(&mut out, "lineOrder", "lineOrder", &[0]);
        attribute(&mut out, "pixelAspectRatio", "float", &1f32.to_le_bytes());
        attribute(&mut out, "screenWindowCenter", "v2f", &[0; 8]);
        attribute(&mut out, "screenWindowWidth", "float", &1f32.to_le_bytes());
        out.push(0); // end of header
        let table_start = out.len() as u64;
        let block_stride = 8 + if self.sparse {
            u64::from(self.declared_bytes)
        } else {
            0
        };
        let first_block = table_start + 8 * u64::from(self.rows);
        for row in 0..u64::from(self.rows) {
            out.extend_from_slice(&(first_block + row * block_stride).to_le_bytes());
        }
        if !self.sparse {
            for row in 0..self.rows {
                out.extend_from_slice(&row.to_le_bytes());
                out.extend_from_slice(&self.declared_bytes.to_le_bytes());
            }
        }
        out
    }

    /// Writes the file to `path` (with holes for the declared data when `sparse`).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut file = File::create(path)?;
        let header = self.header_bytes();
        file.write_all(&header)?;
        if self.sparse {
            let stride = 8 + u64::from(self.declared_bytes);
            let mut position = header.len() as u64;
            for row in 0..self.rows {
                file.seek(SeekFrom::Start(position))?;
                file.write_all(&row.to_le_bytes())?;
                file.write_all(&self.declared_bytes.to_le_bytes())?;
                position += stride;
            }
            file.set_len(position)?;
        }
        file.sync_all()
    }
}

fn attribute(out: &mut Vec<u8>, name: &str, kind: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    out.extend_from_slice(kind.as_bytes());
    out.push(0);
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(value);
}

fn box2i(width: u32, height: u32) -> Vec<u8> {
    [0, 0, width.saturating_sub(1), height.saturating_sub(1)]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}
