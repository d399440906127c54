//! The command-line interface: `info`, `check`, `export`.
//!
//! Errors are reported once, here at the edge, as `exrprobe: <message>` on stderr; every message
//! ends with the path it is about. The JSON formats are documented in `docs/CLI.md`.

use std::io::{self};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use exrprobe_core::export::NpyDtype;
use exrprobe_core::load::{LoadError, LoadOptions, default_memory_budget, load_file};
use exrprobe_core::model::Image;

mod check;
mod diff;
mod export;
mod info;
mod watch;

use check::run_check;
use diff::{DiffRequest, run_diff};
use export::{ExportRequest, run_export};
use info::run_info;
use watch::run_watch;

/// Viewer and checker for OpenEXR renders. With files and no command, opens the viewer.
#[derive(Debug, clap::Parser)]
#[command(name = "exrprobe", version, args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// EXR files to open in the viewer.
    pub files: Vec<PathBuf>,
    /// Open the viewer comparing with this file (the reference, B).
    #[arg(long, value_name = "FILE")]
    pub compare: Option<PathBuf>,
    /// The viewer's frame cache: decoded frames kept for stepping through a shot (e.g. 4G,
    /// 512M, or off). Remembered like the choice in View ▸ Frame cache.
    #[arg(long, value_name = "SIZE", value_parser = parse_cache_size)]
    pub frame_cache: Option<u64>,
}

/// A frame cache size: [`parse_byte_size`], or `off` (or 0) for none.
fn parse_cache_size(text: &str) -> Result<u64, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "off" | "0" => Ok(0),
        _ => parse_byte_size(text),
    }
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
    /// Checks files and folders (recursively, *.exr): one line per file, one per sequence.
    ///
    /// Exit code: 0 when no file has an error-level finding and no sequence misses a frame, 1
    /// when some file has one or a frame is missing, 2 when some file could not be read (2 wins
    /// over 1).
    Check {
        /// EXR files, and folders to search recursively for *.exr (any case).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// One JSON object per file, then one per sequence, one per line (see docs/CLI.md).
        #[arg(long)]
        json: bool,
        /// Keep running beside a render: print each frame once it is complete, recheck frames
        /// that change; Ctrl+C prints the summary and exits with the usual code.
        #[arg(long)]
        watch: bool,
        /// With --watch: stop once nothing has changed for this many seconds.
        #[arg(long, value_name = "SECS", requires = "watch")]
        watch_timeout: Option<u64>,
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
        /// With --all: when some parts cannot be read (a damaged or cut-off file), write the
        /// channels that can and list the ones left out (exit code 1).
        #[arg(long, requires = "all")]
        partial: bool,
        /// Overwrite OUT if it exists.
        #[arg(long)]
        force: bool,
        /// Refuse files whose decoded pixels need more memory than this (e.g. 8G, 512M, bytes).
        #[arg(long, value_name = "BYTES", value_parser = parse_byte_size)]
        memory_budget: Option<u64>,
    },
    /// Compares two files channel by channel: a table of difference metrics, the channels only
    /// in one file, and a verdict.
    ///
    /// Exit code: 0 when every compared channel is within the tolerances (without one:
    /// bit-identical), 1 when some channel is not, 2 when a file cannot be read or the files
    /// share no channel.
    Diff {
        /// The file to check.
        #[arg(value_name = "A")]
        a: PathBuf,
        /// The reference.
        #[arg(value_name = "B")]
        b: PathBuf,
        /// Compare only this channel (repeat for several). Multi-part: PART/CHANNEL.
        #[arg(long, value_name = "NAME")]
        channel: Vec<String>,
        /// Largest allowed |A − B| over the valid pixels (finite, not background).
        #[arg(long, value_name = "X", value_parser = parse_tolerance)]
        max_abs: Option<f64>,
        /// Largest allowed |A − B| / max(|B|, 1e-6) over the valid pixels.
        #[arg(long, value_name = "X", value_parser = parse_tolerance)]
        max_rel: Option<f64>,
        /// One JSON object (see docs/CLI.md).
        #[arg(long)]
        json: bool,
        /// Memory for the decoded channels of both files together (e.g. 8G, 512M, bytes).
        #[arg(long, value_name = "BYTES", value_parser = parse_byte_size)]
        memory_budget: Option<u64>,
    },
}

/// A tolerance: a finite number ≥ 0.
fn parse_tolerance(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(format!("{text:?} is not a number ≥ 0")),
    }
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
    if matches!(command, Command::Export { .. }) {
        // Ctrl+C, SIGTERM or SIGHUP end the process without unwinding: remove the export's
        // temporary file first. (Best effort: without a handler the signal still ends it.)
        let _ = ctrlc::set_handler(|| {
            exrprobe_core::export::remove_partial_files();
            eprintln!("exrprobe: interrupted, nothing written");
            std::process::exit(130);
        });
    }
    let result = match command {
        Command::Info {
            files,
            json,
            memory_budget,
        } => run_info(&files, json, budget_or_default(memory_budget)),
        Command::Check {
            paths,
            json,
            watch: false,
            memory_budget,
            ..
        } => run_check(&paths, json, budget_or_default(memory_budget)),
        Command::Check {
            paths,
            json,
            watch: true,
            watch_timeout,
            memory_budget,
        } => run_watch(
            &paths,
            json,
            budget_or_default(memory_budget),
            watch_timeout.map(std::time::Duration::from_secs),
        ),
        Command::Export {
            file,
            channel,
            output,
            dtype,
            all,
            partial,
            force,
            memory_budget,
        } => run_export(&ExportRequest {
            file: &file,
            channel: channel.as_deref(),
            output: output.as_deref(),
            dtype: dtype.into(),
            all,
            partial,
            force,
            memory_budget_bytes: budget_or_default(memory_budget),
        }),
        Command::Diff {
            a,
            b,
            channel,
            max_abs,
            max_rel,
            json,
            memory_budget,
        } => run_diff(&DiffRequest {
            a: &a,
            b: &b,
            channels: channel,
            tolerance: exrprobe_core::compare::Tolerance { max_abs, max_rel },
            json,
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
    if bytes >= u64::MAX as f64 {
        return Err(format!(
            "the memory budget is too large (at most 16 EiB, i.e. 16777216T), got \"{text}\""
        ));
    }
    if bytes < 1.0 {
        return Err(format!(
            "the memory budget must be at least 1 byte, got \"{text}\""
        ));
    }
    Ok(bytes as u64)
}

fn load_with(path: &Path, options: &LoadOptions) -> Result<Image, LoadError> {
    let cancel = AtomicBool::new(false);
    load_file(path, options, &mut |_| {}, &cancel)
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
        assert!(
            parse_byte_size("99999999T")
                .unwrap_err()
                .contains("too large"),
            "an overflow is not \"at least 1 byte\""
        );
        assert!(parse_byte_size("8X").is_err());
        assert!(parse_byte_size("G").is_err());
        assert!(parse_byte_size("").is_err());
    }
}
