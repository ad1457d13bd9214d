//! A resident's personal data is erased (on their request, AVG art. 17, or by the retention
//! rule's staff equivalent): an admin, or a caseworker of the resident's team, does it.

use crate::auth::{AuthUser, denial};
use crate::db::{self, DbConn, audit, erasure, users};
use crate::domain::kinds::Role;
use crate::domain::policy;
use crate::error::{ApiError, ApiResult};

/// What the admin or caseworker sends.
#[derive(Debug, Clone)]
pub struct EraseResident {
    /// The resident.
    pub resident_id: String,
    /// Why, already checked (kept in the audit log).
    pub reason: String,
}

/// Erases the resident in one write transaction: name, login, PIN, devices, notes, free text,
/// pending reminders and sessions go; a pseudonymous skeleton stays for research, and the audit
/// log records the erasure under the pseudonym. An unknown or already erased resident, or one
/// outside a caseworker's teams, is 404. Returns the pseudonym. Document blobs are queued for
/// deletion with the rows; the caller sweeps them after the commit.
pub fn erase_resident(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: EraseResident,
) -> ApiResult<String> {
    db::write_tx(conn, |conn| {
        let resident = users::find_user(conn, &input.resident_id)?
            .filter(|u| u.role == Role::Resident.as_str() && u.erased_at.is_none())
            .ok_or(ApiError::NotFound)?;
        if actor.role == Role::Caseworker {
            let teams = users::find_team_ids_of(conn, &actor.id)?;
            policy::caseworker_sees_resident(actor.role, &teams, resident.team_id.as_deref())
                .map_err(denial)?;
        }
        let pseudonym = erasure::erase_resident(conn, &resident.id)?;
        audit::insert_audit(
            conn,
            &audit::AuditEntry {
                actor_id: Some(&actor.id),
                actor_role: actor.role.as_str(),
                resident_id: Some(&pseudonym),
                action: "erase",
                object_type: "resident",
                object_id: Some(&pseudonym),
                request_id: actor.request_id.as_deref(),
                detail: Some(&input.reason),
            },
        )?;
        Ok(pseudonym)
    })
}
