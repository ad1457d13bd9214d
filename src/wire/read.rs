//! How request bodies are read off the wire, beyond what serde's derives do.
//!
//! - JSON Schema counts `3.0` as an integer, so a client (or a generated one) may send whole
//!   numbers written as floats. [`integral_floats_to_integers`] rewrites them once in the parsed
//!   body, so every integer field of every request accepts them; `3.5` stays a float and is
//!   still refused by an integer field (422).
//! - Dates: chrono reads `+10000-01-01` and `0000-01-01`, which most phone parsers cannot. The
//!   `date*` helpers (`#[serde(deserialize_with = ...)]`) accept `YYYY-MM-DD` within 0001–9999.
//!
//! Hand-written because serde has no switch for either rule (`serde_with` offers neither).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// JSON fields holding multi-line free text: a string under one of these keys (at any depth,
/// e.g. `description.nl`) may contain line feeds and tabs. Every other string is one line.
pub const MULTILINE_FIELDS: &[&str] = &["description", "note", "bring"];

/// Rewrites every float in `value` that is a whole number (within `i64`) as an integer.
pub fn integral_floats_to_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                // i64::MAX as f64 rounds up to 2^63, which itself does not fit.
                && f >= i64::MIN as f64
                && f < i64::MAX as f64
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        Value::Object(map) => map.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

/// A calendar date as the API accepts it: `YYYY-MM-DD`, years 0001–9999.
struct WireDate(NaiveDate);

/// Parses `YYYY-MM-DD` within 0001-01-01 ..= 9999-12-31.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let date = shaped
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
        .filter(|d| d.year() >= 1);
    date.ok_or_else(|| format!("{s:?} is not a date YYYY-MM-DD between 0001-01-01 and 9999-12-31"))
}

impl<'de> Deserialize<'de> for WireDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse_date(&s)
            .map(WireDate)
            .map_err(serde::de::Error::custom)
    }
}

/// `deserialize_with` for a required date.
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    WireDate::deserialize(d).map(|w| w.0)
}

/// `deserialize_with` for an optional date (add `#[serde(default)]`).
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Option::<WireDate>::deserialize(d).map(|o| o.map(|w| w.0))
}

/// `deserialize_with` for a PATCH date: absent (keep, `None` via `#[serde(default)]`) or `null`
/// (clear, `Some(None)`).
pub fn double_opt_date<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<NaiveDate>>, D::Error> {
    opt_date(d).map(Some)
}

/// `deserialize_with` for a map of dates.
pub fn date_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, NaiveDate>, D::Error> {
    BTreeMap::<String, WireDate>::deserialize(d)
        .map(|m| m.into_iter().map(|(k, v)| (k, v.0)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_floats_become_integers_and_fractions_stay() {
        let mut v = json!({"dose": 3.0, "list": [1.0, 2.5, {"x": -4.0}], "big": 1e300, "s": "3.0"});
        integral_floats_to_integers(&mut v);
        assert_eq!(v["dose"], json!(3));
        assert!(v["dose"].is_i64());
        assert_eq!(v["list"], json!([1, 2.5, {"x": -4}]));
        assert!(v["big"].is_f64(), "too large for an integer: left alone");
        assert_eq!(v["s"], json!("3.0"));
    }

    #[test]
    fn dates_within_0001_to_9999_only() {
        assert!(parse_date("2026-12-01").is_ok());
        assert!(parse_date("0001-01-01").is_ok());
        assert!(parse_date("9999-12-31").is_ok());
        for bad in [
            "+10000-01-01",
            "0000-12-31",
            "-0001-01-01",
            "2026-1-05",
            "2026-02-30",
            " 2026-12-01",
            "20261201",
        ] {
            assert!(parse_date(bad).is_err(), "{bad} accepted");
        }
    }
}
