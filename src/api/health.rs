//! Operations endpoints: liveness, readiness and Prometheus metrics.

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

/// Health status.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// Always `ok` when this answer is a 200.
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process runs and answers HTTP. Does not touch the database.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = HealthResponse))
)]
#[get("/health/live")]
pub async fn live() -> web::Json<HealthResponse> {
    web::Json(HealthResponse {
        status: "ok".into(),
    })
}

/// Readiness: the database answers. A load balancer sends traffic only to ready instances.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthResponse),
        (status = 503, description = "The database is not reachable", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> ApiResult<web::Json<HealthResponse>> {
    let pool = state.pool.clone();
    let checked = web::block(move || {
        let mut conn = pool.get_timeout(db::READY_TIMEOUT).ok()?;
        db::service_info::find_value(&mut conn, "schema_family").ok()
    })
    .await?;
    match checked {
        Some(Some(_)) => Ok(web::Json(HealthResponse {
            status: "ok".into(),
        })),
        _ => Err(ApiError::Unavailable {
            detail: crate::i18n::Msg::NotReady,
            retry_after_secs: 5,
        }),
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Metrics in Prometheus text format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&state.pool))
}
