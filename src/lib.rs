//! exrprobe: the command-line front end and the viewer, on top of `exrprobe-core`.

pub mod cli;
pub mod examples;
pub mod gui;

pub use exrprobe_core as core;
