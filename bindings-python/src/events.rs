//! The event classes, named as in wsproto, and the conversion of the core's `Event`.
//!
//! Events are frozen: their fields are set once, from the core's buffers, with one copy into
//! the Python `bytes`/`str` (the payload never passes through an intermediate `Vec`).

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};
use sansocket::{Event, MessageKind};

/// Longest `str`/`bytes` field shown whole in a `repr`.
const REPR_LIMIT: usize = 64;

/// `Name(field=value, ...)`, with long payloads cut short.
fn repr(py: Python<'_>, name: &str, fields: &[(&str, Bound<'_, PyAny>)]) -> PyResult<String> {
    let mut out = format!("{name}(");
    for (i, (field, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(field);
        out.push('=');
        let len = if value.is_instance_of::<PyBytes>() || value.is_instance_of::<PyString>() {
            value.len()?
        } else {
            0
        };
        if len > REPR_LIMIT {
            let head = value.get_item(pyo3::types::PySlice::new(py, 0, REPR_LIMIT as isize, 1))?;
            out.push_str(&head.repr()?.to_cow()?);
            out.push_str(&format!("...<{len} in all>"));
        } else {
            out.push_str(&value.repr()?.to_cow()?);
        }
    }
    out.push(')');
    Ok(out)
}

fn fields_eq(a: &[(&str, Bound<'_, PyAny>)], b: &[(&str, Bound<'_, PyAny>)]) -> PyResult<bool> {
    for ((_, x), (_, y)) in a.iter().zip(b) {
        if !x.eq(y)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn fields_hash(py: Python<'_>, fields: &[(&str, Bound<'_, PyAny>)]) -> PyResult<isize> {
    PyTuple::new(py, fields.iter().map(|(_, v)| v))?.hash()
}

fn any<'py, T: IntoPyObjectExt<'py>>(py: Python<'py>, value: T) -> PyResult<Bound<'py, PyAny>> {
    value.into_bound_py_any(py)
}

/// Defines a frozen event class: fields with getters, `__repr__`, `__eq__`, `__hash__` and
/// `__match_args__`, plus the given methods (the constructor among them).
macro_rules! event_class {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),+ $(,)?
        }
        $($extra:item)*
    ) => {
        $(#[$meta])*
        #[pyclass(frozen, module = "sansocket", get_all)]
        pub(crate) struct $name {
            $( $(#[$fmeta])* pub(crate) $field: $ty, )+
        }

        impl $name {
            fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
                Ok(vec![ $( (stringify!($field), any(py, &self.$field)?), )+ ])
            }
        }

        #[pymethods]
        impl $name {
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                repr(py, stringify!($name), &self.fields(py)?)
            }

            fn __eq__(&self, py: Python<'_>, other: &Self) -> PyResult<bool> {
                fields_eq(&self.fields(py)?, &other.fields(py)?)
            }

            fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
                fields_hash(py, &self.fields(py)?)
            }

            #[classattr]
            fn __match_args__(py: Python<'_>) -> PyResult<Py<PyTuple>> {
                Ok(PyTuple::new(py, [$(stringify!($field)),+])?.unbind())
            }

            $($extra)*
        }
    };
}

event_class! {
    /// Server: a client's valid WebSocket upgrade request. Answer it with
    /// ``ServerConnection.accept()`` or ``reject()``; nothing else happens until then.
    ///
    /// ``headers`` holds every header as ``(name, value)`` bytes in the order received, names
    /// as sent; ``subprotocols`` the offered subprotocols in the client's order;
    /// ``extensions`` the offered extensions as header elements.
    Request {
        target: String,
        host: String,
        origin: Option<String>,
        subprotocols: Py<PyTuple>,
        extensions: Py<PyTuple>,
        headers: Py<PyTuple>,
    }

    #[new]
    #[pyo3(signature = (target, host, origin=None, subprotocols=None, extensions=None, headers=None))]
    fn __new__(
        py: Python<'_>,
        target: String,
        host: String,
        origin: Option<String>,
        subprotocols: Option<Vec<String>>,
        extensions: Option<Vec<String>>,
        headers: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    ) -> PyResult<Self> {
        Ok(Self {
            target,
            host,
            origin,
            subprotocols: str_tuple(py, subprotocols.unwrap_or_default())?,
            extensions: str_tuple(py, extensions.unwrap_or_default())?,
            headers: bytes_pairs(py, headers)?,
        })
    }

    /// The path of the target, without the query.
    #[getter]
    fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The query of the target (after ``?``), or None.
    #[getter]
    fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// False for a plain HTTP ``GET`` (no ``Upgrade`` header), delivered only to a server
    /// made with ``plain_http=True``: answer it with ``reject(status, headers, body)`` (any
    /// status but 101, ``200`` with a page); ``accept`` refuses it.
    #[getter]
    fn is_upgrade(&self, py: Python<'_>) -> PyResult<bool> {
        let headers: Vec<(Vec<u8>, Vec<u8>)> = self.headers.bind(py).extract()?;
        Ok(headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(b"upgrade")))
    }

    /// The first of ``preferences`` (the server's order) that the client offered, or None.
    fn select_subprotocol(&self, py: Python<'_>, preferences: Vec<String>) -> PyResult<Option<String>> {
        let offered: Vec<String> = self.subprotocols.bind(py).extract()?;
        Ok(preferences.into_iter().find(|p| offered.contains(p)))
    }
}

