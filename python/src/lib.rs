//! `exrprobe._exrprobe`: the native part of the `exrprobe` Python package.
//!
//! The Python layer (`exrprobe/__init__.py`) normalises arguments (paths, dtypes) and documents
//! the API; this module reads with `exrprobe-core`, exactly as the CLI does, with the GIL
//! released while decoding, and hands the decoded buffers to NumPy without copying them: `read`
//! decodes into arrays NumPy allocates (see [`read_into_numpy`]); the others give NumPy the Rust
//! allocations.
//!
//! Errors: a file that cannot be read raises `ExrError` (an `OSError`) whose message is the
//! core's, ending with the path; a depth buffer that is missing, constant or all background
//! raises `DepthError` (a `ValueError`) with the finding's code in `.code`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

use exrprobe_core::Analysis;
use exrprobe_core::check::{FileCheck, check_file, check_found, load_for_report};
use exrprobe_core::export::widen_half;
use exrprobe_core::load::{
    ChannelFilter, LoadError, LoadOptions, default_memory_budget, load_file, load_file_into,
};
use exrprobe_core::model::{Channel, ChannelRef, Image, SampleType, Samples, SamplesMut};
use exrprobe_core::records::{CheckRecord, sequence_records};
use exrprobe_core::sequence::{Found, FrameCheck, find_exr_files, group_frames, order_for_report};
use numpy::ndarray::Array2;
use numpy::{PyArray, PyArray2, PyArrayMethods, PyReadwriteArray2};
use pyo3::exceptions::{PyKeyError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;

pyo3::create_exception!(
    _exrprobe,
    ExrError,
    PyOSError,
    "The file cannot be read as OpenEXR (missing, damaged, cut off, or too large for the memory budget)."
);
pyo3::create_exception!(
    _exrprobe,
    DepthError,
    PyValueError,
    "The depth buffer is missing, constant or all background; `.code` is the finding code."
);

/// Finding codes that make `read_depth(strict=True)` refuse the depth buffer.
const STRICT_DEPTH_CODES: [&str; 2] = ["depth_constant", "depth_all_background"];

fn exr_error(error: &LoadError) -> PyErr {
    ExrError::new_err(error.to_string())
}

fn depth_error(py: Python<'_>, code: &str, message: String) -> PyErr {
    let error = DepthError::new_err(message);
    // Setting an attribute on a fresh exception object cannot fail in practice; if it did, the
    // exception still carries its message.
    let _ = error.value(py).setattr("code", code);
    error
}

/// A channel's decoded samples as a `(height, width)` array: native type, or widened to f32.
fn to_array<'py>(
    py: Python<'py>,
    channel: &Channel,
    samples: Samples,
    float32: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let shape = (channel.height, channel.width);
    let shape_error = |e: numpy::ndarray::ShapeError| PyValueError::new_err(e.to_string());
    Ok(match (samples, float32) {
        (Samples::F16(v), false) => {
            PyArray::from_owned_array(py, Array2::from_shape_vec(shape, v).map_err(shape_error)?)
                .into_any()
        }
        (Samples::F16(v), true) => {
            let widened: Vec<f32> = v.into_iter().map(widen_half).collect();
            PyArray::from_owned_array(
                py,
                Array2::from_shape_vec(shape, widened).map_err(shape_error)?,
            )
            .into_any()
        }
        (Samples::F32(v), _) => {
            PyArray::from_owned_array(py, Array2::from_shape_vec(shape, v).map_err(shape_error)?)
                .into_any()
        }
        (Samples::U32(v), false) => {
            PyArray::from_owned_array(py, Array2::from_shape_vec(shape, v).map_err(shape_error)?)
                .into_any()
        }
        (Samples::U32(v), true) => {
            let widened: Vec<f32> = v.into_iter().map(|u| u as f32).collect();
            PyArray::from_owned_array(
                py,
                Array2::from_shape_vec(shape, widened).map_err(shape_error)?,
            )
            .into_any()
        }
    })
}

