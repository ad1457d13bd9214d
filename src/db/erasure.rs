//! Erasure of a resident's personal data (AVG art. 17, and retention after a plan closes).
//!
//! The resident's row is replaced by a fresh pseudonymous one: every reference moves to the new
//! id, then the old row goes. What stays is a skeleton for research counts — step keys, states
//! and timestamps — with no name, login, secret, device, note or free text, and no trace of the
//! old id.

use super::schema::{
    activation_codes, appointments, audit_log, devices, idempotency_keys, notification_deliveries,
    notification_preferences, notifications, plan_events, plans, pulses, refresh_tokens, steps,
    users,
};
use super::{DbConn, new_id, now};
use diesel::prelude::*;

/// Status reasons that are codes, not free text.
const CODED_REASONS: [&str; 3] = ["n.v.t.", "not_selected", "crisis_reported"];

/// Erases one resident inside the caller's transaction; returns the pseudonymous id.
/// The title of a custom step after erasure, in Dutch and English.
pub const ERASED_TITLE: [&str; 2] = ["Eigen stap (tekst gewist)", "Custom step (text erased)"];

pub fn erase_resident(conn: &mut DbConn, resident_id: &str) -> QueryResult<String> {
    let old: super::users::UserRow = users::table
        .find(resident_id)
        .select(super::users::UserRow::as_select())
        .first(conn)?;
    let pseudonym = new_id();
    let t = now();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&pseudonym),
            users::role.eq("resident"),
            users::display_name.eq(""),
            users::team_id.eq(&old.team_id),
            users::language.eq(&old.language),
            users::failed_logins.eq(0),
            users::disabled_at.eq(t),
            users::erased_at.eq(t),
            // The registration week stays useful for research; the exact instant does not.
            users::created_at.eq(old
                .created_at
                .date()
                .and_hms_opt(0, 0, 0)
                .unwrap_or(old.created_at)),
            users::updated_at.eq(t),
        ))
        .execute(conn)?;
    let plan_ids: Vec<String> = plans::table
        .filter(plans::resident_id.eq(resident_id))
        .select(plans::id)
        .load(conn)?;
    diesel::update(plans::table.filter(plans::resident_id.eq(resident_id)))
        .set(plans::resident_id.eq(&pseudonym))
        .execute(conn)?;
    diesel::update(plan_events::table.filter(plan_events::actor_id.eq(resident_id)))
        .set(plan_events::actor_id.eq(&pseudonym))
        .execute(conn)?;
    diesel::update(steps::table.filter(steps::completed_by.eq(resident_id)))
        .set(steps::completed_by.eq(&pseudonym))
        .execute(conn)?;
    // Free text on the resident's steps: notes, snooze notes, reasons written by hand, and the
    // texts of custom steps (a caseworker may have written personal details in them).
    diesel::update(steps::table.filter(steps::plan_id.eq_any(&plan_ids)))
        .set((
            steps::completion_note.eq(None::<String>),
            steps::snooze_note.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(
        steps::table
            .filter(steps::plan_id.eq_any(&plan_ids))
            .filter(steps::status_reason.ne_all(CODED_REASONS)),
    )
    .set(steps::status_reason.eq(None::<String>))
    .execute(conn)?;
    diesel::update(
        steps::table
            .filter(steps::plan_id.eq_any(&plan_ids))
            .filter(steps::item_key.is_null()),
    )
    .set((
        // A title stays (the plan still shows the step) but says only that it was erased.
        steps::title_nl.eq(ERASED_TITLE[0]),
        steps::title_en.eq(ERASED_TITLE[1]),
        steps::why_nl.eq(""),
        steps::why_en.eq(""),
        steps::description_nl.eq(""),
        steps::description_en.eq(""),
    ))
    .execute(conn)?;
    // Appointments stay as research counts (kind, times, outcome) without their free text.
    diesel::update(appointments::table.filter(appointments::plan_id.eq_any(&plan_ids)))
        .set((
            appointments::resident_id.eq(&pseudonym),
            appointments::place.eq(None::<String>),
            appointments::bring.eq(None::<String>),
            appointments::status_reason.eq(None::<String>),
            appointments::move_request_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    // Documents go entirely; their blobs are deleted from the store after the commit.
    super::documents::delete_documents_of_plans(conn, &plan_ids)?;
    super::uploads::delete_uploads_of_plans(conn, &plan_ids)?;
    diesel::update(pulses::table.filter(pulses::user_id.eq(resident_id)))
        .set(pulses::user_id.eq(&pseudonym))
        .execute(conn)?;
    // Per-device deliveries name devices (one may have moved to another account): all gone.
    diesel::delete(
        notification_deliveries::table.filter(
            notification_deliveries::notification_id.eq_any(
                notifications::table
                    .filter(notifications::user_id.eq(resident_id))
                    .select(notifications::id),
            ),
        ),
    )
    .execute(conn)?;
    // Reminders that reached a phone are research counts (closed as sent: no device is left
    // to retry); everything not sent is simply gone.
    diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(resident_id))
            .filter(notifications::sent_at.is_not_null()),
    )
    .set((
        notifications::user_id.eq(&pseudonym),
        notifications::state.eq("sent"),
        notifications::last_error.eq(None::<String>),
        notifications::lease_owner.eq(None::<String>),
        notifications::lease_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(conn)?;
    diesel::delete(notifications::table.filter(notifications::user_id.eq(resident_id)))
        .execute(conn)?;
    diesel::delete(devices::table.filter(devices::user_id.eq(resident_id))).execute(conn)?;
    diesel::delete(
        notification_preferences::table.filter(notification_preferences::user_id.eq(resident_id)),
    )
    .execute(conn)?;
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::user_id.eq(resident_id)))
        .execute(conn)?;
    diesel::delete(activation_codes::table.filter(activation_codes::user_id.eq(resident_id)))
        .execute(conn)?;
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::user_id.eq(resident_id)))
        .execute(conn)?;
    diesel::update(audit_log::table.filter(audit_log::resident_id.eq(resident_id)))
        .set(audit_log::resident_id.eq(&pseudonym))
        .execute(conn)?;
    diesel::update(audit_log::table.filter(audit_log::object_id.eq(resident_id)))
        .set(audit_log::object_id.eq(&pseudonym))
        .execute(conn)?;
    diesel::delete(users::table.find(resident_id)).execute(conn)?;
    Ok(pseudonym)
}

