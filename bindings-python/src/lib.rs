//! The native module `sansocket._core`: Python classes over the sansocket engine. It only
//! converts types; every protocol decision is the core's. The pure-Python package
//! `sansocket` (in `python/`) re-exports these and adds the asyncio integration.
//!
//! Built for the running CPython (3.11 and later; not the stable ABI, see Cargo.toml), through
//! pyo3's own API only: no hand-declared C functions, no private object layouts (a new ASCII
//! `str` is written through CPython's `PyUnicode_1BYTE_DATA`, see `text`). `unsafe` is denied
//! except in the modules that say why they need it (`buffer`, `convert`, `read_buffer`, `text`),
//! each block with its `// SAFETY:` argument.
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod buffer;
mod config;
mod connection;
#[allow(unsafe_code)]
mod convert;
mod errors;
mod events;
mod host;
mod proxy;
#[allow(unsafe_code)]
mod read_buffer;
mod roles;
mod stomp;
#[allow(unsafe_code)]
mod text;
mod whole_frames;
mod wsproto_connection;
mod wsproto_message;

use pyo3::prelude::*;

/// The native part of sansocket; import from `sansocket` instead.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<connection::ConnectionState>()?;
    m.add_class::<connection::Connection>()?;
    m.add_class::<roles::ServerConnection>()?;
    m.add_class::<roles::ClientConnection>()?;
    m.add_class::<connection::Events>()?;
    m.add_class::<read_buffer::ReadBuffer>()?;
    m.add_class::<host::Host>()?;
    m.add_class::<events::Request>()?;
    m.add_class::<events::AcceptConnection>()?;
    m.add_class::<events::RejectConnection>()?;
    m.add_class::<events::TextMessage>()?;
    m.add_class::<events::BytesMessage>()?;
    m.add_class::<events::Ping>()?;
    m.add_class::<events::Pong>()?;
    m.add_class::<events::CloseConnection>()?;
    m.add_class::<wsproto_message::MessageFields>()?;
    m.add_function(wrap_pyfunction!(wsproto_message::wsproto_events, m)?)?;
    m.add_function(wrap_pyfunction!(wsproto_message::wsproto_send, m)?)?;
    m.add_function(wrap_pyfunction!(wsproto_message::wsproto_send_whole, m)?)?;
    m.add_function(wrap_pyfunction!(
        wsproto_message::wsproto_message_classes,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(wsproto_message::wsproto_receive, m)?)?;
    m.add_class::<wsproto_connection::WsprotoConnection>()?;
    m.add_function(wrap_pyfunction!(wsproto_connection::wsproto_open_state, m)?)?;
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
    m.add("ProxyError", py.get_type::<proxy::ProxyError>())?;
    m.add_class::<proxy::ProxyConnect>()?;
    m.add_class::<proxy::ProxyConnected>()?;
    m.add_class::<proxy::ProxyRejected>()?;
    Ok(())
}

/// The engine's buffers come from mimalloc rather than the C library's malloc: with glibc, a
/// connection that sends or receives megabyte messages would otherwise get fresh pages from
/// the kernel for each one (malloc trims and re-grows its heap around such buffers), several
/// times slower than the copying itself (see `bench/bench_echo.py`). Python objects still
/// come from Python's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
