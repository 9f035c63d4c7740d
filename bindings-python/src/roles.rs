//! The two roles of a `Connection`: ``ServerConnection`` (reads the upgrade request, then
//! accepts or rejects it) and ``ClientConnection`` (sends the upgrade request), each also
//! made already open for hosts that did the handshake themselves. Constructors and the
//! handshake answers only; everything else is the common base's (`connection`).

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sansocket::{Accept, ClientRequest, Entropy, SeededEntropy};

use crate::config;
use crate::connection::Connection;
use crate::convert;
use crate::errors::UsageResult;

/// The server role: reads the client's upgrade request (reported as a ``Request`` event),
/// then ``accept()`` or ``reject()``.
///
/// Options (keyword-only, all optional; the defaults are the engine's): ``max_message_size``
/// and ``max_frame_size`` (16 MiB; None for no limit), ``max_fragments`` (131072),
/// ``max_handshake_size`` (16 KiB), ``max_headers`` (128), ``auto_pong`` (True),
/// ``delivery`` (``'messages'`` or ``'chunks'``), ``allowed_origins`` (a list of origins,
/// others get 403) and ``require_origin`` (False).
#[pyclass(extends = Connection, module = "sansocket")]
pub(crate) struct ServerConnection;

#[pymethods]
impl ServerConnection {
    #[new]
    #[pyo3(signature = (**options))]
    fn new(options: Option<&Bound<'_, PyDict>>) -> PyResult<PyClassInitializer<Self>> {
        let config = config::from_options(options, true)?;
        let base = Connection::new(sansocket::Connection::server(config));
        Ok(PyClassInitializer::from(base).add_subclass(Self))
    }

    /// A server connection whose handshake the host already did (an ASGI server, or
    /// WebSocket over HTTP/2): it starts open, with ``subprotocol``, and with
    /// permessage-deflate if ``deflate_params`` (the negotiated RFC 7692 parameters: a dict
    /// of ``server_no_context_takeover``, ``client_no_context_takeover``,
    /// ``server_max_window_bits``, ``client_max_window_bits``) is given.
    #[staticmethod]
    #[pyo3(signature = (subprotocol=None, *, deflate_params=None, **options))]
    fn opened(
        py: Python<'_>,
        subprotocol: Option<String>,
        deflate_params: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<Self>> {
        let config = config::from_options(options, true)?;
        let mut conn = sansocket::Connection::open_server(config, subprotocol);
        if let Some(params) = deflate_params.filter(|p| !p.is_none()) {
            conn = conn.with_deflate(config::deflate_params(params)?);
        }
        let base = Connection::new(conn);
        Py::new(py, PyClassInitializer::from(base).add_subclass(Self))
    }

    /// Accept the pending ``Request``: queue the ``101`` response with ``subprotocol`` (one
    /// the client offered, or None) and ``extra_headers`` (``(name, value)`` pairs).
    /// ``deflate=False`` declines permessage-deflate for this connection even if the
    /// ``deflate`` option would accept the client's offer.
    #[pyo3(signature = (subprotocol=None, extra_headers=None, *, deflate=true))]
    fn accept(
        mut slf: PyRefMut<'_, Self>,
        subprotocol: Option<String>,
        extra_headers: Option<&Bound<'_, PyAny>>,
        deflate: bool,
    ) -> PyResult<()> {
        let py = slf.py();
        let accept = Accept {
            subprotocol,
            headers: convert::headers(extra_headers)?,
            decline_deflate: !deflate,
        };
        slf.as_super().core().accept(accept).or_raise(py)
    }

    /// Refuse the pending ``Request`` with an HTTP status (not 101), headers and a body;
    /// ``Content-Length`` and ``Connection: close`` are added. Close the transport after
    /// writing ``data_to_send()``.
    #[pyo3(signature = (status_code=400, headers=None, body=None))]
    fn reject(
        mut slf: PyRefMut<'_, Self>,
        status_code: u16,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let headers = convert::headers(headers)?;
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let conn = slf.as_super().core();
        match body {
            None => conn.reject(status_code, &pairs, b"").or_raise(py),
            Some(body) => {
                convert::with_bytes(body, |b| conn.reject(status_code, &pairs, b).or_raise(py))?
            }
        }
    }
}

/// The client role: the upgrade request for ``target`` on ``host`` (``"host"`` or
/// ``"host:port"``) is queued in ``data_to_send()`` at once; the server's answer arrives as
/// ``AcceptConnection`` or ``RejectConnection``.
///
/// ``subprotocols`` are offered in order of preference; ``origin`` sets ``Origin``;
/// ``extensions`` are ``Sec-WebSocket-Extensions`` offers, sent as written;
/// ``extra_headers`` are ``(name, value)`` pairs (``Authorization``, ``Cookie``...). Mask
/// keys and the handshake key come from the operating system's random source
/// (``insecure_seed=N`` makes them deterministic: for tests only). Options as for
/// ``ServerConnection`` (without the origin ones), plus ``max_rejection_body`` (64 KiB).
#[pyclass(extends = Connection, module = "sansocket")]
pub(crate) struct ClientConnection;

/// The client's random source: the OS's, or with `insecure_seed` the core's deterministic
/// `SeededEntropy` (for tests and reproducible vectors only).
///
/// The OS source is checked when the connection is made; a later failure (which would leave
/// mask keys predictable) cannot be ignored: it panics, and pyo3 turns the panic into a
/// Python `PanicException`.
fn entropy(seed: Option<u64>) -> PyResult<impl Entropy + 'static> {
    if seed.is_none() {
        getrandom::fill(&mut [0u8; 4])
            .map_err(|e| PyOSError::new_err(format!("no OS random source: {e}")))?;
    }
    let mut seeded = seed.map(SeededEntropy::new);
    Ok(move |buf: &mut [u8]| match seeded.as_mut() {
        Some(seeded) => seeded.fill(buf),
        None => {
            if let Err(e) = getrandom::fill(buf) {
                panic!("the operating system's random source failed: {e}");
            }
        }
    })
}

