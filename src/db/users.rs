//! Users (residents and staff), teams and memberships.

use super::schema::{team_members, teams, users};
use super::{DbConn, new_id, now, on_backend};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A stored user row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub role: String,
    pub display_name: String,
    pub email: Option<String>,
    pub login_name: Option<String>,
    pub discipline: Option<String>,
    pub team_id: Option<String>,
    pub language: String,
    pub password_hash: Option<String>,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub erased_at: Option<NaiveDateTime>,
}

/// Values for a new user.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub role: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub login_name: Option<&'a str>,
    pub discipline: Option<&'a str>,
    pub team_id: Option<&'a str>,
    pub language: &'a str,
    pub password_hash: Option<&'a str>,
    pub failed_logins: i32,
    pub created_by: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A stored team.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teams)]
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub arm_policy: String,
    pub reminder_send_probability: Option<f64>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub contact_hours: Option<String>,
}

pub fn insert_user(conn: &mut DbConn, user: &NewUser<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(users::all_columns)
        .get_result(conn)
}

pub fn find_user(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserRow>> {
    on_backend!(conn, |c| users::table
        .find(id)
        .select(UserRow::as_select())
        .first(c)
        .optional())
}

/// A user's language preference alone (the hot read path needs nothing else of the row).
pub fn find_language(conn: &mut DbConn, id: &str) -> QueryResult<Option<String>> {
    users::table
        .find(id)
        .select(users::language)
        .first(conn)
        .optional()
}

pub fn find_user_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_user_by_login_name(conn: &mut DbConn, login: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::login_name.eq(login))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn login_name_taken(conn: &mut DbConn, login: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::login_name.eq(login)),
    ))
    .get_result(conn)
}

/// Records a failed sign-in atomically and returns the new count.
pub fn increment_failed_logins(conn: &mut DbConn, id: &str) -> QueryResult<i32> {
    diesel::update(users::table.find(id))
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .returning(users::failed_logins)
        .get_result(conn)
}

pub fn update_locked_until(
    conn: &mut DbConn,
    id: &str,
    until: Option<NaiveDateTime>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::locked_until.eq(until))
        .execute(conn)
        .map(|_| ())
}

/// Clears failures and lock (successful sign-in, unlock by staff, new activation code).
pub fn clear_lock(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn update_last_login(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    let t = now();
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::last_login_at.eq(t),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn update_password_hash(conn: &mut DbConn, id: &str, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn update_disabled(conn: &mut DbConn, id: &str, disabled: bool) -> QueryResult<()> {
    let t = now();
    diesel::update(users::table.find(id))
        .set((
            users::disabled_at.eq(disabled.then_some(t)),
            users::updated_at.eq(t),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn update_language(conn: &mut DbConn, id: &str, language: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::language.eq(language), users::updated_at.eq(now())))
        .execute(conn)
        .map(|_| ())
}

pub fn update_display_name(conn: &mut DbConn, id: &str, name: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::display_name.eq(name), users::updated_at.eq(now())))
        .execute(conn)
        .map(|_| ())
}

/// Staff, optionally filtered by role, ordered by name.
pub fn list_staff(conn: &mut DbConn, role: Option<&str>) -> QueryResult<Vec<UserRow>> {
    list_staff_page(conn, role, None, i64::MAX)
}

/// Staff accounts by name then id, after the account `after` (its name and id), at most `limit`.
pub fn list_staff_page(
    conn: &mut DbConn,
    role: Option<&str>,
    after: Option<(&str, &str)>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut q = users::table
        .filter(users::role.ne("resident"))
        .select(UserRow::as_select())
        .order((users::display_name.asc(), users::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(role) = role {
        q = q.filter(users::role.eq(role.to_owned()));
    }
    if let Some((name, id)) = after {
        q = q.filter(
            users::display_name
                .gt(name.to_owned())
                .or(users::display_name
                    .eq(name.to_owned())
                    .and(users::id.gt(id.to_owned()))),
        );
    }
    q.load(conn)
}

/// Residents of any of `team_ids`, by name then id, after the resident `after` (name and id),
/// at most `limit`.
pub fn list_residents_of_teams(
    conn: &mut DbConn,
    team_ids: &[String],
    after: Option<(&str, &str)>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut q = users::table
        .filter(users::role.eq("resident"))
        .filter(users::erased_at.is_null())
        .filter(users::team_id.eq_any(team_ids.to_vec()))
        .select(UserRow::as_select())
        .order((users::display_name.asc(), users::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((name, id)) = after {
        q = q.filter(
            users::display_name
                .gt(name.to_owned())
                .or(users::display_name
                    .eq(name.to_owned())
                    .and(users::id.gt(id.to_owned()))),
        );
    }
    q.load(conn)
}

/// The active caseworkers and volunteers of a team (who a step can be handed to), by name.
pub fn list_team_members(conn: &mut DbConn, team_id: &str) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(
            users::id.eq_any(
                team_members::table
                    .filter(team_members::team_id.eq(team_id))
                    .select(team_members::user_id),
            ),
        )
        .filter(users::role.eq_any(["caseworker", "volunteer"]))
        .filter(users::disabled_at.is_null())
        .select(UserRow::as_select())
        .order((users::display_name.asc(), users::id.asc()))
        .load(conn)
}

pub fn insert_team(conn: &mut DbConn, name: &str) -> QueryResult<TeamRow> {
    diesel::insert_into(teams::table)
        .values((
            teams::id.eq(new_id()),
            teams::name.eq(name),
            teams::created_at.eq(now()),
            teams::arm_policy.eq("dosed"),
        ))
        .returning(teams::all_columns)
        .get_result(conn)
}

pub fn list_teams(conn: &mut DbConn) -> QueryResult<Vec<TeamRow>> {
    teams::table
        .select(TeamRow::as_select())
        .order(teams::name.asc())
        .load(conn)
}

pub fn find_teams(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<TeamRow>> {
    on_backend!(conn, |c| teams::table
        .filter(teams::id.eq_any(ids))
        .select(TeamRow::as_select())
        .order(teams::name.asc())
        .load(c))
}

/// Team ids a staff member belongs to.
pub fn find_team_ids_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<String>> {
    team_members::table
        .filter(team_members::user_id.eq(user_id))
        .select(team_members::team_id)
        .order(team_members::team_id.asc())
        .load(conn)
}

/// Replaces a staff member's memberships.
pub fn replace_memberships(
    conn: &mut DbConn,
    user_id: &str,
    team_ids: &[String],
) -> QueryResult<()> {
    diesel::delete(team_members::table.filter(team_members::user_id.eq(user_id))).execute(conn)?;
    for team_id in team_ids {
        diesel::insert_into(team_members::table)
            .values((
                team_members::team_id.eq(team_id),
                team_members::user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}
