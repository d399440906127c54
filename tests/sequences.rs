//! `check` on render folders: frames grouped into sequences, shot-level findings, the `SEQ` line,
//! the JSON sequence record and the exit code, on the real Blender shot and on synthetic shots.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use serde_json::Value;

mod common;
use common::render;

fn exrprobe(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exrprobe"))
        .args(args)
        .output()
        .expect("run exrprobe")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Dates a file an hour back: a file that changed a moment ago and does not read counts as
/// still being written.
fn backdate(path: &Path) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

/// The real Blender shot, copied into `dir/name` and backdated.
fn blender_shot(dir: &Path, name: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blender/sequence");
    let shot = dir.join(name);
    std::fs::create_dir(&shot).unwrap();
    for entry in std::fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        let target = shot.join(entry.file_name());
        std::fs::copy(entry.path(), &target).unwrap();
        backdate(&target);
    }
    shot
}

/// `shot010/beauty.0101.exr` … `0112`: frame 109 missing, 105–106 constant depth (the trap),
/// 107 of another size, 111 cut off (all backdated); `cut` false leaves 111 whole.
fn synthetic_shot(dir: &Path, cut: bool) -> PathBuf {
    let shot = dir.join("shot010");
    std::fs::create_dir(&shot).unwrap();
    for frame in (101..=112).filter(|&f| f != 109) {
        let (width, height) = if frame == 107 { (24, 12) } else { (32, 16) };
        let mut bytes = render(width, height, frame as f32, (105..=106).contains(&frame));
        if cut && frame == 111 {
            bytes.truncate(bytes.len() / 2);
        }
        let path = shot.join(format!("beauty.{frame:04}.exr"));
        std::fs::write(&path, bytes).unwrap();
        backdate(&path);
    }
    shot
}

fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_real_blender_shot_reports_its_gap_its_trap_frame_and_its_cut_off_frame() {
    let dir = tempfile::tempdir().unwrap();
    let shot = blender_shot(dir.path(), "sequence");
    let output = exrprobe(&["check".as_ref(), shot.as_os_str()]);
    assert_eq!(output.status.code(), Some(2), "frame 7 cannot be read");
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[3].starts_with("FAIL    "), "{text}");
    assert!(lines[5].starts_with("ERROR   "), "{text}");
    assert!(lines[5].contains("beauty.0007.exr"), "{text}");
    assert_eq!(
        lines[7],
        "SEQ     sequence/beauty.####.exr  1–8  7 frames  1 missing (6)  1 FAIL (4)  1 ERROR (7)"
    );
    assert_eq!(
        lines[8],
        "7 files: 5 OK, 0 WARN, 1 FAIL, 1 ERROR; 1 sequence with 1 frame missing"
    );

    let output = exrprobe(&["check".as_ref(), "--json".as_ref(), shot.as_os_str()]);
    let records = json_lines(&output);
    assert_eq!(records.len(), 8, "7 files and 1 sequence");
    let sequence = &records[7];
    assert_eq!(sequence["sequence"], "sequence/beauty.####.exr");
    assert_eq!(sequence["first"], 1);
    assert_eq!(sequence["last"], 8);
    assert_eq!(sequence["count"], 7);
    assert_eq!(sequence["missing"], serde_json::json!([6]));
    assert_eq!(sequence["status"]["OK"], 5);
    assert_eq!(sequence["status"]["FAIL"], 1);
    assert_eq!(sequence["status"]["ERROR"], 1);
    let codes: Vec<&str> = sequence["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "sequence_unreadable",
            "sequence_depth_constant",
            "sequence_gap"
        ]
    );
}

