//! Python values in: byte-like arguments and header lists.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

/// Runs `f` on the bytes of a `bytes`, `bytearray` or `memoryview` without copying them (a
/// strided, non-contiguous `memoryview` is copied once).
pub(crate) fn with_bytes<R>(data: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        return Ok(f(bytes.as_bytes()));
    }
    if let Ok(array) = data.cast::<PyByteArray>() {
        // SAFETY: the interpreter is attached (GIL held; abi3 modules never run on a
        // free-threaded build) and `f` is Rust code of this crate that copies the slice into
        // the engine without running any Python code, so nothing can resize or free the
        // bytearray while the slice lives.
        return Ok(f(unsafe { array.as_bytes() }));
    }
    if data.is_instance_of::<PyMemoryView>() {
        let f = match crate::buffer::with_contiguous(data, f) {
            Ok(result) => return Ok(result),
            Err(f) => f,
        };
        let copy = data.py().get_type::<PyBytes>().call1((data,))?;
        let copy = copy.cast::<PyBytes>()?;
        return Ok(f(copy.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "expected bytes, bytearray or memoryview, got {}",
        type_name(data)
    )))
}

/// A text argument: `str`, or UTF-8 `bytes` (for header values).
pub(crate) fn text(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return std::str::from_utf8(b.as_bytes())
            .map(str::to_owned)
            .map_err(|_| PyTypeError::new_err(format!("{what} must be str or UTF-8 bytes")));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be str or bytes, got {}",
        type_name(value)
    )))
}

/// A header list: an iterable of `(name, value)` pairs of `str` or `bytes`.
pub(crate) fn headers(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let item = item?;
        let (name, val): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract().map_err(|_| {
            PyTypeError::new_err("headers must be (name, value) pairs of str or bytes")
        })?;
        out.push((text(&name, "header name")?, text(&val, "header value")?));
    }
    Ok(out)
}

/// A list of strings from any iterable of `str` (a lone `str` is refused: it would be read
/// as a list of characters).
pub(crate) fn strings(value: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<String>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    if value.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a list of str, not a str"
        )));
    }
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let item = item?;
        let s = item
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err(format!("{what} must contain only str")))?;
        out.push(s.to_cow()?.into_owned());
    }
    Ok(out)
}

pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}
