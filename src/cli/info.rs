//! `exrprobe info`: the header, a channel table with statistics, detection and findings.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use exrprobe_core::diagnose::Severity;
use exrprobe_core::records::{InfoRecord, Stat, info_record};
use exrprobe_core::text;

use exrprobe_core::check::load_for_report;

use super::EXIT_UNREADABLE;

pub(super) fn run_info(
    files: &[PathBuf],
    json: bool,
    memory_budget_bytes: u64,
) -> anyhow::Result<ExitCode> {
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

/// The text form of `info`. Names and paths from the file are printed with control characters
/// escaped (`text::printable`): a crafted channel name cannot drive the terminal or break lines.
pub(super) fn write_info_text(out: &mut impl Write, record: &InfoRecord) -> io::Result<()> {
    let safe = |text: &str| text::printable(text).into_owned();
    writeln!(out, "{}", safe(&record.path))?;
    let count = record.parts.len();
    writeln!(out, "  {count} part{}", if count == 1 { "" } else { "s" })?;
    for part in &record.parts {
        let name = part
            .name
            .as_deref()
            .map(|n| format!(" \"{}\"", safe(n)))
            .unwrap_or_default();
        writeln!(
            out,
            "  part {}{name}: data window {}, display window {}, {}, {}, {}",
            part.index,
            text::format_window(&part.data_window),
            text::format_window(&part.display_window),
            part.compression,
            text::format_storage(&part.storage, part.deep),
            part.line_order,
        )?;
        if let Some(error) = &part.pixel_error {
            writeln!(out, "    pixels not decoded: {}", safe(error))?;
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
                safe(&c.name),
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
        Some(rgb) => writeln!(out, "  RGB:   {} ({})", safe(&rgb.layer), safe(&rgb.rule))?,
        None => writeln!(out, "  RGB:   none found")?,
    }
    match (&record.depth_channel, &record.depth_rule) {
        (Some(name), Some(rule)) => writeln!(out, "  depth: {} ({})", safe(name), safe(rule))?,
        _ => writeln!(out, "  depth: none found")?,
    }
    for other in &record.depth_candidates {
        writeln!(
            out,
            "         also possible: {} ({})",
            safe(&other.channel),
            safe(&other.rule)
        )?;
    }
    for rejected in &record.depth_rejected {
        writeln!(out, "         not depth: {}", safe(&rejected.reason))?;
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
                safe(&finding.title),
                finding.code
            )?;
            writeln!(out, "            {}", safe(&finding.explanation))?;
            writeln!(out, "            Fix: {}", safe(&finding.fix))?;
        }
    }
    Ok(())
}

pub(super) fn severity_text(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}
