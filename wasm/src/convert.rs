//! Crossing the JS boundary: bytes in from any realm, typed errors out.
//!
//! Every input from JavaScript is untrusted. The package's JS layer (`js/inputs.js`)
//! normalises every argument *before* a call enters the module: byte inputs become fresh
//! same-realm `Uint8Array`s sized by the engine's internal slots, strings are checked to be
//! well-formed, and option objects are rebuilt as plain objects. That is what keeps caller
//! code (a throwing getter, a detached buffer) from running while the module is on the
//! stack, where a JS exception would skip the module's wipes and, repeated, exhaust
//! wasm-bindgen's value table. The checks here are the second line: they refuse what is
//! not bytes or text with `INVALID_INPUT`, and copy the bytes into a zeroizing buffer in
//! wasm memory, so the module's own copy is wiped after use.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::Zeroizing;

#[wasm_bindgen]
extern "C" {
    /// `Object.prototype.toString.call(value)`: the realm-independent type tag,
    /// e.g. `"[object ArrayBuffer]"`.
    #[wasm_bindgen(js_namespace = ["Object", "prototype", "toString"], js_name = call)]
    fn object_tag(value: &JsValue) -> String;
}

/// The `code` of errors about the shape of an argument (not a keysplit error).
pub const INVALID_INPUT: &str = "INVALID_INPUT";

/// A JS `Error` named `KeysplitError` with a stable `code` property.
pub fn js_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("KeysplitError");
    // Setting a property on a fresh ordinary object cannot fail.
    let _ = Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(code));
    error.into()
}

/// Converts a core error into a thrown JS error (code from [`keysplit::Error::code`]).
pub fn core_error(error: keysplit::Error) -> JsValue {
    js_error(error.code(), &format!("{error}"))
}

/// An argument error with the standard code.
pub fn invalid(message: &str) -> JsValue {
    js_error(INVALID_INPUT, message)
}

/// A same-realm `Uint8Array` over the bytes of `value`, or `None` if it holds no bytes.
fn byte_view(value: &JsValue) -> Option<Uint8Array> {
    if ArrayBuffer::is_view(value) {
        // Every ArrayBuffer view (typed arrays of any realm, Buffer, DataView) has these
        // three accessors; reading them through the Uint8Array binding is structural.
        let view = value.unchecked_ref::<Uint8Array>();
        return Some(Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset(),
            view.byte_length(),
        ));
    }
    if value.is_object() {
        let tag = object_tag(value);
        if tag == "[object ArrayBuffer]" || tag == "[object SharedArrayBuffer]" {
            return Some(Uint8Array::new(value));
        }
    }
    None
}

/// Copies a byte input (any `ArrayBufferView` or `ArrayBuffer`, from any realm) into a
/// buffer that is wiped on drop.
pub fn bytes(value: &JsValue, what: &str) -> Result<Zeroizing<Vec<u8>>, JsValue> {
    let view = byte_view(value).ok_or_else(|| {
        invalid(&format!(
            "{what} must be a Uint8Array, a Buffer, an ArrayBuffer or another ArrayBuffer view"
        ))
    })?;
    let len = usize::try_from(view.length())
        .map_err(|_| js_error("TOO_LARGE", &format!("{what} is too large")))?;
    let mut out = Zeroizing::new(vec![0u8; len]);
    view.copy_to(&mut out);
    Ok(out)
}

/// A list input: a JS array (of any realm) whose items go through `item`.
pub fn list<T>(
    value: &JsValue,
    what: &str,
    mut item: impl FnMut(&JsValue, usize) -> Result<T, JsValue>,
) -> Result<Vec<T>, JsValue> {
    if !Array::is_array(value) {
        return Err(invalid(&format!("{what} must be an array")));
    }
    let array = value.unchecked_ref::<Array>();
    // The length is the caller's (a sparse `new Array(2 ** 31)` costs them nothing): no
    // list keysplit takes can hold more than 255 items (shares), so refuse before
    // allocating or iterating.
    if array.length() > 255 {
        return Err(invalid(&format!(
            "{what} has {} items; at most 255 are accepted",
            array.length()
        )));
    }
    let mut out = Vec::with_capacity(array.length() as usize);
    for (index, element) in array.iter().enumerate() {
        out.push(item(&element, index)?);
    }
    Ok(out)
}

/// A list of byte inputs; the error names the position, counting from 1.
pub fn byte_list(value: &JsValue, what: &str) -> Result<Vec<Zeroizing<Vec<u8>>>, JsValue> {
    list(value, what, |element, index| {
        bytes(element, &format!("{what} item #{}", index + 1))
    })
}

/// Refuses a string with a lone UTF-16 surrogate: converting it to UTF-8 would replace
/// the surrogate with U+FFFD, so different passwords would become the same bytes.
pub fn well_formed(text: &js_sys::JsString, what: &str) -> Result<(), JsValue> {
    if text.is_valid_utf16() {
        Ok(())
    } else {
        Err(invalid(&format!(
            "{what} is not well-formed text (it contains a lone UTF-16 surrogate)"
        )))
    }
}

/// A string input, in a buffer wiped on drop.
pub fn text(value: &JsValue, what: &str) -> Result<Zeroizing<String>, JsValue> {
    let text = value
        .dyn_ref::<js_sys::JsString>()
        .ok_or_else(|| invalid(&format!("{what} must be a string")))?;
    well_formed(text, what)?;
    Ok(Zeroizing::new(String::from(text)))
}

/// A list of strings.
pub fn text_list(value: &JsValue, what: &str) -> Result<Vec<Zeroizing<String>>, JsValue> {
    list(value, what, |element, index| {
        text(element, &format!("{what} item #{}", index + 1))
    })
}

/// A small non-negative integer argument (a count, a threshold, an index).
pub fn count(value: f64, what: &str) -> Result<usize, JsValue> {
    if value.is_finite() && value >= 0.0 && value <= f64::from(u32::MAX) && value.fract() == 0.0 {
        Ok(value as usize)
    } else {
        // No `{value}`: formatting an f64 would pull float printing into the module (its
        // size is in BENCHMARKING.md).
        Err(invalid(&format!("{what} must be a non-negative integer")))
    }
}

/// A fresh `Uint8Array` holding a copy of `bytes` (the caller's buffer is then free to
/// be wiped).
pub fn to_js_bytes(bytes: &[u8]) -> Uint8Array {
    Uint8Array::from(bytes)
}

/// A JS array of `Uint8Array`s.
pub fn to_js_byte_list<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> Array {
    items
        .into_iter()
        .map(|item| JsValue::from(to_js_bytes(item)))
        .collect()
}

/// Builds a plain object from `(key, value)` pairs.
pub fn object(entries: &[(&str, JsValue)]) -> Object {
    let out = Object::new();
    for (key, value) in entries {
        // Defining a data property on a fresh ordinary object cannot fail.
        let _ = Reflect::set(&out, &JsValue::from_str(key), value);
    }
    out
}
