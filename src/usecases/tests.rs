//! The use cases called directly, without HTTP, on an in-memory SQLite database.

use super::complete_my_step::{CompleteMyStep, complete_my_step};
use super::make_plan::{MakePlan, make_plan};
use super::{Outcome, Retry};
use crate::auth::AuthUser;
use crate::config::{DatabaseUrl, Settings};
use crate::db::{self, DbConn, plans, users};
use crate::domain::kinds::{Language, Role, StepStatus};
use crate::error::ApiError;
use crate::scheduler::ReminderRules;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

/// A fresh database with the default template, a team, its caseworker and a resident.
struct World {
    conn: DbConn,
    rules: ReminderRules,
    team_id: String,
    caseworker: AuthUser,
    resident: AuthUser,
}

fn actor(id: &str, role: Role) -> AuthUser {
    AuthUser {
        id: id.to_owned(),
        role,
        session: "test-session".to_owned(),
        request_id: None,
    }
}

fn insert_user(conn: &mut DbConn, role: Role, name: &str, team_id: Option<&str>) -> String {
    let now = db::now();
    let id = db::new_id();
    users::insert_user(
        conn,
        &users::NewUser {
            id: &id,
            role: role.as_str(),
            display_name: name,
            email: None,
            login_name: None,
            discipline: None,
            team_id,
            language: Language::Nl.as_str(),
            password_hash: None,
            failed_logins: 0,
            created_by: None,
            created_at: now,
            updated_at: now,
        },
    )
    .expect("insert user");
    id
}

fn world() -> World {
    let mut sqlite = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
    sqlite
        .batch_execute("PRAGMA foreign_keys = ON;")
        .expect("pragma");
    let mut conn = DbConn::Sqlite(sqlite);
    db::run_migrations(&mut conn).expect("migrations");
    crate::usecases::templates::ensure_default_template(&mut conn).expect("template");
    let team_id = users::insert_team(&mut conn, "Buurtteam Oost")
        .expect("team")
        .id;
    let caseworker_id = insert_user(&mut conn, Role::Caseworker, "Sanne de Vries", None);
    users::replace_memberships(&mut conn, &caseworker_id, std::slice::from_ref(&team_id))
        .expect("membership");
    let resident_id = insert_user(&mut conn, Role::Resident, "Fatima Bakker", Some(&team_id));
    let settings = Settings::for_database(DatabaseUrl::new(":memory:"));
    World {
        conn,
        rules: ReminderRules::from_settings(&settings),
        team_id,
        caseworker: actor(&caseworker_id, Role::Caseworker),
        resident: actor(&resident_id, Role::Resident),
    }
}

fn plan_request() -> MakePlan {
    MakePlan {
        resident_id: String::new(),
        dose: 1,
        request: serde_json::from_value(serde_json::json!({})).expect("empty plan request"),
    }
}

impl World {
    /// A volunteer in the world's team.
    fn team_volunteer(&mut self) -> String {
        let volunteer = insert_user(&mut self.conn, Role::Volunteer, "Joop", None);
        users::replace_memberships(
            &mut self.conn,
            &volunteer,
            std::slice::from_ref(&self.team_id),
        )
        .expect("membership");
        volunteer
    }

    /// Makes the resident's plan; returns its id.
    fn make_plan(&mut self) -> String {
        let input = MakePlan {
            resident_id: self.resident.id.clone(),
            ..plan_request()
        };
        match make_plan(&mut self.conn, &self.caseworker, input, &self.rules) {
            Ok(plan) => plan.id.to_string(),
            other => panic!("make_plan: {other:?}"),
        }
    }

    fn open_resident_steps(&mut self, plan_id: &str) -> Vec<String> {
        plans::list_open_resident_steps(&mut self.conn, plan_id)
            .expect("open steps")
            .into_iter()
            .map(|s| s.id)
            .collect()
    }

    fn status_of(&mut self, step_id: &str) -> String {
        plans::find_step(&mut self.conn, step_id)
            .expect("read step")
            .expect("step exists")
            .status
    }

    /// Rows in the tables a completion writes to, to prove a refusal or a replay wrote nothing.
    fn writes(&mut self) -> (i64, i64, i64) {
        use crate::db::schema::{idempotency_keys, notifications, plan_events};
        let DbConn::Sqlite(c) = &mut self.conn else {
            unreachable!("the test world is SQLite")
        };
        (
            plan_events::table
                .count()
                .get_result(c)
                .expect("count events"),
            notifications::table.count().get_result(c).expect("count"),
            idempotency_keys::table
                .count()
                .get_result(c)
                .expect("count"),
        )
    }

    fn complete(
        &mut self,
        step_id: &str,
        retry: Option<&Retry>,
    ) -> Result<Outcome<crate::wire::my_steps::CompleteStepResponse>, ApiError> {
        let input = CompleteMyStep {
            step_id: step_id.to_owned(),
            note: Some("Gebeld met de bank".to_owned()),
            done_on: None,
        };
        complete_my_step(&mut self.conn, &self.resident, input, &self.rules, retry)
    }
}

fn retry(key: &str, request: &str) -> Retry {
    Retry::new(key, request, chrono::Duration::hours(24))
}

