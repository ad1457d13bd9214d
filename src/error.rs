//! One error type for the whole API, written as RFC 9457 `application/problem+json`.
//!
//! Every variant has a stable machine `code` that clients may branch on. 500s say nothing
//! internal; their cause chain goes to the log instead.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
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
    /// What is wrong with it, in plain English.
    #[schema(example = "must be 5 or 6 digits")]
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; ends in the machine `code`.
    #[serde(rename = "type")]
    #[schema(example = "urn:stapvoorstap:problem:not_found")]
    pub type_: String,
    /// A short, human-readable summary of the kind of problem.
    #[schema(example = "Not found")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 404)]
    pub status: u16,
    /// What went wrong in this case.
    #[schema(example = "No such resource.")]
    pub detail: String,
    /// Stable machine-readable code: one of `ProblemCode`.
    #[schema(value_type = crate::problem_code::ProblemCode, example = "not_found")]
    pub code: String,
    /// Invalid fields, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything that can go wrong in a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// A 400 with its own machine code (a malformed `If-Match`, a tampered cursor, an unknown
    /// query parameter), so a client can tell these apart.
    #[error("{detail}")]
    Malformed { code: &'static str, detail: String },
    #[error("The request body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("{detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("The request body must be sent as application/json.")]
    UnsupportedMediaType,
    #[error("The request body is larger than the limit of {limit} bytes.")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    Unauthorized(String),
    /// A valid token whose session has ended (signed out, account disabled or erased,
    /// credentials changed).
    #[error("{0}")]
    SessionEnded(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("No such resource.")]
    NotFound,
    #[error("None of the content encodings the request accepts can be sent.")]
    NotAcceptable,
    #[error("The request body did not arrive within {secs} seconds.")]
    RequestTimeout { secs: u64 },
    #[error("Method {method} is not allowed here.")]
    MethodNotAllowed { method: String, allow: Vec<String> },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("The resource was changed by someone else; fetch it again and retry.")]
    PreconditionFailed,
    #[error("This request needs an If-Match header with the resource's ETag.")]
    PreconditionRequired,
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
    #[error("{detail}")]
    Locked {
        detail: String,
        retry_after_secs: u64,
    },
    #[error("{detail}")]
    Unavailable {
        detail: String,
        retry_after_secs: u64,
    },
    /// A refusal with its own status and code and a text for people (documents: Dutch, then
    /// English).
    #[error("{detail}")]
    Refused {
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: String,
    },
    #[error("Something went wrong on our side. Please try again.")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A 422 with one invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        ApiError::Validation {
            detail: format!("{field}: {message}"),
            errors: vec![FieldError { field, message }],
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
            ApiError::SessionEnded(_) => "session_ended",
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

    fn title(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) | ApiError::Malformed { .. } => "Bad request",
            ApiError::InvalidJson(_) => "Invalid JSON",
            ApiError::Validation { .. } => "Invalid input",
            ApiError::UnsupportedMediaType => "Unsupported media type",
            ApiError::PayloadTooLarge { .. } => "Payload too large",
            ApiError::Unauthorized(_) => "Not signed in",
            ApiError::SessionEnded(_) => "Session ended",
            ApiError::Forbidden(_) => "Not allowed",
            ApiError::NotFound => "Not found",
            ApiError::NotAcceptable => "Not acceptable",
            ApiError::RequestTimeout { .. } => "Request timeout",
            ApiError::MethodNotAllowed { .. } => "Method not allowed",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::PreconditionFailed => "Precondition failed",
            ApiError::PreconditionRequired => "Precondition required",
            ApiError::TooManyRequests { .. } => "Too many requests",
            ApiError::Locked { .. } => "Account locked",
            ApiError::Unavailable { .. } => "Service unavailable",
            ApiError::Refused { title, .. } => title,
            ApiError::Internal(_) => "Internal error",
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let code = self.code();
        debug_assert!(
            crate::problem_code::ProblemCode::parse(code).is_some(),
            "problem code {code} is missing from ProblemCode"
        );
        Problem {
            type_: format!("urn:stapvoorstap:problem:{code}"),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail: self.to_string(),
            code: code.to_owned(),
            errors: match self {
                ApiError::Validation { errors, .. } => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::InvalidJson(_) | ApiError::Malformed { .. } => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_) | ApiError::SessionEnded(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            ApiError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::TooManyRequests { .. } | ApiError::Locked { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Refused { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(err) = self {
            // The chain may hold SQL or file paths: log it, never send it.
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            ApiError::Unauthorized(_) | ApiError::SessionEnded(_) => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"stapvoorstap\""),
                ));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
                    res.insert_header((header::ALLOW, v));
                }
            }
            ApiError::TooManyRequests {
                retry_after_secs, ..
            }
            | ApiError::Locked {
                retry_after_secs, ..
            }
            | ApiError::Unavailable {
                retry_after_secs, ..
            } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.max(&1).to_string()));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&self.problem().bounded()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => ApiError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ApiError::Conflict {
                code: "already_exists",
                detail: "A resource with these values already exists.".into(),
            },
            // A reference to something that is gone (e.g. an erased account acting with a token
            // issued before the erasure): the caller's view is stale, not our bug.
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => ApiError::Conflict {
                code: "reference_gone",
                detail: "Something this request refers to no longer exists.".into(),
            },
            // The server went away (restart, failover, terminated backend): not our bug, and
            // the pool drops that connection when it is returned.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => {
                crate::db::note_connection_lost();
                ApiError::Unavailable {
                    detail: "The database is not available right now. Please try again shortly."
                        .into(),
                    retry_after_secs: 2,
                }
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(anyhow::anyhow!("blocking pool: {err}"))
    }
}

/// Result of a handler or a database function.
pub type ApiResult<T> = Result<T, ApiError>;
