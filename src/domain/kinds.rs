//! Small closed vocabularies shared by templates, plans, steps and the API.
//!
//! Each enum is stored as its `snake_case` text in the database and spoken as the same text in
//! JSON, so the database, the API and the template file all use one spelling.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

/// Declares a text-backed enum with `as_str`, `FromStr`, `Display` and the list of all values.
///
/// The serde spelling comes from `rename_all` written literally here (derive macros do not see
/// through macro fragments), and a unit test checks it equals `as_str` for every value.
macro_rules! text_enum {
    (@define [$($derive_rename:tt)*] $(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        $($derive_rename)*
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and serialised spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue { kind: stringify!($name), value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
    (UPPERCASE $($rest:tt)*) => {
        text_enum!(@define [#[serde(rename_all = "UPPERCASE")]] $($rest)*);
    };
    ($($rest:tt)*) => {
        text_enum!(@define [#[serde(rename_all = "snake_case")]] $($rest)*);
    };
}

/// Gives an enum defined elsewhere (with its own derives) the `ALL` list of its values. The list
/// is checked against the enum by an exhaustive `match`, so a new variant cannot be forgotten:
/// the spec test compares `ALL` with the `enum` the OpenAPI document lists.
macro_rules! all_values {
    ($name:ident { $($variant:ident),+ $(,)? }) => {
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
        }
        const _: fn($name) = |v| match v { $($name::$variant => ()),+ };
    };
}
pub(crate) use all_values;

/// A stored or supplied text that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

text_enum! {
    UPPERCASE
    /// Urgency of a step. `P0` is a crisis (eviction, disconnection, cancelled insurance) and
    /// always comes first; `P1` soon; `P2` normal. Ordering: P0 < P1 < P2 (most urgent first).
    Priority { P0 => "P0", P1 => "P1", P2 => "P2" }
}

text_enum! {
    /// Who does a template item by default (a role in the action list). Not the same concept
    /// as `OwnerType`, who a concrete step of a plan belongs to: a plan made from the
    /// template turns `professional` and `together` into `staff` steps of a caseworker.
    OwnerRole {
        /// The resident (inwoner), possibly with a volunteer's help.
        Resident => "resident",
        /// A professional: generalist or specialist caseworker.
        Professional => "professional",
        /// A volunteer or expert by experience.
        Volunteer => "volunteer",
        /// Resident and professional together (e.g. in a conversation); owned by the professional.
        Together => "together",
    }
}

text_enum! {
    /// What proof a step expects when it is completed.
    Evidence {
        None => "none",
        Photo => "photo",
        Document => "document",
        CaseworkerCheck => "caseworker_check",
    }
}

text_enum! {
    /// Life cycle of a step: `planned` → `open` (issued) → `done` → `verified`;
    /// or `skipped` (not applicable, "n.v.t.") / `cancelled`.
    StepStatus {
        Planned => "planned",
        Open => "open",
        Done => "done",
        Verified => "verified",
        Skipped => "skipped",
        Cancelled => "cancelled",
    }
}

impl StepStatus {
    /// A dependency in this state no longer blocks the steps that wait for it.
    pub fn releases_dependents(self) -> bool {
        matches!(
            self,
            StepStatus::Done | StepStatus::Verified | StepStatus::Skipped | StepStatus::Cancelled
        )
    }

    /// The step was carried out (counts as progress).
    pub fn is_completed(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Verified)
    }
}

text_enum! {
    /// Who a concrete step in a plan belongs to. Not the same concept as `OwnerRole`, the
    /// template's default role for an item (`professional`/`together` become `staff` here).
    OwnerType {
        Resident => "resident",
        Staff => "staff",
        Volunteer => "volunteer",
    }
}

text_enum! {
    /// Status of a resident's plan (trajectory).
    PlanStatus {
        Active => "active",
        Paused => "paused",
        Stabilised => "stabilised",
        DroppedOut => "dropped_out",
        Closed => "closed",
    }
}

text_enum! {
    /// Language of texts a person reads.
    Language { Nl => "nl", En => "en" }
}

text_enum! {
    /// The five roles of the service.
    Role {
        Resident => "resident",
        Caseworker => "caseworker",
        Volunteer => "volunteer",
        Admin => "admin",
        Researcher => "researcher",
    }
}

text_enum! {
    /// What happened on a plan's timeline (`GET /v1/plans/{id}/events`, the export).
    EventKind {
        /// The plan was made.
        PlanCreated => "plan_created",
        /// The plan got its evaluation arm (`dosed` or `full_list`).
        ArmAssigned => "arm_assigned",
        /// A step was opened for its owner.
        Issued => "issued",
        /// A step was done (also: done in the first conversation).
        Completed => "completed",
        /// A caseworker verified a step.
        Verified => "verified",
        /// A done step was opened again.
        Reopened => "reopened",
        /// A step does not apply ("n.v.t.").
        Skipped => "skipped",
        /// A step was cancelled.
        Cancelled => "cancelled",
        /// The resident asked for help with a step.
        HelpRequested => "help_requested",
        /// A step was added to the plan.
        StepAdded => "step_added",
        /// A step was changed (owner, due date, texts, …).
        StepChanged => "step_changed",
        /// The plan was changed (status, dose, …).
        PlanChanged => "plan_changed",
        /// The resident chose a moment for a step.
        IntentionSet => "intention_set",
        /// The resident put a step aside ("niet nu").
        Snoozed => "snoozed",
        /// A snoozed step came back.
        SnoozeEnded => "snooze_ended",
        /// A crisis was reported.
        CrisisReported => "crisis_reported",
        /// The resident sent a document for a step.
        DocumentAdded => "document_added",
        /// The resident took back a document before it was reviewed.
        DocumentDeleted => "document_deleted",
        /// A caseworker planned an appointment.
        AppointmentPlanned => "appointment_planned",
        /// An appointment's details changed (not its time).
        AppointmentChanged => "appointment_changed",
        /// An appointment moved to another time.
        AppointmentMoved => "appointment_moved",
        /// An appointment was cancelled.
        AppointmentCancelled => "appointment_cancelled",
        /// The resident said they will come ("ik kom").
        AppointmentConfirmed => "appointment_confirmed",
        /// The resident asked to move an appointment.
        AppointmentMoveRequested => "appointment_move_requested",
        /// The appointment took place.
        AppointmentAttended => "appointment_attended",
        /// The resident did not come.
        AppointmentMissed => "appointment_missed",
    }
}

text_enum! {
    /// How an appointment takes place.
    AppointmentKind {
        /// At the team's office.
        Office => "office",
        /// By phone.
        Phone => "phone",
        /// A video call.
        Video => "video",
        /// At the resident's home.
        HomeVisit => "home_visit",
    }
}

text_enum! {
    /// Where an appointment stands: `planned` until it is `cancelled`, or recorded afterwards
    /// as `attended` or `missed`.
    AppointmentStatus {
        /// Planned (possibly moved); still to come or not recorded yet.
        Planned => "planned",
        /// Cancelled, with a reason.
        Cancelled => "cancelled",
        /// It took place.
        Attended => "attended",
        /// The resident did not come.
        Missed => "missed",
    }
}

text_enum! {
    /// Where a reminder stands in its delivery.
    ReminderState {
        /// Waiting for its moment (or deferred by quiet hours or caps).
        Pending => "pending",
        /// Delivered to the push service.
        Sent => "sent",
        /// The last attempt failed; it is tried again at `next_attempt_at`.
        Failed => "failed",
        /// Given up on after its attempts, or with no device to send to.
        Dead => "dead",
        /// No longer needed (the step was done, snoozed, handed over, …).
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// Where an item of the handover checklist stands.
    HandoverState {
        /// Done: the proof was received.
        Received => "received",
        /// Verified by the caseworker.
        Checked => "checked",
        /// Does not apply (skipped or cancelled).
        NotApplicable => "not_applicable",
        /// Still missing.
        Missing => "missing",
    }
}

text_enum! {
    /// What a staff member (or the service) did with a resident's data, in the audit log.
    AuditAction {
        Read => "read",
        List => "list",
        Create => "create",
        Update => "update",
        Complete => "complete",
        Verify => "verify",
        Reopen => "reopen",
        Erase => "erase",
        Download => "download",
        Accept => "accept",
        Reject => "reject",
    }
}

text_enum! {
    /// Which kind of a resident's data an audit entry is about.
    AuditObject {
        Resident => "resident",
        Plan => "plan",
        Step => "step",
        Events => "events",
        Reminders => "reminders",
        Pulse => "pulse",
        Handover => "handover",
        ActivationCode => "activation_code",
        /// A sign-in lock (cleared).
        Lock => "lock",
        Crisis => "crisis",
        Document => "document",
        Documents => "documents",
        Appointment => "appointment",
        Appointments => "appointments",
    }
}

text_enum! {
    /// Who wrote an audit entry: a role, or the service itself (`system`, e.g. retention).
    AuditActorRole {
        Resident => "resident",
        Caseworker => "caseworker",
        Volunteer => "volunteer",
        Admin => "admin",
        Researcher => "researcher",
        System => "system",
    }
}

text_enum! {
    /// Which question a mood or alliance answer is for.
    PulseKind {
        /// "Hoe voel je je?" after a step (1–5).
        Mood => "mood",
        /// The monthly working-alliance question (1–5).
        Alliance => "alliance",
    }
}

/// Why a step cannot be done now.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SnoozeReason {
    WaitingForPost,
    WaitingForSomeone,
    NoTimeThisWeek,
    Other,
}
all_values!(SnoozeReason {
    WaitingForPost,
    WaitingForSomeone,
    NoTimeThisWeek,
    Other
});

/// The crisis situations of the Wgs (and garnishment), each with its step in the action list.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CrisisKind {
    /// Threatened eviction or rent arrears.
    Eviction,
    /// Gas, electricity or water about to be cut off.
    Disconnection,
    /// Health insurance cancelled or about to be.
    HealthInsurance,
    /// Garnishment on wages or benefit.
    Garnishment,
}
all_values!(CrisisKind {
    Eviction,
    Disconnection,
    HealthInsurance,
    Garnishment
});

impl CrisisKind {
    pub(crate) fn item_key(self) -> &'static str {
        match self {
            CrisisKind::Eviction => "spoed.ontruiming",
            CrisisKind::Disconnection => "spoed.afsluiting",
            CrisisKind::HealthInsurance => "spoed.zorgverzekering",
            CrisisKind::Garnishment => "bes.brief",
        }
    }
}

/// Why a trajectory ended, in the terms of the national debt-help data model (GGM/DDAS
/// "uitstroomreden"), so figures compare with municipal statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutflowReason {
    /// Entered a debt arrangement (schuldregeling).
    DebtArrangement,
    /// Debts resolved without an arrangement.
    DebtsResolved,
    /// Referred to other help (e.g. beschermingsbewind).
    Referred,
    /// Dropped out: no contact any more.
    NoContact,
    /// Stopped at the resident's own request.
    OwnRequest,
    /// Moved out of the municipality.
    Moved,
    /// Deceased.
    Deceased,
    /// Another reason.
    Other,
}
all_values!(OutflowReason {
    DebtArrangement,
    DebtsResolved,
    Referred,
    NoContact,
    OwnRequest,
    Moved,
    Deceased,
    Other
});

/// Caseworker disciplines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Discipline {
    Generalist,
    Specialist,
}
all_values!(Discipline {
    Generalist,
    Specialist
});

/// What happened, recorded after the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentOutcome {
    /// It took place.
    Attended,
    /// The resident did not come.
    Missed,
}
all_values!(AppointmentOutcome { Attended, Missed });

