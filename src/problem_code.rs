//! Every machine `code` a problem document can carry: the one list the OpenAPI `Problem.code`
//! enum is generated from.
//!
//! The errors themselves keep writing their codes as `&'static str` (see [`crate::error`]); a
//! test scans the sources for every code literal and compares the set with [`ProblemCode::ALL`]
//! in both directions, and debug builds check each problem they send against this list, so a
//! code the server can send cannot be missing from the spec, nor a listed one be dead.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! problem_codes {
    ($($variant:ident = $code:literal, $status:literal, $meaning:literal;)+) => {
        /// Stable machine-readable problem code; clients may branch on it. The HTTP status that
        /// goes with each code is listed in the description.
        // Variant names are the codes in CamelCase (a test checks both spellings agree).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ProblemCode {
            $($variant,)+
        }

        impl ProblemCode {
            /// Every code, in the order the spec lists them.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant),+];

            /// The serialised spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(ProblemCode::$variant => $code),+ }
            }

            /// The HTTP status a problem with this code is sent with.
            pub fn status(self) -> u16 {
                match self { $(ProblemCode::$variant => $status),+ }
            }

            /// What the code means, for the spec.
            pub fn meaning(self) -> &'static str {
                match self { $(ProblemCode::$variant => $meaning),+ }
            }

            /// The code with this spelling, if it is one.
            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some(ProblemCode::$variant),)+ _ => None }
            }
        }
    };
}

problem_codes! {
    BadRequest = "bad_request", 400, "The request could not be read (query string or body).";
    InvalidJson = "invalid_json", 400, "The body is not valid JSON.";
    MalformedIfMatch = "malformed_if_match", 400, "`If-Match` is not `*` or a list of entity tags.";
    MalformedIfNoneMatch = "malformed_if_none_match", 400, "`If-None-Match` is not `*` or a list of entity tags.";
    UnknownQueryParameter = "unknown_query_parameter", 400, "A query parameter this operation does not take; `detail` names it.";
    InvalidCursor = "invalid_cursor", 400, "The `cursor` was not made by this list, or was changed.";
    Unauthorized = "unauthorized", 401, "No valid access token (missing, malformed, expired or forged), or wrong credentials.";
    SessionEnded = "session_ended", 401, "The token's session has ended (signed out, disabled, erased, credentials changed): sign in again.";
    Forbidden = "forbidden", 403, "The caller's role cannot use this operation.";
    NotFound = "not_found", 404, "No such resource, or not one the caller may see.";
    MethodNotAllowed = "method_not_allowed", 405, "The path exists but not with this method; `Allow` lists the methods.";
    NotAcceptable = "not_acceptable", 406, "None of the content encodings `Accept-Encoding` allows can be sent.";
    RequestTimeout = "request_timeout", 408, "The request body did not arrive in time; the connection is closed.";
    AlreadyExists = "already_exists", 409, "A resource with these unique values already exists.";
    ReferenceGone = "reference_gone", 409, "Something the request refers to no longer exists.";
    EmailTaken = "email_taken", 409, "Another account has this e-mail address.";
    CannotDisableSelf = "cannot_disable_self", 409, "An admin cannot disable their own account.";
    LoginNameExhausted = "login_name_exhausted", 409, "No free login name could be made for this resident.";
    TemplateVersionExists = "template_version_exists", 409, "This template key and version exist already.";
    PlanExists = "plan_exists", 409, "The resident already has an active or paused plan.";
    StepNotOpen = "step_not_open", 409, "The step is not open (not yet issued, or already done).";
    StepCompleted = "step_completed", 409, "The step is done; it cannot be changed like this.";
    StepNotDone = "step_not_done", 409, "The step is not done yet.";
    StepNotFinished = "step_not_finished", 409, "The step is neither done nor verified.";
    CrisisStepCannotWait = "crisis_step_cannot_wait", 409, "An urgent step cannot be put aside.";
    NoCrisisStep = "no_crisis_step", 409, "The plan has no step for this kind of crisis.";
    AlreadyAnswered = "already_answered", 409, "This question was answered already.";
    IdempotencyKeyReused = "idempotency_key_reused", 409, "The `Idempotency-Key` was used for a different request.";
    StepTakesNoDocuments = "step_takes_no_documents", 409, "This step does not ask for a document.";
    DocumentReviewed = "document_reviewed", 409, "The document has been reviewed already.";
    AppointmentNotPlanned = "appointment_not_planned", 409, "The appointment was cancelled or its outcome recorded; it cannot change like this.";
    AppointmentNotStarted = "appointment_not_started", 409, "The appointment has not started yet, so whether it took place cannot be recorded.";
    AppointmentPassed = "appointment_passed", 409, "The appointment has already started or passed.";
    PreconditionFailed = "precondition_failed", 412, "`If-Match` does not match: the resource changed; fetch it again.";
    PayloadTooLarge = "payload_too_large", 413, "The body is larger than the operation's limit.";
    InvalidTusHeader = "invalid_tus_header", 400, "A tus header (`Upload-Length`, `Upload-Offset`, …) is missing or not a whole number; `detail` names it.";
    TusVersionUnsupported = "tus_version_unsupported", 412, "The request does not carry `Tus-Resumable: 1.0.0`.";
    UploadExceedsLength = "upload_exceeds_length", 413, "More bytes arrived than the upload's `Upload-Length`.";
    UploadOffsetMismatch = "upload_offset_mismatch", 409, "The piece does not start at the upload's offset; continue from the `Upload-Offset` in this answer.";
    WrongUploadContentType = "wrong_upload_content_type", 415, "A tus piece must be sent as `application/offset+octet-stream`.";
    WebPushOff = "web_push_off", 409, "Standard Web Push is not turned on for this service (`GET /v1/me/web-push`).";
    DocumentTooLarge = "document_too_large", 413, "The file is larger than the document limit.";
    PlanDocumentsFull = "plan_documents_full", 413, "The plan holds as many documents (or bytes) as it may.";
    UnsupportedMediaType = "unsupported_media_type", 415, "The body must be sent as `application/json`.";
    UnsupportedDocumentType = "unsupported_document_type", 415, "The file is not a JPEG, PNG or PDF (HEIC is refused too).";
    ValidationFailed = "validation_failed", 422, "The body is JSON but not valid input; `errors` names the fields.";
    UnreadableDocument = "unreadable_document", 422, "The photo or PDF cannot be opened.";
    ImageTooLarge = "image_too_large", 422, "The photo has too many pixels to process.";
    PreconditionRequired = "precondition_required", 428, "This write needs `If-Match` with the resource's `ETag`.";
    TooManyRequests = "too_many_requests", 429, "Too many sign-in attempts from this address; wait `Retry-After` seconds.";
    AccountLocked = "account_locked", 429, "The account is locked after failed attempts; wait `Retry-After` seconds.";
    Internal = "internal", 500, "Something went wrong on the server; nothing internal is said.";
    Unavailable = "unavailable", 503, "The database or the sign-in workers are busy or away; retry after `Retry-After` seconds.";
}

