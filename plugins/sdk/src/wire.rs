//! The memory side of the ABI: buffers and dispatch.

use baocao_regime_abi::{Function, Reply, pack};
use serde::Serialize;

use crate::Regime;

pub fn alloc(len: i32) -> i32 {
    let mut buffer: Vec<u8> = Vec::with_capacity(len.max(0) as usize);
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr as i32
}

/// # Safety
/// `ptr` and `len` must come from [`alloc`] or from an output of [`dispatch`].
pub unsafe fn free(ptr: i32, len: i32) {
    // SAFETY: guaranteed by the caller; capacity equals len for both kinds of buffer.
    unsafe { drop(Vec::from_raw_parts(ptr as *mut u8, 0, len.max(0) as usize)) };
}

/// Takes ownership of an input buffer.
///
/// # Safety
/// `ptr..ptr+len` must be a buffer from [`alloc`] filled by the host.
pub unsafe fn input(ptr: i32, len: i32) -> Vec<u8> {
    let len = len.max(0) as usize;
    // SAFETY: guaranteed by the caller.
    unsafe { Vec::from_raw_parts(ptr as *mut u8, len, len) }
}

fn output<T: Serialize>(reply: &Reply<T>) -> i64 {
    let bytes =
        serde_json::to_vec(reply).unwrap_or_else(|_| br#"{"error":"the plugin could not encode its reply"}"#.to_vec());
    let boxed = bytes.into_boxed_slice();
    let len = boxed.len() as u32;
    let ptr = Box::into_raw(boxed) as *mut u8 as u32;
    pack(ptr, len)
}

fn run<I: serde::de::DeserializeOwned, O: Serialize>(input: &[u8], f: impl FnOnce(I) -> Result<O, String>) -> i64 {
    let reply = match serde_json::from_slice::<I>(input) {
        Ok(value) => match f(value) {
            Ok(out) => Reply::Ok(out),
            Err(e) => Reply::Error(e),
        },
        Err(e) => Reply::Error(format!("malformed input: {e}")),
    };
    output(&reply)
}

pub fn dispatch<R: Regime>(manifest: &crate::Manifest, function: i32, input: &[u8]) -> i64 {
    match Function::from_i32(function) {
        Some(Function::Manifest) => output(&Reply::Ok(manifest)),
        Some(Function::Compute) => run(input, |data| R::compute(manifest, data)),
        Some(Function::Validate) => run(input, |data: crate::FormData| R::validate(manifest, &data)),
        Some(Function::Schedule) => run(input, |request: crate::ScheduleRequest| R::schedule(manifest, &request)),
        Some(Function::Score) => run(input, |request: crate::ScoreRequest| R::score(manifest, &request)),
        Some(Function::Check) => run(input, |data| R::check(manifest, data)),
        None => output::<()>(&Reply::Error(format!("unknown function {function}"))),
    }
}
