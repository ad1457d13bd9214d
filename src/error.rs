//! One error type for the whole service (use cases, database, API), with its RFC 9457
//! `application/problem+json` document.
//!
//! Every variant has a stable machine `code` that clients may branch on, and an HTTP status as
//! a number; nothing here depends on the web framework (`api::problem` makes the answer). 500s
//! say nothing internal; their cause chain goes to the log instead.

use crate::i18n::{Language, Msg};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The field, as a JSON pointer-like dotted path (e.g. `pin` or `steps.2.due_on`).
    #[schema(example = "pin")]
    pub field: String,
    /// What is wrong with it, in the reader's language (see [`Problem`]).
    #[schema(example = "Een pincode heeft 5 of 6 cijfers.")]
    pub message: String,
}

/// An RFC 9457 problem document.
///
/// `title`, `detail` and each `errors[].message` are written for people, in Dutch or English:
/// a signed-in caller's stored language (`language` of `GET /v1/me`), else the best of `nl`
/// and `en` in `Accept-Language`, else Dutch. `Content-Language` says which. `code` and `type`
/// never change with the language: clients branch on those.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; ends in the machine `code`.
    #[serde(rename = "type")]
    #[schema(example = "urn:stapvoorstap:problem:not_found")]
    pub type_: String,
    /// A short summary of the kind of problem, in the reader's language.
    #[schema(example = "Niet gevonden")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 404)]
    pub status: u16,
    /// What went wrong in this case, in the reader's language.
    #[schema(example = "We kunnen dit niet vinden. Misschien bestaat het niet meer.")]
    pub detail: String,
    /// Stable machine-readable code: one of `ProblemCode`.
    #[schema(value_type = crate::problem_code::ProblemCode, example = "not_found")]
    pub code: String,
    /// Invalid fields, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field, before it is written in a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Dotted path of the field.
    pub field: String,
    /// What is wrong with it.
    pub message: Msg,
}

/// Everything that can go wrong in a request. Texts are catalogue messages ([`Msg`]), written
/// in the reader's language only when the answer is made ([`crate::i18n::localize_problems`]);
/// `Display` gives the English detail (logs, the command line).
#[derive(Debug)]
pub enum ApiError {
    BadRequest(Msg),
    /// A 400 with its own machine code (a malformed `If-Match`, a tampered cursor, an unknown
    /// query parameter), so a client can tell these apart.
    Malformed {
        code: &'static str,
        detail: Msg,
    },
    /// The JSON parser's (English) description of where the body stops being JSON.
    InvalidJson(String),
    Validation {
        detail: Msg,
        errors: Vec<Invalid>,
    },
    UnsupportedMediaType,
    PayloadTooLarge {
        limit: usize,
    },
    Unauthorized(Msg),
    /// A valid token whose session has ended (signed out, account disabled or erased,
    /// credentials changed).
    SessionEnded,
    Forbidden(Msg),
    NotFound,
    NotAcceptable,
    RequestTimeout {
        secs: u64,
    },
    MethodNotAllowed {
        method: String,
        allow: Vec<String>,
    },
    Conflict {
        code: &'static str,
        detail: Msg,
    },
    PreconditionFailed,
    PreconditionRequired,
    TooManyRequests {
        detail: Msg,
        retry_after_secs: u64,
    },
    Locked {
        detail: Msg,
        retry_after_secs: u64,
    },
    Unavailable {
        detail: Msg,
        retry_after_secs: u64,
    },
    /// A refusal with its own status, code and title (documents).
    Refused {
        /// The HTTP status (a 4xx).
        status: u16,
        code: &'static str,
        title: Msg,
        detail: Msg,
    },
    Internal(anyhow::Error),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail(Language::En))
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiError::Internal(err) => Some(err.as_ref()),
            _ => None,
        }
    }
}

impl ApiError {
    /// A 422 with one invalid field.
    pub fn invalid(field: impl Into<String>, message: Msg) -> Self {
        let field = field.into();
        ApiError::Validation {
            detail: Msg::CheckField {
                field: field.clone(),
                message: Box::new(message.clone()),
            },
            errors: vec![Invalid { field, message }],
        }
    }

    /// A 422 for a body that does not fit its type (`reason` from the deserializer).
    pub fn body_shape(reason: impl std::fmt::Display) -> Self {
        ApiError::Validation {
            detail: Msg::BodyShape {
                reason: reason.to_string(),
            },
            errors: Vec::new(),
        }
    }

