//! The audit log: append-only, one row per staff read or change of a resident's data.

use super::schema::audit_log;
use super::{DbConn, new_id, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A stored audit entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub resident_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
    pub at: NaiveDateTime,
}

/// What happened, to whom, by whom.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor_id: Option<&'a str>,
    pub actor_role: &'a str,
    pub resident_id: Option<&'a str>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub detail: Option<&'a str>,
}

pub fn insert_audit(conn: &mut DbConn, e: &AuditEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(new_id()),
            audit_log::actor_id.eq(e.actor_id),
            audit_log::actor_role.eq(e.actor_role),
            audit_log::resident_id.eq(e.resident_id),
            audit_log::action.eq(e.action),
            audit_log::object_type.eq(e.object_type),
            audit_log::object_id.eq(e.object_id),
            audit_log::request_id.eq(e.request_id),
            audit_log::detail.eq(e.detail),
            audit_log::at.eq(now()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn list_audit(
    conn: &mut DbConn,
    resident_id: Option<&str>,
    actor_id: Option<&str>,
    after: Option<(NaiveDateTime, &str)>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(r) = resident_id {
        q = q.filter(audit_log::resident_id.eq(r.to_owned()));
    }
    if let Some(a) = actor_id {
        q = q.filter(audit_log::actor_id.eq(a.to_owned()));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            audit_log::at
                .lt(at)
                .or(audit_log::at.eq(at).and(audit_log::id.lt(id.to_owned()))),
        );
    }
    q.order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .load(conn)
}

/// When audit entry `id` was written (the sort key of a page cursor).
pub fn find_audit_time(conn: &mut DbConn, id: &str) -> QueryResult<Option<NaiveDateTime>> {
    audit_log::table
        .find(id)
        .select(audit_log::at)
        .first(conn)
        .optional()
}