fn conflict_code(result: Result<impl std::fmt::Debug, ApiError>) -> &'static str {
    match result {
        Err(ApiError::Conflict { code, .. }) => code,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn make_plan_writes_the_plan_and_issues_the_first_step() {
    let mut w = world();
    let plan_id = w.make_plan();
    let plan = plans::find_plan(&mut w.conn, &plan_id)
        .expect("read plan")
        .expect("plan stored");
    assert_eq!(plan.resident_id, w.resident.id);
    assert_eq!(plan.team_id, w.team_id);
    assert_eq!(plan.dose, 1);
    assert_eq!(
        w.open_resident_steps(&plan_id).len(),
        1,
        "dose 1 opens exactly one resident step"
    );
}

#[test]
fn make_plan_refuses_a_second_current_plan_and_writes_nothing() {
    let mut w = world();
    w.make_plan();
    let before = w.writes();
    let input = MakePlan {
        resident_id: w.resident.id.clone(),
        ..plan_request()
    };
    let again = make_plan(&mut w.conn, &w.caseworker, input, &w.rules);
    assert_eq!(conflict_code(again), "plan_exists");
    assert_eq!(w.writes(), before);
}

#[test]
fn make_plan_hides_a_resident_of_another_team() {
    let mut w = world();
    let other_team = users::insert_team(&mut w.conn, "Buurtteam West")
        .expect("team")
        .id;
    let stranger = insert_user(
        &mut w.conn,
        Role::Resident,
        "Piet Jansen",
        Some(&other_team),
    );
    let input = MakePlan {
        resident_id: stranger,
        ..plan_request()
    };
    let r = make_plan(&mut w.conn, &w.caseworker, input, &w.rules);
    assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
}

#[test]
fn completing_my_step_records_it_and_answers_the_next_one() {
    let mut w = world();
    let plan_id = w.make_plan();
    let open = w.open_resident_steps(&plan_id);
    let [step] = open.as_slice() else {
        panic!("one open step, got {open:?}")
    };
    let step = step.clone();
    let Outcome::Done(answer) = w.complete(&step, None).expect("completes") else {
        panic!("no retry key, so no replay")
    };
    assert_eq!(answer.completed.id.to_string(), step);
    assert_eq!(w.status_of(&step), StepStatus::Done.as_str());
    let now_open = w.open_resident_steps(&plan_id);
    assert_eq!(now_open.len(), 1, "the next step is issued");
    assert_ne!(now_open[0], step);
    let current: Vec<String> = answer.current.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(current, now_open, "the answer shows the steps open now");
    assert_eq!(
        answer
            .next
            .iter()
            .map(|s| s.id.to_string())
            .collect::<Vec<_>>(),
        now_open
    );
}

#[test]
fn a_replay_with_the_same_retry_key_answers_the_first_answer_and_writes_nothing() {
    let mut w = world();
    let plan_id = w.make_plan();
    let step = w.open_resident_steps(&plan_id)[0].clone();
    let key = retry("phone-retry-1", "complete step, no body");
    let first = match w.complete(&step, Some(&key)).expect("first run") {
        Outcome::Done(answer) => super::complete_my_step::keep(&answer).expect("kept"),
        other => panic!("the first run runs: {other:?}"),
    };
    assert!(!first.replayed);
    let after_first = w.writes();
    let next_open = w.open_resident_steps(&plan_id);

    let Outcome::Replayed(again) = w.complete(&step, Some(&key)).expect("replay") else {
        panic!("the second run with the key is a replay")
    };
    assert!(again.replayed);
    assert_eq!((again.status, &again.body), (200, &first.body));
    assert_eq!(w.writes(), after_first, "a replay writes nothing");
    assert_eq!(w.open_resident_steps(&plan_id), next_open);

    // The same key for another request is refused, and writes nothing either.
    let reused = w.complete(&next_open[0], Some(&retry("phone-retry-1", "another step")));
    assert_eq!(conflict_code(reused), "idempotency_key_reused");
    assert_eq!(w.writes(), after_first);
    assert_eq!(w.status_of(&next_open[0]), StepStatus::Open.as_str());
}

#[test]
fn a_step_that_is_not_open_is_refused_and_nothing_is_written() {
    let mut w = world();
    let plan_id = w.make_plan();
    let step = w.open_resident_steps(&plan_id)[0].clone();
    w.complete(&step, None).expect("completes once");
    let before = w.writes();
    // A new retry key: the refusal must not keep its claim either.
    let again = w.complete(&step, Some(&retry("second-try", "complete again")));
    assert_eq!(conflict_code(again), "step_not_open");
    assert_eq!(w.writes(), before, "the refusal rolled back");
    assert_eq!(w.status_of(&step), StepStatus::Done.as_str());
}

#[test]
fn another_residents_step_does_not_exist_for_me() {
    let mut w = world();
    let plan_id = w.make_plan();
    let step = w.open_resident_steps(&plan_id)[0].clone();
    let neighbour = insert_user(
        &mut w.conn,
        Role::Resident,
        "Kees",
        Some(&w.team_id.clone()),
    );
    let input = CompleteMyStep {
        step_id: step.clone(),
        ..CompleteMyStep::default()
    };
    let r = complete_my_step(
        &mut w.conn,
        &actor(&neighbour, Role::Resident),
        input,
        &w.rules,
        None,
    );
    assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
    assert_eq!(w.status_of(&step), StepStatus::Open.as_str());
}

mod sessions {
    //! Sign-in sessions without HTTP: the retry grace of a refresh, reuse detection, sign-out
    //! and the one-time activation code.
    use super::*;
    use crate::auth::secrets::hash_token;
    use crate::db::tokens;
    use crate::usecases::sessions::{self, SignedIn};
    use std::time::Duration;

    const TTL: Duration = Duration::from_secs(3600);

    fn grace(secs: i64) -> chrono::Duration {
        chrono::Duration::seconds(secs)
    }

    fn refresh(
        w: &mut World,
        token: &str,
        successor: &str,
        secs: i64,
    ) -> Result<SignedIn, ApiError> {
        sessions::refresh(
            &mut w.conn,
            &hash_token(token),
            successor.to_owned(),
            grace(secs),
        )
    }

    fn live_tokens(w: &mut World, family: &str) -> usize {
        use crate::db::schema::refresh_tokens::dsl;
        dsl::refresh_tokens
            .filter(dsl::family_id.eq(family))
            .filter(dsl::revoked_at.is_null())
            .count()
            .get_result::<i64>(&mut w.conn)
            .expect("count") as usize
    }

    #[test]
    fn a_refresh_retried_within_the_grace_window_gets_the_same_pair() {
        let mut w = world();
        let id = w.resident.id.clone();
        let (me, first) = sessions::sign_in(&mut w.conn, &id, TTL).expect("sign in");
        assert_eq!(me.id.to_string(), id);
        let (_, next) = refresh(&mut w, &first.token, "next-1", 30).expect("refresh");
        assert_eq!(next.token, "next-1");
        assert_eq!(next.family, first.family, "the same session goes on");
        // The answer was lost: the phone sends the same token again.
        let (_, again) = refresh(&mut w, &first.token, "next-1", 30).expect("retry");
        assert_eq!(again.token, next.token);
        assert_eq!(
            again.issued, next.issued,
            "the same pair, not a third token"
        );
        assert_eq!(
            live_tokens(&mut w, &first.family),
            2,
            "nothing written twice"
        );
        // The new token works once, as usual.
        refresh(&mut w, &next.token, "next-2", 30).expect("the next refresh");
    }

    #[test]
    fn a_used_token_presented_after_the_grace_window_ends_the_session() {
        let mut w = world();
        let id = w.resident.id.clone();
        let (_, first) = sessions::sign_in(&mut w.conn, &id, TTL).expect("sign in");
        let (_, next) = refresh(&mut w, &first.token, "next-1", 30).expect("refresh");
        // Outside the window (a grace of 0 s): this may be a stolen token.
        let stolen = refresh(&mut w, &first.token, "next-1", 0);
        assert_eq!(stolen.unwrap_err().code(), "unauthorized");
        assert_eq!(
            live_tokens(&mut w, &first.family),
            0,
            "the whole family is revoked"
        );
        let after = refresh(&mut w, &next.token, "next-2", 30);
        assert_eq!(
            after.unwrap_err().code(),
            "unauthorized",
            "the thief's pair is dead too"
        );
        // Also within the window, once the new token itself was used.
        let (_, s) = sessions::sign_in(&mut w.conn, &id, TTL).expect("sign in again");
        let (_, n) = refresh(&mut w, &s.token, "n-1", 30).expect("refresh");
        refresh(&mut w, &n.token, "n-2", 30).expect("the new token used");
        assert!(refresh(&mut w, &s.token, "n-1", 30).is_err());
        assert_eq!(live_tokens(&mut w, &s.family), 0);
    }

    #[test]
    fn signing_out_ends_only_that_session() {
        let mut w = world();
        let id = w.resident.id.clone();
        let (_, phone) = sessions::sign_in(&mut w.conn, &id, TTL).expect("phone");
        let (_, laptop) = sessions::sign_in(&mut w.conn, &id, TTL).expect("laptop");
        sessions::sign_out(&mut w.conn, &hash_token(&phone.token)).expect("sign out");
        assert!(refresh(&mut w, &phone.token, "p-1", 30).is_err());
        refresh(&mut w, &laptop.token, "l-1", 30).expect("the other session goes on");
        // An unknown token signs out nothing and is not an error.
        sessions::sign_out(&mut w.conn, &hash_token("unknown")).expect("unknown token");
    }

    #[test]
    fn an_activation_code_works_once_and_is_then_found_as_recently_used() {
        let mut w = world();
        let id = w.resident.id.clone();
        let hash = "code-hash";
        let expires = db::now() + chrono::Duration::days(7);
        tokens::replace_activation_code(&mut w.conn, &id, hash, expires, &w.caseworker.id)
            .expect("code");
        let window = chrono::Duration::minutes(15);
        let (code, used) = sessions::find_activation_code(&mut w.conn, hash, window)
            .expect("find")
            .expect("a usable code");
        assert!(!used);
        let signed_in = sessions::activate(&mut w.conn, &code, "phc-of-the-pin", TTL)
            .expect("activate")
            .expect("the first use");
        assert_eq!(signed_in.0.id.to_string(), id);
        let user = users::find_user(&mut w.conn, &id).unwrap().unwrap();
        assert_eq!(user.password_hash.as_deref(), Some("phc-of-the-pin"));
        // A second first use (a concurrent retry) does not activate twice.
        assert!(
            sessions::activate(&mut w.conn, &code, "other", TTL)
                .unwrap()
                .is_none()
        );
        let user = users::find_user(&mut w.conn, &id).unwrap().unwrap();
        assert_eq!(user.password_hash.as_deref(), Some("phc-of-the-pin"));
        // A retry finds the code as used within the window; without a window it is gone.
        let (_, used) = sessions::find_activation_code(&mut w.conn, hash, window)
            .unwrap()
            .expect("recently used");
        assert!(used);
        assert!(
            sessions::find_activation_code(&mut w.conn, hash, chrono::Duration::zero())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn five_wrong_pins_lock_the_account() {
        let mut w = world();
        let id = w.resident.id.clone();
        for _ in 0..4 {
            sessions::record_failed_sign_in(&mut w.conn, &id).expect("failure");
        }
        let user = users::find_user(&mut w.conn, &id).unwrap().unwrap();
        assert!(user.locked_until.is_none(), "four are forgiven");
        sessions::record_failed_sign_in(&mut w.conn, &id).expect("failure");
        let user = users::find_user(&mut w.conn, &id).unwrap().unwrap();
        assert!(user.locked_until.is_some_and(|t| t > db::now()));
    }
}

#[test]
fn verifying_needs_a_done_step_and_marks_it_verified() {
    let mut w = world();
    let plan_id = w.make_plan();
    let step = w.open_resident_steps(&plan_id)[0].clone();
    let early = super::verify_step::verify_step(&mut w.conn, &w.caseworker, &step);
    assert_eq!(conflict_code(early), "step_not_done");
    assert_eq!(w.status_of(&step), StepStatus::Open.as_str());

    w.complete(&step, None).expect("the resident completes it");
    let verified =
        super::verify_step::verify_step(&mut w.conn, &w.caseworker, &step).expect("verifies");
    assert_eq!(verified.step.status, StepStatus::Verified.as_str());
    assert_eq!(
        verified.step.verified_by.as_deref(),
        Some(w.caseworker.id.as_str())
    );
    assert_eq!(w.status_of(&step), StepStatus::Verified.as_str());
}

#[test]
fn handing_a_step_to_a_volunteer_checks_the_version_and_the_team() {
    use super::change_step::{ChangeStep, change_step};
    use crate::wire::entity_tag::{Condition, EntityTag};
    let mut w = world();
    let plan_id = w.make_plan();
    let step = w.open_resident_steps(&plan_id)[0].clone();
    let volunteer = w.team_volunteer();
    let version = plans::find_step(&mut w.conn, &step)
        .expect("read")
        .expect("step")
        .version;
    let hand_over = |if_match| ChangeStep {
        step_id: step.clone(),
        if_match,
        request: serde_json::from_value(serde_json::json!({
            "owner": {"type": "volunteer", "user_id": volunteer},
        }))
        .expect("request"),
        reason: None,
    };

    let stale = Condition::Tags(vec![EntityTag::of_version(version + 1)]);
    let r = change_step(&mut w.conn, &w.caseworker, hand_over(stale), &w.rules);
    assert!(matches!(r, Err(ApiError::PreconditionFailed)), "got {r:?}");

    let fresh = Condition::Tags(vec![EntityTag::of_version(version)]);
    let changed =
        change_step(&mut w.conn, &w.caseworker, hand_over(fresh), &w.rules).expect("handed over");
    assert_eq!(changed.step.owner_type, "volunteer");
    assert_eq!(
        changed.step.owner_user_id.as_deref(),
        Some(volunteer.as_str())
    );

    // A caseworker of another team does not see the step at all.
    let other_team = users::insert_team(&mut w.conn, "Buurtteam Zuid")
        .expect("team")
        .id;
    let outsider = insert_user(&mut w.conn, Role::Caseworker, "Ali", None);
    users::replace_memberships(&mut w.conn, &outsider, &[other_team]).expect("membership");
    let r = change_step(
        &mut w.conn,
        &actor(&outsider, Role::Caseworker),
        hand_over(Condition::Any),
        &w.rules,
    );
    assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
}

impl World {
    /// The first open resident step that is not a crisis step (crisis steps cannot wait),
    /// completing the crisis steps before it.
    fn ordinary_open_step(&mut self, plan_id: &str) -> String {
        for _ in 0..100 {
            let step = self.open_resident_steps(plan_id)[0].clone();
            let row = plans::find_step(&mut self.conn, &step)
                .expect("read")
                .expect("step");
            if row.priority != crate::domain::kinds::Priority::P0.as_str() {
                return step;
            }
            self.complete(&step, None).expect("complete a crisis step");
        }
        panic!("no ordinary step in the default plan")
    }
}

fn snooze(step_id: &str, days: i64) -> super::snooze_step::SnoozeStep {
    super::snooze_step::SnoozeStep {
        step_id: step_id.to_owned(),
        until: crate::clock::now().date_naive() + chrono::Duration::days(days),
        reason: "no_time_this_week".to_owned(),
        note: None,
    }
}

#[test]
fn snoozing_puts_the_step_aside_and_a_replay_does_not_snooze_again() {
    use super::snooze_step::snooze_step;
    let mut w = world();
    let plan_id = w.make_plan();
    let step = w.ordinary_open_step(&plan_id);
    let key = retry("niet-nu-1", "snooze");
    let Outcome::Done(view) = snooze_step(
        &mut w.conn,
        &w.resident,
        snooze(&step, 3),
        &w.rules,
        Some(&key),
    )
    .expect("snoozes") else {
        panic!("the first run runs")
    };
    let row = plans::find_step(&mut w.conn, &step)
        .expect("read")
        .expect("step");
    assert_eq!(row.status, StepStatus::Planned.as_str());
    assert_eq!(row.snoozed_until, Some(snooze(&step, 3).until));
    assert!(
        view.steps.iter().all(|s| s.id.to_string() != step),
        "the snoozed step is not among the current ones"
    );
    let after = w.writes();
    let again = snooze_step(
        &mut w.conn,
        &w.resident,
        snooze(&step, 3),
        &w.rules,
        Some(&key),
    )
    .expect("replay");
    assert!(
        matches!(again, Outcome::Replayed(ref r) if r.replayed),
        "got {again:?}"
    );
    assert_eq!(w.writes(), after);
}

#[test]
fn snoozing_refuses_a_date_out_of_range_and_writes_nothing() {
    use super::snooze_step::snooze_step;
    let mut w = world();
    let plan_id = w.make_plan();
    let step = w.ordinary_open_step(&plan_id);
    let before = w.writes();
    // 62, not 61: the resident's local day may be a day ahead of UTC's.
    for days in [0, 62] {
        let r = snooze_step(
            &mut w.conn,
            &w.resident,
            snooze(&step, days),
            &w.rules,
            None,
        );
        assert!(
            matches!(r, Err(ApiError::Validation { .. })),
            "{days} days: {r:?}"
        );
    }
    assert_eq!(w.writes(), before);
    assert_eq!(w.status_of(&step), StepStatus::Open.as_str());
}

#[test]
fn a_reported_crisis_opens_its_urgent_step_and_alerts_the_team() {
    use super::report_crisis::{report_my_crisis, report_plan_crisis};
    use crate::domain::kinds::CrisisKind;
    let mut w = world();
    let (_, _, before_keys) = w.writes();
    let none = report_my_crisis(
        &mut w.conn,
        &w.resident,
        CrisisKind::Eviction,
        &w.rules,
        None,
    );
    assert!(
        matches!(none, Err(ApiError::NotFound)),
        "no plan yet: {none:?}"
    );

    let plan_id = w.make_plan();
    let (_, reminders_before, _) = w.writes();
    let Outcome::Done(step) = report_my_crisis(
        &mut w.conn,
        &w.resident,
        CrisisKind::Eviction,
        &w.rules,
        None,
    )
    .expect("reported") else {
        panic!("no retry key, so no replay")
    };
    assert!(step.urgent);
    let row = plans::find_step(&mut w.conn, &step.id.to_string())
        .expect("read")
        .expect("step");
    assert_eq!(row.plan_id, plan_id);
    assert_eq!(row.priority, crate::domain::kinds::Priority::P0.as_str());
    assert_eq!(row.status, StepStatus::Open.as_str());
    let (_, reminders_after, keys) = w.writes();
    assert!(
        reminders_after > reminders_before,
        "the team's caseworker is alerted"
    );
    assert_eq!(keys, before_keys);

    let by_staff = report_plan_crisis(
        &mut w.conn,
        &w.caseworker,
        &plan_id,
        CrisisKind::Disconnection,
        &w.rules,
    )
    .expect("reported by the caseworker");
    assert_eq!(
        by_staff.step.priority,
        crate::domain::kinds::Priority::P0.as_str()
    );
}

#[test]
fn erasing_a_resident_leaves_a_pseudonym_and_only_their_team_may_do_it() {
    use super::erase_resident::{EraseResident, erase_resident};
    let mut w = world();
    w.make_plan();
    let erase = |id: &str| EraseResident {
        resident_id: id.to_owned(),
        reason: "verzoek van de inwoner (AVG art. 17)".to_owned(),
    };
    let other_team = users::insert_team(&mut w.conn, "Buurtteam Noord")
        .expect("team")
        .id;
    let outsider = insert_user(&mut w.conn, Role::Caseworker, "Ali", None);
    users::replace_memberships(&mut w.conn, &outsider, &[other_team]).expect("membership");
    let r = erase_resident(
        &mut w.conn,
        &actor(&outsider, Role::Caseworker),
        erase(&w.resident.id),
    );
    assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");

    let pseudonym =
        erase_resident(&mut w.conn, &w.caseworker, erase(&w.resident.id)).expect("erased");
    assert_ne!(pseudonym, w.resident.id);
    let again = erase_resident(&mut w.conn, &w.caseworker, erase(&w.resident.id));
    assert!(
        matches!(again, Err(ApiError::NotFound)),
        "erased once: {again:?}"
    );
}

#[test]
fn asking_for_help_flags_an_open_step_once() {
    use super::ask_for_help::ask_for_help;
    let mut w = world();
    let plan_id = w.make_plan();
    let step = w.open_resident_steps(&plan_id)[0].clone();
    let first = ask_for_help(&mut w.conn, &w.resident, &step, &w.rules, None).expect("asked");
    assert!(matches!(first, Outcome::Done(_)));
    let flagged = plans::find_step(&mut w.conn, &step)
        .expect("read")
        .expect("step");
    assert!(flagged.help_requested_at.is_some());
    let before = w.writes();
    ask_for_help(&mut w.conn, &w.resident, &step, &w.rules, None).expect("asked again");
    assert_eq!(w.writes().0, before.0, "asking again adds no event");

    w.complete(&step, None).expect("completes");
    let late = ask_for_help(&mut w.conn, &w.resident, &step, &w.rules, None);
    assert_eq!(conflict_code(late), "step_not_open");
}

#[test]
fn a_volunteer_completes_only_a_step_handed_to_them_and_the_replay_keeps_the_etag() {
    use super::change_step::{ChangeStep, change_step};
    use super::complete_step::{CompleteStep, complete_step, keep};
    use crate::wire::entity_tag::Condition;
    let mut w = world();
    let plan_id = w.make_plan();
    let step = w.open_resident_steps(&plan_id)[0].clone();
    let volunteer = w.team_volunteer();
    let volunteer = actor(&volunteer, Role::Volunteer);
    let input = CompleteStep {
        step_id: step.clone(),
        note: None,
    };
    let not_mine = complete_step(&mut w.conn, &volunteer, input.clone(), &w.rules, None);
    assert!(
        matches!(not_mine, Err(ApiError::NotFound)),
        "got {not_mine:?}"
    );

    let hand_over = ChangeStep {
        step_id: step.clone(),
        if_match: Condition::Any,
        request: serde_json::from_value(serde_json::json!({
            "owner": {"type": "volunteer", "user_id": volunteer.id},
        }))
        .expect("request"),
        reason: None,
    };
    change_step(&mut w.conn, &w.caseworker, hand_over, &w.rules).expect("handed over");
    let key = retry("volunteer-1", "complete");
    let Outcome::Done(done) =
        complete_step(&mut w.conn, &volunteer, input.clone(), &w.rules, Some(&key)).expect("done")
    else {
        panic!("the first run runs")
    };
    assert_eq!(done.step.status, StepStatus::Done.as_str());
    let first = keep(&done).expect("kept");
    assert!(first.etag.is_some());
    let Outcome::Replayed(again) =
        complete_step(&mut w.conn, &volunteer, input, &w.rules, Some(&key)).expect("replay")
    else {
        panic!("the second run is a replay")
    };
    assert_eq!((again.body, again.etag), (first.body, first.etag));
}

#[test]
fn reopening_needs_a_finished_step_and_puts_it_back_in_the_queue() {
    use super::reopen_step::reopen_step;
    let mut w = world();
    let plan_id = w.make_plan();
    let step = w.open_resident_steps(&plan_id)[0].clone();
    let early = reopen_step(
        &mut w.conn,
        &w.caseworker,
        &step,
        "te vroeg".into(),
        &w.rules,
    );
    assert_eq!(conflict_code(early), "step_not_finished");

    w.complete(&step, None).expect("completes");
    let reopened = reopen_step(
        &mut w.conn,
        &w.caseworker,
        &step,
        "brief kwijt".into(),
        &w.rules,
    )
    .expect("reopened");
    assert!(reopened.step.completed_at.is_none());
    assert_eq!(reopened.step.status_reason.as_deref(), Some("brief kwijt"));
    assert!(
        matches!(reopened.step.status.as_str(), "planned" | "open"),
        "back in the queue: {}",
        reopened.step.status
    );
}

/// The SQLite connection of the test world, for counting rows.
fn sqlite(conn: &mut DbConn) -> &mut SqliteConnection {
    let DbConn::Sqlite(c) = conn else {
        unreachable!("the test world is SQLite")
    };
    c
}

mod set_intention {
    use super::*;
    use crate::db::schema::notifications;
    use crate::domain::reminders::PartOfDay;
    use crate::usecases::set_intention::{SetIntention, clear_intention, set_intention};

    fn in_days(step_id: &str, days: i64) -> SetIntention {
        SetIntention {
            step_id: step_id.to_owned(),
            // Two days or more: the resident's local day may be a day ahead of UTC's.
            on: crate::clock::now().date_naive() + chrono::Duration::days(days),
            part_of_day: Some(PartOfDay::Evening),
            time: None,
        }
    }

    /// The states of the step's intention reminders.
    fn intention_reminders(w: &mut World, step_id: &str) -> Vec<String> {
        notifications::table
            .filter(notifications::step_id.eq(step_id))
            .filter(notifications::kind.eq("intention"))
            .select(notifications::state)
            .load(sqlite(&mut w.conn))
            .expect("reminders")
    }

    #[test]
    fn setting_an_intention_keeps_the_day_and_queues_its_reminder_once() {
        let mut w = world();
        let plan_id = w.make_plan();
        let step = w.open_resident_steps(&plan_id)[0].clone();
        let before = w.writes();
        let key = retry("wanneer-1", "intention in 3 days");
        let Outcome::Done(view) = set_intention(
            &mut w.conn,
            &w.resident,
            in_days(&step, 3),
            &w.rules,
            Some(&key),
        )
        .expect("set") else {
            panic!("the first run runs")
        };
        assert_eq!(view.id.to_string(), step);
        let row = plans::find_step(&mut w.conn, &step)
            .expect("read")
            .expect("step");
        assert_eq!(row.intention_on, Some(in_days(&step, 3).on));
        assert_eq!(row.intention_part.as_deref(), Some("evening"));
        assert_eq!(intention_reminders(&mut w, &step), vec!["pending"]);
        let after = w.writes();
        assert_eq!(after.0, before.0 + 1, "one intention_set event");
        assert_eq!(after.2, before.2 + 1, "the retry key is kept");

        let again = set_intention(
            &mut w.conn,
            &w.resident,
            in_days(&step, 3),
            &w.rules,
            Some(&key),
        )
        .expect("replay");
        assert!(matches!(again, Outcome::Replayed(_)), "got {again:?}");
        assert_eq!(w.writes(), after, "a replay writes nothing");

        // Saying it again moves the reminder: the first one is cancelled.
        set_intention(&mut w.conn, &w.resident, in_days(&step, 4), &w.rules, None).expect("moved");
        let mut states = intention_reminders(&mut w, &step);
        states.sort();
        assert_eq!(states, vec!["cancelled", "pending"]);
    }

    #[test]
    fn clearing_an_intention_cancels_its_reminder() {
        let mut w = world();
        let plan_id = w.make_plan();
        let step = w.open_resident_steps(&plan_id)[0].clone();
        set_intention(&mut w.conn, &w.resident, in_days(&step, 2), &w.rules, None).expect("set");
        let key = retry("vergeet-1", "clear");
        let Outcome::Done(view) =
            clear_intention(&mut w.conn, &w.resident, &step, Some(&key)).expect("cleared")
        else {
            panic!("the first run runs")
        };
        assert_eq!(view.id.to_string(), step);
        let row = plans::find_step(&mut w.conn, &step)
            .expect("read")
            .expect("step");
        assert_eq!(
            (row.intention_on, row.intention_part, row.intention_time),
            (None, None, None)
        );
        assert_eq!(intention_reminders(&mut w, &step), vec!["cancelled"]);
        let after = w.writes();
        let again = clear_intention(&mut w.conn, &w.resident, &step, Some(&key)).expect("replay");
        assert!(matches!(again, Outcome::Replayed(_)), "got {again:?}");
        assert_eq!(w.writes(), after);
    }

    #[test]
    fn another_residents_step_or_a_day_out_of_range_is_refused_and_writes_nothing() {
        let mut w = world();
        let plan_id = w.make_plan();
        let step = w.open_resident_steps(&plan_id)[0].clone();
        let neighbour = insert_user(
            &mut w.conn,
            Role::Resident,
            "Kees",
            Some(&w.team_id.clone()),
        );
        let neighbour = actor(&neighbour, Role::Resident);
        let before = w.writes();
        let r = set_intention(
            &mut w.conn,
            &neighbour,
            in_days(&step, 3),
            &w.rules,
            Some(&retry("k1", "x")),
        );
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        let r = clear_intention(&mut w.conn, &neighbour, &step, Some(&retry("k2", "y")));
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        for days in [-2, 62] {
            let r = set_intention(
                &mut w.conn,
                &w.resident,
                in_days(&step, days),
                &w.rules,
                Some(&retry("k3", "z")),
            );
            assert!(
                matches!(r, Err(ApiError::Validation { .. })),
                "{days} days: {r:?}"
            );
        }
        assert_eq!(w.writes(), before);
        let row = plans::find_step(&mut w.conn, &step)
            .expect("read")
            .expect("step");
        assert_eq!(row.intention_on, None);
    }

    #[test]
    fn a_step_that_is_not_open_takes_no_intention() {
        let mut w = world();
        let plan_id = w.make_plan();
        let step = w.open_resident_steps(&plan_id)[0].clone();
        w.complete(&step, None).expect("completes");
        let before = w.writes();
        let r = set_intention(&mut w.conn, &w.resident, in_days(&step, 3), &w.rules, None);
        assert_eq!(conflict_code(r), "step_not_open");
        assert_eq!(w.writes(), before);
    }
}

/// Pulse answers (mood and alliance) stored so far.
fn pulses(w: &mut World) -> i64 {
    use crate::db::schema::pulses;
    pulses::table
        .count()
        .get_result(sqlite(&mut w.conn))
        .expect("count pulses")
}

mod record_mood {
    use super::*;
    use crate::usecases::record_mood::{RecordMood, record_mood};

    fn mood(step_id: &str) -> RecordMood {
        RecordMood {
            step_id: step_id.to_owned(),
            score: 4,
        }
    }

    #[test]
    fn a_mood_after_a_done_step_is_kept_once_and_a_replay_writes_nothing() {
        let mut w = world();
        let plan_id = w.make_plan();
        let step = w.open_resident_steps(&plan_id)[0].clone();
        let early = record_mood(&mut w.conn, &w.resident, mood(&step), None);
        assert_eq!(conflict_code(early), "step_not_done");
        assert_eq!(pulses(&mut w), 0);

        w.complete(&step, None).expect("completes");
        let key = retry("mood-1", "mood 4");
        let first = record_mood(&mut w.conn, &w.resident, mood(&step), Some(&key)).expect("kept");
        assert!(matches!(first, Outcome::Done(())), "got {first:?}");
        assert_eq!(pulses(&mut w), 1);
        let after = w.writes();
        let Outcome::Replayed(again) =
            record_mood(&mut w.conn, &w.resident, mood(&step), Some(&key)).expect("replay")
        else {
            panic!("the second run is a replay")
        };
        assert_eq!((again.status, again.body), (204, None));
        assert_eq!(pulses(&mut w), 1);
        assert_eq!(w.writes(), after);

        let twice = record_mood(
            &mut w.conn,
            &w.resident,
            mood(&step),
            Some(&retry("mood-2", "mood again")),
        );
        assert_eq!(conflict_code(twice), "already_answered");
        assert_eq!(pulses(&mut w), 1);
        assert_eq!(w.writes(), after, "the refusal keeps no retry key");
    }

    #[test]
    fn another_residents_step_does_not_take_my_mood() {
        let mut w = world();
        let plan_id = w.make_plan();
        let step = w.open_resident_steps(&plan_id)[0].clone();
        w.complete(&step, None).expect("completes");
        let neighbour = insert_user(
            &mut w.conn,
            Role::Resident,
            "Kees",
            Some(&w.team_id.clone()),
        );
        let before = w.writes();
        let r = record_mood(
            &mut w.conn,
            &actor(&neighbour, Role::Resident),
            mood(&step),
            Some(&retry("k", "mood")),
        );
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(pulses(&mut w), 0);
        assert_eq!(w.writes(), before);
    }
}

mod record_alliance {
    use super::*;
    use crate::usecases::record_alliance::{RecordAlliance, record_alliance};

    #[test]
    fn the_alliance_answer_needs_a_plan_and_is_kept_once_a_month() {
        let mut w = world();
        let before = w.writes();
        let none = record_alliance(
            &mut w.conn,
            &w.resident,
            RecordAlliance { score: 5 },
            Some(&retry("a-0", "alliance")),
        );
        assert!(matches!(none, Err(ApiError::NotFound)), "got {none:?}");
        assert_eq!(w.writes(), before);

        let plan_id = w.make_plan();
        let key = retry("a-1", "alliance 5");
        let first = record_alliance(
            &mut w.conn,
            &w.resident,
            RecordAlliance { score: 5 },
            Some(&key),
        )
        .expect("kept");
        assert!(matches!(first, Outcome::Done(())), "got {first:?}");
        use crate::db::schema::pulses;
        let (plan, period): (String, String) = pulses::table
            .select((pulses::plan_id, pulses::period))
            .first(sqlite(&mut w.conn))
            .expect("the pulse");
        assert_eq!(plan, plan_id);
        assert_eq!(
            period,
            super::super::record_alliance::month_of(crate::clock::now().date_naive())
        );
        let after = w.writes();
        let again = record_alliance(
            &mut w.conn,
            &w.resident,
            RecordAlliance { score: 5 },
            Some(&key),
        )
        .expect("replay");
        assert!(matches!(again, Outcome::Replayed(_)), "got {again:?}");
        assert_eq!(pulses(&mut w), 1);
        assert_eq!(w.writes(), after);

        let twice = record_alliance(&mut w.conn, &w.resident, RecordAlliance { score: 2 }, None);
        assert_eq!(conflict_code(twice), "already_answered");
        assert_eq!(pulses(&mut w), 1);
    }

    #[test]
    fn a_resident_without_a_plan_answers_nothing_for_anothers_plan() {
        let mut w = world();
        w.make_plan();
        let neighbour = insert_user(
            &mut w.conn,
            Role::Resident,
            "Kees",
            Some(&w.team_id.clone()),
        );
        let r = record_alliance(
            &mut w.conn,
            &actor(&neighbour, Role::Resident),
            RecordAlliance { score: 3 },
            None,
        );
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(pulses(&mut w), 0);
    }
}

mod devices {
    use super::*;
    use crate::db::notifications;
    use crate::usecases::register_device::{RegisterDevice, keep, register_device};
    use crate::usecases::remove_device::remove_device;

    fn phone(token: &str) -> RegisterDevice {
        RegisterDevice {
            token: token.to_owned(),
            platform: "android",
            web_push_keys: None,
            locale: Some("nl-NL".to_owned()),
            app_version: Some("1.4.2".to_owned()),
        }
    }

    fn devices_of(conn: &mut DbConn, user_id: &str) -> Vec<notifications::DeviceRow> {
        notifications::list_devices(conn, user_id).expect("devices")
    }

    #[test]
    fn registering_stores_the_device_once_and_a_replay_answers_the_same() {
        let mut w = world();
        let key = retry("dev-1", "register");
        let Outcome::Done(device) =
            register_device(&mut w.conn, &w.resident, phone("tok-1"), Some(&key)).expect("done")
        else {
            panic!("the first run runs")
        };
        assert!(device.this_session);
        let first = keep(&device).expect("kept");
        let stored = devices_of(&mut w.conn, &w.resident.id);
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].token, "tok-1");
        assert_eq!(stored[0].session_id.as_deref(), Some("test-session"));
        let after = w.writes();
        let Outcome::Replayed(again) =
            register_device(&mut w.conn, &w.resident, phone("tok-1"), Some(&key)).expect("replay")
        else {
            panic!("the second run is a replay")
        };
        assert_eq!((again.status, again.body), (200, first.body));
        assert_eq!(w.writes(), after);
        assert_eq!(devices_of(&mut w.conn, &w.resident.id).len(), 1);

        // The same token from another account moves to that account.
        register_device(&mut w.conn, &w.caseworker, phone("tok-1"), None).expect("moved");
        assert!(devices_of(&mut w.conn, &w.resident.id).is_empty());
        assert_eq!(devices_of(&mut w.conn, &w.caseworker.id).len(), 1);
    }

    #[test]
    fn a_disabled_account_registers_nothing() {
        let mut w = world();
        users::update_disabled(&mut w.conn, &w.resident.id, true).expect("disable");
        let r = register_device(
            &mut w.conn,
            &w.resident,
            phone("tok-2"),
            Some(&retry("k", "r")),
        );
        assert!(matches!(r, Err(ApiError::Unauthorized(_))), "got {r:?}");
        assert!(devices_of(&mut w.conn, &w.resident.id).is_empty());
        assert_eq!(w.writes().2, 0, "no retry key kept");
    }

    #[test]
    fn only_the_owner_removes_a_device_and_a_replay_removes_nothing_twice() {
        let mut w = world();
        let Outcome::Done(device) =
            register_device(&mut w.conn, &w.resident, phone("tok-3"), None).expect("done")
        else {
            panic!("no retry key, so no replay")
        };
        let id = device.id.to_string();
        let before = w.writes();
        let r = remove_device(&mut w.conn, &w.caseworker, &id, Some(&retry("k", "del")));
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(devices_of(&mut w.conn, &w.resident.id).len(), 1);
        assert_eq!(w.writes(), before);

        let key = retry("del-1", "delete");
        let first = remove_device(&mut w.conn, &w.resident, &id, Some(&key)).expect("removed");
        assert!(matches!(first, Outcome::Done(())), "got {first:?}");
        assert!(devices_of(&mut w.conn, &w.resident.id).is_empty());
        let Outcome::Replayed(again) =
            remove_device(&mut w.conn, &w.resident, &id, Some(&key)).expect("replay")
        else {
            panic!("the second run is a replay")
        };
        assert_eq!(again.status, 204);
        let gone = remove_device(&mut w.conn, &w.resident, &id, None);
        assert!(matches!(gone, Err(ApiError::NotFound)), "got {gone:?}");
    }
}

mod set_preferences {
    use super::*;
    use crate::db::notifications;
    use crate::usecases::set_preferences::{SetPreferences, set_preferences};
    use chrono::NaiveTime;

    fn quiet_evenings() -> SetPreferences {
        SetPreferences {
            enabled: true,
            quiet_start: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
            quiet_end: NaiveTime::from_hms_opt(9, 30, 0).expect("time"),
            daily_cap: 2,
            weekly_cap: 5,
            tz: chrono_tz::Europe::Amsterdam,
        }
    }

    #[test]
    fn preferences_are_saved_and_a_replay_writes_nothing() {
        let mut w = world();
        let key = retry("prefs-1", "prefs");
        let Outcome::Done(saved) =
            set_preferences(&mut w.conn, &w.resident, quiet_evenings(), Some(&key)).expect("saved")
        else {
            panic!("the first run runs")
        };
        assert_eq!(saved.quiet_hours, "20:00-09:30");
        let row = notifications::find_preferences(&mut w.conn, &w.resident.id)
            .expect("read")
            .expect("stored");
        assert_eq!(
            (row.quiet_start.as_str(), row.daily_cap, row.weekly_cap),
            ("20:00", 2, 5)
        );
        assert_eq!(row.timezone, "Europe/Amsterdam");
        let after = w.writes();
        let changed = SetPreferences {
            daily_cap: 7,
            ..quiet_evenings()
        };
        // The same key: the stored answer, nothing written (the fingerprint is the caller's).
        let again = set_preferences(&mut w.conn, &w.resident, changed, Some(&key)).expect("replay");
        assert!(matches!(again, Outcome::Replayed(_)), "got {again:?}");
        assert_eq!(w.writes(), after);
        let row = notifications::find_preferences(&mut w.conn, &w.resident.id)
            .expect("read")
            .expect("stored");
        assert_eq!(row.daily_cap, 2);
    }

    #[test]
    fn a_disabled_account_saves_nothing() {
        let mut w = world();
        users::update_disabled(&mut w.conn, &w.resident.id, true).expect("disable");
        let r = set_preferences(
            &mut w.conn,
            &w.resident,
            quiet_evenings(),
            Some(&retry("k", "p")),
        );
        assert!(matches!(r, Err(ApiError::Unauthorized(_))), "got {r:?}");
        assert!(
            notifications::find_preferences(&mut w.conn, &w.resident.id)
                .expect("read")
                .is_none()
        );
        assert_eq!(w.writes().2, 0, "no retry key kept");
    }
}

mod update_me {
    use super::*;
    use crate::usecases::update_me::{UpdateMe, update_me};

    #[test]
    fn my_language_changes_and_nothing_else() {
        let mut w = world();
        let me = update_me(
            &mut w.conn,
            &w.resident,
            UpdateMe {
                language: Some(Language::En),
            },
        )
        .expect("changed");
        assert_eq!(me.language, Language::En);
        assert_eq!(me.id.to_string(), w.resident.id);
        assert_eq!(
            users::find_language(&mut w.conn, &w.resident.id).expect("read"),
            Some("en".to_owned())
        );
        let same = update_me(&mut w.conn, &w.resident, UpdateMe::default()).expect("unchanged");
        assert_eq!(same.language, Language::En);
        assert_eq!(
            users::find_language(&mut w.conn, &w.caseworker.id).expect("read"),
            Some("nl".to_owned()),
            "only the caller's own language"
        );
    }

    #[test]
    fn an_account_that_is_gone_is_signed_out() {
        let mut w = world();
        let ghost = actor(&db::new_id(), Role::Resident);
        let r = update_me(
            &mut w.conn,
            &ghost,
            UpdateMe {
                language: Some(Language::En),
            },
        );
        assert!(matches!(r, Err(ApiError::Unauthorized(_))), "got {r:?}");
    }
}

mod change_password {
    use super::*;
    use crate::db::schema::refresh_tokens;
    use crate::db::tokens;
    use crate::usecases::change_password::{
        ChangePassword, change_password, check_new_password, stored_account,
    };

    fn live_families(conn: &mut DbConn, user_id: &str) -> Vec<String> {
        let mut f: Vec<String> = refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null())
            .select(refresh_tokens::family_id)
            .load(sqlite(conn))
            .expect("families");
        f.sort();
        f
    }

    #[test]
    fn a_new_password_is_stored_and_only_my_other_sessions_end() {
        let mut w = world();
        let later = db::now() + chrono::Duration::days(30);
        for (user, family) in [
            (&w.resident.id, "test-session"),
            (&w.resident.id, "old-phone"),
            (&w.caseworker.id, "caseworker-laptop"),
        ] {
            tokens::insert_refresh_token(&mut w.conn, user, family, &db::new_id(), later)
                .expect("token");
        }
        assert!(
            stored_account(&mut w.conn, &w.resident)
                .expect("account")
                .password_hash
                .is_none()
        );
        change_password(
            &mut w.conn,
            &w.resident,
            ChangePassword {
                phc: "$argon2id$v=19$fake".to_owned(),
            },
        )
        .expect("changed");
        assert_eq!(
            stored_account(&mut w.conn, &w.resident)
                .expect("account")
                .password_hash
                .as_deref(),
            Some("$argon2id$v=19$fake")
        );
        assert_eq!(
            live_families(&mut w.conn, &w.resident.id),
            vec!["test-session"]
        );
        assert_eq!(
            live_families(&mut w.conn, &w.caseworker.id),
            vec!["caseworker-laptop"],
            "another user's sessions stay"
        );
    }

    #[test]
    fn the_new_password_must_be_strong_enough_for_the_role() {
        assert!(check_new_password(Role::Resident, "48151").is_ok());
        assert!(check_new_password(Role::Resident, "1234").is_err());
        assert!(check_new_password(Role::Caseworker, "48151").is_err());
        let r = check_new_password(Role::Caseworker, "kort");
        assert!(matches!(r, Err(ApiError::Validation { .. })), "got {r:?}");
    }

    #[test]
    fn an_account_that_is_gone_has_no_stored_password() {
        let mut w = world();
        let ghost = actor(&db::new_id(), Role::Resident);
        let r = stored_account(&mut w.conn, &ghost);
        assert!(matches!(r, Err(ApiError::Unauthorized(_))), "got {r:?}");
    }
}

