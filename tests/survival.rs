//! Process-level survival tests: whatever a user points `exrprobe` at (not an EXR, an unreadable
//! path, a render still being written, odd images, odd names, a file above the memory budget),
//! the binary ends with a clear one-line message that ends with the path, the documented exit
//! code, and no panic.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{exrprobe, fixture};

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use exr::prelude::{
    AnyChannel, AnyChannels, Blocks, Compression, Encoding, FlatSamples, Image as ExrImage, Layer,
    LayerAttributes, LineOrder, SmallVec, Text, WritableImage, f16,
};
use serde_json::Value;

/// Exit code when a file could not be read.
const EXIT_UNREADABLE: i32 = 2;

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// `info` on one unreadable file: exit 2, nothing on stdout, one `exrprobe: …` line on stderr
/// that ends with the path. Returns that line.
fn assert_refused(path: &Path, extra_args: &[&str]) -> String {
    let mut args: Vec<std::ffi::OsString> = vec!["info".into()];
    args.extend(extra_args.iter().map(Into::into));
    args.push(path.into());
    let output = exrprobe(args);
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(EXIT_UNREADABLE),
        "{}: stdout {}\nstderr {err}",
        path.display(),
        stdout(&output)
    );
    assert!(!err.contains("panicked"), "panic in stderr:\n{err}");
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one message line expected:\n{err}");
    let line = lines[0];
    assert!(line.starts_with("exrprobe: "), "{line}");
    assert!(
        line.ends_with(&path.display().to_string()),
        "message must end with the path: {line}"
    );
    line.to_owned()
}

/// An EXR written by the exr crate: one part, the given channels over `width × height`.
fn exr_bytes(
    width: usize,
    height: usize,
    channels: Vec<(Text, FlatSamples)>,
    compression: Compression,
) -> Vec<u8> {
    let list: SmallVec<[AnyChannel<FlatSamples>; 4]> = channels
        .into_iter()
        .map(|(name, samples)| AnyChannel::new(name, samples))
        .collect();
    let layer = Layer::new(
        (width, height),
        LayerAttributes::default(),
        Encoding {
            compression,
            blocks: Blocks::ScanLines,
            line_order: LineOrder::Increasing,
        },
        AnyChannels::sort(list),
    );
    let mut bytes = Vec::new();
    ExrImage::from_layer(layer)
        .write()
        .to_buffered(Cursor::new(&mut bytes))
        .unwrap();
    bytes
}

/// A channel name as OpenEXR writes it: UTF-8 bytes (the exr crate's `From<&str>` only takes
/// Latin-1).
fn name(text: &str) -> Text {
    Text::from_slice_unchecked(text.as_bytes())
}

fn info_json(path: &Path) -> Value {
    let output = exrprobe(["info".as_ref(), "--json".as_ref(), path.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    serde_json::from_str(stdout(&output).trim()).unwrap()
}

/// The channel record named `name` in an `info --json` record.
fn channel<'a>(record: &'a Value, name: &str) -> &'a Value {
    let channels = record["channels"].as_array().expect("channels array");
    channels
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no channel {name} in {record}"))
}

#[test]
fn files_that_are_not_exr_are_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    // A real PNG (1×1 grey), a text file, an empty file.
    let png = dir.path().join("photo.png");
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, 1, 1);
        encoder.set_color(png::ColorType::Grayscale);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[128]).unwrap();
    }
    std::fs::write(&png, &png_bytes).unwrap();
    let text = dir.path().join("notes.exr");
    std::fs::write(&text, "render notes: frame 12 looks odd\n").unwrap();
    let empty = dir.path().join("empty.exr");
    std::fs::write(&empty, b"").unwrap();
    // Only the magic number, then nothing: the smallest "render still being written".
    let magic_only = dir.path().join("magic_only.exr");
    std::fs::write(&magic_only, [0x76, 0x2f, 0x31, 0x01]).unwrap();

    for (path, wanted) in [
        (&png, "not a valid OpenEXR file"),
        (&text, "not a valid OpenEXR file"),
        (&empty, "not a valid OpenEXR file"),
        (&magic_only, "not a valid OpenEXR file"),
    ] {
        let line = assert_refused(path, &[]);
        assert!(line.contains(wanted), "{line}");
    }
}

