//! `Broker` and its events.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyModule};
use sansocket_stomp::{Broker, BrokerConfig, BrokerEvent, Grants};

use super::convert::{self, PyFrame, PyLimits, py_bytes, with_bytes};
use super::errors::{self, OrRaise};
use super::sessions::server_config;

/// A CONNECT to check (``Broker(authenticate=True)``): answer ``accept`` or ``reject``.
#[pyclass(frozen, get_all, module = "sansocket.stomp", name = "Authenticate")]
pub(crate) struct PyAuthenticate {
    /// The connection id.
    connection: u64,
    /// ``login``, if sent.
    login: Option<String>,
    /// ``passcode``, if sent.
    passcode: Option<String>,
    /// ``host``, if sent.
    host: Option<String>,
}

#[pymethods]
impl PyAuthenticate {
    fn __repr__(&self) -> String {
        format!(
            "Authenticate(connection={}, login={:?}, host={:?})",
            self.connection, self.login, self.host
        )
    }
}

/// A SEND to an application destination (``app_prefixes``); answer with ``publish`` if
/// you like.
#[pyclass(frozen, get_all, module = "sansocket.stomp", name = "AppMessage")]
pub(crate) struct PyAppMessage {
    /// The sender's connection id.
    connection: u64,
    /// The SEND frame.
    frame: Py<PyFrame>,
}

#[pymethods]
impl PyAppMessage {
    fn __repr__(&self) -> String {
        format!("AppMessage(connection={})", self.connection)
    }
}

/// A connection's session ended: write its ``data_to_send``, close the transport, then
/// call ``Broker.close``. ``error`` is a ``StompSessionError`` or None (DISCONNECT).
#[pyclass(frozen, get_all, module = "sansocket.stomp", name = "Closed")]
pub(crate) struct PyClosed {
    /// The connection id.
    connection: u64,
    /// Why, or None for a DISCONNECT.
    error: Option<Py<PyAny>>,
}

#[pymethods]
impl PyClosed {
    fn __repr__(&self, py: Python<'_>) -> String {
        let error = self
            .error
            .as_ref()
            .and_then(|e| e.bind(py).repr().ok())
            .map_or_else(|| "None".to_owned(), |r| r.to_string());
        format!("Closed(connection={}, error={error})", self.connection)
    }
}

/// An in-memory STOMP broker without IO: ``/topic/`` fan-out, ``/queue/`` round robin with
/// acknowledgements and redelivery, transactions, receipts, heart-beats, a bounded
/// outgoing queue per connection.
///
/// ``open(now, max_version)`` per transport (the WebSocket subprotocol's version, or
/// ``"1.2"`` over TCP); ``receive_data(id, bytes, now)``; then for each id in
/// ``connections_to_flush()`` write ``data_to_send(id, now)`` and close the transport when
/// ``should_close(id)``; ``close(id)`` when the transport is gone. ``next_event()`` gives
/// ``Authenticate``, ``AppMessage`` and ``Closed``.
#[pyclass(module = "sansocket.stomp", name = "Broker")]
pub(crate) struct PyBroker {
    inner: Broker,
}

fn grants(send: Option<Vec<String>>, subscribe: Option<Vec<String>>) -> Grants {
    let mut g = Grants::all();
    if let Some(p) = send {
        g = g.send_only(p);
    }
    if let Some(p) = subscribe {
        g = g.subscribe_only(p);
    }
    g
}