/// Platform of an installed app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// An Android app with an FCM registration token.
    Android,
    /// An iOS app with an FCM registration token.
    Ios,
    /// A web app with an FCM (Firebase JS SDK) registration token.
    Web,
    /// A browser subscribed with standard Web Push (RFC 8030): `token` is the subscription's
    /// `endpoint`, and `web_push_keys` its keys. Only when `GET /v1/me/web-push` says
    /// `available`.
    WebPush,
}
all_values!(Platform {
    Android,
    Ios,
    Web,
    WebPush
});

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T>(all: &[T])
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + FromStr + fmt::Display,
        <T as FromStr>::Err: std::fmt::Debug,
    {
        for v in all {
            let text = v.to_string();
            assert_eq!(text.parse::<T>().ok(), Some(*v));
            assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{text}\""));
        }
    }

    #[test]
    fn text_round_trips_for_every_value() {
        check(Priority::ALL);
        check(OwnerRole::ALL);
        check(Evidence::ALL);
        check(StepStatus::ALL);
        check(OwnerType::ALL);
        check(PlanStatus::ALL);
        check(Language::ALL);
        check(Role::ALL);
        check(EventKind::ALL);
        check(ReminderState::ALL);
        check(PulseKind::ALL);
        check(HandoverState::ALL);
        check(AuditAction::ALL);
        check(AuditObject::ALL);
        check(AuditActorRole::ALL);
        check(AppointmentKind::ALL);
        check(AppointmentStatus::ALL);
        assert!("P3".parse::<Priority>().is_err());
        assert!(Priority::P0 < Priority::P2);
    }
}