/// Longest `detail` of a problem, and longest `field` and `message` of an invalid field: texts
/// that echo input (an unknown field's name, a parser's message) are cut to this, so the spec
/// can promise a length.
pub const DETAIL_MAX: usize = 2000;
/// Longest `field` or `message` of a [`crate::error::FieldError`].
pub const FIELD_TEXT_MAX: usize = 1000;

fn cut(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

impl crate::error::Problem {
    /// The problem with its texts cut to the lengths the spec documents.
    pub fn bounded(mut self) -> Self {
        self.detail = cut(self.detail, DETAIL_MAX);
        for e in &mut self.errors {
            e.field = cut(std::mem::take(&mut e.field), FIELD_TEXT_MAX);
            e.message = cut(std::mem::take(&mut e.message), FIELD_TEXT_MAX);
        }
        self
    }
}

/// A Markdown table of every code with its status and meaning (the spec's description).
pub fn table() -> String {
    let mut out = String::from(
        "Stable machine-readable problem code; clients may branch on it.\n\n| code | status | meaning |\n| --- | --- | --- |\n",
    );
    for code in ProblemCode::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.status(),
            code.meaning()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use crate::i18n::{Language, Msg};

    use std::collections::BTreeSet;

    #[test]
    fn long_texts_are_cut_to_the_documented_length() {
        let reason = "y".repeat(5000);
        let long = ApiError::Validation {
            detail: Msg::TemplateInvalid {
                reason: reason.clone(),
            },
            errors: vec![crate::error::Invalid {
                field: "x".repeat(5000),
                message: Msg::TemplateInvalid { reason },
            }],
        }
        .problem(Language::Nl)
        .bounded();
        assert_eq!(long.detail.chars().count(), DETAIL_MAX);
        assert!(long.detail.ends_with('…'));
        assert_eq!(long.errors[0].field.chars().count(), FIELD_TEXT_MAX);
        assert_eq!(long.errors[0].message.chars().count(), FIELD_TEXT_MAX);
        let short = ApiError::NotFound.problem(Language::En);
        assert_eq!(short.clone().bounded().detail, short.detail);
    }

    #[test]
    fn spelling_round_trips_and_is_serde_spelling() {
        let mut seen = BTreeSet::new();
        for code in ProblemCode::ALL {
            assert_eq!(ProblemCode::parse(code.as_str()), Some(*code));
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
        }
        assert_eq!(ProblemCode::parse("no_such_code"), None);
    }

    #[test]
    fn every_fixed_error_has_a_listed_code_with_its_status() {
        let errors = [
            ApiError::BadRequest(Msg::UploadInterrupted),
            ApiError::InvalidJson("x".into()),
            ApiError::invalid("f", Msg::NotAnEmail),
            ApiError::UnsupportedMediaType,
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::Unauthorized(Msg::NotAnEmail),
            ApiError::SessionEnded,
            ApiError::Forbidden(Msg::NotAnEmail),
            ApiError::NotFound,
            ApiError::NotAcceptable,
            ApiError::RequestTimeout { secs: 1 },
            ApiError::MethodNotAllowed {
                method: "PUT".into(),
                allow: vec![],
            },
            ApiError::PreconditionFailed,
            ApiError::PreconditionRequired,
            ApiError::TooManyRequests {
                detail: Msg::NotAnEmail,
                retry_after_secs: 1,
            },
            ApiError::Locked {
                detail: Msg::NotAnEmail,
                retry_after_secs: 1,
            },
            ApiError::Unavailable {
                detail: Msg::NotAnEmail,
                retry_after_secs: 1,
            },
            ApiError::internal(anyhow::anyhow!("x")),
            diesel::result::Error::NotFound.into(),
        ];
        for e in errors {
            let code = ProblemCode::parse(e.code())
                .unwrap_or_else(|| panic!("{} is not a ProblemCode", e.code()));
            assert_eq!(code.status(), e.status(), "{}", e.code());
        }
    }

    /// Every code literal in `src/`: `code: "…"` (conflicts, malformed requests), the codes of
    /// `ApiError::code`, the refusals (`StatusCode::…, "code"`) and conditional-header codes.
    fn codes_in_sources() -> BTreeSet<(String, String)> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut found = BTreeSet::new();
        let mut stack = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("problem_code.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let file = path.strip_prefix(root).unwrap().display().to_string();
                for code in literals_after(&text, &["code: \"", "code: &'static str = \""]) {
                    found.insert((code, file.clone()));
                }
                // A refusal names its status, then its code.
                for (i, _) in text.match_indices("StatusCode::") {
                    let rest = &text[i..];
                    let Some(comma) = rest.find(',') else {
                        continue;
                    };
                    let status = &rest["StatusCode::".len()..comma];
                    if !status.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
                        continue;
                    }
                    let after = rest[comma + 1..].trim_start();
                    if let Some(lit) = after.strip_prefix('"')
                        && let Some(end) = lit.find('"')
                        && is_code(&lit[..end])
                    {
                        found.insert((lit[..end].to_owned(), file.clone()));
                    }
                }
                if file == "error.rs" {
                    // The arms of `ApiError::code`.
                    let body = text
                        .split_once("pub fn code(&self)")
                        .and_then(|(_, rest)| rest.split_once("\n    }\n"))
                        .map(|(body, _)| body)
                        .expect("ApiError::code");
                    for code in literals_after(body, &["=> \""]) {
                        found.insert((code, file.clone()));
                    }
                }
                if file.ends_with("conditional.rs") {
                    for code in literals_after(&text, &["\"malformed_"]) {
                        found.insert((format!("malformed_{code}"), file.clone()));
                    }
                }
            }
        }
        found
    }

    fn is_code(s: &str) -> bool {
        !s.is_empty() && s.contains('_') && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    }

    fn literals_after(text: &str, openers: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for opener in openers {
            for (i, _) in text.match_indices(opener) {
                let rest = &text[i + opener.len()..];
                if let Some(end) = rest.find('"') {
                    let lit = &rest[..end];
                    if lit.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') && !lit.is_empty() {
                        out.push(lit.to_owned());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn the_list_is_exactly_the_codes_the_sources_send() {
        let found = codes_in_sources();
        let listed: BTreeSet<&str> = ProblemCode::ALL.iter().map(|c| c.as_str()).collect();
        let unlisted: Vec<String> = found
            .iter()
            .filter(|(code, _)| !listed.contains(code.as_str()))
            .map(|(code, file)| format!("{code} (src/{file})"))
            .collect();
        assert!(
            unlisted.is_empty(),
            "codes sent but missing from ProblemCode: {unlisted:?}"
        );
        let sent: BTreeSet<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        let dead: Vec<&&str> = listed.iter().filter(|c| !sent.contains(**c)).collect();
        assert!(
            dead.is_empty(),
            "codes listed in ProblemCode that no source sends: {dead:?}"
        );
    }
}