#[test]
fn unreadable_paths_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("renders");
    std::fs::create_dir(&folder).unwrap();
    let line = assert_refused(&folder, &[]);
    assert!(
        line.contains("cannot read the file (is a directory)"),
        "{line}"
    );

    let missing = dir.path().join("gone.exr");
    let line = assert_refused(&missing, &[]);
    assert!(line.contains("No such file"), "{line}");

    #[cfg(unix)]
    {
        let dangling = dir.path().join("latest.exr");
        std::os::unix::fs::symlink(dir.path().join("deleted_render.exr"), &dangling).unwrap();
        let line = assert_refused(&dangling, &[]);
        assert!(line.contains("No such file"), "{line}");

        // No read permission (root reads anything, so only check the message when refused).
        use std::os::unix::fs::PermissionsExt as _;
        let locked = dir.path().join("locked.exr");
        std::fs::copy(fixture("openexr-images/TestImages/stripes.exr"), &locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::File::open(&locked).is_err() {
            let line = assert_refused(&locked, &[]);
            assert!(line.contains("Permission denied"), "{line}");
        }
    }

    // `check` goes on after each of them, one ERROR line each, exit 2.
    let output = exrprobe([
        "check".as_ref(),
        "--json".as_ref(),
        missing.as_os_str(),
        fixture("openexr-images/TestImages/stripes.exr").as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(EXIT_UNREADABLE));
    assert!(!stderr(&output).contains("panicked"));
    // Records come sorted by path, and where the temporary folder sorts against the fixtures
    // depends on the machine, so match them by path.
    let records: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    let status_of = |name: &str| {
        let record = records
            .iter()
            .find(|r| r["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .unwrap_or_else(|| panic!("no record for {name}: {records:?}"));
        record["status"].as_str().unwrap().to_owned()
    };
    assert_eq!(status_of("gone.exr"), "ERROR");
    assert_ne!(status_of("stripes.exr"), "ERROR");
}

/// Where each block of a single-part file starts: its offset table, right after the header.
fn block_offsets(bytes: &[u8]) -> (usize, Vec<usize>) {
    let mut cursor = Cursor::new(bytes);
    let meta = exr::meta::MetaData::read_from_buffered(&mut cursor, false).unwrap();
    let header_end = cursor.position() as usize;
    let count = meta.headers[0].chunk_count;
    let offsets = (0..count)
        .map(|i| {
            let at = header_end + 8 * i;
            u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize
        })
        .collect();
    (header_end, offsets)
}

/// `check --json` on `paths`: its exit code and the file records (not the sequence records).
/// `check --json` of `paths`, with files that changed in the last ten minutes taken as being
/// written (`EXRPROBE_SETTLE_SECS`): on a loaded machine the check of files a test has just
/// written may start more than the default three seconds later.
fn check_records(paths: &[PathBuf]) -> (Option<i32>, Vec<Value>) {
    let binary = std::env::var_os("EXRPROBE_TEST_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_exrprobe").into());
    let output = Command::new(binary)
        .args(["check", "--json"])
        .args(paths)
        .env("EXRPROBE_SETTLE_SECS", "600")
        .output()
        .unwrap();
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    let records = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|record| record.get("path").is_some())
        .collect();
    (output.status.code(), records)
}

/// A name without digits (so the cut copies do not form a frame sequence): `a`, `b`, …, `ba`.
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_file_cut_off_at_any_block_boundary_is_refused_unless_it_is_still_being_written() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("blender/multilayer_zip_32.exr")).unwrap();
    let (header_end, offsets) = block_offsets(&bytes);
    assert!(offsets.len() >= 10, "{offsets:?}");
    // Cut inside the header, at its end, inside the offset table, at every block start, in the
    // middle of every block, and one byte before the end.
    let mut cuts: Vec<usize> = vec![8, header_end / 2, header_end, header_end + 4];
    for (i, &offset) in offsets.iter().enumerate() {
        cuts.push(offset);
        let next = offsets.get(i + 1).copied().unwrap_or(bytes.len());
        cuts.push((offset + next) / 2);
    }
    cuts.push(bytes.len() - 1);
    cuts.sort_unstable();
    cuts.dedup();
    let paths: Vec<PathBuf> = cuts
        .iter()
        .map(|&cut| {
            let path = dir.path().join(format!("cut_{}.exr", letters(cut)));
            std::fs::write(&path, &bytes[..cut]).unwrap();
            path
        })
        .collect();
    // Just written: a renderer may still be writing them. Reported as such, not as damaged.
    let (code, records) = check_records(&paths);
    assert_eq!(records.len(), paths.len());
    for record in &records {
        assert_eq!(record["status"], "WRITING", "{record}");
    }
    assert_eq!(
        code,
        Some(0),
        "a frame being written is no failure on its own"
    );
    // An hour later they are damaged files.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for path in &paths {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(an_hour_ago).unwrap();
    }
    let (code, records) = check_records(&paths);
    assert_eq!(code, Some(EXIT_UNREADABLE));
    assert_eq!(records.len(), paths.len());
    for path in &paths {
        let record = records
            .iter()
            .find(|r| r["path"] == path.display().to_string().as_str())
            .unwrap_or_else(|| panic!("no record of {}", path.display()));
        assert_eq!(record["status"], "ERROR", "{record}");
        let message = record["error"].as_str().unwrap();
        assert!(message.ends_with(&path.display().to_string()), "{message}");
        // Cut after the header: the loader knows the file ends early.
        let cut = std::fs::metadata(path).unwrap().len() as usize;
        if cut >= header_end {
            assert!(message.contains("truncated"), "{message}");
        }
    }
    // Each truncated copy alone through `info`, too (the viewer's and info's code path).
    for path in paths.iter().step_by(7) {
        assert_refused(path, &[]);
    }
}

