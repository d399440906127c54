//! State transitions as plain code: no window, no GPU, no threads.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use super::*;
use crate::gui::loader::Loaded;
use exrprobe_core::model::{Channel, Part, SampleType, Samples, Storage, Window};

fn image(names: &[&str], width: usize, height: usize) -> Arc<Image> {
    let window = Window {
        x: 0,
        y: 0,
        width,
        height,
    };
    let channels = names
        .iter()
        .enumerate()
        .map(|(i, name)| Channel {
            name: (*name).to_owned(),
            sample_type: SampleType::Float,
            sampling: (1, 1),
            width,
            height,
            quantize_linearly: false,
            samples: Some(Samples::F32(
                (0..width * height).map(|k| (k + i) as f32 + 1.0).collect(),
            )),
        })
        .collect();
    Arc::new(Image {
        source: "test.exr".to_owned(),
        parts: vec![Part {
            name: None,
            data_window: window,
            display_window: window,
            pixel_aspect: 1.0,
            compression: "none".to_owned(),
            line_order: "increasing y".to_owned(),
            storage: Storage::ScanLines,
            deep: false,
            attributes: Vec::new(),
            channels,
            pixel_error: None,
            pixels_damaged: false,
            missing_level_blocks: 0,
        }],
    })
}

fn loaded(generation: u64, path: &str, image: Arc<Image>) -> Loaded {
    let analysis = Arc::new(exrprobe_core::analyze(&image));
    Loaded {
        generation,
        source: Source::File(PathBuf::from(path)),
        image,
        analysis,
        load_duration: Duration::ZERO,
    }
}

fn loads(effects: &[Effect]) -> Vec<Source> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn opening_files_loads_the_first_and_steps_within_the_list() {
    let mut state = ViewerState::default();
    let effects = state.apply(Command::Open(vec!["a.exr".into(), "b.exr".into()]));
    assert_eq!(loads(&effects), [Source::File("a.exr".into())]);
    assert_eq!(state.current_file(), Some(0));
    assert!(
        state.apply(Command::PrevFile).is_empty(),
        "no file before the first"
    );
    let effects = state.apply(Command::NextFile);
    assert_eq!(loads(&effects), [Source::File("b.exr".into())]);
    assert!(
        state.apply(Command::NextFile).is_empty(),
        "no file after the last"
    );
    assert_eq!(state.current_file(), Some(1));
    assert_eq!(
        loads(&state.apply(Command::Reload)),
        [Source::File("b.exr".into())]
    );
    assert!(state.apply(Command::Open(vec![PathBuf::new()])).is_empty());
}

#[test]
fn a_new_frame_keeps_the_channel_choice_and_range_by_name() {
    let mut state = ViewerState::default();
    state.document_loaded(loaded(
        1,
        "a.exr",
        image(&["R", "G", "B", "Z", "Mist"], 4, 2),
    ));
    let doc = state.document().unwrap();
    let mist = doc.image.find_channel("Mist").unwrap();
    assert_eq!(state.selection().depth, doc.image.find_channel("Z"));
    let _ = state.apply(Command::SetDepth(mist));
    let _ = state.apply(Command::SetDepthRange(9.0, 2.0));
    assert_eq!(state.depth_range(), Some((2.0, 9.0)), "ordered");
    // The next frame has the channels in another order: the choice follows the name.
    state.document_loaded(loaded(
        2,
        "b.exr",
        image(&["Mist", "Z", "R", "G", "B"], 4, 2),
    ));
    let doc = state.document().unwrap();
    assert_eq!(state.selection().depth, doc.image.find_channel("Mist"));
    assert_eq!(state.depth_range(), Some((2.0, 9.0)));
    // A frame without that channel falls back to the detected depth and its robust range.
    state.document_loaded(loaded(3, "c.exr", image(&["R", "G", "B", "Z"], 4, 2)));
    let doc = state.document().unwrap();
    assert_eq!(state.selection().depth, doc.image.find_channel("Z"));
    assert_eq!(state.depth_settings().range, None);
}

