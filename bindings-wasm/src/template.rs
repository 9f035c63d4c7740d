//! [`RawServerTemplate`]: the options of many server connections, checked once.

use sansocket::{Config, Delivery};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::options::{self, Options};

/// A server's options turned into the core's [`Config`] once, for every connection an
/// http server upgrades (`serve` in the Node glue): reading an options object from WASM
/// costs a string and a property lookup per option, garbage for each upgrade.
#[wasm_bindgen]
pub struct RawServerTemplate {
    pub(crate) config: Config,
    pub(crate) open: bool,
    pub(crate) subprotocol: Option<String>,
}

#[wasm_bindgen]
impl RawServerTemplate {
    /// Checks `opts` as `RawConnection::server` does; throws as it would.
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> Result<RawServerTemplate, JsValue> {
        let o = Options::new(&opts, "ServerConnection", false)?;
        Ok(Self {
            config: options::config(&o)?,
            open: o.bool("open")?.unwrap_or(false),
            subprotocol: o.string("subprotocol")?,
        })
    }
}

impl RawServerTemplate {
    /// True if reads may go through `whole_frames` (delivery by messages).
    pub(crate) fn whole_frames(&self) -> bool {
        self.config.delivery == Delivery::Messages
    }
}
