//! Text for people, written once for every front end: values, counts, shares, windows, storage,
//! and the names and paths of exports.
//!
//! Why one module: the CLI and the viewer used to carry their own copies, with different cut-offs
//! for exponent notation and two file-name sanitisers that disagreed, so `exrprobe export` and the
//! viewer's File ▸ Export proposed different names for the same channel. Everything that both
//! front ends (and the Python package) print comes from here.
//!
//! Values switch to exponent notation at one pair of limits for every style:
//! [`EXPONENT_BELOW`] and [`EXPONENT_FROM`] (magnitudes, zero excluded).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::model::{SampleType, Storage, Window};

/// Non-zero magnitudes below this are written with an exponent (`3.052e-5`).
pub const EXPONENT_BELOW: f64 = 1e-4;
/// Magnitudes from this on are written with an exponent (`1e10`).
pub const EXPONENT_FROM: f64 = 1e7;

/// Whether `value` is written in exponent notation (finite, non-zero, outside the limits).
pub fn uses_exponent(value: f64) -> bool {
    let magnitude = value.abs();
    magnitude.is_finite()
        && magnitude != 0.0
        && !(EXPONENT_BELOW..EXPONENT_FROM).contains(&magnitude)
}

/// `NaN`, `+Inf`, `-Inf`; `None` for finite values.
pub fn non_finite_text(value: f64) -> Option<&'static str> {
    if value.is_nan() {
        Some("NaN")
    } else if value == f64::INFINITY {
        Some("+Inf")
    } else if value == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// The exact value as the shortest text that reads back to it: values that are exactly an f32
/// (every half and float sample) print as that f32 (`1`, `0.1`, `7.212733`, `1e10`), others as
/// f64. The probe, the histogram's exact labels and the CLI's statistics use it.
pub fn format_exact(value: f64) -> String {
    if let Some(text) = non_finite_text(value) {
        return text.to_owned();
    }
    let as_f32 = value as f32;
    let exponent = uses_exponent(value);
    match (f64::from(as_f32) == value, exponent) {
        (true, true) => format!("{as_f32:e}"),
        (true, false) => format!("{as_f32}"),
        (false, true) => format!("{value:e}"),
        (false, false) => format!("{value}"),
    }
}

/// A statistic in its channel's precision: half and float at f32 precision (exact for min, max
/// and constants, which are samples; the mean rounded to f32), whole uint values as integers.
pub fn format_sample(value: f64, sample_type: SampleType) -> String {
    match sample_type {
        SampleType::Half | SampleType::Float => format_exact(f64::from(value as f32)),
        SampleType::Uint if value >= 0.0 && value.fract() == 0.0 && value < 2f64.powi(64) => {
            format!("{}", value as u64)
        }
        SampleType::Uint => format_exact(value),
    }
}

/// A sample value in a sentence: like [`format_exact`] at f32 precision, but whole numbers keep
/// a `.0` so that they read as values, not counts (`Z is 1.0 in every pixel`).
pub fn format_value(value: f64) -> String {
    let text = format_exact(f64::from(value as f32));
    let whole = value.is_finite() && value.fract() == 0.0 && !uses_exponent(value);
    if whole { format!("{text}.0") } else { text }
}

/// About four significant digits, for labels where room is short (axis ticks, the colour bar):
/// `7.213`, `1e10`, `3.052e-5`, `-12.5`.
pub fn format_compact(value: f64) -> String {
    format_significant(value, 4)
}

/// `digits` significant digits (1 to 17; trailing zeros dropped): `format_significant(10.998737,
/// 6)` is `10.9987`. The value text drawn on a pixel far zoomed in uses 6.
pub fn format_significant(value: f64, digits: u32) -> String {
    let digits = digits.clamp(1, 17);
    if let Some(text) = non_finite_text(value) {
        return text.to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    if uses_exponent(value) {
        let decimals = (digits - 1) as usize;
        let text = format!("{value:.decimals$e}");
        // Trim zeros in the mantissa: 1.000e10 → 1e10.
        return match text.split_once('e') {
            Some((mantissa, exponent)) => {
                format!("{}e{exponent}", trim_fraction_zeros(mantissa))
            }
            None => text,
        };
    }
    let decimals = (digits as i32 - 1 - value.abs().log10().floor() as i32).clamp(0, 20) as usize;
    trim_fraction_zeros(&format!("{value:.decimals$}")).to_owned()
}

fn trim_fraction_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// `76800` → `"76 800"`. Plain spaces, so the text can be searched for and copied.
pub fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// `"1 pixel"`, `"76 800 pixels"`.
pub fn plural(n: u64, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", format_count(n))
}

/// Share of `part` in `whole` as `"6.6 %"` (`"< 0.1 %"` for tiny non-zero shares).
pub fn format_percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0 %".to_owned();
    }
    let percent = part as f64 * 100.0 / whole as f64;
    if part > 0 && percent < 0.1 {
        "< 0.1 %".to_owned()
    } else if part < whole && percent > 99.9 {
        "> 99.9 %".to_owned()
    } else {
        format!("{percent:.1} %")
    }
}

