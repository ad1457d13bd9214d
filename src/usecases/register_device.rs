//! A phone or browser is registered (or refreshed) for push reminders of the signed-in user.

use super::access::account_exists;
use super::{Outcome, Reply, Retry, write};
use crate::auth::AuthUser;
use crate::db::{DbConn, notifications};
use crate::error::ApiResult;
use crate::wire::devices::DeviceResponse;

/// What the app sends, already checked.
#[derive(Debug, Clone)]
pub struct RegisterDevice {
    /// The FCM registration token, or a Web Push subscription's endpoint.
    pub token: String,
    /// The platform as stored (`android`, `ios`, `web`, `web_push`).
    pub platform: &'static str,
    /// A Web Push subscription's keys (`p256dh`, `auth`), checked; none for other platforms.
    pub web_push_keys: Option<(String, String)>,
    /// The phone's locale.
    pub locale: Option<String>,
    /// The app version.
    pub app_version: Option<String>,
}

/// The reply kept for a retry: 200 with the device.
pub fn keep(device: &DeviceResponse) -> ApiResult<Reply> {
    Reply::ok(device)
}

/// Registers the device for the caller's session in one write transaction (with `retry`, at
/// most once per key): a token seen before is refreshed, one of another account moves to this
/// one, and the Web Push keys are stored (or cleared). A caller whose account is gone or
/// disabled is 401.
pub fn register_device(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: RegisterDevice,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<DeviceResponse>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        account_exists(conn, &actor.id)?;
        let d = notifications::upsert_device(
            conn,
            &actor.id,
            &actor.session,
            &input.token,
            input.platform,
            input.locale.as_deref(),
            input.app_version.as_deref(),
        )?;
        let keys = input
            .web_push_keys
            .as_ref()
            .map(|(p, a)| (p.as_str(), a.as_str()));
        let d = notifications::set_web_push_keys(conn, &d.id, keys)?;
        Ok(DeviceResponse::from_row(d, &actor.session))
    })
}