/// Rows in a table, to prove a refusal or a replay wrote nothing there.
fn rows(conn: &mut DbConn, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let DbConn::Sqlite(c) = conn else {
        unreachable!("the test world is SQLite")
    };
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(c)
        .expect("count")
        .n
}

impl World {
    /// A caseworker of another team.
    fn outsider(&mut self) -> AuthUser {
        let other_team = users::insert_team(&mut self.conn, "Buurtteam Elders")
            .expect("team")
            .id;
        let outsider = insert_user(&mut self.conn, Role::Caseworker, "Ali", None);
        users::replace_memberships(&mut self.conn, &outsider, &[other_team]).expect("membership");
        actor(&outsider, Role::Caseworker)
    }

    /// Another resident of the world's team.
    fn neighbour(&mut self) -> AuthUser {
        let team = self.team_id.clone();
        let id = insert_user(&mut self.conn, Role::Resident, "Kees", Some(&team));
        actor(&id, Role::Resident)
    }

    /// Rows in the tables the staff writes below touch: events, reminders, retry keys, audit.
    fn all_writes(&mut self) -> (i64, i64, i64, i64) {
        let (events, reminders, keys) = self.writes();
        (events, reminders, keys, rows(&mut self.conn, "audit_log"))
    }
}

mod appointments {
    use super::*;
    use crate::db::appointments::{self as adb, AppointmentRow};
    use crate::domain::kinds::AppointmentKind;
    use crate::usecases::plan_appointment::{PlanAppointment, plan_appointment};

