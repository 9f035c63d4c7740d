//! `Connection`, the common base of the two roles (`roles`): a thin wrapper that converts
//! arguments and results and leaves every protocol decision to the core.

use std::collections::VecDeque;
use std::sync::Mutex;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyList, PyString};
use sansocket::advanced::ConnectionExt;
use sansocket::{MessageKind, Role, State};

use crate::convert;
use crate::errors::{self, UsageResult};
use crate::events;
use crate::read_buffer::ReadBuffer;
use crate::text;
use crate::whole_frames::Pieces;

/// Where a connection is in its life.
#[pyclass(eq, eq_int, frozen, hash, module = "sansocket")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ConnectionState {
    /// The opening handshake is in progress.
    #[pyo3(name = "CONNECTING")]
    Connecting,
    /// Messages flow both ways.
    #[pyo3(name = "OPEN")]
    Open,
    /// A close frame was sent or received; the close handshake is under way.
    #[pyo3(name = "CLOSING")]
    Closing,
    /// Over: closed, failed, rejected, or the transport ended. Nothing more can be sent.
    #[pyo3(name = "CLOSED")]
    Closed,
}

impl From<State> for ConnectionState {
    fn from(state: State) -> Self {
        match state {
            State::Connecting => Self::Connecting,
            State::Open => Self::Open,
            State::Closing => Self::Closing,
            State::Closed => Self::Closed,
        }
    }
}

/// A WebSocket connection with no IO of its own: the common base of ``ServerConnection``
/// and ``ClientConnection``.
///
/// In: ``receive_data(data)`` with every chunk read from the transport,
/// ``receive_eof()`` when the peer closed it. Out: iterate ``events()``, then write
/// ``data_to_send()`` to the transport (received bytes cause bytes to send: the handshake
/// answer, pongs, the close reply); if ``should_close_transport`` is then true, close the
/// transport. Actions (``send_text``, ``send_binary``, ``ping``, ``pong``, ``close``) only
/// queue bytes. Not thread-safe: use one connection from one thread (or task) at a time.
#[pyclass(subclass, module = "sansocket")]
pub(crate) struct Connection {
    // Only ever accessed through `get_mut` (pyo3 hands out `&mut self` exclusively), so they
    // are never locked; the Mutexes only make the class `Sync` as pyo3 requires.
    inner: Mutex<sansocket::Connection>,
    /// A server's `bytes` payloads handed to the engine without a copy
    /// (`send_binary_shared` / `send_text_shared`), by the address of their data, in the
    /// order they were queued: `data_to_send_list()` returns these objects themselves when
    /// the engine hands their `Bytes` back. Emptied whenever the outbox is.
    shared: Mutex<VecDeque<(usize, Py<PyBytes>)>>,
    /// The receive buffer lent to the event loop (`get_buffer`), made at the first read.
    reader: Mutex<Option<Py<ReadBuffer>>>,
    /// The message of a binary frame straddling reads that the read paths make themselves
    /// (`whole_frames::take_next`).
    pieces: Mutex<Pieces>,
}

/// From this size on, `bytes` payloads (and the UTF-8 of `str` ones) are handed to the engine
/// without a copy (the engine copies shorter ones anyway: `sansocket`'s sharing threshold).
const SHARE_MIN: usize = 4096;

impl Connection {
    pub(crate) fn new(inner: sansocket::Connection) -> Self {
        Self {
            inner: Mutex::new(inner),
            shared: Mutex::new(VecDeque::new()),
            reader: Mutex::new(None),
            pieces: Mutex::new(Pieces::default()),
        }
    }

