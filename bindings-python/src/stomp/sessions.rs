//! `ClientSession` and `ServerSession`, and their events.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyModule};
use sansocket_stomp::{
    AckMode, ClientConfig, ClientEvent, ClientSession, Message, ServerConfig, ServerEvent,
    ServerSession,
};

use super::convert::{self, PyFrame, PyHeartBeat, PyLimits, py_bytes, with_bytes};
use super::errors::{self, OrRaise};

/// CONNECTED arrived: the client session is open.
#[pyclass(frozen, get_all, module = "sansocket.stomp", name = "Connected")]
pub(crate) struct PyConnected {
    /// The negotiated version, e.g. ``"1.2"``.
    version: &'static str,
    /// The ``server`` header.
    server: Option<String>,
    /// The ``session`` header.
    session: Option<String>,
    /// The negotiated intervals ``(client sends every, expects the server every)`` in ms.
    heart_beat: (u64, u64),
    /// The CONNECTED frame.
    frame: Py<PyFrame>,
}

#[pymethods]
impl PyConnected {
    fn __repr__(&self) -> String {
        format!(
            "Connected(version={:?}, server={:?}, session={:?}, heart_beat={:?})",
            self.version, self.server, self.session, self.heart_beat
        )
    }
}

/// A MESSAGE for one of the client's subscriptions; pass it to ``ack``/``nack``.
#[pyclass(frozen, module = "sansocket.stomp", name = "Message")]
pub(crate) struct PyMessage {
    inner: Message,
}

#[pymethods]
impl PyMessage {
    /// The ``subscription`` header.
    #[getter]
    fn subscription(&self) -> &str {
        &self.inner.subscription
    }
    /// The ``destination`` header.
    #[getter]
    fn destination(&self) -> &str {
        &self.inner.destination
    }
    /// The ``message-id`` header.
    #[getter]
    fn message_id(&self) -> &str {
        &self.inner.message_id
    }
    /// The ``ack`` header (1.2, client ack modes), or None.
    #[getter]
    fn ack(&self) -> Option<&str> {
        self.inner.ack.as_deref()
    }
    /// The body.
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        py_bytes(py, self.inner.body())
    }
    /// The whole MESSAGE frame.
    #[getter]
    fn frame(&self) -> PyFrame {
        PyFrame::from(self.inner.frame.clone())
    }
    /// The first header called ``name``, or None.
    fn header(&self, name: &str) -> Option<String> {
        self.inner.frame.header(name).map(str::to_owned)
    }
    fn __repr__(&self) -> String {
        format!(
            "Message(destination={:?}, subscription={:?}, message_id={:?}, body=<{} bytes>)",
            self.inner.destination,
            self.inner.subscription,
            self.inner.message_id,
            self.inner.body().len()
        )
    }
}

/// The RECEIPT of a frame sent with ``receipt:<receipt_id>``.
#[pyclass(frozen, get_all, module = "sansocket.stomp", name = "Receipt")]
pub(crate) struct PyReceipt {
    /// The ``receipt-id``.
    receipt_id: String,
}

#[pymethods]
impl PyReceipt {
    fn __repr__(&self) -> String {
        format!("Receipt(receipt_id={:?})", self.receipt_id)
    }
}

/// The RECEIPT of DISCONNECT arrived: the session is closed; close the transport.
#[pyclass(frozen, module = "sansocket.stomp", name = "Disconnected")]
pub(crate) struct PyDisconnected;

#[pymethods]
impl PyDisconnected {
    fn __repr__(&self) -> &'static str {
        "Disconnected()"
    }
}

fn ack_mode(text: &str) -> PyResult<AckMode> {
    AckMode::parse(text).ok_or_else(|| {
        PyValueError::new_err(format!(
            "ack is 'auto', 'client' or 'client-individual', not {text:?}"
        ))
    })
}

