//! State transitions as plain code: no window, no GPU, no threads.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use super::*;
use crate::gui::loader::Loaded;
use crate::gui::test_support::image;

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

fn pixel(x: i64, y: i64) -> PixelUnderPointer {
    PixelUnderPointer {
        pixel_in_image: (x, y),
        probe: Some(ProbePos {
            part: 0,
            col: x as usize,
            row: y as usize,
        }),
    }
}

#[test]
fn pins_toggle_and_survive_only_where_the_pixel_exists() {
    let mut state = ViewerState::default();
    state.document_loaded(loaded(1, "a.exr", image(&["Z"], 4, 2)));
    let _ = state.apply(Command::TogglePin(pixel(3, 1)));
    assert!(state.is_pinned());
    assert_eq!(state.marked_pixels().pinned, vec![(3, 1)]);
    let _ = state.apply(Command::Hover(None));
    assert_eq!(
        state.probe(),
        pixel(3, 1).probe,
        "the pin wins over the pointer"
    );
    let _ = state.apply(Command::TogglePin(pixel(3, 1)));
    assert!(!state.is_pinned(), "pinning the pinned pixel releases it");
    let _ = state.apply(Command::TogglePin(pixel(3, 1)));
    state.document_loaded(loaded(2, "b.exr", image(&["Z"], 4, 2)));
    assert!(state.is_pinned(), "same size: the pin stays");
    state.document_loaded(loaded(3, "c.exr", image(&["Z"], 2, 2)));
    assert!(!state.is_pinned(), "the pixel is outside the new image");
}

