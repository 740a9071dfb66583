//! The native half of the `cwfilter` Python package: a thin PyO3 binding of the `cwfilter`
//! library (the single source of semantics). Arrays cross the boundary through the Arrow C Data
//! Interface (the PyCapsule protocol, `__arrow_c_array__`), never row by row; Rust work runs with
//! the GIL released.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::ffi::{from_ffi, to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{make_array, Array, ArrayRef, BooleanArray};
use arrow_schema::DataType;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use cwfilter::detectors::{self, Detector, Profile};
use cwfilter::eval::Message;
use cwfilter::replay::time::{parse_bound, Bound as WindowBound, TimeWindow};
use cwfilter::replay::{render, Format, Labels, Partial, Report as RustReport, Setup};
use cwfilter::trail::ReadOptions;

/// A compiled CloudWatch Logs filter pattern.
#[pyclass(module = "cwfilter", frozen, name = "Pattern")]
struct PyPattern {
    // Boxed, as every Rust value a Python object holds here: Python allocates objects with
    // 16-byte alignment, and the engine's SIMD searchers need more.
    inner: Box<cwfilter::Pattern>,
    text: String,
}

#[pymethods]
impl PyPattern {
    #[new]
    fn new(text: &str) -> PyResult<Self> {
        match cwfilter::Pattern::parse(text) {
            Ok(inner) => Ok(PyPattern {
                inner: Box::new(inner),
                text: text.to_owned(),
            }),
            Err(e) => Err(PyValueError::new_err(e.render())),
        }
    }

    /// Whether the log event `message` matches, as CloudWatch Logs decides it.
    fn matches(&self, py: Python<'_>, message: &str) -> bool {
        py.detach(|| self.inner.matches_message(message))
    }

    /// The verdict on `message`, condition by condition (the text of `cwfilter match --explain`).
    fn explain(&self, py: Python<'_>, message: &str) -> String {
        py.detach(|| self.inner.explain(&Message::new(message)).to_string())
    }

    /// The pattern as written.
    #[getter]
    fn text(&self) -> &str {
        &self.text
    }

    /// The canonical form of the pattern (`cwfilter parse`).
    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> String {
        format!("Pattern({:?})", self.text)
    }
}

/// Takes ownership of an array exported through `__arrow_c_array__`.
fn import_array(obj: &Bound<'_, PyAny>) -> PyResult<ArrayRef> {
    if !obj.hasattr("__arrow_c_array__")? {
        let ty = obj.get_type().name()?;
        return Err(PyTypeError::new_err(format!(
            "expected an Arrow array (pyarrow.Array or anything with __arrow_c_array__), not {ty}"
        )));
    }
    let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) =
        obj.call_method0("__arrow_c_array__")?.extract()?;
    let schema = schema
        .pointer_checked(Some(c"arrow_schema"))?
        .cast::<FFI_ArrowSchema>();
    let array = array
        .pointer_checked(Some(c"arrow_array"))?
        .cast::<FFI_ArrowArray>();
    // SAFETY: the capsules are named as the Arrow PyCapsule protocol requires, so they hold an
    // FFI_ArrowSchema and an FFI_ArrowArray. The array is moved out and its slot left released
    // (the protocol's way to take ownership); the schema is only borrowed.
    let data = unsafe {
        let owned = std::ptr::replace(array.as_ptr(), FFI_ArrowArray::empty());
        from_ffi(owned, schema.as_ref())
    }
    .map_err(|e| PyValueError::new_err(format!("cannot import the Arrow array: {e}")))?;
    Ok(make_array(data))
}

/// Exports an array as the (schema, array) capsule pair of the PyCapsule protocol.
fn export_array<'py>(
    py: Python<'py>,
    array: &dyn Array,
) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
    let (array, schema) = to_ffi(&array.to_data())
        .map_err(|e| PyValueError::new_err(format!("cannot export the Arrow array: {e}")))?;
    Ok((
        PyCapsule::new_with_value(py, schema, c"arrow_schema")?,
        PyCapsule::new_with_value(py, array, c"arrow_array")?,
    ))
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Each string of `array` (a string array of any of the three layouts), `None` for nulls.
fn strings(array: &ArrayRef) -> Box<dyn Iterator<Item = Option<&str>> + '_> {
    match array.data_type() {
        DataType::Utf8 => Box::new(array.as_string::<i32>().iter()),
        DataType::LargeUtf8 => Box::new(array.as_string::<i64>().iter()),
        _ => Box::new(array.as_string_view().iter()),
    }
}

