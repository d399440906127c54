//! Export tests: bit-exact arrays, atomic and no-clobber writes, hostile targets.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::io::Read as _;

use super::*;
use crate::model::{Part, SampleType, Window};

fn channel(name: &str, width: usize, height: usize, samples: Samples) -> Channel {
    Channel {
        name: name.to_owned(),
        sample_type: samples.sample_type(),
        sampling: (1, 1),
        quantize_linearly: false,
        width,
        height,
        samples: Some(samples),
    }
}

fn part(name: Option<&str>, channels: Vec<Channel>) -> Part {
    let window = Window {
        x: -2,
        y: 5,
        width: 3,
        height: 2,
    };
    Part::for_test(name, window, channels)
}

/// Half values that are easy to get wrong: NaN with a payload, ±Inf, -0, subnormal, max.
fn tricky_halves() -> Vec<f16> {
    [0x7e01u16, 0x7c00, 0xfc00, 0x8000, 0x0001, 0x7bff]
        .into_iter()
        .map(f16::from_bits)
        .collect()
}

/// Parses an `.npy` stream: (descr, shape, data bytes), checking the format as numpy would.
fn parse_npy(bytes: &[u8]) -> (String, Vec<u64>, Vec<u8>) {
    let npy = npyz::NpyFile::new(bytes).unwrap();
    let descr = npy.header().dtype().descr();
    let shape = npy.shape().to_vec();
    assert_eq!(npy.order(), npyz::Order::C);
    let header_len = bytes.len()
        - npy.header().dtype().num_bytes().unwrap() * (shape.iter().product::<u64>() as usize);
    (descr, shape, bytes[header_len..].to_vec())
}

#[test]
fn npy_native_half_keeps_every_bit_and_the_shape() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.npy");
    let halves = tricky_halves();
    let ch = channel("Z", 3, 2, Samples::F16(halves.clone()));
    write_npy(&ch, NpyDtype::Native, &path, false).unwrap();
    let (descr, shape, data) = parse_npy(&std::fs::read(&path).unwrap());
    assert_eq!(descr, "'<f2'");
    assert_eq!(shape, vec![2, 3]);
    let expected: Vec<u8> = halves
        .iter()
        .flat_map(|h| h.to_bits().to_le_bytes())
        .collect();
    assert_eq!(data, expected);
}

#[test]
fn npy_f32_widens_half_exactly_and_converts_uint() {
    let dir = tempfile::tempdir().unwrap();
    let halves = tricky_halves();
    let path = dir.path().join("h.npy");
    write_npy(
        &channel("Y", 2, 3, Samples::F16(halves.clone())),
        NpyDtype::F32,
        &path,
        false,
    )
    .unwrap();
    let (descr, shape, data) = parse_npy(&std::fs::read(&path).unwrap());
    assert_eq!((descr.as_str(), shape), ("'<f4'", vec![3, 2]));
    let got: Vec<u32> = data
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let expected: Vec<u32> = halves.iter().map(|h| h.to_f32().to_bits()).collect();
    assert_eq!(got[1..], expected[1..]);
    // The NaN payload survives widening (shifted, not a canonical NaN), as in numpy.
    assert_eq!(got[0], 0x7fc0_2000);
    assert_eq!(widen_half(f16::from_bits(0x7c01)).to_bits(), 0x7f80_2000); // signalling stays
    assert_eq!(widen_half(f16::from_bits(0xfe00)).to_bits(), 0xffc0_0000);

    let ids = vec![0u32, 1, 16_777_217, u32::MAX];
    let path = dir.path().join("id_native.npy");
    write_npy(
        &channel("id", 4, 1, Samples::U32(ids.clone())),
        NpyDtype::Native,
        &path,
        false,
    )
    .unwrap();
    let (descr, shape, data) = parse_npy(&std::fs::read(&path).unwrap());
    assert_eq!((descr.as_str(), shape), ("'<u4'", vec![1, 4]));
    let expected: Vec<u8> = ids.iter().flat_map(|u| u.to_le_bytes()).collect();
    assert_eq!(data, expected);

    let path = dir.path().join("id_f32.npy");
    write_npy(
        &channel("id", 4, 1, Samples::U32(ids.clone())),
        NpyDtype::F32,
        &path,
        false,
    )
    .unwrap();
    let (descr, _, data) = parse_npy(&std::fs::read(&path).unwrap());
    assert_eq!(descr, "'<f4'");
    let expected: Vec<u8> = ids.iter().flat_map(|&u| (u as f32).to_le_bytes()).collect();
    assert_eq!(data, expected);
}

