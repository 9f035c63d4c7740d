//! The fields of `sansocket.wsproto`'s data events (`Message`, `TextMessage`,
//! `BytesMessage`), held in native code.
//!
//! `sansocket.wsproto.events.Message` derives from [`MessageFields`]: building one (a host
//! sends a message per event it builds, the connection yields one per piece received) runs
//! no Python code, and reading a field is a native getter. The Python class adds wsproto's
//! `repr`, `==`, `hash`, pickling and its place under `Event`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

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
    /// An empty message (``data`` None); ``__init__`` sets the fields.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> Self {
        Self {
            data: py.None(),
            frame_finished: true,
            message_finished: true,
        }
    }

    #[pyo3(signature = (data, frame_finished=Flag(true), message_finished=Flag(true)))]
    fn __init__(&mut self, data: Py<PyAny>, frame_finished: Flag, message_finished: Flag) {
        self.data = data;
        self.frame_finished = frame_finished.0;
        self.message_finished = message_finished.0;
    }
}