    fn in_days(days: i64) -> chrono::NaiveDateTime {
        use chrono::Timelike;
        let t = (crate::clock::now() + chrono::Duration::days(days)).naive_utc();
        t.with_nanosecond(0).expect("whole seconds")
    }

    fn planning(plan_id: &str) -> PlanAppointment {
        PlanAppointment {
            plan_id: plan_id.to_owned(),
            starts_at: in_days(3),
            duration_minutes: 45,
            kind: AppointmentKind::Office,
            place: Some("Kaatstraat 12".to_owned()),
            with_user_id: None,
            bring: None,
            step_ids: Vec::new(),
        }
    }

    /// A plan and an appointment on it, three days ahead.
    fn planned(w: &mut World) -> (String, AppointmentRow) {
        let plan_id = w.make_plan();
        let a = plan_appointment(&mut w.conn, &w.caseworker, planning(&plan_id), &w.rules)
            .expect("planned")
            .appointment;
        (plan_id, a)
    }

    fn stored(w: &mut World, id: &str) -> AppointmentRow {
        adb::find_appointment(&mut w.conn, id)
            .expect("read")
            .expect("appointment")
    }

    #[test]
    fn planning_stores_it_with_reminders_an_event_and_an_audit_row() {
        let mut w = world();
        let plan_id = w.make_plan();
        let step = w.open_resident_steps(&plan_id)[0].clone();
        let before = w.all_writes();
        let input = PlanAppointment {
            step_ids: vec![step.parse().expect("uuid"), step.parse().expect("uuid")],
            ..planning(&plan_id)
        };
        let planned =
            plan_appointment(&mut w.conn, &w.caseworker, input, &w.rules).expect("planned");
        let a = stored(&mut w, &planned.appointment.id);
        assert_eq!(a.plan_id, plan_id);
        assert_eq!(a.resident_id, w.resident.id);
        assert_eq!(a.status, "planned");
        assert_eq!(a.step_ids(), vec![step], "the step once");
        let after = w.all_writes();
        assert_eq!(after.0, before.0 + 1, "one event");
        assert!(after.1 > before.1, "the resident's reminders are planned");
        assert_eq!(after.3, before.3 + 1, "one audit row");
    }

