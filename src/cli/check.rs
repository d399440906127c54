//! `exrprobe check`: a batch check of files and folders, one line (or JSON record) per file.

use std::io::{self, IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

use anyhow::anyhow;
use exrprobe_core::diagnose::Severity;
use exrprobe_core::load::LoadError;
use serde::Serialize;

use super::{EXIT_FAILED_CHECK, EXIT_UNREADABLE, load_for_report};

use super::info::{FindingRecord, finding_record, name_of};

// ---------------------------------------------------------------------------------------------
// check

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(super) enum Status {
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
pub(super) struct CheckRecord {
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
pub(super) enum Input {
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

pub(super) fn is_exr(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("exr"))
}

/// Expands files and folders (recursively, `*.exr` case-insensitively; symbolic links to files
/// are followed, to folders not, so cycles cannot happen), sorted by path, duplicates removed.
pub(super) fn collect_inputs(paths: &[PathBuf]) -> Vec<Input> {
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

pub(super) fn walk_folder(folder: &Path, inputs: &mut Vec<Input>) {
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
pub(super) fn check_file(path: &Path, memory_budget_bytes: u64) -> Result<CheckRecord, LoadError> {
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
pub(super) const PROGRESS_MIN_FILES: usize = 8;

/// Prints records in input order as soon as all earlier ones are done, with a progress line.
/// A record is dropped once printed (only the counts stay), so memory does not grow with the
/// number of files beyond one slot each.
pub(super) struct Printer<W: Write> {
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

pub(super) fn run_check(
    paths: &[PathBuf],
    json: bool,
    memory_budget_bytes: u64,
) -> anyhow::Result<ExitCode> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

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
