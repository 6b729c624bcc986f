//! Numeric and temporal literals: the text of `42`, `1 2 3i`, `0x0f`, `101b`, `0Nd`,
//! `2000.01.01D12:00`, `12:30` to q atoms and vectors. Also the calendar arithmetic
//! (days since 2000.01.01) that temporal parsing and casts share.

use super::error::{QError, QResult};
use super::value::{inf_scalar, null_scalar};
use qipc::{null, Data, Scalar, Ty, K};

/// Days from 2000.01.01 to the civil date y-m-d (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468 - 10957
}

/// The civil date (y, m, d) of a day count from 2000.01.01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 10957 + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn valid_date(y: i64, m: i64, d: i64) -> bool {
    if !(1..=12).contains(&m) || d < 1 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    d <= dim[(m - 1) as usize]
}

/// `YYYY.MM.DD` to days since 2000.01.01.
pub fn parse_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let (y, m, d) = if b.len() == 10 && b[4] == b'.' && b[7] == b'.' {
        (num(&s[0..4])?, num(&s[5..7])?, num(&s[8..10])?)
    } else if b.len() == 8 && b.iter().all(u8::is_ascii_digit) {
        (num(&s[0..4])?, num(&s[4..6])?, num(&s[6..8])?)
    } else {
        return None;
    };
    valid_date(y, m, d).then(|| days_from_civil(y, m, d) as i32)
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `HH[:MM[:SS[.fff...]]]` to nanoseconds (no sign). Hours may exceed 23 (timespans).
pub fn parse_clock_ns(s: &str) -> Option<i64> {
    let (hms, frac) = match s.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut ns = 0i64;
    let units = [3_600_000_000_000i64, 60_000_000_000, 1_000_000_000];
    for (p, u) in parts.iter().zip(units) {
        ns = ns.checked_add(num(p)?.checked_mul(u)?)?;
    }
    if let Some(f) = frac {
        if f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if !f.is_empty() {
            let mut v = num(f)?;
            for _ in f.len()..9 {
                v *= 10;
            }
            ns += v;
        }
    }
    Some(ns)
}

/// One literal token's value before vector unification.
#[derive(Clone, Copy, Debug)]
struct Lit {
    ty: Ty,
    v: Scalar,
    /// Written with an explicit type letter (or a form that fixes its type, like a date).
    #[allow(dead_code)]
    fixed: bool,
}

fn lit(ty: Ty, v: Scalar, fixed: bool) -> Lit {
    Lit { ty, v, fixed }
}

/// Parse the text of one numeric token as an atom, or a vector for forms like `101b` and
/// `0x0102`.
pub fn parse_token(text: &str) -> QResult<K> {
    if let Some(hex) = text.strip_prefix("0x") {
        let digits = if hex.len() % 2 == 1 {
            format!("0{hex}")
        } else {
            hex.to_string()
        };
        let bytes: Option<Vec<u8>> = (0..digits.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).ok())
            .collect();
        let bytes = bytes.ok_or_else(|| QError::new(text.to_string()))?;
        return Ok(if bytes.len() == 1 && hex.len() <= 2 {
            K::byte(bytes[0])
        } else {
            K::bytes(bytes)
        });
    }
    if let Some(bits) = text.strip_suffix('b') {
        if !bits.is_empty() && bits.bytes().all(|c| c == b'0' || c == b'1') {
            let v: Vec<bool> = bits.bytes().map(|c| c == b'1').collect();
            return Ok(if v.len() == 1 {
                K::bool(v[0])
            } else {
                K::bools(v)
            });
        }
    }
    let l = parse_one(text, None).ok_or_else(|| QError::new(text.to_string()))?;
    Ok(K::atom(l.ty, l.v))
}

