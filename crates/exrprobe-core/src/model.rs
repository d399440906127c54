//! The in-memory image model: parts, channels and samples in their native type.
//!
//! This is plain data. Loading (`load`), analysis (`stats`, `naming`, `diagnose`), display mapping
//! (`colormap`) and export (`export`) all read it; nothing here does I/O.
//!
//! Coordinates: a channel's samples are stored row-major over the part's *data window*.
//! `pos_in_data` (column, row) counts from the data window's top-left sample, starting at 0; the
//! absolute EXR pixel coordinate is `data_window.x + col`, `data_window.y + row`.

use half::f16;
use serde::{Deserialize, Serialize};

/// Storage type of one channel's samples, as declared in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleType {
    Half,
    Float,
    Uint,
}

impl SampleType {
    /// The OpenEXR name: `half`, `float` or `uint`.
    pub fn name(self) -> &'static str {
        match self {
            SampleType::Half => "half",
            SampleType::Float => "float",
            SampleType::Uint => "uint",
        }
    }

    /// Bytes one sample takes in memory (and in the file, uncompressed).
    pub fn bytes_per_sample(self) -> usize {
        match self {
            SampleType::Half => 2,
            SampleType::Float | SampleType::Uint => 4,
        }
    }
}

impl std::fmt::Display for SampleType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One sample in its native type. `Display` prints the shortest text that reads back to the same
/// value (for half: the exact half value), which is what the probe and the CLI show.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SampleValue {
    F16(f16),
    F32(f32),
    U32(u32),
}

impl SampleValue {
    /// The value widened to f64 (exact for every half, float and uint).
    pub fn to_f64(self) -> f64 {
        match self {
            SampleValue::F16(v) => f64::from(v.to_f32()),
            SampleValue::F32(v) => f64::from(v),
            SampleValue::U32(v) => f64::from(v),
        }
    }

    /// The value as f32 (exact for half and float; uint above 2^24 rounds).
    pub fn to_f32(self) -> f32 {
        match self {
            SampleValue::F16(v) => v.to_f32(),
            SampleValue::F32(v) => v,
            SampleValue::U32(v) => v as f32,
        }
    }
}

impl std::fmt::Display for SampleValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The shortest round-trip f32 text; every half is exactly an f32, and the shortest
            // f32 text that round-trips also names the half exactly.
            SampleValue::F16(v) => f.write_str(&crate::text::format_exact(f64::from(v.to_f32()))),
            SampleValue::F32(v) => f.write_str(&crate::text::format_exact(f64::from(*v))),
            SampleValue::U32(v) => write!(f, "{v}"),
        }
    }
}

/// The decoded samples of one channel, row-major over the channel's `width × height`.
#[derive(Clone, Debug, PartialEq)]
pub enum Samples {
    F16(Vec<f16>),
    F32(Vec<f32>),
    U32(Vec<u32>),
}

