//! Whole messages made straight from a read, for the hosts that hand each message to the
//! application as its `str` or `bytes` (`sansocket.asyncio`'s `on_message`): a binary
//! payload is unmasked into its `bytes` (one copy of the payload, where `receive_data` and
//! `next_event` make two: into the engine's buffer, then out of it), an ASCII text payload
//! into its `str` (`text::payload_str`; other text is decoded by Python's UTF-8 decoder,
//! which checks it).
//! Only the frames the engine would return as whole messages are taken
//! (`ConnectionExt::receive_whole_frames`), and a binary frame that straddles reads
//! (`ConnectionExt::receive_frame_piece`): its `bytes` is made when its header comes, and
//! each piece unmasked into it straight from its read ([`Pieces`], [`take_next`]); the rest
//! of the read goes to the engine.
//! `sansocket.wsproto`'s receive path makes its payloads with [`message`] too;
//! `Connection.receive_messages` (one call per read, for `sansocket.uvicorn`) is here.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use sansocket::advanced::ConnectionExt;
use sansocket::mask::copy_masked_uninit;
use sansocket::{Event, MessageKind};

use crate::connection::Connection;
use crate::convert::PartialBytes;
use crate::{convert, errors, text};

/// The message of a binary frame straddling reads, which the host makes itself (see
/// [`take_next`]), held by the binding's connection between reads.
#[derive(Default)]
pub(crate) struct Pieces {
    /// Its `bytes`, filled as the pieces come.
    pub(crate) partial: Option<PartialBytes>,
    /// Finished by a `receive_messages` call that had no room left for it
    /// (`max_messages=0`): the next call returns it first.
    pub(crate) ready: Option<Py<PyBytes>>,
}

/// The next message made straight from the front of `read`, and how many bytes of `read`
/// it took: a whole frame's ([`take_one`]), or the next piece of a binary frame straddling
/// reads, unmasked into the message's `bytes` in `partial` (made when its header comes):
/// the message once its last piece came, else `None` (with the whole read taken). `(None,
/// 0)`: nothing taken, give `read` to the engine. Once a frame's first piece was taken,
/// every read must come here until its last one is (the engine keeps bytes given to
/// `receive_data` meanwhile for after the frame).
pub(crate) fn take_next<'py>(
    py: Python<'py>,
    core: &mut sansocket::Connection,
    partial: &mut Option<PartialBytes>,
    read: &[u8],
) -> PyResult<(Option<Bound<'py, PyAny>>, usize)> {
    if partial.is_none() {
        let (message, taken) = take_one(py, core, read)?;
        if message.is_some() {
            return Ok((message, taken));
        }
    }
    let Some(piece) = core.receive_frame_piece(read) else {
        return Ok((None, 0));
    };
    let buf = match partial {
        Some(buf) if !piece.is_first() && buf.len() == piece.len => buf,
        // (A `bytes` too large to make: the frame's bytes are with the host, so the
        // connection cannot go on; the error says why.)
        _ => partial.insert(PartialBytes::new(py, piece.len)?),
    };
    buf.write_masked(
        py,
        piece.offset,
        piece.payload,
        piece.mask.unwrap_or_default(),
    );
    if !piece.is_last() {
        return Ok((None, piece.taken));
    }
    let message = partial.take().map(|buf| buf.finish(py).into_any());
    Ok((message, piece.taken))
}

/// The message of the whole frame at the front of `data`, if the engine would return it as
/// a whole message (`str` for text, `bytes` for binary), and how many bytes of `data` it
/// took (0 with `None`: give `data` to `receive_data` instead). A text frame that is not
/// UTF-8 is left to the engine, which reports the error as it would have. One frame per
/// call, so that the host hands each message to the application (and its answer goes out)
/// before the next one is made.
pub(crate) fn take_one<'py>(
    py: Python<'py>,
    core: &mut sansocket::Connection,
    data: &[u8],
) -> PyResult<(Option<Bound<'py, PyAny>>, usize)> {
    let mut made: PyResult<Option<Bound<'py, PyAny>>> = Ok(None);
    let taken = core.receive_whole_frames(data, |kind, payload, mask| {
        if !matches!(made, Ok(None)) {
            return false; // one frame per call
        }
        made = message(py, kind, payload, mask);
        matches!(made, Ok(Some(_)))
    });
    Ok((made?, taken))
}

