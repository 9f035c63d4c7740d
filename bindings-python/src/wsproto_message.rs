//! The fields of `sansocket.wsproto`'s data events (`Message`, `TextMessage`,
//! `BytesMessage`), held in native code.
//!
//! `sansocket.wsproto.events.Message` derives from [`MessageFields`]: building one (a host
//! sends a message per event it builds, the connection yields one per piece received) runs
//! no Python code, and reading a field is a native getter. The Python class adds wsproto's
//! `repr`, `==`, `hash`, pickling and its place under `Event`. [`wsproto_events`] makes
//! those objects from the engine's data events; [`wsproto_send`] turns a message into the
//! bytes to send in one call, and [`wsproto_receive`] makes the objects of whole messages
//! straight from the read.

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple, PyType};
use sansocket::advanced::ConnectionExt;
use sansocket::frame::MAX_HEADER_LEN;
use sansocket::mask::copy_masked_uninit;
use sansocket::{Event, MessageKind};

use crate::connection::Connection;
use crate::errors::{self, UsageResult};
use crate::{convert, events, text, whole_frames};

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
/// attributes, set by ``__new__`` and again by ``__init__`` (so that a subclass's
/// ``__init__`` can call ``super().__init__(...)``; ``sansocket.wsproto.events.Message``
/// gives a subclass with its own ``__init__`` a ``__new__`` that takes any arguments). A
/// base class only: use ``sansocket.wsproto.events.TextMessage`` / ``BytesMessage``.
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
    /// Set by `__new__`, cleared by `__init__`: the fields were just set from the arguments
    /// `type.__call__` gives `__init__` too.
    fresh: bool,
}

#[pymethods]
impl MessageFields {
    /// A message with the fields given (the arguments of ``Message``; ``__init__`` sets the
    /// same fields again).
    #[new]
    #[pyo3(signature = (data, frame_finished=Flag(true), message_finished=Flag(true)))]
    #[pyo3(text_signature = "(data, frame_finished=True, message_finished=True)")]
    fn new(data: Py<PyAny>, frame_finished: Flag, message_finished: Flag) -> Self {
        Self {
            data,
            frame_finished: frame_finished.0,
            message_finished: message_finished.0,
            fresh: true,
        }
    }

    // Sets the fields (what a subclass's ``super().__init__(...)`` calls), with the
    // arguments of ``__new__``. Right after ``__new__`` of one of sansocket.wsproto's own
    // classes (what ``TextMessage(...)`` runs: ``type.__call__`` gives both the same
    // arguments), the fields are set already and the arguments are not parsed again. No doc
    // comment: pyo3 would make a text signature of it, not the stub's.
    #[pyo3(signature = (*args, **kwargs))]
    fn __init__(
        slf: &Bound<'_, Self>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let py = slf.py();
        if std::mem::take(&mut slf.try_borrow_mut()?.fresh) && is_own_class(slf.as_any()) {
            return Ok(());
        }
        let set = py
            .get_type::<Self>()
            .getattr(pyo3::intern!(py, "_set_fields"))?;
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(slf.as_any().clone());
        all.extend(args.iter());
        set.call(PyTuple::new(py, all)?, kwargs)?;
        Ok(())
    }

    /// Sets the fields (``__init__`` after ``__new__``, or on its own).
    #[pyo3(signature = (data, frame_finished=Flag(true), message_finished=Flag(true)))]
    fn _set_fields(&mut self, data: Py<PyAny>, frame_finished: Flag, message_finished: Flag) {
        self.data = data;
        self.frame_finished = frame_finished.0;
        self.message_finished = message_finished.0;
    }
}

/// Whether `object`'s class is one of those given to [`wsproto_message_classes`] (not a
/// subclass).
fn is_own_class(object: &Bound<'_, PyAny>) -> bool {
    let class = object.get_type_ptr();
    MESSAGE_CLASSES
        .get(object.py())
        .is_some_and(|classes| classes.iter().any(|c| c.as_ptr().cast() == class))
}

