//! Pause points in the core's long loops, for front ends that run its work in the background.
//!
//! The loops that take most of a file's time call [`point`] between steps: the decoder before
//! each block (or row of tiles), the statistics before each piece of a channel. By default it
//! does nothing. A front end can install one hook for the process ([`set_hook`]) that makes its
//! background threads wait there. The viewer does that while its window draws a frame: its
//! scan of a render folder checks files on every core, and a scan thread that kept its core
//! while the window drew delayed frames by up to a scheduler tick (see the viewer's
//! `ScanPool`).
//!
//! Why a process-wide hook rather than a parameter: the points sit deep in code every entry
//! shares (load, summarise, check, statistics), and the decision (is this a thread to pause,
//! is the window drawing) belongs to the front end, as a logger does for the `log` crate. A
//! hook never changes a result, only when the work runs. It is called on whichever thread runs
//! the step, so it must return at once on threads it does not pace, and it must not wait
//! without bound.

use std::sync::OnceLock;

static HOOK: OnceLock<fn()> = OnceLock::new();

/// Installs the process's pause hook. Only the first call installs one; `false` when a hook
/// was already installed (it stays).
pub fn set_hook(hook: fn()) -> bool {
    HOOK.set(hook).is_ok()
}

/// A pause point: runs the hook, if one is installed.
#[inline]
pub fn point() {
    if let Some(hook) = HOOK.get() {
        hook();
    }
}
