//! Without the `deflate` feature: codec types that cannot exist, so the sender and the
//! receiver keep their `Option`s (always `None`) without a `cfg` of their own.
use crate::error::ProtocolError;

#[derive(Debug)]
pub(crate) enum Deflater {}

impl Deflater {
    pub(crate) fn compress(&mut self, _: &[u8], _: &mut Vec<u8>) -> bool {
        match *self {}
    }

    pub(crate) fn low_memory(&self) -> bool {
        match *self {}
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Inflated {
    pub(crate) used: usize,
    pub(crate) full: bool,
}

#[derive(Debug)]
pub(crate) enum Inflater {}

impl Inflater {
    pub(crate) fn inflate(
        &mut self,
        _: &[u8],
        _: &mut Vec<u8>,
        _: usize,
        _: usize,
    ) -> Result<Inflated, ProtocolError> {
        match *self {}
    }

    pub(crate) fn finish(&mut self, _: &mut Vec<u8>, _: usize) -> Result<(), ProtocolError> {
        match *self {}
    }

    pub(crate) fn release(&mut self) {
        match *self {}
    }
}
