//! The fields of `sansocket.wsproto`'s data events (`Message`, `TextMessage`,
//! `BytesMessage`), held in native code.
//!
//! `sansocket.wsproto.events.Message` derives from [`MessageFields`]: building one (a host
//! sends a message per event it builds, the connection yields one per piece received) runs
//! no Python code, and reading a field is a native getter. The Python class adds wsproto's
//! `repr`, `==`, `hash`, pickling and its place under `Event`. [`wsproto_events`] makes
//! those objects from the engine's data events; [`wsproto_send`] turns a message into the
//! bytes to send in one call.

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use sansocket::advanced::ConnectionExt;
use sansocket::{Event, MessageKind};

use crate::connection::Connection;
use crate::errors::{self, UsageResult};
use crate::{convert, events, text};

/// A flag given to a `Message` constructor: any object, taken by its truth value, as the
/// code that reads wsproto's flags does (`if event.message_finished:`).
pub(crate) struct Flag(bool);

impl<'a, 'py> FromPyObject<'a, 'py> for Flag {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        obj.is_truthy().map(Flag)
    }
}

/// The fields of a wsproto data event: ``data`` (``str`` or bytes-like, kept as given),
/// ``frame_finished`` and ``message_finished`` (``bool``, both true by default). Read-only
/// attributes, set by ``__init__`` (so that a subclass's ``__init__`` can call
/// ``super().__init__(...)``). A base class only: use
/// ``sansocket.wsproto.events.TextMessage`` / ``BytesMessage``.
#[pyclass(subclass, module = "sansocket._core")]
pub(crate) struct MessageFields {
    /// The payload (or the piece of it).
    #[pyo3(get)]
    data: Py<PyAny>,
    /// Whether this ends a frame.
    #[pyo3(get)]
    frame_finished: bool,
    /// Whether this ends the message.
    #[pyo3(get)]
    message_finished: bool,
}

#[pymethods]
impl MessageFields {
    /// A message with the fields given as `Message`'s are (``__init__`` sets them again, so
    /// that a subclass with other arguments gets the fields its ``super().__init__`` gives;
    /// arguments that are not fields are ignored here).
    #[new]
    #[pyo3(signature = (data=None, frame_finished=Flag(true), message_finished=Flag(true), *_args, **_kwargs))]
    #[pyo3(text_signature = "(data, frame_finished=True, message_finished=True)")]
    fn new(
        py: Python<'_>,
        data: Option<Py<PyAny>>,
        frame_finished: Flag,
        message_finished: Flag,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> Self {
        Self {
            data: data.unwrap_or_else(|| py.None()),
            frame_finished: frame_finished.0,
            message_finished: message_finished.0,
        }
    }

    #[pyo3(signature = (data, frame_finished=Flag(true), message_finished=Flag(true)))]
    fn __init__(&mut self, data: Py<PyAny>, frame_finished: Flag, message_finished: Flag) {
        self.data = data;
        self.frame_finished = frame_finished.0;
        self.message_finished = message_finished.0;
    }
}

/// Decodes the events available on `conn` for `sansocket.wsproto`'s connection: the data
/// events become `text_cls(data, fin, fin)` / `bytes_cls(data, fin, fin)` objects (its
/// `TextMessage` / `BytesMessage`) appended to `out`, without a Python call per event. Stops
/// at the first other event, which it returns as the engine's event object (`Ping`, `Pong`,
/// `CloseConnection`...), or returns None once no more input is buffered. Raises the
/// engine's error (`RemoteProtocolError`...) when the peer broke the protocol; the data
/// events decoded before it are in `out` already.
#[pyfunction]
pub(crate) fn wsproto_events(
    conn: &Bound<'_, Connection>,
    text_cls: &Bound<'_, PyAny>,
    bytes_cls: &Bound<'_, PyAny>,
    out: &Bound<'_, PyList>,
) -> PyResult<Option<Py<PyAny>>> {
    let py = conn.py();
    let mut guard = conn.borrow_mut();
    let core = guard.core();
    loop {
        let event = match core.next_event() {
            Ok(Some(event)) => event,
            Ok(None) => return Ok(None),
            Err(error) => return Err(errors::failure(py, error, core.role())),
        };
        let (kind, data, fin) = match event {
            Event::Text(data) => (MessageKind::Text, data.into_bytes(), true),
            Event::Binary(data) => (MessageKind::Binary, data, true),
            Event::Chunk { kind, data, fin } => (kind, data, fin),
            other => return events::to_python(py, other).map(Some),
        };
        let message = match kind {
            MessageKind::Text => text_cls.call1((PyString::from_bytes(py, &data)?, fin, fin))?,
            MessageKind::Binary => bytes_cls.call1((PyBytes::new(py, &data), fin, fin))?,
        };
        out.append(message)?;
    }
}

/// From this size on, a `bytes` payload (or the UTF-8 of a `str`) is handed to the engine
/// without a copy: it is copied once, into the `bytes` returned (the engine's own sharing
/// threshold, as `Connection.send_binary`).
const SHARE_MIN: usize = 4096;

/// `sansocket.wsproto`'s send of a whole message: queues `data` on `conn` as one text
/// (`str`) or binary (bytes-like) message and returns everything queued for the transport,
/// in one `bytes` (what `send_text`/`send_binary` and `data_to_send()` do, in one call).
/// Raises `LocalProtocolError` when the connection's state does not allow it.
#[pyfunction]
pub(crate) fn wsproto_send<'py>(
    conn: &Bound<'py, Connection>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let py = conn.py();
    let mut guard = conn.borrow_mut();
    let core = guard.core();
    if let Ok(text) = data.cast::<PyString>() {
        match text::large_text(text, SHARE_MIN)? {
            Some(large) => core.send_text_shared(large.utf8).or_raise(py)?,
            None => text::with_str(text, |text| core.send_text(text).or_raise(py))??,
        }
    } else if let Ok(bytes) = data.cast::<PyBytes>()
        && bytes.as_bytes().len() >= SHARE_MIN
    {
        let payload = bytes::Bytes::from_owner(PyBackedBytes::from(bytes.clone()));
        core.send_binary_shared(payload).or_raise(py)?;
    } else {
        convert::with_bytes(data, |bytes| core.send_binary(bytes).or_raise(py))??;
    }
    let len = core.buffered_amount();
    convert::new_bytes(py, len, |buf| core.data_to_send_into(buf))
}
