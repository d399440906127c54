//! Native file dialogs (rfd), and telling a cancelled dialog from one that could not be shown.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Which file dialogs the app uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialogs {
    /// rfd's native dialogs (xdg-desktop-portal, else zenity, on Linux).
    #[default]
    Native,
    /// Behave as on a system without any dialog backend (tests; never shows a dialog).
    Unavailable,
}

/// Shown when a file dialog could not be opened.
pub const NO_DIALOG_MESSAGE: &str = "No file dialog is available on this system \
    (xdg-desktop-portal or zenity is needed). Drop files onto the window or pass them on the \
    command line.";

/// A dialog that returns nothing sooner than this was never shown: rfd's blocking dialogs return
/// `None` both on cancel and when neither xdg-desktop-portal nor zenity works (rfd 0.17.2 only
/// logs the zenity error), and no person cancels a dialog this fast.
pub const MIN_PLAUSIBLE_DIALOG: Duration = Duration::from_millis(150);

/// What came of a file dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogOutcome<T> {
    Chosen(T),
    Cancelled,
    /// No dialog could be shown.
    Unavailable,
}

/// Tells a cancelled dialog from one that was never shown, by how long it was open.
pub fn classify_dialog<T>(result: Option<T>, open_duration: Duration) -> DialogOutcome<T> {
    match result {
        Some(value) => DialogOutcome::Chosen(value),
        None if open_duration < MIN_PLAUSIBLE_DIALOG => DialogOutcome::Unavailable,
        None => DialogOutcome::Cancelled,
    }
}

impl Dialogs {
    fn run<T>(self, show: impl FnOnce() -> Option<T>) -> DialogOutcome<T> {
        match self {
            Dialogs::Unavailable => DialogOutcome::Unavailable,
            Dialogs::Native => {
                let started = Instant::now();
                let result = show();
                classify_dialog(result, started.elapsed())
            }
        }
    }

    /// Asks for EXR files to open, starting in `directory` when given.
    pub fn pick_exr_files(self, directory: Option<&Path>) -> DialogOutcome<Vec<PathBuf>> {
        self.run(|| {
            let mut dialog = rfd::FileDialog::new()
                .set_title("Open OpenEXR files")
                .add_filter("OpenEXR", &["exr", "EXR"])
                .add_filter("All files", &["*"]);
            if let Some(dir) = directory {
                dialog = dialog.set_directory(dir);
            }
            dialog.pick_files()
        })
    }

    /// Asks for one EXR file to compare with, starting in `directory` when given.
    pub fn pick_reference(self, directory: Option<&Path>) -> DialogOutcome<PathBuf> {
        self.run(|| {
            let mut dialog = rfd::FileDialog::new()
                .set_title("Open an OpenEXR file as the reference (B)")
                .add_filter("OpenEXR", &["exr", "EXR"])
                .add_filter("All files", &["*"]);
            if let Some(dir) = directory {
                dialog = dialog.set_directory(dir);
            }
            dialog.pick_file()
        })
    }

    /// Asks for a folder to open, starting in `directory` when given.
    pub fn pick_folder(self, directory: Option<&Path>) -> DialogOutcome<PathBuf> {
        self.run(|| {
            let mut dialog = rfd::FileDialog::new().set_title("Open a folder of OpenEXR renders");
            if let Some(dir) = directory {
                dialog = dialog.set_directory(dir);
            }
            dialog.pick_folder()
        })
    }

    /// Asks where to save, proposing `default_path`.
    pub fn pick_save_path(self, default_path: &Path, extension: &str) -> DialogOutcome<PathBuf> {
        self.run(|| {
            let mut dialog = rfd::FileDialog::new().add_filter(extension, &[extension]);
            if let Some(dir) = default_path.parent().filter(|d| !d.as_os_str().is_empty()) {
                dialog = dialog.set_directory(dir);
            }
            if let Some(name) = default_path.file_name() {
                dialog = dialog.set_file_name(name.to_string_lossy());
            }
            dialog.save_file()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_none_faster_than_a_person_can_cancel_means_no_dialog() {
        assert_eq!(
            classify_dialog::<u8>(None, Duration::from_millis(3)),
            DialogOutcome::Unavailable
        );
        assert_eq!(
            classify_dialog::<u8>(None, Duration::from_millis(900)),
            DialogOutcome::Cancelled
        );
        assert_eq!(
            classify_dialog(Some(7u8), Duration::from_millis(3)),
            DialogOutcome::Chosen(7)
        );
    }

    #[test]
    fn unavailable_dialogs_never_run_the_dialog() {
        let outcome = Dialogs::Unavailable.run::<u8>(|| panic!("no dialog may be shown"));
        assert_eq!(outcome, DialogOutcome::Unavailable);
    }
}
