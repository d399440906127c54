//! exrprobe: parse the command line, then run a CLI command or start the viewer.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .format_timestamp_millis()
        .init();
    let args = exrprobe::cli::Args::parse();
    match args.command {
        Some(command) => exrprobe::cli::run(command),
        None => match exrprobe::gui::run(args.files, args.compare, args.frame_cache) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("exrprobe: {err:#}");
                ExitCode::from(2)
            }
        },
    }
}
