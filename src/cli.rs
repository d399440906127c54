//! The command-line interface: `info`, `check`, `export`.
//!
//! Errors are reported once, here at the edge, as `exrprobe: <message>` on stderr; every message
//! ends with the path it is about. The JSON formats are documented in `docs/CLI.md`.

use std::io::{self, IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

use anyhow::anyhow;
use exrprobe_core::analysis::{Analysis, analyze_summarized};
use exrprobe_core::diagnose::{Finding, Severity};
use exrprobe_core::export::{NpyDtype, write_npy, write_npz};
use exrprobe_core::load::{
    ChannelFilter, LoadError, LoadOptions, default_memory_budget, load_file, summarize_file,
};
use exrprobe_core::model::{ChannelRef, Image, SampleType, Storage, Window};
use exrprobe_core::naming::detect_depth;
use exrprobe_core::stats::ChannelStats;
use serde::Serialize;

/// Viewer and checker for OpenEXR renders. With files and no command, opens the viewer.
#[derive(Debug, clap::Parser)]
#[command(name = "exrprobe", version, args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// EXR files to open in the viewer.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Header, channel table with statistics, detected RGB and depth, findings.
    Info {
        /// EXR files to describe.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// One JSON object per file, one per line (see docs/CLI.md).
        #[arg(long)]
        json: bool,
        /// Refuse files whose decoded pixels need more memory than this (e.g. 8G, 512M, bytes).
        #[arg(long, value_name = "BYTES", value_parser = parse_byte_size)]
        memory_budget: Option<u64>,
    },
    /// Checks files and folders (recursively, *.exr): one line per file, exit code 0 / 1 / 2.
    ///
    /// Exit code: 0 when no file has an error-level finding, 1 when some file has one, 2 when
    /// some file could not be read (2 wins over 1).
    Check {
        /// EXR files, and folders to search recursively for *.exr (any case).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// One JSON object per file, one per line (see docs/CLI.md).
        #[arg(long)]
        json: bool,
        /// Total memory for decoded pixels of the files checked at once (e.g. 8G, 512M, bytes).
        #[arg(long, value_name = "BYTES", value_parser = parse_byte_size)]
        memory_budget: Option<u64>,
    },
    /// Exports the depth channel (or any channel, or all) to NumPy .npy / .npz.
    Export {
        /// The EXR file to export from.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Channel to export (default: the detected depth channel). Multi-part: PART/CHANNEL.
        #[arg(long, value_name = "NAME")]
        channel: Option<String>,
        /// Output path (default: beside FILE, FILE's stem + .depth.npy / .CHANNEL.npy / .npz).
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        output: Option<PathBuf>,
        /// f32: little-endian float32 for every channel; native: the file's own type (<f2/<f4/<u4).
        #[arg(long, value_enum, default_value_t = DtypeArg::F32)]
        dtype: DtypeArg,
        /// Export every decoded channel into one .npz, keyed by channel name.
        #[arg(long, conflicts_with = "channel")]
        all: bool,
        /// Overwrite OUT if it exists.
        #[arg(long)]
        force: bool,
        /// Refuse files whose decoded pixels need more memory than this (e.g. 8G, 512M, bytes).
        #[arg(long, value_name = "BYTES", value_parser = parse_byte_size)]
        memory_budget: Option<u64>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DtypeArg {
    F32,
    Native,
}

impl From<DtypeArg> for NpyDtype {
    fn from(value: DtypeArg) -> Self {
        match value {
            DtypeArg::F32 => NpyDtype::F32,
            DtypeArg::Native => NpyDtype::Native,
        }
    }
}

/// Exit code for files that could not be read (and for usage errors, as clap does).
const EXIT_UNREADABLE: u8 = 2;
/// Exit code of `check` when some file has an error-level finding.
const EXIT_FAILED_CHECK: u8 = 1;

/// Runs one CLI command; the exit code follows the README.
pub fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Info {
            files,
            json,
            memory_budget,
        } => run_info(&files, json, budget_or_default(memory_budget)),
        Command::Check {
            paths,
            json,
            memory_budget,
        } => run_check(&paths, json, budget_or_default(memory_budget)),
        Command::Export {
            file,
            channel,
            output,
            dtype,
            all,
            force,
            memory_budget,
        } => run_export(&ExportRequest {
            file: &file,
            channel: channel.as_deref(),
            output: output.as_deref(),
            dtype: dtype.into(),
            all,
            force,
            memory_budget_bytes: budget_or_default(memory_budget),
        }),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`exrprobe check … | head`) is not worth a message.
            let broken_pipe = err
                .downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe);
            if !broken_pipe {
                eprintln!("exrprobe: {err}");
            }
            ExitCode::from(EXIT_UNREADABLE)
        }
    }
}

