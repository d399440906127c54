//! Headers to the model: reading and validating the headers of every part, the parts, channels
//! and attributes of [`crate::model::Image`], the decoded size the memory budget is checked
//! against, and the words for errors found in the header.

use std::io::Read;

use exr::compression::Compression;
use exr::meta::BlockDescription;
use exr::meta::MetaData;
use exr::meta::attribute::{
    AttributeValue, BlockType, ChannelDescription, EnvironmentMap, IntegerBounds, LevelMode,
    LineOrder, SampleType as ExrSampleType,
};
use exr::meta::header::Header;

use super::source::CountingReader;
use super::{ChannelFilter, LoadError};
use crate::model::{Attribute, Channel, ChannelRef, Part, SampleType, Storage, Window};

/// The headers and where the offset tables start.
pub(super) struct MetaAndTables {
    pub(super) meta: MetaData,
    /// Byte offset of the first offset table (right after the headers).
    pub(super) offset_tables_start: usize,
}

/// Why the headers could not be read.
pub(super) enum HeaderError {
    /// The file does not start with the OpenEXR signature.
    NotExr,
    /// The signature is there, but the version field is not 2 or has feature bits no OpenEXR
    /// version defines.
    Version { version: u8, unknown_flags: u32 },
    /// The header section ends before any part header.
    NoParts,
    /// The `exr` crate refused the headers.
    Exr(exr::error::Error),
}

impl From<exr::error::Error> for HeaderError {
    fn from(error: exr::error::Error) -> Self {
        HeaderError::Exr(error)
    }
}

/// The OpenEXR signature (magic number), the first four bytes of every file.
const SIGNATURE: [u8; 4] = [0x76, 0x2f, 0x31, 0x01];
/// Feature bits of the version field OpenEXR 2 and 3 define: tiled single part, long names,
/// deep data, multi-part.
const KNOWN_FLAGS: u32 = 0x200 | 0x400 | 0x800 | 0x1000;

/// Reads and validates the headers of every part. The signature and the version field are
/// checked here first, so that a file that is not OpenEXR (or from a future version) is named
/// as such rather than by the `exr` crate's "file identifier missing" / "file feature flags".
pub(super) fn read_meta(mut read: impl Read) -> Result<MetaAndTables, HeaderError> {
    let mut start = [0u8; 8];
    read.read_exact(&mut start)
        .map_err(|error| HeaderError::Exr(exr::error::Error::Io(error)))?;
    let [a, b, c, d, version, f1, f2, f3] = start;
    if [a, b, c, d] != SIGNATURE {
        return Err(HeaderError::NotExr);
    }
    let flags = u32::from_le_bytes([0, f1, f2, f3]);
    if version != 2 || flags & !KNOWN_FLAGS != 0 {
        return Err(HeaderError::Version {
            version,
            unknown_flags: flags & !KNOWN_FLAGS,
        });
    }
    let mut counting = CountingReader {
        inner: std::io::Cursor::new(start).chain(read),
        count: 0,
    };
    // Same flags as the exr crate's own reader (`Reader::read_from_buffered(_, false)`): headers
    // parsed strictly, the header set validated leniently. Header reading never leaves a peeked
    // byte behind (it stops after consuming the terminating zero), so `count` is exact.
    let meta = MetaData::read_from_buffered(&mut counting, true)?;
    // `MetaData::validate` refuses deep parts outright; we want their headers, so validate each
    // header the way it does (non-pedantic) ourselves.
    if meta.headers.is_empty() {
        return Err(HeaderError::NoParts);
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

/// A user-readable reason why the headers could not be read, by the error's kind. The `exr`
/// crate's own text names the field it stopped at; it is kept as a detail after ours.
fn describe_header_error(error: &HeaderError) -> String {
    use exr::error::Error;
    match error {
        HeaderError::NotExr => {
            "it does not start with the OpenEXR signature 76 2f 31 01: not an OpenEXR file, or \
             its first bytes are damaged"
                .into()
        }
        HeaderError::Version {
            version,
            unknown_flags,
        } if *version != 2 => format!(
            "OpenEXR version {version} in its version field, where every OpenEXR file has 2: \
             the header is damaged"
        ),
        HeaderError::Version { unknown_flags, .. } => format!(
            "feature flags {unknown_flags:#x} that no OpenEXR version defines: the header is \
             damaged, or the file comes from a newer OpenEXR than exrprobe knows"
        ),
        HeaderError::NoParts => {
            "the header section describes no image part: the header is damaged".into()
        }
        HeaderError::Exr(Error::Io(io)) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "file ends early (truncated?) within the headers".into()
        }
        HeaderError::Exr(Error::Io(io)) => format!("read error: {io}"),
        HeaderError::Exr(Error::Aborted) => "reading was aborted".into(),
        HeaderError::Exr(Error::NotSupported(message)) => {
            format!("uses a feature exrprobe does not read: {message}")
        }
        HeaderError::Exr(Error::Invalid(message)) => format!(
            "damaged header (the reader stopped at: {message}); copy the file again or render \
             it again"
        ),
    }
}

pub(super) fn invalid(source: &str, error: &HeaderError) -> LoadError {
    LoadError::Invalid {
        reason: describe_header_error(error),
        path: source.to_owned(),
    }
}

pub(super) fn invalid_reason(source: &str, reason: impl Into<String>) -> LoadError {
    LoadError::Invalid {
        reason: reason.into(),
        path: source.to_owned(),
    }
}

/// Why we cannot decode a part's pixels, or `None` when we can.
pub(super) fn unsupported_reason(header: &Header) -> Option<String> {
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
pub(super) fn channel_size(header: &Header, channel: &ChannelDescription) -> (usize, usize) {
    let exr::math::Vec2(width, height) = header.layer_size;
    let exr::math::Vec2(x_sampling, y_sampling) = channel.sampling;
    (width / x_sampling.max(1), height / y_sampling.max(1))
}

/// Bytes of the offset tables of every part (one u64 per chunk).
pub(super) fn offset_table_byte_size(meta: &MetaData) -> u64 {
    meta.headers
        .iter()
        .map(|header| header.chunk_count as u64)
        .fold(0u64, u64::saturating_add)
        .saturating_mul(8)
}

/// Bytes of the decoded samples of every wanted channel of the parts we would decode (largest
/// level, native types).
pub(super) fn decoded_byte_size(meta: &MetaData, filter: &ChannelFilter) -> u64 {
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

pub(super) fn sample_type(sample_type: ExrSampleType) -> SampleType {
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
pub(super) fn parts_from_meta(meta: &MetaData, source: &str) -> Result<Vec<Part>, LoadError> {
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
        pixels_damaged: false,
        missing_level_blocks: 0,
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
