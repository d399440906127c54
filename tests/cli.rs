//! Process-level tests of the `exrprobe` binary on real files in `tests/fixtures/`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{exrprobe, fixture};

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// No panic message, no backtrace: errors are `exrprobe: <message>` lines.
fn assert_clean_stderr(output: &Output) {
    let err = stderr(output);
    assert!(!err.contains("panicked"), "panic in stderr:\n{err}");
    assert!(
        !err.contains("RUST_BACKTRACE"),
        "backtrace hint in stderr:\n{err}"
    );
    for line in err.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.starts_with("exrprobe: "),
            "unexpected stderr line: {line}"
        );
    }
}

/// Copies a fixture into `dir` under `name` and returns the copy's path.
fn copy_fixture(relative: &str, dir: &Path, name: &str) -> PathBuf {
    let target = dir.join(name);
    std::fs::copy(fixture(relative), &target).unwrap();
    target
}

/// Reads a little-endian `.npy` (version 1–3): (descr, shape, raw data bytes).
fn read_npy(bytes: &[u8]) -> (String, Vec<usize>, Vec<u8>) {
    assert_eq!(&bytes[..6], b"\x93NUMPY", "npy magic");
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).unwrap();
    let field = |key: &str| {
        let at = header.find(key).unwrap() + key.len();
        header[at..].trim_start().to_owned()
    };
    let descr = field("'descr':");
    let descr = descr[1..].split('\'').next().unwrap().to_owned();
    assert!(field("'fortran_order':").starts_with("False"));
    let shape_text = field("'shape':");
    let shape_text = &shape_text[1..shape_text.find(')').unwrap()];
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (descr, shape, bytes[start + header_len..].to_vec())
}