    /// Wraps any unexpected failure as an internal error.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(err.into())
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Malformed { code, .. } => code,
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::Validation { .. } => "validation_failed",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::SessionEnded => "session_ended",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::NotAcceptable => "not_acceptable",
            ApiError::RequestTimeout { .. } => "request_timeout",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Conflict { code, .. } => code,
            ApiError::PreconditionFailed => "precondition_failed",
            ApiError::PreconditionRequired => "precondition_required",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::Locked { .. } => "account_locked",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Refused { code, .. } => code,
            ApiError::Internal(_) => "internal",
        }
    }

    /// The HTTP status of the answer (RFC 9110), as a number: this module does not depend on
    /// the web framework; `api::problem` turns it into the answer.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) | ApiError::InvalidJson(_) | ApiError::Malformed { .. } => 400,
            ApiError::Validation { .. } => 422,
            ApiError::UnsupportedMediaType => 415,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::Unauthorized(_) | ApiError::SessionEnded => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound => 404,
            ApiError::NotAcceptable => 406,
            ApiError::RequestTimeout { .. } => 408,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::Conflict { .. } => 409,
            ApiError::PreconditionFailed => 412,
            ApiError::PreconditionRequired => 428,
            ApiError::TooManyRequests { .. } | ApiError::Locked { .. } => 429,
            ApiError::Unavailable { .. } => 503,
            ApiError::Refused { status, .. } => *status,
            ApiError::Internal(_) => 500,
        }
    }

    /// The catalogue message of the title.
    pub fn title_msg(&self) -> Msg {
        match self {
            ApiError::BadRequest(_) | ApiError::Malformed { .. } => Msg::TitleBadRequest,
            ApiError::InvalidJson(_) => Msg::TitleInvalidJson,
            ApiError::Validation { .. } => Msg::TitleValidation,
            ApiError::UnsupportedMediaType => Msg::TitleUnsupportedMediaType,
            ApiError::PayloadTooLarge { .. } => Msg::TitlePayloadTooLarge,
            ApiError::Unauthorized(_) => Msg::TitleUnauthorized,
            ApiError::SessionEnded => Msg::TitleSessionEnded,
            ApiError::Forbidden(_) => Msg::TitleForbidden,
            ApiError::NotFound => Msg::TitleNotFound,
            ApiError::NotAcceptable => Msg::TitleNotAcceptable,
            ApiError::RequestTimeout { .. } => Msg::TitleRequestTimeout,
            ApiError::MethodNotAllowed { .. } => Msg::TitleMethodNotAllowed,
            ApiError::Conflict { .. } => Msg::TitleConflict,
            ApiError::PreconditionFailed => Msg::TitlePreconditionFailed,
            ApiError::PreconditionRequired => Msg::TitlePreconditionRequired,
            ApiError::TooManyRequests { .. } => Msg::TitleTooManyRequests,
            ApiError::Locked { .. } => Msg::TitleLocked,
            ApiError::Unavailable { .. } => Msg::TitleUnavailable,
            ApiError::Refused { title, .. } => title.clone(),
            ApiError::Internal(_) => Msg::TitleInternal,
        }
    }

    /// The catalogue message of the detail.
    pub fn detail_msg(&self) -> Msg {
        match self {
            ApiError::BadRequest(m)
            | ApiError::Malformed { detail: m, .. }
            | ApiError::Validation { detail: m, .. }
            | ApiError::Unauthorized(m)
            | ApiError::Forbidden(m)
            | ApiError::Conflict { detail: m, .. }
            | ApiError::TooManyRequests { detail: m, .. }
            | ApiError::Locked { detail: m, .. }
            | ApiError::Unavailable { detail: m, .. }
            | ApiError::Refused { detail: m, .. } => m.clone(),
            ApiError::InvalidJson(reason) => Msg::InvalidJson {
                reason: reason.clone(),
            },
            ApiError::UnsupportedMediaType => Msg::UnsupportedMediaType,
            ApiError::PayloadTooLarge { limit } => Msg::PayloadTooLarge { limit: *limit },
            ApiError::SessionEnded => Msg::SessionEnded,
            ApiError::NotFound => Msg::NotFound,
            ApiError::NotAcceptable => Msg::NotAcceptable,
            ApiError::RequestTimeout { secs } => Msg::RequestTimeout { secs: *secs },
            ApiError::MethodNotAllowed { method, .. } => Msg::MethodNotAllowed {
                method: method.clone(),
            },
            ApiError::PreconditionFailed => Msg::PreconditionFailed,
            ApiError::PreconditionRequired => Msg::PreconditionRequired,
            ApiError::Internal(_) => Msg::Internal,
        }
    }

    /// The detail in one language.
    pub fn detail(&self, lang: Language) -> String {
        self.detail_msg().text(lang).into_owned()
    }

    /// The problem document for this error, in one language.
    pub fn problem(&self, lang: Language) -> Problem {
        let code = self.code();
        debug_assert!(
            crate::problem_code::ProblemCode::parse(code).is_some(),
            "problem code {code} is missing from ProblemCode"
        );
        Problem {
            type_: format!("urn:stapvoorstap:problem:{code}"),
            title: self.title_msg().text(lang).into_owned(),
            status: self.status(),
            detail: self.detail(lang),
            code: code.to_owned(),
            errors: match self {
                ApiError::Validation { errors, .. } => errors
                    .iter()
                    .map(|e| FieldError {
                        field: e.field.clone(),
                        message: e.message.text(lang).into_owned(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        }
    }

    /// The JSON body of the problem document in one language.
    pub fn problem_body(&self, lang: Language) -> String {
        serde_json::to_string(&self.problem(lang).bounded()).unwrap_or_default()
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => ApiError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ApiError::Conflict {
                code: "already_exists",
                detail: Msg::AlreadyExists,
            },
            // A reference to something that is gone (e.g. an erased account acting with a token
            // issued before the erasure): the caller's view is stale, not our bug.
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => ApiError::Conflict {
                code: "reference_gone",
                detail: Msg::ReferenceGone,
            },
            // The server went away (restart, failover, terminated backend): not our bug, and
            // the pool drops that connection when it is returned.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => {
                crate::db::note_connection_lost();
                ApiError::Unavailable {
                    detail: Msg::DatabaseUnavailable,
                    retry_after_secs: 2,
                }
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

/// Result of a handler or a database function.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every variant; [`ordinal`] makes sure none is missing.
    fn samples() -> Vec<ApiError> {
        vec![
            ApiError::BadRequest(Msg::BodyUnreadable),
            ApiError::Malformed {
                code: "invalid_cursor",
                detail: Msg::InvalidCursor,
            },
            ApiError::InvalidJson("expected value at line 1 column 1".into()),
            ApiError::invalid("pin", Msg::MustNotBeEmpty),
            ApiError::UnsupportedMediaType,
            ApiError::PayloadTooLarge { limit: 65536 },
            ApiError::Unauthorized(Msg::SignInFirst),
            ApiError::SessionEnded,
            ApiError::Forbidden(Msg::RoleNotAllowed),
            ApiError::NotFound,
            ApiError::NotAcceptable,
            ApiError::RequestTimeout { secs: 10 },
            ApiError::MethodNotAllowed {
                method: "PUT".into(),
                allow: vec!["GET".into()],
            },
            ApiError::Conflict {
                code: "plan_exists",
                detail: Msg::PlanExists,
            },
            ApiError::PreconditionFailed,
            ApiError::PreconditionRequired,
            ApiError::TooManyRequests {
                detail: Msg::SignInRateLimited,
                retry_after_secs: 3,
            },
            ApiError::Locked {
                detail: Msg::AccountLocked,
                retry_after_secs: 60,
            },
            ApiError::Unavailable {
                detail: Msg::DatabaseUnavailable,
                retry_after_secs: 2,
            },
            ApiError::Refused {
                status: 413,
                code: "document_too_large",
                title: Msg::TitleFileTooLarge,
                detail: Msg::FileTooLarge { mib: 10 },
            },
            ApiError::internal(anyhow::anyhow!("disk on fire")),
        ]
    }

    fn ordinal(e: &ApiError) -> usize {
        match e {
            ApiError::BadRequest(_) => 0,
            ApiError::Malformed { .. } => 1,
            ApiError::InvalidJson(_) => 2,
            ApiError::Validation { .. } => 3,
            ApiError::UnsupportedMediaType => 4,
            ApiError::PayloadTooLarge { .. } => 5,
            ApiError::Unauthorized(_) => 6,
            ApiError::SessionEnded => 7,
            ApiError::Forbidden(_) => 8,
            ApiError::NotFound => 9,
            ApiError::NotAcceptable => 10,
            ApiError::RequestTimeout { .. } => 11,
            ApiError::MethodNotAllowed { .. } => 12,
            ApiError::Conflict { .. } => 13,
            ApiError::PreconditionFailed => 14,
            ApiError::PreconditionRequired => 15,
            ApiError::TooManyRequests { .. } => 16,
            ApiError::Locked { .. } => 17,
            ApiError::Unavailable { .. } => 18,
            ApiError::Refused { .. } => 19,
            ApiError::Internal(_) => 20,
        }
    }

    #[test]
    fn every_variant_has_a_title_and_detail_in_both_languages() {
        let samples = samples();
        let mut seen: Vec<usize> = samples.iter().map(ordinal).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen, (0..21).collect::<Vec<_>>());
        for e in &samples {
            let nl = e.problem(Language::Nl);
            let en = e.problem(Language::En);
            assert_eq!(nl.code, en.code, "the code does not depend on the language");
            assert_eq!(nl.type_, en.type_);
            assert_eq!(nl.status, en.status);
            for p in [&nl, &en] {
                assert!(
                    !p.title.trim().is_empty() && !p.detail.trim().is_empty(),
                    "{e:?}"
                );
            }
            assert_ne!(nl.title, en.title, "{e:?}");
            assert_ne!(nl.detail, en.detail, "{e:?}");
            assert_eq!(e.to_string(), en.detail, "Display is the English detail");
        }
        let v = ApiError::invalid("pin", Msg::MustNotBeEmpty).problem(Language::Nl);
        assert_eq!(v.errors[0].field, "pin");
        assert_eq!(v.errors[0].message, "Dit mag niet leeg zijn.");
        assert!(v.detail.contains("'pin'"), "{}", v.detail);
        // 500s say nothing internal, in any language.
        let internal = ApiError::internal(anyhow::anyhow!("disk on fire"));
        for lang in Language::ALL {
            assert!(!internal.problem(*lang).detail.contains("disk"));
        }
    }
}
