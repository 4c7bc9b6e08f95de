use plumb_diagnostics::{Applicability, Finding, Severity};

use crate::context::fix;
use crate::fix::{ident, table_sql};
use crate::registry::Rule;
use crate::review::SchemaContext;
use crate::rules::types::float_for_money::words;

declare_rule! {
    /// ## What it does
    /// Flags text columns whose names say they hold a secret — password, secret, token, API
    /// key, private key, card number, social security number — and do not say the value is
    /// hashed or encrypted.
    ///
    /// ## Why is this bad
    /// Anyone who reads the table — a backup, a replica, a log of a slow query, an analyst, an
    /// SQL injection — gets working credentials. Passwords belong hashed (bcrypt, scrypt,
    /// argon2), tokens and keys hashed (SHA-256) or encrypted, card data not stored at all.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE api_clients (id bigint PRIMARY KEY, api_key text);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE api_clients (id bigint PRIMARY KEY, api_key_sha256 bytea);
    /// ```
    ///
    /// ## Fix safety
    /// Display only: the fix adds a hashed copy of the value; the application must then look
    /// values up by their hash and the plain column be dropped. For password columns the fix
    /// is a read-only query counting values that are not password hashes.
    ///
    /// ## PostgreSQL versions
    /// 11 and later (`sha256()`).
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html>
    pub struct PlaintextSecretColumn {
        code: "PL956",
        name: "plaintext-secret-column",
        family: Security,
        severity: Medium,
        summary: "A text column named like a secret probably stores credentials in the clear",
        min_pg: None,
        max_pg: None,
        inputs: Catalog,
    }
}

/// Words that mark a secret; `password` and `token` are often hashed already, so they are low.
const SECRET: &[(&str, Severity)] = &[
    ("password", Severity::Low),
    ("passwd", Severity::Low),
    ("pwd", Severity::Low),
    ("token", Severity::Low),
    // Alone, `secret` names URL tokens and one-time seeds as often as credentials: plumb never
    // reads values to tell, so it stays low; `secret_key`, `client_secret` rank higher.
    ("secret", Severity::Low),
    ("apikey", Severity::Medium),
    ("ssn", Severity::Medium),
    ("cvv", Severity::High),
];

/// Word pairs that mark a secret.
const SECRET_PAIRS: &[(&str, &str, Severity)] = &[
    ("api", "key", Severity::Medium),
    ("private", "key", Severity::Medium),
    ("access", "key", Severity::Medium),
    ("secret", "key", Severity::Medium),
    ("card", "number", Severity::High),
    ("credit", "card", Severity::High),
];

/// Words that say the value is not the secret itself.
const SAFE: &[&str] = &[
    "endpoint",
    "url",
    "uri",
    "path",
    "issuer",
    "name",
    "scope",
    "scopes",
    "hash",
    "hashed",
    "digest",
    "encrypted",
    "enc",
    "crypt",
    "crypted",
    "bcrypt",
    "salt",
    "hint",
    "expires",
    "expiry",
    "expiration",
    "at",
    "type",
    "kind",
    "id",
    "count",
    "length",
    "last4",
    "prefix",
    "fingerprint",
    "sha256",
    "sha1",
    "md5",
    "version",
    "policy",
    "required",
    "set",
    "changed",
    "reset",
    "updated",
    "created",
    "enabled",
    "hmac",
    "ciphertext",
    "iv",
    "nonce",
];

fn secret_severity(name: &str) -> Option<Severity> {
    let w = words(name);
    if w.iter().any(|x| SAFE.contains(&x.as_str())) {
        return None;
    }
    let mut best = None;
    for (word, sev) in SECRET {
        if w.iter().any(|x| x == word) {
            best = best.max(Some(*sev));
        }
    }
    for pair in w.windows(2) {
        for (a, b, sev) in SECRET_PAIRS {
            if pair[0] == *a && pair[1] == *b {
                best = best.max(Some(*sev));
            }
        }
    }
    best
}

impl Rule for PlaintextSecretColumn {
    fn lints_migrations(&self) -> bool {
        false
    }

    fn reviews_schema(&self) -> bool {
        true
    }

    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Finding>) {
        for t in cx.tables() {
            for c in &t.columns {
                let textual = c.type_name == "text"
                    || c.type_name.starts_with("varchar")
                    || c.type_name.starts_with("bpchar");
                if !textual || c.generated.is_some() {
                    continue;
                }
                let Some(severity) = secret_severity(&c.name) else {
                    continue;
                };
                let table = table_sql(&t.name);
                let col = ident(&c.name);
                let mut f = cx.finding(
                    &Self::META,
                    "table",
                    &t.name,
                    Some(&c.name),
                    format!(
                        "{table}.{col} ({}) is named like a secret and may hold it in plain text",
                        c.type_name
                    ),
                );
                f.severity = severity;
                let password = words(&c.name)
                    .iter()
                    .any(|w| matches!(w.as_str(), "password" | "passwd" | "pwd"));
                if password {
                    f.help = "Store only a password hash (bcrypt, scrypt or argon2); check the values are hashes".to_owned();
                    f.fix = Some(fix(
                        "Count values that are not password hashes (read-only)",
                        format!(
                            "SELECT count(*) AS not_hashed FROM {table} WHERE {col} IS NOT NULL AND {col} !~ '^\\$(2[abxy]?|argon2(id|i|d)|scrypt|pbkdf2[-_a-z0-9]*|[156])\\$';"
                        ),
                        None,
                        Applicability::DisplayOnly,
                    ));
                } else if words(&c.name)
                    .iter()
                    .any(|w| matches!(w.as_str(), "totp" | "otp" | "mfa" | "2fa" | "hotp"))
                {
                    // A one-time-password seed is read back to check codes: a hash would break
                    // sign-in, encryption does not.
                    let encrypted = ident(&format!("{}_encrypted", c.name));
                    // The rollback removes pgcrypto only when the fix installed it.
                    let has_pgcrypto = cx.catalog.extensions.contains_key("pgcrypto");
                    let (create_ext, drop_ext) = if has_pgcrypto {
                        ("", "")
                    } else {
                        (
                            "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n",
                            "\nDROP EXTENSION IF EXISTS pgcrypto;",
                        )
                    };
                    f.help = "Encrypt the seed (the application reads it back to check codes, so a hash would not do)".to_owned();
                    f.fix = Some(fix(
                        "Add an encrypted copy of the seed (pgcrypto; the key comes from the application's setting)",
                        format!(
                            "{create_ext}ALTER TABLE {table} ADD COLUMN {encrypted} bytea;\nUPDATE {table} SET {encrypted} = pgp_sym_encrypt({col}, current_setting('app.secret_key')) WHERE {col} IS NOT NULL;"
                        ),
                        Some(format!("ALTER TABLE {table} DROP COLUMN {encrypted};{drop_ext}")),
                        Applicability::DisplayOnly,
                    ));
                } else {
                    let hashed = ident(&format!("{}_sha256", c.name));
                    f.help =
                        "Store a SHA-256 hash (or an encrypted value) and look values up by hash"
                            .to_owned();
                    f.fix = Some(fix(
                        "Add a hashed copy of the secret",
                        format!(
                            "ALTER TABLE {table} ADD COLUMN {hashed} bytea;\nUPDATE {table} SET {hashed} = sha256(convert_to({col}, 'UTF8')) WHERE {col} IS NOT NULL;"
                        ),
                        Some(format!("ALTER TABLE {table} DROP COLUMN {hashed};")),
                        Applicability::DisplayOnly,
                    ));
                }
                out.push(f);
            }
        }
    }
}