fn budget_or_default(memory_budget: Option<u64>) -> u64 {
    memory_budget.unwrap_or_else(default_memory_budget)
}

/// Parses a byte count: `8G`, `512M`, `1.5GiB`, `100000`. K/M/G/T are powers of 1024.
pub fn parse_byte_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let invalid = || format!("expected a size such as 8G, 512M or 1000000 (bytes), got \"{text}\"");
    let number: f64 = number.parse().map_err(|_| invalid())?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return Err(invalid()),
    };
    let bytes = (number * multiplier as f64).round();
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!(
            "the memory budget must be at least 1 byte, got \"{text}\""
        ));
    }
    Ok(bytes as u64)
}

/// Reads a file for `info` and `check`: the statistics of every channel, computed as it is
/// decoded, and the samples of only the depth channel (whose distribution the findings need).
fn load_for_report(path: &Path, memory_budget_bytes: u64) -> Result<(Image, Analysis), LoadError> {
    let cancel = AtomicBool::new(false);
    let summarized = summarize_file(
        path,
        &LoadOptions {
            memory_budget_bytes,
            ..LoadOptions::default()
        },
        &mut |header| ChannelFilter::only(detect_depth(header).channel()),
        &mut |_| {},
        &cancel,
    )?;
    Ok(analyze_summarized(summarized))
}

fn load_with(path: &Path, options: &LoadOptions) -> Result<Image, LoadError> {
    let cancel = AtomicBool::new(false);
    load_file(path, options, &mut |_| {}, &cancel)
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// A statistic as printed: in the channel's own precision, so an f32 reads as its shortest f32
/// text (`7.212733`, not `7.212733268737793`). Non-finite values (only possible for `constant`)
/// become the strings `"nan"`, `"inf"`, `"-inf"` in JSON.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stat {
    F32(f32),
    F64(f64),
    Int(u64),
}

impl Stat {
    fn new(value: f64, sample_type: SampleType, is_mean: bool) -> Self {
        match sample_type {
            // Exact for min/max/constant (they are samples); the mean is shown at f32 precision.
            SampleType::Half | SampleType::Float => Stat::F32(value as f32),
            SampleType::Uint if !is_mean && value >= 0.0 && value.fract() == 0.0 => {
                Stat::Int(value as u64)
            }
            SampleType::Uint => Stat::F64(value),
        }
    }

    fn non_finite_name(value: f64) -> Option<&'static str> {
        if value.is_nan() {
            Some("nan")
        } else if value == f64::INFINITY {
            Some("inf")
        } else if value == f64::NEG_INFINITY {
            Some("-inf")
        } else {
            None
        }
    }
}

impl Serialize for Stat {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Stat::F32(v) => match Stat::non_finite_name(f64::from(v)) {
                Some(name) => serializer.serialize_str(name),
                None => serializer.serialize_f32(v),
            },
            Stat::F64(v) => match Stat::non_finite_name(v) {
                Some(name) => serializer.serialize_str(name),
                None => serializer.serialize_f64(v),
            },
            Stat::Int(v) => serializer.serialize_u64(v),
        }
    }
}