event_class! {
    /// Client: the server accepted the upgrade (``101``); the connection is open.
    /// ``subprotocol`` is the one the server selected (one that was offered) or None.
    AcceptConnection {
        subprotocol: Option<String>,
        extensions: Py<PyTuple>,
        headers: Py<PyTuple>,
    }

    #[new]
    #[pyo3(signature = (subprotocol=None, extensions=None, headers=None))]
    fn __new__(
        py: Python<'_>,
        subprotocol: Option<String>,
        extensions: Option<Vec<String>>,
        headers: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    ) -> PyResult<Self> {
        Ok(Self {
            subprotocol,
            extensions: str_tuple(py, extensions.unwrap_or_default())?,
            headers: bytes_pairs(py, headers)?,
        })
    }
}

event_class! {
    /// Client: the server answered the upgrade with another status (``403``, ``404``, a
    /// proxy's ``502``...). The connection is over: close the transport. ``body`` holds at
    /// most ``max_rejection_body`` bytes.
    RejectConnection {
        status_code: u16,
        reason: String,
        headers: Py<PyTuple>,
        body: Py<PyBytes>,
    }

    #[new]
    #[pyo3(signature = (status_code, reason=String::new(), headers=None, body=None))]
    fn __new__(
        py: Python<'_>,
        status_code: u16,
        reason: String,
        headers: Option<Vec<(Vec<u8>, Vec<u8>)>>,
        body: Option<Py<PyBytes>>,
    ) -> PyResult<Self> {
        Ok(Self {
            status_code,
            reason,
            headers: bytes_pairs(py, headers)?,
            body: body.unwrap_or_else(|| PyBytes::new(py, b"").unbind()),
        })
    }
}

event_class! {
    /// A text message. ``message_finished`` is always true when whole messages are delivered
    /// (the default); with ``delivery='chunks'`` this is a piece of a message (whole UTF-8
    /// characters) and ``message_finished`` is true on its last piece.
    TextMessage {
        data: Py<PyString>,
        message_finished: bool,
    }

    #[new]
    #[pyo3(signature = (data, message_finished=true))]
    fn __new__(data: Py<PyString>, message_finished: bool) -> Self {
        Self { data, message_finished }
    }
}

event_class! {
    /// A binary message; ``message_finished`` as for ``TextMessage``.
    BytesMessage {
        data: Py<PyBytes>,
        message_finished: bool,
    }

    #[new]
    #[pyo3(signature = (data, message_finished=true))]
    fn __new__(data: Py<PyBytes>, message_finished: bool) -> Self {
        Self { data, message_finished }
    }
}

event_class! {
    /// The peer sent a ping. With ``auto_pong`` (the default) the pong is already queued.
    Ping {
        payload: Py<PyBytes>,
    }

    #[new]
    #[pyo3(signature = (payload=None))]
    fn __new__(py: Python<'_>, payload: Option<Py<PyBytes>>) -> Self {
        Self { payload: payload.unwrap_or_else(|| PyBytes::new(py, b"").unbind()) }
    }
}

event_class! {
    /// The peer sent a pong.
    Pong {
        payload: Py<PyBytes>,
    }

    #[new]
    #[pyo3(signature = (payload=None))]
    fn __new__(py: Python<'_>, payload: Option<Py<PyBytes>>) -> Self {
        Self { payload: payload.unwrap_or_else(|| PyBytes::new(py, b"").unbind()) }
    }
}