    #[test]
    fn planning_on_another_teams_plan_is_404_and_a_stranger_as_partner_is_422() {
        let mut w = world();
        let plan_id = w.make_plan();
        let outsider = w.outsider();
        let before = (w.all_writes(), rows(&mut w.conn, "appointments"));
        let r = plan_appointment(&mut w.conn, &outsider, planning(&plan_id), &w.rules);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        let input = PlanAppointment {
            with_user_id: Some(outsider.id.parse().expect("uuid")),
            ..planning(&plan_id)
        };
        let r = plan_appointment(&mut w.conn, &w.caseworker, input, &w.rules);
        assert!(matches!(r, Err(ApiError::Validation { .. })), "got {r:?}");
        assert_eq!((w.all_writes(), rows(&mut w.conn, "appointments")), before);
    }

    #[test]
    fn moving_checks_the_version_clears_the_confirmation_and_hides_from_other_teams() {
        use crate::usecases::move_appointment::{MoveAppointment, move_appointment};
        use crate::wire::entity_tag::{Condition, EntityTag};
        let mut w = world();
        let (_, a) = planned(&mut w);
        crate::usecases::confirm_appointment::confirm_appointment(
            &mut w.conn,
            &w.resident,
            &a.id,
            &w.rules,
            None,
        )
        .expect("confirmed");
        let a = stored(&mut w, &a.id);
        let moving = |if_match| MoveAppointment {
            appointment_id: a.id.clone(),
            if_match,
            reason: "De hulpverlener is ziek".to_owned(),
            starts_at: Some(in_days(5)),
            duration_minutes: None,
            kind: None,
            place: Some(None),
            with_user_id: None,
            bring: None,
            step_ids: None,
        };
        let before = w.all_writes();
        let stale = Condition::Tags(vec![EntityTag::of_version(a.version - 1)]);
        let r = move_appointment(&mut w.conn, &w.caseworker, moving(stale), &w.rules);
        assert!(matches!(r, Err(ApiError::PreconditionFailed)), "got {r:?}");
        let outsider = w.outsider();
        let r = move_appointment(&mut w.conn, &outsider, moving(Condition::Any), &w.rules);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(w.all_writes(), before, "refusals roll back, audit included");
        assert_eq!(stored(&mut w, &a.id).version, a.version);

        let fresh = Condition::Tags(vec![EntityTag::of_version(a.version)]);
        let moved = move_appointment(&mut w.conn, &w.caseworker, moving(fresh), &w.rules)
            .expect("moved")
            .appointment;
        assert!(moved.starts_at > a.starts_at, "a new start");
        assert_eq!(moved.moved_count, 1);
        assert_eq!(moved.place, None);
        assert!(moved.confirmed_at.is_none(), "a move clears the \"ik kom\"");
        assert_eq!(
            moved.status_reason.as_deref(),
            Some("De hulpverlener is ziek")
        );
        assert_eq!(stored(&mut w, &a.id).version, a.version + 1);
    }

    #[test]
    fn cancelling_stops_it_once_and_only_for_its_team() {
        use crate::usecases::cancel_appointment::{CancelAppointment, cancel_appointment};
        let mut w = world();
        let (_, a) = planned(&mut w);
        let cancel = || CancelAppointment {
            appointment_id: a.id.clone(),
            if_match: None,
            reason: "Ziek".to_owned(),
        };
        let outsider = w.outsider();
        let before = w.all_writes();
        let r = cancel_appointment(&mut w.conn, &outsider, cancel(), &w.rules);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(w.all_writes(), before);
        assert_eq!(stored(&mut w, &a.id).status, "planned");

        let done = cancel_appointment(&mut w.conn, &w.caseworker, cancel(), &w.rules)
            .expect("cancelled")
            .appointment;
        assert_eq!(done.status, "cancelled");
        assert_eq!(w.all_writes().0, before.0 + 1, "one event");
        let again = cancel_appointment(&mut w.conn, &w.caseworker, cancel(), &w.rules);
        assert_eq!(conflict_code(again), "appointment_not_planned");
    }

