//! The command table: every action that has a menu entry or a keyboard shortcut, with its label,
//! its description and its keys, written once. Key handling ([`commands_from_keys`]), the menus
//! ([`action_button`]) and the F1 help ([`help_rows`]) are generated from it, so a shortcut cannot
//! be bound without being documented, or documented without being bound.

use egui::{Key, KeyboardShortcut, Modifiers};

use super::command::{Command, ExportKind};

/// Exposure change of E / Shift+E, in stops.
pub const EXPOSURE_STEP: f32 = 1.0;

/// An action without parameters: what a menu entry or a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Open,
    OpenFolder,
    OpenReference,
    CompareWithPrevious,
    CompareWithNext,
    ClearReference,
    FlipAB,
    CycleDifference,
    ToggleWipe,
    ClearPins,
    Reload,
    ExportDepth,
    ExportChannel,
    ExportAll,
    SavePng,
    CopyProbe,
    Quit,
    Fit,
    OneToOne,
    ZoomIn,
    ZoomOut,
    PrevFile,
    NextFile,
    ShowInfo,
    ToggleHistogram,
    ToggleTimeline,
    ToggleWatch,
    ToggleLayout,
    ExposureUp,
    ExposureDown,
    Unpin,
    ToggleLeftPanel,
    ToggleProbePanel,
    ToggleCheckerboard,
    ShowShortcuts,
    ShowAbout,
}

/// How an action is presented and reached.
pub struct ActionSpec {
    /// Menu label.
    pub label: &'static str,
    /// What it does, for tooltips and the help window.
    pub description: &'static str,
    /// Its keys; the first is the one menus show.
    pub shortcuts: &'static [KeyboardShortcut],
}

const fn key(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::NONE, key)
}
const fn shift(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::SHIFT, key)
}
const fn ctrl(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND, key)
}
const fn ctrl_shift(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(
        Modifiers {
            shift: true,
            ..Modifiers::COMMAND
        },
        key,
    )
}

impl Action {
    /// Every action, in the order of the help window.
    pub const ALL: [Action; 36] = [
        Action::Open,
        Action::OpenFolder,
        Action::OpenReference,
        Action::CompareWithPrevious,
        Action::CompareWithNext,
        Action::ClearReference,
        Action::FlipAB,
        Action::CycleDifference,
        Action::ToggleWipe,
        Action::ClearPins,
        Action::Reload,
        Action::ExportDepth,
        Action::ExportChannel,
        Action::ExportAll,
        Action::SavePng,
        Action::CopyProbe,
        Action::Fit,
        Action::OneToOne,
        Action::ZoomIn,
        Action::ZoomOut,
        Action::PrevFile,
        Action::NextFile,
        Action::ShowInfo,
        Action::ToggleHistogram,
        Action::ToggleTimeline,
        Action::ToggleWatch,
        Action::ToggleLayout,
        Action::ExposureUp,
        Action::ExposureDown,
        Action::Unpin,
        Action::ToggleLeftPanel,
        Action::ToggleProbePanel,
        Action::ToggleCheckerboard,
        Action::ShowShortcuts,
        Action::ShowAbout,
        Action::Quit,
    ];