#[test]
fn one_pixel_and_non_finite_channels_load_with_their_counts() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one pixel.exr");
    std::fs::write(
        &one,
        exr_bytes(
            1,
            1,
            vec![(name("Z"), FlatSamples::F32(vec![4.5]))],
            Compression::Uncompressed,
        ),
    )
    .unwrap();
    let record = info_json(&one);
    let z = channel(&record, "Z");
    assert_eq!(
        (z["width"].as_u64(), z["height"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(z["min"], 4.5, "{z}");
    assert_eq!(z["constant"], 4.5, "{z}");

    let n = 16 * 8;
    let special = dir.path().join("special.exr");
    std::fs::write(
        &special,
        exr_bytes(
            16,
            8,
            vec![
                (name("Z"), FlatSamples::F32(vec![f32::NAN; n])),
                (name("R"), FlatSamples::F32(vec![f32::INFINITY; n])),
                (name("G"), FlatSamples::F16(vec![f16::NEG_INFINITY; n])),
                (name("B"), FlatSamples::F16(vec![f16::NAN; n])),
            ],
            Compression::ZIP16,
        ),
    )
    .unwrap();
    let record = info_json(&special);
    assert_eq!(channel(&record, "Z")["nan"], n, "{record}");
    assert_eq!(channel(&record, "R")["pos_inf"], n, "{record}");
    assert_eq!(channel(&record, "G")["neg_inf"], n, "{record}");
    assert_eq!(channel(&record, "B")["nan"], n, "{record}");
    // `check` flags the NaN depth and still exits normally (1: an error-level finding).
    let output = exrprobe(["check".as_ref(), special.as_os_str()]);
    assert!(!stderr(&output).contains("panicked"));
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
}

/// A minimal scan-line header with an empty channel list and a 1×1 data window, followed by the
/// offset table of its one block (pointing just past the table, to an empty chunk).
fn zero_channel_exr() -> Vec<u8> {
    let mut b: Vec<u8> = vec![0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0];
    let mut attribute = |name: &str, kind: &str, value: &[u8]| {
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        b.extend_from_slice(kind.as_bytes());
        b.push(0);
        b.extend_from_slice(&(value.len() as i32).to_le_bytes());
        b.extend_from_slice(value);
    };
    let window: Vec<u8> = [0i32, 0, 0, 0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    attribute("channels", "chlist", &[0]);
    attribute("compression", "compression", &[0]);
    attribute("dataWindow", "box2i", &window);
    attribute("displayWindow", "box2i", &window);
    attribute("lineOrder", "lineOrder", &[0]);
    attribute("pixelAspectRatio", "float", &1f32.to_le_bytes());
    attribute("screenWindowCenter", "v2f", &[0; 8]);
    attribute("screenWindowWidth", "float", &1f32.to_le_bytes());
    b.push(0);
    let chunk_at = b.len() as u64 + 8;
    b.extend_from_slice(&chunk_at.to_le_bytes());
    b.extend_from_slice(&0i32.to_le_bytes()); // y
    b.extend_from_slice(&0i32.to_le_bytes()); // data size
    b
}

#[test]
fn a_file_without_channels_is_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no channels.exr");
    std::fs::write(&path, zero_channel_exr()).unwrap();
    // OpenEXR requires at least one channel; the exr crate refuses the header.
    let line = assert_refused(&path, &[]);
    assert!(line.contains("not a valid OpenEXR file"), "{line}");
    assert!(line.contains("channel"), "{line}");
}

#[test]
fn names_with_spaces_and_non_ascii_characters_work_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("Rendus d'été 2026");
    std::fs::create_dir(&folder).unwrap();
    let path = folder.join("Szene 01 – Tiefe ü.exr");
    let depth: Vec<f32> = (0..12 * 9).map(|i| 1.0 + i as f32 * 0.5).collect();
    std::fs::write(
        &path,
        exr_bytes(
            12,
            9,
            vec![
                (name("Tiefe Ω.Z"), FlatSamples::F32(depth.clone())),
                (name("Farbe é.R"), FlatSamples::F16(vec![f16::ONE; 12 * 9])),
            ],
            Compression::ZIP1,
        ),
    )
    .unwrap();
    let record = info_json(&path);
    assert_eq!(record["path"], path.display().to_string().as_str());
    let z = channel(&record, "Tiefe Ω.Z");
    assert_eq!(z["max"], 54.5, "{z}");

    let out = folder.join("Ausgabe ü").join("tiefe ω.npy");
    std::fs::create_dir(out.parent().unwrap()).unwrap();
    let output = exrprobe([
        "export".as_ref(),
        path.as_os_str(),
        "--channel".as_ref(),
        "Tiefe Ω.Z".as_ref(),
        "--output".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let npy = npyz::NpyFile::new(std::fs::File::open(&out).unwrap()).unwrap();
    assert_eq!(npy.shape(), &[9, 12]);
    let values: Vec<f32> = npy.into_vec().unwrap();
    assert_eq!(values, depth);
}

#[test]
fn a_valid_file_above_the_memory_budget_is_refused_with_both_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big render.exr");
    // 2048 × 2048 × 2 float channels = 32 MiB decoded (16 MiB of depth); constant, so tiny on
    // disk.
    let n = 2048 * 2048;
    std::fs::write(
        &path,
        exr_bytes(
            2048,
            2048,
            vec![
                (name("Z"), FlatSamples::F32(vec![3.0; n])),
                (name("Y"), FlatSamples::F32(vec![0.5; n])),
            ],
            Compression::ZIP16,
        ),
    )
    .unwrap();
    let file_len = std::fs::metadata(&path).unwrap().len();
    assert!(file_len < 1 << 20, "{file_len}");
    let budget: u64 = 8 << 20;
    let line = assert_refused(&path, &["--memory-budget", "8M"]);
    // The loader counts the decoded samples it keeps, the offset table, and what it holds of
    // the file while decoding (one block, inflated: 16 rows of both channels, and compressed:
    // at most the whole file): the message must name that figure. `info` keeps only the depth channel (Z); Y
    // is summarised as it is decoded.
    let decoded = 2048 * 2048 * 4 + 16 * 2048 * 8 + 2048 / 16 * 8;
    let needed: u64 = line
        .split("decoding would need ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no needed size in: {line}"));
    assert!(
        (decoded..=decoded + file_len).contains(&needed),
        "{needed} not in {decoded}..={}: {line}",
        decoded + file_len
    );
    assert!(
        line.contains(&format!("memory budget of {budget} bytes")),
        "{line}"
    );
    assert!(line.contains("--memory-budget"), "{line}");
    // With enough budget the same file loads.
    let output = exrprobe([
        "info".as_ref(),
        "--memory-budget".as_ref(),
        "64M".as_ref(),
        path.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// A pipe named like a render (`mkfifo x.exr`) used to hang `info`, `check` and `export` forever
/// in `open`; `check` on its folder skipped it in silence. Both are refused now, with the reason.
#[cfg(unix)]
#[test]
fn a_pipe_named_like_a_render_is_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("x.exr");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let run = |args: &[&std::ffi::OsStr]| -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_exrprobe"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("exrprobe {args:?} hangs on a pipe");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    };
    for command in ["info", "export"] {
        let output = run(&[command.as_ref(), fifo.as_os_str()]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert!(
            stderr(&output).contains("not a regular file (a pipe, device or socket)"),
            "{command}: {}",
            stderr(&output)
        );
    }
    let output = run(&["check".as_ref(), dir.path().as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stdout(&output).starts_with("ERROR   ") && stdout(&output).contains("not a regular file"),
        "{}",
        stdout(&output)
    );
}

/// A channel named with an escape sequence and a newline (a crafted file) is printed escaped by
/// `info` and `check`: it can neither drive the terminal nor break one-line-per-file output.
#[test]
fn control_characters_in_names_are_printed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evil\u{1b}[2J\nname.exr");
    std::fs::write(
        &path,
        exr_bytes(
            4,
            2,
            vec![(
                name("Z\u{1b}]0;pwned\u{7}\nfake line"),
                FlatSamples::F32(vec![1.5; 8]),
            )],
            Compression::ZIP1,
        ),
    )
    .unwrap();
    for command in ["info", "check"] {
        let output = exrprobe([command.as_ref(), path.as_os_str()]);
        let text = stdout(&output);
        assert!(!text.contains('\u{1b}'), "{command}: {text:?}");
        assert!(!text.contains('\u{7}'), "{command}: {text:?}");
        assert!(text.contains("\\u{1b}"), "{command}: {text:?}");
        assert!(
            !text.lines().any(|l| l.starts_with("fake line")),
            "{command}: {text:?}"
        );
        assert!(
            !text.lines().any(|l| l.starts_with("name.exr")),
            "{command}: {text:?}"
        );
    }
}

/// Two files whose names differ only in a byte that is not UTF-8 (`a\xff.exr`, `a\xfe.exr`):
/// JSON carries their exact bytes (`path_hex`), and their default export names differ (the
/// second export used to be refused: both names became `a\u{fffd}.depth.npy`).
#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_stay_distinct_in_json_and_exports() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = tempfile::tempdir().unwrap();
    let render = exr_bytes(
        4,
        2,
        vec![(name("Z"), FlatSamples::F32(vec![2.5; 8]))],
        Compression::ZIP1,
    );
    let mut hexes = Vec::new();
    for byte in [0xffu8, 0xfe] {
        let path = dir.path().join(std::ffi::OsStr::from_bytes(&[
            b'a', byte, b'.', b'e', b'x', b'r',
        ]));
        std::fs::write(&path, &render).unwrap();
        let output = exrprobe(["check".as_ref(), "--json".as_ref(), path.as_os_str()]);
        let record: Value = serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
        let hex = record["path_hex"].as_str().unwrap().to_owned();
        assert!(hex.ends_with(&format!("61{byte:02x}2e657872")), "{hex}");
        hexes.push(hex);
        let output = exrprobe(["export".as_ref(), path.as_os_str()]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    assert_ne!(hexes[0], hexes[1]);
    let npy = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("npy".as_ref()))
        .count();
    assert_eq!(npy, 2, "two exports, two files");
    // A UTF-8 path has no path_hex.
    let plain = dir.path().join("plain.exr");
    std::fs::write(&plain, &render).unwrap();
    let output = exrprobe(["info".as_ref(), "--json".as_ref(), plain.as_os_str()]);
    let record: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert!(record.get("path_hex").is_none(), "{record}");
}