    #[test]
    fn an_outcome_waits_for_the_start_and_attended_is_recorded() {
        use crate::domain::kinds::AppointmentOutcome;
        use crate::usecases::record_appointment_outcome::record_appointment_outcome;
        let mut w = world();
        let (_, a) = planned(&mut w);
        let early = record_appointment_outcome(
            &mut w.conn,
            &w.caseworker,
            &a.id,
            AppointmentOutcome::Attended,
            &w.rules,
        );
        assert_eq!(conflict_code(early), "appointment_not_started");

        let mut started = stored(&mut w, &a.id);
        started.starts_at = in_days(-1);
        adb::update_appointment(&mut w.conn, &started).expect("started yesterday");
        let outsider = w.outsider();
        let before = w.all_writes();
        let r = record_appointment_outcome(
            &mut w.conn,
            &outsider,
            &a.id,
            AppointmentOutcome::Attended,
            &w.rules,
        );
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(w.all_writes(), before);

        let recorded = record_appointment_outcome(
            &mut w.conn,
            &w.caseworker,
            &a.id,
            AppointmentOutcome::Attended,
            &w.rules,
        )
        .expect("recorded")
        .appointment;
        assert_eq!(recorded.status, "attended");
        assert!(recorded.outcome_at.is_some());
    }

    #[test]
    fn confirming_is_mine_only_and_a_replay_writes_nothing() {
        use crate::usecases::confirm_appointment::{confirm_appointment, keep};
        let mut w = world();
        let (_, a) = planned(&mut w);
        let neighbour = w.neighbour();
        let before = w.all_writes();
        let r = confirm_appointment(&mut w.conn, &neighbour, &a.id, &w.rules, None);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(w.all_writes(), before);

        let key = retry("ik-kom-1", "confirm");
        let Outcome::Done(view) =
            confirm_appointment(&mut w.conn, &w.resident, &a.id, &w.rules, Some(&key))
                .expect("confirmed")
        else {
            panic!("the first run runs")
        };
        assert!(view.confirmed);
        assert!(stored(&mut w, &a.id).confirmed_at.is_some());
        let first = keep(&view).expect("kept");
        let after = w.all_writes();
        assert_eq!(after.0, before.0 + 1, "one event");
        let Outcome::Replayed(again) =
            confirm_appointment(&mut w.conn, &w.resident, &a.id, &w.rules, Some(&key))
                .expect("replay")
        else {
            panic!("the second run is a replay")
        };
        assert!(again.replayed);
        assert_eq!(again.body, first.body);
        assert_eq!(w.all_writes(), after, "a replay writes nothing");
    }

    #[test]
    fn asking_to_move_is_mine_only_drops_the_confirmation_and_a_replay_writes_nothing() {
        use crate::usecases::ask_to_move_appointment::{
            AskToMoveAppointment, ask_to_move_appointment,
        };
        let mut w = world();
        let (_, a) = planned(&mut w);
        let asking = || AskToMoveAppointment {
            appointment_id: a.id.clone(),
            reason: "Ik moet die dag werken".to_owned(),
        };
        let neighbour = w.neighbour();
        let before = w.all_writes();
        let r = ask_to_move_appointment(&mut w.conn, &neighbour, asking(), &w.rules, None);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(w.all_writes(), before);

        let key = retry("verzetten-1", "move request");
        let first =
            ask_to_move_appointment(&mut w.conn, &w.resident, asking(), &w.rules, Some(&key))
                .expect("asked");
        assert!(matches!(first, Outcome::Done(ref v) if v.move_requested && !v.confirmed));
        let row = stored(&mut w, &a.id);
        assert_eq!(
            row.move_request_reason.as_deref(),
            Some("Ik moet die dag werken")
        );
        let after = w.all_writes();
        let again =
            ask_to_move_appointment(&mut w.conn, &w.resident, asking(), &w.rules, Some(&key))
                .expect("replay");
        assert!(
            matches!(again, Outcome::Replayed(ref r) if r.replayed),
            "got {again:?}"
        );
        assert_eq!(w.all_writes(), after);
        assert_eq!(
            stored(&mut w, &a.id).version,
            row.version,
            "not written again"
        );
    }
}

mod plans_changed {
    use super::*;
    use crate::domain::template::Localized;
    use crate::usecases::add_step::{AddStep, add_step};
    use crate::usecases::update_plan::{UpdatePlan, update_plan};

    fn dose(plan_id: &str, dose: i32) -> UpdatePlan {
        UpdatePlan {
            plan_id: plan_id.to_owned(),
            if_match: None,
            dose: Some(dose),
            status: None,
            outflow_reason: None,
        }
    }

    #[test]
    fn raising_the_dose_issues_steps_and_a_stale_version_or_another_team_changes_nothing() {
        use crate::wire::entity_tag::{Condition, EntityTag};
        let mut w = world();
        let plan_id = w.make_plan();
        assert_eq!(w.open_resident_steps(&plan_id).len(), 1);
        let outsider = w.outsider();
        let before = w.all_writes();
        let r = update_plan(&mut w.conn, &outsider, dose(&plan_id, 3), &w.rules);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        let stale = UpdatePlan {
            if_match: Some(Condition::Tags(vec![EntityTag::of_version(-5)])),
            ..dose(&plan_id, 3)
        };
        let r = update_plan(&mut w.conn, &w.caseworker, stale, &w.rules);
        assert!(matches!(r, Err(ApiError::PreconditionFailed)), "got {r:?}");
        assert_eq!(w.all_writes(), before);
        assert_eq!(w.open_resident_steps(&plan_id).len(), 1);

        let view =
            update_plan(&mut w.conn, &w.caseworker, dose(&plan_id, 3), &w.rules).expect("changed");
        assert_eq!(view.dose, 3);
        let stored = plans::find_plan(&mut w.conn, &plan_id)
            .expect("read")
            .expect("plan");
        assert_eq!(stored.dose, 3);
        assert!(
            w.open_resident_steps(&plan_id).len() > 1,
            "more steps are open"
        );
        let after = w.all_writes();
        assert!(
            after.0 > before.0 && after.3 == before.3 + 1,
            "event and audit row"
        );
    }

    fn text(t: &str) -> Localized {
        Localized {
            nl: t.to_owned(),
            en: t.to_owned(),
        }
    }

    fn new_step(plan_id: &str, category: &str) -> AddStep {
        AddStep {
            plan_id: plan_id.to_owned(),
            category: category.to_owned(),
            title: text("Bel de woningcorporatie"),
            why: text(""),
            description: text(""),
            minutes: 10,
            owner: None,
            priority: None,
            evidence: None,
            depends_on: Vec::new(),
            due_on: None,
        }
    }

    #[test]
    fn adding_a_step_puts_it_last_in_the_plan_and_only_for_its_team() {
        let mut w = world();
        let plan_id = w.make_plan();
        let steps = plans::list_steps(&mut w.conn, &plan_id).expect("steps");
        let category = steps[0].category.clone();
        let last = steps.iter().map(|s| s.position).max().expect("a step");
        let outsider = w.outsider();
        let before = (w.all_writes(), rows(&mut w.conn, "steps"));
        let r = add_step(
            &mut w.conn,
            &outsider,
            new_step(&plan_id, &category),
            &w.rules,
        );
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        let r = add_step(
            &mut w.conn,
            &w.caseworker,
            new_step(&plan_id, "nope"),
            &w.rules,
        );
        assert!(matches!(r, Err(ApiError::Validation { .. })), "got {r:?}");
        assert_eq!((w.all_writes(), rows(&mut w.conn, "steps")), before);

        add_step(
            &mut w.conn,
            &w.caseworker,
            new_step(&plan_id, &category),
            &w.rules,
        )
        .expect("added");
        let steps = plans::list_steps(&mut w.conn, &plan_id).expect("steps");
        assert_eq!(steps.len() as i64, before.1 + 1);
        let added = steps
            .iter()
            .find(|s| s.title_nl == "Bel de woningcorporatie")
            .expect("the new step");
        assert_eq!(added.position, last + 1);
        assert_eq!(added.owner_type, "resident");
        assert_eq!(w.all_writes().3, before.0.3 + 1, "one audit row");
    }
}

mod documents {
    use super::*;
    use crate::db::documents as docs_db;
    use crate::usecases::record_document::{RecordDocument, record_document};

    const ROOM: u64 = 100 * 1024 * 1024;

    /// A plan whose open step asks for a photo.
    fn photo_step(w: &mut World) -> (String, String) {
        let plan_id = w.make_plan();
        let step = w.open_resident_steps(&plan_id)[0].clone();
        let mut row = plans::find_step(&mut w.conn, &step)
            .expect("read")
            .expect("step");
        row.evidence = "photo".into();
        plans::update_step(&mut w.conn, &row).expect("asks for a photo");
        (plan_id, step)
    }

    fn upload(step_id: &str, key: Option<&str>) -> RecordDocument {
        let doc_id = db::new_id();
        RecordDocument {
            step_id: step_id.to_owned(),
            key: key.map(str::to_owned),
            fingerprint: format!("POST /v1/me/steps/{step_id}/documents"),
            ttl: chrono::Duration::hours(24),
            blob_key: format!("blobs/{doc_id}"),
            doc_id,
            media_type: "image/jpeg".into(),
            size: 1000,
            sha256: "ab".repeat(32),
            key_id: "k1".into(),
            wrapped_key: "wrapped".into(),
        }
    }

    /// A plan with a photo step and one pending document on it.
    fn uploaded(w: &mut World) -> (String, String, String) {
        let (plan_id, step) = photo_step(w);
        let input = upload(&step, None);
        let doc_id = input.doc_id.clone();
        record_document(&mut w.conn, &w.resident, input, ROOM, &w.rules).expect("recorded");
        (plan_id, step, doc_id)
    }

    fn state_of(w: &mut World, doc_id: &str) -> Option<String> {
        docs_db::find_document(&mut w.conn, doc_id)
            .expect("read")
            .map(|d| d.state)
    }

    #[test]
    fn recording_an_upload_stores_it_once_and_a_replay_writes_nothing() {
        let mut w = world();
        let (_, step) = photo_step(&mut w);
        let neighbour = w.neighbour();
        let before = (w.all_writes(), rows(&mut w.conn, "documents"));
        let r = record_document(&mut w.conn, &neighbour, upload(&step, None), ROOM, &w.rules);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!((w.all_writes(), rows(&mut w.conn, "documents")), before);

        let first = record_document(
            &mut w.conn,
            &w.resident,
            upload(&step, Some("foto-1")),
            ROOM,
            &w.rules,
        )
        .expect("recorded");
        assert_eq!(
            (first.status, first.replayed, first.fresh),
            (201, false, true)
        );
        assert_eq!(rows(&mut w.conn, "documents"), before.1 + 1);
        let after = (w.all_writes(), rows(&mut w.conn, "documents"));
        assert_eq!(after.0.0, before.0.0 + 1, "one event");

        let again = record_document(
            &mut w.conn,
            &w.resident,
            upload(&step, Some("foto-1")),
            ROOM,
            &w.rules,
        )
        .expect("replay");
        assert_eq!(
            (again.status, again.replayed, again.fresh),
            (201, true, false)
        );
        assert_eq!(again.body, first.body);
        assert_eq!((w.all_writes(), rows(&mut w.conn, "documents")), after);

        // The same content without a key: the first document is the answer.
        let same = record_document(
            &mut w.conn,
            &w.resident,
            upload(&step, None),
            ROOM,
            &w.rules,
        )
        .expect("duplicate");
        assert_eq!((same.status, same.fresh), (200, false));
        assert_eq!(rows(&mut w.conn, "documents"), after.1);
        let full = record_document(
            &mut w.conn,
            &w.resident,
            RecordDocument {
                sha256: "cd".repeat(32),
                ..upload(&step, None)
            },
            1500,
            &w.rules,
        );
        assert!(full.is_err(), "no room in the plan: {full:?}");
    }