#[pymethods]
impl ClientConnection {
    #[new]
    #[pyo3(signature = (host, target="/", *, subprotocols=None, origin=None, extensions=None, extra_headers=None, insecure_seed=None, **options))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        host: String,
        target: &str,
        subprotocols: Option<&Bound<'_, PyAny>>,
        origin: Option<String>,
        extensions: Option<&Bound<'_, PyAny>>,
        extra_headers: Option<&Bound<'_, PyAny>>,
        insecure_seed: Option<u64>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let config = config::from_options(options, false)?;
        let mut request = ClientRequest::new(host, target);
        request.origin = origin;
        request.subprotocols = convert::strings(subprotocols, "subprotocols")?;
        request.extensions = convert::strings(extensions, "extensions")?;
        request.headers = convert::headers(extra_headers)?;
        let conn =
            sansocket::Connection::client(request, config, entropy(insecure_seed)?).or_raise(py)?;
        Ok(PyClassInitializer::from(Connection::new(conn)).add_subclass(Self))
    }

    /// A client connection whose handshake the host already did: it starts open (with
    /// permessage-deflate if ``deflate_params`` is given, as for ``ServerConnection.opened``).
    #[staticmethod]
    #[pyo3(signature = (subprotocol=None, *, deflate_params=None, insecure_seed=None, **options))]
    fn opened(
        py: Python<'_>,
        subprotocol: Option<String>,
        deflate_params: Option<&Bound<'_, PyAny>>,
        insecure_seed: Option<u64>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<Self>> {
        let config = config::from_options(options, false)?;
        let mut conn =
            sansocket::Connection::open_client(config, subprotocol, entropy(insecure_seed)?);
        if let Some(params) = deflate_params.filter(|p| !p.is_none()) {
            conn = conn.with_deflate(config::deflate_params(params)?);
        }
        let base = Connection::new(conn);
        Py::new(py, PyClassInitializer::from(base).add_subclass(Self))
    }
}
