//! Arbitrary text through the DBML importer: it must return DDL or a positioned error, and DDL
//! it writes must parse as PostgreSQL.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(ddl) = plumb_dbml::to_ddl(text) {
        let _ = plumb_sql::parse(&ddl);
    }
});