event_class! {
    /// The peer sent a close frame (``code`` 1005 when it carried none). The reply is already
    /// queued: write ``data_to_send()``; then a server closes the transport, a client waits
    /// for the server to close it.
    CloseConnection {
        code: u16,
        reason: String,
    }

    #[new]
    #[pyo3(signature = (code, reason=String::new()))]
    fn __new__(code: u16, reason: String) -> Self {
        Self { code, reason }
    }
}

fn header_tuple<'py>(py: Python<'py>, headers: &[(String, Vec<u8>)]) -> PyResult<Py<PyTuple>> {
    let items = headers.iter().map(|(name, value)| {
        (
            PyBytes::new(py, name.as_bytes()),
            PyBytes::new(py, value.as_slice()),
        )
    });
    Ok(PyTuple::new(py, items)?.unbind())
}

fn bytes_pairs(py: Python<'_>, pairs: Option<Vec<(Vec<u8>, Vec<u8>)>>) -> PyResult<Py<PyTuple>> {
    let pairs = pairs.unwrap_or_default();
    let items = pairs
        .iter()
        .map(|(n, v)| (PyBytes::new(py, n), PyBytes::new(py, v)));
    Ok(PyTuple::new(py, items)?.unbind())
}

fn str_tuple<I>(py: Python<'_>, items: I) -> PyResult<Py<PyTuple>>
where
    I: IntoIterator<Item = String>,
    I::IntoIter: ExactSizeIterator,
{
    Ok(PyTuple::new(py, items)?.unbind())
}

/// A data payload as `str` (already checked UTF-8 by the core; copied once, see
/// `text::utf8_str`) or `bytes`, with one copy.
fn text(py: Python<'_>, data: &[u8]) -> PyResult<Py<PyString>> {
    Ok(crate::text::utf8_str(py, data, [0; 4])?.unbind())
}

/// The core's event as a Python event object.
pub(crate) fn to_python(py: Python<'_>, event: Event) -> PyResult<Py<PyAny>> {
    Ok(match event {
        Event::Text(data) => Py::new(
            py,
            TextMessage {
                data: text(py, data.as_bytes())?,
                message_finished: true,
            },
        )?
        .into_any(),
        Event::Binary(data) => Py::new(
            py,
            BytesMessage {
                data: crate::convert::payload_bytes(py, &data)?.unbind(),
                message_finished: true,
            },
        )?
        .into_any(),
        Event::Chunk { kind, data, fin } => match kind {
            MessageKind::Text => Py::new(
                py,
                TextMessage {
                    data: text(py, &data)?,
                    message_finished: fin,
                },
            )?
            .into_any(),
            MessageKind::Binary => Py::new(
                py,
                BytesMessage {
                    data: crate::convert::payload_bytes(py, &data)?.unbind(),
                    message_finished: fin,
                },
            )?
            .into_any(),
        },
        Event::Ping(payload) => Py::new(
            py,
            Ping {
                payload: PyBytes::new(py, &payload).unbind(),
            },
        )?
        .into_any(),
        Event::Pong(payload) => Py::new(
            py,
            Pong {
                payload: PyBytes::new(py, &payload).unbind(),
            },
        )?
        .into_any(),
        Event::Close(frame) => Py::new(
            py,
            CloseConnection {
                code: frame.code,
                reason: frame.reason,
            },
        )?
        .into_any(),
        Event::Request(request) => {
            let request = *request;
            Py::new(
                py,
                Request {
                    subprotocols: str_tuple(py, request.subprotocols)?,
                    extensions: str_tuple(py, request.extensions.iter().map(|e| e.to_string()))?,
                    headers: header_tuple(py, &request.headers)?,
                    target: request.target,
                    host: request.host,
                    origin: request.origin,
                },
            )?
            .into_any()
        }
        Event::Accepted(response) => Py::new(
            py,
            AcceptConnection {
                subprotocol: response.subprotocol.clone(),
                extensions: str_tuple(py, response.extensions.iter().map(|e| e.to_string()))?,
                headers: header_tuple(py, &response.headers)?,
            },
        )?
        .into_any(),
        Event::Rejected(rejection) => Py::new(
            py,
            RejectConnection {
                status_code: rejection.status,
                headers: header_tuple(py, &rejection.headers)?,
                body: PyBytes::new(py, &rejection.body).unbind(),
                reason: rejection.reason,
            },
        )?
        .into_any(),
    })
}