/// The client side of one STOMP connection, without IO. Construction queues CONNECT.
///
/// Feed ``receive_data(bytes, now)``, call ``next_event()`` until None, write
/// ``data_to_send(now)``; close the transport when ``should_close_transport``; call
/// ``handle_timeout(now)`` at ``poll_timeout()``. ``now`` is milliseconds from a monotonic
/// clock. Commands only queue bytes.
#[pyclass(module = "sansocket.stomp", name = "ClientSession")]
pub(crate) struct PyClientSession {
    inner: ClientSession,
}

#[pymethods]
impl PyClientSession {
    #[new]
    #[pyo3(signature = (now = 0, *, host = "/".to_owned(), login = None, passcode = None,
        max_version = "1.2", heart_beat = (10_000, 10_000), grace = sansocket_stomp::DEFAULT_GRACE,
        limits = None, stomp_command = false, headers = Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        now: u64,
        host: String,
        login: Option<String>,
        passcode: Option<String>,
        max_version: &str,
        heart_beat: (u64, u64),
        grace: f64,
        limits: Option<PyRef<'_, PyLimits>>,
        stomp_command: bool,
        headers: Vec<(String, String)>,
    ) -> PyResult<Self> {
        let mut config = ClientConfig::default()
            .host(host)
            .max_version(convert::version(max_version)?)
            .heart_beat(convert::heart_beat(heart_beat))
            .grace(grace)
            .limits(convert::limits(limits))
            .stomp_command(stomp_command);
        config.login = login;
        config.passcode = passcode;
        config.headers = headers;
        Ok(Self {
            inner: ClientSession::new(config, now).or_raise(py)?,
        })
    }

    /// The negotiated version (the configured maximum until CONNECTED).
    #[getter]
    fn version(&self) -> &'static str {
        self.inner.version().as_str()
    }
    /// Whether CONNECTED arrived and the session is not closing or closed.
    #[getter]
    fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }
    /// Whether the session is over.
    #[getter]
    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
    /// Receipts asked for and not received yet.
    #[getter]
    fn pending_receipts(&self) -> Vec<String> {
        self.inner.pending_receipts()
    }
    /// Whether to close the transport (after writing ``data_to_send``).
    #[getter]
    fn should_close_transport(&self) -> bool {
        self.inner.should_close_transport()
    }

    /// The server's bytes, split anywhere; ``now`` in ms.
    fn receive_data(&mut self, data: &Bound<'_, PyAny>, now: u64) -> PyResult<()> {
        with_bytes(data, |b| self.inner.receive_data(b, now))
    }
    /// The server closed its side: the session is closed.
    fn receive_eof(&mut self) {
        self.inner.receive_eof();
    }

    /// The next event (``Connected``, ``Message``, ``Receipt``, ``Disconnected``,
    /// ``HeartBeat``) or None. Raises ``StompSessionError`` (an ERROR frame from the server
    /// is ``kind == 'server-error'``); the session is closed afterwards.
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let event = match self.inner.next_event() {
            Ok(None) => return Ok(None),
            Ok(Some(e)) => e,
            Err(e) => return Err(errors::session_error(py, e)),
        };
        let obj = match event {
            ClientEvent::Connected(c) => Py::new(
                py,
                PyConnected {
                    version: c.version.as_str(),
                    server: c.server,
                    session: c.session,
                    heart_beat: c.heart_beat,
                    frame: Py::new(py, PyFrame::from(c.frame))?,
                },
            )?
            .into_any(),
            ClientEvent::Message(m) => Py::new(py, PyMessage { inner: m })?.into_any(),
            ClientEvent::Receipt(id) => Py::new(py, PyReceipt { receipt_id: id })?.into_any(),
            ClientEvent::Disconnected => Py::new(py, PyDisconnected)?.into_any(),
            _ => Py::new(py, PyHeartBeat)?.into_any(),
        };
        Ok(Some(obj))
    }

    /// Queues any client frame (a ``receipt`` header is tracked).
    fn send_frame(&mut self, py: Python<'_>, frame: PyRef<'_, PyFrame>) -> PyResult<()> {
        self.inner.send_frame(&frame.inner).or_raise(py)
    }

    /// SUBSCRIBE with a fresh id, returned. ``ack``: ``auto``, ``client`` or
    /// ``client-individual``.
    #[pyo3(signature = (destination, ack = "auto", headers = Vec::new()))]
    fn subscribe(
        &mut self,
        py: Python<'_>,
        destination: &str,
        ack: &str,
        headers: Vec<(String, String)>,
    ) -> PyResult<String> {
        let mode = ack_mode(ack)?;
        self.inner
            .subscribe(destination, mode, &headers)
            .or_raise(py)
    }

    /// UNSUBSCRIBE the subscription ``id``.
    #[pyo3(signature = (id, headers = Vec::new()))]
    fn unsubscribe(
        &mut self,
        py: Python<'_>,
        id: &str,
        headers: Vec<(String, String)>,
    ) -> PyResult<()> {
        self.inner.unsubscribe(id, &headers).or_raise(py)
    }

    /// SEND ``body`` (``bytes`` or ``str``) to ``destination``; ``content-length`` is always
    /// written.
    #[pyo3(signature = (destination, body = None, headers = Vec::new()))]
    fn send(
        &mut self,
        py: Python<'_>,
        destination: &str,
        body: Option<&Bound<'_, PyAny>>,
        headers: Vec<(String, String)>,
    ) -> PyResult<()> {
        let body = convert::optional_body(body)?;
        self.inner.send(destination, body, &headers).or_raise(py)
    }

    /// ACK ``message`` with the headers of the negotiated version, in ``transaction``.
    #[pyo3(signature = (message, transaction = None))]
    fn ack(
        &mut self,
        py: Python<'_>,
        message: PyRef<'_, PyMessage>,
        transaction: Option<&str>,
    ) -> PyResult<()> {
        self.inner.ack(&message.inner, transaction).or_raise(py)
    }

    /// NACK ``message`` (1.1 and 1.2), as ``ack``.
    #[pyo3(signature = (message, transaction = None))]
    fn nack(
        &mut self,
        py: Python<'_>,
        message: PyRef<'_, PyMessage>,
        transaction: Option<&str>,
    ) -> PyResult<()> {
        self.inner.nack(&message.inner, transaction).or_raise(py)
    }

    /// BEGIN a transaction with a fresh id, returned.
    #[pyo3(signature = (headers = Vec::new()))]
    fn begin(&mut self, py: Python<'_>, headers: Vec<(String, String)>) -> PyResult<String> {
        self.inner.begin(&headers).or_raise(py)
    }

    /// COMMIT transaction ``id``.
    #[pyo3(signature = (id, headers = Vec::new()))]
    fn commit(&mut self, py: Python<'_>, id: &str, headers: Vec<(String, String)>) -> PyResult<()> {
        self.inner.commit(id, &headers).or_raise(py)
    }

    /// ABORT transaction ``id``.
    #[pyo3(signature = (id, headers = Vec::new()))]
    fn abort(&mut self, py: Python<'_>, id: &str, headers: Vec<(String, String)>) -> PyResult<()> {
        self.inner.abort(id, &headers).or_raise(py)
    }

    /// DISCONNECT; with ``receipt`` the session closes when its RECEIPT arrives
    /// (``Disconnected``), otherwise at once.
    #[pyo3(signature = (receipt = true))]
    fn disconnect(&mut self, py: Python<'_>, receipt: bool) -> PyResult<()> {
        self.inner.disconnect(receipt).or_raise(py)
    }

    /// The bytes to write (drained); ``now`` is when they leave.
    fn data_to_send<'py>(&mut self, py: Python<'py>, now: u64) -> Bound<'py, PyBytes> {
        py_bytes(py, &self.inner.data_to_send(now))
    }

    /// When to call ``handle_timeout`` next (ms), or None.
    fn poll_timeout(&self) -> Option<u64> {
        self.inner.poll_timeout()
    }

    /// Lets time pass: queues a heart-beat, or fails the session when the server was silent.
    fn handle_timeout(&mut self, now: u64) {
        self.inner.handle_timeout(now);
    }
}