    pub fn spec(self) -> ActionSpec {
        let (label, description, shortcuts): (_, _, &'static [KeyboardShortcut]) = match self {
            Action::Open => ("Open…", "Open EXR files", &const { [ctrl(Key::O)] }),
            Action::OpenFolder => (
                "Open Folder…",
                "Open every EXR in a folder: its frame sequences, checked in the background",
                &const { [ctrl_shift(Key::O)] },
            ),
            Action::OpenReference => (
                "Open as reference…",
                "Compare with another file (B): differences, wipe and metrics; it stays while \
                 you step through frames",
                &const { [ctrl(Key::R)] },
            ),
            Action::CompareWithPrevious => (
                "Compare with previous frame",
                "Make the previous file of the list the reference, and keep following it",
                &[],
            ),
            Action::CompareWithNext => (
                "Compare with next frame",
                "Make the next file of the list the reference, and keep following it",
                &[],
            ),
            Action::ClearReference => ("Stop comparing", "Close the reference", &[]),
            Action::FlipAB => (
                "Flip A / B",
                "Show the reference (B) instead of A, or A again",
                &const { [key(Key::B)] },
            ),
            Action::CycleDifference => (
                "Difference",
                "Show A − B; press again for |A − B|, then the relative difference",
                &const { [key(Key::D)] },
            ),
            Action::ToggleWipe => (
                "Wipe",
                "A left of a line, B right of it; drag the line",
                &const { [key(Key::W)] },
            ),
            Action::ClearPins => ("Remove all pins", "Remove every pin", &[]),
            Action::Reload => (
                "Reload",
                "Read the current file again from disk",
                &const { [key(Key::F5)] },
            ),
            Action::ExportDepth => (
                "Export depth as .npy…",
                "Export the depth channel as a float32 array (height, width), bit-exact",
                &const { [ctrl(Key::E)] },
            ),
            Action::ExportChannel => (
                "Export channel as .npy…",
                "Export the channel shown on its own, else the depth channel, as .npy",
                &const { [ctrl_shift(Key::E)] },
            ),
            Action::ExportAll => (
                "Export all channels as .npz…",
                "Export every decoded channel, keyed by its name",
                &[],
            ),
            Action::SavePng => (
                "Save view as PNG…",
                "Save the RGB and depth views side by side, full resolution",
                &const { [ctrl(Key::S)] },
            ),
            Action::CopyProbe => (
                "Copy probe values",
                "Copy the probe values as text",
                &const { [ctrl(Key::C)] },
            ),
            Action::Quit => ("Quit", "Close exrprobe", &const { [ctrl(Key::Q)] }),
            Action::Fit => ("Fit", "Fit the image to the view", &const { [key(Key::F)] }),
            Action::OneToOne => (
                "1:1",
                "Zoom to one image pixel per screen pixel",
                &const { [key(Key::Num1)] },
            ),
            Action::ZoomIn => (
                "Zoom in",
                "Zoom in",
                &const { [key(Key::Plus), key(Key::Equals)] },
            ),
            Action::ZoomOut => ("Zoom out", "Zoom out", &const { [key(Key::Minus)] }),
            Action::PrevFile => (
                "Previous file",
                "Previous file in the list",
                &const { [key(Key::ArrowUp), key(Key::PageUp)] },
            ),
            Action::NextFile => (
                "Next file",
                "Next file in the list",
                &const { [key(Key::ArrowDown), key(Key::PageDown)] },
            ),
            Action::ShowInfo => (
                "File info…",
                "Show or hide the header attributes",
                &const { [key(Key::I)] },
            ),
            Action::ToggleHistogram => (
                "Histogram",
                "Show or hide the histogram",
                &const { [key(Key::H)] },
            ),
            Action::ToggleTimeline => (
                "Timeline",
                "Show or hide the timeline of the shot",
                &const { [key(Key::T)] },
            ),
            Action::ToggleWatch => (
                "Watch folder",
                "Follow the folder: new frames appear, changed frames are checked and shown again",
                &[],
            ),
            Action::ToggleLayout => (
                "Switch layout",
                "Switch layout: side by side / stacked",
                &const { [key(Key::L)] },
            ),
            Action::ExposureUp => (
                "Exposure up",
                "Exposure up by one stop",
                &const { [key(Key::E)] },
            ),
            Action::ExposureDown => (
                "Exposure down",
                "Exposure down by one stop",
                &const { [shift(Key::E)] },
            ),
            Action::Unpin => (
                "Remove last pin / dismiss messages",
                "Remove the newest pin; with none, dismiss the messages",
                &const { [key(Key::Escape)] },
            ),
            Action::ToggleLeftPanel => (
                "Channels panel",
                "Show or hide the files and channels panel",
                &[],
            ),
            Action::ToggleProbePanel => ("Probe panel", "Show or hide the probe panel", &[]),
            Action::ToggleCheckerboard => (
                "Checkerboard under alpha",
                "Show alpha over a checkerboard",
                &[],
            ),
            Action::ShowShortcuts => (
                "Keyboard shortcuts",
                "Show this list of shortcuts",
                &const { [key(Key::F1)] },
            ),
            Action::ShowAbout => ("About exrprobe", "Version and licence", &[]),
        };
        ActionSpec {
            label,
            description,
            shortcuts,
        }
    }

