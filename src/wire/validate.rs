//! Small parsers that turn wire values into checked values, with field-named 422 errors.

use crate::error::ApiError;
use crate::i18n::Msg;

/// A trimmed single-line text of `min..=max` characters without control characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, ApiError> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        return Err(ApiError::invalid(
            field,
            if min <= 1 {
                Msg::MustNotBeEmpty
            } else {
                Msg::TooShort { min }
            },
        ));
    }
    if n > max {
        return Err(ApiError::invalid(field, Msg::TooLong { max }));
    }
    if v.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, Msg::NoControlCharacters));
    }
    Ok(v.to_owned())
}

/// A multi-line note: like [`text`], but line feeds and tabs are allowed.
pub fn note(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    lines(field, value, 0, max)
}

/// Multi-line free text of `min..=max` characters: line feeds and tabs, no other control
/// character (the body extractor already turned CR LF into LF).
pub fn lines(field: &str, value: &str, min: usize, max: usize) -> Result<String, ApiError> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        return Err(ApiError::invalid(field, Msg::MustNotBeEmpty));
    }
    if n > max {
        return Err(ApiError::invalid(field, Msg::TooLong { max }));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ApiError::invalid(
            field,
            Msg::NoControlCharactersExceptLines,
        ));
    }
    Ok(v.to_owned())
}

/// [`lines`] when `root` is a multi-line field ([`crate::wire::read::MULTILINE_FIELDS`], e.g.
/// `description`), else [`text`]; `field` is the full name for errors (`description.nl`).
pub fn text_of(
    root: &str,
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<String, ApiError> {
    if crate::wire::read::MULTILINE_FIELDS.contains(&root) {
        lines(field, value, min, max)
    } else {
        text(field, value, min, max)
    }
}

/// An email address, lower-cased. Deliberately simple: one `@`, a dot in the domain, no spaces.
pub fn email(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim().to_lowercase();
    let ok = v.len() <= 254
        && !v.contains(char::is_whitespace)
        && matches!(v.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
    if ok {
        Ok(v)
    } else {
        Err(ApiError::invalid(field, Msg::NotAnEmail))
    }
}
