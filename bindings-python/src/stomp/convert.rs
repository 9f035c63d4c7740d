//! Conversions between Python values and the engine's types: `Frame`, `Limits`, versions,
//! heart-beats, header lists and bodies; and the small module functions.

use bytes::Bytes;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyModule, PyString};
use sansocket_stomp::{Command, Frame, HeartBeat, Limits, Version};

/// `"1.0"`, `"1.1"` or `"1.2"` as a `Version`.
pub(super) fn version(text: &str) -> PyResult<Version> {
    Version::parse(text)
        .ok_or_else(|| PyValueError::new_err(format!("unknown STOMP version {text:?}")))
}

pub(super) fn heart_beat(hb: (u64, u64)) -> HeartBeat {
    HeartBeat::new(hb.0, hb.1)
}

pub(super) fn limits(limits: Option<PyRef<'_, PyLimits>>) -> Limits {
    limits.map_or_else(Limits::default, |l| l.inner)
}

/// A body given as `bytes`, `bytearray` or `str` (its UTF-8).
pub(super) fn body(value: &Bound<'_, PyAny>) -> PyResult<Bytes> {
    if let Ok(b) = value.cast::<PyBytes>() {
        Ok(Bytes::copy_from_slice(b.as_bytes()))
    } else if let Ok(s) = value.cast::<PyString>() {
        Ok(Bytes::copy_from_slice(s.to_cow()?.as_bytes()))
    } else if let Ok(b) = value.cast::<PyByteArray>() {
        Ok(Bytes::from(b.to_vec()))
    } else {
        Err(PyTypeError::new_err(
            "a STOMP body is bytes, bytearray or str",
        ))
    }
}

/// [`body`] of an optional argument: none is an empty body.
pub(super) fn optional_body(value: Option<&Bound<'_, PyAny>>) -> PyResult<Bytes> {
    value.map_or_else(|| Ok(Bytes::new()), body)
}

pub(super) use crate::convert::with_bytes;

/// Bytes into a Python `bytes`.
pub(super) fn py_bytes<'py>(py: Python<'py>, data: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, data)
}

/// A STOMP frame: a command, headers in wire order (repeats kept; ``header()`` returns the
/// first, as the spec says) and a body.
#[pyclass(frozen, module = "sansocket.stomp", name = "Frame")]
#[derive(Clone)]
pub(crate) struct PyFrame {
    pub(crate) inner: Frame,
}

impl From<Frame> for PyFrame {
    fn from(inner: Frame) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PyFrame {
    #[new]
    #[pyo3(signature = (command, headers = Vec::new(), body = None))]
    fn new(
        command: &str,
        headers: Vec<(String, String)>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let command = Command::from_bytes(command.as_bytes())
            .ok_or_else(|| PyValueError::new_err(format!("unknown STOMP command {command:?}")))?;
        let body = match body {
            Some(b) => self::body(b)?,
            None => Bytes::new(),
        };
        Ok(Self {
            inner: Frame::from_parts(command, headers, body),
        })
    }

    /// The command, e.g. ``"SEND"``.
    #[getter]
    fn command(&self) -> &'static str {
        self.inner.command().as_str()
    }

    /// Every header as ``(name, value)``, in wire order, unescaped.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.inner.headers().to_vec()
    }

    /// The body.
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        py_bytes(py, self.inner.body())
    }

    /// The first header called ``name``, or None.
    fn header(&self, name: &str) -> Option<String> {
        self.inner.header(name).map(str::to_owned)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyFrame>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        let body = self.inner.body();
        let shown = &body[..body.len().min(64)];
        format!(
            "Frame({:?}, {:?}, {:?}{})",
            self.inner.command().as_str(),
            self.inner.headers(),
            String::from_utf8_lossy(shown),
            if body.len() > 64 {
                format!("...<{} bytes>", body.len())
            } else {
                String::new()
            }
        )
    }
}

/// The decoder's limits (defaults: 64 headers, 8 KiB per line, 32 KiB header block, 1 MiB
/// body). An announced ``content-length`` above ``max_body`` is refused when it is read.
#[pyclass(frozen, module = "sansocket.stomp", name = "Limits")]
#[derive(Clone)]
pub(crate) struct PyLimits {
    pub(crate) inner: Limits,
}

#[pymethods]
impl PyLimits {
    #[new]
    #[pyo3(signature = (*, max_headers = None, max_line = None, max_header_block = None, max_body = None))]
    fn new(
        max_headers: Option<usize>,
        max_line: Option<usize>,
        max_header_block: Option<usize>,
        max_body: Option<usize>,
    ) -> Self {
        let d = Limits::default();
        Self {
            inner: d
                .max_headers(max_headers.unwrap_or(d.max_headers))
                .max_line(max_line.unwrap_or(d.max_line))
                .max_header_block(max_header_block.unwrap_or(d.max_header_block))
                .max_body(max_body.unwrap_or(d.max_body)),
        }
    }
    #[getter]
    fn max_headers(&self) -> usize {
        self.inner.max_headers
    }
    #[getter]
    fn max_line(&self) -> usize {
        self.inner.max_line
    }
    #[getter]
    fn max_header_block(&self) -> usize {
        self.inner.max_header_block
    }
    #[getter]
    fn max_body(&self) -> usize {
        self.inner.max_body
    }
    fn __repr__(&self) -> String {
        let l = self.inner;
        format!(
            "Limits(max_headers={}, max_line={}, max_header_block={}, max_body={})",
            l.max_headers, l.max_line, l.max_header_block, l.max_body
        )
    }
}

/// An EOL between frames: a heart-beat (an event of the decoder and of both sessions).
#[pyclass(frozen, module = "sansocket.stomp", name = "HeartBeat")]
pub(crate) struct PyHeartBeat;

#[pymethods]
impl PyHeartBeat {
    #[new]
    fn new() -> Self {
        Self
    }
    fn __repr__(&self) -> &'static str {
        "HeartBeat()"
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.is_instance_of::<PyHeartBeat>()
    }
}

/// The STOMP version a WebSocket subprotocol allows (``"v11.stomp"`` → ``"1.1"``; None or
/// any other → ``"1.2"``).
#[pyfunction]
#[pyo3(signature = (subprotocol))]
fn version_for_subprotocol(subprotocol: Option<&str>) -> &'static str {
    sansocket_stomp::version_for_subprotocol(subprotocol).as_str()
}

/// The subprotocol of a version (``"1.2"`` → ``"v12.stomp"``).
#[pyfunction]
fn subprotocol_for_version(version: &str) -> PyResult<&'static str> {
    Ok(sansocket_stomp::subprotocol_for_version(self::version(
        version,
    )?))
}

/// Whether encoded frames must go in a binary WebSocket message (they are not UTF-8).
#[pyfunction]
fn is_binary(encoded: &[u8]) -> bool {
    sansocket_stomp::is_binary(encoded)
}

pub(super) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFrame>()?;
    m.add_class::<PyLimits>()?;
    m.add_class::<PyHeartBeat>()?;
    m.add_function(wrap_pyfunction!(version_for_subprotocol, m)?)?;
    m.add_function(wrap_pyfunction!(subprotocol_for_version, m)?)?;
    m.add_function(wrap_pyfunction!(is_binary, m)?)?;
    Ok(())
}
