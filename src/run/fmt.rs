//! How the run inspector writes its numbers, the same in the CLI and the TUI: durations
//! (`850 ms`, `12.3 s`, `4 min 12 s`), offsets on the run's axis (`+1:02.345`), dollars
//! from millionths (`$0.0123`), counts with thousands separators, signed deltas.

/// `1,234,567`, `-12,000`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration: `850 ms`, `12.3 s`, `4 min 12 s`, `2 h 03 min`, `3 d 04 h`.
pub fn duration(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let s = ms / 1000;
    let text = match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{} min {} s", s / 60, s % 60),
        3_600_000..86_400_000 => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {:02} h", s / 86_400, (s % 86_400) / 3600),
    };
    format!("{sign}{text}")
}

/// A signed duration delta: `+200 ms`, `-1.5 s`, `±0`.
pub fn duration_delta(ms: i64) -> String {
    match ms {
        0 => "±0".to_string(),
        ms if ms > 0 => format!("+{}", duration(ms)),
        ms => duration(ms),
    }
}

/// An offset on the run's axis: `+0:01.250`, `+12:03.004`, `-0:00.500`.
pub fn offset(ms: i64) -> String {
    let sign = if ms < 0 { '-' } else { '+' };
    let ms = ms.unsigned_abs();
    format!(
        "{sign}{}:{:02}.{:03}",
        ms / 60_000,
        (ms / 1000) % 60,
        ms % 1000
    )
}

/// Dollars from millionths, with at least two decimals and no trailing zeros past them:
/// `$0.0123`, `$1.50`, `-$0.000001`.
pub fn cost(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    let fraction = format!("{:06}", m % 1_000_000);
    let fraction = fraction.trim_end_matches('0');
    let fraction = format!("{fraction:0<2}");
    format!("{sign}${}.{fraction}", thousands((m / 1_000_000) as i64))
}

/// How a cost reads when the database has none for it (no cost column, no call with a
/// cost): said, not shown as `$0.00`.
pub const ABSENT: &str = "absent";

/// [`cost`], or [`ABSENT`].
pub fn cost_or_absent(micros: Option<i64>) -> String {
    micros.map_or_else(|| ABSENT.to_string(), cost)
}

/// [`cost_delta`], or [`ABSENT`] when either side's cost is.
pub fn cost_delta_or_absent(micros: Option<i64>) -> String {
    micros.map_or_else(|| ABSENT.to_string(), cost_delta)
}

/// A signed cost delta: `+$0.0006`, `-$1.20`, `±0`.
pub fn cost_delta(micros: i64) -> String {
    match micros {
        0 => "±0".to_string(),
        m if m > 0 => format!("+{}", cost(m)),
        m => cost(m),
    }
}

/// A signed count delta: `+1,200`, `-3`, `±0`.
pub fn count_delta(n: i64) -> String {
    match n {
        0 => "±0".to_string(),
        n if n > 0 => format!("+{}", thousands(n)),
        n => thousands(n),
    }
}

/// A share as a whole percentage: `75%`.
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-12_000), "-12,000");
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(12_345), "12.3 s");
        assert_eq!(duration(252_300), "4 min 12 s");
        assert_eq!(duration(7_380_000), "2 h 03 min");
        assert_eq!(duration(273_600_000), "3 d 04 h");
        assert_eq!(duration(-1_500), "-1.5 s");
        assert_eq!(duration_delta(200), "+200 ms");
        assert_eq!(duration_delta(0), "±0");
        assert_eq!(offset(1_250), "+0:01.250");
        assert_eq!(offset(723_004), "+12:03.004");
        assert_eq!(offset(-500), "-0:00.500");
        assert_eq!(cost(12_300), "$0.0123");
        assert_eq!(cost(1_500_000), "$1.50");
        assert_eq!(cost(0), "$0.00");
        assert_eq!(cost(-1), "-$0.000001");
        assert_eq!(cost(1_234_000_000), "$1,234.00");
        assert_eq!(cost_delta(600), "+$0.0006");
        assert_eq!(count_delta(-3), "-3");
        assert_eq!(percent(0.754), "75%");
    }
}