    /// The command this action issues.
    pub fn command(self) -> Command {
        match self {
            Action::Open => Command::OpenDialog,
            Action::OpenFolder => Command::OpenFolderDialog,
            Action::OpenReference => Command::OpenReferenceDialog,
            Action::CompareWithPrevious => Command::FollowReference(-1),
            Action::CompareWithNext => Command::FollowReference(1),
            Action::ClearReference => Command::ClearReference,
            Action::FlipAB => Command::FlipAB,
            Action::CycleDifference => Command::CycleDifference,
            Action::ToggleWipe => Command::ToggleWipe,
            Action::ClearPins => Command::ClearPins,
            Action::Reload => Command::Reload,
            Action::ExportDepth => Command::Export {
                kind: ExportKind::Depth,
                path: None,
            },
            Action::ExportChannel => Command::Export {
                kind: ExportKind::Channel(None),
                path: None,
            },
            Action::ExportAll => Command::Export {
                kind: ExportKind::AllChannels,
                path: None,
            },
            Action::SavePng => Command::SavePng(None),
            Action::CopyProbe => Command::CopyProbe,
            Action::Quit => Command::Quit,
            Action::Fit => Command::Fit,
            Action::OneToOne => Command::OneToOne,
            Action::ZoomIn => Command::Zoom(2.0),
            Action::ZoomOut => Command::Zoom(0.5),
            Action::PrevFile => Command::PrevFile,
            Action::NextFile => Command::NextFile,
            Action::ShowInfo => Command::ShowInfo,
            Action::ToggleHistogram => Command::ToggleHistogram,
            Action::ToggleTimeline => Command::ToggleTimeline,
            Action::ToggleWatch => Command::ToggleWatch,
            Action::ToggleLayout => Command::ToggleLayout,
            Action::ExposureUp => Command::StepExposure(EXPOSURE_STEP),
            Action::ExposureDown => Command::StepExposure(-EXPOSURE_STEP),
            Action::Unpin => Command::Escape,
            Action::ToggleLeftPanel => Command::ToggleLeftPanel,
            Action::ToggleProbePanel => Command::ToggleProbePanel,
            Action::ToggleCheckerboard => Command::ToggleCheckerboard,
            Action::ShowShortcuts => Command::ShowShortcuts,
            Action::ShowAbout => Command::ShowAbout,
        }
    }

    /// The first shortcut as text (`Ctrl+Shift+E`), for menus and tooltips.
    pub fn shortcut_text(self) -> Option<String> {
        self.spec().shortcuts.first().map(shortcut_text)
    }

    /// `"Ctrl+E — Export the depth channel …"`: the tooltip of a menu entry or button.
    pub fn tooltip(self) -> String {
        let spec = self.spec();
        match self.shortcut_text() {
            Some(keys) => format!("{keys} — {}", spec.description),
            None => spec.description.to_owned(),
        }
    }
}

/// A shortcut as the help window spells it: `Ctrl+Shift+E`, `Up`, `F5`, `Esc`.
pub fn shortcut_text(shortcut: &KeyboardShortcut) -> String {
    let mut text = String::new();
    if shortcut.modifiers.command || shortcut.modifiers.ctrl {
        text.push_str("Ctrl+");
    }
    if shortcut.modifiers.alt {
        text.push_str("Alt+");
    }
    if shortcut.modifiers.shift {
        text.push_str("Shift+");
    }
    text.push_str(match shortcut.logical_key {
        Key::Escape => "Esc",
        Key::Equals => "=",
        other => other.name(),
    });
    text
}