/// `pattern` over every string of `array`; returns the (schema, array) capsules of the
/// BooleanArray (the Python side imports them as a pyarrow.BooleanArray).
#[pyfunction]
fn _match_array<'py>(
    py: Python<'py>,
    pattern: &PyPattern,
    array: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
    let array = import_array(array)?;
    if !is_string(array.data_type()) {
        return Err(PyTypeError::new_err(format!(
            "match_array needs a string, large_string or string_view array, not {}",
            array.data_type()
        )));
    }
    let result = py.detach(|| {
        let verdicts: Vec<bool> = strings(&array)
            .map(|s| s.is_some_and(|s| pattern.inner.matches_message(s)))
            .collect();
        BooleanArray::from(verdicts)
    });
    export_array(py, &result)
}

/// One or many paths (`str`, `os.PathLike`, or a list of them).
fn paths(obj: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    match obj.extract::<PathBuf>() {
        Ok(p) => Ok(vec![p]),
        Err(_) => obj.extract::<Vec<PathBuf>>(),
    }
}

/// A file's name (as errors show it) and its text.
type NamedText = (String, String);

fn read_named(p: &Path, what: &str) -> PyResult<NamedText> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| PyValueError::new_err(format!("{}: cannot read {what}: {e}", p.display())))?;
    Ok((p.display().to_string(), text))
}

fn load_detectors(files: &[NamedText], profile: Profile) -> PyResult<Vec<Detector>> {
    let loaded =
        detectors::load_files(files, profile).map_err(|e| PyValueError::new_err(e.to_string()))?;
    if loaded.detectors.is_empty() {
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        return Err(PyValueError::new_err(format!(
            "{}: enables no detector: nothing to replay",
            names.join(", ")
        )));
    }
    Ok(loaded.detectors)
}

fn bound(value: Option<&str>, which: WindowBound) -> PyResult<Option<i64>> {
    value
        .map(|s| parse_bound(s, which).map_err(|e| PyValueError::new_err(e.to_string())))
        .transpose()
}

/// A replay configuration: detectors, baseline, labels and window, compiled once. Its
/// `partial` replays CloudTrail objects into a partial replay; `merge` turns partials into the
/// report `cwfilter replay` prints.
#[pyclass(module = "cwfilter", frozen, name = "Replay")]
struct PyReplay {
    inner: Box<cwfilter::replay::Replay>,
    window: TimeWindow,
    /// What it was built from, so that it pickles (Spark ships it to the executors).
    sources: Sources,
}

/// The texts and settings a [`PyReplay`] is built from.
#[derive(Clone)]
struct Sources {
    configs: Vec<NamedText>,
    profile: String,
    baseline: Option<NamedText>,
    labels: Option<NamedText>,
    since: Option<String>,
    until: Option<String>,
}

impl Sources {
    fn build(self) -> PyResult<PyReplay> {
        let profile =
            Profile::from_str(&self.profile).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let current = load_detectors(&self.configs, profile)?;
        let baseline = self
            .baseline
            .as_ref()
            .map(|b| load_detectors(std::slice::from_ref(b), profile))
            .transpose()?;
        let labels = self
            .labels
            .as_ref()
            .map(|(name, text)| {
                Labels::from_jsonl(text).map_err(|e| PyValueError::new_err(format!("{name}: {e}")))
            })
            .transpose()?;
        let window = TimeWindow {
            since: bound(self.since.as_deref(), WindowBound::Since)?,
            until: bound(self.until.as_deref(), WindowBound::Until)?,
        };
        let inner = cwfilter::replay::Replay::new(Setup {
            current,
            baseline,
            labels,
            window,
        })
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyReplay {
            inner: Box::new(inner),
            window,
            sources: self,
        })
    }
}

#[pymethods]
impl PyReplay {
    #[new]
    #[pyo3(signature = (config=None, profile="upstream", baseline=None, labels=None, since=None, until=None))]
    fn new(
        config: Option<&Bound<'_, PyAny>>,
        profile: &str,
        baseline: Option<PathBuf>,
        labels: Option<PathBuf>,
        since: Option<&str>,
        until: Option<&str>,
    ) -> PyResult<Self> {
        let configs = config
            .map(paths)
            .transpose()?
            .unwrap_or_default()
            .iter()
            .map(|p| read_named(p, "config"))
            .collect::<PyResult<Vec<_>>>()?;
        Sources {
            configs,
            profile: profile.to_owned(),
            baseline: baseline.map(|p| read_named(&p, "baseline")).transpose()?,
            labels: labels.map(|p| read_named(&p, "labels")).transpose()?,
            since: since.map(str::to_owned),
            until: until.map(str::to_owned),
        }
        .build()
    }