    #[test]
    fn accepting_verifies_the_step_and_only_for_its_team() {
        use crate::usecases::accept_document::accept_document;
        let mut w = world();
        let (_, step, doc) = uploaded(&mut w);
        let outsider = w.outsider();
        let before = w.all_writes();
        let r = accept_document(&mut w.conn, &outsider, &doc, &w.rules);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(w.all_writes(), before);
        assert_eq!(state_of(&mut w, &doc).as_deref(), Some("pending"));

        let accepted = accept_document(&mut w.conn, &w.caseworker, &doc, &w.rules).expect("ok");
        assert_eq!(accepted.state, "accepted");
        assert_eq!(w.status_of(&step), StepStatus::Verified.as_str());
        assert_eq!(w.all_writes().3, before.3 + 1, "one audit row");
    }

    #[test]
    fn rejecting_reopens_the_step_tells_the_resident_and_only_for_its_team() {
        use crate::usecases::accept_document::accept_document;
        use crate::usecases::reject_document::{RejectDocument, reject_document};
        let mut w = world();
        let (_, step, doc) = uploaded(&mut w);
        accept_document(&mut w.conn, &w.caseworker, &doc, &w.rules).expect("accepted");
        let reject = || RejectDocument {
            document_id: doc.clone(),
            reason: "Onleesbaar".to_owned(),
        };
        let outsider = w.outsider();
        let before = w.all_writes();
        let r = reject_document(&mut w.conn, &outsider, reject(), &w.rules);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(w.all_writes(), before);

        let rejected = reject_document(&mut w.conn, &w.caseworker, reject(), &w.rules).expect("ok");
        assert_eq!(rejected.state, "rejected");
        assert_eq!(rejected.review_reason.as_deref(), Some("Onleesbaar"));
        assert_ne!(
            w.status_of(&step),
            StepStatus::Verified.as_str(),
            "reopened"
        );
        assert!(w.all_writes().1 > before.1, "the resident is told");
    }

    #[test]
    fn deleting_is_mine_only_and_only_before_the_review() {
        use crate::usecases::accept_document::accept_document;
        use crate::usecases::delete_document::delete_document;
        let mut w = world();
        let (_, step, doc) = uploaded(&mut w);
        let neighbour = w.neighbour();
        let before = (w.all_writes(), rows(&mut w.conn, "blob_deletions"));
        let r = delete_document(&mut w.conn, &neighbour, &doc);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(
            (w.all_writes(), rows(&mut w.conn, "blob_deletions")),
            before
        );

        delete_document(&mut w.conn, &w.resident, &doc).expect("deleted");
        assert_eq!(state_of(&mut w, &doc), None);
        assert_eq!(
            rows(&mut w.conn, "blob_deletions"),
            before.1 + 1,
            "blob queued"
        );

        let input = upload(&step, None);
        let second = input.doc_id.clone();
        record_document(&mut w.conn, &w.resident, input, ROOM, &w.rules).expect("again");
        accept_document(&mut w.conn, &w.caseworker, &second, &w.rules).expect("accepted");
        let late = delete_document(&mut w.conn, &w.resident, &second);
        assert_eq!(conflict_code(late), "document_reviewed");
        assert_eq!(state_of(&mut w, &second).as_deref(), Some("accepted"));
    }
}

mod start_upload {
    use super::*;
    use crate::usecases::start_upload::{StartUpload, start_upload};

    const ROOM: u64 = 100 * 1024 * 1024;

    fn starting(step_id: &str, key: Option<&str>, length: i64) -> StartUpload {
        StartUpload {
            step_id: step_id.to_owned(),
            length,
            key: key.map(str::to_owned),
            fingerprint: format!("POST /v1/me/steps/{step_id}/uploads {length}"),
            ttl: chrono::Duration::hours(24),
            upload_ttl: chrono::Duration::hours(24),
            upload_id: db::new_id(),
            key_id: "k1".into(),
            wrapped_key: "wrapped".into(),
        }
    }

    #[test]
    fn starting_an_upload_reserves_room_once_and_only_on_my_step() {
        let mut w = world();
        let plan_id = w.make_plan();
        let step = w.open_resident_steps(&plan_id)[0].clone();
        let before = (w.all_writes(), rows(&mut w.conn, "uploads"));
        let r = start_upload(&mut w.conn, &w.resident, starting(&step, None, 10), ROOM);
        assert_eq!(conflict_code(r), "step_takes_no_documents");
        let mut row = plans::find_step(&mut w.conn, &step)
            .expect("read")
            .expect("step");
        row.evidence = "document".into();
        plans::update_step(&mut w.conn, &row).expect("asks for a document");
        let neighbour = w.neighbour();
        let r = start_upload(&mut w.conn, &neighbour, starting(&step, None, 10), ROOM);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!((w.all_writes(), rows(&mut w.conn, "uploads")), before);

        let first = start_upload(
            &mut w.conn,
            &w.resident,
            starting(&step, Some("tus-1"), 600),
            ROOM,
        )
        .expect("started");
        assert_eq!((first.status, first.replayed), (201, false));
        assert_eq!(rows(&mut w.conn, "uploads"), before.1 + 1);
        let after = (w.all_writes(), rows(&mut w.conn, "uploads"));
        let again = start_upload(
            &mut w.conn,
            &w.resident,
            starting(&step, Some("tus-1"), 600),
            ROOM,
        )
        .expect("replay");
        assert_eq!((again.status, again.replayed), (201, true));
        assert_eq!(again.body, first.body, "the same upload");
        assert_eq!((w.all_writes(), rows(&mut w.conn, "uploads")), after);

        // The first upload's 600 bytes are reserved: 500 more do not fit in 1000.
        let full = start_upload(&mut w.conn, &w.resident, starting(&step, None, 500), 1000);
        assert!(full.is_err(), "no room: {full:?}");
        assert_eq!(rows(&mut w.conn, "uploads"), after.1);
    }

    #[test]
    fn pieces_are_kept_once_per_offset_and_only_my_upload_can_be_found_or_dropped() {
        use crate::db::uploads::UploadPartRow;
        use crate::usecases::upload_parts;
        let mut w = world();
        let plan_id = w.make_plan();
        let step = w.open_resident_steps(&plan_id)[0].clone();
        let mut row = plans::find_step(&mut w.conn, &step).unwrap().unwrap();
        row.evidence = "document".into();
        plans::update_step(&mut w.conn, &row).expect("asks for a document");
        let start = starting(&step, None, 600);
        let id = start.upload_id.clone();
        start_upload(&mut w.conn, &w.resident, start, ROOM).expect("started");

        let neighbour = w.neighbour();
        let r = upload_parts::find_my_upload(&mut w.conn, &neighbour, &id);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        let mine = upload_parts::find_my_upload(&mut w.conn, &w.resident, &id).expect("mine");
        assert_eq!(mine.upload_offset, 0);

        let part = |blob: &str| UploadPartRow {
            upload_id: id.clone(),
            start_offset: 0,
            size_bytes: 600,
            blob_key: blob.into(),
        };
        let expires = db::now() + chrono::Duration::hours(24);
        let (kept, now) = upload_parts::keep_part(&mut w.conn, &part("a"), expires).unwrap();
        assert!(kept);
        assert_eq!(now.expect("still there").upload_offset, 600);
        // A second request for the same offset came too late: not kept, nothing moves.
        let (kept, now) = upload_parts::keep_part(&mut w.conn, &part("b"), expires).unwrap();
        assert!(!kept);
        assert_eq!(now.expect("still there").upload_offset, 600);
        let parts = upload_parts::parts_of(&mut w.conn, &id).unwrap();
        assert_eq!(
            parts
                .iter()
                .map(|p| p.blob_key.as_str())
                .collect::<Vec<_>>(),
            ["a"]
        );

        upload_parts::drop_upload(&mut w.conn, &id).expect("dropped");
        assert_eq!(rows(&mut w.conn, "upload_parts"), 0);
        let r = upload_parts::find_my_upload(&mut w.conn, &w.resident, &id);
        assert!(matches!(r, Err(ApiError::NotFound)), "gone: {r:?}");
    }
}

mod create_user_and_template {
    use super::*;
    use crate::usecases::create_user::{CreateUser, create_user};
    use crate::usecases::templates::add_template;

    fn account(email: &str, team_ids: Vec<String>) -> CreateUser {
        CreateUser {
            email: email.into(),
            display_name: "Joop Jansen".into(),
            role: Role::Volunteer,
            discipline: None,
            language: Language::Nl,
            team_ids,
            password_hash: "phc".into(),
        }
    }

    #[test]
    fn a_staff_account_is_made_once_per_email_and_only_in_known_teams() {
        let mut w = world();
        let admin = actor(
            &insert_user(&mut w.conn, Role::Admin, "Beheer", None),
            Role::Admin,
        );
        let made = create_user(
            &mut w.conn,
            &admin,
            account("joop@x.example", vec![w.team_id.clone()]),
        )
        .expect("made");
        assert_eq!(made.email.as_deref(), Some("joop@x.example"));
        assert_eq!(made.team_ids.len(), 1);
        let users_before = rows(&mut w.conn, "users");
        let again = create_user(&mut w.conn, &admin, account("joop@x.example", vec![]));
        assert_eq!(conflict_code(again), "email_taken");
        let unknown = create_user(
            &mut w.conn,
            &admin,
            account("ali@x.example", vec![db::new_id()]),
        );
        assert!(
            matches!(unknown, Err(ApiError::Validation { .. })),
            "got {unknown:?}"
        );
        assert_eq!(rows(&mut w.conn, "users"), users_before, "nothing written");
    }

    #[test]
    fn a_template_version_is_stored_once() {
        let mut w = world();
        let admin = actor(
            &insert_user(&mut w.conn, Role::Admin, "Beheer", None),
            Role::Admin,
        );
        let mut t = crate::domain::template::default_template();
        t.version += 1;
        let content = serde_json::to_string(&t).unwrap();
        let before = rows(&mut w.conn, "templates");
        let row = add_template(&mut w.conn, &admin, &t, &content).expect("stored");
        assert_eq!(row.version, t.version);
        assert_eq!(
            conflict_code(add_template(&mut w.conn, &admin, &t, &content)),
            "template_version_exists"
        );
        assert_eq!(rows(&mut w.conn, "templates"), before + 1);
    }
}

mod residents {
    use super::*;
    use crate::db::schema::audit_log;
    use crate::db::tokens;
    use crate::usecases::create_resident::{CreateResident, create_resident};
    use crate::usecases::issue_activation_code::{CodeRules, issue_activation_code};
    use crate::usecases::unlock_resident::unlock_resident;
    use secrecy::SecretString;

