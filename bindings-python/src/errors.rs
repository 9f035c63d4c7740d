//! The exceptions, and the one place where the core's errors become them.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::type_object::PyTypeInfo;
use pyo3::{IntoPyObjectExt, create_exception};
use sansocket::{Error, Role, UsageError};

create_exception!(
    sansocket,
    WebSocketError,
    PyException,
    "Base class of every error sansocket raises."
);
create_exception!(
    sansocket,
    LocalProtocolError,
    WebSocketError,
    "The application asked for something the connection's state or role does not allow, or \
passed an invalid argument (a close code that may not be sent, a header with a newline...). \
Nothing was queued. ``kind`` names the error (``'invalid-state'``, ``'invalid-close-code'``...)."
);
create_exception!(
    sansocket,
    RemoteProtocolError,
    WebSocketError,
    "The peer broke RFC 6455 after the handshake, or closed the transport without a close \
frame. ``code`` is the close code (1002, 1007, 1009, or 1006 for an abnormal closure) and \
``kind`` a stable name (``'invalid-utf8'``, ``'message-too-large'``...). The close frame is \
already queued: write ``data_to_send()`` and close the transport."
);
create_exception!(
    sansocket,
    HandshakeError,
    WebSocketError,
    "The opening handshake failed. ``status_code`` is the HTTP status a server answered with \
(400, 403, 405, 426, 431, 505) or None on a client; ``kind`` a stable name. A server's error \
response is already queued: write ``data_to_send()`` and close the transport."
);

/// Builds an exception of type `T` with `message` and extra attributes.
fn exception<T: PyTypeInfo>(
    py: Python<'_>,
    message: String,
    attrs: &[(&str, Bound<'_, PyAny>)],
) -> PyErr {
    let value = match py.get_type::<T>().call1((message,)) {
        Ok(value) => value,
        Err(err) => return err,
    };
    for (name, attr) in attrs {
        if let Err(err) = value.setattr(*name, attr) {
            return err;
        }
    }
    PyErr::from_value(value)
}

fn attr<'py, V: IntoPyObjectExt<'py>>(py: Python<'py>, value: V) -> Bound<'py, PyAny> {
    value
        .into_bound_py_any(py)
        .unwrap_or_else(|_| py.None().into_bound(py))
}

/// A connection failure (`next_event`'s error) as `RemoteProtocolError` or `HandshakeError`.
/// A handshake error has a status only on a server, which answered with it.
pub(crate) fn failure(py: Python<'_>, error: Error, role: Role) -> PyErr {
    match &error {
        Error::Protocol(e) => exception::<RemoteProtocolError>(
            py,
            e.to_string(),
            &[
                ("code", attr(py, e.close_code())),
                ("kind", attr(py, e.name())),
            ],
        ),
        Error::Handshake(e) => exception::<HandshakeError>(
            py,
            e.to_string(),
            &[
                (
                    "status_code",
                    attr(py, e.status().filter(|_| role == Role::Server)),
                ),
                ("kind", attr(py, e.name())),
            ],
        ),
        // A kind of failure newer than this binding: the base class, with its close code.
        e => exception::<WebSocketError>(
            py,
            e.to_string(),
            &[
                ("code", attr(py, e.close_code())),
                ("kind", attr(py, e.name())),
            ],
        ),
    }
}

/// The application's misuse as `LocalProtocolError`.
pub(crate) fn usage(py: Python<'_>, error: UsageError) -> PyErr {
    let kind = error.name();
    exception::<LocalProtocolError>(py, error.to_string(), &[("kind", attr(py, kind))])
}

/// `Result<T, UsageError>` to `PyResult<T>`.
pub(crate) trait UsageResult<T> {
    /// Converts the error with [`usage`].
    fn or_raise(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> UsageResult<T> for Result<T, UsageError> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| usage(py, e))
    }
}
