//! The command-line interface: `info`, `check`, `export`.

use std::path::PathBuf;
use std::process::ExitCode;

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
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

/// Runs one CLI command; the exit code follows the README.
pub fn run(command: Command) -> ExitCode {
    let _ = command;
    todo!()
}