    /// Builds a replay from file texts rather than paths (what unpickling does).
    #[staticmethod]
    #[pyo3(signature = (configs, profile, baseline, labels, since, until))]
    fn _from_texts(
        configs: Vec<NamedText>,
        profile: String,
        baseline: Option<NamedText>,
        labels: Option<NamedText>,
        since: Option<String>,
        until: Option<String>,
    ) -> PyResult<Self> {
        Sources {
            configs,
            profile,
            baseline,
            labels,
            since,
            until,
        }
        .build()
    }

    /// Pickles as the texts it was built from (no file is read again when unpickled).
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let s = self.sources.clone();
        let rebuild = py.get_type::<PyReplay>().getattr("_from_texts")?;
        let args = (s.configs, s.profile, s.baseline, s.labels, s.since, s.until)
            .into_pyobject(py)?
            .into_any();
        Ok((rebuild, args))
    }

    /// Replays CloudTrail objects (an Arrow binary or string array of whole file contents,
    /// gzip or not, any shape `cwfilter replay` reads) and returns the partial replay as bytes.
    /// `names` (a list or Arrow string array, one per object) is what errors are reported
    /// under; by default `object[i]`. A null object is an input error.
    ///
    /// `errors` are `(path, message)` input errors found before reading (a path that does not
    /// exist, say), recorded as `cwfilter replay` records them.
    #[pyo3(signature = (objects, names=None, errors=None))]
    fn partial<'py>(
        &self,
        py: Python<'py>,
        objects: &Bound<'py, PyAny>,
        names: Option<&Bound<'py, PyAny>>,
        errors: Option<Vec<(String, String)>>,
    ) -> PyResult<Vec<u8>> {
        let array = import_array(objects)?;
        let names: Vec<String> = match names {
            None => (0..array.len()).map(|i| format!("object[{i}]")).collect(),
            Some(n) if n.hasattr("__arrow_c_array__")? => {
                let n = import_array(n)?;
                if !is_string(n.data_type()) {
                    return Err(PyTypeError::new_err("names must be strings"));
                }
                strings(&n)
                    .enumerate()
                    .map(|(i, s)| s.map_or_else(|| format!("object[{i}]"), str::to_owned))
                    .collect()
            }
            Some(n) => n.extract()?,
        };
        if names.len() != array.len() {
            return Err(PyValueError::new_err(format!(
                "{} names for {} objects",
                names.len(),
                array.len()
            )));
        }
        let contents: Vec<Option<&[u8]>> = match array.data_type() {
            DataType::Binary => array.as_binary::<i32>().iter().collect(),
            DataType::LargeBinary => array.as_binary::<i64>().iter().collect(),
            DataType::BinaryView => array.as_binary_view().iter().collect(),
            t if is_string(t) => strings(&array).map(|s| s.map(str::as_bytes)).collect(),
            t => {
                return Err(PyTypeError::new_err(format!(
                    "objects must be a binary, large_binary or binary_view array, not {t}"
                )))
            }
        };
        let replay = &self.inner;
        let text = py.detach(|| {
            let objects: Vec<(String, &[u8])> = names
                .iter()
                .zip(&contents)
                .filter_map(|(n, c)| c.map(|c| (n.clone(), c)))
                .collect();
            let state = replay.accumulate_objects(&objects, &ReadOptions::default());
            let mut partial = Partial::new(replay, state);
            for (n, c) in names.iter().zip(&contents) {
                if c.is_none() {
                    partial.add_error(n, None, "no content (a null object)");
                }
            }
            for (path, message) in errors.iter().flatten() {
                partial.add_error(path, None, message);
            }
            partial.to_json()
        });
        Ok(text.into_bytes())
    }

    /// Whether an object at `path` may hold events in the window, judged from the date in its
    /// S3 key (`.../CloudTrail/REGION/YYYY/MM/DD/...`): the pruning `cwfilter replay` does
    /// before reading. Always true without `since`/`until` or without a date in the path.
    fn may_hold(&self, path: PathBuf) -> bool {
        self.window.may_hold_s3_key(Path::new(&path))
    }
}