#[test]
fn a_synthetic_shot_reports_every_kind_of_bad_frame() {
    let dir = tempfile::tempdir().unwrap();
    let shot = synthetic_shot(dir.path(), true);
    let output = exrprobe(&["check".as_ref(), shot.as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    let text = stdout(&output);
    let seq = text
        .lines()
        .find(|l| l.starts_with("SEQ"))
        .expect("a SEQ line");
    assert_eq!(
        seq,
        "SEQ     shot010/beauty.####.exr  101–112  11 frames  1 missing (109)  2 FAIL (105–106)  1 ERROR (111)"
    );
    // Frames print in frame order, each once.
    let frames: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("SEQ"))
        .filter_map(|l| l.split("beauty.").nth(1))
        .collect();
    assert_eq!(frames.len(), 11);
    assert!(frames.windows(2).all(|w| w[0] < w[1]), "{frames:?}");

    let output = exrprobe(&["check".as_ref(), "--json".as_ref(), shot.as_os_str()]);
    let records = json_lines(&output);
    let sequence = records.last().unwrap();
    let findings = sequence["findings"].as_array().unwrap();
    let titles: Vec<&str> = findings
        .iter()
        .map(|f| f["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "frame 111 of shot010/beauty.####.exr cannot be read",
            "frames 105–106 of shot010/beauty.####.exr have constant depth",
            "frame 109 missing from shot010/beauty.####.exr (101–112)",
            "frame 107 of shot010/beauty.####.exr differs from the other frames",
        ]
    );
    assert_eq!(findings[3]["code"], "sequence_mismatch");
}

#[test]
fn a_missing_frame_alone_fails_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("shot");
    std::fs::create_dir(&shot).unwrap();
    for frame in [1, 2, 4] {
        let path = shot.join(format!("render{frame}.exr"));
        std::fs::write(&path, render(8, 4, 3.0, false)).unwrap();
    }
    let output = exrprobe(&["check".as_ref(), shot.as_os_str()]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("SEQ     shot/render#.exr  1–4  3 frames  1 missing (3)"),
        "{}",
        stdout(&output)
    );
    // Without the gap the same frames pass.
    std::fs::write(shot.join("render3.exr"), render(8, 4, 3.0, false)).unwrap();
    let output = exrprobe(&["check".as_ref(), shot.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

/// `check --watch` beside a render: a frame present at the start is reported at once; a frame
/// written slowly, in chunks, is reported once, complete (never as damaged or being written);
/// a frame rewritten later is checked again; the idle timeout ends it with the SEQ line and the
/// summary of the latest results.
#[test]
fn watch_reports_each_frame_once_it_is_complete_and_rechecks_rewritten_frames() {
    use std::io::{BufRead as _, Write as _};
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("shot");
    std::fs::create_dir(&shot).unwrap();
    let first = shot.join("beauty.0001.exr");
    std::fs::write(&first, render(32, 16, 1.0, false)).unwrap();
    backdate(&first);
    let mut child = Command::new(env!("CARGO_BIN_EXE_exrprobe"))
        .args(["check".as_ref(), "--watch".as_ref(), shot.as_os_str()])
        .args(["--watch-timeout", "4"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first_line = lines.next().unwrap().unwrap();
    assert!(first_line.starts_with("OK      "), "{first_line}");
    assert!(first_line.contains("beauty.0001.exr"), "{first_line}");

    // Frame 2, written in four chunks a moment apart, as a renderer writes it.
    let second = shot.join("beauty.0002.exr");
    let bytes = render(32, 16, 2.0, false);
    let mut file = std::fs::File::create(&second).unwrap();
    for chunk in bytes.chunks(bytes.len().div_ceil(4)) {
        file.write_all(chunk).unwrap();
        file.flush().unwrap();
        std::thread::sleep(Duration::from_millis(400));
    }
    drop(file);
    let line = lines.next().unwrap().unwrap();
    assert!(
        line.starts_with("OK      ") && line.contains("beauty.0002.exr"),
        "{line}"
    );
    // Rewritten with the constant-depth trap: checked again.
    std::fs::write(&second, render(32, 16, 1.0, true)).unwrap();
    let line = lines.next().unwrap().unwrap();
    assert!(
        line.starts_with("FAIL    ") && line.contains("beauty.0002.exr"),
        "{line}"
    );
    // Idle: the sequence and the summary, over the latest results.
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    assert_eq!(
        rest,
        [
            "SEQ     shot/beauty.####.exr  1–2  2 frames  1 FAIL (2)",
            "2 files: 1 OK, 0 WARN, 1 FAIL, 0 ERROR; 1 sequence",
        ]
    );
    assert_eq!(status.code(), Some(1));
}