impl std::fmt::Display for Stat {
    /// Shortest round-trip text; exponent notation for very large or small magnitudes (`1e10`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn float<T>(f: &mut std::fmt::Formatter<'_>, v: T, magnitude: f64) -> std::fmt::Result
        where
            T: std::fmt::Display + std::fmt::LowerExp,
        {
            if magnitude.is_finite() && magnitude != 0.0 && !(1e-4..1e7).contains(&magnitude) {
                write!(f, "{v:e}")
            } else {
                write!(f, "{v}")
            }
        }
        match *self {
            Stat::F32(v) => float(f, v, f64::from(v).abs()),
            Stat::F64(v) => float(f, v, v.abs()),
            Stat::Int(v) => write!(f, "{v}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// info

/// `info --json`: one object per file.
#[derive(Debug, Serialize)]
struct InfoRecord {
    path: String,
    parts: Vec<PartRecord>,
    channels: Vec<ChannelRecord>,
    depth_channel: Option<String>,
    depth_rule: Option<String>,
    /// Other depth candidates, best first.
    depth_candidates: Vec<NamedRule>,
    /// Z-like channels ruled out as depth, with the reason.
    depth_rejected: Vec<RejectedRecord>,
    rgb_channels: Option<RgbRecord>,
    findings: Vec<FindingRecord>,
}

#[derive(Debug, Serialize)]
struct PartRecord {
    index: usize,
    name: Option<String>,
    data_window: Window,
    display_window: Window,
    compression: String,
    storage: Storage,
    line_order: String,
    deep: bool,
    pixel_aspect: f32,
    /// Why pixels were not decoded; null when they were.
    pixel_error: Option<String>,
    attributes: Vec<exrprobe_core::model::Attribute>,
}

#[derive(Debug, Serialize)]
struct ChannelRecord {
    name: String,
    part: usize,
    #[serde(rename = "type")]
    sample_type: SampleType,
    width: usize,
    height: usize,
    sampling: (usize, usize),
    decoded: bool,
    min: Option<Stat>,
    max: Option<Stat>,
    mean: Option<Stat>,
    nan: Option<usize>,
    pos_inf: Option<usize>,
    neg_inf: Option<usize>,
    sentinel: Option<usize>,
    /// The value every sample has, or null when the samples differ (or were not decoded).
    constant: Option<Stat>,
}

#[derive(Debug, Serialize)]
struct NamedRule {
    channel: String,
    rule: String,
}

#[derive(Debug, Serialize)]
struct RejectedRecord {
    channel: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct RgbRecord {
    layer: String,
    r: String,
    g: String,
    b: String,
    a: Option<String>,
    gray: bool,
    rule: String,
}

#[derive(Debug, Serialize)]
struct FindingRecord {
    code: &'static str,
    severity: Severity,
    title: String,
    explanation: String,
    fix: String,
    channel: Option<String>,
}

fn name_of(image: &Image, channel: ChannelRef) -> String {
    image
        .qualified_name(channel)
        .unwrap_or_else(|| format!("part {} channel {}", channel.part, channel.channel))
}

fn finding_record(image: &Image, finding: &Finding) -> FindingRecord {
    FindingRecord {
        code: finding.code,
        severity: finding.severity,
        title: finding.title.clone(),
        explanation: finding.explanation.clone(),
        fix: finding.fix.clone(),
        channel: finding.channel.map(|c| name_of(image, c)),
    }
}

fn channel_record(
    image: &Image,
    channel_ref: ChannelRef,
    stats: Option<&ChannelStats>,
) -> Option<ChannelRecord> {
    let channel = image.channel(channel_ref)?;
    let ty = channel.sample_type;
    let stat = |v: Option<f64>, is_mean: bool| v.map(|v| Stat::new(v, ty, is_mean));
    Some(ChannelRecord {
        name: name_of(image, channel_ref),
        part: channel_ref.part,
        sample_type: ty,
        width: channel.width,
        height: channel.height,
        sampling: channel.sampling,
        // Statistics exist exactly for the channels that were decoded (`info` keeps the samples
        // of the depth channel only).
        decoded: stats.is_some(),
        min: stat(stats.and_then(|s| s.min), false),
        max: stat(stats.and_then(|s| s.max), false),
        mean: stat(stats.and_then(|s| s.mean), true),
        nan: stats.map(|s| s.nan),
        pos_inf: stats.map(|s| s.pos_inf),
        neg_inf: stats.map(|s| s.neg_inf),
        sentinel: stats.map(|s| s.sentinel),
        constant: stat(stats.and_then(|s| s.constant), false),
    })
}

fn info_record(path: &Path, image: &Image, analysis: &Analysis) -> InfoRecord {
    let parts = image
        .parts
        .iter()
        .enumerate()
        .map(|(index, part)| PartRecord {
            index,
            name: part.name.clone(),
            data_window: part.data_window,
            display_window: part.display_window,
            compression: part.compression.clone(),
            storage: part.storage.clone(),
            line_order: part.line_order.clone(),
            deep: part.deep,
            pixel_aspect: part.pixel_aspect,
            pixel_error: part.pixel_error.clone(),
            attributes: part.attributes.clone(),
        })
        .collect();
    let channels = image
        .channels()
        .filter_map(|(r, _, _)| channel_record(image, r, analysis.stats.get(&r)))
        .collect();
    let rgb_channels = analysis.rgb().map(|layer| RgbRecord {
        layer: layer.label(image),
        r: name_of(image, layer.r),
        g: name_of(image, layer.g),
        b: name_of(image, layer.b),
        a: layer.a.map(|a| name_of(image, a)),
        gray: layer.gray,
        rule: layer.rule.clone(),
    });
    InfoRecord {
        path: path.display().to_string(),
        parts,
        channels,
        depth_channel: analysis
            .depth
            .chosen
            .as_ref()
            .map(|c| name_of(image, c.channel)),
        depth_rule: analysis.depth.chosen.as_ref().map(|c| c.rule.clone()),
        depth_candidates: analysis
            .depth
            .others
            .iter()
            .map(|c| NamedRule {
                channel: name_of(image, c.channel),
                rule: c.rule.clone(),
            })
            .collect(),
        depth_rejected: analysis
            .depth
            .rejected
            .iter()
            .map(|r| RejectedRecord {
                channel: name_of(image, r.channel),
                reason: r.reason.clone(),
            })
            .collect(),
        rgb_channels,
        findings: analysis
            .findings
            .iter()
            .map(|f| finding_record(image, f))
            .collect(),
    }
}

fn run_info(files: &[PathBuf], json: bool, memory_budget_bytes: u64) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    let mut unreadable = false;
    for (index, path) in files.iter().enumerate() {
        let (image, analysis) = match load_for_report(path, memory_budget_bytes) {
            Ok(loaded) => loaded,
            Err(err) => {
                out.flush()?;
                eprintln!("exrprobe: {err}");
                unreadable = true;
                continue;
            }
        };
        let record = info_record(path, &image, &analysis);
        drop(image);
        if json {
            serde_json::to_writer(&mut out, &record)?;
            writeln!(out)?;
        } else {
            if index > 0 {
                writeln!(out)?;
            }
            write_info_text(&mut out, &record)?;
        }
    }
    out.flush()?;
    Ok(if unreadable {
        ExitCode::from(EXIT_UNREADABLE)
    } else {
        ExitCode::SUCCESS
    })
}

fn window_text(w: &Window) -> String {
    format!("({}, {}) {}×{}", w.x, w.y, w.width, w.height)
}

fn storage_text(storage: &Storage, deep: bool) -> String {
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

fn write_info_text(out: &mut impl Write, record: &InfoRecord) -> io::Result<()> {
    writeln!(out, "{}", record.path)?;
    let count = record.parts.len();
    writeln!(out, "  {count} part{}", if count == 1 { "" } else { "s" })?;
    for part in &record.parts {
        let name = part
            .name
            .as_deref()
            .map(|n| format!(" \"{n}\""))
            .unwrap_or_default();
        writeln!(
            out,
            "  part {}{name}: data window {}, display window {}, {}, {}, {}",
            part.index,
            window_text(&part.data_window),
            window_text(&part.display_window),
            part.compression,
            storage_text(&part.storage, part.deep),
            part.line_order,
        )?;
        if let Some(error) = &part.pixel_error {
            writeln!(out, "    pixels not decoded: {error}")?;
        }
    }

    // Channel table.
    let dash = || "-".to_owned();
    let opt = |v: Option<Stat>| v.map(|v| v.to_string()).unwrap_or_else(dash);
    let count = |v: Option<usize>| v.map(|v| v.to_string()).unwrap_or_else(dash);
    let header = [
        "channel", "type", "min", "max", "mean", "NaN", "+Inf", "-Inf",
    ];
    let rows: Vec<[String; 8]> = record
        .channels
        .iter()
        .map(|c| {
            let ty = if c.sampling == (1, 1) {
                c.sample_type.to_string()
            } else {
                format!(
                    "{} ({}×{} sampled)",
                    c.sample_type, c.sampling.0, c.sampling.1
                )
            };
            [
                c.name.clone(),
                ty,
                opt(c.min),
                opt(c.max),
                opt(c.mean),
                count(c.nan),
                count(c.pos_inf),
                count(c.neg_inf),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let write_row = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
        let mut line = String::from("   ");
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            // Names and types left-aligned, numbers right-aligned.
            if i < 2 {
                line.push_str(&format!(" {cell:<width$}"));
            } else {
                line.push_str(&format!("  {cell:>width$}"));
            }
        }
        writeln!(out, "{}", line.trim_end())
    };
    writeln!(out, "  channels:")?;
    write_row(out, &header.map(str::to_owned))?;
    for row in &rows {
        write_row(out, row)?;
    }

    match &record.rgb_channels {
        Some(rgb) => writeln!(out, "  RGB:   {} ({})", rgb.layer, rgb.rule)?,
        None => writeln!(out, "  RGB:   none found")?,
    }
    match (&record.depth_channel, &record.depth_rule) {
        (Some(name), Some(rule)) => writeln!(out, "  depth: {name} ({rule})")?,
        _ => writeln!(out, "  depth: none found")?,
    }
    for other in &record.depth_candidates {
        writeln!(
            out,
            "         also possible: {} ({})",
            other.channel, other.rule
        )?;
    }
    for rejected in &record.depth_rejected {
        writeln!(out, "         not depth: {}", rejected.reason)?;
    }

    if record.findings.is_empty() {
        writeln!(out, "  findings: none")?;
    } else {
        writeln!(out, "  findings:")?;
        for finding in &record.findings {
            writeln!(
                out,
                "    {:<7} {} [{}]",
                severity_text(finding.severity),
                finding.title,
                finding.code
            )?;
            writeln!(out, "            {}", finding.explanation)?;
            writeln!(out, "            Fix: {}", finding.fix)?;
        }
    }
    Ok(())
}

fn severity_text(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

// ---------------------------------------------------------------------------------------------
// check

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
enum Status {
    // The discriminants index `Printer::counts`.
    #[serde(rename = "OK")]
    Ok = 0,
    #[serde(rename = "WARN")]
    Warn,
    #[serde(rename = "FAIL")]
    Fail,
    #[serde(rename = "ERROR")]
    Error,
}

impl Status {
    fn text(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
        }
    }
}

/// `check --json`: one object per file.
#[derive(Debug, Serialize)]
struct CheckRecord {
    path: String,
    status: Status,
    /// Why the file could not be read (status `ERROR`); null otherwise.
    error: Option<String>,
    depth_channel: Option<String>,
    /// Findings, most severe first.
    findings: Vec<FindingRecord>,
}

impl CheckRecord {
    fn unreadable(path: &Path, error: String) -> Self {
        CheckRecord {
            path: path.display().to_string(),
            status: Status::Error,
            error: Some(error),
            depth_channel: None,
            findings: Vec::new(),
        }
    }

    /// The line `check` prints: status, path, and the top finding's title or the error.
    fn line(&self) -> String {
        let detail = match (&self.error, self.findings.first()) {
            (Some(error), _) => {
                // The message ends with the path, which the line already shows.
                let suffix = format!(": {}", self.path);
                Some(error.strip_suffix(&suffix).unwrap_or(error).to_owned())
            }
            (None, Some(top)) => Some(top.title.clone()),
            (None, None) => None,
        };
        match detail {
            Some(detail) => format!("{:<5} {}: {detail}", self.status.text(), self.path),
            None => format!("{:<5} {}", self.status.text(), self.path),
        }
    }
}

/// An input of `check`: a file to check, or a path that already failed (unreadable folder, …).
enum Input {
    File(PathBuf),
    Failed(PathBuf, String),
}

impl Input {
    fn path(&self) -> &Path {
        match self {
            Input::File(p) | Input::Failed(p, _) => p,
        }
    }
}

fn is_exr(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("exr"))
}

/// Expands files and folders (recursively, `*.exr` case-insensitively; symbolic links to files
/// are followed, to folders not, so cycles cannot happen), sorted by path, duplicates removed.
fn collect_inputs(paths: &[PathBuf]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(err) => inputs.push(Input::Failed(
                path.clone(),
                format!("cannot read ({err}): {}", path.display()),
            )),
            Ok(meta) if meta.is_dir() => {
                let before = inputs.len();
                walk_folder(path, &mut inputs);
                if inputs.len() == before {
                    inputs.push(Input::Failed(
                        path.clone(),
                        format!("no .exr files in this folder: {}", path.display()),
                    ));
                }
            }
            Ok(_) => inputs.push(Input::File(path.clone())),
        }
    }
    inputs.sort_by(|a, b| a.path().cmp(b.path()));
    inputs.dedup_by(|a, b| a.path() == b.path());
    inputs
}

fn walk_folder(folder: &Path, inputs: &mut Vec<Input>) {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) => {
            inputs.push(Input::Failed(
                folder.to_path_buf(),
                format!("cannot list folder ({err}): {}", folder.display()),
            ));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                inputs.push(Input::Failed(
                    folder.to_path_buf(),
                    format!("cannot list folder ({err}): {}", folder.display()),
                ));
                continue;
            }
        };
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            walk_folder(&path, inputs);
        } else if is_exr(&path) && (file_type.is_file() || path.is_file()) {
            inputs.push(Input::File(path));
        }
    }
}

