//! `exrprobe check`: a batch check of files and folders, one line (or JSON record) per file.

use std::io::{self, IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

use std::collections::HashMap;
use std::time::SystemTime;

use anyhow::anyhow;
use exrprobe_core::check::{FileCheck, check_file};
use exrprobe_core::load::LoadError;
use exrprobe_core::sequence::{Found, FrameCheck, Group, find_exr_files, order_for_report};
use exrprobe_core::text;

use super::{EXIT_FAILED_CHECK, EXIT_UNREADABLE};
use exrprobe_core::records::{CheckRecord, sequence_records};

/// Files at or above this count get a progress line on stderr (when it is a terminal).
pub(super) const PROGRESS_MIN_FILES: usize = 8;

/// Prints records in input order as soon as all earlier ones are done, with a progress line.
/// A record is dropped once printed (only the counts stay, and what a sequence check needs of
/// the file), so memory does not grow with the number of files beyond one slot each.
pub(super) struct Printer<W: Write> {
    out: W,
    json: bool,
    /// `Some` between being done and being printed.
    records: Vec<Option<CheckRecord>>,
    /// What the sequence check needs of each file (its frame number is filled in later).
    frames: Vec<Option<FrameCheck>>,
    next_to_print: usize,
    /// Printed records per status, indexed by `Status as usize`.
    counts: [usize; 5],
    done: usize,
    progress: bool,
    error: Option<io::Error>,
}

impl<W: Write> Printer<W> {
    fn finish_one(&mut self, index: usize, check: &FileCheck) {
        if let Some(slot) = self.records.get_mut(index) {
            *slot = Some(CheckRecord::of(check));
        }
        if let Some(slot) = self.frames.get_mut(index) {
            *slot = Some(check.frame_check(0));
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

pub(super) fn run_check(
    paths: &[PathBuf],
    json: bool,
    memory_budget_bytes: u64,
) -> anyhow::Result<ExitCode> {
    let (inputs, groups) = order_for_report(find_exr_files(paths));
    let printer = Mutex::new(Printer {
        out: io::stdout(),
        json,
        records: inputs.iter().map(|_| None).collect(),
        frames: inputs.iter().map(|_| None).collect(),
        next_to_print: 0,
        counts: [0; 5],
        done: 0,
        progress: inputs.len() >= PROGRESS_MIN_FILES && io::stderr().is_terminal(),
        error: None,
    });
    check_all(&inputs, memory_budget_bytes, &printer);
    let mut printer = printer.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(err) = printer.error.take() {
        return Err(anyhow!(err));
    }

    let mut frames: HashMap<&Path, FrameCheck> = HashMap::new();
    for (input, frame) in inputs.iter().zip(&printer.frames) {
        if let Some(frame) = frame {
            frames.insert(input.path(), frame.clone());
        }
    }
    let counts = printer.counts;
    let total = printer.records.len();
    finish(&mut printer.out, json, &groups, &frames, counts, total)
}

/// Prints one line (or JSON record) per sequence of `groups`, from what `frames` says of each
/// file, then (text only) the summary of `counts` over `total` files; returns the exit code.
pub(super) fn finish(
    out: &mut impl Write,
    json: bool,
    groups: &[Group],
    frames: &HashMap<&Path, FrameCheck>,
    counts: [usize; 5],
    total: usize,
) -> anyhow::Result<ExitCode> {
    let mut missing = 0u64;
    let mut sequences = 0usize;
    for (record, checks) in sequence_records(groups, frames) {
        missing += record.missing_count;
        sequences += 1;
        if json {
            serde_json::to_writer(&mut *out, &record)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", record.line(&checks))?;
        }
    }
    let [ok, warn, fail, error, writing] = counts;
    if !json {
        let mut summary = format!(
            "{}: {ok} OK, {warn} WARN, {fail} FAIL, {error} ERROR",
            text::plural(total as u64, "file")
        );
        if writing > 0 {
            summary.push_str(&format!(", {writing} WRITING"));
        }
        if sequences > 0 {
            summary.push_str(&format!("; {}", text::plural(sequences as u64, "sequence")));
            if missing > 0 {
                summary.push_str(&format!(" with {} missing", text::plural(missing, "frame")));
            }
        }
        writeln!(out, "{summary}")?;
    }
    out.flush()?;
    Ok(if error > 0 {
        ExitCode::from(EXIT_UNREADABLE)
    } else if fail > 0 || missing > 0 {
        ExitCode::from(EXIT_FAILED_CHECK)
    } else {
        ExitCode::SUCCESS
    })
}

/// Checks one file as `check` does: with a share of the memory budget, or alone with all of it
/// when it needs more than the share but fits the whole.
pub(super) fn check_path(
    path: &Path,
    share_bytes: u64,
    memory_budget_bytes: u64,
    exclusive: &RwLock<()>,
) -> FileCheck {
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
    result.unwrap_or_else(|err| FileCheck::from_load_error(path, &err, SystemTime::now()))
}

/// Checks `inputs` on a few worker threads, handing each result to `printer`.
fn check_all(inputs: &[Found], memory_budget_bytes: u64, printer: &Mutex<Printer<io::Stdout>>) {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(inputs.len())
        .max(1);
    // Workers decode at once, so each gets a share of the budget; a file that needs more (but
    // fits the whole budget) is decoded alone, with the exclusive lock.
    let share_bytes = (memory_budget_bytes / workers as u64).max(1);
    let exclusive = RwLock::new(());
    let next_input = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let check_one = |input: &Found| -> FileCheck {
        match input {
            Found::Failed(path, error) => FileCheck::failed(path, error.clone()),
            Found::File(path) => check_path(path, share_bytes, memory_budget_bytes, &exclusive),
        }
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
                    let check = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        check_one(input)
                    }))
                    .unwrap_or_else(|_| {
                        FileCheck::failed(
                            input.path(),
                            format!(
                                "internal error while checking (a bug in exrprobe, please report it): {}",
                                input.path().display()
                            ),
                        )
                    });
                    let mut printer = printer.lock().unwrap_or_else(|e| e.into_inner());
                    printer.finish_one(index, &check);
                    if printer.error.is_some() {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    });
}
