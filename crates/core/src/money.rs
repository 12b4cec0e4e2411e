//! Adding up amounts written as decimals, exactly: the Spend column's 30 days are the sum of a
//! provider's daily figures. Only amounts of one currency are ever added (the callers group by
//! currency first); nothing is converted or rounded.

/// Fractional digits kept: more than any provider writes (Twilio and Vonage write 4 or 5).
const SCALE: u32 = 9;

/// `"12.5"` → 12_500_000_000 (units of 10^-9); `None` for anything that is not a plain
/// decimal with at most [`SCALE`] fractional digits (an exponent, a stray character).
fn parse(s: &str) -> Option<i128> {
    let s = s.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > SCALE as usize
        || !whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
        || whole.len() > 24
    {
        return None;
    }
    let whole: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac_units: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i128>().ok()? * 10i128.pow(SCALE - frac.len() as u32)
    };
    let units = whole * 10i128.pow(SCALE) + frac_units;
    Some(if negative { -units } else { units })
}

/// Units back to a decimal with at least `min_frac` and at most [`SCALE`] fractional digits.
fn format(units: i128, min_frac: usize) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let scale = 10u128.pow(SCALE);
    let frac = format!("{:0width$}", abs % scale, width = SCALE as usize);
    let trimmed = frac.trim_end_matches('0');
    let keep = trimmed.len().max(min_frac);
    format!("{sign}{}.{}", abs / scale, &frac[..keep])
}

/// The exact sum of decimal amounts, written with as many fractional digits as the most
/// precise of them (at least 2); `None` if any is not a plain decimal.
pub fn sum<'a>(amounts: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut total: i128 = 0;
    let mut digits = 2;
    for a in amounts {
        total = total.checked_add(parse(a)?)?;
        digits = digits.max(a.trim().split_once('.').map_or(0, |(_, f)| f.len()));
    }
    Some(format(total, digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_exactly() {
        assert_eq!(sum(["0.1", "0.2"]).unwrap(), "0.30");
        assert_eq!(sum(["1.2500", "0.0075"]).unwrap(), "1.2575");
        assert_eq!(sum(["-100.25", "3"]).unwrap(), "-97.25");
        assert_eq!(sum([]).unwrap(), "0.00");
        assert_eq!(sum(["7"]).unwrap(), "7.00");
    }

    #[test]
    fn refuses_what_is_not_a_plain_decimal() {
        assert!(sum(["1e3"]).is_none());
        assert!(sum(["1.2.3"]).is_none());
        assert!(sum(["USD 3"]).is_none());
        assert!(sum(["0.0000000001"]).is_none());
        assert!(sum(["-"]).is_none());
    }
}