fn f32s(data: &[u8]) -> Vec<f32> {
    data.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn info_json(path: &Path) -> Value {
    let output = exrprobe(["info".as_ref(), "--json".as_ref(), path.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_str(stdout(&output).trim()).expect("info --json is one JSON object")
}

#[test]
fn info_reports_the_constant_depth_of_a_compositing_render() {
    let file = fixture("blender/single_zbuf_compositing_on.exr");
    let output = exrprobe(["info".as_ref(), file.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_clean_stderr(&output);
    let text = stdout(&output);
    assert!(text.contains("depth_constant"), "{text}");
    assert!(text.contains("depth: Z"), "{text}");

    let json = info_json(&file);
    assert_eq!(json["depth_channel"], "Z");
    assert!(json["depth_rule"].as_str().is_some_and(|r| !r.is_empty()));
    let names: Vec<&str> = json["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A", "B", "G", "R", "Z"]);
    let z = json["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Z")
        .unwrap();
    assert_eq!(
        (
            z["type"].as_str(),
            z["width"].as_u64(),
            z["height"].as_u64()
        ),
        (Some("float"), Some(320), Some(240))
    );
    assert_eq!(
        (z["min"].as_f64(), z["max"].as_f64(), z["constant"].as_f64()),
        (Some(1.0), Some(1.0), Some(1.0))
    );
    assert_eq!(z["part"], 0);
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "depth_constant")
        .expect("a depth_constant finding");
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["channel"], "Z");
    for key in ["title", "explanation", "fix"] {
        assert!(
            finding[key].as_str().is_some_and(|t| !t.is_empty()),
            "{key}"
        );
    }
    assert_eq!(json["rgb_channels"]["r"], "R");
}

#[test]
fn info_json_prints_f32_statistics_as_their_shortest_text() {
    let output = exrprobe([
        "info".as_ref(),
        "--json".as_ref(),
        fixture("blender/single_zbuf_compositing_off.exr").as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    // The nearest-hit depth, printed as f32 (not the f64 widening 7.212733268737793).
    assert!(text.contains("\"min\":7.212733,"), "{text}");
    let json: Value = serde_json::from_str(text.trim()).unwrap();
    let z = json["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Z")
        .unwrap();
    assert_eq!(z["max"].as_f64(), Some(1e10));
    assert!(z["sentinel"].as_u64().unwrap() > 0);
    assert!(z["constant"].is_null());
}

#[test]
fn info_on_a_multilayer_render_picks_the_depth_pass_not_normal_or_mist() {
    for file in [
        "blender/multilayer_zip_32.exr",
        "blender/multilayer_piz_16.exr",
    ] {
        let json = info_json(&fixture(file));
        assert_eq!(json["depth_channel"], "ViewLayer.Depth.Z", "{file}");
        let rejected: Vec<&str> = json["depth_rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["channel"].as_str().unwrap())
            .collect();
        assert!(
            rejected.contains(&"ViewLayer.Normal.Z"),
            "{file}: {rejected:?}"
        );
        assert!(
            rejected.contains(&"ViewLayer.Mist.Z"),
            "{file}: {rejected:?}"
        );
    }
}

/// The four single Blender renders (not the `sequence/` shot beside them) in a folder of their own.
fn blender_renders() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "multilayer_piz_16.exr",
        "multilayer_zip_32.exr",
        "single_zbuf_compositing_off.exr",
        "single_zbuf_compositing_on.exr",
    ] {
        std::fs::copy(fixture("blender").join(name), dir.path().join(name)).unwrap();
    }
    dir
}

#[test]
fn check_on_the_blender_folder_fails_only_the_compositing_render() {
    let renders = blender_renders();
    let output = exrprobe(["check".as_ref(), renders.path().as_os_str()]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert_clean_stderr(&output);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    // Sorted by path.
    let expected = [
        "multilayer_piz_16.exr",
        "multilayer_zip_32.exr",
        "single_zbuf_compositing_off.exr",
        "single_zbuf_compositing_on.exr",
    ];
    for (line, name) in lines.iter().zip(expected) {
        let path = renders.path().join(name);
        assert!(line.contains(&path.display().to_string()), "{line}");
        let status = line.split_whitespace().next().unwrap();
        if name == "single_zbuf_compositing_on.exr" {
            assert_eq!(status, "FAIL", "{line}");
        } else {
            assert!(status == "OK" || status == "WARN", "{line}");
        }
    }
    // The top finding's title follows the path.
    assert!(
        lines[3].contains(".exr: Depth channel Z is"),
        "{}",
        lines[3]
    );
    assert!(lines[4].starts_with("4 files: "), "{}", lines[4]);
    assert!(lines[4].ends_with("1 FAIL, 0 ERROR"), "{}", lines[4]);
}

#[test]
fn check_reports_an_unreadable_file_with_exit_2_and_still_checks_the_others() {
    let damaged = fixture(
        "openexr-images/Damaged/asan_heap-oob_7f54ed80df53_321_19490ab1841d3854eec557f3c23d0db0_exr",
    );
    let missing = fixture("blender/no_such_file.exr");
    let renders = blender_renders();
    let output = exrprobe([
        "check".as_ref(),
        "--json".as_ref(),
        renders.path().as_os_str(),
        damaged.as_os_str(),
        missing.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert_clean_stderr(&output);
    let records: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(records.len(), 6);
    let status_of = |path: &Path| {
        let record = records
            .iter()
            .find(|r| r["path"] == path.display().to_string().as_str())
            .unwrap_or_else(|| panic!("no record for {}", path.display()));
        record["status"].as_str().unwrap().to_owned()
    };
    assert_eq!(status_of(&damaged), "ERROR");
    assert_eq!(status_of(&missing), "ERROR");
    assert_eq!(
        status_of(&renders.path().join("single_zbuf_compositing_on.exr")),
        "FAIL"
    );
    let errors: Vec<&Value> = records.iter().filter(|r| r["status"] == "ERROR").collect();
    for record in errors {
        let message = record["error"].as_str().unwrap();
        assert!(
            message.ends_with(record["path"].as_str().unwrap()),
            "{message}"
        );
    }
    let fail = records.iter().find(|r| r["status"] == "FAIL").unwrap();
    assert_eq!(fail["findings"][0]["code"], "depth_constant");
    assert_eq!(fail["depth_channel"], "Z");
}

#[test]
fn check_rejects_every_damaged_file_cleanly() {
    let mut damaged: Vec<PathBuf> = std::fs::read_dir(fixture("openexr-images/Damaged"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    damaged.sort();
    assert!(damaged.len() > 50);
    let mut args = vec!["check".into(), "--json".into()];
    args.extend(damaged.iter().map(|p| p.clone().into_os_string()));
    let output = exrprobe(args);
    assert_eq!(output.status.code(), Some(2));
    assert_clean_stderr(&output);
    let records: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let paths: Vec<String> = records
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(paths, expected);
    for record in &records {
        // A damaged deep file whose structure is sound loads as header + channel list (we do not
        // decode deep pixels); it must then say that its pixels were not decoded.
        if record["status"] == "WARN" {
            let codes: Vec<&str> = record["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["code"].as_str().unwrap())
                .collect();
            assert!(codes.contains(&"pixels_not_decoded"), "{record}");
            continue;
        }
        assert_eq!(record["status"], "ERROR", "{record}");
        let message = record["error"].as_str().unwrap();
        assert!(
            message.ends_with(record["path"].as_str().unwrap()),
            "{message}"
        );
    }
}

#[test]
fn check_on_a_folder_without_exr_files_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"no renders").unwrap();
    let output = exrprobe(["check".as_ref(), dir.path().as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    let text = stdout(&output);
    assert!(text.starts_with("ERROR "), "{text}");
    assert!(text.contains("no .exr files"), "{text}");
}

#[test]
fn export_writes_depth_beside_the_file_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let file = copy_fixture(
        "blender/single_zbuf_compositing_off.exr",
        dir.path(),
        "frame_0001.exr",
    );
    let output = exrprobe(["export".as_ref(), file.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let written = dir.path().join("frame_0001.depth.npy");
    assert_eq!(stdout(&output).trim(), written.display().to_string());
    let bytes = std::fs::read(&written).unwrap();
    let (descr, shape, data) = read_npy(&bytes);
    assert_eq!((descr.as_str(), shape), ("<f4", vec![240, 320]));
    let depth = f32s(&data);
    let min = depth.iter().copied().fold(f32::INFINITY, f32::min);
    let max = depth.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    assert_eq!((min.to_string().as_str(), max), ("7.212733", 1e10));

    // A second export without --force is refused and leaves the file as it was.
    let modified = std::fs::metadata(&written).unwrap().modified().unwrap();
    let output = exrprobe(["export".as_ref(), file.as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    assert_clean_stderr(&output);
    let err = stderr(&output);
    assert!(err.contains("exists already"), "{err}");
    assert!(
        err.trim_end().ends_with(&written.display().to_string()),
        "{err}"
    );
    assert_eq!(std::fs::read(&written).unwrap(), bytes);
    assert_eq!(
        std::fs::metadata(&written).unwrap().modified().unwrap(),
        modified
    );

    let output = exrprobe(["export".as_ref(), file.as_os_str(), "--force".as_ref()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(std::fs::read(&written).unwrap(), bytes);

    // --all writes every channel into one .npz.
    let output = exrprobe(["export".as_ref(), file.as_os_str(), "--all".as_ref()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let npz_path = dir.path().join("frame_0001.npz");
    assert_eq!(stdout(&output).trim(), npz_path.display().to_string());
    let mut npz = npyz::npz::NpzArchive::open(&npz_path).unwrap();
    let mut names: Vec<String> = npz.array_names().map(str::to_owned).collect();
    names.sort();
    assert_eq!(names, ["A", "B", "G", "R", "Z"]);
    let z: Vec<f32> = npz.by_name("Z").unwrap().unwrap().into_vec().unwrap();
    assert_eq!(
        z.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        depth.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );

    // Only the exported files and the input: no temporary files left behind.
    let mut entries: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        ["frame_0001.depth.npy", "frame_0001.exr", "frame_0001.npz"]
    );
}

#[test]
fn export_of_a_multilayer_render_takes_the_depth_pass_in_its_native_type() {
    let dir = tempfile::tempdir().unwrap();
    let file = copy_fixture("blender/multilayer_piz_16.exr", dir.path(), "shot.exr");
    let output = exrprobe([
        "export".as_ref(),
        file.as_os_str(),
        "--dtype".as_ref(),
        "native".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (descr, shape, depth) =
        read_npy(&std::fs::read(dir.path().join("shot.depth.npy")).unwrap());
    // Blender keeps Depth as 32-bit float even in a half-float render.
    assert_eq!((descr.as_str(), shape), ("<f4", vec![240, 320]));

    let output = exrprobe([
        "export".as_ref(),
        file.as_os_str(),
        "--channel".as_ref(),
        "ViewLayer.Depth.Z".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let explicit = dir.path().join("shot.ViewLayer.Depth.Z.npy");
    assert_eq!(stdout(&output).trim(), explicit.display().to_string());
    assert_eq!(read_npy(&std::fs::read(&explicit).unwrap()).2, depth);

    let out = dir.path().join("all.npz");
    let output = exrprobe([
        "export".as_ref(),
        file.as_os_str(),
        "--all".as_ref(),
        "--dtype".as_ref(),
        "native".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut npz = npyz::npz::NpzArchive::open(&out).unwrap();
    {
        let red = npz.by_name("ViewLayer.Combined.R").unwrap().unwrap();
        assert_eq!(red.header().dtype().descr(), "'<f2'");
        assert_eq!(red.shape(), [240, 320]);
    }
    let z: Vec<f32> = npz
        .by_name("ViewLayer.Depth.Z")
        .unwrap()
        .unwrap()
        .into_vec()
        .unwrap();
    assert_eq!(z, f32s(&depth));
}

/// Exporting one channel decodes only that channel: a memory budget too small for the whole
/// file but enough for the depth pass suffices, and the values are those of a full decode.
#[test]
fn export_of_one_channel_needs_memory_for_that_channel_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = copy_fixture("blender/multilayer_zip_32.exr", dir.path(), "shot.exr");
    // 320×240 float depth: 307,200 bytes, and a ZIP block of 16 rows of all 9 channels
    // (184,320 bytes, compressed and inflated) in flight; the whole file decodes to 2.7 MB.
    let output = exrprobe([
        "export".as_ref(),
        file.as_os_str(),
        "--memory-budget".as_ref(),
        "700K".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (descr, shape, depth) =
        read_npy(&std::fs::read(dir.path().join("shot.depth.npy")).unwrap());
    assert_eq!((descr.as_str(), shape), ("<f4", vec![240, 320]));

    let output = exrprobe([
        "export".as_ref(),
        file.as_os_str(),
        "--all".as_ref(),
        "--memory-budget".as_ref(),
        "400K".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("memory budget"),
        "{}",
        stderr(&output)
    );

    let output = exrprobe(["export".as_ref(), file.as_os_str(), "--all".as_ref()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut npz = npyz::npz::NpzArchive::open(dir.path().join("shot.npz")).unwrap();
    let z: Vec<f32> = npz
        .by_name("ViewLayer.Depth.Z")
        .unwrap()
        .unwrap()
        .into_vec()
        .unwrap();
    assert_eq!(
        z.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        f32s(&depth).iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn export_without_a_depth_channel_lists_the_channels() {
    let dir = tempfile::tempdir().unwrap();
    let file = copy_fixture(
        "openexr-images/TestImages/GrayRampsHorizontal.exr",
        dir.path(),
        "ramp.exr",
    );
    let output = exrprobe(["export".as_ref(), file.as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    assert_clean_stderr(&output);
    let err = stderr(&output);
    assert!(err.contains("no depth channel"), "{err}");
    assert!(err.contains("channels: Y"), "{err}");
    assert!(
        err.trim_end().ends_with(&file.display().to_string()),
        "{err}"
    );

    let output = exrprobe([
        "export".as_ref(),
        file.as_os_str(),
        "--channel".as_ref(),
        "Q".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no channel named \"Q\" (channels: Y)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn missing_file_is_a_clean_error_ending_with_the_path() {
    let missing = fixture("blender/missing.exr");
    for command in ["info", "export"] {
        let output = exrprobe([command.as_ref(), missing.as_os_str()]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert_clean_stderr(&output);
        let err = stderr(&output);
        assert!(
            err.trim_end().ends_with(&missing.display().to_string()),
            "{command}: {err}"
        );
    }
}

#[test]
fn check_memory_budget_refuses_big_files_and_decodes_a_file_over_a_worker_share_alone() {
    let renders = blender_renders();
    // Far too small: every file is refused before decoding, with a hint how to raise it.
    let output = exrprobe([
        "check".as_ref(),
        "--json".as_ref(),
        "--memory-budget".as_ref(),
        "64k".as_ref(),
        renders.path().as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_clean_stderr(&output);
    let records: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 4);
    for record in &records {
        assert_eq!(record["status"], "ERROR", "{record}");
        assert!(
            record["error"]
                .as_str()
                .unwrap()
                .contains("--memory-budget"),
            "{record}"
        );
    }

    // The 32-bit multilayer render needs about 3.2 MiB (9 × 320 × 240 × 4 bytes and the
    // loader's working memory): more than a worker's share of 4 MiB on a machine with two or
    // more cores, but within the whole budget, so it is checked alone instead of failing.
    let output = exrprobe([
        "check".as_ref(),
        "--memory-budget".as_ref(),
        "4M".as_ref(),
        renders.path().as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).ends_with("4 files: 3 OK, 0 WARN, 1 FAIL, 0 ERROR\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn info_reports_an_unreadable_file_and_still_describes_the_others() {
    let missing = fixture("blender/missing.exr");
    let good = fixture("blender/single_zbuf_compositing_off.exr");
    let output = exrprobe([
        "info".as_ref(),
        "--json".as_ref(),
        missing.as_os_str(),
        good.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_clean_stderr(&output);
    assert!(
        stderr(&output)
            .trim_end()
            .ends_with(&missing.display().to_string())
    );
    let records: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["path"], good.display().to_string().as_str());
    assert_eq!(records[0]["depth_channel"], "Z");
}

/// A 10-part file cut short (what a multi-part render leaves when its job dies) used to pass
/// `check` as WARN and let `export --all` write the few channels it could without a word. Cut at
/// 95 %, two parts still read and eight do not.
#[test]
fn a_cut_off_multi_part_file_fails_and_export_all_refuses_unless_partial() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("openexr-images/Beachball/multipart.0001.exr")).unwrap();
    let cut = dir.path().join("multipart.0001.exr");
    std::fs::write(&cut, &bytes[..bytes.len() * 95 / 100]).unwrap();
    let file = std::fs::File::options().write(true).open(&cut).unwrap();
    file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();

    let output = exrprobe(["check".as_ref(), "--json".as_ref(), cut.as_os_str()]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let record: Value = serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
    assert_eq!(record["status"], "FAIL", "{record}");
    assert_eq!(
        record["findings"][0]["code"], "pixels_unreadable",
        "{record}"
    );

    let npz = dir.path().join("all.npz");
    let output = exrprobe([
        "export".as_ref(),
        cut.as_os_str(),
        "--all".as_ref(),
        "-o".as_ref(),
        npz.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--partial writes the others"),
        "{}",
        stderr(&output)
    );
    assert!(!npz.exists(), "nothing written");

    let output = exrprobe([
        "export".as_ref(),
        cut.as_os_str(),
        "--all".as_ref(),
        "--partial".as_ref(),
        "-o".as_ref(),
        npz.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("left out part"),
        "{}",
        stderr(&output)
    );
    assert!(npz.exists());
}

/// A tiled mip-mapped file cut inside its smaller levels used to get the same report as the
/// intact file (only the largest level is decoded); the missing blocks are an error now.
#[test]
fn a_mip_mapped_file_cut_inside_its_smaller_levels_fails() {
    let dir = tempfile::tempdir().unwrap();
    let source = fixture("openexr-images/MultiResolution/ColorCodedLevels.exr");
    let bytes = std::fs::read(&source).unwrap();
    let cut = dir.path().join("levels.exr");
    std::fs::write(&cut, &bytes[..bytes.len() * 9 / 10]).unwrap();
    let file = std::fs::File::options().write(true).open(&cut).unwrap();
    file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    let record = |path: &Path| -> (Option<i32>, Value) {
        let output = exrprobe(["check".as_ref(), "--json".as_ref(), path.as_os_str()]);
        let record = serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
        (output.status.code(), record)
    };
    let (code, cut_record) = record(&cut);
    assert_eq!(code, Some(1), "{cut_record}");
    assert_eq!(cut_record["status"], "FAIL");
    assert_eq!(cut_record["findings"][0]["code"], "level_blocks_missing");
    let (code, intact) = record(&source);
    assert_eq!(code, Some(0), "{intact}");
    let codes: Vec<&str> = intact["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"level_blocks_missing"), "{codes:?}");
}