/// Checks one file: load, analyse, keep only the small record (the image is dropped here).
fn check_file(path: &Path, memory_budget_bytes: u64) -> Result<CheckRecord, LoadError> {
    let (image, analysis) = load_for_report(path, memory_budget_bytes)?;
    let status = if analysis
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error)
    {
        Status::Fail
    } else if analysis
        .findings
        .iter()
        .any(|f| f.severity == Severity::Warning)
    {
        Status::Warn
    } else {
        Status::Ok
    };
    let mut findings: Vec<FindingRecord> = analysis
        .findings
        .iter()
        .map(|f| finding_record(&image, f))
        .collect();
    // Most severe first (stable: the analysis order within a severity).
    findings.sort_by_key(|f| f.severity);
    Ok(CheckRecord {
        path: path.display().to_string(),
        status,
        error: None,
        depth_channel: analysis.depth_channel().map(|c| name_of(&image, c)),
        findings,
    })
}

/// Files at or above this count get a progress line on stderr (when it is a terminal).
const PROGRESS_MIN_FILES: usize = 8;

/// Prints records in input order as soon as all earlier ones are done, with a progress line.
/// A record is dropped once printed (only the counts stay), so memory does not grow with the
/// number of files beyond one slot each.
struct Printer<W: Write> {
    out: W,
    json: bool,
    /// `Some` between being done and being printed.
    records: Vec<Option<CheckRecord>>,
    next_to_print: usize,
    /// Printed records per status: OK, WARN, FAIL, ERROR.
    counts: [usize; 4],
    done: usize,
    progress: bool,
    error: Option<io::Error>,
}

