//! Data protection: a resident's export of everything held about them, and erasure.

use crate::auth::{AuthUser, denial};
use crate::db::schema::{notification_preferences, plan_events, pulses};
use crate::db::{self, audit, erasure, notifications, plans, users};
use crate::domain::kinds::Role;
use crate::domain::policy;
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use actix_web::{HttpResponse, delete, get, web};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

fn t(v: Option<chrono::NaiveDateTime>) -> Value {
    v.map(|t| json!(db::utc(t))).unwrap_or(Value::Null)
}

/// Everything the service holds about me, as JSON (AVG/GDPR right of access).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "All your data", body = Object))
)]
#[get("/v1/me/export")]
pub async fn export_me(auth: AuthUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Resident])?;
    let data = db::run(&state.pool, move |conn| {
        let u = users::find_user(conn, &auth.id)?.ok_or(ApiError::NotFound)?;
        let mut plans_out = Vec::new();
        for p in plans::list_plans_of(conn, &u.id)? {
            let steps: Vec<Value> = plans::list_steps(conn, &p.id)?
                .iter()
                .map(|s| {
                    json!({
                        "id": s.id, "item_key": s.item_key, "category": s.category,
                        "title": {"nl": s.title_nl, "en": s.title_en},
                        "owner_type": s.owner_type, "priority": s.priority, "status": s.status,
                        "status_reason": s.status_reason, "due_on": s.due_on,
                        "issued_at": t(s.issued_at), "completed_at": t(s.completed_at),
                        "completion_note": s.completion_note, "verified_at": t(s.verified_at),
                        "help_requested_at": t(s.help_requested_at),
                        "intention": {"on": s.intention_on, "part_of_day": s.intention_part, "time": s.intention_time},
                        "snoozed_until": s.snoozed_until, "snooze_reason": s.snooze_reason, "snooze_note": s.snooze_note,
                        "crisis_reported_at": t(s.crisis_reported_at),
                    })
                })
                .collect();
            let events: Vec<Value> = plan_events::table
                .filter(plan_events::plan_id.eq(&p.id))
                .select((plan_events::kind, plan_events::step_id, plan_events::actor_role, plan_events::occurred_at, plan_events::recorded_at))
                .order(plan_events::recorded_at.asc())
                .load::<(String, Option<String>, Option<String>, chrono::NaiveDateTime, chrono::NaiveDateTime)>(conn)?
                .into_iter()
                .map(|(kind, step, role, occ, rec)| json!({"kind": kind, "step_id": step, "by": role, "occurred_at": db::utc(occ), "recorded_at": db::utc(rec)}))
                .collect();
            // Documents: metadata, and where to download each (`GET /v1/me/documents/{id}`).
            let documents: Vec<Value> = db::documents::list_for_plan(conn, &p.id)?
                .iter()
                .map(|d| json!({
                    "id": d.id, "step_id": d.step_id, "media_type": d.media_type,
                    "size_bytes": d.size_bytes, "created_at": db::utc(d.created_at),
                    "review": d.state, "review_reason": d.review_reason,
                    "reviewed_at": t(d.reviewed_at),
                    "download": format!("/v1/me/documents/{}", d.id),
                }))
                .collect();
            plans_out.push(json!({
                "id": p.id, "status": p.status, "dose": p.dose, "started_on": p.started_on,
                "intake": serde_json::from_str::<Value>(&p.intake).unwrap_or(Value::Null),
                "created_at": db::utc(p.created_at), "closed_at": t(p.closed_at),
                "outflow_reason": p.outflow_reason, "arm": p.arm,
                "steps": steps, "events": events, "documents": documents,
            }));
        }
        let devices: Vec<Value> = notifications::list_devices(conn, &u.id)?
            .iter()
            .map(|d| json!({"id": d.id, "platform": d.platform, "locale": d.locale, "app_version": d.app_version, "created_at": db::utc(d.created_at), "last_seen_at": db::utc(d.last_seen_at)}))
            .collect();
        let prefs = notification_preferences::table
            .find(&u.id)
            .select((notification_preferences::enabled, notification_preferences::quiet_start, notification_preferences::quiet_end, notification_preferences::daily_cap, notification_preferences::weekly_cap, notification_preferences::timezone))
            .first::<(bool, String, String, i32, i32, String)>(conn)
            .optional()?
            .map(|(e, qs, qe, d, w, tz)| json!({"enabled": e, "quiet_hours": format!("{qs}-{qe}"), "daily_cap": d, "weekly_cap": w, "timezone": tz}));
        let reminders: Vec<Value> = notifications::list_for_user(conn, &u.id)?
            .iter()
            .map(|r| json!({"id": r.id, "kind": r.kind, "state": r.state, "due_at": db::utc(r.due_at), "sent_at": t(r.sent_at)}))
            .collect();
        let answers: Vec<Value> = pulses::table
            .filter(pulses::user_id.eq(&u.id))
            .select((pulses::kind, pulses::score, pulses::created_at))
            .load::<(String, i32, chrono::NaiveDateTime)>(conn)?
            .into_iter()
            .map(|(k, s, at)| json!({"kind": k, "score": s, "at": db::utc(at)}))
            .collect();
        Ok(json!({
            "exported_at": chrono::Utc::now(),
            "account": {
                "id": u.id, "display_name": u.display_name, "login_name": u.login_name, "language": u.language,
                "team_id": u.team_id, "created_at": db::utc(u.created_at), "last_login_at": t(u.last_login_at),
            },
            "plans": plans_out,
            "devices": devices,
            "notification_preferences": prefs,
            "reminders": reminders,
            "mood_and_alliance_answers": answers,
        }))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "content-disposition",
            "attachment; filename=\"stapvoorstap-export.json\"",
        ))
        .json(data))
}

