//! Direct binding to libpg_query's protobuf parser.
//!
//! `pg_query::parse` discards the error's cursor position and walks the whole tree to collect
//! table and function names plumb does not need. Calling the C entry point that `pg_query`
//! already links gives the position (for precise error locations) and skips that walk.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, CStr, CString};

use prost::Message;

#[repr(C)]
struct PgQueryError {
    message: *mut c_char,
    funcname: *mut c_char,
    filename: *mut c_char,
    lineno: c_int,
    cursorpos: c_int,
    context: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobuf {
    len: usize,
    data: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobufParseResult {
    parse_tree: PgQueryProtobuf,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

extern "C" {
    fn pg_query_parse_protobuf_opts(
        input: *const c_char,
        parser_options: c_int,
    ) -> PgQueryProtobufParseResult;
    fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
}

/// A parser error: the message and the 0-based byte offset where PostgreSQL stopped, if known.
pub(crate) struct RawError {
    pub message: String,
    pub offset: Option<usize>,
}

/// Parses `sql` (which must not contain NUL bytes) into libpg_query's protobuf tree.
pub(crate) fn parse_protobuf(sql: &str) -> Result<pg_query::protobuf::ParseResult, RawError> {
    let Ok(input) = CString::new(sql) else {
        return Err(RawError {
            message: "input contains a NUL byte".to_owned(),
            offset: sql.find('\0'),
        });
    };
    // SAFETY: `input` is a valid NUL-terminated string that outlives the call; the result is
    // freed exactly once below, after its buffers have been copied out.
    let result = unsafe { pg_query_parse_protobuf_opts(input.as_ptr(), 0) };
    let out = if result.error.is_null() {
        // SAFETY: on success libpg_query returns a buffer of `len` bytes at `data`.
        let data = unsafe {
            std::slice::from_raw_parts(result.parse_tree.data as *const u8, result.parse_tree.len)
        };
        pg_query::protobuf::ParseResult::decode(data).map_err(|e| RawError {
            message: format!("could not decode the parse tree: {e}"),
            offset: None,
        })
    } else {
        // SAFETY: a non-null error points to a PgQueryError whose message is a C string.
        let (message, cursor) = unsafe {
            let err = &*result.error;
            (
                CStr::from_ptr(err.message).to_string_lossy().into_owned(),
                err.cursorpos,
            )
        };
        // cursorpos is 1-based and counts bytes; 0 means unknown.
        let offset = usize::try_from(cursor)
            .ok()
            .filter(|&c| c > 0)
            .map(|c| c - 1);
        Err(RawError { message, offset })
    };
    // SAFETY: `result` came from pg_query_parse_protobuf_opts and is freed once.
    unsafe { pg_query_free_protobuf_parse_result(result) };
    out
}