/// Keys that work while a text field has the keyboard: those with Ctrl and the function keys.
/// Plain and Shift keys would otherwise fire while a number is typed into a field.
fn works_while_typing(shortcut: &KeyboardShortcut) -> bool {
    shortcut.modifiers.command
        || matches!(
            shortcut.logical_key,
            Key::F1
                | Key::F2
                | Key::F3
                | Key::F4
                | Key::F5
                | Key::F6
                | Key::F7
                | Key::F8
                | Key::F9
                | Key::F10
                | Key::F11
                | Key::F12
        )
}

/// Every key binding, those with more modifiers first: egui matches a shortcut while extra
/// Shift or Alt are held, so Ctrl+Shift+E must be tried before Ctrl+E, and Shift+E before E.
pub fn bindings() -> Vec<(KeyboardShortcut, Action)> {
    let mut bound: Vec<(KeyboardShortcut, Action)> = Action::ALL
        .into_iter()
        .flat_map(|action| action.spec().shortcuts.iter().map(move |s| (*s, action)))
        .collect();
    bound.sort_by_key(|(s, _)| {
        let m = s.modifiers;
        std::cmp::Reverse(u8::from(m.command) + u8::from(m.shift) + u8::from(m.alt))
    });
    bound
}

/// Consumes the key presses of this frame that are bound to an action and returns their
/// commands. `typing`: a text field has the keyboard focus.
pub fn commands_from_keys(ctx: &egui::Context, typing: bool) -> Vec<Command> {
    // egui turns Ctrl+C into a Copy event (the key event is not delivered).
    let copy_event = ctx.input(|i| i.events.iter().any(|e| matches!(e, egui::Event::Copy)));
    let mut commands = Vec::new();
    ctx.input_mut(|input| {
        for (shortcut, action) in bindings() {
            // Ctrl+C in a text field copies its text, not the probe.
            if typing && (!works_while_typing(&shortcut) || action == Action::CopyProbe) {
                continue;
            }
            let copy = action == Action::CopyProbe && copy_event;
            if input.consume_shortcut(&shortcut) || copy {
                commands.push(action.command());
            }
        }
    });
    commands
}

/// Tells a held key's repeats from presses. egui marks a press of a key it holds down as a
/// repeat, but an X server whose auto-repeat is not "detectable" (Xvfb, some remote desktops)
/// sends a release before each repeated press; a press that follows the key's release within
/// [`KeyRepeats::GAP_SECS`] counts as a repeat too (a person pressing again takes longer).
#[derive(Default)]
pub struct KeyRepeats {
    /// The keys released lately, with the input time of their release.
    released: Vec<(egui::Key, f64)>,
}

impl KeyRepeats {
    pub const GAP_SECS: f64 = 0.1;

    /// Whether `events` (of the frame at input time `now`) hold a repeated key press;
    /// remembers their releases.
    pub fn any_repeat(&mut self, events: &[egui::Event], now: f64) -> bool {
        self.released.retain(|(_, at)| now - at <= Self::GAP_SECS);
        let mut repeat_seen = false;
        for event in events {
            if let egui::Event::Key {
                key,
                pressed,
                repeat,
                ..
            } = event
            {
                if !*pressed {
                    self.released.retain(|(k, _)| k != key);
                    self.released.push((*key, now));
                } else if *repeat || self.released.iter().any(|(k, _)| k == key) {
                    repeat_seen = true;
                }
            }
        }
        repeat_seen
    }
}

/// Holding Down (or Up) plays the shot: steps from a key's repeat while the frame stepped onto
/// is still being decoded (`first_image_pending`) are dropped, so every frame is shown before
/// the next. Else the repeats cancelled each load in turn and nothing showed until the key was
/// released. A fresh press always steps.
pub fn hold_steps_until_shown(
    key_commands: &mut Vec<Command>,
    repeating: bool,
    first_image_pending: bool,
) {
    if repeating && first_image_pending {
        key_commands.retain(|c| !matches!(c, Command::NextFile | Command::PrevFile));
    }
}

