//! CLI tests: exit codes, each output format, and clear one-line errors on bad input.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn plumb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("run plumb")
}

fn plumb_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn plumb");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

const SHOP: &str = "examples/shop/migrations";

#[test]
fn text_output_on_the_example_fails_on_high() {
    let o = plumb(&["lint", SHOP]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!("shop_text", stdout(&o));
}

#[test]
fn json_contract_version_1() {
    let o = plumb(&["lint", SHOP, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["files"], 28);
    let findings = v["findings"].as_array().unwrap();
    let index = findings
        .iter()
        .find(|f| f["rule"] == "create-index-non-concurrently")
        .unwrap();
    assert_eq!(index["severity"], "high");
    assert_eq!(index["line"], 2);
    assert_eq!(index["column"], 1);
    assert_eq!(index["lock"], "SHARE on public.orders");
    assert!(index["fix"].as_str().unwrap().contains("CONCURRENTLY"));
    // The suppressed DROP COLUMN (an up script's) does not appear, and no suppression is
    // reported unused; the down scripts' drops are reported, at medium.
    assert!(findings.iter().all(|f| f["rule"] != "unused-suppression"));
    assert!(findings
        .iter()
        .filter(|f| f["rule"] == "drop-column")
        .all(|f| f["label"] == "down" && f["severity"] == "medium"));
    insta::assert_snapshot!("shop_json", stdout(&o));
}

#[test]
fn sarif_github_and_markdown() {
    let o = plumb(&["lint", SHOP, "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
    let schema: serde_json::Value = serde_json::from_str(include_str!(
        "../../plumb_report/tests/data/sarif-schema-2.1.0.json"
    ))
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let o = plumb(&["lint", SHOP, "--format", "github"]);
    let gh = stdout(&o);
    assert!(
        gh.lines().all(|l| l.starts_with("::error ")
            || l.starts_with("::warning ")
            || l.starts_with("::notice ")),
        "{gh}"
    );
    assert!(gh.contains(
        "::error file=examples/shop/migrations/20240115000000_index_orders_user.up.sql,line=2,"
    ));
    let o = plumb(&["lint", SHOP, "--format", "markdown"]);
    assert!(stdout(&o).starts_with("## plumb migration review"));
}

#[test]
fn fail_on_and_since() {
    // The shop's one critical finding: a whole-table UPDATE while the runner's transaction
    // holds ACCESS EXCLUSIVE on the same table.
    assert_eq!(
        plumb(&["lint", SHOP, "--fail-on", "critical"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        plumb(&[
            "lint",
            SHOP,
            "--fail-on",
            "critical",
            "--since",
            "20240215000000"
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        plumb(&["lint", SHOP, "--fail-on", "none"]).status.code(),
        Some(0)
    );
    let o = plumb(&[
        "lint",
        SHOP,
        "--since",
        "20240301000000",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(!files.is_empty());
    assert!(
        files
            .iter()
            .all(|f| f.contains("202403") || f.contains("202404")),
        "{files:?}"
    );
}

#[test]
fn stdin_and_pg_version() {
    let sql = b"ALTER TABLE users ADD COLUMN flag boolean DEFAULT false;\n";
    let o = plumb_stdin(
        &["lint", "-", "--format", "json", "--pg-version", "10"],
        sql,
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "add-column-rewrite"));
    let o = plumb_stdin(
        &["lint", "-", "--format", "json", "--pg-version", "16"],
        sql,
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "add-column-rewrite"));
}

#[test]
fn bad_input_is_a_one_line_error_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let bin = dir.path().join("blob.sql");
    std::fs::write(&bin, [0u8, 159, 146, 150]).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["lint".into(), "does/not/exist.sql".into()],
            "does/not/exist.sql: no such file or directory",
        ),
        (
            vec!["lint".into(), bin.display().to_string()],
            "is a binary file, not SQL text",
        ),
        (
            vec!["lint".into(), SHOP.into(), "--format".into(), "xml".into()],
            "--format `xml`",
        ),
        (
            vec![
                "lint".into(),
                SHOP.into(),
                "--pg-version".into(),
                "7".into(),
            ],
            "--pg-version 7",
        ),
        (
            vec!["lint".into(), SHOP.into(), "--fail-on".into(), "bad".into()],
            "--fail-on `bad`",
        ),
        (
            vec!["lint".into(), empty.path().display().to_string()],
            "no migrations found",
        ),
        (
            vec!["explain-rule".into(), "no-such-rule".into()],
            "unknown rule `no-such-rule`",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = plumb(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(expected),
            "{args:?}: {err}"
        );
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn since_dates_duplicates_and_excludes() {
    // A date is a prefix of timestamp versions: the same migrations as the full version.
    let json = |args: &[&str]| {
        let o = plumb(args);
        serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap()["summary"].clone()
    };
    let by_version = json(&[
        "lint",
        SHOP,
        "--since",
        "20240301000000",
        "--format",
        "json",
    ]);
    let by_date = json(&["lint", SHOP, "--since", "2024-03-01", "--format", "json"]);
    assert_eq!(by_version, by_date);
    // A --since that matches nothing is an error, not a silent empty report.
    let o = plumb(&["lint", SHOP, "--since", "2099-01-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("matches no migration"),
        "{}",
        stderr(&o)
    );
    // The same folder twice is linted once.
    let once = json(&["lint", SHOP, "--format", "json"]);
    let twice_path = format!("{SHOP}/");
    let o = plumb(&["lint", SHOP, &twice_path, "--format", "json"]);
    let twice: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(twice["summary"], once);
    assert!(stderr(&o).contains("given twice"), "{}", stderr(&o));
    // An exclude pattern that matches nothing is reported.
    let dir = std::env::temp_dir().join(format!("plumb_cli_exclude_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("plumb.toml");
    std::fs::write(
        &config,
        "exclude = [\"**/20240320000000_*\", \"nothing/*\"]\n",
    )
    .unwrap();
    let o = plumb(&[
        "lint",
        SHOP,
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["summary"]["files"].as_u64() < once["files"].as_u64());
    assert!(stderr(&o).contains("exclude pattern `nothing/*` matches no migration"));
    assert!(!stderr(&o).contains("`**/20240320000000_*` matches no"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unbalanced_parentheses_are_reported_not_lost() {
    for text in [
        &b"SELECT 1);\nCREATE INDEX j ON t (b);\nDROP TABLE t;\n"[..],
        b"SELECT (1;",
        b"CREATE TABLE x (id int));",
    ] {
        let o = plumb_stdin(&["lint", "-", "--format", "json"], text);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(text)
        );
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert!(v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "syntax-error"));
        assert!(v["summary"]["statements"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn syntax_errors_are_findings_not_crashes() {
    let o = plumb_stdin(
        &["lint", "-", "--format", "json"],
        b"SELECT 1;\nCREATE TABEL x (id int);\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "syntax-error");
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], 8);
}

#[test]
fn config_turns_rules_off_and_overrides_severity() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("plumb.toml");
    std::fs::write(&cfg, "fail_on = \"critical\"\nsmall_tables = [\"products\"]\n[rules]\ncreate-index-non-concurrently = \"off\"\nPL201 = \"low\"\nunbatched-data-change = \"high\"\n").unwrap();
    let o = plumb(&[
        "lint",
        SHOP,
        "--format",
        "json",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .all(|f| f["rule"] != "create-index-non-concurrently"));
    // products is small: renaming its column is no longer reported.
    assert!(
        findings
            .iter()
            .all(|f| f["rule"] != "rename-column"
                || !f["file"].as_str().unwrap().ends_with(".up.sql"))
    );
    let fk = findings
        .iter()
        .find(|f| f["rule"] == "add-foreign-key-validates")
        .unwrap();
    assert_eq!(fk["severity"], "low");
    std::fs::write(&cfg, "[rules]\nnot-a-rule = \"off\"\n").unwrap();
    let o = plumb(&["lint", SHOP, "--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown rule `not-a-rule`"));
}

#[test]
fn output_file_and_rules_listing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let o = plumb(&[
        "lint",
        SHOP,
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["version"], 1);
    let o = plumb(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).lines().count(), 1 + plumb_rules::RULES.len());
    let o = plumb(&["explain-rule", "PL101"]);
    assert!(stdout(&o).starts_with("# create-index-non-concurrently (PL101)"));
}

#[test]
fn schema_review_of_the_example() {
    let o = plumb(&["schema", "review", SHOP]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("shop_schema_review", stdout(&o));
    let o = plumb(&[
        "schema",
        "review",
        SHOP,
        "--fail-on",
        "medium",
        "-f",
        "sarif",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "foreign-key-without-index"
            && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                == "public.payments.order_id"));
}

#[test]
fn schema_dump_round_trips_through_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("shop.json");
    let o = plumb(&["schema", "dump", SHOP, "-o", snap.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    assert_eq!(v["format"], "plumb-catalog");
    assert_eq!(v["version"], 1);
    let tables: Vec<&str> = v["catalog"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tables,
        ["order_items", "orders", "payments", "products", "users"]
    );
    // Reviewing the snapshot finds what reviewing the migrations finds (a snapshot has no
    // source files, so no file and line).
    let from_json = plumb(&["schema", "review", snap.to_str().unwrap(), "-f", "json"]);
    let from_sql = plumb(&["schema", "review", SHOP, "-f", "json"]);
    let findings = |o: &Output| -> serde_json::Value {
        let mut v =
            serde_json::from_str::<serde_json::Value>(&stdout(o)).unwrap()["findings"].clone();
        for f in v.as_array_mut().unwrap() {
            for k in ["file", "line", "column", "end_line", "end_column"] {
                f.as_object_mut().unwrap().remove(k);
            }
        }
        v
    };
    assert_eq!(findings(&from_json), findings(&from_sql));
    // A second dump of the snapshot is byte-identical.
    let again = plumb(&["schema", "dump", snap.to_str().unwrap()]);
    assert_eq!(stdout(&again), std::fs::read_to_string(&snap).unwrap());
}

#[test]
fn schema_docs_formats() {
    for (format, name) in [
        ("dbml", "shop_dbml"),
        ("mermaid", "shop_mermaid"),
        ("markdown", "shop_dictionary"),
    ] {
        let o = plumb(&["schema", "docs", SHOP, "--format", format]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        insta::assert_snapshot!(name, stdout(&o));
    }
}

#[test]
fn schema_reads_pg_dump_output() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("dump.sql");
    std::fs::write(
        &dump,
        "--\n-- PostgreSQL database dump\n--\n\\restrict abc123\nSET statement_timeout = 0;\n\
         SELECT pg_catalog.set_config('search_path', '', false);\n\
         CREATE TABLE public.users (id bigint NOT NULL, email text);\n\
         ALTER TABLE public.users OWNER TO postgres;\n\
         ALTER TABLE public.users ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (\n    SEQUENCE NAME public.users_id_seq\n    START WITH 1\n    INCREMENT BY 1\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1\n);\n\
         COPY public.users (id, email) FROM stdin;\n1\ta@example.com\n\\.\n\
         ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);\n\\unrestrict abc123\n",
    )
    .unwrap();
    let o = plumb(&["schema", "dump", dump.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let users = &v["catalog"]["tables"][0];
    assert_eq!(users["columns"][0]["identity"], "always");
    assert_eq!(users["constraints"][0]["name"], "users_pkey");
    assert_eq!(v["catalog"]["sequences"][0]["name"]["name"], "users_id_seq");
}

#[test]
fn schema_bad_input_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("x.json");
    std::fs::write(&bin, b"{\"format\": \"other\", \"version\": 1}").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["schema", "review"], "no schema given"),
        (
            vec!["schema", "review", SHOP, "--db", "host=127.0.0.1"],
            "not both",
        ),
        (vec!["schema", "review", "nope/missing.sql"], "no such file"),
        (
            vec!["schema", "dump", bin.to_str().unwrap()],
            "not a plumb catalog snapshot",
        ),
        (
            vec![
                "schema",
                "review",
                "--db",
                "host=127.0.0.1 port=1 user=x password=s3cret dbname=x connect_timeout=2",
            ],
            "cannot connect to postgresql://x@127.0.0.1:1/x",
        ),
    ];
    for (args, expected) in cases {
        let o = plumb(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("s3cret"), "{err}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn schema_import_writes_ddl_from_dbml() {
    let o = plumb(&["schema", "import", "examples/design/shop.dbml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let ddl = stdout(&o);
    assert!(ddl.contains("CREATE TABLE app.orders ("), "{ddl}");
    assert!(ddl.contains("ON DELETE CASCADE"), "{ddl}");
    assert!(plumb_sql::parses(&ddl), "{ddl}");
    // The imported design can be reviewed right away.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("0001_init.sql");
    std::fs::write(&file, &ddl).unwrap();
    let review = plumb(&["schema", "review", file.to_str().unwrap(), "-f", "json"]);
    assert!(review.status.code() == Some(0) || review.status.code() == Some(1));
    let bad = dir.path().join("bad.dbml");
    std::fs::write(&bad, "Table t {\n  id string\n}\n").unwrap();
    let o = plumb(&["schema", "import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bad.dbml:2:6: column id: `string` is not a PostgreSQL type"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1);
}

/// `-o /dev/null` (or any existing non-regular file) is written in place: the atomic
/// temporary-file-and-rename path is for regular files only, and must never replace a device.
#[cfg(unix)]
#[test]
fn output_to_a_device_writes_in_place() {
    use std::os::unix::fs::FileTypeExt;
    for args in [
        vec!["schema", "dump", SHOP, "-o", "/dev/null"],
        vec!["lint", SHOP, "-o", "/dev/null", "--fail-on", "none"],
    ] {
        let o = plumb(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let t = std::fs::metadata("/dev/null").unwrap().file_type();
        assert!(t.is_char_device(), "{args:?} replaced /dev/null");
    }
}

/// `plumb lint <project root>` reads the migration folder beneath it and says which; a forced
/// layout the folder does not follow says why; a root with no migrations is an error.
#[test]
fn project_roots_and_forced_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (rel, sql) in [
        (
            "db/migrations/20240101000000_users.up.sql",
            "CREATE TABLE users (id bigint PRIMARY KEY);\n",
        ),
        (
            "db/migrations/20240101000000_users.down.sql",
            "DROP TABLE users;\n",
        ),
        (
            "db/migrations/20240102000000_idx.up.sql",
            "CREATE INDEX users_id ON users (id);\n",
        ),
        (
            "db/migrations/20240102000000_idx.down.sql",
            "DROP INDEX users_id;\n",
        ),
        (
            "tests/sqlite/migrations/1_a.sql",
            "CREATE TABLE t (id int);\n",
        ),
    ] {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, sql).unwrap();
    }
    let r = root.to_str().unwrap();
    let o = plumb(&["lint", r, "--format", "json"]);
    let err = stderr(&o);
    assert!(
        err.contains("db/migrations (sqlx, 2 migrations) found beneath it"),
        "{err}"
    );
    assert!(err.contains("tests/sqlite/migrations"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["statements"], 4, "{v}");
    let o = plumb(&["schema", "review", r, "--format", "json"]);
    assert!(stderr(&o).contains("found beneath it"), "{}", stderr(&o));

    let migrations = root.join("db/migrations");
    let o = plumb(&["lint", migrations.to_str().unwrap(), "--layout", "prisma"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("no prisma migrations here") && err.contains("it looks like sqlx"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(empty.path().join("docs")).unwrap();
    let o = plumb(&["lint", empty.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no migrations found in it or beneath it"));
}

/// Schema-review findings on objects read from migration files say where the object is
/// defined, in every format.
#[test]
fn schema_review_findings_carry_their_file_and_line() {
    let o = plumb(&["schema", "review", SHOP, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let on_objects: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f.get("object").is_some())
        .collect();
    assert!(!on_objects.is_empty());
    for f in on_objects {
        let file = f["file"].as_str().unwrap_or_default();
        assert!(
            file.starts_with(SHOP) && f["line"].as_u64().unwrap_or(0) > 0,
            "{f}"
        );
    }
    let gh = stdout(&plumb(&["schema", "review", SHOP, "--format", "github"]));
    assert!(gh.lines().all(|l| l.contains(" file=")), "{gh}");
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&plumb(&[
        "schema", "review", SHOP, "--format", "sarif",
    ])))
    .unwrap();
    for r in sarif["runs"][0]["results"].as_array().unwrap() {
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .is_some(),
            "{r}"
        );
    }
}
