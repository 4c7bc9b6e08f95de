//! Query fingerprints: one identity for every execution of the same query, whatever its
//! constants, parameters, IN-list lengths, comments and whitespace, from the real parser.
//!
//! Constants are first replaced by parameters (`pg_query::normalize`), so a query logged with
//! literals (simple protocol) and the same query logged with `$1` (extended protocol) get the
//! same fingerprint (`pg_query::fingerprint` would tell a constant from a parameter).

/// A query's fingerprint and its normalized text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprinted {
    /// pg_query's fingerprint of the normalized query, 16 hex digits.
    pub fingerprint: String,
    /// The query with its constants replaced by `$n`.
    pub normalized: String,
}

/// The fingerprint of one query, or `None` when it does not parse.
pub fn fingerprint(sql: &str) -> Option<Fingerprinted> {
    let normalized = pg_query::normalize(sql).ok()?;
    // Relation names are fingerprinted, not their aliases: `FROM orders o` and `FROM users o`
    // are different queries. Digits in names are still ignored (partitions group together).
    let fp = pg_query::fingerprint(
        &normalized,
        pg_query::ParserOptions::DEFAULT,
        pg_query::FingerprintOptions::RANGEVAR_IGNORE_ALIASES,
    )
    .ok()?;
    Some(Fingerprinted {
        fingerprint: fp.hex,
        normalized: without_comments(&normalized),
    })
}

/// The text without its comments (sqlcommenter tags and the like, which the fingerprint
/// ignores too), the spaces around each removed comment collapsed.
fn without_comments(sql: &str) -> String {
    if !sql.contains("/*") && !sql.contains("--") {
        return sql.to_owned();
    }
    let Ok(scan) = pg_query::scan(sql) else {
        return sql.to_owned();
    };
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for token in scan.tokens {
        let is_comment = token.token == pg_query::protobuf::Token::SqlComment as i32
            || token.token == pg_query::protobuf::Token::CComment as i32;
        let (Ok(start), Ok(end)) = (usize::try_from(token.start), usize::try_from(token.end))
        else {
            continue;
        };
        if !is_comment || start < at || end > sql.len() {
            continue;
        }
        out.push_str(sql[at..start].trim_end());
        at = end;
        if !out.is_empty() {
            out.push(' ');
        }
    }
    out.push_str(sql[at..].trim_start());
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(sql: &str) -> String {
        fingerprint(sql).expect("parses").fingerprint
    }

    #[test]
    fn the_same_query_whatever_its_values() {
        let base = fp(r#"SELECT "users".* FROM "users" WHERE "users"."id" = 42 LIMIT 1"#);
        assert_eq!(
            base,
            fp(r#"SELECT "users".* FROM "users" WHERE "users"."id" = $1 LIMIT $2"#)
        );
        assert_eq!(
            base,
            fp("select \"users\".*  from \"users\"\n where \"users\".\"id\" = 7 limit 1 /*controller='users',action='show'*/")
        );
        let in_list = fp("SELECT id FROM products WHERE id IN (1, 2, 3)");
        assert_eq!(in_list, fp("SELECT id FROM products WHERE id IN ($1)"));
        assert_ne!(base, in_list);
        assert!(fingerprint("SELEC 1").is_none());
        assert_eq!(
            fingerprint("SELECT 1 /*controller='users'*/").map(|f| f.normalized),
            Some("SELECT $1".to_owned())
        );
        assert_eq!(
            fingerprint("/* a */ SELECT 1 -- b\n  FROM t").map(|f| f.normalized),
            Some("SELECT $1 FROM t".to_owned())
        );
        assert_ne!(
            fp("SELECT o.id FROM orders o WHERE o.id = 1"),
            fp("SELECT o.id FROM users o WHERE o.id = 1")
        );
        assert_eq!(
            fp("SELECT count(*) FROM events_2024_01"),
            fp("SELECT count(*) FROM events_2024_02")
        );
        let n = fingerprint("SELECT * FROM t WHERE a = 'x' AND b = 2").expect("parses");
        assert_eq!(n.normalized, "SELECT * FROM t WHERE a = $1 AND b = $2");
    }
}
