//! Calls for hosts that drive a connection on an event loop (`sansocket.asyncio`,
//! `sansocket.uvicorn`): one call per read that decodes, and one per flush that writes, so
//! that a message costs a host a few Python operations rather than an event object and a
//! dozen calls. They convert types only, as the rest of the binding. (The Python-facing
//! methods, with these docs, are in `connection`'s `#[pymethods]`: one block per class.)
//!
//! [`Host`] goes one step further for `sansocket.asyncio.WebSocket` (its base class): the
//! event loop calls its `data_received` / `buffer_updated` directly, and with `on_message`
//! one such call decodes, calls `on_message(ws, message)` for each message and writes the
//! answers, with no Python frame of the host's in between. What is not a message, and every
//! failure, goes to the Python subclass's methods (the policy stays there).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};
use sansocket::State;
use sansocket::advanced::ConnectionExt;

use crate::connection::Connection;
use crate::convert;
use crate::errors;
use crate::whole_frames;

impl Connection {
    /// `Connection.write_to`.
    pub(crate) fn write_to_impl(
        &mut self,
        py: Python<'_>,
        transport: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        if self.core().buffered_amount() > 0
            && !transport
                .call_method0(intern!(py, "is_closing"))?
                .is_truthy()?
        {
            if self.has_shared() {
                let pieces = self.data_to_send_list(py)?;
                transport.call_method1(intern!(py, "writelines"), (pieces,))?;
            } else {
                let data = self.data_to_send(py)?;
                transport.call_method1(intern!(py, "write"), (data,))?;
            }
        }
        Ok(self.core().should_close_transport())
    }

    /// `write_to_impl` through the transport's methods looked up once ([`Io`]).
    fn write_to_io(&mut self, py: Python<'_>, io: &IoRef<'_>) -> PyResult<bool> {
        if self.core().buffered_amount() > 0 && !io.is_closing.call0()?.is_truthy()? {
            if self.has_shared() {
                let pieces = self.data_to_send_list(py)?;
                io.transport
                    .call_method1(intern!(py, "writelines"), (pieces,))?;
            } else {
                let data = self.data_to_send(py)?;
                io.write.call1((data,))?;
            }
        }
        Ok(self.core().should_close_transport())
    }
}

/// Queued output from which ``on_message``'s answers are written at once instead of after
/// the read's other messages: a bound on what one read's answers hold, far enough above a
/// read (uvloop reads at most 256 KiB) that a read's answers go out in one write. (Written
/// from 64 KiB, 64 KiB messages pipelined took one `writev` each, four a read: measured at
/// 61-75 µs of server CPU a message against 34-50 µs with one write a read, interleaved.)
const FLUSH_AT: usize = 1 << 20;

/// The transport, with the two of its methods that every flush calls looked up once (a
/// bound method of uvloop's transport is a new object at each lookup).
struct Io {
    transport: Py<PyAny>,
    is_closing: Py<PyAny>,
    write: Py<PyAny>,
}

impl Io {
    fn new(transport: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = transport.py();
        Ok(Self {
            transport: transport.clone().unbind(),
            is_closing: transport.getattr(intern!(py, "is_closing"))?.unbind(),
            write: transport.getattr(intern!(py, "write"))?.unbind(),
        })
    }

    /// New references to the three, for a call that may run Python code (which may replace
    /// or clear the transport meanwhile). As `Bound`s, they are released without pyo3's
    /// check for an attached thread that dropping a `Py` makes.
    fn bind<'py>(&self, py: Python<'py>) -> IoRef<'py> {
        IoRef {
            transport: self.transport.bind(py).clone(),
            is_closing: self.is_closing.bind(py).clone(),
            write: self.write.bind(py).clone(),
        }
    }
}

/// [`Io`]'s references, held for one flush.
struct IoRef<'py> {
    transport: Bound<'py, PyAny>,
    is_closing: Bound<'py, PyAny>,
    write: Bound<'py, PyAny>,
}