/// Parse a run of numeric tokens written with spaces between them (`1 2 3`, `1 2.5`,
/// `1 2 3i`, `2000.01.01 2000.02.01`) as one vector.
pub fn parse_vector(texts: &[&str]) -> QResult<K> {
    let bad = |t: &str| QError::new(t.to_string());
    // An explicit suffix on the last item types every item.
    let last = texts.last().copied().unwrap_or("");
    let suffix = suffix_type(last);
    // A temporal letter on the last item types the items written without one
    // (`2017.05 2017.09m`, `-0W 0Wp`).
    let temporal = match last.as_bytes().last() {
        // (`0n`/`0w` are float null and infinity, not a timespan letter.)
        Some(&c)
            if suffix.is_none()
                && b"mdpznuvt".contains(&c)
                && last.len() > 1
                && !matches!(last.trim_start_matches('-'), "0n" | "0w") =>
        {
            Some(c)
        }
        _ => None,
    };
    let mut lits = Vec::with_capacity(texts.len());
    for t in texts {
        let bare = t
            .as_bytes()
            .last()
            .is_some_and(|c| !c.is_ascii_alphabetic())
            || matches!(t.trim_start_matches('-'), "0N" | "0W");
        let l = match temporal {
            Some(c) if bare => parse_one(&format!("{t}{}", c as char), None),
            _ => parse_one(t, suffix),
        };
        lits.push(l.ok_or_else(|| bad(t))?);
    }
    let ty = if let Some(ty) = suffix {
        ty
    } else if lits.iter().all(|l| l.ty == lits[0].ty) {
        lits[0].ty
    } else if lits.iter().all(|l| matches!(l.ty, Ty::Long | Ty::Float)) {
        Ty::Float
    } else {
        return Err(bad(last));
    };
    let mut data = Data::with_capacity(ty.storage(), lits.len());
    for l in &lits {
        let v = if l.ty == ty { l.v } else { to_float(l) };
        super::value::push_scalar(&mut data, v);
    }
    Ok(K::vector(ty, data))
}

fn to_float(l: &Lit) -> Scalar {
    match l.v {
        Scalar::I64(x) if x == null::J => Scalar::F64(f64::NAN),
        Scalar::I64(x) if x == null::WJ => Scalar::F64(f64::INFINITY),
        Scalar::I64(x) if x == -null::WJ => Scalar::F64(f64::NEG_INFINITY),
        Scalar::I64(x) => Scalar::F64(x as f64),
        other => other,
    }
}

/// The type a trailing letter forces on a numeric token (`i`, `h`, `j`, `e`, `f`; temporal
/// letters only on plain numbers).
fn suffix_type(t: &str) -> Option<Ty> {
    let c = *t.as_bytes().last()?;
    if t.len() < 2 || t.starts_with("0x") {
        return None;
    }
    let body = &t[..t.len() - 1];
    let numeric_body = body
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'e')
        || matches!(body, "0N" | "0W" | "-0W" | "0n" | "0w" | "-0w");
    if !numeric_body {
        return None;
    }
    if matches!(body, "0N" | "0W" | "-0W") {
        // A typed null or infinity types the vector: `-0W 0Wp`.
        return Ty::from_char(c).filter(|t| !matches!(t, Ty::Bool | Ty::Char | Ty::Sym));
    }
    match c {
        // `2017.05 2017.09m`: a month vector, its items written as plain `yyyy.mm`.
        b'm' if body.len() == 7 && body.as_bytes()[4] == b'.' => Some(Ty::Month),
        b'h' => Some(Ty::Short),
        b'i' => Some(Ty::Int),
        b'j' => Some(Ty::Long),
        b'e' if !body.contains('e') || body.ends_with(|ch: char| ch.is_ascii_digit()) => {
            Some(Ty::Real)
        }
        b'f' => Some(Ty::Float),
        _ => None,
    }
}

