//! Whole messages made straight from a read, for the hosts that hand each message to the
//! application as its `str` or `bytes` (`sansocket.asyncio`'s `on_message`): a binary
//! payload is unmasked into its `bytes` (one copy of the payload, where `receive_data` and
//! `next_event` make two: into the engine's buffer, then out of it), a text payload is
//! unmasked into a scratch buffer and decoded by Python's UTF-8 decoder, which checks it.
//! Only the frames the engine would return as whole messages are taken
//! (`ConnectionExt::receive_whole_frames`); the rest of the read goes to the engine.
//! `sansocket.wsproto`'s receive path makes its payloads with [`message`] too.

use std::cell::Cell;

use pyo3::exceptions::PyUnicodeDecodeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use sansocket::MessageKind;
use sansocket::advanced::ConnectionExt;
use sansocket::mask::{copy_masked, copy_masked_uninit};

use crate::convert;

thread_local! {
    /// Where text payloads are unmasked before Python decodes them: kept between reads (up
    /// to [`SCRATCH_KEEP`] bytes), so that it is neither allocated nor zeroed per read.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The largest scratch buffer kept between reads.
const SCRATCH_KEEP: usize = 64 << 10;

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
    let taken = with_scratch(|scratch| {
        core.receive_whole_frames(data, |kind, payload, mask| {
            if !matches!(made, Ok(None)) {
                return false; // one frame per call
            }
            made = message(py, kind, payload, mask, scratch);
            matches!(made, Ok(Some(_)))
        })
    });
    Ok((made?, taken))
}

/// Runs `f` with the thread's scratch buffer for text payloads (kept for the next call
/// unless it grew past [`SCRATCH_KEEP`]).
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    let mut scratch = SCRATCH.take();
    let result = f(&mut scratch);
    if scratch.capacity() <= SCRATCH_KEEP {
        SCRATCH.set(scratch);
    }
    result
}

/// The message of one whole frame's `payload` (masked with `mask`, if any): `bytes` for
/// binary (unmasked straight into it, not zeroed first), `str` for text (unmasked into
/// `scratch`, then decoded by Python's UTF-8 decoder), or `None` for text that is not
/// UTF-8.
pub(crate) fn message<'py>(
    py: Python<'py>,
    kind: MessageKind,
    payload: &[u8],
    mask: Option<[u8; 4]>,
    scratch: &mut Vec<u8>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match (kind, mask) {
        (MessageKind::Binary, Some(key)) => {
            let bytes = convert::new_bytes(py, payload.len(), |buf| {
                copy_masked_uninit(buf, payload, key, 0);
                payload.len()
            })?;
            Ok(Some(bytes.into_any()))
        }
        (MessageKind::Binary, None) => Ok(Some(PyBytes::new(py, payload).into_any())),
        (MessageKind::Text, mask) => {
            let utf8 = match mask {
                Some(key) => {
                    if scratch.len() < payload.len() {
                        scratch.resize(payload.len(), 0);
                    }
                    let plain = &mut scratch[..payload.len()];
                    copy_masked(plain, payload, key, 0);
                    PyString::from_bytes(py, plain)
                }
                None => PyString::from_bytes(py, payload),
            };
            match utf8 {
                Ok(text) => Ok(Some(text.into_any())),
                Err(err) if err.is_instance_of::<PyUnicodeDecodeError>(py) => Ok(None),
                Err(err) => Err(err),
            }
        }
    }
}