/// A replay report: what `cwfilter replay` prints, in each of its formats.
#[pyclass(module = "cwfilter", frozen, name = "Report")]
struct PyReport {
    inner: Arc<RustReport>,
}

impl PyReport {
    fn render(&self, py: Python<'_>, format: Format) -> String {
        let report = &self.inner;
        py.detach(|| render::render(report, format))
    }
}

#[pymethods]
impl PyReport {
    /// The JSON contract (`--format json`), byte for byte.
    fn to_json(&self, py: Python<'_>) -> String {
        self.render(py, Format::Json)
    }
    /// The self-contained HTML page (`--format html`).
    fn to_html(&self, py: Python<'_>) -> String {
        self.render(py, Format::Html)
    }
    /// Markdown (`--format markdown`).
    fn to_markdown(&self, py: Python<'_>) -> String {
        self.render(py, Format::Markdown)
    }
    /// CSV, one row per detector (`--format csv`).
    fn to_csv(&self, py: Python<'_>) -> String {
        self.render(py, Format::Csv)
    }
    /// The terminal table (`--format table`, the default).
    fn to_table(&self, py: Python<'_>) -> String {
        self.render(py, Format::Table)
    }

    /// The input errors listed in the report: `(path, line or None, message)`.
    #[getter]
    fn input_errors(&self) -> Vec<(String, Option<u64>, String)> {
        self.inner
            .inputs
            .errors
            .iter()
            .map(|e| (e.path.clone(), e.line, e.message.clone()))
            .collect()
    }

    /// What `cwfilter replay` would exit with: 2 when an input could not be read or no
    /// CloudTrail record was found, else 0.
    #[getter]
    fn exit_code(&self) -> i32 {
        let inputs = &self.inner.inputs;
        if !inputs.errors.is_empty() || inputs.events.saturating_sub(inputs.no_event_time) == 0 {
            2
        } else {
            0
        }
    }

    fn __repr__(&self) -> String {
        let s = &self.inner.summary;
        format!(
            "Report(detectors={}, matched_events={}, fires={}, events={})",
            s.detectors, s.matched_events, s.fires, self.inner.inputs.events
        )
    }
}

/// The bytes of each partial of an iterable.
fn partial_bytes(partials: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
    let mut all: Vec<Vec<u8>> = Vec::new();
    for p in partials.try_iter()? {
        all.push(p?.extract()?);
    }
    Ok(all)
}

/// All partials merged into the first; errors name the partial by its index.
fn merged(all: &[Vec<u8>]) -> Result<Partial, String> {
    let mut total: Option<Partial> = None;
    for (i, bytes) in all.iter().enumerate() {
        let p = Partial::from_slice(bytes).map_err(|e| format!("partial #{i}: {e}"))?;
        match total.as_mut() {
            None => total = Some(p),
            Some(t) => t
                .merge(p)
                .map_err(|e| format!("partials #0 and #{i}: {e}"))?,
        }
    }
    total.ok_or_else(|| "no partial to merge".to_owned())
}

/// Merges partial replays (bytes from `Replay.partial` or files of `cwfilter replay
/// --partial-out`) into the report one replay over all their inputs gives.
#[pyfunction]
fn merge(py: Python<'_>, partials: &Bound<'_, PyAny>) -> PyResult<PyReport> {
    let all = partial_bytes(partials)?;
    let report = py.detach(|| merged(&all).map(Partial::finish));
    let report = report.map_err(PyValueError::new_err)?;
    Ok(PyReport {
        inner: Arc::new(report),
    })
}

/// Merges partial replays into one partial (bytes), for merging in stages (per Spark
/// partition, say); [`merge`] gives the report.
#[pyfunction]
fn merge_partials(py: Python<'_>, partials: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let all = partial_bytes(partials)?;
    let merged = py.detach(|| merged(&all).map(|p| p.to_json()));
    Ok(merged.map_err(PyValueError::new_err)?.into_bytes())
}

/// The native module, `cwfilter._native`; the package `cwfilter` re-exports it.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPattern>()?;
    m.add_class::<PyReplay>()?;
    m.add_class::<PyReport>()?;
    m.add_function(wrap_pyfunction!(_match_array, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(merge_partials, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