/// Parse one token, optionally as a forced type.
fn parse_one(text: &str, forced: Option<Ty>) -> Option<Lit> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text),
    };
    // Nulls and infinities: 0N 0n 0W 0w with an optional type letter.
    if let Some(rest) = body.strip_prefix('0') {
        let mut ch = rest.chars();
        if let (Some(k @ ('N' | 'n' | 'W' | 'w')), tail) = (ch.next(), ch.as_str()) {
            let letter = match tail {
                "" => None,
                s if s.len() == 1 => Some(s.as_bytes()[0]),
                _ => return None,
            };
            let ty = match (k, letter) {
                ('n' | 'w', None) => Ty::Float,
                (_, None) => forced.unwrap_or(Ty::Long),
                (_, Some(c)) => Ty::from_char(c)?,
            };
            // In a vector literal a trailing type letter types every item, nulls too
            // (`0n 2 3i` is an int vector).
            let ty = if letter.is_none() {
                forced.unwrap_or(ty)
            } else {
                ty
            };
            let v = if k == 'N' || k == 'n' {
                if neg {
                    return None;
                }
                null_scalar(ty)
            } else {
                let inf = inf_scalar(ty)?;
                if neg {
                    negate(inf)
                } else {
                    inf
                }
            };
            return Some(lit(ty, v, letter.is_some() || k == 'n' || k == 'w'));
        }
    }
    let sign = if neg { -1 } else { 1 };
    if forced == Some(Ty::Month) && !body.ends_with('m') && body.matches('.').count() == 1 {
        let (ty, v) = parse_temporal(&format!("{body}m"), neg)?;
        return Some(lit(ty, v, true));
    }
    // Temporal forms.
    if body.contains(':')
        || body.contains('D')
        || body.contains('T')
        || body.matches('.').count() >= 2
        || body.ends_with('m')
    {
        return parse_temporal(body, neg).map(|(ty, v)| lit(ty, v, true));
    }
    let (digits, letter) = match body.as_bytes().last() {
        // A trailing letter is a type (`1e` is a real; `1e5` ends in a digit, an exponent).
        Some(c) if c.is_ascii_alphabetic() => (&body[..body.len() - 1], Some(*c)),
        _ => (body, None),
    };
    let ty = match letter.and_then(Ty::from_char) {
        Some(t) => t,
        None if letter.is_some() => return None,
        None => match forced {
            Some(t) => t,
            None if digits.contains('.') || digits.contains('e') => Ty::Float,
            None => Ty::Long,
        },
    };
    let fixed = letter.is_some();
    let is_int_text = digits.bytes().all(|c| c.is_ascii_digit()) && !digits.is_empty();
    let v = match ty {
        Ty::Float | Ty::Real => {
            let x: f64 = digits.parse().ok()?;
            let x = x * sign as f64;
            if ty == Ty::Real {
                Scalar::F32(x as f32)
            } else {
                Scalar::F64(x)
            }
        }
        Ty::Long | Ty::Timestamp | Ty::Timespan if is_int_text => {
            Scalar::I64(digits.parse::<i64>().ok()? * sign)
        }
        Ty::Int | Ty::Month | Ty::Date | Ty::Minute | Ty::Second | Ty::Time if is_int_text => {
            Scalar::I32(i32::try_from(digits.parse::<i64>().ok()? * sign).ok()?)
        }
        Ty::Short if is_int_text => {
            Scalar::I16(i16::try_from(digits.parse::<i64>().ok()? * sign).ok()?)
        }
        Ty::Byte if is_int_text => Scalar::U8(u8::try_from(digits.parse::<i64>().ok()?).ok()?),
        Ty::Bool if digits == "0" || digits == "1" => Scalar::U8((digits == "1") as u8),
        Ty::Datetime => Scalar::F64(digits.parse::<f64>().ok()? * sign as f64),
        _ => return None,
    };
    Some(lit(ty, v, fixed))
}

fn negate(v: Scalar) -> Scalar {
    match v {
        Scalar::I16(x) => Scalar::I16(-x),
        Scalar::I32(x) => Scalar::I32(-x),
        Scalar::I64(x) => Scalar::I64(-x),
        Scalar::F32(x) => Scalar::F32(-x),
        Scalar::F64(x) => Scalar::F64(-x),
        o => o,
    }
}

