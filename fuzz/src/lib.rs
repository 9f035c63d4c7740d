//! Shared logic of the sansocket fuzz targets.
//!
//! Every target in `fuzz_targets/` is a few lines that call one function of [`targets`].
//! The rest is the harness:
//! - [`config`]: small limits picked by the fuzz input, so limits are actually hit;
//! - [`input`]: the byte formats the targets read (documented there, written by `seeds.py`);
//! - [`drive`]: runs one scenario against a [`sansocket::Connection`], checking the
//!   invariants that hold at every step (error codes, nothing after an error, limits,
//!   usage errors queue nothing);
//! - [`compare`]: runs a scenario fed in different chunkings and deliveries and requires
//!   identical results;
//! - [`outbox`]: checks what a connection sent (HTTP head, frame syntax, nothing after a
//!   close frame) and decodes it with the opposite endpoint (round trip);
//! - [`wire`]: a deliberately plain frame encoder and parser;
//! - [`reference`]: a deliberately plain, slow reference decoder for the differential target;
//! - [`text`]: the target aimed at `Utf8Bytes::as_str`'s unchecked read.
//!
//! A violated invariant panics, which libFuzzer reports as a crash.

pub mod compare;
pub mod config;
pub mod drive;
pub mod input;
pub mod outbox;
pub mod reference;
pub mod stomp;
pub mod targets;
pub mod text;
/// The plain frame encoder and parser, shared with the tests and benchmarks.
pub use sansocket_test_support::wire;
