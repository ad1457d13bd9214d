//! Devices (phones that receive pushes) and reminder preferences of the signed-in user, and
//! the reminder list caseworkers see per plan.

use crate::api::idempotency::{self, Idempotency};
use crate::api::paging::{self, PageRequest};
use crate::api::plans::find_visible_plan;
use crate::auth::AuthUser;
use crate::db::{self, notifications};
pub use crate::domain::kinds::Platform;
use crate::domain::kinds::ReminderState;
use crate::domain::policy::CASEWORKERS;
use crate::domain::reminders::ReminderKind;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler;
use crate::startup::AppState;
use crate::usecases::{self, register_device::RegisterDevice, set_preferences::SetPreferences};
pub use crate::wire::devices::{DeviceResponse, PreferencesBody};
use crate::wire::types::parse_id;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The keys of a browser's push subscription (`PushSubscription.toJSON().keys`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebPushKeys {
    /// The browser's P-256 public key: 65 bytes, base64url.
    #[schema(min_length = 86, max_length = 88, pattern = "^[A-Za-z0-9_-]+=*$")]
    pub p256dh: String,
    /// The subscription's authentication secret: 16 bytes, base64url.
    #[schema(min_length = 22, max_length = 24, pattern = "^[A-Za-z0-9_-]+=*$")]
    pub auth: String,
}

/// This app installation: an FCM registration token, or a standard Web Push subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterDeviceRequest {
    /// The FCM registration token, or for `web_push` the subscription's `endpoint` URL (it
    /// must belong to a push service the operator allows) — at most 4096 characters.
    #[schema(min_length = 1, max_length = 4096)]
    pub token: String,
    /// Which kind of installation this is.
    pub platform: Platform,
    /// Required for `web_push`, refused for the other platforms.
    #[serde(default)]
    pub web_push_keys: Option<WebPushKeys>,
    /// Locale of the phone, e.g. `nl-NL`.
    #[schema(example = "nl-NL")]
    pub locale: Option<String>,
    /// App version, e.g. `1.4.2`.
    #[schema(example = "1.4.2")]
    pub app_version: Option<String>,
}

/// Register (or refresh) this phone for push reminders. A token that belonged to another
/// account moves to this one.
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    responses((status = 200, description = "Registered", body = DeviceResponse))
)]
#[post("/v1/me/devices")]
pub async fn register_device(
    request: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    body: crate::api::Json<RegisterDeviceRequest>,
) -> ApiResult<HttpResponse> {
    let idem = Idempotency::of(&request, state.settings.idempotency_ttl)?;
    let req = body.into_inner();
    let token = req.token.trim().to_owned();
    if token.is_empty()
        || token.len() > 4096
        || token.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ApiError::invalid("token", Msg::FcmToken));
    }
    let locale = req
        .locale
        .as_deref()
        .map(|l| crate::wire::validate::text("locale", l, 2, 35))
        .transpose()?;
    let version = req
        .app_version
        .as_deref()
        .map(|v| crate::wire::validate::text("app_version", v, 1, 40))
        .transpose()?;
    let platform = match req.platform {
        Platform::Android => "android",
        Platform::Ios => "ios",
        Platform::Web => "web",
        Platform::WebPush => crate::push::dispatcher::WEB_PUSH_PLATFORM,
    };
    let keys = web_push_keys(&state, req.platform, &token, req.web_push_keys)?;
    let input = RegisterDevice {
        token,
        platform,
        web_push_keys: keys,
        locale,
        app_version: version,
    };
    let outcome = db::run(&state.pool, move |conn| {
        usecases::register_device::register_device(conn, &auth, input, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::register_device::keep)
}

/// The keys of a `web_push` registration, checked; `None` for the other platforms.
fn web_push_keys(
    state: &AppState,
    platform: Platform,
    endpoint: &str,
    keys: Option<WebPushKeys>,
) -> Result<Option<(String, String)>, ApiError> {
    use crate::push::webpush::SubscriptionError;
    let (Platform::WebPush, Some(keys)) = (platform, &keys) else {
        return match (platform, keys) {
            (Platform::WebPush, None) => {
                Err(ApiError::invalid("web_push_keys", Msg::WebPushKeysNeeded))
            }
            (_, Some(_)) => Err(ApiError::invalid(
                "web_push_keys",
                Msg::WebPushKeysOnlyForWebPush,
            )),
            _ => Ok(None),
        };
    };
    let Some(client) = &state.web_push else {
        return Err(ApiError::Conflict {
            code: "web_push_off",
            detail: Msg::WebPushOff,
        });
    };
    match client.check_subscription(endpoint, &keys.p256dh, &keys.auth) {
        Ok(()) => Ok(Some((keys.p256dh.clone(), keys.auth.clone()))),
        Err(SubscriptionError::Endpoint) => Err(ApiError::invalid("token", Msg::WebPushEndpoint)),
        Err(SubscriptionError::P256dh) => Err(ApiError::invalid(
            "web_push_keys/p256dh",
            Msg::WebPushP256dh,
        )),
        Err(SubscriptionError::Auth) => {
            Err(ApiError::invalid("web_push_keys/auth", Msg::WebPushAuth))
        }
    }
}

/// Whether this service sends standard Web Push, and the key to subscribe with.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebPushInfo {
    /// True when the operator turned standard Web Push on (`WEB_PUSH_CONTACT`).
    pub available: bool,
    /// The VAPID public key (uncompressed P-256 point, base64url): pass it as
    /// `applicationServerKey` to `PushManager.subscribe`. Absent when not available.
    pub public_key: Option<String>,
}

