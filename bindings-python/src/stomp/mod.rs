//! The native half of `sansocket.stomp`: Python classes over the `sansocket-stomp` engine
//! (codec, client and server sessions, broker). Types are converted here and nothing
//! else: every protocol decision is the engine's.
//!
//! The classes live in their own module object, registered as `sansocket._stomp` (typed by
//! `python/sansocket/_stomp.pyi`); `python/sansocket/stomp.py` re-exports them.

mod broker;
mod codec;
mod convert;
mod errors;
mod sessions;

use pyo3::prelude::*;
use pyo3::types::PyModule;

/// Builds `sansocket._stomp` and adds it to `sys.modules`, so that `import sansocket._stomp`
/// finds it once `sansocket._core` is loaded.
pub(crate) fn register(core: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = core.py();
    let m = PyModule::new(py, "_stomp")?;
    m.setattr(
        "__doc__",
        "STOMP 1.0/1.1/1.2 as a sans-IO engine; import from sansocket.stomp.",
    )?;
    m.add(
        "SUBPROTOCOLS",
        sansocket_stomp::SUBPROTOCOLS
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )?;
    m.add("DEFAULT_GRACE", sansocket_stomp::DEFAULT_GRACE)?;
    convert::add(&m)?;
    errors::add(&m)?;
    codec::add(&m)?;
    sessions::add(&m)?;
    broker::add(&m)?;
    py.import("sys")?
        .getattr("modules")?
        .set_item("sansocket._stomp", &m)?;
    Ok(())
}