#[test]
fn npz_holds_every_decoded_channel_under_its_qualified_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.npz");
    let depth: Vec<f32> = vec![1.5, f32::from_bits(0x7fa0_0001), 1e10, -0.0, 3.0, 4.0];
    let mut undecoded = channel("deep", 3, 2, Samples::F32(vec![0.0; 6]));
    undecoded.samples = None;
    undecoded.sample_type = SampleType::Float;
    let image = Image {
        source: "test".into(),
        parts: vec![
            part(
                Some("beauty"),
                vec![channel("R", 3, 2, Samples::F16(tricky_halves()))],
            ),
            part(
                None,
                vec![channel("Z", 3, 2, Samples::F32(depth.clone())), undecoded],
            ),
        ],
    };
    write_npz(&image, NpyDtype::Native, &path, false).unwrap();
    let mut npz = npyz::npz::NpzArchive::open(&path).unwrap();
    let mut names: Vec<String> = npz.array_names().map(str::to_owned).collect();
    names.sort();
    assert_eq!(names, vec!["1/Z".to_owned(), "beauty/R".to_owned()]);
    let r = npz.by_name("beauty/R").unwrap().unwrap();
    assert_eq!(r.header().dtype().descr(), "'<f2'");
    assert_eq!(r.shape(), &[2, 3]);
    let r: Vec<f16> = r.into_vec().unwrap();
    assert_eq!(
        r.iter().map(|h| h.to_bits()).collect::<Vec<_>>(),
        tricky_halves()
            .iter()
            .map(|h| h.to_bits())
            .collect::<Vec<_>>()
    );
    let z: Vec<f32> = npz.by_name("1/Z").unwrap().unwrap().into_vec().unwrap();
    assert_eq!(
        z.iter().map(|f| f.to_bits()).collect::<Vec<_>>(),
        depth.iter().map(|f| f.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn a_signal_handler_can_remove_the_temporary_file_of_an_export_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.npy");
    let mut seen = None;
    let result = write_atomically(&target, false, |_| {
        // Mid-write: the temporary file exists and is registered.
        let partial: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        seen = partial.first().cloned();
        assert_eq!(remove_partial_files(), 1);
        Err(io::Error::other("interrupted"))
    });
    assert!(result.is_err());
    let partial = seen.unwrap();
    assert!(
        partial
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".exrprobe-")
    );
    assert!(!partial.exists());
    assert_eq!(remove_partial_files(), 0, "unregistered once done");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn npz_keys_never_leave_the_folder_and_never_collide() {
    assert_eq!(
        npz_keys([
            "a/b/Z",
            "a/b/Z",
            "../x",
            "/abs",
            "ok.Z",
            "tab\tname",
            "a//b",
            "a\\b"
        ]),
        [
            "a/b/Z", "a/b/Z#2", "_/x", "_/abs", "ok.Z", "tab_name", "a/_/b", "a_b"
        ]
    );
}

#[test]
fn npz_without_any_decoded_channel_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.npz");
    let mut ch = channel("Z", 3, 2, Samples::F32(vec![0.0; 6]));
    ch.samples = None;
    let image = Image {
        source: "test".into(),
        parts: vec![part(None, vec![ch])],
    };
    let err = write_npz(&image, NpyDtype::F32, &path, false).unwrap_err();
    assert!(matches!(err, ExportError::NoPixels { .. }), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn refuses_to_overwrite_without_permission_and_leaves_the_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.npy");
    std::fs::write(&path, b"precious").unwrap();
    let ch = channel("Z", 1, 1, Samples::F32(vec![2.0]));
    let err = write_npy(&ch, NpyDtype::F32, &path, false).unwrap_err();
    assert!(matches!(err, ExportError::Exists { .. }));
    assert!(
        err.to_string().ends_with(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    write_npy(&ch, NpyDtype::F32, &path, true).unwrap();
    let (_, shape, data) = parse_npy(&std::fs::read(&path).unwrap());
    assert_eq!((shape, data), (vec![1, 1], 2.0f32.to_le_bytes().to_vec()));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn samples_that_do_not_fill_the_shape_are_refused_without_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.npy");
    // 3 × 2 declared, 5 samples held: never write an array numpy would misread.
    let ch = channel("Z", 3, 2, Samples::F32(vec![0.0; 5]));
    let text = write_npy(&ch, NpyDtype::F32, &path, false)
        .unwrap_err()
        .to_string();
    assert!(text.contains("5 samples"), "{text}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn a_pipe_as_target_is_never_replaced() {
    use std::os::unix::fs::FileTypeExt as _;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("pipe.npy");
    let made = std::process::Command::new("mkfifo").arg(&target).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available: skipped");
        return;
    }
    let ch = channel("Z", 1, 1, Samples::F32(vec![2.0]));
    for overwrite in [false, true] {
        let error = write_npy(&ch, NpyDtype::F32, &target, overwrite).unwrap_err();
        assert!(matches!(error, ExportError::NotAFile { .. }), "{error}");
    }
    assert!(std::fs::metadata(&target).unwrap().file_type().is_fifo());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_folder_as_target_is_refused_even_with_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.npy");
    std::fs::create_dir(&target).unwrap();
    let ch = channel("Z", 1, 1, Samples::F32(vec![2.0]));
    for overwrite in [false, true] {
        let text = write_npy(&ch, NpyDtype::F32, &target, overwrite)
            .unwrap_err()
            .to_string();
        assert!(text.contains("the target is a folder"), "{text}");
    }
    assert!(target.is_dir());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn missing_folder_gives_a_clear_error_with_the_path_last() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/folder/z.npy");
    let ch = channel("Z", 1, 1, Samples::F32(vec![2.0]));
    let err = write_npy(&ch, NpyDtype::F32, &path, false).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("the folder does not exist"), "{text}");
    assert!(text.ends_with(&path.display().to_string()), "{text}");
}

#[cfg(unix)]
#[test]
fn read_only_folder_is_refused_without_leftovers() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root (and CAP_DAC_OVERRIDE) writes into read-only folders anyway: detect that.
    let probe = folder.join("probe");
    let writable_anyway = std::fs::write(&probe, b"x").is_ok();
    let _ = std::fs::remove_file(&probe);
    let path = folder.join("z.npy");
    let result = write_npy(
        &channel("Z", 1, 1, Samples::F32(vec![2.0])),
        NpyDtype::F32,
        &path,
        false,
    );
    if writable_anyway {
        assert!(result.is_ok());
    } else {
        let text = result.unwrap_err().to_string();
        assert!(text.contains("permission denied"), "{text}");
        assert!(text.ends_with(&path.display().to_string()), "{text}");
        assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
    }
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A writer that accepts `budget` bytes and then fails like a full disk.
struct FullDisk<W> {
    inner: W,
    budget: usize,
}

impl<W: Write> Write for FullDisk<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.budget == 0 {
            return Err(io::Error::from(io::ErrorKind::StorageFull));
        }
        let n = buf.len().min(self.budget);
        self.budget -= n;
        self.inner.write(&buf[..n])
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[test]
fn disk_full_midway_leaves_no_partial_or_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.npy");
    let values: Vec<f32> = (0..10_000).map(|i| i as f32).collect();
    let ch = channel("Z", 100, 100, Samples::F32(values));
    let Some(samples) = ch.samples.as_ref() else {
        unreachable!()
    };
    let mut written_before_failure = 0;
    let err = write_atomically(&path, false, |file| {
        let mut out = FullDisk {
            inner: &mut *file,
            budget: 5_000,
        };
        let result = write_npy_to(&mut out, &ch, samples, NpyDtype::F32);
        written_before_failure = file.stream_position()?;
        result
    })
    .unwrap_err();
    // The failure really happened in the middle of the data.
    assert_eq!(written_before_failure, 5_000);
    let text = err.to_string();
    assert!(
        text.starts_with("cannot write, the disk is full: "),
        "{text}"
    );
    assert!(text.ends_with(&path.display().to_string()), "{text}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn written_file_is_complete_and_readable_by_others() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.npy");
    write_npy(
        &channel("Z", 1, 1, Samples::F32(vec![7.25])),
        NpyDtype::F32,
        &path,
        false,
    )
    .unwrap();
    let mut bytes = Vec::new();
    File::open(&path).unwrap().read_to_end(&mut bytes).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    assert_eq!(bytes.len() % 16, 4); // 16-aligned header + one f32
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // Same mode as any new file (the umask applies), not the 0600 of a temporary file.
        let ordinary = dir.path().join("ordinary");
        File::create(&ordinary).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&ordinary));
    }
}