    pub(crate) fn core(&mut self) -> &mut sansocket::Connection {
        self.inner
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The engine and the message being made of a frame straddling reads.
    pub(crate) fn reading(&mut self) -> (&mut sansocket::Connection, &mut Pieces) {
        (
            self.inner
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            self.pieces
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Refuses input that would go around the message being made of a frame straddling
    /// reads (its next bytes must go to the read path that began it).
    fn check_no_pieces(&mut self, py: Python<'_>) -> PyResult<()> {
        let pieces = self.reading().1;
        if pieces.partial.is_none() {
            return Ok(());
        }
        Err(errors::usage(
            py,
            sansocket::UsageError::InvalidState(
                "a message straddling reads is being received by receive_messages or the read \
                 path: give it the next reads",
            ),
        ))
    }

    fn parts(
        &mut self,
    ) -> (
        &mut sansocket::Connection,
        &mut VecDeque<(usize, Py<PyBytes>)>,
    ) {
        (
            self.inner
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            self.shared
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// `Connection.buffer_updated`: the engine takes its lent buffer back with `nbytes` more.
    pub(crate) fn buffer_updated_impl(&mut self, py: Python<'_>, nbytes: usize) -> PyResult<()> {
        let reader = self
            .reader
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .ok_or_else(|| PyValueError::new_err("buffer_updated() without get_buffer() first"))?;
        let buf = reader.bind(py).try_borrow_mut()?.take_back(nbytes)?;
        self.core().give_read_buffer(buf).or_raise(py)
    }

    /// Whether payloads shared with the engine wait in the outbox (`data_to_send_list`
    /// hands them back as they are).
    pub(crate) fn has_shared(&mut self) -> bool {
        !self.parts().1.is_empty()
    }

    /// Queues a binary message whose payload is the `bytes` object `data`, shared with the
    /// engine instead of copied.
    fn send_binary_shared(&mut self, py: Python<'_>, data: Bound<'_, PyBytes>) -> PyResult<()> {
        let (conn, shared) = self.parts();
        let key = data.as_bytes().as_ptr() as usize;
        let keep = (conn.role() == Role::Server).then(|| data.clone().unbind());
        let payload = bytes::Bytes::from_owner(PyBackedBytes::from(data));
        conn.send_binary_shared(payload).or_raise(py)?;
        if let Some(object) = keep {
            shared.push_back((key, object));
        }
        Ok(())
    }

    /// Queues a text message whose UTF-8 a Python object owns, shared with the engine
    /// instead of copied.
    fn send_text_shared(&mut self, py: Python<'_>, text: text::LargeText<'_>) -> PyResult<()> {
        let (conn, shared) = self.parts();
        let key = text.utf8.as_bytes().as_ptr() as usize;
        let keep = text
            .object
            .filter(|_| conn.role() == Role::Server)
            .map(Bound::unbind);
        conn.send_text_shared(text.utf8).or_raise(py)?;
        if let Some(object) = keep {
            shared.push_back((key, object));
        }
        Ok(())
    }
}

#[pymethods]
impl Connection {
    /// Give the connection bytes read from the transport (``bytes``, ``bytearray`` or
    /// ``memoryview``). They are decoded when ``events()`` is iterated. Raises
    /// ``LocalProtocolError`` (nothing taken) while ``receive_messages`` is making a binary
    /// message whose frame straddles reads: its next reads go there.
    fn receive_data(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        self.check_no_pieces(py)?;
        let conn = self.core();
        convert::with_bytes(data, |bytes| conn.receive_data(bytes))
    }

    /// The peer closed its side of the transport (a read returned no bytes).
    fn receive_eof(&mut self) {
        self.core().receive_eof();
    }

    /// An iterator over the events decoded so far. It raises ``RemoteProtocolError`` or
    /// ``HandshakeError`` when the connection fails (events decoded before the failure come
    /// first); the answer to the failure is then queued in ``data_to_send()``.
    fn events(slf: Bound<'_, Self>) -> Events {
        Events { conn: slf.unbind() }
    }

    /// The next event, or None when more input is needed.
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let conn = self.core();
        match conn.next_event() {
            Ok(Some(event)) => events::to_python(py, event).map(Some),
            Ok(None) => Ok(None),
            Err(error) => Err(errors::failure(py, error, conn.role())),
        }
    }

    /// Everything queued for the transport, in order (``b""`` if nothing is), in one
    /// ``bytes``.
    pub(crate) fn data_to_send<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let (conn, shared) = self.parts();
        let len = conn.buffered_amount();
        let out = convert::new_bytes(py, len, |buf| conn.data_to_send_into(buf));
        if !shared.is_empty() {
            shared.clear();
        }
        out
    }

    /// Everything queued for the transport, in order, as a list of ``bytes`` to write one
    /// after the other (``transport.writelines``, ``socket.sendmsg``); ``[]`` if nothing is.
    /// A server's large ``bytes`` payloads (4 KiB and more, not compressed) are the objects
    /// given to ``send_binary`` / made by ``send_text``, not copies; the frames between them
    /// are joined into as few ``bytes`` as possible.
    pub(crate) fn data_to_send_list<'py>(
        &mut self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (conn, shared) = self.parts();
        if shared.is_empty() {
            // No payload to hand back (the common case for small messages, and always for a
            // client): one `bytes`, or none.
            let total = conn.buffered_amount();
            if total == 0 {
                return Ok(PyList::empty(py));
            }
            let out = convert::new_bytes(py, total, |buf| conn.data_to_send_into(buf))?;
            return PyList::new(py, [out]);
        }
        let list = PyList::empty(py);
        for piece in conn.data_to_send_vectored() {
            let key = piece.as_ptr() as usize;
            // Entries of payloads that left some other way (compressed, drained by
            // `data_to_send`) come before this one: they are dropped. A piece without an
            // entry (frames, or an ASCII `str`'s own characters) leaves the others.
            let found = if piece.len() >= SHARE_MIN {
                shared.iter().position(|&(k, _)| k == key).and_then(|i| {
                    shared.drain(..i);
                    shared.pop_front().map(|(_, object)| object)
                })
            } else {
                None
            };
            match found {
                Some(object) if object.bind(py).as_bytes().len() == piece.len() => {
                    list.append(object)?;
                }
                _ => list.append(PyBytes::new(py, &piece))?,
            }
        }
        shared.clear();
        Ok(list)
    }

    /// Gives the engine ``data`` (as ``receive_data``; None for nothing new), then decodes
    /// until ``max_messages`` whole messages were decoded, an event that is not a whole
    /// message was decoded, or more input is needed. Returns what was decoded, in order:
    /// each whole message as its ``str`` (text) or ``bytes`` (binary), every other event as
    /// its event object (``Ping``, ``Pong``, ``CloseConnection``, ``Request``...; the list
    /// ends with it). ``max_messages=0`` only takes ``data``. For hosts on an event loop:
    /// one call per read instead of ``receive_data`` and an ``events()`` loop.
    ///
    /// A binary message whose frame straddles reads is made straight from them (its
    /// ``bytes`` when its header comes, each piece unmasked into it): until its last piece,
    /// give every read to ``receive_messages`` (``receive_data`` and ``get_buffer`` raise
    /// ``LocalProtocolError`` meanwhile). A message it finishes in a call with no room left
    /// (``max_messages=0``) comes first in the next call's list.
    ///
    /// A protocol or handshake error is raised by the call that reaches it when nothing was
    /// decoded before it; otherwise the events before it are returned and the next call
    /// raises it (queueing the close frame then, so that what the application sends in
    /// answer to those events goes out first).
    ///
    /// ``defer_errors=True`` (for a host whose application has messages it has not answered
    /// yet): a protocol error is not raised nor acted on; the list ends with ``None`` in its
    /// place, calls with ``defer_errors=True`` return nothing more, and the first call
    /// without it raises the error (queueing the close frame then).
    #[pyo3(signature = (data=None, max_messages=1, defer_errors=false))]
    fn receive_messages<'py>(
        &mut self,
        py: Python<'py>,
        data: Option<&Bound<'py, PyAny>>,
        max_messages: usize,
        defer_errors: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        self.receive_messages_impl(py, data, max_messages, defer_errors)
    }

    /// Writes what is queued to ``transport`` (an ``asyncio.Transport``: one ``write``, or
    /// ``writelines`` with the pieces of ``data_to_send_list()`` when large payloads go out
    /// as the very objects given to ``send_binary``/``send_text``), unless nothing is
    /// queued or ``transport.is_closing()``. Returns ``should_close_transport``: close the
    /// transport then.
    fn write_to(&mut self, py: Python<'_>, transport: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.write_to_impl(py, transport)
    }

    /// ``asyncio.BufferedProtocol.get_buffer``: the engine's receive buffer, lent for the
    /// event loop to read into (a writable buffer of the room the engine offers: 4 to 32
    /// KiB, adapted to the traffic; ``sizehint`` is not needed). Then call
    /// ``buffer_updated(nbytes)``. The same object is returned until then. The zero-copy
    /// alternative to ``receive_data``.
    #[pyo3(signature = (sizehint=-1))]
    fn get_buffer(&mut self, py: Python<'_>, sizehint: isize) -> PyResult<Py<ReadBuffer>> {
        let _ = sizehint;
        self.check_no_pieces(py)?;
        let reader = {
            let slot = self
                .reader
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match slot {
                Some(reader) => reader.clone_ref(py),
                None => slot.insert(Py::new(py, ReadBuffer::new())?).clone_ref(py),
            }
        };
        let mut lent = reader.bind(py).try_borrow_mut()?;
        if !lent.is_lent() {
            let buf = self.core().take_read_buffer();
            lent.lend(buf);
        }
        drop(lent);
        Ok(reader)
    }

    /// ``asyncio.BufferedProtocol.buffer_updated``: ``nbytes`` were read into the buffer of
    /// ``get_buffer()``; the engine takes it back with them (decode with ``events()`` or
    /// ``receive_messages()``, as after ``receive_data``). Raises ``ValueError`` without a
    /// lent buffer or for more bytes than it had room for, ``BufferError`` while a view of
    /// it is still held.
    fn buffer_updated(&mut self, py: Python<'_>, nbytes: usize) -> PyResult<()> {
        self.buffer_updated_impl(py, nbytes)
    }

    /// Queue a text message.
    pub(crate) fn send_text(&mut self, py: Python<'_>, data: &Bound<'_, PyString>) -> PyResult<()> {
        if let Some(large) = text::large_text(data, SHARE_MIN)? {
            return self.send_text_shared(py, large);
        }
        text::with_str(data, |text| self.core().send_text(text).or_raise(py))?
    }

    /// Queue a binary message (``bytes``, ``bytearray`` or ``memoryview``).
    pub(crate) fn send_binary(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Ok(bytes) = data.cast::<PyBytes>()
            && bytes.as_bytes().len() >= SHARE_MIN
        {
            return self.send_binary_shared(py, bytes.clone());
        }
        convert::with_bytes(data, |bytes| self.core().send_binary(bytes).or_raise(py))?
    }

    /// Queue one fragment of a message (RFC 6455 §5.4). ``kind`` is ``'text'`` or
    /// ``'binary'``; the first call starts a message, later calls of the same kind continue
    /// it, and the one with ``fin=True`` ends it. ``data`` is ``str`` (sent as UTF-8) or
    /// bytes-like; the fragments of a text message together must be UTF-8. Pings, pongs and
    /// ``close`` may come between fragments, other messages may not.
    fn send_fragment(
        &mut self,
        py: Python<'_>,
        kind: &str,
        data: &Bound<'_, PyAny>,
        fin: bool,
    ) -> PyResult<()> {
        let kind = match kind {
            "text" => MessageKind::Text,
            "binary" => MessageKind::Binary,
            other => {
                return Err(PyValueError::new_err(format!(
                    "kind must be 'text' or 'binary', not {other:?}"
                )));
            }
        };
        if let Ok(text) = data.cast::<PyString>() {
            return text::with_str(text, |text| {
                self.core()
                    .send_fragment(kind, text.as_bytes(), fin)
                    .or_raise(py)
            })?;
        }
        convert::with_bytes(data, |bytes| {
            self.core().send_fragment(kind, bytes, fin).or_raise(py)
        })?
    }

    /// Queue a ping (payload at most 125 bytes).
    #[pyo3(signature = (payload=None))]
    fn ping(&mut self, py: Python<'_>, payload: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        match payload {
            None => self.core().ping(b"").or_raise(py),
            Some(p) => convert::with_bytes(p, |bytes| self.core().ping(bytes).or_raise(py))?,
        }
    }