#[test]
fn several_pins_are_kept_in_order_and_removed_one_by_one() {
    let mut state = ViewerState::default();
    state.document_loaded(loaded(1, "a.exr", image(&["Z"], 8, 3)));
    for (x, y) in [(0, 0), (1, 1), (2, 0)] {
        let _ = state.apply(Command::TogglePin(pixel(x, y)));
    }
    assert_eq!(state.marked_pixels().pinned, vec![(0, 0), (1, 1), (2, 0)]);
    assert_eq!(
        state.probe(),
        pixel(2, 0).probe,
        "the probe shows the newest pin"
    );
    // Clicking a pin again removes that pin only.
    let _ = state.apply(Command::TogglePin(pixel(1, 1)));
    assert_eq!(state.marked_pixels().pinned, vec![(0, 0), (2, 0)]);
    // A pin outside every data window is not kept.
    let _ = state.apply(Command::TogglePin(PixelUnderPointer {
        pixel_in_image: (9, 9),
        probe: None,
    }));
    assert_eq!(state.pins().len(), 2);
    // The table's remove button, then Esc (the newest), then nothing left: Esc dismisses.
    let _ = state.apply(Command::RemovePin(0));
    assert_eq!(state.marked_pixels().pinned, vec![(2, 0)]);
    let _ = state.apply(Command::Escape);
    assert!(!state.is_pinned());
    // No more than MAX_PINS: the oldest goes.
    for x in 0..8 {
        for y in 0..3 {
            let _ = state.apply(Command::TogglePin(pixel(x, y)));
        }
    }
    assert_eq!(state.pins().len(), super::MAX_PINS);
    assert_eq!(
        state.pins()[0].pixel_in_image,
        (2, 2),
        "the 8 oldest of 24 went"
    );
    let _ = state.apply(Command::ClearPins);
    assert!(!state.is_pinned());
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

fn reference_loads(effects: &[Effect]) -> Vec<Source> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::LoadReference(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn file(name: &str) -> Source {
    Source::File(PathBuf::from(name))
}

#[test]
fn a_fixed_reference_stays_and_a_following_one_moves_with_the_current_file() {
    let mut state = ViewerState::default();
    let _ = state.apply(Command::Open(vec![
        "f1.exr".into(),
        "f2.exr".into(),
        "f3.exr".into(),
    ]));
    state.document_loaded(loaded(1, "f1.exr", image(&["R", "G", "B", "Z"], 4, 2)));
    assert_eq!(state.compare_view(), CompareView::A);
    // A fixed reference: loaded once, shown as A − B when it arrives.
    let effects = state.apply(Command::SetReference(file("ref.exr")));
    assert_eq!(reference_loads(&effects), [file("ref.exr")]);
    assert_eq!(
        state.compare_view(),
        CompareView::A,
        "A until the reference is loaded"
    );
    state.reference_loaded(7, &file("ref.exr"), image(&["R", "G", "B", "Z"], 4, 2));
    assert_eq!(
        state.compare_view(),
        CompareView::Difference(exrprobe_core::compare::difference::DifferenceKind::Signed)
    );
    let effects = state.apply(Command::NextFile);
    assert!(
        reference_loads(&effects).is_empty(),
        "a fixed reference stays"
    );
    assert_eq!(
        state.reference().map(|r| r.source.clone()),
        Some(file("ref.exr"))
    );
    // Following the previous frame: f1 now (the current file is f2), f2 after the next step.
    let effects = state.apply(Command::FollowReference(-1));
    assert_eq!(reference_loads(&effects), [file("f1.exr")]);
    assert!(state.reference_image().is_none(), "B is loading");
    let effects = state.apply(Command::NextFile);
    assert_eq!(reference_loads(&effects), [file("f2.exr")]);
    // A late result for the reference chosen before is dropped.
    state.reference_loaded(8, &file("f1.exr"), image(&["Z"], 4, 2));
    assert!(state.reference_image().is_none());
    state.reference_loaded(9, &file("f2.exr"), image(&["Z"], 4, 2));
    assert_eq!(state.reference().and_then(|r| r.generation()), Some(9));
    // Keeping it: the next step does not move it.
    let _ = state.apply(Command::KeepReference);
    let _ = state.apply(Command::PrevFile);
    assert_eq!(
        state.reference().map(|r| r.source.clone()),
        Some(file("f2.exr"))
    );
    let _ = state.apply(Command::ClearReference);
    assert!(state.reference().is_none());
    assert_eq!(state.compare_view(), CompareView::A);
}

#[test]
fn compare_views_flip_and_cycle_and_a_failed_reference_is_reported() {
    use exrprobe_core::compare::difference::DifferenceKind;
    let mut state = ViewerState::default();
    state.document_loaded(loaded(1, "a.exr", image(&["Z"], 4, 2)));
    let _ = state.apply(Command::SetReference(file("b.exr")));
    state.reference_loaded(2, &file("b.exr"), image(&["Z"], 4, 2));
    let _ = state.apply(Command::FlipAB);
    assert_eq!(state.compare_view(), CompareView::B);
    let _ = state.apply(Command::FlipAB);
    assert_eq!(state.compare_view(), CompareView::A);
    for kind in [
        DifferenceKind::Signed,
        DifferenceKind::Absolute,
        DifferenceKind::Relative,
        DifferenceKind::Signed,
    ] {
        let _ = state.apply(Command::CycleDifference);
        assert_eq!(state.compare_view(), CompareView::Difference(kind));
    }
    let _ = state.apply(Command::ToggleWipe);
    assert_eq!(state.compare_view(), CompareView::Wipe);
    assert_eq!(
        state.wipe_x_in_image(),
        Some(2.0),
        "the middle of the image"
    );
    let _ = state.apply(Command::SetWipe(3.25));
    assert_eq!(state.wipe_x_in_image(), Some(3.25));
    let _ = state.apply(Command::SetWipe(f32::NAN));
    assert_eq!(state.wipe_x_in_image(), Some(3.25));
    // Another reference that cannot be read: an error message, and the views show A.
    let _ = state.apply(Command::SetReference(file("broken.exr")));
    state.reference_failed(&file("broken.exr"), "truncated");
    assert_eq!(state.compare_view(), CompareView::A);
    assert!(
        state
            .messages()
            .iter()
            .any(|m| m.text.contains("broken.exr") && m.text.contains("truncated"))
    );
}

#[test]
fn metrics_are_wanted_once_per_pair_and_channels_and_stale_results_are_dropped() {
    let mut state = ViewerState::default();
    state.document_loaded(loaded(1, "a.exr", image(&["R", "G", "B", "Z"], 4, 2)));
    assert!(state.metrics_wanted().is_none(), "no reference");
    let _ = state.apply(Command::SetReference(file("b.exr")));
    // B lacks G: the colour layer is compared where both have it.
    state.reference_loaded(5, &file("b.exr"), image(&["R", "B", "Z"], 4, 2));
    let request = state
        .metrics_wanted()
        .unwrap_or_else(|| panic!("metrics wanted"));
    assert_eq!(request.key.channels, ["Z", "R", "B"]);
    assert_eq!((request.key.generation_a, request.key.generation_b), (1, 5));
    // A result for another pair is dropped; the right one is kept and no more is wanted.
    let stale = MetricsKey {
        generation_a: 0,
        ..request.key.clone()
    };
    let comparison = |a: &Image, b: &Image, names: &[String]| {
        exrprobe_core::compare::compare_images(a, b, names)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    };
    let result = comparison(&request.a, &request.b, &request.key.channels);
    state.metrics_ready(stale, result.clone());
    assert!(state.metrics().is_none());
    state.metrics_ready(request.key.clone(), result);
    let shown = state
        .metrics()
        .and_then(|r| r.as_ref().ok())
        .map(|c| c.channels.len());
    assert_eq!(shown, Some(3));
    assert!(state.metrics_wanted().is_none());
    // Another frame as A: wanted again, for the new pair.
    state.document_loaded(loaded(2, "a2.exr", image(&["R", "G", "B", "Z"], 4, 2)));
    assert!(state.metrics().is_none());
    assert_eq!(state.metrics_wanted().map(|r| r.key.generation_a), Some(2));
}

#[test]
fn go_to_pixel_centres_zooms_in_and_pins() {
    let mut state = ViewerState::default();
    state.document_loaded(loaded(1, "a.exr", image(&["Z"], 40, 20)));
    let _ = state.apply(Command::GoToPixel {
        pixel_in_image: (30, 12),
        part: 0,
    });
    assert_eq!(state.view().center_in_image, egui::pos2(30.5, 12.5));
    assert!(state.view().zoom >= 8.0);
    assert_eq!(state.marked_pixels().pinned, vec![(30, 12)]);
    assert_eq!(state.probe().map(|p| (p.col, p.row)), Some((30, 12)));
}

fn prefetches(effects: &[Effect]) -> Vec<Vec<PathBuf>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Prefetch(paths) => Some(paths.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_frames_ahead_in_the_direction_of_travel_are_decoded_ahead() {
    let names: Vec<PathBuf> = (1..=12).map(|n| format!("f.{n:04}.exr").into()).collect();
    let ahead =
        |range: &[usize]| -> Vec<PathBuf> { range.iter().map(|&i| names[i].clone()).collect() };
    let mut state = ViewerState::default();
    let effects = state.apply(Command::Open(names.clone()));
    assert_eq!(
        prefetches(&effects),
        [ahead(&[1, 2, 3, 4, 5, 6, 7, 8])],
        "the first frame shown: the next eight"
    );
    let effects = state.apply(Command::SelectFile(6));
    assert_eq!(prefetches(&effects), [ahead(&[7, 8, 9, 10, 11])]);
    let effects = state.apply(Command::PrevFile);
    assert_eq!(
        prefetches(&effects),
        [ahead(&[4, 3, 2, 1, 0])],
        "stepping up: the frames above, nearest first"
    );
    let effects = state.apply(Command::Reload);
    assert_eq!(
        prefetches(&effects),
        [ahead(&[4, 3, 2, 1, 0])],
        "reload keeps the direction"
    );
    let effects = state.apply(Command::NextFile);
    assert_eq!(prefetches(&effects), [ahead(&[7, 8, 9, 10, 11])]);
    let effects = state.apply(Command::SelectFile(11));
    assert_eq!(
        prefetches(&effects),
        [Vec::<PathBuf>::new()],
        "nothing after the last"
    );
}
