//! One check for every string that comes in, before any handler (and so any SQL) sees it:
//! no NUL and no other control character. PostgreSQL refuses NUL in text (a 500 otherwise),
//! SQLite would store it, and control characters in a name or title break every screen and
//! log that shows it.
//!
//! JSON bodies are walked as parsed `serde_json::Value`s inside the body extractors
//! ([`crate::api::Json`], [`crate::api::OptionalJson`], [`crate::api::read_json`]); the path, the
//! query string and the `Idempotency-Key` header are checked by the middleware
//! [`reject_control_characters`]. Line breaks and tabs are allowed only in the multi-line free
//! text fields named in [`MULTILINE_FIELDS`]; there a Windows line end (CR LF) becomes LF.

use crate::error::ApiError;
use crate::i18n::Msg;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use serde_json::Value;

pub use crate::wire::read::MULTILINE_FIELDS;

/// What a string may contain.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    SingleLine,
    MultiLine,
}

fn forbidden(c: char, kind: Kind) -> bool {
    let line_break = matches!(c, '\n' | '\t' | '\u{2028}' | '\u{2029}');
    match kind {
        Kind::MultiLine if matches!(c, '\n' | '\t') => false,
        _ => c.is_control() || line_break,
    }
}

fn message(kind: Kind) -> Msg {
    match kind {
        Kind::SingleLine => Msg::NoControlCharacters,
        Kind::MultiLine => Msg::NoControlCharactersExceptLines,
    }
}

/// Checks every string and object key of a parsed JSON body; normalises CR LF to LF in
/// multi-line fields. The error names the first offending field as a dotted path
/// (`steps.2.title`).
pub fn check_json(value: &mut Value) -> Result<(), ApiError> {
    let mut path = Vec::new();
    walk(value, &mut path, Kind::SingleLine)
}

fn walk(value: &mut Value, path: &mut Vec<String>, kind: Kind) -> Result<(), ApiError> {
    match value {
        Value::String(s) => {
            if kind == Kind::MultiLine && s.contains('\r') {
                *s = s.replace("\r\n", "\n");
            }
            if s.chars().any(|c| forbidden(c, kind)) {
                return Err(ApiError::invalid(dotted(path), message(kind)));
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                walk(item, path, kind)?;
                path.pop();
            }
            Ok(())
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                path.push(key.clone());
                if key.chars().any(|c| forbidden(c, Kind::SingleLine)) {
                    // The key itself is the problem: name the object holding it.
                    path.pop();
                    return Err(ApiError::invalid(
                        dotted(path),
                        Msg::NoControlCharactersInNames,
                    ));
                }
                let kind = if MULTILINE_FIELDS.contains(&key.as_str()) {
                    Kind::MultiLine
                } else {
                    kind
                };
                walk(item, path, kind)?;
                path.pop();
            }
            Ok(())
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

fn dotted(path: &[String]) -> String {
    // Control characters in a key never get here (checked first), so the path is printable.
    // A path that names nothing a person could find (an empty key, or keys longer than any
    // field of this API) is reported as the body as a whole.
    let dotted = path.join(".");
    if dotted.is_empty() || dotted.len() > FIELD_PATH_MAX {
        "body".to_owned()
    } else {
        dotted
    }
}

/// The longest field path a problem names (`FieldError.field` is bounded in the spec).
const FIELD_PATH_MAX: usize = 200;

/// Single-line text from the URL or a header: no control characters at all.
fn clean(s: &str) -> bool {
    !s.chars().any(|c| forbidden(c, Kind::SingleLine))
}

/// The first problem in the request line and the headers this service reads as text.
fn check_request(req: &ServiceRequest) -> Result<(), ApiError> {
    let path = percent_encoding::percent_decode_str(req.path()).decode_utf8_lossy();
    if !clean(&path) {
        return Err(ApiError::invalid("path", message(Kind::SingleLine)));
    }
    let query = req.query_string();
    if !query.is_empty() {
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if !clean(&name) {
                return Err(ApiError::invalid("query", message(Kind::SingleLine)));
            }
            if !clean(&value) {
                // Named by the parameter, unless it has no usable name (empty, or longer than
                // any parameter this API takes): then by "query".
                let field = if name.is_empty() || name.len() > 64 {
                    "query".to_owned()
                } else {
                    name.into_owned()
                };
                return Err(ApiError::invalid(field, message(Kind::SingleLine)));
            }
        }
    }
    // The HTTP parser already refuses NUL and most control bytes in headers, but lets a tab
    // through; an idempotency key is an opaque token that is stored and compared.
    if let Some(key) = req.headers().get("idempotency-key")
        && key.as_bytes().iter().any(|b| b.is_ascii_control())
    {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            message(Kind::SingleLine),
        ));
    }
    Ok(())
}

