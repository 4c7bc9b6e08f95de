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
    fn pg_query_deparse_protobuf(parse_tree: PgQueryProtobuf) -> PgQueryDeparseResult;
    fn pg_query_free_deparse_result(result: PgQueryDeparseResult);
}

#[repr(C)]
struct PgQueryDeparseResult {
    query: *mut c_char,
    error: *mut PgQueryError,
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

// Deparsing. `pg_query`'s `NodeEnum::deparse` clones the whole tree into a `ParseResult` to
// encode it; the protobuf of `ParseResult { stmts: [RawStmt { stmt }] }` is written here around
// the node's own encoding instead (field numbers from pg_query.proto), and handed to the same C
// entry point with the default options.

/// `bytes` as the length-delimited field `tag` of a message.
fn field(tag: u32, bytes: &[u8]) -> Vec<u8> {
    use prost::encoding::{encode_key, encode_varint, encoded_len_varint, WireType};
    let len = bytes.len() as u64;
    let mut out = Vec::with_capacity(bytes.len() + encoded_len_varint(len) + 3);
    encode_key(tag, WireType::LengthDelimited, &mut out);
    encode_varint(len, &mut out);
    out.extend_from_slice(bytes);
    out
}

fn varint_field(tag: u32, value: u64, out: &mut Vec<u8>) {
    use prost::encoding::{encode_key, encode_varint, WireType};
    encode_key(tag, WireType::Varint, out);
    encode_varint(value, out);
}

/// Deparses one statement node (the body of a `Node` message) to SQL.
pub(crate) fn deparse_statement(node: &pg_query::NodeEnum) -> Option<String> {
    let mut body = Vec::with_capacity(node.encoded_len());
    node.encode(&mut body);
    deparse_node_message(&body)
}

/// Deparses `SELECT <expr>` to SQL, without building (and copying the expression into) the
/// `SelectStmt`: `SelectStmt { target_list: [ResTarget { val: expr }], limit_option: DEFAULT,
/// op: SETOP_NONE }`.
pub(crate) fn deparse_select_of(expr: &pg_query::protobuf::Node) -> Option<String> {
    use pg_query::protobuf::{LimitOption, SetOperation};
    let res_target = field(3, &expr.encode_to_vec()); // ResTarget.val
    let target = field(78, &res_target); // Node.res_target
    let mut select = field(3, &target); // SelectStmt.target_list
    varint_field(14, LimitOption::Default as u64, &mut select); // SelectStmt.limit_option
    varint_field(17, SetOperation::SetopNone as u64, &mut select); // SelectStmt.op
    deparse_node_message(&field(138, &select)) // Node.select_stmt
}

/// Deparses a `ParseResult` holding one statement whose `Node` message body is `stmt`.
fn deparse_node_message(stmt: &[u8]) -> Option<String> {
    // PG_VERSION_NUM of the bundled parser; libpg_query does not check it when reading.
    const VERSION: u64 = 180_006;
    let raw_stmt = field(1, stmt); // RawStmt.stmt
    let mut tree = Vec::with_capacity(raw_stmt.len() + 12);
    varint_field(1, VERSION, &mut tree); // ParseResult.version
    tree.extend_from_slice(&field(2, &raw_stmt)); // ParseResult.stmts
    let input = PgQueryProtobuf {
        len: tree.len(),
        data: tree.as_ptr() as *mut c_char,
    };
    // SAFETY: `input` borrows `tree`, which outlives the call; libpg_query only reads it. The
    // result is freed exactly once below, after its query string has been copied out.
    let result = unsafe { pg_query_deparse_protobuf(input) };
    let out = if result.error.is_null() && !result.query.is_null() {
        // SAFETY: on success `query` is a NUL-terminated C string owned by the result.
        Some(
            unsafe { CStr::from_ptr(result.query) }
                .to_string_lossy()
                .into_owned(),
        )
    } else {
        None
    };
    // SAFETY: `result` came from pg_query_deparse_protobuf and is freed once.
    unsafe { pg_query_free_deparse_result(result) };
    out
}
