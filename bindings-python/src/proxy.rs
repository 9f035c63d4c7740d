//! `ProxyConnect`: the core's HTTP `CONNECT` tunnel (`sansocket::handshake::ProxyConnect`)
//! for Python, and its outcomes and error.

use pyo3::create_exception;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sansocket::handshake::{self, ProxyError as CoreError, ProxyOutcome};

use crate::convert;
use crate::errors::WebSocketError;

create_exception!(
    sansocket,
    ProxyError,
    WebSocketError,
    "An HTTP proxy's answer to ``CONNECT`` could not be used: it was not HTTP, its head was too \
large, or the proxy closed the connection before answering. ``kind`` names it \
(``'malformed'``, ``'head-too-large'``, ``'closed'``, ``'invalid-target'``, ``'finished'``)."
);

fn raise(py: Python<'_>, error: CoreError) -> PyErr {
    let kind = match &error {
        CoreError::InvalidTarget(_) => "invalid-target",
        CoreError::Malformed(_) => "malformed",
        CoreError::HeadTooLarge => "head-too-large",
        CoreError::Closed => "closed",
        _ => "finished",
    };
    let err = ProxyError::new_err(error.to_string());
    if let Err(e) = err.value(py).setattr("kind", kind) {
        return e;
    }
    err
}

/// The proxy answered 2xx: the socket is a tunnel to the target. ``rest``: bytes the
/// target sent right behind the proxy's answer, for the WebSocket connection first.
#[pyclass(frozen, module = "sansocket", get_all)]
pub(crate) struct ProxyConnected {
    rest: Py<PyBytes>,
}

/// The proxy refused: its status, reason phrase, headers and (the start of) its body.
#[pyclass(frozen, module = "sansocket", get_all)]
pub(crate) struct ProxyRejected {
    status_code: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Py<PyBytes>,
}

#[pymethods]
impl ProxyRejected {
    fn __repr__(&self) -> String {
        format!(
            "ProxyRejected(status_code={}, reason={:?})",
            self.status_code, self.reason
        )
    }
}

/// The client side of an HTTP ``CONNECT`` tunnel, sans-IO: write ``data_to_send()`` to the
/// proxy, feed its answer to ``receive_data()`` until it returns a ``ProxyConnected`` (go on
/// with the WebSocket handshake on the same socket, after TLS for ``wss://``) or a
/// ``ProxyRejected`` (close the socket); ``receive_eof()`` when the proxy closes.
#[pyclass(module = "sansocket")]
pub(crate) struct ProxyConnect {
    inner: handshake::ProxyConnect,
}

fn outcome(py: Python<'_>, outcome: ProxyOutcome) -> PyResult<Py<PyAny>> {
    Ok(match outcome {
        ProxyOutcome::Connected { rest } => Py::new(
            py,
            ProxyConnected {
                rest: PyBytes::new(py, &rest).unbind(),
            },
        )?
        .into_any(),
        ProxyOutcome::Rejected(r) => Py::new(
            py,
            ProxyRejected {
                status_code: r.status,
                reason: r.reason,
                headers: r.headers,
                body: PyBytes::new(py, &r.body).unbind(),
            },
        )?
        .into_any(),
        // A later kind of outcome: treated as a refusal without a status.
        _ => Py::new(
            py,
            ProxyRejected {
                status_code: 0,
                reason: String::new(),
                headers: Vec::new(),
                body: PyBytes::new(py, b"").unbind(),
            },
        )?
        .into_any(),
    })
}

#[pymethods]
impl ProxyConnect {
    /// A tunnel to ``host``:``port``; ``username``/``password`` (already percent-decoded)
    /// add ``Proxy-Authorization: Basic``; ``headers`` are extra ``(name, value)`` pairs.
    #[new]
    #[pyo3(signature = (host, port, *, username=None, password=None, headers=None))]
    fn new(
        py: Python<'_>,
        host: &str,
        port: u16,
        username: Option<&str>,
        password: Option<&str>,
        headers: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut inner = handshake::ProxyConnect::new(host, port).map_err(|e| raise(py, e))?;
        if username.is_some() || password.is_some() {
            inner = inner.with_credentials(username.unwrap_or(""), password.unwrap_or(""));
        }
        for (name, value) in convert::headers(headers)? {
            inner = inner.with_header(&name, &value);
        }
        Ok(Self { inner })
    }

    /// The request to write to the proxy (once; empty afterwards).
    fn data_to_send<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.data_to_send())
    }

    /// Bytes read from the proxy: ``None`` (read more), ``ProxyConnected`` or
    /// ``ProxyRejected``. Raises ``ProxyError``.
    fn receive_data(
        &mut self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Py<PyAny>>> {
        let result = convert::with_bytes(data, |bytes| self.inner.receive_data(bytes))?;
        match result {
            Ok(Some(o)) => outcome(py, o).map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(raise(py, e)),
        }
    }

    /// The proxy closed: a ``ProxyRejected`` whose body was being read, or ``ProxyError``
    /// (kind ``'closed'``) when it had not answered.
    fn receive_eof(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.inner.receive_eof() {
            Ok(o) => outcome(py, o),
            Err(e) => Err(raise(py, e)),
        }
    }
}