fn header_only(path: &Path) -> Result<Image, LoadError> {
    let options = LoadOptions {
        decode_pixels: false,
        ..LoadOptions::default()
    };
    load_file(path, &options, &mut |_| {}, &AtomicBool::new(false))
}

/// read(path, channels=None, float32=False) -> dict[str, ndarray]
#[pyfunction]
#[pyo3(signature = (path, channels=None, float32=false))]
fn read<'py>(
    py: Python<'py>,
    path: PathBuf,
    channels: Option<Vec<String>>,
    float32: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let header = py
        .detach(|| header_only(&path))
        .map_err(|e| exr_error(&e))?;
    let keys = header.keyed_channels();
    let chosen: Vec<(String, ChannelRef)> = match channels {
        None => keys,
        Some(names) => {
            let mut chosen = Vec::with_capacity(names.len());
            for name in names {
                match keys.iter().find(|(key, _)| *key == name) {
                    Some(entry) => chosen.push(entry.clone()),
                    None => {
                        let known: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
                        return Err(PyKeyError::new_err(format!(
                            "no channel {name:?} (channels: {}): {}",
                            known.join(", "),
                            path.display()
                        )));
                    }
                }
            }
            chosen
        }
    };
    let native = chosen.iter().all(|&(_, reference)| {
        !float32
            || header
                .channel(reference)
                .is_some_and(|c| c.sample_type == SampleType::Float)
    });
    if native {
        return read_into_numpy(py, &path, &header, chosen);
    }
    let options = LoadOptions {
        memory_budget_bytes: default_memory_budget(),
        decode_pixels: true,
        channels: ChannelFilter::only(chosen.iter().map(|&(_, r)| r)),
    };
    let mut image = py
        .detach(|| load_file(&path, &options, &mut |_| {}, &AtomicBool::new(false)))
        .map_err(|e| exr_error(&e))?;
    let out = PyDict::new(py);
    for (key, reference) in chosen {
        let reason = image
            .part(reference.part)
            .and_then(|part| part.pixel_error.clone());
        let Some(channel) = image
            .parts
            .get_mut(reference.part)
            .and_then(|part| part.channels.get_mut(reference.channel))
        else {
            continue;
        };
        let Some(samples) = channel.samples.take() else {
            return Err(ExrError::new_err(format!(
                "the pixels of channel {key} cannot be read ({}): {}",
                reason.as_deref().unwrap_or("not decoded"),
                path.display()
            )));
        };
        out.set_item(key, to_array(py, channel, samples, float32)?)?;
    }
    Ok(out)
}