/// Decodes the events available on `conn` for `sansocket.wsproto`'s connection: the data
/// events become `text_cls(data, fin, fin)` / `bytes_cls(data, fin, fin)` objects (its
/// `TextMessage` / `BytesMessage`) appended to `out`, without a Python call per event. Stops
/// at the first other event, which it returns as the engine's event object (`Ping`, `Pong`,
/// `CloseConnection`...), or returns None once no more input is buffered. Raises the
/// engine's error (`RemoteProtocolError`...) when the peer broke the protocol; the data
/// events decoded before it are in `out` already.
#[pyfunction]
pub(crate) fn wsproto_events(
    conn: &Bound<'_, Connection>,
    text_cls: &Bound<'_, PyAny>,
    bytes_cls: &Bound<'_, PyAny>,
    out: &Bound<'_, PyList>,
) -> PyResult<Option<Py<PyAny>>> {
    let py = conn.py();
    let mut guard = conn.borrow_mut();
    let core = guard.core();
    loop {
        let event = match core.next_event() {
            Ok(Some(event)) => event,
            Ok(None) => return Ok(None),
            Err(error) => return Err(errors::failure(py, error, core.role())),
        };
        match data_event(py, event, text_cls, bytes_cls)? {
            Ok(message) => out.append(message)?,
            Err(other) => return events::to_python(py, other).map(Some),
        }
    }
}

/// `sansocket.wsproto`'s `receive_data(data)`: the whole messages in `data` (whole frames
/// the engine would return as messages, see `ConnectionExt::receive_whole_frames`) become
/// `text_cls(data)` / `bytes_cls(data)` objects (flags true by default) appended to `out`,
/// made straight from the read: a binary payload is unmasked into its `bytes` (one copy), an
/// ASCII text payload into its `str` (other text is decoded by Python's UTF-8 decoder, which
/// checks it; text it refuses is left to the engine, which reports the error as it would
/// have). A binary frame straddling reads is taken piece by piece
/// (`ConnectionExt::receive_frame_piece`), each piece a `bytes_cls(piece, fin, fin)`
/// unmasked straight from its read (every later read must come here until its last piece
/// has). A frame the engine had begun (its first piece handed out) is finished by
/// the engine first, its last piece appended as [`wsproto_events`] would. The rest of
/// `data` goes to the engine, as by `receive_data`: decode it with [`wsproto_events`].
///
/// Returns None, or an event other than data that the engine decoded (the caller yields it
/// after `out`'s). Call it only when every event decoded before was handed out (the
/// objects appended go after them); on an error raised here (no memory), the objects
/// appended before it are in `out` and the rest of `data` is with the engine.
#[pyfunction]
pub(crate) fn wsproto_receive(
    conn: &Bound<'_, Connection>,
    data: &Bound<'_, PyAny>,
    text_cls: &Bound<'_, PyAny>,
    bytes_cls: &Bound<'_, PyAny>,
    out: &Bound<'_, PyList>,
) -> PyResult<Option<Py<PyAny>>> {
    let py = conn.py();
    let mut guard = conn.borrow_mut();
    let core = guard.core();
    convert::with_bytes(data, |mut data| {
        let mut error = None;
        let mut other = None;
        while error.is_none() && other.is_none() && !data.is_empty() {
            let taken = core.receive_whole_frames(data, |kind, payload, mask| {
                let cls = match kind {
                    MessageKind::Binary => bytes_cls,
                    MessageKind::Text => text_cls,
                };
                let made = whole_frames::message(py, kind, payload, mask)
                    .and_then(|data| data.map(|data| cls.call1((data,))).transpose());
                match made.and_then(|made| made.map(|m| out.append(m)).transpose()) {
                    Ok(taken) => taken.is_some(),
                    Err(err) => {
                        error = Some(err);
                        false
                    }
                }
            });
            data = &data[taken..];
            if let Some(piece) = core.receive_frame_piece(data) {
                // A binary frame straddling reads: each piece is a `bytes_cls(piece, fin,
                // fin)` (as wsproto yields what arrived of a frame), unmasked straight from
                // the read. (A header alone makes none.)
                data = &data[piece.taken..];
                if error.is_none() && (!piece.payload.is_empty() || piece.is_last()) {
                    let key = piece.mask.unwrap_or_default();
                    let fin = piece.is_last();
                    let made = convert::new_bytes(py, piece.payload.len(), |buf| {
                        copy_masked_uninit(buf, piece.payload, key, piece.offset % 4);
                        buf.len()
                    })
                    .and_then(|bytes| bytes_cls.call1((bytes, fin, fin)))
                    .and_then(|message| out.append(message));
                    error = made.err();
                }
                continue;
            }
            let Some(rest) = core.frame_rest().filter(|&n| n <= data.len()) else {
                break;
            };
            // The engine finishes the frame it began; its error, if any, stays with it
            // (acted on by the next `wsproto_events`, as if decoded there).
            core.receive_data(&data[..rest]);
            data = &data[rest..];
            match core.next_event_batched() {
                Ok(Some(event)) => match data_event(py, event, text_cls, bytes_cls) {
                    Ok(Ok(message)) => error = out.append(message).err(),
                    Ok(Err(event)) => other = Some(events::to_python(py, event)),
                    Err(err) => error = Some(err),
                },
                Ok(None) | Err(_) => break,
            }
        }
        core.receive_data(data);
        match (error, other) {
            (Some(err), _) | (None, Some(Err(err))) => Err(err),
            (None, Some(Ok(event))) => Ok(Some(event)),
            (None, None) => Ok(None),
        }
    })?
}