impl<W: Write> Printer<W> {
    fn finish_one(&mut self, index: usize, record: CheckRecord) {
        if let Some(slot) = self.records.get_mut(index) {
            *slot = Some(record);
        }
        self.done += 1;
        if self.error.is_some() {
            return;
        }
        if let Err(err) = self.print_ready() {
            self.error = Some(err);
        }
    }

    fn print_ready(&mut self) -> io::Result<()> {
        let mut stderr = io::stderr().lock();
        if self.progress {
            write!(stderr, "\r\x1b[K")?;
        }
        while let Some(record) = self
            .records
            .get_mut(self.next_to_print)
            .and_then(Option::take)
        {
            if self.json {
                serde_json::to_writer(&mut self.out, &record)?;
                writeln!(self.out)?;
            } else {
                writeln!(self.out, "{}", record.line())?;
            }
            self.counts[record.status as usize] += 1;
            self.next_to_print += 1;
        }
        self.out.flush()?;
        if self.progress && self.done < self.records.len() {
            write!(stderr, "checked {}/{} files", self.done, self.records.len())?;
            stderr.flush()?;
        }
        Ok(())
    }
}

fn run_check(paths: &[PathBuf], json: bool, memory_budget_bytes: u64) -> anyhow::Result<ExitCode> {
    let inputs = collect_inputs(paths);
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(inputs.len())
        .max(1);
    // Workers decode at once, so each gets a share of the budget; a file that needs more (but
    // fits the whole budget) is decoded alone, with the exclusive lock.
    let share_bytes = (memory_budget_bytes / workers as u64).max(1);
    let exclusive = RwLock::new(());
    let next_input = AtomicUsize::new(0);
    let printer = Mutex::new(Printer {
        out: io::stdout(),
        json,
        records: inputs.iter().map(|_| None).collect(),
        next_to_print: 0,
        counts: [0; 4],
        done: 0,
        progress: inputs.len() >= PROGRESS_MIN_FILES && io::stderr().is_terminal(),
        error: None,
    });
    let stop = AtomicBool::new(false);

    let check_one = |input: &Input| -> CheckRecord {
        let path = match input {
            Input::Failed(path, error) => return CheckRecord::unreadable(path, error.clone()),
            Input::File(path) => path,
        };
        let shared = {
            let _running = exclusive.read().unwrap_or_else(|e| e.into_inner());
            check_file(path, share_bytes)
        };
        let result = match shared {
            Err(LoadError::TooLarge { needed_bytes, .. })
                if needed_bytes <= memory_budget_bytes && share_bytes < memory_budget_bytes =>
            {
                let _alone = exclusive.write().unwrap_or_else(|e| e.into_inner());
                check_file(path, memory_budget_bytes)
            }
            // Name the budget the user gave, not the worker's share of it.
            Err(LoadError::TooLarge {
                needed_bytes, path, ..
            }) => Err(LoadError::TooLarge {
                needed_bytes,
                budget_bytes: memory_budget_bytes,
                path,
            }),
            other => other,
        };
        result.unwrap_or_else(|err| CheckRecord::unreadable(path, err.to_string()))
    };

    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let index = next_input.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(index) else {
                        break;
                    };
                    // A bug in a decoder must not take the whole batch down: report the file.
                    let record = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        check_one(input)
                    }))
                    .unwrap_or_else(|_| {
                        CheckRecord::unreadable(
                            input.path(),
                            format!(
                                "internal error while checking (a bug in exrprobe, please report it): {}",
                                input.path().display()
                            ),
                        )
                    });
                    let mut printer = printer.lock().unwrap_or_else(|e| e.into_inner());
                    printer.finish_one(index, record);
                    if printer.error.is_some() {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    });

    let mut printer = printer.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(err) = printer.error.take() {
        return Err(anyhow!(err));
    }
    let [ok, warn, fail, error] = printer.counts;
    if !json {
        let total = printer.records.len();
        writeln!(
            printer.out,
            "{total} file{}: {ok} OK, {warn} WARN, {fail} FAIL, {error} ERROR",
            if total == 1 { "" } else { "s" }
        )?;
    }
    printer.out.flush()?;
    Ok(if error > 0 {
        ExitCode::from(EXIT_UNREADABLE)
    } else if fail > 0 {
        ExitCode::from(EXIT_FAILED_CHECK)
    } else {
        ExitCode::SUCCESS
    })
}

