//! Whole messages made straight from a read, for the hosts that hand each message to the
//! application as its `str` or `bytes` (`sansocket.asyncio`'s `on_message`): a binary
//! payload is unmasked into its `bytes` (one copy of the payload, where `receive_data` and
//! `next_event` make two: into the engine's buffer, then out of it), an ASCII text payload
//! into its `str` (`text::payload_str`; other text is decoded by Python's UTF-8 decoder,
//! which checks it).
//! Only the frames the engine would return as whole messages are taken
//! (`ConnectionExt::receive_whole_frames`); the rest of the read goes to the engine.
//! `sansocket.wsproto`'s receive path makes its payloads with [`message`] too;
//! `Connection.receive_messages` (one call per read, for `sansocket.uvicorn`) is here.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use sansocket::advanced::ConnectionExt;
use sansocket::mask::copy_masked_uninit;
use sansocket::{Event, MessageKind};

use crate::connection::Connection;
use crate::{convert, errors, text};

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
        let conn = self.core();
        let list = PyList::empty(py);
        let mut messages = 0;
        match data {
            Some(data) if max_messages > 0 && data.is_exact_instance_of::<PyBytes>() => {
                // The whole messages at the front of a `bytes` read, made straight from it
                // (see `whole_frames`); the rest to the engine.
                let mut read = data.cast::<PyBytes>()?.as_bytes();
                while messages < max_messages && !read.is_empty() {
                    match take_one(py, conn, read) {
                        Ok((Some(message), taken)) => {
                            read = read.get(taken..).unwrap_or_default();
                            if let Err(error) = list.append(message) {
                                conn.receive_data(read);
                                return Err(error);
                            }
                            messages += 1;
                        }
                        Ok((None, _)) => {
                            // A frame the engine holds the start of: it finishes it (exactly
                            // its bytes), and whole frames are taken again after it.
                            let Some(rest) = conn.frame_rest().filter(|&n| n <= read.len()) else {
                                break;
                            };
                            conn.receive_data(&read[..rest]);
                            read = &read[rest..];
                            match append_next(py, conn, &list, defer_errors) {
                                Ok(Next::Message) => messages += 1,
                                Ok(Next::Drained) => break,
                                Ok(Next::End) => {
                                    conn.receive_data(read);
                                    return Ok(list);
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
