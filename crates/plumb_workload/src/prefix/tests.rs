use super::*;

const GENERATOR: &str = "%t [%p]: user=%u,db=%d,app=%a,client=%h ";

/// Lines PostgreSQL 15 wrote with Debian's default prefix `%m [%p] %q%u@%d ` (background
/// processes stop at `%q`), captured from the local server.
fn debian_log() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/debian-default.log"
    ))
    .expect("fixture")
}

#[test]
fn fields_come_from_the_prefix_and_the_message_is_left_whole() {
    let p = Prefix::parse(GENERATOR).expect("parses");
    let line = "2025-03-03 08:00:00 UTC [20148]: user=app,db=shop,app=rails-console,client=10.0.1.30 LOG:  duration: 5.260 ms  statement: SELECT a FROM t WHERE b = 'x@y,z'";
    let (f, rest) = p.split(line).expect("matches");
    assert_eq!(f.timestamp, Some("2025-03-03 08:00:00 UTC"));
    assert_eq!(f.pid, Some("20148"));
    assert_eq!(
        (f.user, f.database, f.application, f.host),
        (
            Some("app"),
            Some("shop"),
            Some("rails-console"),
            Some("10.0.1.30")
        )
    );
    assert!(rest.starts_with("LOG:  duration: 5.260 ms  statement: SELECT"));
    assert!(rest.ends_with("'x@y,z'"));
    // A continuation line of a multi-line statement has no prefix.
    assert!(p.split("\tFROM orders o").is_none());
    // Another server's prefix does not match.
    assert!(p.split("2025-03-03 08:00:00.123 UTC [1] LOG:  x").is_none());
}

#[test]
fn session_only_part_and_real_server_lines() {
    let p = Prefix::parse("%m [%p] %q%u@%d ").expect("parses");
    let log = debian_log();
    let mut background = 0;
    let mut sessions = 0;
    for line in log.lines() {
        let (f, rest) = p
            .split(line)
            .unwrap_or_else(|| panic!("does not match: {line}"));
        assert!(f
            .timestamp
            .is_some_and(|t| t.starts_with("2026-12-06 ") && t.ends_with(" UTC")));
        assert!(f.pid.is_some_and(|p| p.parse::<u32>().is_ok()));
        assert_eq!(severity_at(rest), Some(0), "{rest}");
        match f.user {
            Some(_) => sessions += 1,
            None => background += 1,
        }
    }
    assert!(background > 0 && sessions > 0, "{background} {sessions}");
    // The message's own `@` and `:  ` stay in the message.
    let line = log
        .lines()
        .find(|l| l.contains("mail: a@b.c"))
        .expect("statement line");
    let (f, rest) = p.split(line).expect("matches");
    assert_eq!((f.user, f.database), (Some("root"), Some("test")));
    assert!(rest.starts_with("LOG:  duration: "));
}

#[test]
fn detection_finds_the_prefix_the_server_used() {
    let generated = [
        "2025-03-03 08:00:00 UTC [20000]: user=[unknown],db=[unknown],app=[unknown],client=10.0.1.33 LOG:  connection received: host=10.0.1.33 port=48024",
        "2025-03-03 08:00:00 UTC [20000]: user=app,db=shop,app=puma,client=10.0.1.33 LOG:  connection authorized: user=app database=shop application_name=puma",
        "2025-03-03 08:00:00 UTC [20148]: user=app,db=shop,app=rails-console,client=10.0.1.30 LOG:  duration: 0.010 ms  statement: BEGIN",
        "\tWHERE x = 1",
        "2025-03-03 08:00:00 UTC [20148]: user=app,db=shop,app=rails-console,client=10.0.1.30 DETAIL:  parameters: $1 = '2228137', $2 = 'purchase'",
    ];
    let p = Prefix::detect(generated).expect("detected");
    assert_eq!(p.text(), GENERATOR);
    let log = debian_log();
    let p = Prefix::detect(log.lines()).expect("detected");
    assert_eq!(p.text(), "%m [%p] %q%u@%d ");
    // A prefix no candidate covers is inferred from the lines.
    let custom = [
        "2025-03-03 08:00:00.120 UTC [77] sid=65f1a2b3.4e20 usr=app LOG:  statement: SELECT 1",
        "2025-03-03 08:00:00.125 UTC [78] sid=65f1a2b3.4e21 usr=web LOG:  statement: SELECT 2",
    ];
    let p = Prefix::detect(custom).expect("inferred");
    let (f, _) = p.split(custom[1]).expect("matches");
    assert_eq!((f.session_id, f.user), (Some("65f1a2b3.4e21"), Some("web")));
    // Lines without a severity say nothing.
    assert!(Prefix::detect(["just text", "more text"]).is_none());
}

#[test]
fn settings_parse_with_padding_and_literal_percent() {
    let p = Prefix::parse("%-10u%% [%5p] ").expect("parses");
    let (f, _) = p.split("app       % [  123] LOG:  x").expect("matches");
    assert_eq!((f.user, f.pid), (Some("app"), Some("123")));
    let e = Prefix::parse("%t %z ").expect_err("unknown escape");
    assert!(e.to_string().contains("%z"), "{e}");
    assert!(Prefix::parse("%t %").is_err());
}

#[test]
fn multibyte_text_before_a_marker_is_no_panic() {
    // Found by the fuzzer: a two-byte character right before `OG:  `.
    let line = "2025-03-03 08:00:00 UTC [20025]: client=10.0.1.34\u{773}OG:  connection received";
    assert_eq!(severity_at(line), None);
    assert_eq!(severity_at("x é LOG:  y"), Some(5));
    let p = Prefix::parse(GENERATOR).expect("parses");
    assert!(p.split(line).is_none());
}

#[test]
fn a_connections_placeholders_do_not_hide_the_prefix() {
    let log = "\
2025-03-03 08:00:00.000 UTC [20000]: user=[unknown],db=[unknown],app=[unknown],client=10.0.1.30 LOG:  connection received: host=10.0.1.30 port=33164
2025-03-03 08:00:00.000 UTC [20000]: user=app,db=shop,app=puma,client=10.0.1.30 LOG:  connection authorized: user=app database=shop
2025-03-03 08:00:00.004 UTC [812]: user=,db=,app=,client= LOG:  checkpoint starting: time
";
    let p = Prefix::detect(log.lines()).expect("detected");
    assert_eq!(p.text(), "%m [%p]: user=%u,db=%d,app=%a,client=%h ");
}
