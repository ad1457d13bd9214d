//! Problems as HTTP answers: the status, headers (`WWW-Authenticate`, `Allow`, `Retry-After`,
//! `Content-Language`) and the `application/problem+json` body of an [`ApiError`].

use crate::error::{ApiError, PROBLEM_JSON};
use crate::i18n::Language;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        // Dutch, the default; `i18n::localize_problems` writes it again in the reader's language.
        self.response_in(Language::Nl)
    }
}

impl ApiError {
    /// The whole problem answer in one language (status, headers, body).
    pub fn response_in(&self, lang: Language) -> HttpResponse {
        if let ApiError::Internal(err) = self {
            // The chain may hold SQL or file paths: log it, never send it.
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            ApiError::Unauthorized(_) | ApiError::SessionEnded => {
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
        res.insert_header((
            header::CONTENT_LANGUAGE,
            crate::i18n::content_language(lang),
        ));
        res.body(self.problem_body(lang))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(anyhow::anyhow!("blocking pool: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_answer_is_dutch_and_says_so() {
        let res = ApiError::NotFound.error_response();
        assert_eq!(res.headers().get(header::CONTENT_LANGUAGE).unwrap(), "nl");
        let en = ApiError::NotFound.response_in(Language::En);
        assert_eq!(en.headers().get(header::CONTENT_LANGUAGE).unwrap(), "en");
        assert_eq!(
            en.headers().get(header::CONTENT_TYPE).unwrap(),
            PROBLEM_JSON
        );
    }

    #[test]
    fn every_status_is_a_valid_http_status() {
        for e in [
            ApiError::NotFound,
            ApiError::PreconditionRequired,
            ApiError::Refused {
                status: 415,
                code: "unsupported_document_type",
                title: crate::i18n::Msg::TitleUnsupportedFile,
                detail: crate::i18n::Msg::HeicNotSupported,
            },
        ] {
            assert_eq!(e.status_code().as_u16(), e.status());
        }
    }
}