/// Parse a temporal literal body (sign handled by the caller through `neg`).
pub fn parse_temporal(body: &str, neg: bool) -> Option<(Ty, Scalar)> {
    let sign = if neg { -1 } else { 1 };
    let (body, letter) = match body.as_bytes().last() {
        Some(c @ (b'm' | b'd' | b'p' | b'z' | b'n' | b'u' | b'v' | b't')) if body.len() > 1 => {
            (&body[..body.len() - 1], Some(*c))
        }
        _ => (body, None),
    };
    if letter == Some(b'm')
        || (letter.is_none()
            && body.len() == 7
            && body.as_bytes()[4] == b'.'
            && !body.contains(':'))
    {
        let (y, m) = body.split_once('.')?;
        let (y, m) = (num(y)?, num(m)?);
        if !(1..=12).contains(&m) || y.to_string().len() != 4 {
            return None;
        }
        return Some((
            Ty::Month,
            Scalar::I32(((y - 2000) * 12 + m - 1) as i32 * sign),
        ));
    }
    if let Some((d, t)) = body.split_once('D') {
        if d.len() == 10 {
            let days = parse_date(d)? as i64;
            let ns = if t.is_empty() { 0 } else { parse_clock_ns(t)? };
            return Some((
                Ty::Timestamp,
                Scalar::I64(sign as i64 * (days * 86_400_000_000_000 + ns)),
            ));
        }
        let days = if d.is_empty() { 0 } else { num(d)? };
        let ns = if t.is_empty() { 0 } else { parse_clock_ns(t)? };
        return Some((
            Ty::Timespan,
            Scalar::I64(sign as i64 * (days * 86_400_000_000_000 + ns)),
        ));
    }
    if let Some((d, t)) = body.split_once('T') {
        let days = parse_date(d)? as f64;
        let ns = if t.is_empty() { 0 } else { parse_clock_ns(t)? };
        return Some((
            Ty::Datetime,
            Scalar::F64(sign as f64 * (days + ns as f64 / 86_400e9)),
        ));
    }
    if body.contains(':') {
        let colons = body.matches(':').count();
        let frac = body.split_once('.').map(|(_, f)| f.len());
        let ns = parse_clock_ns(body)?;
        let ty = match letter {
            Some(c) => Ty::from_char(c)?,
            None => match (colons, frac) {
                (1, None) => Ty::Minute,
                (2, None) => Ty::Second,
                (2, Some(f)) if f <= 3 => Ty::Time,
                (2, Some(_)) => Ty::Timespan,
                _ => return None,
            },
        };
        let v = match ty {
            Ty::Minute => Scalar::I32(sign * (ns / 60_000_000_000) as i32),
            Ty::Second => Scalar::I32(sign * (ns / 1_000_000_000) as i32),
            Ty::Time => Scalar::I32(sign * (ns / 1_000_000) as i32),
            Ty::Timespan => Scalar::I64(sign as i64 * ns),
            _ => return None,
        };
        return Some((ty, v));
    }
    if body.len() == 10 && body.matches('.').count() == 2 {
        let d = parse_date(body)?;
        return Some((Ty::Date, Scalar::I32(sign * d)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar() {
        assert_eq!(days_from_civil(2000, 1, 1), 0);
        assert_eq!(days_from_civil(2001, 1, 1), 366);
        assert_eq!(civil_from_days(366), (2001, 1, 1));
        assert_eq!(civil_from_days(-1), (1999, 12, 31));
        assert_eq!(parse_date("1999.01.01"), Some(-365));
    }

    #[test]
    fn temporal_suffix_types_the_vector() {
        let m = parse_vector(&["2017.05", "2017.09m"]).unwrap();
        assert_eq!(m.ty(), Ty::Month as i16);
        let p = parse_vector(&["-0W", "0Wp"]).unwrap();
        assert_eq!(p.ty(), Ty::Timestamp as i16);
        assert_eq!(parse_vector(&["1", "2.5"]).unwrap().ty(), Ty::Float as i16);
    }

    #[test]
    fn atoms() {
        assert_eq!(parse_token("42").unwrap(), K::long(42));
        assert_eq!(parse_token("42i").unwrap(), K::int(42));
        assert_eq!(parse_token("1.5").unwrap(), K::float(1.5));
        assert_eq!(parse_token("2e").unwrap(), K::real(2.0));
        assert_eq!(parse_token("1e3").unwrap(), K::float(1000.0));
        assert_eq!(
            parse_token("101b").unwrap(),
            K::bools(vec![true, false, true])
        );
        assert_eq!(parse_token("0x0f").unwrap(), K::byte(15));
        assert_eq!(parse_token("-0W").unwrap(), K::long(-i64::MAX));
        assert_eq!(parse_token("0Ni").unwrap(), K::int(i32::MIN));
        assert_eq!(parse_token("2001.01m").unwrap(), K::i32_of(Ty::Month, 12));
        assert_eq!(parse_token("2001.01.01").unwrap(), K::i32_of(Ty::Date, 366));
        assert_eq!(parse_token("12:01").unwrap(), K::i32_of(Ty::Minute, 721));
        assert_eq!(
            parse_token("12:05:00").unwrap(),
            K::i32_of(Ty::Second, 43500)
        );
        assert_eq!(
            parse_token("12:04:59.123").unwrap(),
            K::i32_of(Ty::Time, 43499123)
        );
        assert_eq!(
            parse_token("0D05:36:57.600").unwrap(),
            K::i64_of(Ty::Timespan, 20217600000000)
        );
        assert_eq!(
            parse_token("2000.01.04D05:36:57.600").unwrap(),
            K::i64_of(Ty::Timestamp, 3 * 86_400_000_000_000 + 20217600000000)
        );
    }

    #[test]
    fn vectors() {
        // ref/greater.md: a month vector with the suffix on its last item
        assert_eq!(
            parse_vector(&["2017.05", "2015.03", "2017.11m"]).unwrap(),
            K::i32s_of(Ty::Month, vec![208, 182, 214])
        );
        assert!(parse_vector(&["2017.05", "2017.13m"]).is_err());
        assert_eq!(
            parse_vector(&["-0W", "0Wp"]).unwrap(),
            K::i64s_of(Ty::Timestamp, vec![-null::WJ, null::WJ])
        );
        assert_eq!(
            parse_vector(&["1", "2", "3"]).unwrap(),
            K::longs(vec![1, 2, 3])
        );
        assert_eq!(
            parse_vector(&["1", "2", "3i"]).unwrap(),
            K::ints(vec![1, 2, 3])
        );
        assert_eq!(
            parse_vector(&["1", "2.5"]).unwrap(),
            K::floats(vec![1.0, 2.5])
        );
        assert_eq!(
            parse_vector(&["1", "2", "3f"]).unwrap(),
            K::floats(vec![1.0, 2.0, 3.0])
        );
        assert!(parse_vector(&["1", "0N"]).unwrap() == K::longs(vec![1, i64::MIN]));
    }
}