/// `read` of channels kept in their own types: each is decoded straight into an array NumPy
/// allocated with `numpy.empty`. NumPy asks the kernel to back large arrays with 2 MiB pages
/// (as it does for the OpenEXR bindings' arrays), which Rust's allocator does not; 512 times
/// fewer page faults made `read` of the 4K benchmark files about 10 % faster (ZIP 0.842 →
/// 0.758 s, PIZ 0.944 → 0.849 s, 2 cores). The loader writes every sample of a part it decodes
/// (so the arrays may start uninitialised); the arrays of a failed part are dropped.
fn read_into_numpy<'py>(
    py: Python<'py>,
    path: &Path,
    header: &Image,
    chosen: Vec<(String, ChannelRef)>,
) -> PyResult<Bound<'py, PyDict>> {
    // The same budget as a load into Rust memory, checked before NumPy allocates anything.
    let budget = default_memory_budget();
    let needed_bytes = chosen
        .iter()
        .filter_map(|&(_, reference)| header.channel(reference))
        .map(|c| c.decoded_byte_size() as u64)
        .fold(0u64, u64::saturating_add);
    if needed_bytes > budget {
        return Err(exr_error(&LoadError::TooLarge {
            needed_bytes,
            budget_bytes: budget,
            path: path.display().to_string(),
        }));
    }
    let empty = py.import("numpy")?.getattr("empty")?;
    let mut arrays: Vec<(String, ChannelRef, Output<'py>)> = Vec::with_capacity(chosen.len());
    for (key, reference) in chosen {
        // A name asked for twice gives one array (the result is keyed by name).
        if arrays.iter().any(|(_, r, _)| *r == reference) {
            continue;
        }
        let Some(channel) = header.channel(reference) else {
            continue;
        };
        let shape = (channel.height, channel.width);
        let array = |dtype: &str| empty.call1((shape, dtype));
        let output = match channel.sample_type {
            SampleType::Half => Output::F16(array("float16")?.cast_into()?),
            SampleType::Float => Output::F32(array("float32")?.cast_into()?),
            SampleType::Uint => Output::U32(array("uint32")?.cast_into()?),
        };
        arrays.push((key, reference, output));
    }
    let mut borrowed: Vec<(ChannelRef, Borrowed<'py>)> = arrays
        .iter()
        .map(|(_, reference, output)| (*reference, output.readwrite()))
        .collect();
    let mut targets = std::collections::BTreeMap::new();
    for (reference, borrow) in &mut borrowed {
        targets.insert(*reference, borrow.as_samples_mut()?);
    }
    let budget_left = budget.saturating_sub(needed_bytes);
    let image = py
        .detach(|| {
            load_file_into(
                path,
                budget_left,
                targets,
                &mut |_| {},
                &AtomicBool::new(false),
            )
        })
        .map_err(|e| exr_error(&e))?;
    drop(borrowed);
    let out = PyDict::new(py);
    for (key, reference, output) in arrays {
        if let Some(reason) = image
            .part(reference.part)
            .and_then(|part| part.pixel_error.as_deref())
        {
            return Err(ExrError::new_err(format!(
                "the pixels of channel {key} cannot be read ({reason}): {}",
                path.display()
            )));
        }
        out.set_item(key, output.into_any())?;
    }
    Ok(out)
}

/// An array `read_into_numpy` decodes into.
enum Output<'py> {
    F16(Bound<'py, PyArray2<exrprobe_core::f16>>),
    F32(Bound<'py, PyArray2<f32>>),
    U32(Bound<'py, PyArray2<u32>>),
}

impl<'py> Output<'py> {
    fn readwrite(&self) -> Borrowed<'py> {
        match self {
            Output::F16(a) => Borrowed::F16(a.readwrite()),
            Output::F32(a) => Borrowed::F32(a.readwrite()),
            Output::U32(a) => Borrowed::U32(a.readwrite()),
        }
    }

    fn into_any(self) -> Bound<'py, PyAny> {
        match self {
            Output::F16(a) => a.into_any(),
            Output::F32(a) => a.into_any(),
            Output::U32(a) => a.into_any(),
        }
    }
}

/// An array of [`Output`] borrowed for writing (NumPy's borrow checking).
enum Borrowed<'py> {
    F16(PyReadwriteArray2<'py, exrprobe_core::f16>),
    F32(PyReadwriteArray2<'py, f32>),
    U32(PyReadwriteArray2<'py, u32>),
}

impl Borrowed<'_> {
    /// The array's memory (`numpy.empty` arrays are C-contiguous).
    fn as_samples_mut(&mut self) -> PyResult<SamplesMut<'_>> {
        let not_contiguous = |e: numpy::NotContiguousError| PyValueError::new_err(e.to_string());
        Ok(match self {
            Borrowed::F16(a) => SamplesMut::F16(a.as_slice_mut().map_err(not_contiguous)?),
            Borrowed::F32(a) => SamplesMut::F32(a.as_slice_mut().map_err(not_contiguous)?),
            Borrowed::U32(a) => SamplesMut::U32(a.as_slice_mut().map_err(not_contiguous)?),
        })
    }
}

/// read_depth(path, strict=True) -> ndarray (float32)
#[pyfunction]
#[pyo3(signature = (path, *, strict=true))]
fn read_depth<'py>(py: Python<'py>, path: PathBuf, strict: bool) -> PyResult<Bound<'py, PyAny>> {
    let (mut image, analysis): (Image, Analysis) = py
        .detach(|| load_depth_only(&path))
        .map_err(|e| exr_error(&e))?;
    let finding = |code: &str| analysis.findings.iter().find(|f| f.code == code);
    let Some(depth) = analysis.depth_channel() else {
        let message = match finding("depth_missing") {
            Some(f) => format!("{} {} Fix: {}", f.title, f.explanation, f.fix),
            None => "no depth channel in this file".to_owned(),
        };
        return Err(depth_error(
            py,
            "depth_missing",
            format!("{message}: {}", path.display()),
        ));
    };
    if strict {
        for code in STRICT_DEPTH_CODES {
            if let Some(f) = finding(code) {
                return Err(depth_error(
                    py,
                    code,
                    format!("{} Fix: {}: {}", f.title, f.fix, path.display()),
                ));
            }
        }
    }
    let reason = image
        .part(depth.part)
        .and_then(|part| part.pixel_error.clone());
    let Some(channel) = image
        .parts
        .get_mut(depth.part)
        .and_then(|part| part.channels.get_mut(depth.channel))
    else {
        return Err(ExrError::new_err(format!(
            "the depth channel vanished: {}",
            path.display()
        )));
    };
    let Some(samples) = channel.samples.take() else {
        return Err(ExrError::new_err(format!(
            "the pixels of the depth channel cannot be read ({}): {}",
            reason.as_deref().unwrap_or("not decoded"),
            path.display()
        )));
    };
    to_array(py, channel, samples, true)
}

