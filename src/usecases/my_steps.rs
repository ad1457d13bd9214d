//! The resident's own steps: finding and locking one, ordering the open ones, and the view of
//! the current steps.

use crate::auth::AuthUser;
use crate::db::plans::{self, PlanRow, StepRow};
use crate::db::{self, DbConn};
use crate::domain::dosing::compare_for_resident;
use crate::domain::kinds::OwnerType;
use crate::domain::kinds::{Language, StepStatus};
use crate::error::ApiError;
use crate::wire::my_steps::CurrentStepsResponse;
use crate::wire::steps::{MyStepResponse, progress_of, progress_of_summaries};
use crate::wire::types::parse_id;

/// Most urgent first, as the dosing engine ranks them.
pub fn sort_for_resident(mut open: Vec<&StepRow>) -> Vec<&StepRow> {
    // Holding back is irrelevant for ordering what is already open.
    let day = chrono::NaiveDate::MIN;
    open.sort_by(|a, b| {
        compare_for_resident(
            &db::issuing::dose_step(a, day),
            &db::issuing::dose_step(b, day),
        )
    });
    open
}

/// Loads a resident-owned step of the caller's own plans (else 404).
pub fn find_my_step(
    conn: &mut DbConn,
    auth: &AuthUser,
    step_id: &str,
) -> Result<(PlanRow, StepRow), ApiError> {
    let step = plans::find_step(conn, step_id)?.ok_or(ApiError::NotFound)?;
    let plan = plans::find_plan(conn, &step.plan_id)?.ok_or(ApiError::NotFound)?;
    own_resident_step(auth, plan, step)
}

/// The plan and step when the step is one of the caller's own resident steps; anyone else's
/// step does not exist for them (404).
fn own_resident_step(
    auth: &AuthUser,
    plan: PlanRow,
    step: StepRow,
) -> Result<(PlanRow, StepRow), ApiError> {
    if plan.resident_id != auth.id || step.owner_type != OwnerType::Resident.as_str() {
        return Err(ApiError::NotFound);
    }
    Ok((plan, step))
}

/// Locks the plan of one of the caller's own resident steps and loads both (else 404): the start
/// of every change a resident makes to a step. The step is read under the lock, so it is the
/// state the change works on.
pub fn lock_my_step(
    conn: &mut DbConn,
    auth: &AuthUser,
    step_id: &str,
) -> Result<(PlanRow, StepRow), ApiError> {
    let plan = plans::lock_plan_of_step(conn, step_id)?.ok_or(ApiError::NotFound)?;
    let step = plans::find_step(conn, step_id)?.ok_or(ApiError::NotFound)?;
    own_resident_step(auth, plan, step)
}

fn open_resident_steps(steps: &[StepRow]) -> Vec<&StepRow> {
    sort_for_resident(
        steps
            .iter()
            .filter(|s| {
                s.owner_type == OwnerType::Resident.as_str()
                    && s.status == StepStatus::Open.as_str()
            })
            .collect(),
    )
}

/// The resident's current steps and progress on a plan. The hot read path: it loads the
/// resident's open steps whole and only the progress columns of the rest.
/// `open` is the plan's open resident steps when the caller has them already.
pub fn current_view(
    conn: &mut DbConn,
    lang: Language,
    plan: &PlanRow,
    open: Option<Vec<StepRow>>,
) -> Result<CurrentStepsResponse, ApiError> {
    let arm = crate::domain::research::Arm::parse(&plan.arm);
    let (shown, progress) = if arm == crate::domain::research::Arm::FullList {
        // The comparison arm: the whole remaining list, as on paper.
        let steps = plans::list_steps(conn, &plan.id)?;
        let mut shown: Vec<MyStepResponse> = open_resident_steps(&steps)
            .into_iter()
            .map(|s| MyStepResponse::new(s, lang))
            .collect();
        shown.extend(
            steps
                .iter()
                .filter(|s| {
                    s.owner_type == OwnerType::Resident.as_str()
                        && s.status == StepStatus::Planned.as_str()
                })
                .map(|s| MyStepResponse::new(s, lang)),
        );
        (shown, progress_of(&steps, lang))
    } else {
        let open = match open {
            Some(open) => open,
            None => plans::list_open_resident_steps(conn, &plan.id)?,
        };
        let shown = sort_for_resident(open.iter().collect())
            .into_iter()
            .map(|s| MyStepResponse::new(s, lang))
            .collect();
        let summaries = plans::list_step_summaries(conn, &plan.id)?;
        (shown, progress_of_summaries(&summaries, lang))
    };
    Ok(CurrentStepsResponse {
        plan_id: Some(parse_id(&plan.id)),
        plan_status: plan.status.parse().ok(),
        steps: shown,
        progress: Some(progress),
        arm: Some(arm),
    })
}