/// A client's CONNECT (or STOMP): answer with ``ServerSession.accept`` or ``reject``.
#[pyclass(frozen, get_all, module = "sansocket.stomp", name = "ConnectRequest")]
pub(crate) struct PyConnectRequest {
    /// The negotiated version.
    version: &'static str,
    /// The ``host`` header.
    host: Option<String>,
    /// The ``login`` header.
    login: Option<String>,
    /// The ``passcode`` header.
    passcode: Option<String>,
    /// The client's ``heart-beat`` offer ``(send, receive)`` in ms.
    heart_beat: (u64, u64),
    /// The whole frame.
    frame: Py<PyFrame>,
}

#[pymethods]
impl PyConnectRequest {
    fn __repr__(&self) -> String {
        format!(
            "ConnectRequest(version={:?}, host={:?}, login={:?}, heart_beat={:?})",
            self.version, self.host, self.login, self.heart_beat
        )
    }
}

/// DISCONNECT from the client; its RECEIPT (if asked) is queued and the session closed.
#[pyclass(frozen, get_all, module = "sansocket.stomp", name = "Disconnect")]
pub(crate) struct PyDisconnect {
    /// The DISCONNECT frame.
    frame: Py<PyFrame>,
}

#[pymethods]
impl PyDisconnect {
    fn __repr__(&self) -> &'static str {
        "Disconnect()"
    }
}