/// The file with only its detected depth channel decoded, and the analysis of that: the
/// detection and the depth findings `read_depth` needs, without converting or summarising the
/// other channels (the blocks are still inflated whole: a scan-line block holds every channel).
fn load_depth_only(path: &Path) -> Result<(Image, Analysis), LoadError> {
    let cancel = AtomicBool::new(false);
    let header_only = LoadOptions {
        decode_pixels: false,
        ..LoadOptions::default()
    };
    let head = load_file(path, &header_only, &mut |_| {}, &cancel)?;
    let Some(depth) = exrprobe_core::naming::detect_depth(&head).channel() else {
        let analysis = exrprobe_core::analyze(&head);
        return Ok((head, analysis));
    };
    let options = LoadOptions {
        memory_budget_bytes: default_memory_budget(),
        decode_pixels: true,
        channels: ChannelFilter::only(vec![depth]),
    };
    let image = load_file(path, &options, &mut |_| {}, &cancel)?;
    let analysis = exrprobe_core::analyze(&image);
    Ok((image, analysis))
}

/// info_json(path) -> str: the record `exrprobe info --json` prints for the file (one JSON
/// object), from the same code; the Python layer parses it.
#[pyfunction]
fn info_json(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    let (image, analysis) = py
        .detach(|| load_for_report(&path, default_memory_budget()))
        .map_err(|e| exr_error(&e))?;
    let record = exrprobe_core::records::info_record(&path, &image, &analysis);
    serde_json::to_string(&record).map_err(|e| PyValueError::new_err(e.to_string()))
}