#[pymethods]
impl PyBroker {
    #[new]
    #[pyo3(signature = (*, topic_prefixes = vec!["/topic/".to_owned()],
        queue_prefixes = vec!["/queue/".to_owned()], app_prefixes = Vec::new(),
        authenticate = false, max_outgoing = None, max_queue_depth = None, max_unacked = None,
        max_version = "1.2", heart_beat = (10_000, 10_000),
        grace = sansocket_stomp::DEFAULT_GRACE, limits = None,
        server_name = Some("sansocket-stomp".to_owned())))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        topic_prefixes: Vec<String>,
        queue_prefixes: Vec<String>,
        app_prefixes: Vec<String>,
        authenticate: bool,
        max_outgoing: Option<usize>,
        max_queue_depth: Option<usize>,
        max_unacked: Option<usize>,
        max_version: &str,
        heart_beat: (u64, u64),
        grace: f64,
        limits: Option<PyRef<'_, PyLimits>>,
        server_name: Option<String>,
    ) -> PyResult<Self> {
        let d = BrokerConfig::default();
        let config = BrokerConfig::default()
            .server(server_config(
                max_version,
                heart_beat,
                grace,
                limits,
                server_name,
            )?)
            .topic_prefixes(topic_prefixes)
            .queue_prefixes(queue_prefixes)
            .app_prefixes(app_prefixes)
            .authenticate(authenticate)
            .max_outgoing(max_outgoing.unwrap_or(d.max_outgoing))
            .max_queue_depth(max_queue_depth.unwrap_or(d.max_queue_depth))
            .max_unacked(max_unacked.unwrap_or(d.max_unacked));
        Ok(Self {
            inner: Broker::new(config),
        })
    }

    /// A new connection waiting for CONNECT; returns its id.
    #[pyo3(signature = (now = 0, max_version = "1.2"))]
    fn open(&mut self, now: u64, max_version: &str) -> PyResult<u64> {
        Ok(self.inner.open(convert::version(max_version)?, now))
    }

    /// Bytes from connection ``id``'s transport; complete frames are processed at once.
    fn receive_data(
        &mut self,
        py: Python<'_>,
        id: u64,
        data: &Bound<'_, PyAny>,
        now: u64,
    ) -> PyResult<()> {
        with_bytes(data, |b| self.inner.receive_data(id, b, now))?.or_raise(py)
    }

    /// The transport of ``id`` is gone: the connection is forgotten (its subscriptions
    /// removed, unacknowledged queue messages redelivered). Unknown ids are ignored.
    fn close(&mut self, id: u64) {
        self.inner.close(id);
    }

    /// The next ``Authenticate``, ``AppMessage`` or ``Closed``, or None.
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let Some(event) = self.inner.next_event() else {
            return Ok(None);
        };
        let obj = match event {
            BrokerEvent::Authenticate {
                connection,
                login,
                passcode,
                host,
            } => Py::new(
                py,
                PyAuthenticate {
                    connection,
                    login,
                    passcode,
                    host,
                },
            )?
            .into_any(),
            BrokerEvent::AppMessage { connection, frame } => Py::new(
                py,
                PyAppMessage {
                    connection,
                    frame: Py::new(py, PyFrame::from(frame))?,
                },
            )?
            .into_any(),
            BrokerEvent::Closed { connection, error } => Py::new(
                py,
                PyClosed {
                    connection,
                    error: error.map(|e| errors::session_error(py, e).into_value(py).into_any()),
                },
            )?
            .into_any(),
            _ => return Ok(None),
        };
        Ok(Some(obj))
    }

    /// The bytes to write to ``id``'s transport (drained; empty for an unknown id).
    fn data_to_send<'py>(&mut self, py: Python<'py>, id: u64, now: u64) -> Bound<'py, PyBytes> {
        py_bytes(py, &self.inner.data_to_send(id, now))
    }

    /// Connections with bytes to write or a transport to close, since the last call.
    fn connections_to_flush(&mut self) -> Vec<u64> {
        self.inner.connections_to_flush()
    }

    /// Whether ``id``'s transport should be closed (True for an unknown id).
    fn should_close(&self, id: u64) -> bool {
        self.inner.should_close(id)
    }

    /// Open connections.
    #[getter]
    fn connection_count(&self) -> usize {
        self.inner.connection_count()
    }

    /// Messages waiting in queue ``destination``.
    fn queue_depth(&self, destination: &str) -> usize {
        self.inner.queue_depth(destination)
    }

    /// When to call ``handle_timeout`` next (ms), or None.
    fn poll_timeout(&self) -> Option<u64> {
        self.inner.poll_timeout()
    }

    /// Lets time pass: heart-beats queued, silent connections closed.
    fn handle_timeout(&mut self, now: u64) {
        self.inner.handle_timeout(now);
    }

    /// Accepts ``id``'s CONNECT after ``Authenticate``. ``send``/``subscribe``: the
    /// destination prefixes allowed (None: all).
    #[pyo3(signature = (id, *, send = None, subscribe = None))]
    fn accept(
        &mut self,
        py: Python<'_>,
        id: u64,
        send: Option<Vec<String>>,
        subscribe: Option<Vec<String>>,
    ) -> PyResult<()> {
        self.inner.accept(id, grants(send, subscribe)).or_raise(py)
    }

    /// Rejects ``id``'s CONNECT with an ERROR ``message``.
    fn reject(&mut self, py: Python<'_>, id: u64, message: &str) -> PyResult<()> {
        self.inner.reject(id, message).or_raise(py)
    }

    /// Publishes from the application to a topic or queue, as a SEND with ``headers``.
    #[pyo3(signature = (destination, body = None, headers = Vec::new()))]
    fn publish(
        &mut self,
        py: Python<'_>,
        destination: &str,
        body: Option<&Bound<'_, PyAny>>,
        headers: Vec<(String, String)>,
    ) -> PyResult<()> {
        let body = convert::optional_body(body)?;
        self.inner.publish(destination, body, &headers).or_raise(py)
    }
}

pub(super) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyAuthenticate>()?;
    m.add_class::<PyAppMessage>()?;
    m.add_class::<PyClosed>()?;
    m.add_class::<PyBroker>()?;
    Ok(())
}
