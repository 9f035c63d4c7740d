//! `Decoder` and `encode`: the STOMP codec without sessions.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyModule};
use sansocket_stomp::{DecodeEvent, Decoder};

use super::convert::{self, PyFrame, PyHeartBeat, PyLimits, py_bytes, with_bytes};
use super::errors;

/// A streaming STOMP decoder: ``receive_data(bytes)`` split anywhere, then
/// ``next_event()`` until it returns None. Events are ``Frame`` and ``HeartBeat``; a
/// malformed frame or a crossed limit raises ``StompDecodeError``, after which the decoder
/// is failed (``next_event()`` returns None). Headers are unescaped for ``version``.
#[pyclass(module = "sansocket.stomp", name = "Decoder")]
pub(crate) struct PyDecoder {
    inner: Decoder,
}

#[pymethods]
impl PyDecoder {
    #[new]
    #[pyo3(signature = (version = "1.2", limits = None))]
    fn new(version: &str, limits: Option<PyRef<'_, PyLimits>>) -> PyResult<Self> {
        Ok(Self {
            inner: Decoder::new(convert::version(version)?, convert::limits(limits)),
        })
    }

    /// The version headers are unescaped for.
    #[getter]
    fn version(&self) -> &'static str {
        self.inner.version().as_str()
    }

    /// Changes the version for the frames not decoded yet.
    fn set_version(&mut self, version: &str) -> PyResult<()> {
        self.inner.set_version(convert::version(version)?);
        Ok(())
    }

    /// Bytes as they arrive (``bytes``, ``bytearray`` or ``memoryview``).
    fn receive_data(&mut self, data: &Bound<'_, PyAny>) -> PyResult<()> {
        with_bytes(data, |b| self.inner.receive_data(b))
    }

    /// The next ``Frame`` or ``HeartBeat``, or None when more bytes are needed.
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match self.inner.next_event() {
            Ok(None) => Ok(None),
            Ok(Some(DecodeEvent::Frame(f))) => Ok(Some(Py::new(py, PyFrame::from(f))?.into_any())),
            Ok(Some(_)) => Ok(Some(Py::new(py, PyHeartBeat)?.into_any())),
            Err(e) => Err(errors::decode_error(py, e)),
        }
    }

    /// Bytes received and not decoded yet.
    #[getter]
    fn buffered(&self) -> usize {
        self.inner.buffered()
    }

    /// Whether the decoder failed (it decodes nothing more).
    #[getter]
    fn has_failed(&self) -> bool {
        self.inner.has_failed()
    }
}

/// ``frame`` as bytes for ``version``: headers escaped as that version says (never for
/// CONNECT, STOMP and CONNECTED), ``content-length`` written on every frame with a body.
/// Raises ``StompEncodeError``.
#[pyfunction]
#[pyo3(signature = (frame, version = "1.2"))]
fn encode<'py>(
    py: Python<'py>,
    frame: PyRef<'_, PyFrame>,
    version: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = sansocket_stomp::encode(&frame.inner, convert::version(version)?)
        .map_err(|e| errors::encode_error(py, e))?;
    Ok(py_bytes(py, &bytes))
}

pub(super) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDecoder>()?;
    m.add_function(wrap_pyfunction!(encode, m)?)?;
    Ok(())
}
