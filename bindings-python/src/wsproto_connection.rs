//! The native base of `sansocket.wsproto.connection.Connection`: its `send`, whose common
//! case (a whole message on an open connection) runs without a Python frame.
//!
//! The Python class keeps its state in the three attributes held here (`_engine`, `_state`,
//! `_fragment`: read and set from Python as usual) and does everything else; [`send`]
//! sends a whole message of `sansocket.wsproto`'s own classes natively
//! ([`wsproto_send_whole`]) and hands any other event (or a refusal) to the Python class's
//! `_send_general`, which checks and sends it, or raises wsproto's exception.
//!
//! [`send`]: WsprotoConnection::send

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::connection::Connection;
use crate::wsproto_message::wsproto_send_whole;

/// `sansocket.wsproto`'s `ConnectionState.OPEN`, given by [`wsproto_open_state`].
static OPEN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Names `sansocket.wsproto`'s `ConnectionState.OPEN` for [`WsprotoConnection::send`] (the
/// first call only; later ones are ignored).
#[pyfunction]
pub(crate) fn wsproto_open_state(open: Bound<'_, PyAny>) {
    let py = open.py();
    let _ = OPEN.set(py, open.unbind());
}

/// The base of ``sansocket.wsproto.connection.Connection`` (use that class): the attributes
/// ``_engine`` (the engine's connection), ``_state`` (a ``ConnectionState``) and
/// ``_fragment`` (the kind of the fragmented message being sent, or None), all None until
/// the subclass sets them, and ``send``.
#[pyclass(subclass, module = "sansocket._core")]
pub(crate) struct WsprotoConnection {
    /// The engine's connection (`_core.Connection`).
    #[pyo3(get, set, name = "_engine")]
    engine: Py<PyAny>,
    /// The connection's state (`ConnectionState`).
    #[pyo3(get, set, name = "_state")]
    state: Py<PyAny>,
    /// The kind of the fragmented message being sent (`"text"`, `"binary"`), or None.
    #[pyo3(get, set, name = "_fragment")]
    fragment: Py<PyAny>,
}

#[pymethods]
impl WsprotoConnection {
    /// The attributes None (the arguments are the subclass's ``__init__``'s).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    #[pyo3(text_signature = "(*args, **kwargs)")]
    fn new(
        py: Python<'_>,
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> Self {
        Self {
            engine: py.None(),
            state: py.None(),
            fragment: py.None(),
        }
    }

    /// The bytes of ``event`` (a message, ping, pong or close) to write to the transport.
    ///
    /// A whole message of ``sansocket.wsproto``'s own classes, with ``str`` or ``bytes``
    /// data, on an open connection with no fragmented message under way, is sent here; any
    /// other event goes to ``self._send_general(event)``, which raises
    /// ``LocalProtocolError`` if the state does not allow it, ``ValueError`` for a control
    /// payload over 125 bytes, ``TypeError`` for data of another type than the message's
    /// first fragment.
    fn send<'py>(slf: &Bound<'py, Self>, event: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let engine = {
            let this = slf.borrow();
            let open = OPEN.get(py).is_some_and(|open| this.state.is(open));
            if open && this.fragment.is_none(py) {
                this.engine.bind(py).cast::<Connection>().ok().cloned()
            } else {
                None
            }
        };
        if let Some(engine) = engine {
            // A refusal (the engine's connection failed, the transport ended) is left to
            // the general path, which raises wsproto's exception (nothing was queued).
            if let Ok(Some(out)) = wsproto_send_whole(&engine, event) {
                return Ok(out.into_any());
            }
        }
        slf.call_method1(pyo3::intern!(py, "_send_general"), (event,))
    }
}
