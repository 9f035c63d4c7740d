//! The frame layer (RFC 6455 §5.2): header parsing and encoding.
//!
//! [`parse_header`] checks what a header says on its own (opcode, lengths, control-frame
//! rules); what depends on the connection (role, extensions, fragmentation, limits) is
//! checked by the receiver.

mod header;

pub use header::{FrameHeader, MAX_HEADER_LEN, OpCode, parse_header, write_header};