// ---------------------------------------------------------------------------------------------
// export

struct ExportRequest<'a> {
    file: &'a Path,
    channel: Option<&'a str>,
    output: Option<&'a Path>,
    dtype: NpyDtype,
    all: bool,
    force: bool,
    memory_budget_bytes: u64,
}

/// Makes a channel name usable in a file name: keeps ASCII letters, digits, `.`, `-`, `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The default output path: beside `file`, its stem plus `suffix` (`.depth.npy`, `.npz`, …).
fn default_output(file: &Path, suffix: &str) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".to_owned());
    file.with_file_name(format!("{stem}{suffix}"))
}

fn channel_list(image: &Image) -> String {
    let names: Vec<String> = image
        .channels()
        .map(|(r, _, _)| name_of(image, r))
        .collect();
    if names.is_empty() {
        "the file has no channels".to_owned()
    } else {
        format!("channels: {}", names.join(", "))
    }
}

fn run_export(request: &ExportRequest<'_>) -> anyhow::Result<ExitCode> {
    let file = request.file;
    let output = if request.all {
        let image = load_with(
            file,
            &LoadOptions {
                memory_budget_bytes: request.memory_budget_bytes,
                ..LoadOptions::default()
            },
        )?;
        if image.channels().all(|(_, _, c)| c.samples.is_none()) {
            let mut reasons: Vec<String> = image
                .parts
                .iter()
                .filter_map(|p| p.pixel_error.clone())
                .collect();
            reasons.dedup();
            let why = if reasons.is_empty() {
                "no channel has decoded pixels".to_owned()
            } else {
                reasons.join("; ")
            };
            return Err(anyhow!("nothing to export ({why}): {}", file.display()));
        }
        let output = request
            .output
            .map_or_else(|| default_output(file, ".npz"), Path::to_path_buf);
        write_npz(&image, request.dtype, &output, request.force)?;
        output
    } else {
        // The header names the channel; then only that channel is decoded.
        let header = load_with(
            file,
            &LoadOptions {
                memory_budget_bytes: request.memory_budget_bytes,
                decode_pixels: false,
                ..LoadOptions::default()
            },
        )?;
        let (channel_ref, suffix) = match request.channel {
            Some(name) => {
                let channel_ref = header.find_channel(name).ok_or_else(|| {
                    anyhow!(
                        "no channel named \"{name}\" ({}): {}",
                        channel_list(&header),
                        file.display()
                    )
                })?;
                (channel_ref, format!(".{}.npy", file_safe(name)))
            }
            None => {
                let depth = detect_depth(&header).channel().ok_or_else(|| {
                    anyhow!(
                        "no depth channel found; choose one with --channel NAME ({}): {}",
                        channel_list(&header),
                        file.display()
                    )
                })?;
                (depth, ".depth.npy".to_owned())
            }
        };
        let name = name_of(&header, channel_ref);
        let image = load_with(
            file,
            &LoadOptions {
                memory_budget_bytes: request.memory_budget_bytes,
                channels: ChannelFilter::only([channel_ref]),
                ..LoadOptions::default()
            },
        )?;
        if image.qualified_name(channel_ref).as_deref() != Some(name.as_str()) {
            return Err(anyhow!(
                "the file changed while it was read (channel {name} moved): {}",
                file.display()
            ));
        }
        let (Some(part), Some(channel)) =
            (image.part(channel_ref.part), image.channel(channel_ref))
        else {
            return Err(anyhow!("channel {name} vanished: {}", file.display()));
        };
        if channel.samples.is_none() {
            let why = part
                .pixel_error
                .clone()
                .unwrap_or_else(|| "its pixels were not decoded".to_owned());
            return Err(anyhow!(
                "cannot export channel {name} ({why}): {}",
                file.display()
            ));
        }
        let output = request
            .output
            .map_or_else(|| default_output(file, &suffix), Path::to_path_buf);
        write_npy(channel, request.dtype, &output, request.force)?;
        output
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{}", output.display())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_parse_with_binary_units() {
        assert_eq!(parse_byte_size("1000").unwrap(), 1000);
        assert_eq!(parse_byte_size("8G").unwrap(), 8 << 30);
        assert_eq!(parse_byte_size("512m").unwrap(), 512 << 20);
        assert_eq!(parse_byte_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_byte_size(" 2 KB ").unwrap(), 2048);
        assert!(parse_byte_size("0").is_err());
        assert!(parse_byte_size("8X").is_err());
        assert!(parse_byte_size("G").is_err());
        assert!(parse_byte_size("").is_err());
    }

    #[test]
    fn stats_print_in_the_channel_precision() {
        let min = f64::from(7.212_733_f32);
        assert_eq!(
            Stat::new(min, SampleType::Float, false).to_string(),
            "7.212733"
        );
        assert_eq!(
            serde_json::to_string(&Stat::new(min, SampleType::Float, false)).unwrap(),
            "7.212733"
        );
        assert_eq!(
            Stat::new(1e10, SampleType::Float, false).to_string(),
            "1e10"
        );
        assert_eq!(Stat::new(1.0, SampleType::Half, false).to_string(), "1");
        assert_eq!(
            Stat::new(4_000_000_000.0, SampleType::Uint, false).to_string(),
            "4000000000"
        );
        assert_eq!(
            serde_json::to_string(&Stat::new(f64::NAN, SampleType::Float, false)).unwrap(),
            "\"nan\""
        );
        assert_eq!(
            serde_json::to_string(&Stat::new(f64::NEG_INFINITY, SampleType::Half, false)).unwrap(),
            "\"-inf\""
        );
    }

    #[test]
    fn default_output_names_sit_beside_the_input() {
        let file = Path::new("/renders/shot/frame_0001.exr");
        assert_eq!(
            default_output(file, ".depth.npy"),
            Path::new("/renders/shot/frame_0001.depth.npy")
        );
        assert_eq!(
            default_output(
                file,
                &format!(".{}.npy", file_safe("beauty/View Layer.Depth.Z"))
            ),
            Path::new("/renders/shot/frame_0001.beauty_View_Layer.Depth.Z.npy")
        );
        assert_eq!(
            default_output(Path::new("frame.exr"), ".npz"),
            Path::new("frame.npz")
        );
    }

    #[test]
    fn folders_expand_to_sorted_exr_files_case_insensitively() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/deeper")).unwrap();
        for name in [
            "b/deeper/z.EXR",
            "a.exr",
            "b/c.exr",
            "notes.txt",
            "b/x.exr.bak",
        ] {
            std::fs::write(root.join(name), b"").unwrap();
        }
        std::fs::create_dir(root.join("empty")).unwrap();
        let inputs = collect_inputs(&[root.to_path_buf(), root.join("a.exr"), root.join("empty")]);
        let listed: Vec<(String, bool)> = inputs
            .iter()
            .map(|i| {
                let rel = i.path().strip_prefix(root).unwrap().display().to_string();
                (rel, matches!(i, Input::Failed(..)))
            })
            .collect();
        assert_eq!(
            listed,
            vec![
                ("a.exr".to_owned(), false),
                ("b/c.exr".to_owned(), false),
                ("b/deeper/z.EXR".to_owned(), false),
                ("empty".to_owned(), true),
            ]
        );
    }
}
