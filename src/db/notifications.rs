//! Devices, notification preferences and the reminder outbox.

use super::schema::{devices, notification_deliveries, notification_preferences, notifications};
use super::{DbConn, new_id, now, on_backend};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

/// A registered app installation.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = devices)]
pub struct DeviceRow {
    pub id: String,
    pub user_id: String,
    pub session_id: Option<String>,
    pub token: String,
    pub platform: String,
    pub locale: Option<String>,
    pub app_version: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    /// Web Push devices: the browser's P-256 public key (base64url), else `None`.
    pub web_p256dh: Option<String>,
    /// Web Push devices: the subscription's authentication secret (base64url), else `None`.
    pub web_auth: Option<String>,
}

/// Stored reminder preferences of a user.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = notification_preferences)]
pub struct PreferencesRow {
    pub user_id: String,
    pub enabled: bool,
    pub quiet_start: String,
    pub quiet_end: String,
    pub daily_cap: i32,
    pub weekly_cap: i32,
    pub timezone: String,
    pub updated_at: NaiveDateTime,
}

/// One reminder in the outbox.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: String,
    pub user_id: String,
    pub plan_id: Option<String>,
    pub step_id: Option<String>,
    pub kind: String,
    pub crisis: bool,
    pub dedupe_key: String,
    pub due_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub state: String,
    pub attempts: i32,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub mrt_probability: Option<f64>,
    pub mrt_send: Option<bool>,
}

/// What happened to one reminder on one device. A row exists once the device has been tried:
/// `sent` (FCM accepted it), `failed` (retried on its own at `next_attempt_at`) or `dead`
/// (given up). A device FCM reports as gone is deleted, and its rows with it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = notification_deliveries, treat_none_as_null = true)]
pub struct DeliveryRow {
    pub notification_id: String,
    pub device_id: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// The per-device outcomes recorded so far for a reminder.
pub fn list_deliveries(conn: &mut DbConn, notification_id: &str) -> QueryResult<Vec<DeliveryRow>> {
    notification_deliveries::table
        .filter(notification_deliveries::notification_id.eq(notification_id))
        .select(DeliveryRow::as_select())
        .load(conn)
}

/// Stores per-device outcomes (insert or replace). Rows whose device or reminder was deleted
/// meanwhile (logout, erasure) are skipped: there is nothing left to deliver to.
pub fn save_deliveries(conn: &mut DbConn, rows: &[DeliveryRow]) -> QueryResult<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let reminder_exists = notifications::table
        .find(&first.notification_id)
        .select(notifications::id)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if !reminder_exists {
        return Ok(());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.device_id.as_str()).collect();
    let existing: Vec<String> = devices::table
        .filter(devices::id.eq_any(&ids))
        .select(devices::id)
        .load(conn)?;
    for row in rows.iter().filter(|r| existing.contains(&r.device_id)) {
        // ON CONFLICT is not available through the MultiBackend: run it on the inner connection.
        on_backend!(conn, |c| diesel::insert_into(
            notification_deliveries::table
        )
        .values(row)
        .on_conflict((
            notification_deliveries::notification_id,
            notification_deliveries::device_id,
        ))
        .do_update()
        .set(row)
        .execute(c))?;
    }
    Ok(())
}