#[test]
fn pins_toggle_and_survive_only_where_the_pixel_exists() {
    let mut state = ViewerState::default();
    state.document_loaded(loaded(1, "a.exr", image(&["Z"], 4, 2)));
    let pixel = PixelUnderPointer {
        pixel_in_image: (3, 1),
        probe: Some(ProbePos {
            part: 0,
            col: 3,
            row: 1,
        }),
    };
    let _ = state.apply(Command::TogglePin(pixel));
    assert!(state.is_pinned());
    assert_eq!(state.marked_pixels().pinned, Some((3, 1)));
    let _ = state.apply(Command::Hover(None));
    assert_eq!(state.probe(), pixel.probe, "the pin wins over the pointer");
    let _ = state.apply(Command::TogglePin(pixel));
    assert!(!state.is_pinned(), "pinning the pinned pixel releases it");
    let _ = state.apply(Command::TogglePin(pixel));
    state.document_loaded(loaded(2, "b.exr", image(&["Z"], 4, 2)));
    assert!(state.is_pinned(), "same size: the pin stays");
    state.document_loaded(loaded(3, "c.exr", image(&["Z"], 2, 2)));
    assert!(!state.is_pinned(), "the pixel is outside the new image");
}

#[test]
fn exports_ask_for_a_path_with_the_core_default_name_then_write() {
    let mut state = ViewerState::default();
    assert!(
        state
            .apply(Command::Export {
                kind: ExportKind::Depth,
                path: None
            })
            .is_empty()
    );
    assert_eq!(state.messages().len(), 1, "nothing to export yet");
    state.document_loaded(loaded(1, "shot/f.0001.exr", image(&["beauty.Z"], 4, 2)));
    let effects = state.apply(Command::Export {
        kind: ExportKind::Channel(None),
        path: None,
    });
    match effects.as_slice() {
        [
            Effect::PickSavePath {
                default_path,
                extension,
                command,
            },
        ] => {
            assert_eq!(default_path, Path::new("shot/f.0001.beauty.Z.npy"));
            assert_eq!(*extension, "npy");
            assert_eq!(
                command.with_path("x.npy".into()),
                Command::Export {
                    kind: ExportKind::Channel(None),
                    path: Some("x.npy".into())
                }
            );
        }
        other => panic!("{other:?}"),
    }
    let effects = state.apply(Command::Export {
        kind: ExportKind::AllChannels,
        path: Some("all.npz".into()),
    });
    assert!(
        matches!(effects.as_slice(), [Effect::WriteExport { channel: None, what, .. }] if what == "all channels")
    );
}

#[test]
fn keys_step_exposure_within_limits_and_toggle_layout_against_the_screen() {
    let mut state = ViewerState::default();
    for _ in 0..30 {
        let _ = state.apply(Command::StepExposure(1.0));
    }
    assert_eq!(state.exposure(), 20.0);
    let _ = state.apply(Command::SetExposure(f32::NAN));
    assert_eq!(state.exposure(), 20.0);
    let laid_out = |stacked| Command::CanvasesLaidOut {
        canvas_size: egui::vec2(400.0, 300.0),
        bounds_in_image: egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(4.0, 2.0)),
        stacked,
        pixels_per_point: 2.0,
    };
    let _ = state.apply(laid_out(true));
    let _ = state.apply(Command::ToggleLayout);
    assert_eq!(state.layout(), LayoutMode::SideBySide);
    let _ = state.apply(Command::OneToOne);
    assert_eq!(
        state.view().zoom,
        0.5,
        "one image pixel per screen pixel at 2×"
    );
}

#[test]
fn confirmations_expire_and_errors_stay() {
    let mut state = ViewerState::default();
    state.error("bad".to_owned());
    state.info("done".to_owned());
    let now = Instant::now();
    assert!(state.expire_messages(now).is_some());
    assert_eq!(state.messages().len(), 2);
    let later = now + Duration::from_secs_f32(INFO_MESSAGE_SECS + 1.0);
    assert_eq!(state.expire_messages(later), None);
    assert_eq!(state.messages().len(), 1);
    assert_eq!(state.messages()[0].kind, MessageKind::Error);
    let _ = state.apply(Command::DismissMessage(5));
    let _ = state.apply(Command::DismissMessage(0));
    assert!(state.messages().is_empty());
}