/// Residents whose every plan ended before `cutoff` and who are not erased yet (retention).
pub fn find_expired_residents(
    conn: &mut DbConn,
    cutoff: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    if conn.is_postgres() {
        // Connections use generic plans (see `db::ConnectionManager`), which cannot see the
        // cutoff and pick a hash anti-join over every plan; this rare query is planned for
        // its values instead (an index walk that stops at the limit).
        return conn.transaction(|conn| {
            diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan").execute(conn)?;
            expired_residents_query(conn, cutoff, limit)
        });
    }
    expired_residents_query(conn, cutoff, limit)
}

fn expired_residents_query(
    conn: &mut DbConn,
    cutoff: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    // A resident with a running or recently ended plan is left out in the query itself, so
    // such residents can never fill the batch and hold back those who are due.
    let newer = diesel::alias!(plans as newer);
    // Walks the `closed_at` index in order: a cached (generic) plan cannot see the cutoff and
    // would otherwise scan every plan (measured in issue 7). Duplicates (a resident with
    // several old plans) are dropped here.
    let rows: Vec<String> = plans::table
        .inner_join(users::table.on(users::id.eq(plans::resident_id)))
        .filter(plans::closed_at.lt(cutoff))
        .filter(users::erased_at.is_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(
            newer
                .filter(newer.field(plans::resident_id).eq(plans::resident_id))
                .filter(
                    newer
                        .field(plans::closed_at)
                        .is_null()
                        .or(newer.field(plans::closed_at).ge(cutoff)),
                ),
        )))
        .order(plans::closed_at.asc())
        .select(plans::resident_id)
        .limit(limit)
        .load(conn)?;
    let mut out: Vec<String> = Vec::new();
    for id in rows {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}