/// A byte count for people: `512 B`, `1.5 MiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("B"))
    }
}

/// `(0, 0) 320×240`: a window's origin and size, as the CLI's tables print it.
pub fn format_window(window: &Window) -> String {
    format!(
        "({}, {}) {}×{}",
        window.x, window.y, window.width, window.height
    )
}

/// `(0, 0) – (319, 239), 320 × 240`: origin, last pixel and size, as the info window shows it.
pub fn format_window_long(window: &Window) -> String {
    let x_max = i64::from(window.x) + window.width as i64 - 1;
    let y_max = i64::from(window.y) + window.height as i64 - 1;
    format!(
        "({}, {}) – ({x_max}, {y_max}), {} × {}",
        window.x, window.y, window.width, window.height
    )
}

/// `scan lines`, `tiles 64×64, mip-map levels`, `deep scan lines`.
pub fn format_storage(storage: &Storage, deep: bool) -> String {
    let kind = match storage {
        Storage::ScanLines => "scan lines".to_owned(),
        Storage::Tiles {
            tile_width,
            tile_height,
            levels,
        } => format!("tiles {tile_width}×{tile_height}, {levels}"),
    };
    if deep { format!("deep {kind}") } else { kind }
}

/// Text from a file (a path, a channel name) made safe to print on one terminal line: control
/// characters (escape sequences, newlines, tabs) are written as `\u{1b}`-style escapes, so a
/// crafted name can neither move the cursor nor break a one-line-per-file report.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The bytes of a path that is not valid UTF-8, as lowercase hex; `None` for a UTF-8 path. JSON
/// strings are Unicode, so a file name such as `a\xff.exr` can only be written lossily there (as
/// `a\u{fffd}.exr`, which another name shares); this is the lossless form beside it.
pub fn non_utf8_path_hex(path: &Path) -> Option<String> {
    if path.to_str().is_some() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        Some(
            path.as_os_str()
                .as_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        )
    }
    #[cfg(not(unix))]
    {
        Some(
            path.as_os_str()
                .as_encoded_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Export names

/// Makes a channel name usable in a file name: letters and digits of any script, `.`, `-` and
/// `_` stay, everything else (path separators, spaces, control characters) becomes `_`; a name
/// that would be empty, or only dots, becomes `channel`.
pub fn file_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.chars().all(|c| c == '.') {
        "channel".to_owned()
    } else {
        safe
    }
}

/// How many leading bytes every name shares up to and including a `.` (`ViewLayer.` of
/// `ViewLayer.Depth.Z` and `ViewLayer.Combined.R`), so that narrow tables can show the rest;
/// 0 when there is no such prefix, or when it would leave a name empty.
pub fn common_layer_prefix(names: &[&str]) -> usize {
    let Some(first) = names.first() else {
        return 0;
    };
    let mut prefix = first.rfind('.').map_or(0, |i| i + 1);
    for name in names {
        while prefix > 0 && !(name.len() > prefix && name.starts_with(&first[..prefix])) {
            prefix = first[..prefix - 1].rfind('.').map_or(0, |i| i + 1);
        }
    }
    prefix
}

/// What an export writes, which decides the default file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportName<'a> {
    /// The depth channel: `STEM.depth.npy`.
    Depth,
    /// One channel by its qualified name: `STEM.<file-safe name>.npy`.
    Channel(&'a str),
    /// Every channel: `STEM.npz`.
    AllChannels,
    /// The viewer's two views as an image: `STEM.view.png`.
    ViewPng,
    /// One channel over a region of absolute pixels `x.0..x.1` × `y.0..y.1`:
    /// `STEM.<file-safe name>.x10-50.y20-60.npy`.
    Region {
        channel: &'a str,
        x: (i64, i64),
        y: (i64, i64),
    },
}

impl ExportName<'_> {
    /// The part after `STEM.`: `depth.npy`, `ViewLayer.Depth.Z.npy`, `npz`, `view.png`.
    pub fn suffix(&self) -> String {
        match self {
            ExportName::Depth => "depth.npy".to_owned(),
            ExportName::Channel(name) => format!("{}.npy", file_safe(name)),
            ExportName::AllChannels => "npz".to_owned(),
            ExportName::ViewPng => "view.png".to_owned(),
            ExportName::Region { channel, x, y } => format!(
                "{}.x{}-{}.y{}-{}.npy",
                file_safe(channel),
                x.0,
                x.1,
                y.0,
                y.1
            ),
        }
    }
}