/// A menu entry for `action`: its label, its shortcut on the right, its description as tooltip.
pub fn action_button(
    ui: &mut egui::Ui,
    action: Action,
    enabled: bool,
    commands: &mut Vec<Command>,
) {
    let spec = action.spec();
    let mut button = egui::Button::new(spec.label);
    if let Some(keys) = action.shortcut_text() {
        button = button.shortcut_text(keys);
    }
    if ui
        .add_enabled(enabled, button)
        .on_hover_text(spec.description)
        .clicked()
    {
        commands.push(action.command());
    }
}

/// A checkbox menu entry for a toggling `action` whose current state is `on`.
pub fn action_checkbox(ui: &mut egui::Ui, action: Action, on: bool, commands: &mut Vec<Command>) {
    let spec = action.spec();
    let mut value = on;
    let label = match action.shortcut_text() {
        Some(keys) => format!("{} ({keys})", spec.label),
        None => spec.label.to_owned(),
    };
    if ui
        .checkbox(&mut value, label)
        .on_hover_text(spec.description)
        .changed()
    {
        commands.push(action.command());
    }
}

/// Pointer gestures, which have no entry in the action table.
pub const POINTER_GESTURES: &[(&str, &str)] = &[
    ("Drag", "Pan both views"),
    ("Mouse wheel", "Zoom about the cursor"),
    (
        "Click",
        "Pin the pixel under the cursor (click a pin again to remove it)",
    ),
    ("Drag the wipe line", "Move the wipe"),
    ("Shift+Drag", "Select a region"),
    ("Shift+Drop", "Open the dropped file as the reference"),
];

