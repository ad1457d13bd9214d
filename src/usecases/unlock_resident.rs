//! A caseworker clears a resident's sign-in lock.

use super::access::{find_visible_resident, record};
use crate::auth::AuthUser;
use crate::db::{self, DbConn, users};
use crate::domain::kinds::{AuditAction, AuditObject};
use crate::error::ApiResult;

/// Clears the lock of a resident of the caller's teams (else 404), audited, in one write
/// transaction.
pub fn unlock_resident(conn: &mut DbConn, actor: &AuthUser, resident_id: &str) -> ApiResult<()> {
    db::write_tx(conn, |conn| {
        let row = find_visible_resident(conn, actor, resident_id)?;
        record(
            conn,
            actor,
            &row.id,
            AuditAction::Update,
            AuditObject::Lock,
            Some(&row.id),
        )?;
        Ok(users::clear_lock(conn, &row.id)?)
    })
}