/// A data event as `text_cls(data, fin, fin)` / `bytes_cls(data, fin, fin)`, or the event
/// given back if it is not one.
fn data_event<'py>(
    py: Python<'py>,
    event: Event,
    text_cls: &Bound<'py, PyAny>,
    bytes_cls: &Bound<'py, PyAny>,
) -> PyResult<Result<Bound<'py, PyAny>, Event>> {
    let (kind, data, fin) = match event {
        Event::Text(data) => (MessageKind::Text, data.into_bytes(), true),
        Event::Binary(data) => (MessageKind::Binary, data, true),
        Event::Chunk { kind, data, fin } => (kind, data, fin),
        other => return Ok(Err(other)),
    };
    let cls = match kind {
        MessageKind::Text => text_cls,
        MessageKind::Binary => bytes_cls,
    };
    Ok(Ok(cls.call1((
        whole_frames::decoded(py, kind, &data)?,
        fin,
        fin,
    ))?))
}

/// `sansocket.wsproto`'s own `Message`, `TextMessage` and `BytesMessage` (not their
/// subclasses, which may read their fields otherwise), given by [`wsproto_message_classes`].
static MESSAGE_CLASSES: PyOnceLock<[Py<PyType>; 3]> = PyOnceLock::new();

/// Names `sansocket.wsproto`'s own message classes for [`wsproto_send_whole`] (the first
/// call only; later ones are ignored).
#[pyfunction]
pub(crate) fn wsproto_message_classes(
    message: Bound<'_, PyType>,
    text: Bound<'_, PyType>,
    binary: Bound<'_, PyType>,
) {
    let py = message.py();
    let _ = MESSAGE_CLASSES.set(py, [message.unbind(), text.unbind(), binary.unbind()]);
}

/// `sansocket.wsproto`'s send of an event on an open connection with no fragmented message
/// under way (the caller checks both): when `event` is a whole message of one of the classes
/// given to [`wsproto_message_classes`] (not a subclass) whose `data` is a `str` or `bytes`
/// (not a subclass), it is sent as [`wsproto_send`] does and its bytes returned; otherwise
/// `None`, nothing done (the caller sends it the general way).
#[pyfunction]
pub(crate) fn wsproto_send_whole<'py>(
    conn: &Bound<'py, Connection>,
    event: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let py = conn.py();
    if !is_own_class(event) {
        return Ok(None);
    }
    let Ok(fields) = event.cast::<MessageFields>() else {
        return Ok(None);
    };
    let Ok(fields) = fields.try_borrow() else {
        return Ok(None);
    };
    if !fields.message_finished {
        return Ok(None);
    }
    let data = fields.data.bind(py);
    if data.is_exact_instance_of::<PyBytes>() || data.is_exact_instance_of::<PyString>() {
        wsproto_send(conn, data).map(Some)
    } else {
        Ok(None)
    }
}

