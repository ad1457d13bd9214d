//! The signed-in user stops pushes to one of their devices.

use super::{Outcome, Reply, Retry, write};
use crate::auth::AuthUser;
use crate::db::{DbConn, notifications};
use crate::error::{ApiError, ApiResult};

/// The reply kept for a retry: 204.
pub fn keep(_: &()) -> ApiResult<Reply> {
    Ok(Reply::no_content())
}

/// Removes one of the caller's own devices in one write transaction (with `retry`, at most
/// once per key). Another user's device, or one that is gone, is 404.
pub fn remove_device(
    conn: &mut DbConn,
    actor: &AuthUser,
    device_id: &str,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<()>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        if notifications::delete_device(conn, &actor.id, device_id)? {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        }
    })
}
