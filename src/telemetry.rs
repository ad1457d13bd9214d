//! Logging and tracing set-up.

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Logs go to stderr; the filter comes from `RUST_LOG`.
/// Returns an error when the filter does not parse, so start-up can name the variable.
pub fn init(filter: &str, format: LogFormat) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| format!("RUST_LOG is invalid: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // A second init (tests start many apps in one process) is harmless.
    let _ = result;
    Ok(())
}

/// Request spans with method, route, status, request id and the error `code` — never the
/// error's text, which may echo a submitted value such as a PIN.
pub struct RootSpan;

impl tracing_actix_web::RootSpanBuilder for RootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        tracing_actix_web::root_span!(request, error.code = tracing::field::Empty)
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let _entered = span.enter();
        let (status, code) = match outcome {
            Ok(res) => (
                res.status().as_u16(),
                res.response()
                    .error()
                    .and_then(|e| e.as_error::<crate::error::ApiError>())
                    .map(|e| e.code()),
            ),
            Err(err) => (
                err.as_response_error().status_code().as_u16(),
                err.as_error::<crate::error::ApiError>().map(|e| e.code()),
            ),
        };
        span.record("http.status_code", status);
        if let Some(code) = code {
            span.record("error.code", code);
        }
        if status >= 500 {
            span.record("otel.status_code", "ERROR");
            tracing::warn!(status, "request failed");
        } else {
            span.record("otel.status_code", "OK");
            tracing::info!(status, "request finished");
        }
    }
}
