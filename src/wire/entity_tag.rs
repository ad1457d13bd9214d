//! Entity tags and the `If-Match` / `If-None-Match` condition (RFC 9110 §8.8.3, §13.1.1,
//! §13.1.2): the values a use case compares, and the one parser of both headers.
//!
//! Written by hand because actix's typed `IfMatch` header drops list members it cannot parse,
//! so `If-Match: 3` (unquoted) would read as an empty list instead of a malformed header that
//! a client should be told about.

use sha2::{Digest, Sha256};
/// One entity tag: its opaque part (without quotes) and whether it is weak (`W/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTag {
    /// `W/"…"`.
    pub weak: bool,
    /// The characters between the quotes.
    pub opaque: String,
}

impl EntityTag {
    /// A strong tag.
    pub fn strong(opaque: impl Into<String>) -> Self {
        Self {
            weak: false,
            opaque: opaque.into(),
        }
    }

    /// The tag of a version number, as sent in `ETag` and taken by `If-Match`: `"3"`.
    pub fn of_version(version: i32) -> Self {
        Self::strong(version.to_string())
    }

    /// A strong tag for an answer body: the first 128 bits of its SHA-256, in hex.
    pub fn of_body(body: &[u8]) -> Self {
        Self::strong(hex::encode(&Sha256::digest(body)[..16]))
    }

    /// Strong comparison: both strong and the same characters.
    pub fn strong_eq(&self, other: &EntityTag) -> bool {
        !self.weak && !other.weak && self.opaque == other.opaque
    }

    /// Weak comparison: the same characters, weak or not.
    pub fn weak_eq(&self, other: &EntityTag) -> bool {
        self.opaque == other.opaque
    }
}

impl std::fmt::Display for EntityTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.weak {
            write!(f, "W/\"{}\"", self.opaque)
        } else {
            write!(f, "\"{}\"", self.opaque)
        }
    }
}

/// The value of an `If-Match` or `If-None-Match` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `*`: any current representation.
    Any,
    /// A list of one or more entity tags.
    Tags(Vec<EntityTag>),
}

impl Condition {
    /// `If-Match` semantics: `*`, or one listed tag equal under strong comparison.
    pub fn matches_strong(&self, current: &EntityTag) -> bool {
        match self {
            Condition::Any => true,
            Condition::Tags(tags) => tags.iter().any(|t| t.strong_eq(current)),
        }
    }

    /// `If-None-Match` semantics: `*`, or one listed tag equal under weak comparison.
    pub fn matches_weak(&self, current: &EntityTag) -> bool {
        match self {
            Condition::Any => true,
            Condition::Tags(tags) => tags.iter().any(|t| t.weak_eq(current)),
        }
    }
}

/// Parses `"*" / #entity-tag` (RFC 9110 §13.1.1). Empty list elements are allowed as the list
/// syntax says (§5.6.1), but at least one tag must be there.
pub fn parse_condition(value: &[u8]) -> Option<Condition> {
    let trimmed = value.trim_ascii();
    if trimmed == b"*" {
        return Some(Condition::Any);
    }
    let mut tags = Vec::new();
    let mut rest = trimmed;
    loop {
        rest = rest.trim_ascii_start();
        match rest.first() {
            None => break,
            Some(b',') => {
                rest = &rest[1..];
                continue;
            }
            _ => {}
        }
        let (weak, body) = match rest.strip_prefix(b"W/") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let body = body.strip_prefix(b"\"")?;
        // etagc = %x21 / %x23-7E / obs-text
        let end = body.iter().position(|&c| c == b'"')?;
        let opaque = &body[..end];
        if !opaque
            .iter()
            .all(|&c| c == 0x21 || (0x23..=0x7e).contains(&c) || c >= 0x80)
        {
            return None;
        }
        tags.push(EntityTag {
            weak,
            opaque: String::from_utf8_lossy(opaque).into_owned(),
        });
        rest = body[end + 1..].trim_ascii_start();
        match rest.first() {
            None => break,
            Some(b',') => rest = &rest[1..],
            Some(_) => return None,
        }
    }
    (!tags.is_empty()).then_some(Condition::Tags(tags))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(v: &str) -> Vec<EntityTag> {
        match parse_condition(v.as_bytes()) {
            Some(Condition::Tags(t)) => t,
            other => panic!("{v}: {other:?}"),
        }
    }

    #[test]
    fn parses_the_list_syntax() {
        assert_eq!(parse_condition(b" * "), Some(Condition::Any));
        assert_eq!(tags("\"3\""), vec![EntityTag::strong("3")]);
        assert_eq!(
            tags("\"a\", W/\"b\" ,,\"\""),
            vec![
                EntityTag::strong("a"),
                EntityTag {
                    weak: true,
                    opaque: "b".into()
                },
                EntityTag::strong(""),
            ]
        );
        // A comma inside the quotes belongs to the tag.
        assert_eq!(tags("\"a,b\""), vec![EntityTag::strong("a,b")]);
    }

    #[test]
    fn refuses_what_is_not_an_entity_tag() {
        for bad in [
            "3",
            "",
            " , ",
            "\"3",
            "'3'",
            "w/\"3\"",
            "\"3\" \"4\"",
            "\"3\"x",
            "*, \"3\"",
            "\"a b\"",
            "W/3",
        ] {
            assert_eq!(parse_condition(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn weak_tags_never_match_strongly() {
        let current = EntityTag::of_version(3);
        assert_eq!(current.to_string(), "\"3\"");
        assert!(
            parse_condition(b"\"2\", \"3\"")
                .unwrap()
                .matches_strong(&current)
        );
        assert!(
            !parse_condition(b"W/\"3\"")
                .unwrap()
                .matches_strong(&current)
        );
        assert!(parse_condition(b"W/\"3\"").unwrap().matches_weak(&current));
        assert!(!parse_condition(b"\"4\"").unwrap().matches_weak(&current));
        assert!(Condition::Any.matches_strong(&current));
    }

    #[test]
    fn body_tags_follow_the_bytes() {
        let a = EntityTag::of_body(b"{\"a\":1}");
        assert_eq!(a, EntityTag::of_body(b"{\"a\":1}"));
        assert_ne!(a, EntityTag::of_body(b"{\"a\":2}"));
        assert_eq!(a.opaque.len(), 32);
    }
}
