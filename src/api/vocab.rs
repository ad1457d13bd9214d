//! Every closed vocabulary the API speaks, by the name of its schema in the OpenAPI document.
//!
//! The spec test compares each `enum` of the generated document with the values listed here,
//! which come from each type's `ALL` (checked against the type by an exhaustive match), so a
//! value the server can send cannot be missing from the spec.

use crate::api::behaviour::{CrisisKind, SnoozeReason};
use crate::api::devices::Platform;
use crate::api::documents::{DocumentType, ReviewState};
use crate::api::plans::OutflowReason;
use crate::api::users::Discipline;
use crate::domain::gate::TimeBox;
use crate::domain::kinds::{
    AuditAction, AuditActorRole, AuditObject, EventKind, Evidence, HandoverState, Language,
    OwnerRole, OwnerType, PlanStatus, Priority, PulseKind, ReminderState, Role, StepStatus,
};
use crate::domain::progress::MilestoneKind;
use crate::domain::reminders::{InactivityStage, PartOfDay, ReminderKind};
use crate::domain::research::{Arm, ArmPolicy};
use serde::Serialize;

fn texts<T: Serialize>(all: &[T]) -> Vec<String> {
    all.iter().map(crate::wire::types::text_of).collect()
}

/// (schema name, every value in serde spelling) for each enum of the API.
pub fn spec_enums() -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("Arm", texts(Arm::ALL)),
        (
            "UnavailableReason",
            texts(crate::api::research_decisions::UnavailableReason::ALL),
        ),
        (
            "AppointmentKind",
            texts(crate::domain::kinds::AppointmentKind::ALL),
        ),
        (
            "AppointmentOutcome",
            texts(crate::api::appointments::AppointmentOutcome::ALL),
        ),
        (
            "AppointmentStatus",
            texts(crate::domain::kinds::AppointmentStatus::ALL),
        ),
        ("AuditAction", texts(AuditAction::ALL)),
        ("AuditActorRole", texts(AuditActorRole::ALL)),
        ("AuditObject", texts(AuditObject::ALL)),
        ("ArmPolicy", texts(ArmPolicy::ALL)),
        ("CrisisKind", texts(CrisisKind::ALL)),
        ("Discipline", texts(Discipline::ALL)),
        ("DocumentType", texts(DocumentType::ALL)),
        ("EventKind", texts(EventKind::ALL)),
        ("Evidence", texts(Evidence::ALL)),
        ("HandoverState", texts(HandoverState::ALL)),
        ("InactivityStage", texts(InactivityStage::ALL)),
        ("Language", texts(Language::ALL)),
        ("MilestoneKind", texts(MilestoneKind::ALL)),
        ("OutflowReason", texts(OutflowReason::ALL)),
        ("OwnerRole", texts(OwnerRole::ALL)),
        ("OwnerType", texts(OwnerType::ALL)),
        ("PartOfDay", texts(PartOfDay::ALL)),
        ("PlanStatus", texts(PlanStatus::ALL)),
        ("PreviewState", texts(crate::api::plans::PreviewState::ALL)),
        ("Platform", texts(Platform::ALL)),
        ("Priority", texts(Priority::ALL)),
        (
            "ProblemCode",
            crate::problem_code::ProblemCode::ALL
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        ),
        ("PulseKind", texts(PulseKind::ALL)),
        ("ReminderKind", texts(ReminderKind::ALL)),
        (
            "RoadContactRole",
            texts(crate::api::road::RoadContactRole::ALL),
        ),
        ("RoadPhaseKey", texts(crate::api::road::RoadPhaseKey::ALL)),
        (
            "RoadPhaseState",
            texts(crate::api::road::RoadPhaseState::ALL),
        ),
        ("ReminderState", texts(ReminderState::ALL)),
        ("ReviewState", texts(ReviewState::ALL)),
        ("Role", texts(Role::ALL)),
        ("SnoozeReason", texts(SnoozeReason::ALL)),
        ("StepStatus", texts(StepStatus::ALL)),
        ("TimeBox", texts(TimeBox::ALL)),
        (
            "WorklistKind",
            texts(crate::domain::worklist::WorklistKind::ALL),
        ),
    ]
}