/// The read path of ``sansocket.asyncio.WebSocket`` (its base class): the event loop calls
/// these methods directly, with no Python frame between it and the engine.
///
/// ``buffer_updated(nbytes)``, after the loop read into ``Connection.get_buffer()``, gives
/// the engine the bytes; with ``on_message``, it then decodes everything and calls
/// ``on_message(ws, message)`` for each message as it is decoded, and writes what was queued
/// (the answers of every message of the read) with one ``transport.write`` (at once, from
/// 1 MiB queued); without, it
/// calls the subclass's ``_pull()``. ``send_nowait(message)`` queues a message, and writes at
/// once unless called from ``on_message``. What is not a message (a close frame, a pong, the
/// handshake's request) goes to the subclass's ``_handle(event)``; a failure of the
/// connection to ``_decode_failed(exc)``, an exception of ``on_message`` to
/// ``_on_message_failed(exc)``, a send on a closed connection raises ``_closed_error()``.
/// Constructed with the same arguments as the subclass (only ``conn`` and ``on_message`` are
/// read here).
#[pyclass(frozen, subclass, module = "sansocket", name = "_Host")]
pub(crate) struct Host {
    conn: Py<Connection>,
    on_message: Option<Py<PyAny>>,
    /// The transport, set by ``connection_made``.
    transport: Mutex<Option<Io>>,
    /// The application called ``close()`` (or ``on_message`` raised): messages are dropped.
    closing: AtomicBool,
    /// ``on_message`` is being called: the flush comes after the read.
    in_read: AtomicBool,
    /// The engine has no event to give: `dispatch_events` last ran until `next_event` had
    /// none, and no input reached the engine since (a read made of whole frames, taken past
    /// the engine, leaves it so): the read path then skips that call.
    drained: AtomicBool,
}

impl Host {
    fn io<'py>(&self, py: Python<'py>) -> Option<IoRef<'py>> {
        self.transport
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|io| io.bind(py))
    }

    fn transport<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.io(py).map(|io| io.transport)
    }

    /// Writes what the engine queued; closes the transport when the engine says so.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        let Some(io) = self.io(py) else {
            return Ok(());
        };
        let close = self.conn.bind(py).try_borrow_mut()?.write_to_io(py, &io)?;
        if close {
            io.transport.call_method0(intern!(py, "close"))?;
        }
        Ok(())
    }

    /// Decodes everything, calling `on_message` for each message, then flushes: first the
    /// whole messages at the front of `read` (made straight from it, see `whole_frames`),
    /// then, the rest of `read` given to the engine, what the engine decodes.
    fn dispatch(
        slf: &Bound<'_, Self>,
        on_message: &Bound<'_, PyAny>,
        read: Option<&Bound<'_, PyBytes>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        let conn = this.conn.bind(py);
        this.in_read.store(true, Ordering::Relaxed);
        let result = match read {
            Some(read) => Self::dispatch_read(slf, conn, on_message, read.as_bytes()),
            None => {
                // Called without a read: the engine may have input (its own read buffer, the
                // end of the stream) or an event to give.
                this.drained.store(false, Ordering::Relaxed);
                Ok(())
            }
        };
        let result = result.and_then(|()| {
            if this.drained.load(Ordering::Relaxed) {
                return Ok(());
            }
            Self::dispatch_events(slf, conn, on_message)
        });
        this.in_read.store(false, Ordering::Relaxed);
        result?;
        this.flush(py)
    }

    /// The whole messages at the front of `read`, one at a time, each handed to
    /// `on_message` before the next is made, and the pieces of a binary frame straddling
    /// reads, unmasked into its message's `bytes` (`whole_frames::take_next`: handed over
    /// with its last piece); a frame the engine holds the start of is finished by the
    /// engine (`frame_rest`: exactly its bytes), its message handed over, and whole frames
    /// are taken again after it; then the rest of `read` to the engine. (`read` is a
    /// `bytes`' contents: no code run meanwhile can change them.)
    fn dispatch_read(
        slf: &Bound<'_, Self>,
        conn: &Bound<'_, Connection>,
        on_message: &Bound<'_, PyAny>,
        mut read: &[u8],
    ) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        let mut result = Ok(());
        while !read.is_empty() {
            let made = {
                let mut guard = conn.try_borrow_mut()?;
                let (core, pieces) = guard.reading();
                let made = whole_frames::take_next(py, core, &mut pieces.partial, read);
                if core.buffered_input() > 0 {
                    // (The bytes that came behind a frame straddling reads go to the engine
                    // with its last piece.)
                    this.drained.store(false, Ordering::Relaxed);
                }
                made
            };
            match made {
                Ok((Some(message), taken)) => {
                    read = read.get(taken..).unwrap_or_default();
                    result = Self::deliver(slf, on_message, message);
                    if result.is_err() {
                        break;
                    }
                }
                Ok((None, taken)) if taken > 0 => read = read.get(taken..).unwrap_or_default(),
                Ok((None, _)) => {
                    let mut guard = conn.try_borrow_mut()?;
                    let core = guard.core();
                    let Some(rest) = core.frame_rest().filter(|&n| n <= read.len()) else {
                        break;
                    };
                    core.receive_data(&read[..rest]);
                    this.drained.store(false, Ordering::Relaxed);
                    read = &read[rest..];
                    drop(guard);
                    // The frame's message (or the error it holds: the connection fails, and
                    // no whole frame is taken after it).
                    result = Self::dispatch_events(slf, conn, on_message);
                    if result.is_err() {
                        break;
                    }
                }
                Err(error) => {
                    result = Err(error);
                    break;
                }
            }
        }
        if !read.is_empty() {
            conn.try_borrow_mut()?.core().receive_data(read);
            this.drained.store(false, Ordering::Relaxed);
        }
        result
    }

    /// Calls `on_message(ws, message)`, unless the application is closing; its exception
    /// goes to `_on_message_failed`.
    fn deliver<'py>(
        slf: &Bound<'py, Self>,
        on_message: &Bound<'py, PyAny>,
        message: Bound<'py, PyAny>,
    ) -> PyResult<()> {
        if slf.get().closing.load(Ordering::Relaxed) {
            return Ok(());
        }
        let py = slf.py();
        if let Err(error) = on_message.call1((slf, message)) {
            slf.call_method1(intern!(py, "_on_message_failed"), (error.into_value(py),))?;
        }
        // Past `FLUSH_AT` queued, the answers go out now rather than with the rest of the
        // read's: what a read's answers hold stays bounded whatever `on_message` sends.
        let this = slf.get();
        if this
            .conn
            .bind(py)
            .try_borrow_mut()?
            .core()
            .buffered_amount()
            >= FLUSH_AT
        {
            this.flush(py)?;
        }
        Ok(())
    }

    fn dispatch_events(
        slf: &Bound<'_, Self>,
        conn: &Bound<'_, Connection>,
        on_message: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let drained = &slf.get().drained;
        // Set again once `next_event` has nothing more (not after a failure: the next read
        // asks the engine again).
        drained.store(false, Ordering::Relaxed);
        loop {
            // One event at a time, its callback before the next is decoded: what it sends
            // is queued before the engine reacts to what follows (a protocol error, say).
            let message = {
                let mut guard = conn.try_borrow_mut()?;
                let core = guard.core();
                match core.next_event() {
                    Ok(None) => {
                        drained.store(true, Ordering::Relaxed);
                        return Ok(());
                    }
                    Ok(Some(event)) => match whole_frames::event_message(py, event)? {
                        Ok(message) => message,
                        Err(other) => {
                            drop(guard);
                            let event = crate::events::to_python(py, other)?;
                            slf.call_method1(intern!(py, "_handle"), (event,))?;
                            continue;
                        }
                    },
                    Err(error) => {
                        let error = errors::failure(py, error, core.role());
                        drop(guard);
                        slf.call_method1(intern!(py, "_decode_failed"), (error.into_value(py),))?;
                        return Ok(());
                    }
                }
            };
            Self::deliver(slf, on_message, message)?;
        }
    }
}