/// From this size on, a `bytes` payload (or the UTF-8 of a `str`) is handed to the engine
/// without a copy: it is copied once, into the `bytes` returned (the engine's own sharing
/// threshold, as `Connection.send_binary`).
const SHARE_MIN: usize = 4096;

/// `sansocket.wsproto`'s send of a whole message: queues `data` on `conn` as one text
/// (`str`) or binary (bytes-like) message and returns everything queued for the transport,
/// in one `bytes` (what `send_text`/`send_binary` and `data_to_send()` do, in one call).
/// Raises `LocalProtocolError` when the connection's state does not allow it.
#[pyfunction]
pub(crate) fn wsproto_send<'py>(
    conn: &Bound<'py, Connection>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let py = conn.py();
    let mut guard = conn.borrow_mut();
    let core = guard.core();
    if core.buffered_amount() == 0 {
        // Nothing queued before it: a server's frame, header and payload, is made here in
        // one `bytes` (one copy of the payload; `framed` declines where the engine must
        // make it: a client's masked frame, compression, a fragmented message under way).
        let framed = if let Ok(bytes) = data.cast::<PyBytes>() {
            framed(py, core, MessageKind::Binary, bytes.as_bytes())?
        } else if let Ok(text) = data.cast::<PyString>() {
            text::with_str(text, |text| {
                framed(py, core, MessageKind::Text, text.as_bytes())
            })??
        } else {
            None
        };
        if let Some(frame) = framed {
            return Ok(frame);
        }
    }
    if let Ok(text) = data.cast::<PyString>() {
        match text::large_text(text, SHARE_MIN)? {
            Some(large) => core.send_text_shared(large.utf8).or_raise(py)?,
            None => text::with_str(text, |text| core.send_text(text).or_raise(py))??,
        }
    } else if let Ok(bytes) = data.cast::<PyBytes>()
        && bytes.as_bytes().len() >= SHARE_MIN
    {
        let payload = bytes::Bytes::from_owner(PyBackedBytes::from(bytes.clone()));
        core.send_binary_shared(payload).or_raise(py)?;
    } else {
        convert::with_bytes(data, |bytes| core.send_binary(bytes).or_raise(py))??;
    }
    let len = core.buffered_amount();
    convert::new_bytes(py, len, |buf| core.data_to_send_into(buf))
}

/// The frame of a whole message of `payload` as one `bytes`, when the engine lets the host
/// write its payload itself (`ConnectionExt::send_head`: a server, no compression, no
/// fragmented message under way, the connection open); `None` otherwise, nothing done.
fn framed<'py>(
    py: Python<'py>,
    core: &mut sansocket::Connection,
    kind: MessageKind,
    payload: &[u8],
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let mut header = [0u8; MAX_HEADER_LEN];
    let Ok(n) = core.send_head(kind, payload.len(), &mut header) else {
        return Ok(None);
    };
    let head = header.get(..n).unwrap_or(&header);
    if payload.len() < convert::COPY_LOOP_MIN {
        return convert::new_bytes_from(py, &[head, payload]).map(Some);
    }
    // Copied with the core's AVX2 loop (XOR with 0), not `memcpy`: glibc's `rep movsb`
    // runs at a fraction of the speed when the allocator puts the new `bytes` just ahead
    // of the payload modulo 4 KiB (see `mask::copy_masked_uninit`).
    let frame = convert::new_bytes(py, head.len() + payload.len(), |buf| {
        let (to_head, body) = buf.split_at_mut(head.len().min(buf.len()));
        convert::copy_into(to_head, head);
        copy_masked_uninit(body, payload, [0; 4], 0);
        buf.len()
    })?;
    Ok(Some(frame))
}
