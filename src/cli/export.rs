//! `exrprobe export`: a channel as `.npy`, or every channel as `.npz`, beside the EXR.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::anyhow;
use exrprobe_core::export::{NpyDtype, write_npy, write_npz};
use exrprobe_core::load::{ChannelFilter, LoadOptions};
use exrprobe_core::model::{ChannelRef, Image};
use exrprobe_core::naming::detect_depth;
use exrprobe_core::text::{self, ExportName, default_export_path};

use super::{EXIT_FAILED_CHECK, load_with};

use exrprobe_core::records::name_of;

// ---------------------------------------------------------------------------------------------
// export

pub(super) struct ExportRequest<'a> {
    pub(super) file: &'a Path,
    pub(super) channel: Option<&'a str>,
    pub(super) output: Option<&'a Path>,
    pub(super) dtype: NpyDtype,
    pub(super) all: bool,
    pub(super) partial: bool,
    pub(super) force: bool,
    pub(super) memory_budget_bytes: u64,
}

pub(super) fn channel_list(image: &Image) -> String {
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

/// The channel `--channel NAME` names (an ambiguous name is refused with the choices), else the
/// detected depth channel; and whether it is the depth channel.
fn resolve_channel(
    header: &Image,
    name: Option<&str>,
    file: &Path,
) -> anyhow::Result<(ChannelRef, bool)> {
    let Some(name) = name else {
        let depth = detect_depth(header).channel().ok_or_else(|| {
            anyhow!(
                "no depth channel found; choose one with --channel NAME ({}): {}",
                channel_list(header),
                file.display()
            )
        })?;
        return Ok((depth, true));
    };
    let named = header.channels_named(name);
    if named.len() > 1 {
        let shown = text::printable(name);
        let choices: Vec<String> = (1..=named.len()).map(|n| format!("{shown}#{n}")).collect();
        return Err(anyhow!(
            "{} channels are named \"{shown}\"; choose one, in file order, with --channel {}: {}",
            named.len(),
            choices.join(" or "),
            file.display()
        ));
    }
    let channel = header.find_channel(name).ok_or_else(|| {
        anyhow!(
            "no channel named \"{}\" ({}): {}",
            text::printable(name),
            channel_list(header),
            file.display()
        )
    })?;
    Ok((channel, false))
}

pub(super) fn run_export(request: &ExportRequest<'_>) -> anyhow::Result<ExitCode> {
    let file = request.file;
    let mut code = ExitCode::SUCCESS;
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
        // Damaged parts: their channels would be missing from the archive without a word.
        let lost: Vec<String> = image
            .parts
            .iter()
            .enumerate()
            .filter(|(_, part)| part.pixels_damaged)
            .map(|(index, part)| {
                let name = part.name.clone().unwrap_or_else(|| index.to_string());
                let channels: Vec<&str> = part.channels.iter().map(|c| c.name.as_str()).collect();
                format!(
                    "part {} ({}): {}",
                    text::printable(&name),
                    text::printable(&channels.join(", ")),
                    part.pixel_error.as_deref().unwrap_or("cannot be read")
                )
            })
            .collect();
        if !lost.is_empty() && !request.partial {
            return Err(anyhow!(
                "refusing to export every channel: {} cannot be read ({}); --partial writes the \
                 others: {}",
                text::plural(lost.len() as u64, "part"),
                lost.join("; "),
                file.display()
            ));
        }
        let output = request.output.map_or_else(
            || default_export_path(file, ExportName::AllChannels),
            Path::to_path_buf,
        );
        write_npz(&image, request.dtype, &output, request.force)?;
        if !lost.is_empty() {
            eprintln!(
                "exrprobe: wrote only the readable channels; left out {}: {}",
                lost.join("; "),
                file.display()
            );
            code = ExitCode::from(EXIT_FAILED_CHECK);
        }
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
        let (channel_ref, is_depth) = resolve_channel(&header, request.channel, file)?;
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
        let output = request.output.map_or_else(
            || {
                let what = if is_depth {
                    ExportName::Depth
                } else {
                    ExportName::Channel(&name)
                };
                default_export_path(file, what)
            },
            Path::to_path_buf,
        );
        write_npy(channel, request.dtype, &output, request.force)?;
        output
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{}", output.display())?;
    out.flush()?;
    Ok(code)
}