    fn audit_rows(conn: &mut DbConn) -> i64 {
        audit_log::table
            .count()
            .get_result(sqlite(conn))
            .expect("count audit")
    }

    fn users_count(conn: &mut DbConn) -> i64 {
        crate::db::schema::users::table
            .count()
            .get_result(sqlite(conn))
            .expect("count users")
    }

    /// A caseworker of another team.
    fn outsider(w: &mut World) -> AuthUser {
        let other_team = users::insert_team(&mut w.conn, "Buurtteam West")
            .expect("team")
            .id;
        let id = insert_user(&mut w.conn, Role::Caseworker, "Ali", None);
        users::replace_memberships(&mut w.conn, &id, &[other_team]).expect("membership");
        actor(&id, Role::Caseworker)
    }

    fn codes(key: &SecretString) -> CodeRules<'_> {
        CodeRules {
            key,
            ttl: std::time::Duration::from_secs(3600),
        }
    }

    #[test]
    fn a_resident_is_created_in_my_team_with_a_working_code() {
        let mut w = world();
        let key = SecretString::from("test-code-key");
        let input = CreateResident {
            display_name: "Anouk".to_owned(),
            language: Language::En,
            team_id: w.team_id.clone(),
        };
        let audits = audit_rows(&mut w.conn);
        let created =
            create_resident(&mut w.conn, &w.caseworker, input, codes(&key)).expect("created");
        let id = created.resident.id.to_string();
        let row = users::find_user(&mut w.conn, &id)
            .expect("read")
            .expect("stored");
        assert_eq!(row.role, "resident");
        assert_eq!(row.team_id.as_deref(), Some(w.team_id.as_str()));
        assert_eq!(row.language, "en");
        assert_eq!(
            row.login_name.as_deref(),
            Some(created.activation.login_name.as_str())
        );
        assert!(created.activation.login_name.starts_with("anouk"));
        let hash = crate::auth::secrets::hash_code(&key, &created.activation.activation_code);
        let code = tokens::find_usable_activation_code(&mut w.conn, &hash)
            .expect("read")
            .expect("the code works");
        assert_eq!(code.user_id, id);
        assert_eq!(
            audit_rows(&mut w.conn),
            audits + 1,
            "the creation is audited"
        );
    }

    #[test]
    fn a_resident_in_another_team_is_refused_and_nothing_is_written() {
        let mut w = world();
        let key = SecretString::from("k");
        let stranger = outsider(&mut w);
        let before = (users_count(&mut w.conn), audit_rows(&mut w.conn));
        let input = CreateResident {
            display_name: "Anouk".to_owned(),
            language: Language::Nl,
            team_id: w.team_id.clone(),
        };
        let r = create_resident(&mut w.conn, &stranger, input, codes(&key));
        assert!(matches!(r, Err(ApiError::Validation { .. })), "got {r:?}");
        assert_eq!((users_count(&mut w.conn), audit_rows(&mut w.conn)), before);
    }

    #[test]
    fn a_new_code_replaces_the_old_one_and_ends_the_sessions() {
        let mut w = world();
        let key = SecretString::from("k");
        let later = db::now() + chrono::Duration::days(30);
        tokens::insert_refresh_token(&mut w.conn, &w.resident.id, "phone", "h", later)
            .expect("token");
        assert!(
            tokens::session_is_live(&mut w.conn, &w.resident.id, "resident", "phone")
                .expect("read")
        );
        let first = issue_activation_code(&mut w.conn, &w.caseworker, &w.resident.id, codes(&key))
            .expect("issued");
        let second = issue_activation_code(&mut w.conn, &w.caseworker, &w.resident.id, codes(&key))
            .expect("issued again");
        let usable = |w: &mut World, code: &str| {
            tokens::find_usable_activation_code(
                &mut w.conn,
                &crate::auth::secrets::hash_code(&key, code),
            )
            .expect("read")
            .is_some()
        };
        assert!(
            !usable(&mut w, &first.activation_code),
            "the old code is dead"
        );
        assert!(usable(&mut w, &second.activation_code));
        assert!(
            !tokens::session_is_live(&mut w.conn, &w.resident.id, "resident", "phone")
                .expect("read"),
            "the resident's sessions ended"
        );
    }

    #[test]
    fn another_teams_caseworker_neither_issues_a_code_nor_unlocks() {
        let mut w = world();
        let key = SecretString::from("k");
        let stranger = outsider(&mut w);
        let until = db::now() + chrono::Duration::hours(1);
        users::update_locked_until(&mut w.conn, &w.resident.id, Some(until)).expect("lock");
        let audits = audit_rows(&mut w.conn);
        let r = issue_activation_code(&mut w.conn, &stranger, &w.resident.id, codes(&key));
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        let r = unlock_resident(&mut w.conn, &stranger, &w.resident.id);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        assert_eq!(audit_rows(&mut w.conn), audits);
        let locked = |w: &mut World| {
            users::find_user(&mut w.conn, &w.resident.id.clone())
                .expect("read")
                .expect("resident")
                .locked_until
        };
        assert!(locked(&mut w).is_some(), "still locked");

        unlock_resident(&mut w.conn, &w.caseworker, &w.resident.id).expect("unlocked");
        assert!(locked(&mut w).is_none());
        assert_eq!(audit_rows(&mut w.conn), audits + 1, "the unlock is audited");
    }
}

mod teams {
    use super::*;
    use crate::domain::research::ArmPolicy;
    use crate::usecases::create_team::create_team;
    use crate::usecases::update_team::{UpdateTeam, update_team};

    fn admin(w: &mut World) -> AuthUser {
        let id = insert_user(&mut w.conn, Role::Admin, "Beheer", None);
        actor(&id, Role::Admin)
    }

    fn team_names(conn: &mut DbConn) -> Vec<String> {
        let mut names: Vec<String> = users::list_teams(conn)
            .expect("teams")
            .into_iter()
            .map(|t| t.name)
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_team_is_created_once_by_its_name() {
        let mut w = world();
        let admin = admin(&mut w);
        let team = create_team(&mut w.conn, &admin, "Buurtteam Zuid").expect("created");
        assert_eq!(team.name, "Buurtteam Zuid");
        assert_eq!(
            team_names(&mut w.conn),
            vec!["Buurtteam Oost", "Buurtteam Zuid"]
        );
        let again = create_team(&mut w.conn, &admin, "Buurtteam Zuid");
        assert_eq!(conflict_code(again), "already_exists");
        assert_eq!(team_names(&mut w.conn).len(), 2);
    }

    #[test]
    fn a_team_changes_what_is_sent_and_an_unknown_team_is_not_found() {
        let mut w = world();
        let admin = admin(&mut w);
        let input = UpdateTeam {
            team_id: w.team_id.clone(),
            name: Some("Buurtteam Oost-Noord".to_owned()),
            arm_policy: Some(ArmPolicy::FullList),
            contact_phone: Some(Some("030 123 4567".to_owned())),
            ..UpdateTeam::default()
        };
        let team = update_team(&mut w.conn, &admin, input).expect("changed");
        assert_eq!(team.name, "Buurtteam Oost-Noord");
        assert_eq!(team.arm_policy, ArmPolicy::FullList.as_str());
        assert_eq!(team.contact_phone.as_deref(), Some("030 123 4567"));
        assert_eq!(team.contact_email, None);

        let removed = update_team(
            &mut w.conn,
            &admin,
            UpdateTeam {
                team_id: w.team_id.clone(),
                contact_phone: Some(None),
                ..UpdateTeam::default()
            },
        )
        .expect("changed");
        assert_eq!(removed.contact_phone, None);
        assert_eq!(removed.name, "Buurtteam Oost-Noord", "the name stays");

        let unknown = update_team(
            &mut w.conn,
            &admin,
            UpdateTeam {
                team_id: db::new_id(),
                name: Some("Nergens".to_owned()),
                ..UpdateTeam::default()
            },
        );
        assert!(
            matches!(unknown, Err(ApiError::NotFound)),
            "got {unknown:?}"
        );
        assert_eq!(team_names(&mut w.conn), vec!["Buurtteam Oost-Noord"]);
    }
}

mod staff_accounts {
    use super::*;
    use crate::db::tokens;
    use crate::usecases::unlock_user::unlock_user;
    use crate::usecases::update_user::{UpdateUser, update_user};

    #[test]
    fn disabling_a_caseworker_ends_their_sessions_and_a_resident_is_not_staff() {
        let mut w = world();
        let admin = actor(
            &insert_user(&mut w.conn, Role::Admin, "Beheer", None),
            Role::Admin,
        );
        let later = db::now() + chrono::Duration::days(30);
        tokens::insert_refresh_token(&mut w.conn, &w.caseworker.id, "laptop", "h", later)
            .expect("token");
        let changed = update_user(
            &mut w.conn,
            &admin,
            UpdateUser {
                user_id: w.caseworker.id.clone(),
                display_name: Some("Sanne de Vries-Bakker".to_owned()),
                disabled: Some(true),
                ..UpdateUser::default()
            },
        )
        .expect("changed");
        assert_eq!(changed.display_name, "Sanne de Vries-Bakker");
        let row = users::find_user(&mut w.conn, &w.caseworker.id)
            .expect("read")
            .expect("user");
        assert!(row.disabled_at.is_some());
        assert!(
            !tokens::session_is_live(&mut w.conn, &w.caseworker.id, "caseworker", "laptop")
                .expect("read")
        );

        let resident = update_user(
            &mut w.conn,
            &admin,
            UpdateUser {
                user_id: w.resident.id.clone(),
                display_name: Some("Iemand anders".to_owned()),
                ..UpdateUser::default()
            },
        );
        assert!(
            matches!(resident, Err(ApiError::NotFound)),
            "got {resident:?}"
        );
        let row = users::find_user(&mut w.conn, &w.resident.id)
            .expect("read")
            .expect("user");
        assert_eq!(row.display_name, "Fatima Bakker", "nothing written");

        let unknown_team = update_user(
            &mut w.conn,
            &admin,
            UpdateUser {
                user_id: w.caseworker.id.clone(),
                display_name: Some("Sanne".to_owned()),
                team_ids: Some(vec![db::new_id()]),
                ..UpdateUser::default()
            },
        );
        assert!(
            matches!(unknown_team, Err(ApiError::Validation { .. })),
            "got {unknown_team:?}"
        );
        let row = users::find_user(&mut w.conn, &w.caseworker.id)
            .expect("read")
            .expect("user");
        assert_eq!(row.display_name, "Sanne de Vries-Bakker", "rolled back");
    }

    #[test]
    fn unlocking_clears_a_staff_lock_only() {
        let mut w = world();
        let admin = actor(
            &insert_user(&mut w.conn, Role::Admin, "Beheer", None),
            Role::Admin,
        );
        let until = db::now() + chrono::Duration::hours(1);
        for id in [&w.caseworker.id, &w.resident.id] {
            users::update_locked_until(&mut w.conn, id, Some(until)).expect("lock");
        }
        let r = unlock_user(&mut w.conn, &admin, &w.resident.id);
        assert!(matches!(r, Err(ApiError::NotFound)), "got {r:?}");
        unlock_user(&mut w.conn, &admin, &w.caseworker.id).expect("unlocked");
        let locked = |conn: &mut DbConn, id: &str| {
            users::find_user(conn, id)
                .expect("read")
                .expect("user")
                .locked_until
        };
        assert!(locked(&mut w.conn, &w.caseworker.id).is_none());
        assert!(locked(&mut w.conn, &w.resident.id).is_some());
    }
}
