//! The resident's own steps: finding and locking one, ordering the open ones.

use crate::auth::AuthUser;
use crate::db::plans::{self, PlanRow, StepRow};
use crate::db::{self, DbConn};
use crate::domain::dosing::compare_for_resident;
use crate::domain::kinds::OwnerType;
use crate::error::ApiError;

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