/// The server side of one STOMP connection, without IO. The same loop as
/// ``ClientSession``; events are ``ConnectRequest`` (answer ``accept``/``reject``),
/// ``Frame`` (a client frame, its required headers checked; answer ``send_receipt`` if it
/// has a ``receipt``), ``Disconnect`` and ``HeartBeat``. Every violation queues an ERROR,
/// closes the session and raises ``StompSessionError``.
#[pyclass(module = "sansocket.stomp", name = "ServerSession")]
pub(crate) struct PyServerSession {
    inner: ServerSession,
}

pub(super) fn server_config(
    max_version: &str,
    heart_beat: (u64, u64),
    grace: f64,
    limits: Option<PyRef<'_, PyLimits>>,
    server_name: Option<String>,
) -> PyResult<ServerConfig> {
    Ok(ServerConfig::default()
        .max_version(convert::version(max_version)?)
        .heart_beat(convert::heart_beat(heart_beat))
        .grace(grace)
        .limits(convert::limits(limits))
        .server_name(server_name))
}

#[pymethods]
impl PyServerSession {
    #[new]
    #[pyo3(signature = (now = 0, *, max_version = "1.2", heart_beat = (10_000, 10_000),
        grace = sansocket_stomp::DEFAULT_GRACE, limits = None,
        server_name = Some("sansocket-stomp".to_owned())))]
    fn new(
        now: u64,
        max_version: &str,
        heart_beat: (u64, u64),
        grace: f64,
        limits: Option<PyRef<'_, PyLimits>>,
        server_name: Option<String>,
    ) -> PyResult<Self> {
        let config = server_config(max_version, heart_beat, grace, limits, server_name)?;
        Ok(Self {
            inner: ServerSession::new(config, now),
        })
    }

    /// The negotiated version (the maximum until CONNECT).
    #[getter]
    fn version(&self) -> &'static str {
        self.inner.version().as_str()
    }
    /// Whether CONNECTED was sent and the session is not closed.
    #[getter]
    fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }
    /// Whether the session is over.
    #[getter]
    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
    /// Whether to close the transport (after writing ``data_to_send``).
    #[getter]
    fn should_close_transport(&self) -> bool {
        self.inner.should_close_transport()
    }
    /// The negotiated heart-beat intervals ``(send every, expect every)`` in ms.
    #[getter]
    fn heart_beat_intervals(&self) -> (u64, u64) {
        self.inner.heart_beat_intervals()
    }
    /// Bytes queued and not yet taken by ``data_to_send``.
    #[getter]
    fn pending_len(&self) -> usize {
        self.inner.pending_len()
    }

    /// The client's bytes, split anywhere; ``now`` in ms.
    fn receive_data(&mut self, data: &Bound<'_, PyAny>, now: u64) -> PyResult<()> {
        with_bytes(data, |b| self.inner.receive_data(b, now))
    }
    /// The client closed its side.
    fn receive_eof(&mut self) {
        self.inner.receive_eof();
    }

    /// The next event or None; raises ``StompSessionError`` (the ERROR is queued).
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let event = match self.inner.next_event() {
            Ok(None) => return Ok(None),
            Ok(Some(e)) => e,
            Err(e) => return Err(errors::session_error(py, e)),
        };
        let obj = match event {
            ServerEvent::Connect(r) => Py::new(
                py,
                PyConnectRequest {
                    version: r.version.as_str(),
                    host: r.host,
                    login: r.login,
                    passcode: r.passcode,
                    heart_beat: (r.heart_beat.send, r.heart_beat.receive),
                    frame: Py::new(py, PyFrame::from(r.frame))?,
                },
            )?
            .into_any(),
            ServerEvent::Frame(f) => Py::new(py, PyFrame::from(f))?.into_any(),
            ServerEvent::Disconnect(f) => Py::new(
                py,
                PyDisconnect {
                    frame: Py::new(py, PyFrame::from(f))?,
                },
            )?
            .into_any(),
            _ => Py::new(py, PyHeartBeat)?.into_any(),
        };
        Ok(Some(obj))
    }

    /// Accepts the pending CONNECT: CONNECTED with ``session`` and extra ``headers``.
    #[pyo3(signature = (session = None, headers = Vec::new()))]
    fn accept(
        &mut self,
        py: Python<'_>,
        session: Option<&str>,
        headers: Vec<(String, String)>,
    ) -> PyResult<()> {
        self.inner.accept_with(session, &headers).or_raise(py)
    }
    /// Rejects the pending CONNECT: ERROR with ``message``, then closed.
    fn reject(&mut self, py: Python<'_>, message: &str) -> PyResult<()> {
        self.inner.reject(message).or_raise(py)
    }
    /// Queues a server frame (MESSAGE, RECEIPT; ERROR closes the session).
    fn send_frame(&mut self, py: Python<'_>, frame: PyRef<'_, PyFrame>) -> PyResult<()> {
        self.inner.send_frame(&frame.inner).or_raise(py)
    }
    /// Queues ``RECEIPT receipt-id:<receipt_id>``.
    fn send_receipt(&mut self, py: Python<'_>, receipt_id: &str) -> PyResult<()> {
        self.inner.send_receipt(receipt_id).or_raise(py)
    }
    /// Queues an ERROR with ``message`` (and ``receipt-id``), then closes.
    #[pyo3(signature = (message, receipt_id = None))]
    fn send_error(
        &mut self,
        py: Python<'_>,
        message: &str,
        receipt_id: Option<&str>,
    ) -> PyResult<()> {
        self.inner.send_error(message, receipt_id).or_raise(py)
    }

    /// The bytes to write (drained); ``now`` is when they leave.
    fn data_to_send<'py>(&mut self, py: Python<'py>, now: u64) -> Bound<'py, PyBytes> {
        py_bytes(py, &self.inner.data_to_send(now))
    }
    /// When to call ``handle_timeout`` next (ms), or None.
    fn poll_timeout(&self) -> Option<u64> {
        self.inner.poll_timeout()
    }
    /// Lets time pass: queues a heart-beat, or fails a silent client (ERROR queued).
    fn handle_timeout(&mut self, now: u64) {
        self.inner.handle_timeout(now);
    }
}

pub(super) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyConnected>()?;
    m.add_class::<PyMessage>()?;
    m.add_class::<PyReceipt>()?;
    m.add_class::<PyDisconnected>()?;
    m.add_class::<PyClientSession>()?;
    m.add_class::<PyConnectRequest>()?;
    m.add_class::<PyDisconnect>()?;
    m.add_class::<PyServerSession>()?;
    Ok(())
}