/// A caller's buffer for the samples of one channel, row-major over the channel's
/// `width × height` (see [`crate::load::load_file_into`]): the same three types as [`Samples`],
/// borrowed instead of owned.
#[derive(Debug)]
pub enum SamplesMut<'a> {
    F16(&'a mut [f16]),
    F32(&'a mut [f32]),
    U32(&'a mut [u32]),
}

impl SamplesMut<'_> {
    pub fn len(&self) -> usize {
        match self {
            SamplesMut::F16(v) => v.len(),
            SamplesMut::F32(v) => v.len(),
            SamplesMut::U32(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn sample_type(&self) -> SampleType {
        match self {
            SamplesMut::F16(_) => SampleType::Half,
            SamplesMut::F32(_) => SampleType::Float,
            SamplesMut::U32(_) => SampleType::Uint,
        }
    }
}

impl Samples {
    /// The samples as a buffer to write into.
    pub fn as_samples_mut(&mut self) -> SamplesMut<'_> {
        match self {
            Samples::F16(v) => SamplesMut::F16(v),
            Samples::F32(v) => SamplesMut::F32(v),
            Samples::U32(v) => SamplesMut::U32(v),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Samples::F16(v) => v.len(),
            Samples::F32(v) => v.len(),
            Samples::U32(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn sample_type(&self) -> SampleType {
        match self {
            Samples::F16(_) => SampleType::Half,
            Samples::F32(_) => SampleType::Float,
            Samples::U32(_) => SampleType::Uint,
        }
    }

    /// The sample at a flat index, or `None` outside the buffer.
    pub fn get(&self, index: usize) -> Option<SampleValue> {
        match self {
            Samples::F16(v) => v.get(index).copied().map(SampleValue::F16),
            Samples::F32(v) => v.get(index).copied().map(SampleValue::F32),
            Samples::U32(v) => v.get(index).copied().map(SampleValue::U32),
        }
    }

    /// The sample at a flat index as f32, or `None` outside the buffer.
    pub fn get_f32(&self, index: usize) -> Option<f32> {
        self.get(index).map(SampleValue::to_f32)
    }

    /// Bytes the samples take in memory.
    pub fn byte_size(&self) -> usize {
        self.len() * self.sample_type().bytes_per_sample()
    }

    /// All samples widened to f32 (a copy; exact for half and float).
    pub fn to_f32_vec(&self) -> Vec<f32> {
        match self {
            Samples::F16(v) => v.iter().map(|h| h.to_f32()).collect(),
            Samples::F32(v) => v.clone(),
            Samples::U32(v) => v.iter().map(|&u| u as f32).collect(),
        }
    }
}

/// An axis-aligned pixel rectangle in absolute EXR pixel coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    /// Left column (may be negative).
    pub x: i32,
    /// Top row (may be negative).
    pub y: i32,
    pub width: usize,
    pub height: usize,
}

impl Window {
    pub fn pixel_count(&self) -> usize {
        self.width.saturating_mul(self.height)
    }

    /// True when the absolute pixel (x, y) lies inside.
    pub fn contains(&self, x: i64, y: i64) -> bool {
        let (x0, y0) = (i64::from(self.x), i64::from(self.y));
        x >= x0 && y >= y0 && x < x0 + self.width as i64 && y < y0 + self.height as i64
    }
}

/// How a part stores its pixels on disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    ScanLines,
    Tiles {
        tile_width: usize,
        tile_height: usize,
        /// `singular`, `mipmap` or `ripmap`.
        levels: String,
    },
}

/// One header attribute, with its value rendered as text for display.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attribute {
    pub name: String,
    /// OpenEXR type name (`string`, `float`, `box2i`, `chromaticities`, …).
    pub type_name: String,
    pub value: String,
}

/// One channel of one part.
#[derive(Clone, Debug, PartialEq)]
pub struct Channel {
    /// Full channel name as written in the file, e.g. `ViewLayer.Depth.Z`.
    pub name: String,
    pub sample_type: SampleType,
    /// Subsampling factors (x, y); (1, 1) for ordinary channels.
    pub sampling: (usize, usize),
    pub quantize_linearly: bool,
    /// Columns of samples (the data window width divided by the x sampling).
    pub width: usize,
    /// Rows of samples.
    pub height: usize,
    /// Decoded samples; `None` when pixels were not decoded: a header-only read, a channel left
    /// out by the load's channel filter, or a part we could not decode (then `Part::pixel_error`
    /// says why). [`Part::pixel_state`] tells these apart.
    pub samples: Option<Samples>,
}

impl Channel {
    /// A decoded, not subsampled channel of `width × height` samples, for the core's unit tests.
    #[cfg(test)]
    pub(crate) fn for_test(name: &str, samples: Samples, width: usize, height: usize) -> Channel {
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

    /// The flat sample index of `pos_in_data` (column, row), or `None` outside the channel.
    pub fn index_of(&self, col: usize, row: usize) -> Option<usize> {
        (col < self.width && row < self.height).then(|| row * self.width + col)
    }

    /// The sample at `pos_in_data` (column, row), if decoded and inside.
    pub fn value_at(&self, col: usize, row: usize) -> Option<SampleValue> {
        let index = self.index_of(col, row)?;
        self.samples.as_ref()?.get(index)
    }

    /// Bytes the decoded samples take (or would take) in memory.
    pub fn decoded_byte_size(&self) -> usize {
        self.width
            .saturating_mul(self.height)
            .saturating_mul(self.sample_type.bytes_per_sample())
    }
}

/// One part of a (possibly multi-part) file: a header and its channels.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// The part's `name` attribute (required in multi-part files, optional otherwise).
    pub name: Option<String>,
    pub data_window: Window,
    pub display_window: Window,
    pub pixel_aspect: f32,
    /// Compression method, e.g. `ZIP`, `PIZ`, `none`.
    pub compression: String,
    /// `increasing Y`, `decreasing Y` or `random Y`.
    pub line_order: String,
    pub storage: Storage,
    /// True for deep data (several samples per pixel); such parts have no decoded samples.
    pub deep: bool,
    /// Every header attribute, standard and custom (Blender's `Frame`, `Camera`, `cycles.*`, …).
    pub attributes: Vec<Attribute>,
    /// Channels, sorted by name as in the file.
    pub channels: Vec<Channel>,
    /// Why this part's pixels were not decoded, in words a user can act on; `None` when decoded
    /// (or when only the header was requested).
    pub pixel_error: Option<String>,
    /// `pixel_error` says the pixels are damaged (cut off, corrupt), not that they use a feature
    /// exrprobe does not decode: the pixels are lost, which is an error-level finding.
    pub pixels_damaged: bool,
    /// Blocks of the lower resolution levels (mip or rip maps) whose offsets point outside the
    /// file: those levels are cut off although the full-resolution level, shown and exported,
    /// is whole.
    pub missing_level_blocks: usize,
}

/// Whether a channel's pixels are there, see [`Part::pixel_state`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelState<'a> {
    /// `samples` holds the decoded pixels.
    Decoded,
    /// Not asked for: a header-only load, or a channel left out by the load's channel filter.
    /// Nothing is wrong with the file.
    NotRequested,
    /// The part's pixels could not be decoded, for this reason (`Part::pixel_error`).
    Unavailable(&'a str),
}

impl Part {
    /// A decoded scan-line part over `window` (display window the same), for the core's unit
    /// tests.
    #[cfg(test)]
    pub(crate) fn for_test(name: Option<&str>, window: Window, channels: Vec<Channel>) -> Part {
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
            missing_level_blocks: 0,
        }
    }

    /// Whether the pixels of channel `channel` (index within this part) were decoded, and if not
    /// why. The convention: samples present → decoded; else a `pixel_error` on the part → the
    /// part could not be decoded; else → the pixels were not requested. `None` when there is no
    /// such channel.
    pub fn pixel_state(&self, channel: usize) -> Option<PixelState<'_>> {
        let channel = self.channels.get(channel)?;
        Some(match (&channel.samples, &self.pixel_error) {
            (Some(_), _) => PixelState::Decoded,
            (None, Some(reason)) => PixelState::Unavailable(reason),
            (None, None) => PixelState::NotRequested,
        })
    }
}

/// Identifies a channel inside an [`Image`]: part index and channel index within the part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ChannelRef {
    pub part: usize,
    pub channel: usize,
}

