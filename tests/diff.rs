//! `exrprobe diff`: the table, the JSON record and the three exit codes, on fixture pairs and
//! on renders whose difference is known.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{exrprobe, fixture};

use std::path::{Path, PathBuf};

use serde_json::Value;

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn diff_json(a: &Path, b: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec![
        "diff".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "--json".as_ref(),
    ];
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    let output = exrprobe(args);
    let value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&output.stdout), text(&output.stderr)));
    (output.status.code(), value)
}

/// Two renders whose depth differs by exactly 0.5 (the colour is the same).
fn depth_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let a = dir.join("a.exr");
    let b = dir.join("b.exr");
    std::fs::write(&a, common::render(40, 30, 10.5, false)).unwrap();
    std::fs::write(&b, common::render(40, 30, 10.0, false)).unwrap();
    (a, b)
}

#[test]
fn a_file_against_itself_is_identical() {
    let file = fixture("blender/multilayer_zip_32.exr");
    let output = exrprobe(["diff".as_ref(), file.as_os_str(), file.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(out.contains("IDENTICAL: 9 channels bit for bit"), "{out}");
    // Depth first, then the colour layer in R G B A order.
    let names: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("channel"))
        .skip(1)
        .take(5)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ViewLayer.Depth.Z",
            "ViewLayer.Combined.R",
            "ViewLayer.Combined.G",
            "ViewLayer.Combined.B",
            "ViewLayer.Combined.A"
        ]
    );
    let (code, record) = diff_json(&file, &file, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(record["verdict"], "identical");
    for channel in record["channels"].as_array().unwrap() {
        assert_eq!(channel["differing"], 0);
        assert_eq!(channel["max_abs"], 0.0);
        assert_eq!(channel["max_abs_at"], Value::Null);
    }
}

#[test]
fn a_known_depth_difference_and_the_tolerances() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = depth_pair(dir.path());
    let (code, record) = diff_json(&a, &b, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(record["verdict"], "different");
    assert_eq!(record["differing_channels"], serde_json::json!(["Z"]));
    let z = &record["channels"][0];
    assert_eq!(z["name"], "Z");
    assert_eq!(z["valid"], 1200);
    assert_eq!(z["differing"], 1200);
    assert_eq!(z["psnr"], Value::Null, "no PSNR for depth");
    // 10.5 + i·0.01 against 10 + i·0.01 in f32: 0.5 up to the rounding of each ramp value.
    let max_abs = z["max_abs"].as_f64().unwrap();
    let mean_abs = z["mean_abs"].as_f64().unwrap();
    assert!((max_abs - 0.5).abs() < 1e-5 && (mean_abs - 0.5).abs() < 1e-5);
    assert_eq!(record["window"]["width"], 40);
    assert_eq!(record["only_in_a"], serde_json::json!([]));

    let (within, record) = diff_json(&a, &b, &["--max-abs", "0.6"]);
    assert_eq!(within, Some(0));
    assert_eq!(record["verdict"], "within_tolerance");
    let (beyond, _) = diff_json(&a, &b, &["--max-abs", "0.4"]);
    assert_eq!(beyond, Some(1));
    // Relative: 0.5 / (10 + ramp) stays below 0.05.
    let (relative, _) = diff_json(&a, &b, &["--max-rel", "0.05"]);
    assert_eq!(relative, Some(0));
    // Only the colour channels: identical.
    let (colour, record) = diff_json(&a, &b, &["--channel", "R", "--channel", "G"]);
    assert_eq!(colour, Some(0));
    assert_eq!(record["channels"].as_array().unwrap().len(), 2);
}

#[test]
fn two_frames_of_a_shot_print_a_table_and_exit_1() {
    let shot = fixture("blender/sequence");
    let output = exrprobe([
        "diff".as_ref(),
        shot.join("beauty.0001.exr").as_os_str(),
        shot.join("beauty.0002.exr").as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(out.contains("channel") && out.contains("max_abs") && out.contains("psnr"));
    assert!(
        out.lines().last().unwrap().starts_with("DIFFERENT: "),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("Z ") && l.ends_with("DIFF")),
        "{out}"
    );
}

#[test]
fn unreadable_files_and_files_without_a_shared_channel_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = depth_pair(dir.path());
    let missing = dir.path().join("missing.exr");
    let output = exrprobe(["diff".as_ref(), a.as_os_str(), missing.as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("missing.exr"));
    // R G B Z against ViewLayer.* names: nothing in common.
    let blender = fixture("blender/multilayer_zip_32.exr");
    let output = exrprobe(["diff".as_ref(), a.as_os_str(), blender.as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output.stderr);
    assert!(err.contains("share no channel"), "{err}");
    // An unknown --channel names the shared ones.
    let (_, b) = depth_pair(dir.path());
    let output = exrprobe([
        "diff".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "--channel".as_ref(),
        "Depth".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("shared: B, G, R, Z"),
        "{}",
        text(&output.stderr)
    );
    // A damaged frame (cut off mid-write) cannot be compared.
    let cut = fixture("blender/sequence/beauty.0007.exr");
    let whole = fixture("blender/sequence/beauty.0008.exr");
    let output = exrprobe(["diff".as_ref(), cut.as_os_str(), whole.as_os_str()]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    assert!(text(&output.stderr).contains("beauty.0007.exr"));
}