    /// Queue a pong (payload at most 125 bytes); an unsolicited pong is a heartbeat.
    #[pyo3(signature = (payload=None))]
    fn pong(&mut self, py: Python<'_>, payload: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        match payload {
            None => self.core().pong(b"").or_raise(py),
            Some(p) => convert::with_bytes(p, |bytes| self.core().pong(bytes).or_raise(py))?,
        }
    }

    /// Start the close handshake: queue a close frame (``code`` 1000, 1001, 1002, 1003,
    /// 1007-1014 or 3000-4999, or 1005 for a frame without a code; ``reason`` at most 123
    /// UTF-8 bytes). Calling it again once a close frame was sent does nothing.
    #[pyo3(signature = (code=1000, reason=""))]
    fn close(&mut self, py: Python<'_>, code: u16, reason: &str) -> PyResult<()> {
        self.core().close(code, reason).or_raise(py)
    }

    /// Where the connection is in its life.
    #[getter]
    fn state(&mut self) -> ConnectionState {
        self.core().state().into()
    }

    /// The negotiated subprotocol, or None.
    #[getter]
    fn subprotocol(&mut self) -> Option<String> {
        self.core().subprotocol().map(str::to_owned)
    }

    /// True when the transport should be closed once ``data_to_send()`` is written: the
    /// connection failed, the handshake was refused, the peer's EOF arrived, or (server) the
    /// close handshake completed. A client whose close handshake completed waits for the
    /// server to close first (give it a timeout, e.g. 2 seconds).
    #[getter]
    fn should_close_transport(&mut self) -> bool {
        self.core().should_close_transport()
    }

    /// How many bytes wait in ``data_to_send()``.
    #[getter]
    fn buffered_amount(&mut self) -> usize {
        self.core().buffered_amount()
    }

    /// How many received bytes are held: undecoded input plus an unfinished message.
    #[getter]
    fn buffered_input(&mut self) -> usize {
        self.core().buffered_input()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let name = slf.get_type().name()?;
        let mut this = slf.try_borrow_mut()?;
        let conn = this.core();
        let state = match conn.state() {
            State::Connecting => "CONNECTING",
            State::Open => "OPEN",
            State::Closing => "CLOSING",
            State::Closed => "CLOSED",
        };
        let subprotocol = conn.subprotocol().map(str::to_owned);
        drop(this);
        let subprotocol = subprotocol.into_pyobject(slf.py())?.repr()?;
        Ok(format!("<{name} state={state} subprotocol={subprotocol}>"))
    }
}

/// The iterator ``Connection.events()`` returns: each step decodes the next event.
#[pyclass(frozen, module = "sansocket")]
pub(crate) struct Events {
    conn: Py<Connection>,
}

#[pymethods]
impl Events {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.conn.bind(py).try_borrow_mut()?.next_event(py)
    }
}