/// The message of one whole frame's `payload` (masked with `mask`, if any): `bytes` for
/// binary (unmasked straight into it, not zeroed first), `str` for text (see
/// `text::payload_str`), or `None` for text that is not UTF-8.
pub(crate) fn message<'py>(
    py: Python<'py>,
    kind: MessageKind,
    payload: &[u8],
    mask: Option<[u8; 4]>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match (kind, mask) {
        (MessageKind::Binary, Some(key)) => {
            let bytes = convert::new_bytes(py, payload.len(), |buf| {
                copy_masked_uninit(buf, payload, key, 0);
                payload.len()
            })?;
            Ok(Some(bytes.into_any()))
        }
        (MessageKind::Binary, None) => Ok(Some(convert::payload_bytes(py, payload)?.into_any())),
        (MessageKind::Text, mask) => {
            let text = text::payload_str(py, payload, mask.unwrap_or_default())?;
            Ok(text.map(Bound::into_any))
        }
    }
}

/// The payload of a message the engine decoded (text checked already) as the object the
/// hosts hand over: `str` for text (see `text::utf8_str`), `bytes` for binary (see
/// `convert::payload_bytes`), copied once.
pub(crate) fn decoded<'py>(
    py: Python<'py>,
    kind: MessageKind,
    data: &[u8],
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match kind {
        MessageKind::Text => text::utf8_str(py, data, [0; 4])?.into_any(),
        MessageKind::Binary => convert::payload_bytes(py, data)?.into_any(),
    })
}

/// A whole message event's `str` or `bytes` ([`decoded`]), or the event given back if it
/// is another.
pub(crate) fn event_message(
    py: Python<'_>,
    event: Event,
) -> PyResult<Result<Bound<'_, PyAny>, Event>> {
    match event {
        Event::Text(text) => decoded(py, MessageKind::Text, text.as_bytes()).map(Ok),
        Event::Binary(data) => decoded(py, MessageKind::Binary, &data).map(Ok),
        other => Ok(Err(other)),
    }
}

impl Connection {
    /// `Connection.receive_messages`.
    pub(crate) fn receive_messages_impl<'py>(
        &mut self,
        py: Python<'py>,
        data: Option<&Bound<'py, PyAny>>,
        max_messages: usize,
        defer_errors: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let (conn, pieces) = self.reading();
        let list = PyList::empty(py);
        let mut messages = 0;
        if max_messages > 0
            && let Some(message) = pieces.ready.take()
        {
            list.append(message)?;
            messages += 1;
        }
        match data {
            Some(data)
                if pieces.partial.is_some()
                    || (messages < max_messages && data.is_exact_instance_of::<PyBytes>()) =>
            {
                // The whole messages at the front of the read, and the pieces of a binary
                // frame straddling reads, made straight from it (see `take_next`); the rest
                // to the engine. No Python code runs meanwhile: a `bytearray` stays as is.
                convert::with_bytes(data, |read| {
                    read_messages(
                        py,
                        conn,
                        pieces,
                        &list,
                        read,
                        &mut messages,
                        max_messages,
                        defer_errors,
                    )
                })??;
            }
            Some(data) => convert::with_bytes(data, |bytes| conn.receive_data(bytes))?,
            None => {}
        }
        while messages < max_messages {
            match append_next(py, conn, &list, defer_errors)? {
                Next::Message => messages += 1,
                Next::Drained | Next::End => break,
            }
        }
        Ok(list)
    }
}

