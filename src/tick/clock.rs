//! The tickerplant's clock: local time as `.z.P` reads it, and the offset tests use to
//! put the clock near midnight.
//!
//! The offset is added to the process's local-time offset (`-o`), so `.z.P`, `.z.D`,
//! `.z.N` and `.z.T` in the tickerplant agree with the stamps and the day roll.

/// Nanoseconds in a day.
pub const DAY_NS: i64 = 86_400_000_000_000;

/// Local time now, in nanoseconds since 2000.01.01 (what `.z.P` holds).
pub fn now(utc_offset_ns: i64) -> i64 {
    crate::lang::eval::now_ns() + utc_offset_ns
}

/// `"d"$p`: the date of a timestamp (days since 2000.01.01).
pub fn day(ns: i64) -> i32 {
    ns.div_euclid(DAY_NS) as i32
}

/// `"n"$p`: the time of day of a timestamp.
pub fn time_of_day(ns: i64) -> i64 {
    ns.rem_euclid(DAY_NS)
}

/// `string d` for a date: `YYYY.MM.DD`.
pub fn date_string(d: i32) -> String {
    let (y, m, dd) = crate::lang::literal::civil_from_days(d as i64);
    format!("{y:04}.{m:02}.{dd:02}")
}

/// The test clock from the environment, as nanoseconds to add to local time:
/// `QTICK_CLOCK_OFFSET` (signed milliseconds), or `QTICK_CLOCK_START` (`HH:MM:SS[.fff]`,
/// the local time of day the clock shows at start-up, same date). Neither set: 0.
pub fn offset_from_env(utc_offset_ns: i64) -> Result<i64, String> {
    if let Ok(v) = std::env::var("QTICK_CLOCK_OFFSET") {
        let ms: i64 = v
            .trim()
            .parse()
            .map_err(|_| format!("QTICK_CLOCK_OFFSET={v}: want signed milliseconds"))?;
        return ms
            .checked_mul(1_000_000)
            .ok_or_else(|| format!("QTICK_CLOCK_OFFSET={v}: out of range"));
    }
    if let Ok(v) = std::env::var("QTICK_CLOCK_START") {
        let want = parse_time_of_day(&v)
            .ok_or_else(|| format!("QTICK_CLOCK_START={v}: want HH:MM:SS[.fff]"))?;
        return Ok(want - time_of_day(now(utc_offset_ns)));
    }
    Ok(0)
}

/// `HH:MM:SS[.fff...]` to nanoseconds.
pub fn parse_time_of_day(s: &str) -> Option<i64> {
    let s = s.trim();
    let (hms, frac) = match s.split_once('.') {
        Some((a, b)) => (a, b),
        None => (s, ""),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let [h, m, sec] = parts.as_slice() else {
        return None;
    };
    let (h, m, sec): (i64, i64, i64) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..60).contains(&sec) {
        return None;
    }
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut ns: i64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        ns += (b - b'0') as i64 * 10i64.pow(8 - i as u32);
    }
    Some(((h * 60 + m) * 60 + sec) * 1_000_000_000 + ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(date_string(0), "2000.01.01");
        assert_eq!(date_string(8794), "2024.01.29");
        assert_eq!(day(-1), -1);
        assert_eq!(time_of_day(-1), DAY_NS - 1);
        assert_eq!(parse_time_of_day("23:59:58"), Some(86_398_000_000_000));
        assert_eq!(parse_time_of_day("00:00:00.5"), Some(500_000_000));
        assert_eq!(parse_time_of_day("24:00:00"), None);
        assert_eq!(parse_time_of_day("1:2"), None);
    }
}