/// Why personal data is erased (kept in the audit log).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// E.g. "verzoek van de inwoner (AVG art. 17)" (3–300 characters).
    pub reason: String,
}

/// Erase a resident's personal data (admin, or a caseworker of the resident's team). Name,
/// login, PIN, devices, notes, free text, pending reminders and sessions go in one
/// transaction; a pseudonymous skeleton (step keys, states, times) stays for research.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resident id")),
    responses((status = 204, description = "Erased"))
)]
#[delete("/v1/residents/{id}")]
pub async fn erase_resident(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<EraseRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Admin, Role::Caseworker])?;
    let reason = crate::api::validate::text("reason", &body.reason, 3, 300)?;
    let id = path.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let resident = users::find_user(conn, &id)?
                .filter(|u| u.role == Role::Resident.as_str() && u.erased_at.is_none())
                .ok_or(ApiError::NotFound)?;
            if auth.role == Role::Caseworker {
                let teams = users::find_team_ids_of(conn, &auth.id)?;
                policy::caseworker_sees_resident(auth.role, &teams, resident.team_id.as_deref())
                    .map_err(denial)?;
            }
            let pseudonym = erasure::erase_resident(conn, &resident.id)?;
            audit::insert_audit(
                conn,
                &audit::AuditEntry {
                    actor_id: Some(&auth.id),
                    actor_role: auth.role.as_str(),
                    resident_id: Some(&pseudonym),
                    action: "erase",
                    object_type: "resident",
                    object_id: Some(&pseudonym),
                    request_id: auth.request_id.as_deref(),
                    detail: Some(&reason),
                },
            )?;
            Ok(())
        })
    })
    .await?;
    // The rows are gone with the commit; the blobs now (or from the retried queue).
    if let Err(e) = state.documents.sweep_deletions(&state.pool).await {
        tracing::warn!(error = %e, "document deletion sweep failed; retried later");
    }
    Ok(HttpResponse::NoContent().finish())
}