fn to_json(value: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The checks of `inputs`, in parallel: each file with a share of the memory budget, and a
/// file that needs more (but fits the whole budget) again alone, as the CLI does.
fn check_inputs(inputs: &[Found]) -> Vec<FileCheck> {
    let budget = default_memory_budget();
    let share = (budget / rayon::current_num_threads().max(1) as u64).max(1);
    let shared: Vec<Result<FileCheck, LoadError>> = inputs
        .par_iter()
        .map(|input| match input {
            Found::File(path) => check_file(path, share),
            failed => Ok(check_found(failed, share)),
        })
        .collect();
    shared
        .into_iter()
        .zip(inputs)
        .map(|(result, input)| match result {
            Ok(check) => check,
            Err(LoadError::TooLarge { needed_bytes, .. }) if needed_bytes <= budget => {
                check_found(input, budget)
            }
            Err(err) => FileCheck::from_load_error(input.path(), &err, SystemTime::now()),
        })
        .collect()
}

/// The sequence records (JSON) of the files `checked`, by path.
fn sequence_json(checked: &[(PathBuf, FrameCheck)]) -> PyResult<Vec<String>> {
    let paths: Vec<PathBuf> = checked.iter().map(|(p, _)| p.clone()).collect();
    let groups = group_frames(&paths);
    let frames: HashMap<&Path, FrameCheck> = checked
        .iter()
        .map(|(p, f)| (p.as_path(), f.clone()))
        .collect();
    sequence_records(&groups, &frames)
        .iter()
        .map(|(record, _)| to_json(record))
        .collect()
}

/// check_json(paths) -> list[str]: the records `exrprobe check --json` prints for these files
/// and folders (folders recursively), from the same code: one per file in the CLI's order, then
/// one per sequence. Files are checked in parallel with the GIL released.
#[pyfunction]
fn check_json(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Vec<String>> {
    let (inputs, checks) = py.detach(|| {
        let (inputs, _) = order_for_report(find_exr_files(&paths));
        let checks = check_inputs(&inputs);
        (inputs, checks)
    });
    let mut records = checks
        .iter()
        .map(|check| to_json(&CheckRecord::of(check)))
        .collect::<PyResult<Vec<String>>>()?;
    let checked: Vec<(PathBuf, FrameCheck)> = inputs
        .iter()
        .zip(&checks)
        .filter(|(input, _)| matches!(input, Found::File(_)))
        .map(|(input, check)| (input.path().to_path_buf(), check.frame_check(0)))
        .collect();
    records.extend(sequence_json(&checked)?);
    Ok(records)
}

/// find_inputs(paths) -> list[tuple[str, str | None]]: the files `check` would check, in its
/// order, each with why it cannot be used (or None). For the Dask recipe.
#[pyfunction]
fn find_inputs(paths: Vec<PathBuf>) -> Vec<(PathBuf, Option<String>)> {
    let (inputs, _) = order_for_report(find_exr_files(&paths));
    inputs
        .into_iter()
        .map(|input| match input {
            Found::File(path) => (path, None),
            Found::Failed(path, error) => (path, Some(error)),
        })
        .collect()
}

/// check_one_json(path, failure=None) -> tuple[str, str]: one file's `check --json` record and
/// what the sequence check needs of it (JSON), for a Dask task.
#[pyfunction]
#[pyo3(signature = (path, failure=None))]
fn check_one_json(
    py: Python<'_>,
    path: PathBuf,
    failure: Option<String>,
) -> PyResult<(String, String)> {
    let input = match failure {
        Some(error) => Found::Failed(path, error),
        None => Found::File(path),
    };
    let check = py.detach(|| check_inputs(std::slice::from_ref(&input)));
    let check = check
        .first()
        .ok_or_else(|| PyValueError::new_err("no check result"))?;
    Ok((
        to_json(&CheckRecord::of(check))?,
        to_json(&check.frame_check(0))?,
    ))
}

/// sequence_records_json(files) -> list[str]: the sequence records of files checked apart
/// (pairs of path and `check_one_json`'s second value), as `check --json` prints them.
#[pyfunction]
fn sequence_records_json(files: Vec<(PathBuf, String)>) -> PyResult<Vec<String>> {
    let checked = files
        .into_iter()
        .map(|(path, frame)| {
            let frame: FrameCheck = serde_json::from_str(&frame)
                .map_err(|e| PyValueError::new_err(format!("not a frame check: {e}")))?;
            Ok((path, frame))
        })
        .collect::<PyResult<Vec<_>>>()?;
    sequence_json(&checked)
}

#[pymodule]
fn _exrprobe(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(check_json, m)?)?;
    m.add_function(wrap_pyfunction!(find_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(check_one_json, m)?)?;
    m.add_function(wrap_pyfunction!(sequence_records_json, m)?)?;
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_function(wrap_pyfunction!(read_depth, m)?)?;
    m.add_function(wrap_pyfunction!(info_json, m)?)?;
    m.add("ExrError", m.py().get_type::<ExrError>())?;
    m.add("DepthError", m.py().get_type::<DepthError>())?;
    Ok(())
}
