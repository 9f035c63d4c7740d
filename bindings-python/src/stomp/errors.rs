//! The exceptions of `sansocket.stomp`, and where the engine's errors become them.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyModule;
use sansocket_stomp::{DecodeError, EncodeError, SessionError, UsageError};

use super::convert::PyFrame;

create_exception!(
    sansocket.stomp,
    StompError,
    PyException,
    "Base class of the errors of sansocket.stomp. ``kind`` is a stable kebab-case name."
);
create_exception!(
    sansocket.stomp,
    StompDecodeError,
    StompError,
    "The decoder refused its input (``kind``: ``'invalid-escape'``, ``'body-too-large'``...; \
``is_limit``: a configured limit was crossed). The decoder is failed afterwards."
);
create_exception!(
    sansocket.stomp,
    StompEncodeError,
    StompError,
    "A frame cannot be encoded (``kind``: ``'body-not-allowed'``, ``'unencodable-header'``). \
Nothing was written."
);
create_exception!(
    sansocket.stomp,
    StompUsageError,
    StompError,
    "A session or broker method was called at the wrong time or with wrong arguments \
(``kind``: ``'not-connected'``, ``'unknown-subscription'``...). Nothing was queued."
);
create_exception!(
    sansocket.stomp,
    StompSessionError,
    StompError,
    "A session failed because of the peer: ``kind`` (a decode error's kind, ``'protocol'``, \
``'unsupported-version'``, ``'heart-beat-timeout'``, ``'server-error'``, ``'rejected'``), \
``message`` and, for an ERROR frame from the server, ``frame``. A server session has \
already queued its ERROR: write ``data_to_send()``, then close the transport."
);

pub(super) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("StompError", py.get_type::<StompError>())?;
    m.add("StompDecodeError", py.get_type::<StompDecodeError>())?;
    m.add("StompEncodeError", py.get_type::<StompEncodeError>())?;
    m.add("StompUsageError", py.get_type::<StompUsageError>())?;
    m.add("StompSessionError", py.get_type::<StompSessionError>())?;
    Ok(())
}

/// An exception instance of `ty` with `message` and attributes.
fn build(
    py: Python<'_>,
    ty: Bound<'_, pyo3::types::PyType>,
    message: String,
    attrs: Vec<(&str, Py<PyAny>)>,
) -> PyErr {
    let value = match ty.call1((message,)) {
        Ok(v) => v,
        Err(e) => return e,
    };
    for (name, attr) in attrs {
        if let Err(e) = value.setattr(name, attr) {
            return e;
        }
    }
    let _ = py;
    PyErr::from_value(value)
}

fn kind(py: Python<'_>, kind: &str) -> Py<PyAny> {
    kind.into_pyobject(py)
        .map_or_else(|_| py.None(), |k| k.into_any().unbind())
}

pub(super) fn decode_error(py: Python<'_>, e: DecodeError) -> PyErr {
    let is_limit = pyo3::types::PyBool::new(py, e.is_limit())
        .to_owned()
        .into_any()
        .unbind();
    build(
        py,
        py.get_type::<StompDecodeError>(),
        e.to_string(),
        vec![("kind", kind(py, e.kind())), ("is_limit", is_limit)],
    )
}

pub(super) fn encode_error(py: Python<'_>, e: EncodeError) -> PyErr {
    build(
        py,
        py.get_type::<StompEncodeError>(),
        e.to_string(),
        vec![("kind", kind(py, e.kind()))],
    )
}

pub(super) fn usage_error(py: Python<'_>, e: UsageError) -> PyErr {
    build(
        py,
        py.get_type::<StompUsageError>(),
        e.to_string(),
        vec![("kind", kind(py, e.kind()))],
    )
}

/// The exception for a session failure (raised by `next_event`, or carried by the broker's
/// `Closed` event).
pub(super) fn session_error(py: Python<'_>, e: SessionError) -> PyErr {
    let frame = match &e {
        SessionError::Server { frame, .. } => Py::new(py, PyFrame::from((**frame).clone()))
            .map_or_else(|_| py.None(), |f| f.into_any()),
        _ => py.None(),
    };
    let message = match &e {
        SessionError::Server { message, .. } => message.clone(),
        other => other.to_string(),
    };
    build(
        py,
        py.get_type::<StompSessionError>(),
        e.to_string(),
        vec![
            ("kind", kind(py, e.kind())),
            ("message", kind(py, &message)),
            ("frame", frame),
        ],
    )
}

/// Maps a `UsageError` result.
pub(super) trait OrRaise<T> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> OrRaise<T> for Result<T, UsageError> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| usage_error(py, e))
    }
}
