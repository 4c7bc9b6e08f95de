//! Fuzzes the "no silent loss" invariant of the SQL front end: for any text, every token is
//! inside a parsed statement or inside a rejected one, for the full and the abridged parse alike.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for parsed in [plumb_sql::parse(text), plumb_sql::parse_abridged(text)] {
        if let Some(at) = plumb_sql::uncovered_token(text, &parsed) {
            panic!("byte {at} of {text:?} is in no statement and no error");
        }
        for e in &parsed.errors {
            assert!(!e.message.contains('\n'), "multi-line message {:?}", e.message);
            assert!(e.statement_start <= e.offset && e.offset <= e.statement_end.max(e.statement_start));
        }
    }
});