/// Logs a micro-randomised decision on a reminder.
pub fn record_mrt(conn: &mut DbConn, id: &str, probability: f64, send: bool) -> QueryResult<()> {
    diesel::update(notifications::table.find(id))
        .set((
            notifications::mrt_probability.eq(probability),
            notifications::mrt_send.eq(send),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Registers a token for a user; a token known under another user moves to this one.
/// Stores (or clears) the encryption keys of a Web Push subscription on a device row.
pub fn set_web_push_keys(
    conn: &mut DbConn,
    device_id: &str,
    keys: Option<(&str, &str)>,
) -> QueryResult<DeviceRow> {
    diesel::update(devices::table.find(device_id))
        .set((
            devices::web_p256dh.eq(keys.map(|k| k.0)),
            devices::web_auth.eq(keys.map(|k| k.1)),
        ))
        .returning(devices::all_columns)
        .get_result(conn)
}

pub fn upsert_device(
    conn: &mut DbConn,
    user_id: &str,
    session_id: &str,
    token: &str,
    platform: &str,
    locale: Option<&str>,
    app_version: Option<&str>,
) -> QueryResult<DeviceRow> {
    let t = now();
    let existing = devices::table
        .filter(devices::token.eq(token))
        .select(DeviceRow::as_select())
        .first(conn)
        .optional()?;
    match existing {
        Some(d) => diesel::update(devices::table.find(&d.id))
            .set((
                devices::user_id.eq(user_id),
                devices::session_id.eq(session_id),
                devices::platform.eq(platform),
                devices::locale.eq(locale),
                devices::app_version.eq(app_version),
                devices::last_seen_at.eq(t),
            ))
            .returning(devices::all_columns)
            .get_result(conn),
        None => diesel::insert_into(devices::table)
            .values((
                devices::id.eq(new_id()),
                devices::user_id.eq(user_id),
                devices::session_id.eq(session_id),
                devices::token.eq(token),
                devices::platform.eq(platform),
                devices::locale.eq(locale),
                devices::app_version.eq(app_version),
                devices::created_at.eq(t),
                devices::last_seen_at.eq(t),
            ))
            .returning(devices::all_columns)
            .get_result(conn),
    }
}

pub fn list_devices(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<DeviceRow>> {
    devices::table
        .filter(devices::user_id.eq(user_id))
        .select(DeviceRow::as_select())
        .order(devices::created_at.asc())
        .load(conn)
}

/// Removes one of the user's devices; false when it is not theirs or not there.
pub fn delete_device(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<bool> {
    let n = diesel::delete(devices::table.find(id).filter(devices::user_id.eq(user_id)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Removes a token FCM reported as gone.
pub fn delete_device_by_token(conn: &mut DbConn, token: &str) -> QueryResult<usize> {
    diesel::delete(devices::table.filter(devices::token.eq(token))).execute(conn)
}

pub fn delete_devices_of_session(conn: &mut DbConn, session_id: &str) -> QueryResult<usize> {
    diesel::delete(devices::table.filter(devices::session_id.eq(session_id))).execute(conn)
}

pub fn delete_devices_of_user(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    diesel::delete(devices::table.filter(devices::user_id.eq(user_id))).execute(conn)
}

pub fn find_preferences(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<PreferencesRow>> {
    notification_preferences::table
        .find(user_id)
        .select(PreferencesRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts or replaces a user's preferences in one statement. An update followed by an insert
/// when nothing was updated let two first saves race: both updated nothing, and the second
/// insert answered 409 (seen in the issue-7 benchmark, one in 36,000 saves).
pub fn save_preferences(conn: &mut DbConn, row: &PreferencesRow) -> QueryResult<()> {
    on_backend!(conn, |c| diesel::insert_into(
        notification_preferences::table
    )
    .values(row)
    .on_conflict(notification_preferences::user_id)
    .do_update()
    .set(row)
    .execute(c))?;
    Ok(())
}

/// A reminder to put in the outbox.
#[derive(Debug, Clone)]
pub struct NewReminder {
    pub user_id: String,
    pub plan_id: Option<String>,
    pub step_id: Option<String>,
    pub kind: &'static str,
    pub crisis: bool,
    pub dedupe_key: String,
    pub due_at: NaiveDateTime,
}

impl NewReminder {
    /// A reminder about a plan as a whole (no step, not a crisis) to `user_id`.
    pub fn about_plan(
        user_id: &str,
        plan_id: &str,
        kind: crate::domain::reminders::ReminderKind,
        dedupe_key: String,
        due_at: NaiveDateTime,
    ) -> Self {
        NewReminder {
            user_id: user_id.to_owned(),
            plan_id: Some(plan_id.to_owned()),
            step_id: None,
            kind: kind.as_str(),
            crisis: false,
            dedupe_key,
            due_at,
        }
    }
}

/// Adds a reminder unless one with the same dedupe key exists (so rules may run twice).
/// Returns whether it was added.
pub fn enqueue(conn: &mut DbConn, r: &NewReminder) -> QueryResult<bool> {
    let t = now();
    let values = (
        notifications::id.eq(new_id()),
        notifications::user_id.eq(&r.user_id),
        notifications::plan_id.eq(&r.plan_id),
        notifications::step_id.eq(&r.step_id),
        notifications::kind.eq(r.kind),
        notifications::crisis.eq(r.crisis),
        notifications::dedupe_key.eq(&r.dedupe_key),
        notifications::due_at.eq(r.due_at),
        notifications::next_attempt_at.eq(r.due_at),
        notifications::state.eq("pending"),
        notifications::attempts.eq(0),
        notifications::created_at.eq(t),
        notifications::updated_at.eq(t),
    );
    // ON CONFLICT is not available through the MultiBackend: run it on the inner connection.
    let n = on_backend!(conn, |c| diesel::insert_into(notifications::table)
        .values(values)
        .on_conflict(notifications::dedupe_key)
        .do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

const OPEN_STATES: [&str; 2] = ["pending", "failed"];

/// Closes the open reminders that match `$filter`: one that reached no device yet is
/// `cancelled`; one that already reached a device (a retry for another one was pending) is
/// `sent`, since the resident has had it. Returns how many were closed.
macro_rules! close_open {
    ($conn:expr, $filter:expr) => {{
        let t = now();
        on_backend!($conn, |c| {
            let cancelled = diesel::update(
                notifications::table
                    .filter($filter)
                    .filter(notifications::state.eq_any(OPEN_STATES))
                    .filter(notifications::sent_at.is_null()),
            )
            .set((
                notifications::state.eq("cancelled"),
                notifications::updated_at.eq(t),
            ))
            .execute(c)?;
            let reached = diesel::update(
                notifications::table
                    .filter($filter)
                    .filter(notifications::state.eq_any(OPEN_STATES))
                    .filter(notifications::sent_at.is_not_null()),
            )
            .set((
                notifications::state.eq("sent"),
                notifications::updated_at.eq(t),
            ))
            .execute(c)?;
            Ok(cancelled + reached)
        })
    }};
}

/// Cancels a step's reminders that have not gone out (the step was completed or dropped).
pub fn cancel_for_step(conn: &mut DbConn, step_id: &str) -> QueryResult<usize> {
    close_open!(conn, notifications::step_id.eq(step_id))
}

/// Cancels a step's reminders of some kinds (e.g. due-date reminders after the date changed).
pub fn cancel_for_step_kinds(
    conn: &mut DbConn,
    step_id: &str,
    kinds: &[&str],
) -> QueryResult<usize> {
    close_open!(
        conn,
        notifications::step_id
            .eq(step_id)
            .and(notifications::kind.eq_any(kinds))
    )
}

/// Cancels the open reminders whose dedupe key starts with `prefix` (letters, digits, `-`,
/// `_` and `:` only, so nothing in it acts as a LIKE pattern but `_`, which then matches
/// itself as well).
pub fn cancel_by_dedupe_prefix(conn: &mut DbConn, prefix: &str) -> QueryResult<usize> {
    let pattern = format!("{prefix}%");
    close_open!(conn, notifications::dedupe_key.like(pattern.clone()))
}

/// Cancels a plan's open reminders of some kinds.
pub fn cancel_for_plan_kinds(
    conn: &mut DbConn,
    plan_id: &str,
    kinds: &[&str],
) -> QueryResult<usize> {
    close_open!(
        conn,
        notifications::plan_id
            .eq(plan_id)
            .and(notifications::kind.eq_any(kinds))
    )
}

/// Claims up to `limit` due reminders for `owner` until `lease_until`. On PostgreSQL rows are
/// picked with `FOR UPDATE SKIP LOCKED`, so concurrent instances never claim the same row; on
/// SQLite the immediate transaction of the caller serialises claimers. Expired leases (a
/// crashed instance) are claimable again.
///
/// `owner` must be unique per claim (the dispatcher uses instance id + claim number): it is the
/// fencing token that [`renew_leases`], [`confirm_claim`] and [`record_outcome`] check, so an
/// owner whose lease ran out can neither extend, send under, nor overwrite a newer claim.
pub fn claim_due(
    conn: &mut DbConn,
    owner: &str,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    const PG: &str = "UPDATE notifications SET lease_owner = $1, lease_until = $2, updated_at = $3 \
        WHERE id IN (SELECT id FROM notifications WHERE state IN ('pending', 'failed') \
        AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until < $3) \
        ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *";
    const SQLITE: &str = "UPDATE notifications SET lease_owner = ?, lease_until = ?, updated_at = ? \
        WHERE id IN (SELECT id FROM notifications WHERE state IN ('pending', 'failed') \
        AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) \
        ORDER BY next_attempt_at LIMIT ?) RETURNING *";
    match conn {
        DbConn::Pg(c) => diesel::sql_query(PG)
            .bind::<Text, _>(owner)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(at)
            .bind::<BigInt, _>(limit)
            .load(c),
        DbConn::Sqlite(c) => diesel::sql_query(SQLITE)
            .bind::<Text, _>(owner)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(at)
            .bind::<Timestamp, _>(at)
            .bind::<Timestamp, _>(at)
            .bind::<BigInt, _>(limit)
            .load(c),
    }
}

/// Extends the leases of `ids` that `owner` still holds until `lease_until`; returns the ids
/// renewed (those missing were recorded already, or taken over after the lease ran out).
pub fn renew_leases(
    conn: &mut DbConn,
    ids: &[String],
    owner: &str,
    lease_until: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    diesel::update(
        notifications::table
            .filter(notifications::id.eq_any(ids))
            .filter(notifications::lease_owner.eq(owner)),
    )
    .set(notifications::lease_until.eq(lease_until))
    .returning(notifications::id)
    .get_results(conn)
}

/// Right before sending: true when `owner` still holds the reminder and it is still open
/// (not cancelled meanwhile), extending the lease to `lease_until` in the same statement.
pub fn confirm_claim(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        notifications::table
            .find(id)
            .filter(notifications::lease_owner.eq(owner))
            .filter(notifications::state.eq_any(OPEN_STATES)),
    )
    .set(notifications::lease_until.eq(lease_until))
    .execute(conn)?;
    Ok(n == 1)
}

/// The outcome of one dispatch round of a reminder (over all of the recipient's devices).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Done: every device accepted, was removed or was given up, and at least one accepted
    /// (at `sent_at`, the first acceptance).
    Sent { sent_at: NaiveDateTime },
    /// Some devices are retried at `at` (counts as an attempt); `sent_at` is set once one
    /// device accepted, so the caps already count the reminder.
    Retry {
        at: NaiveDateTime,
        error: String,
        sent_at: Option<NaiveDateTime>,
    },
    /// Give up: no device accepted and none is left to retry.
    Dead { error: String },
    /// Not allowed now (quiet hours, caps): move without counting an attempt.
    Defer { at: NaiveDateTime },
    /// No longer wanted (step done, reminders off, plan at risk) before any device had it.
    Cancel { reason: String },
}

/// Records an outcome, only while `owner` (the claim's fencing token) still holds the lease,
/// checked in the same statement: a taken-over claim is not overwritten by a slow former
/// owner. Returns whether it was recorded.
pub fn record_outcome(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    outcome: &Outcome,
) -> QueryResult<bool> {
    let t = now();
    let target = notifications::table
        .find(id)
        .filter(notifications::lease_owner.eq(owner));
    let none: Option<NaiveDateTime> = None;
    let no_owner: Option<String> = None;
    let n = match outcome {
        Outcome::Sent { sent_at } => diesel::update(target)
            .set((
                notifications::state.eq("sent"),
                notifications::sent_at.eq(sent_at),
                notifications::attempts.eq(notifications::attempts + 1),
                notifications::last_error.eq(None::<String>),
                notifications::lease_owner.eq(no_owner),
                notifications::lease_until.eq(none),
                notifications::updated_at.eq(t),
            ))
            .execute(conn)?,
        Outcome::Retry { at, error, sent_at } => diesel::update(target)
            .set((
                notifications::state.eq("failed"),
                notifications::sent_at.eq(sent_at),
                notifications::attempts.eq(notifications::attempts + 1),
                notifications::next_attempt_at.eq(*at),
                notifications::last_error.eq(error),
                notifications::lease_owner.eq(no_owner),
                notifications::lease_until.eq(none),
                notifications::updated_at.eq(t),
            ))
            .execute(conn)?,
        Outcome::Dead { error } => diesel::update(target)
            .set((
                notifications::state.eq("dead"),
                notifications::attempts.eq(notifications::attempts + 1),
                notifications::last_error.eq(error),
                notifications::lease_owner.eq(no_owner),
                notifications::lease_until.eq(none),
                notifications::updated_at.eq(t),
            ))
            .execute(conn)?,
        Outcome::Defer { at } => diesel::update(target)
            .set((
                notifications::next_attempt_at.eq(*at),
                notifications::lease_owner.eq(no_owner),
                notifications::lease_until.eq(none),
                notifications::updated_at.eq(t),
            ))
            .execute(conn)?,
        Outcome::Cancel { reason } => diesel::update(target)
            .set((
                notifications::state.eq("cancelled"),
                notifications::last_error.eq(reason),
                notifications::lease_owner.eq(no_owner),
                notifications::lease_until.eq(none),
                notifications::updated_at.eq(t),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// When the user's capped reminders went out in the last 8 days (for the caps), leaving out
/// `except` (the reminder being sent: a retry to its second phone is not a new reminder).
pub fn recent_capped_sends(
    conn: &mut DbConn,
    user_id: &str,
    since: NaiveDateTime,
    uncapped_kinds: &[&str],
    except: &str,
) -> QueryResult<Vec<NaiveDateTime>> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::id.ne(except))
        .filter(notifications::sent_at.ge(since))
        .filter(notifications::crisis.eq(false))
        .filter(notifications::kind.ne_all(uncapped_kinds))
        .select(notifications::sent_at.assume_not_null())
        .load(conn)
}

pub fn find_notification(conn: &mut DbConn, id: &str) -> QueryResult<Option<NotificationRow>> {
    notifications::table
        .find(id)
        .select(NotificationRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_for_plan(
    conn: &mut DbConn,
    plan_id: &str,
    after: Option<(NaiveDateTime, &str)>,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let mut q = notifications::table
        .filter(notifications::plan_id.eq(plan_id.to_owned()))
        .select(NotificationRow::as_select())
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((t, id)) = after {
        q = q.filter(
            notifications::created_at.lt(t).or(notifications::created_at
                .eq(t)
                .and(notifications::id.lt(id.to_owned()))),
        );
    }
    q.load(conn)
}

/// When reminder `id` of plan `plan_id` was written (the sort key of a page cursor).
pub fn find_created_at_in_plan(
    conn: &mut DbConn,
    plan_id: &str,
    id: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    notifications::table
        .filter(notifications::plan_id.eq(plan_id))
        .filter(notifications::id.eq(id))
        .select(notifications::created_at)
        .first(conn)
        .optional()
}

pub fn list_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .select(NotificationRow::as_select())
        .order(notifications::created_at.asc())
        .load(conn)
}
