//! The native module `sansocket._core`: Python classes over the sansocket engine. It only
//! converts types; every protocol decision is the core's. The pure-Python package
//! `sansocket` (in `python/`) re-exports these and adds the asyncio integration.

mod buffer;
mod config;
mod connection;
mod convert;
mod errors;
mod events;
mod latin1;
mod stomp;
mod text;

use pyo3::prelude::*;

/// The native part of sansocket; import from `sansocket` instead.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    latin1::init(py);
    // Private, for the tests: set as an attribute, outside `__all__` and the stubs.
    m.setattr(
        "_str_read_in_place",
        wrap_pyfunction!(latin1::_str_read_in_place, m)?,
    )?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<connection::ConnectionState>()?;
    m.add_class::<connection::Connection>()?;
    m.add_class::<connection::ServerConnection>()?;
    m.add_class::<connection::ClientConnection>()?;
    m.add_class::<connection::Events>()?;
    m.add_class::<events::Request>()?;
    m.add_class::<events::AcceptConnection>()?;
    m.add_class::<events::RejectConnection>()?;
    m.add_class::<events::TextMessage>()?;
    m.add_class::<events::BytesMessage>()?;
    m.add_class::<events::Ping>()?;
    m.add_class::<events::Pong>()?;
    m.add_class::<events::CloseConnection>()?;
    m.add("WebSocketError", py.get_type::<errors::WebSocketError>())?;
    m.add(
        "LocalProtocolError",
        py.get_type::<errors::LocalProtocolError>(),
    )?;
    m.add(
        "RemoteProtocolError",
        py.get_type::<errors::RemoteProtocolError>(),
    )?;
    m.add("HandshakeError", py.get_type::<errors::HandshakeError>())?;
    stomp::register(m)?;
    Ok(())
}

/// The engine's buffers come from mimalloc rather than the C library's malloc: with glibc, a
/// connection that sends or receives megabyte messages would otherwise get fresh pages from
/// the kernel for each one (malloc trims and re-grows its heap around such buffers), several
/// times slower than the copying itself (see `bench/bench_echo.py`). Python objects still
/// come from Python's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
