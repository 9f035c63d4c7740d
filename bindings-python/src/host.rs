//! Calls for hosts that drive a connection on an event loop (`sansocket.asyncio`,
//! `sansocket.uvicorn`): one call per read that decodes, and one per flush that writes, so
//! that a message costs a host a few Python operations rather than an event object and a
//! dozen calls. They convert types only, as the rest of the binding. (The Python-facing
//! methods, with these docs, are in `connection`'s `#[pymethods]`: one block per class.)

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use sansocket::Event;
use sansocket::advanced::ConnectionExt;

use crate::connection::Connection;
use crate::convert;
use crate::errors;

impl Connection {
    /// `Connection.receive_messages`.
    pub(crate) fn receive_messages_impl<'py>(
        &mut self,
        py: Python<'py>,
        data: Option<&Bound<'py, PyAny>>,
        max_messages: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let conn = self.core();
        if let Some(data) = data {
            convert::with_bytes(data, |bytes| conn.receive_data(bytes))?;
        }
        let list = PyList::empty(py);
        let mut messages = 0;
        while messages < max_messages {
            // The first event with `next_event`: it raises an error (one deferred by the
            // last call among them) and queues the close frame. The others with the batched
            // form, which leaves an error for the next call, after the events before it.
            let next = if list.is_empty() {
                conn.next_event()
            } else {
                conn.next_event_batched()
            };
            let event = match next {
                Ok(Some(event)) => event,
                Ok(None) => break,
                Err(_) if !list.is_empty() => break,
                Err(error) => return Err(errors::failure(py, error, conn.role())),
            };
            match event {
                Event::Text(text) => {
                    list.append(PyString::from_bytes(py, text.as_bytes())?)?;
                    messages += 1;
                }
                Event::Binary(data) => {
                    list.append(PyBytes::new(py, &data))?;
                    messages += 1;
                }
                other => {
                    list.append(crate::events::to_python(py, other)?)?;
                    break;
                }
            }
        }
        Ok(list)
    }

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
}