/// A whole EXR file as loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    /// Where the image came from: the file path as given, or a name such as `example: spheres`.
    pub source: String,
    pub parts: Vec<Part>,
}

impl Image {
    pub fn part(&self, index: usize) -> Option<&Part> {
        self.parts.get(index)
    }

    /// The sample of `channel` covering absolute pixel (x, y): `None` outside its part's data
    /// window or when not decoded (subsampled channels: the sample whose block holds the pixel).
    /// Compare mode reads B at A's pixel with it.
    pub fn sample_at_pixel(&self, channel: ChannelRef, x: i64, y: i64) -> Option<SampleValue> {
        let part = self.part(channel.part)?;
        let ch = part.channels.get(channel.channel)?;
        let dw = part.data_window;
        if !dw.contains(x, y) {
            return None;
        }
        let col = usize::try_from(x - i64::from(dw.x)).ok()?;
        let row = usize::try_from(y - i64::from(dw.y)).ok()?;
        let (sx, sy) = ch.sampling;
        ch.value_at(col / sx.max(1), row / sy.max(1))
    }

    pub fn channel(&self, channel: ChannelRef) -> Option<&Channel> {
        self.parts.get(channel.part)?.channels.get(channel.channel)
    }

    /// Every channel of every part, in file order.
    pub fn channels(&self) -> impl Iterator<Item = (ChannelRef, &Part, &Channel)> + '_ {
        self.parts
            .iter()
            .enumerate()
            .flat_map(|(part_index, part)| {
                part.channels
                    .iter()
                    .enumerate()
                    .map(move |(channel_index, channel)| {
                        (
                            ChannelRef {
                                part: part_index,
                                channel: channel_index,
                            },
                            part,
                            channel,
                        )
                    })
            })
    }

    /// True when the file has more than one part, so channel names need the part to be unique.
    pub fn is_multi_part(&self) -> bool {
        self.parts.len() > 1
    }

    /// The name users see and type: `PART/CHANNEL` in multi-part files (the part's name, or its
    /// index when unnamed), the plain channel name otherwise.
    pub fn qualified_name(&self, channel: ChannelRef) -> Option<String> {
        let part = self.parts.get(channel.part)?;
        let ch = part.channels.get(channel.channel)?;
        if self.is_multi_part() {
            let part_name = part
                .name
                .clone()
                .unwrap_or_else(|| channel.part.to_string());
            Some(format!("{part_name}/{}", ch.name))
        } else {
            Some(ch.name.clone())
        }
    }

    /// Every channel with a key unique in the file: its qualified name, and for a name repeated
    /// in the file `NAME#2`, `NAME#3`… on the second and later (in file order), as
    /// [`Image::find_channel`] accepts them. `diff` matches channels by these keys, and the
    /// Python package keys its dictionaries with them.
    pub fn keyed_channels(&self) -> Vec<(String, ChannelRef)> {
        let mut seen = std::collections::HashMap::<String, usize>::new();
        self.channels()
            .filter_map(|(reference, _, _)| {
                let name = self.qualified_name(reference)?;
                let count = seen.entry(name.clone()).or_insert(0);
                *count += 1;
                Some(match *count {
                    1 => (name, reference),
                    n => (format!("{name}#{n}"), reference),
                })
            })
            .collect()
    }

    /// Every channel whose qualified name is `name`, in file order: more than one when two parts
    /// make the same name (part `a/b` with channel `Z` and part `a` with channel `b/Z`) or a part
    /// repeats a channel name.
    pub fn channels_named(&self, name: &str) -> Vec<ChannelRef> {
        self.channels()
            .map(|(r, _, _)| r)
            .filter(|&r| self.qualified_name(r).as_deref() == Some(name))
            .collect()
    }

    /// Finds a channel by its qualified name (see [`Image::qualified_name`]); `NAME#N` is the
    /// N-th (from 1, in file order) of several channels named `NAME` (`.npz` keys number the
    /// second and later ones the same way); in multi-part files a
    /// bare channel name is accepted too when exactly one part has it. `None` when no channel,
    /// or more than one, answers to the name: an ambiguous name never picks one silently.
    pub fn find_channel(&self, name: &str) -> Option<ChannelRef> {
        match self.channels_named(name).as_slice() {
            [one] => return Some(*one),
            [] => {}
            _ => return None,
        }
        if let Some((base, n)) = name.rsplit_once('#')
            && let Ok(n) = n.parse::<usize>()
            && n >= 1
        {
            let named = self.channels_named(base);
            if named.len() >= 2 {
                return named.get(n - 1).copied();
            }
        }
        let mut bare = self.channels().filter(|(_, _, c)| c.name == name);
        match (bare.next(), bare.next()) {
            (Some((r, _, _)), None) => Some(r),
            _ => None,
        }
    }

    /// Total bytes of all decoded (or decodable) samples in their native types.
    pub fn decoded_byte_size(&self) -> usize {
        self.channels()
            .map(|(_, _, c)| c.decoded_byte_size())
            .fold(0usize, usize::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Image {
        let channel = |name: &str, v: Vec<f32>| Channel {
            name: name.to_owned(),
            sample_type: SampleType::Float,
            sampling: (1, 1),
            quantize_linearly: false,
            width: 2,
            height: 1,
            samples: Some(Samples::F32(v)),
        };
        let part = |name: &str| Part {
            name: Some(name.to_owned()),
            data_window: Window {
                x: 0,
                y: 0,
                width: 2,
                height: 1,
            },
            display_window: Window {
                x: 0,
                y: 0,
                width: 2,
                height: 1,
            },
            pixel_aspect: 1.0,
            compression: "none".into(),
            line_order: "increasing Y".into(),
            storage: Storage::ScanLines,
            deep: false,
            attributes: vec![],
            channels: vec![channel("R", vec![0.5, 1.5]), channel("Z", vec![2.0, 3.0])],
            pixel_error: None,
            pixels_damaged: false,
            missing_level_blocks: 0,
        };
        Image {
            source: "test".into(),
            parts: vec![part("left"), part("right")],
        }
    }

    #[test]
    fn qualified_names_include_the_part_in_multi_part_files() {
        let image = tiny();
        let r = ChannelRef {
            part: 1,
            channel: 1,
        };
        assert_eq!(image.qualified_name(r).as_deref(), Some("right/Z"));
        assert_eq!(image.find_channel("right/Z"), Some(r));
        // "Z" exists in both parts: ambiguous, so not found.
        assert_eq!(image.find_channel("Z"), None);
    }

    #[test]
    fn a_name_two_channels_share_is_never_resolved_silently() {
        // Part "a/b" with channel "Z" and part "a" with channel "b/Z": both are "a/b/Z".
        let mut image = tiny();
        image.parts[0].name = Some("a/b".to_owned());
        image.parts[0].channels[1].name = "Z".to_owned();
        image.parts[1].name = Some("a".to_owned());
        image.parts[1].channels[1].name = "b/Z".to_owned();
        let first = ChannelRef {
            part: 0,
            channel: 1,
        };
        let second = ChannelRef {
            part: 1,
            channel: 1,
        };
        assert_eq!(image.channels_named("a/b/Z"), [first, second]);
        assert_eq!(image.find_channel("a/b/Z"), None, "ambiguous");
        assert_eq!(image.find_channel("a/b/Z#1"), Some(first));
        assert_eq!(image.find_channel("a/b/Z#2"), Some(second));
        assert_eq!(image.find_channel("a/b/Z#3"), None);
        assert_eq!(
            image.find_channel("left/R#1"),
            None,
            "not ambiguous: no numbering"
        );
    }

    #[test]
    fn value_at_reads_row_major_and_rejects_outside() {
        let image = tiny();
        let ch = &image.parts[0].channels[0];
        assert_eq!(ch.value_at(1, 0), Some(SampleValue::F32(1.5)));
        assert_eq!(ch.value_at(2, 0), None);
        assert_eq!(ch.value_at(0, 1), None);
    }

    #[test]
    fn half_values_print_exactly() {
        let v = SampleValue::F16(f16::from_f32(1000.5));
        assert_eq!(v.to_string(), "1000.5");
        let v = SampleValue::F16(f16::from_bits(0x0001)); // smallest subnormal, 2^-24
        assert_eq!(v.to_f64(), 2f64.powi(-24));
        assert_eq!(v.to_string().parse::<f32>().ok(), Some(2f32.powi(-24)));
    }
}