/// The default export path for `source`: beside it, its stem, a dot and `what`'s suffix
/// (`shot/frame_0001.exr` → `shot/frame_0001.depth.npy`). The stem keeps its bytes as they are
/// on disk, so two sources whose names are not UTF-8 never share a default name.
pub fn default_export_path(source: &Path, what: ExportName<'_>) -> PathBuf {
    let mut name: OsString = source
        .file_stem()
        .map_or_else(|| OsString::from("export"), ToOwned::to_owned);
    name.push(".");
    name.push(what.suffix());
    source.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_layer_prefixes_end_at_a_dot_and_leave_every_name_something() {
        let names = [
            "ViewLayer.Depth.Z",
            "ViewLayer.Combined.R",
            "ViewLayer.Combined.G",
        ];
        assert_eq!(common_layer_prefix(&names), "ViewLayer.".len());
        let same_layer = ["ViewLayer.Combined.R", "ViewLayer.Combined.G"];
        assert_eq!(
            common_layer_prefix(&same_layer),
            "ViewLayer.Combined.".len()
        );
        assert_eq!(common_layer_prefix(&["R", "G"]), 0);
        assert_eq!(
            common_layer_prefix(&["a.b", "a."]),
            0,
            "never an empty name"
        );
        assert_eq!(common_layer_prefix(&["Z"]), 0);
        assert_eq!(common_layer_prefix(&["layer.Z"]), "layer.".len());
        assert_eq!(common_layer_prefix(&[]), 0);
        assert_eq!(common_layer_prefix(&["ab.x", "ac.x"]), 0);
    }

    #[test]
    fn exact_prints_the_shortest_text_that_reads_back() {
        assert_eq!(format_exact(1.0), "1");
        assert_eq!(format_exact(f64::from(0.1f32)), "0.1");
        assert_eq!(format_exact(f64::from(7.212_733_f32)), "7.212733");
        assert_eq!(format_exact(0.1), "0.1");
        assert_eq!(format_exact(1e10), "1e10");
        assert_eq!(format_exact(-1e-5), "-1e-5");
        assert_eq!(format_exact(9_999_999.0), "9999999");
        assert_eq!(format_exact(f64::NAN), "NaN");
        assert_eq!(format_exact(f64::NEG_INFINITY), "-Inf");
        for v in [0.1f32, 7.212_733, 1e10, 3.0e-7, 65504.0, -0.0] {
            let text = format_exact(f64::from(v));
            assert_eq!(text.parse::<f32>().ok(), Some(v), "{text}");
        }
    }

    #[test]
    fn samples_print_in_their_channel_precision() {
        let min = f64::from(7.212_733_f32);
        assert_eq!(format_sample(min, SampleType::Float), "7.212733");
        assert_eq!(format_sample(1e10, SampleType::Float), "1e10");
        assert_eq!(format_sample(1.0, SampleType::Half), "1");
        assert_eq!(format_sample(4e9, SampleType::Uint), "4000000000");
        assert_eq!(format_sample(2.5, SampleType::Uint), "2.5");
    }

    #[test]
    fn values_in_sentences_keep_a_point_on_whole_numbers() {
        assert_eq!(format_value(1.0), "1.0");
        assert_eq!(format_value(0.0), "0.0");
        assert_eq!(format_value(f64::from(7.212_733_f32)), "7.212733");
        assert_eq!(format_value(1e10), "1e10");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
    }

    #[test]
    fn compact_keeps_four_significant_digits() {
        assert_eq!(format_compact(7.212_733), "7.213");
        assert_eq!(format_compact(1e10), "1e10");
        assert_eq!(format_compact(-12.5), "-12.5");
        assert_eq!(format_compact(0.000_305_2), "0.0003052");
        assert_eq!(format_compact(0.000_030_52), "3.052e-5");
        assert_eq!(format_compact(1.0), "1");
        assert_eq!(format_compact(65504.0), "65504");
        assert_eq!(format_significant(10.998_737, 6), "10.9987");
        assert_eq!(format_significant(1e10, 6), "1e10");
        assert_eq!(format_significant(-0.000_012_345_678, 6), "-1.23457e-5");
    }

    #[test]
    fn every_style_switches_to_exponents_at_the_same_limits() {
        for v in [9.9e-5, 1e7, -2e8, 1e10] {
            assert!(format_exact(v).contains('e'), "{v}");
            assert!(format_compact(v).contains('e'), "{v}");
            assert!(format_value(v).contains('e'), "{v}");
        }
        for v in [2e-4, 0.5, 9_999_999.0, -1234.5] {
            assert!(!format_exact(v).contains('e'), "{v}");
            assert!(!format_compact(v).contains('e'), "{v}");
            assert!(!format_value(v).contains('e'), "{v}");
        }
    }

    #[test]
    fn counts_shares_and_bytes_read_like_prose() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(76_800), "76 800");
        assert_eq!(format_count(1_234_567), "1 234 567");
        assert_eq!(plural(1, "pixel"), "1 pixel");
        assert_eq!(plural(76_800, "pixel"), "76 800 pixels");
        assert_eq!(format_percent(1, 76_800), "< 0.1 %");
        assert_eq!(format_percent(76_799, 76_800), "> 99.9 %");
        assert_eq!(format_percent(1, 8), "12.5 %");
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(3 << 19), "1.5 MiB");
    }

    #[test]
    fn control_characters_are_escaped_for_terminals() {
        assert_eq!(printable("plain ü.exr"), "plain ü.exr");
        assert_eq!(printable("a\u{1b}[2Jb\nc"), "a\\u{1b}[2Jb\\u{a}c");
    }

    #[test]
    fn file_safe_names_keep_letters_of_any_script_and_drop_separators() {
        assert_eq!(
            file_safe("beauty/View Layer.Depth.Z"),
            "beauty_View_Layer.Depth.Z"
        );
        assert_eq!(file_safe("深度.Z"), "深度.Z");
        assert_eq!(file_safe("../x"), ".._x");
        assert_eq!(file_safe("a\u{1b}[31m\nb"), "a__31m_b");
        assert_eq!(file_safe(".."), "channel");
        assert_eq!(file_safe(""), "channel");
    }

    #[test]
    fn default_export_paths_sit_beside_the_source() {
        let file = Path::new("shot/frame_0001.exr");
        assert_eq!(
            default_export_path(file, ExportName::Depth),
            Path::new("shot/frame_0001.depth.npy")
        );
        assert_eq!(
            default_export_path(file, ExportName::Channel("beauty/View Layer.Depth.Z")),
            Path::new("shot/frame_0001.beauty_View_Layer.Depth.Z.npy")
        );
        assert_eq!(
            default_export_path(Path::new("frame.exr"), ExportName::AllChannels),
            Path::new("frame.npz")
        );
        assert_eq!(
            default_export_path(Path::new("a.exr"), ExportName::ViewPng),
            Path::new("a.view.png")
        );
    }

    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_utf8_have_a_lossless_hex_form() {
        use std::os::unix::ffi::OsStrExt as _;
        let odd = Path::new(std::ffi::OsStr::from_bytes(b"a\xff.exr"));
        assert_eq!(non_utf8_path_hex(odd).as_deref(), Some("61ff2e657872"));
        assert_eq!(non_utf8_path_hex(Path::new("a.exr")), None);
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_keep_their_bytes() {
        use std::os::unix::ffi::OsStrExt as _;
        let a = default_export_path(
            Path::new(std::ffi::OsStr::from_bytes(b"a\xff.exr")),
            ExportName::Depth,
        );
        let b = default_export_path(
            Path::new(std::ffi::OsStr::from_bytes(b"a\xfe.exr")),
            ExportName::Depth,
        );
        assert_ne!(a, b);
        assert_eq!(a.as_os_str().as_bytes(), b"a\xff.depth.npy");
    }
}