/// The rows of the help window: the keys of every action that has some (`Up / PageUp`), then the
/// pointer gestures.
pub fn help_rows() -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Action::ALL
        .into_iter()
        .filter_map(|action| {
            let spec = action.spec();
            let keys: Vec<String> = spec.shortcuts.iter().map(shortcut_text).collect();
            (!keys.is_empty()).then(|| (keys.join(" / "), spec.description))
        })
        .collect();
    rows.extend(
        POINTER_GESTURES
            .iter()
            .map(|(keys, what)| ((*keys).to_owned(), *what)),
    );
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The action a key press runs: the first binding that egui matches for exactly this press.
    fn action_for(shortcut: &KeyboardShortcut) -> Option<Action> {
        bindings()
            .into_iter()
            .find(|(s, _)| {
                shortcut.modifiers.matches_logically(s.modifiers)
                    && s.logical_key == shortcut.logical_key
            })
            .map(|(_, action)| action)
    }

    fn help_keys() -> Vec<String> {
        help_rows()
            .into_iter()
            .flat_map(|(keys, _)| {
                keys.split(" / ")
                    .map(str::to_owned)
                    .collect::<Vec<String>>()
            })
            .collect()
    }

    #[test]
    fn every_shortcut_in_the_help_is_bound_to_its_action() {
        for action in Action::ALL {
            for shortcut in action.spec().shortcuts {
                assert_eq!(action_for(shortcut), Some(action), "{shortcut:?}");
                assert!(
                    help_keys().contains(&shortcut_text(shortcut)),
                    "{} is bound but not in the help",
                    shortcut_text(shortcut)
                );
            }
        }
    }

    #[test]
    fn every_bound_key_is_in_the_help_and_no_key_does_two_things() {
        let modifiers = [
            Modifiers::NONE,
            Modifiers::SHIFT,
            Modifiers::COMMAND,
            ctrl_shift(Key::A).modifiers,
            Modifiers::ALT,
        ];
        let keys = help_keys();
        for key in Key::ALL {
            for modifiers in modifiers {
                let shortcut = KeyboardShortcut::new(modifiers, *key);
                let owners: Vec<Action> = Action::ALL
                    .into_iter()
                    .filter(|a| {
                        a.spec().shortcuts.iter().any(|s| {
                            s.modifiers == shortcut.modifiers
                                && s.logical_key == shortcut.logical_key
                        })
                    })
                    .collect();
                assert!(owners.len() <= 1, "{shortcut:?} is bound to {owners:?}");
                if !owners.is_empty() {
                    assert!(keys.contains(&shortcut_text(&shortcut)), "{shortcut:?}");
                }
            }
        }
        // And the help lists nothing else: every key text names a bound shortcut or a gesture.
        for text in keys {
            let gesture = POINTER_GESTURES.iter().any(|(g, _)| *g == text);
            let bound = Action::ALL
                .into_iter()
                .flat_map(|a| a.spec().shortcuts.iter().map(shortcut_text))
                .any(|t| t == text);
            assert!(
                gesture || bound,
                "the help lists {text}, which does nothing"
            );
        }
    }

    #[test]
    fn shortcuts_read_as_people_write_them() {
        assert_eq!(shortcut_text(&ctrl_shift(Key::E)), "Ctrl+Shift+E");
        assert_eq!(shortcut_text(&key(Key::ArrowUp)), "Up");
        assert_eq!(shortcut_text(&key(Key::Escape)), "Esc");
        assert_eq!(
            Action::ExportDepth.tooltip(),
            "Ctrl+E — Export the depth channel as a float32 array (height, width), bit-exact"
        );
    }

    #[test]
    fn a_held_arrow_steps_on_only_once_the_frame_stepped_onto_is_shown() {
        let ctx = egui::Context::default();
        let commands_for = |repeat: bool, first_image_pending: bool| {
            let input = egui::RawInput {
                events: vec![egui::Event::Key {
                    key: egui::Key::ArrowDown,
                    physical_key: None,
                    pressed: true,
                    repeat,
                    modifiers: egui::Modifiers::NONE,
                }],
                ..Default::default()
            };
            let mut commands = Vec::new();
            let mut output = ctx.run_ui(input, |ui| {
                commands = commands_from_keys(ui.ctx(), false);
                hold_steps_until_shown(&mut commands, repeat, first_image_pending);
            });
            output.textures_delta.clear(); // no renderer here
            commands
        };
        assert_eq!(commands_for(false, false), [Command::NextFile]);
        assert_eq!(
            commands_for(false, true),
            [Command::NextFile],
            "a fresh press steps even while a frame decodes"
        );
        assert_eq!(commands_for(true, false), [Command::NextFile]);
        assert!(
            commands_for(true, true).is_empty(),
            "a repeat waits for the frame"
        );
    }

    fn down_key(pressed: bool, repeat: bool) -> egui::Event {
        egui::Event::Key {
            key: egui::Key::ArrowDown,
            physical_key: None,
            pressed,
            repeat,
            modifiers: egui::Modifiers::NONE,
        }
    }

    #[test]
    fn repeats_are_told_from_presses_with_or_without_a_release_between() {
        let mut repeats = KeyRepeats::default();
        assert!(
            !repeats.any_repeat(&[down_key(true, false)], 0.0),
            "a press"
        );
        assert!(
            repeats.any_repeat(&[down_key(true, true)], 0.03),
            "egui's repeat"
        );
        // X without detectable auto-repeat: release and press pairs, in one frame or two.
        assert!(repeats.any_repeat(&[down_key(false, false), down_key(true, false)], 0.06));
        assert!(!repeats.any_repeat(&[down_key(false, false)], 0.09));
        assert!(repeats.any_repeat(&[down_key(true, false)], 0.12));
        // Released, then pressed again by a person.
        assert!(!repeats.any_repeat(&[down_key(false, false)], 1.0));
        assert!(!repeats.any_repeat(&[], 1.05));
        assert!(!repeats.any_repeat(&[down_key(true, false)], 1.3));
    }
}