/// Middleware: a control character in the path, the query string or the `Idempotency-Key`
/// header is a 422 problem before any handler runs.
pub async fn reject_control_characters(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Err(err) = check_request(&req) {
        // The error rides along so that `i18n::localize_problems` can write it in the
        // reader's language.
        let res = actix_web::HttpResponse::from_error(err);
        return Ok(req.into_response(res).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(mut v: Value) -> Option<String> {
        match check_json(&mut v) {
            Ok(()) => None,
            Err(ApiError::Validation { errors, .. }) => Some(errors[0].field.clone()),
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn nul_and_control_characters_are_refused_with_their_field() {
        assert_eq!(
            field_of(json!({"username": "a\u{0}b"})).as_deref(),
            Some("username")
        );
        assert_eq!(field_of(json!({"": "a\u{0}b"})).as_deref(), Some("body"));
        let mut long = serde_json::Map::new();
        long.insert("k".repeat(300), json!("a\u{0}b"));
        assert_eq!(field_of(Value::Object(long)).as_deref(), Some("body"));
        assert_eq!(
            field_of(json!({"name": "bel\u{7}"})).as_deref(),
            Some("name")
        );
        assert_eq!(
            field_of(json!({"name": "del\u{7f}"})).as_deref(),
            Some("name")
        );
        assert_eq!(
            field_of(json!({"name": "nel\u{85}"})).as_deref(),
            Some("name")
        );
        assert_eq!(
            field_of(json!({"name": "esc\u{1b}[31m"})).as_deref(),
            Some("name")
        );
        assert_eq!(
            field_of(json!({"steps": [{"title": {"nl": "ok"}}, {"title": {"nl": "x\u{0}"}}]}))
                .as_deref(),
            Some("steps.1.title.nl")
        );
        assert_eq!(field_of(json!({"a\u{0}": 1})).as_deref(), Some("body"));
        assert_eq!(field_of(json!({"o": {"k\u{1}": 1}})).as_deref(), Some("o"));
        assert_eq!(field_of(json!(["\u{0}"])).as_deref(), Some("0"));
    }

    #[test]
    fn line_breaks_and_tabs_only_in_multi_line_fields() {
        for single in ["a\nb", "a\tb", "a\rb", "a\u{2028}b"] {
            assert_eq!(
                field_of(json!({"display_name": single})).as_deref(),
                Some("display_name"),
                "{single:?}"
            );
        }
        assert_eq!(field_of(json!({"note": "regel 1\nregel 2\tmet tab"})), None);
        assert_eq!(
            field_of(json!({"description": {"nl": "a\nb", "en": "c"}})),
            None
        );
        // Still no NUL, no bare CR, no other control character in multi-line text.
        assert_eq!(field_of(json!({"note": "a\u{0}"})).as_deref(), Some("note"));
        assert_eq!(field_of(json!({"note": "a\rb"})).as_deref(), Some("note"));
        assert_eq!(
            field_of(json!({"description": {"nl": "\u{1b}"}})).as_deref(),
            Some("description.nl")
        );
    }

    #[test]
    fn windows_line_ends_become_line_feeds_in_multi_line_text() {
        let mut v = json!({"note": "a\r\nb"});
        check_json(&mut v).unwrap();
        assert_eq!(v["note"], "a\nb");
    }

    #[test]
    fn ordinary_unicode_text_passes() {
        let mut v = json!({
            "display_name": "Ayşe Łukasz Nguyễn محمد ሰላም Олена 李",
            "title": {"nl": "Wacht 2–3 maanden op € 120"},
            "emoji": "👩‍👧",
        });
        assert!(check_json(&mut v).is_ok());
    }
}