/// `receive_messages`' read: up to `max_messages` messages made straight from `read`
/// appended to `list` (a message finished past that goes to `pieces.ready`), the frames the
/// engine began finished by it, the rest of `read` given to the engine.
#[allow(clippy::too_many_arguments)]
fn read_messages(
    py: Python<'_>,
    conn: &mut sansocket::Connection,
    pieces: &mut Pieces,
    list: &Bound<'_, PyList>,
    mut read: &[u8],
    messages: &mut usize,
    max_messages: usize,
    defer_errors: bool,
) -> PyResult<()> {
    // A frame straddling reads takes its pieces first, whatever the room left.
    while !read.is_empty() && (*messages < max_messages || pieces.partial.is_some()) {
        match take_next(py, conn, &mut pieces.partial, read) {
            Ok((Some(message), taken)) => {
                read = read.get(taken..).unwrap_or_default();
                if *messages >= max_messages {
                    pieces.ready = Some(message.cast_into::<PyBytes>()?.unbind());
                    continue;
                }
                if let Err(error) = list.append(message) {
                    conn.receive_data(read);
                    return Err(error);
                }
                *messages += 1;
            }
            Ok((None, taken)) if taken > 0 => read = read.get(taken..).unwrap_or_default(),
            Ok((None, _)) => {
                // A frame the engine holds the start of: it finishes it (exactly its
                // bytes), and whole frames are taken again after it.
                let Some(rest) = conn.frame_rest().filter(|&n| n <= read.len()) else {
                    break;
                };
                conn.receive_data(&read[..rest]);
                read = &read[rest..];
                match append_next(py, conn, list, defer_errors) {
                    Ok(Next::Message) => *messages += 1,
                    Ok(Next::Drained) => break,
                    Ok(Next::End) => {
                        conn.receive_data(read);
                        return Ok(());
                    }
                    Err(error) => {
                        conn.receive_data(read);
                        return Err(error);
                    }
                }
            }
            Err(error) => {
                conn.receive_data(read);
                return Err(error);
            }
        }
    }
    if !read.is_empty() {
        conn.receive_data(read);
    }
    Ok(())
}

/// What [`append_next`] appended.
enum Next {
    /// A message (`str` or `bytes`): the batch may go on.
    Message,
    /// Nothing (more input is needed, or an error waits for the next call).
    Drained,
    /// The batch's last entry: another event, or `None` marking an error deferred.
    End,
}

/// Appends the engine's next event to `list` for `Connection.receive_messages`. The first
/// event of a batch with `next_event` (without `defer_errors`): it raises an error (one
/// deferred by the last call among them) and queues the close frame. The others with the
/// batched form, which leaves an error for the next call, after the events before it; with
/// `defer_errors`, an error is marked with `None` and not acted on.
fn append_next(
    py: Python<'_>,
    conn: &mut sansocket::Connection,
    list: &Bound<'_, PyList>,
    defer_errors: bool,
) -> PyResult<Next> {
    let next = if list.is_empty() && !defer_errors {
        conn.next_event()
    } else {
        conn.next_event_batched()
    };
    let event = match next {
        Ok(Some(event)) => event,
        Ok(None) => return Ok(Next::Drained),
        // Deferred by the engine (an abnormal closure is only reported: raised).
        Err(sansocket::Error::Protocol(error))
            if defer_errors && error != sansocket::ProtocolError::AbnormalClosure =>
        {
            list.append(py.None())?;
            return Ok(Next::End);
        }
        Err(_) if !list.is_empty() => return Ok(Next::Drained),
        Err(error) => return Err(errors::failure(py, error, conn.role())),
    };
    match event_message(py, event)? {
        Ok(message) => list.append(message)?,
        Err(other) => {
            list.append(crate::events::to_python(py, other)?)?;
            return Ok(Next::End);
        }
    }
    Ok(Next::Message)
}