/// Whether this browser can be subscribed for standard Web Push, and with which key.
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    responses((status = 200, description = "Web Push settings of this service", body = WebPushInfo))
)]
#[get("/v1/me/web-push")]
pub async fn web_push_info(_auth: AuthUser, state: web::Data<AppState>) -> web::Json<WebPushInfo> {
    web::Json(WebPushInfo {
        available: state.web_push.is_some(),
        public_key: state.web_push.as_ref().map(|c| c.public_key().to_owned()),
    })
}

/// My registered devices (phones and browsers that get my reminders).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceList {
    /// Oldest first; a resident has only a few.
    pub items: Vec<DeviceResponse>,
}

/// List my devices, so I can see where my reminders go and remove one I no longer use.
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    responses((status = 200, description = "My devices", body = DeviceList))
)]
#[get("/v1/me/devices")]
pub async fn list_devices(
    auth: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<DeviceList>> {
    let rows = db::run(&state.pool, move |conn| {
        Ok(notifications::list_devices(conn, &auth.id)?
            .into_iter()
            .map(|d| DeviceResponse::from_row(d, &auth.session))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(web::Json(DeviceList { items: rows }))
}

/// Stop pushes to one of my devices.
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Device id")),
    responses((status = 204, description = "Removed"))
)]
#[delete("/v1/me/devices/{id}")]
pub async fn delete_device(
    request: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let idem = Idempotency::of(&request, state.settings.idempotency_ttl)?;
    let id = path.into_inner().to_string();
    let outcome = db::run(&state.pool, move |conn| {
        usecases::remove_device::remove_device(conn, &auth, &id, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::remove_device::keep)
}

/// My reminder preferences (the defaults until I change them).
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    responses((status = 200, description = "Preferences", body = PreferencesBody))
)]
#[get("/v1/me/notification-preferences")]
pub async fn get_preferences(
    auth: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<PreferencesBody>> {
    let rules = state.rules.clone();
    let (enabled, p) = db::run(&state.pool, move |conn| {
        Ok(scheduler::policy_for(conn, &rules, &auth.id)?)
    })
    .await?;
    Ok(web::Json(PreferencesBody {
        enabled,
        quiet_hours: format!(
            "{}-{}",
            p.quiet_start.format("%H:%M"),
            p.quiet_end.format("%H:%M")
        ),
        daily_cap: i32::try_from(p.daily_cap).unwrap_or(1),
        weekly_cap: i32::try_from(p.weekly_cap).unwrap_or(3),
        timezone: p.tz.name().to_owned(),
    }))
}

/// Change my reminder preferences.
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    responses((status = 200, description = "Saved", body = PreferencesBody))
)]
#[put("/v1/me/notification-preferences")]
pub async fn put_preferences(
    request: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    body: crate::api::Json<PreferencesBody>,
) -> ApiResult<HttpResponse> {
    let idem = Idempotency::of(&request, state.settings.idempotency_ttl)?;
    let b = body.into_inner();
    let (start, end) = crate::domain::reminders::parse_quiet_hours(&b.quiet_hours)
        .map_err(|_| ApiError::invalid("quiet_hours", Msg::QuietHoursFormat))?;
    if !(1..=24).contains(&b.daily_cap) {
        return Err(ApiError::invalid(
            "daily_cap",
            Msg::Between { min: 1, max: 24 },
        ));
    }
    if !(1..=100).contains(&b.weekly_cap) {
        return Err(ApiError::invalid(
            "weekly_cap",
            Msg::Between { min: 1, max: 100 },
        ));
    }
    let tz: chrono_tz::Tz = b
        .timezone
        .parse()
        .map_err(|_| ApiError::invalid("timezone", Msg::TimeZone))?;
    let input = SetPreferences {
        enabled: b.enabled,
        quiet_start: start,
        quiet_end: end,
        daily_cap: b.daily_cap,
        weekly_cap: b.weekly_cap,
        tz,
    };
    let outcome = db::run(&state.pool, move |conn| {
        usecases::set_preferences::set_preferences(conn, &auth, input, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::set_preferences::keep)
}

/// A reminder as caseworkers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReminderResponse {
    /// Reminder id (also the push's collapse id).
    pub id: Uuid,
    /// What it is about.
    pub kind: ReminderKind,
    /// The step it is about.
    pub step_id: Option<Uuid>,
    /// Who receives it.
    pub recipient_id: Uuid,
    /// `pending` (not tried yet, or deferred by quiet hours or caps); `failed` (a device answered
    /// with a retryable error and is retried on its own at `next_attempt_at`; other devices may
    /// have it already, see `sent_at`); `sent` (done: every device accepted it, or was removed or
    /// given up after at least one accepted); `dead` (no device accepted it, and none is left
    /// to retry); `cancelled` (no longer wanted before any device had it).
    pub state: ReminderState,
    /// Crisis reminders ignore the caps.
    pub crisis: bool,
    /// When it was first due.
    pub due_at: DateTime<Utc>,
    /// When it will be (re)tried; later than `due_at` when deferred by quiet hours or caps.
    pub next_attempt_at: DateTime<Utc>,
    /// Attempts so far.
    pub attempts: i32,
    /// Last error code, if any.
    pub last_error: Option<String>,
    /// When it first reached a device (FCM accepted it); set while a retry to another device
    /// may still be pending.
    pub sent_at: Option<DateTime<Utc>>,
}

/// Paging of a plan's reminders.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReminderQuery {
    /// Reminders per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next` cursor of the page before.
    pub cursor: Option<String>,
}

crate::page_type!(
    /// A page of a plan's reminders, newest first.
    ReminderPage,
    ReminderResponse
);

/// Reminders of a plan, newest first (caseworkers of the team), a page at a time.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), ReminderQuery),
    responses(
        (status = 200, description = "A page of reminders", body = ReminderPage, headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/plans/{id}/reminders")]
pub async fn list_plan_reminders(
    req: actix_web::HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<ReminderQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let page = PageRequest::new("reminders", query.limit, query.cursor.as_deref())?;
    let rows = db::run(&state.pool, move |conn| {
        let plan = find_visible_plan(conn, &auth, &id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &plan.resident_id,
            crate::domain::kinds::AuditAction::Read,
            crate::domain::kinds::AuditObject::Reminders,
            Some(&plan.id),
        )?;
        let after = match &page.after {
            None => None,
            Some(r) => Some((
                notifications::find_created_at_in_plan(conn, &plan.id, r)?
                    .ok_or_else(|| page.stale_cursor())?,
                r.as_str(),
            )),
        };
        let rows = notifications::list_for_plan(conn, &plan.id, after, page.fetch())?;
        Ok(page.finish(rows, |r| &r.id))
    })
    .await?;
    let body = ReminderPage::from(rows.map(|r| ReminderResponse {
        id: parse_id(&r.id),
        kind: ReminderKind::parse(&r.kind).unwrap_or(ReminderKind::NewStep),
        step_id: r.step_id.as_deref().map(parse_id),
        recipient_id: parse_id(&r.user_id),
        state: crate::wire::types::parse_or(&r.state, ReminderState::Dead),
        crisis: r.crisis,
        due_at: db::utc(r.due_at),
        next_attempt_at: db::utc(r.next_attempt_at),
        attempts: r.attempts,
        last_error: r.last_error,
        sent_at: r.sent_at.map(db::utc),
    }));
    Ok(paging::reply(&req, &body, body.next.as_deref()))
}