#[pymethods]
impl Host {
    #[new]
    #[pyo3(signature = (conn, *_args, on_message=None, **_kwargs))]
    fn new(
        conn: &Bound<'_, Connection>,
        _args: &Bound<'_, PyTuple>,
        on_message: Option<&Bound<'_, PyAny>>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> Self {
        Self {
            conn: conn.clone().unbind(),
            on_message: on_message
                .filter(|f| !f.is_none())
                .map(|f| f.clone().unbind()),
            transport: Mutex::new(None),
            closing: AtomicBool::new(false),
            in_read: AtomicBool::new(false),
            drained: AtomicBool::new(false),
        }
    }

    /// The garbage collector's view of the references held here (the transport refers back
    /// to its protocol: a cycle).
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.conn)?;
        if let Some(on_message) = &self.on_message {
            visit.call(on_message)?;
        }
        if let Ok(io) = self.transport.try_lock()
            && let Some(io) = io.as_ref()
        {
            visit.call(&io.transport)?;
            visit.call(&io.is_closing)?;
            visit.call(&io.write)?;
        }
        Ok(())
    }

    /// Breaks a cycle through the transport.
    fn __clear__(&self) {
        if let Ok(mut transport) = self.transport.try_lock() {
            *transport = None;
        }
    }

    /// The engine's connection.
    #[getter(_conn)]
    fn conn(&self, py: Python<'_>) -> Py<Connection> {
        self.conn.clone_ref(py)
    }

    /// The per-message callback, or None.
    #[getter(_on_message)]
    fn on_message(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.on_message.as_ref().map(|f| f.clone_ref(py))
    }

    /// The transport (None before ``connection_made``).
    #[getter(_transport)]
    fn get_transport(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.transport(py).map(Bound::unbind)
    }

    /// Also looks up its ``is_closing`` and ``write`` (``AttributeError`` without them).
    #[setter(_transport)]
    fn set_transport(&self, transport: Option<Bound<'_, PyAny>>) -> PyResult<()> {
        let io = match transport.filter(|t| !t.is_none()) {
            Some(transport) => Some(Io::new(&transport)?),
            None => None,
        };
        *self
            .transport
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = io;
        Ok(())
    }

    /// Messages are dropped (the application is closing the connection).
    #[getter(_closing)]
    fn get_closing(&self) -> bool {
        self.closing.load(Ordering::Relaxed)
    }

    #[setter(_closing)]
    fn set_closing(&self, closing: bool) {
        self.closing.store(closing, Ordering::Relaxed);
    }

    /// ``on_message`` is being called.
    #[getter(_in_read)]
    fn get_in_read(&self) -> bool {
        self.in_read.load(Ordering::Relaxed)
    }

    /// ``asyncio.BufferedProtocol.buffer_updated``.
    fn buffer_updated(slf: &Bound<'_, Self>, nbytes: usize) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        this.conn
            .bind(py)
            .try_borrow_mut()?
            .buffer_updated_impl(py, nbytes)?;
        match &this.on_message {
            Some(on_message) => Self::dispatch(slf, on_message.bind(py), None),
            None => slf.call_method0(intern!(py, "_pull")).map(drop),
        }
    }

    /// ``asyncio.Protocol.data_received`` (transports that do not read into a buffer): as
    /// ``buffer_updated``, with the bytes read. With ``on_message``, the whole messages of a
    /// read, and a binary message whose frame straddles reads, are made straight from the
    /// reads (one copy of each payload, see ``whole_frames``; a read that is not a
    /// ``bytes`` is copied into one first).
    fn data_received(slf: &Bound<'_, Self>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        match &this.on_message {
            Some(on_message) => {
                // Every read through `dispatch_read` (a frame straddling reads takes its
                // pieces there); one not in a `bytes` is copied into one.
                let read = convert::into_bytes(data)?;
                Self::dispatch(slf, on_message.bind(py), Some(&read))
            }
            None => slf
                .call_method1(intern!(py, "_pull"), (false, data))
                .map(drop),
        }
    }

    /// With ``on_message``: gives the engine ``data`` (None: nothing new), decodes
    /// everything, calls ``on_message`` for each message, then writes what was queued.
    #[pyo3(signature = (data=None))]
    fn _dispatch(slf: &Bound<'_, Self>, data: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        let Some(on_message) = &this.on_message else {
            return Err(PyValueError::new_err("_dispatch() needs on_message"));
        };
        // As `data_received`: the read goes through `dispatch_read`, in a `bytes`.
        let read = data.map(convert::into_bytes).transpose()?;
        Self::dispatch(slf, on_message.bind(py), read.as_ref())
    }

    /// Sends a message (``str`` as text, bytes-like as binary) without waiting for the write
    /// buffer to drain. Called from ``on_message``, what it queues is written once the
    /// callbacks of that read returned (one write for them all, or at once from 1 MiB
    /// queued); otherwise at once. Raises
    /// ``ConnectionClosed`` once the connection is no longer open.
    fn send_nowait(slf: &Bound<'_, Self>, message: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        let result = {
            let mut conn = this.conn.bind(py).try_borrow_mut()?;
            if let Ok(text) = message.cast::<PyString>() {
                conn.send_text(py, text)
            } else if message.is_instance_of::<PyBytes>()
                || message.is_instance_of::<PyByteArray>()
                || message.is_instance_of::<PyMemoryView>()
            {
                conn.send_binary(py, message)
            } else {
                return Err(PyTypeError::new_err(format!(
                    "expected str or bytes-like, got {}",
                    message.get_type().name()?
                )));
            }
        };
        if let Err(error) = result {
            // The engine refuses to send once the connection is no longer open (checked
            // here rather than before: the state is one more call per message).
            if error.is_instance_of::<errors::LocalProtocolError>(py)
                && this.conn.bind(py).try_borrow_mut()?.core().state() != State::Open
            {
                let closed = slf.call_method0(intern!(py, "_closed_error"))?;
                return Err(PyErr::from_value(closed));
            }
            return Err(error);
        }
        if !this.in_read.load(Ordering::Relaxed) {
            this.flush(py)?;
        }
        Ok(())
    }
}
