//! Log time stamps: `%t` (`2026-12-06 06:18:59 UTC`), `%m` (`2026-12-06 06:18:59.667 UTC`),
//! `%n` (`1764999539.667`) and the csvlog/jsonlog form (as `%m`), read into milliseconds of
//! the server's wall clock. The zone name is kept apart: a log is written in one zone
//! (`log_timezone`), so times within it compare without converting.

use std::fmt;

/// A point in a log, in milliseconds of the server's wall clock since 1970-01-01 00:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Milliseconds.
    pub ms: i64,
    /// Whether the log gave milliseconds (`%m`, `%n`, csvlog, jsonlog) or whole seconds (`%t`).
    pub precise: bool,
}

impl Timestamp {
    /// Reads `YYYY-MM-DD HH:MM:SS[.fff][ ZONE]` or a Unix epoch with a fraction (`%n`).
    /// Returns the time and the zone name (empty when none).
    pub fn parse(text: &str) -> Option<(Timestamp, &str)> {
        let text = text.trim();
        let b = text.as_bytes();
        if b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && (b[10] == b' ' || b[10] == b'T') {
            let num = |r: std::ops::Range<usize>| -> Option<i64> {
                let s = text.get(r)?;
                if s.bytes().all(|c| c.is_ascii_digit()) {
                    s.parse().ok()
                } else {
                    None
                }
            };
            let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
            if b[13] != b':' || b[16] != b':' {
                return None;
            }
            let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
            if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
                return None;
            }
            let mut rest = &text[19..];
            let mut ms = 0;
            let mut precise = false;
            if let Some(frac) = rest.strip_prefix('.') {
                let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                let mut scaled = 0i64;
                for c in frac.bytes().take(digits.min(3)) {
                    scaled = scaled * 10 + i64::from(c - b'0');
                }
                for _ in digits.min(3)..3 {
                    scaled *= 10;
                }
                ms = scaled;
                precise = true;
                rest = &frac[digits..];
            }
            let days = days_from_civil(y, mo, d);
            let total = ((days * 24 + h) * 60 + mi) * 60 + s;
            return Some((
                Timestamp {
                    ms: total * 1000 + ms,
                    precise,
                },
                rest.trim(),
            ));
        }
        // %n: seconds since the epoch with milliseconds.
        let (secs, frac) = text.split_once('.')?;
        if secs.is_empty()
            || !secs.bytes().all(|c| c.is_ascii_digit())
            || frac.len() != 3
            || !frac.bytes().all(|c| c.is_ascii_digit())
            || secs.len() > 12
        {
            return None;
        }
        let secs: i64 = secs.parse().ok()?;
        let frac: i64 = frac.parse().ok()?;
        Some((
            Timestamp {
                ms: secs * 1000 + frac,
                precise: true,
            },
            "",
        ))
    }

    /// The minute this time falls in, as milliseconds.
    pub fn minute(self) -> i64 {
        self.ms.div_euclid(60_000) * 60_000
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DD HH:MM:SS` with `.mmm` when the log gave milliseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.ms.div_euclid(1000);
        let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )?;
        if self.precise {
            write!(f, ".{:03}", self.ms.rem_euclid(1000))?;
        }
        Ok(())
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_log_time() {
        let (t, zone) = Timestamp::parse("2026-12-06 06:18:59.667 UTC").expect("%m");
        assert_eq!(zone, "UTC");
        assert!(t.precise);
        assert_eq!(t.to_string(), "2026-12-06 06:18:59.667");
        let (t2, zone) = Timestamp::parse("2026-12-06 06:18:59 CET").expect("%t");
        assert_eq!(zone, "CET");
        assert!(!t2.precise);
        assert_eq!(t.ms - t2.ms, 667);
        assert_eq!(t2.to_string(), "2026-12-06 06:18:59");
        let (e, zone) = Timestamp::parse("1700000000.123").expect("%n");
        assert_eq!(zone, "");
        assert_eq!(e.to_string(), "2023-11-14 22:13:20.123");
        assert_eq!(
            Timestamp::parse("2024-02-29 23:59:59.5+01").map(|(t, z)| (t.to_string(), z)),
            Some(("2024-02-29 23:59:59.500".to_owned(), "+01"))
        );
        assert_eq!(t.minute() % 60_000, 0);
        for bad in [
            "",
            "2026-13-01 00:00:00",
            "2026-12-06 06:18",
            "abc.def",
            "1.5",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }
}
