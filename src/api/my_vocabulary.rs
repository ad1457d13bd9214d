//! The names behind the keys: other answers carry stable keys (`spoed`, `E1`, `eviction`), and
//! this one endpoint gives every name a resident's (or anyone's) screens show for them, in
//! Dutch and English, so that no client keeps its own copy of the action list's texts.

use crate::api::behaviour::{CrisisKind, SnoozeReason};
use crate::api::documents::ReviewState;
use crate::api::plans::language_of;
use crate::api::templates::parse_stored;
use crate::auth::AuthUser;
use crate::db::{self, DbConn, plans};
use crate::domain::gate::CRITERIA;
use crate::domain::kinds::{Evidence, Language, Priority, Role, StepStatus};
use crate::domain::progress::MilestoneKind;
use crate::domain::template::{Localized, Template, default_template};
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

fn both(nl: &str, en: &str) -> Localized {
    Localized {
        nl: nl.to_owned(),
        en: en.to_owned(),
    }
}

/// Declares a "key with its names" type for one closed vocabulary.
macro_rules! named {
    ($(#[$meta:meta])* $name:ident, $key:ty, $example:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, ToSchema)]
        pub struct $name {
            /// The key, as other answers carry it.
            #[schema(example = $example)]
            pub key: $key,
            /// Its name in Dutch and English.
            pub name: Localized,
        }
    };
}

named!(
    /// A step status with its name.
    StepStatusName,
    StepStatus,
    "open"
);
named!(
    /// A priority with its name.
    PriorityName,
    Priority,
    "P0"
);
named!(
    /// What proof a step asks for, with its name.
    EvidenceName,
    Evidence,
    "photo"
);
named!(
    /// A crisis the resident can report (`POST /v1/me/crisis`), with its name.
    CrisisKindName,
    CrisisKind,
    "eviction"
);
named!(
    /// A reason for "not now", with its name.
    SnoozeReasonName,
    SnoozeReason,
    "waiting_for_post"
);
named!(
    /// A milestone kind, with its name.
    MilestoneKindName,
    MilestoneKind,
    "half_way"
);
named!(
    /// The review state of a document, with its name.
    ReviewStateName,
    ReviewState,
    "pending"
);

named!(
    /// A kind of worklist item (`GET /v1/worklist`), with its name.
    WorklistKindName,
    crate::domain::worklist::WorklistKind,
    "crisis"
);

/// A category of the action list, with its name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryName {
    /// The key steps and progress carry (`category`).
    #[schema(example = "spoed")]
    pub key: String,
    /// Display order (lower first).
    #[schema(example = 2)]
    pub order: i32,
    /// Its name in Dutch and English.
    pub name: Localized,
}

/// An exit criterion of the stabilisation phase, with its name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CriterionName {
    /// `E1` … `E8`, as `criteria[].code` of a plan's progress.
    #[schema(example = "E1")]
    pub code: String,
    /// Its name in Dutch and English.
    pub name: Localized,
}

/// The action list the categories come from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VocabularyTemplate {
    /// Template key.
    #[schema(example = "stabilisatie")]
    pub key: String,
    /// Template version.
    #[schema(example = 1)]
    pub version: i32,
    /// Its name in Dutch and English.
    pub name: Localized,
}

/// Every name the screens show for a key, in Dutch and English.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VocabularyResponse {
    /// The caller's stored language: the one to show (both are given, for a switch on the
    /// screen without another request).
    pub language: Language,
    /// The action list of the caller's current plan (residents), else the default one.
    pub template: VocabularyTemplate,
    /// The categories of that action list, in display order.
    pub categories: Vec<CategoryName>,
    /// The exit criteria E1–E8, in order.
    pub criteria: Vec<CriterionName>,
    /// Step statuses.
    pub step_statuses: Vec<StepStatusName>,
    /// Priorities.
    pub priorities: Vec<PriorityName>,
    /// Kinds of proof a step may ask for.
    pub evidence: Vec<EvidenceName>,
    /// Crises the resident can report.
    pub crisis_kinds: Vec<CrisisKindName>,
    /// Reasons for "not now".
    pub snooze_reasons: Vec<SnoozeReasonName>,
    /// Milestone kinds.
    pub milestone_kinds: Vec<MilestoneKindName>,
    /// Review states of documents.
    pub review_states: Vec<ReviewStateName>,
    /// Kinds of worklist items, in worklist order (most urgent first).
    pub worklist_kinds: Vec<WorklistKindName>,
}

fn status_name(s: StepStatus) -> Localized {
    match s {
        StepStatus::Planned => both("Komt nog", "Coming up"),
        StepStatus::Open => both("Nu aan de beurt", "To do now"),
        StepStatus::Done => both("Klaar", "Done"),
        StepStatus::Verified => both("Klaar en gecontroleerd", "Done and checked"),
        StepStatus::Skipped => both("Niet nodig (n.v.t.)", "Not needed"),
        StepStatus::Cancelled => both("Gestopt", "Stopped"),
    }
}

fn priority_name(p: Priority) -> Localized {
    match p {
        Priority::P0 => both("Spoed", "Urgent"),
        Priority::P1 => both("Binnenkort", "Soon"),
        Priority::P2 => both("Gewoon", "Normal"),
    }
}

fn evidence_name(e: Evidence) -> Localized {
    match e {
        Evidence::None => both("Niets nodig", "Nothing needed"),
        Evidence::Photo => both("Een foto", "A photo"),
        Evidence::Document => both("Een document", "A document"),
        Evidence::CaseworkerCheck => {
            both("Je hulpverlener kijkt het na", "Your caseworker checks it")
        }
    }
}

fn crisis_name(k: CrisisKind) -> Localized {
    match k {
        CrisisKind::Eviction => both(
            "Ik moet mijn huis uit, of ik heb huurachterstand",
            "I have to leave my home, or I am behind on rent",
        ),
        CrisisKind::Disconnection => both(
            "Mijn gas, stroom of water wordt afgesloten",
            "My gas, electricity or water will be cut off",
        ),
        CrisisKind::HealthInsurance => both(
            "Ik heb geen zorgverzekering meer",
            "I no longer have health insurance",
        ),
        CrisisKind::Garnishment => both(
            "Er is beslag op mijn loon of uitkering",
            "My wages or benefit are garnished",
        ),
    }
}

fn snooze_name(r: SnoozeReason) -> Localized {
    match r {
        SnoozeReason::WaitingForPost => both("Ik wacht op post", "I am waiting for a letter"),
        SnoozeReason::WaitingForSomeone => {
            both("Ik wacht op iemand anders", "I am waiting for someone else")
        }
        SnoozeReason::NoTimeThisWeek => {
            both("Ik heb deze week geen tijd", "I have no time this week")
        }
        SnoozeReason::Other => both("Iets anders", "Something else"),
    }
}

fn milestone_name(m: MilestoneKind) -> Localized {
    match m {
        MilestoneKind::FirstStep => both("Je eerste stap is klaar", "Your first step is done"),
        MilestoneKind::CategoryDone => both("Een onderdeel is klaar", "A part is done"),
        MilestoneKind::HalfWay => both("Je bent op de helft", "You are half way"),
        MilestoneKind::AllDone => both("Alle stappen zijn klaar", "Every step is done"),
    }
}

fn review_name(r: ReviewState) -> Localized {
    match r {
        ReviewState::Pending => both("Wordt bekeken", "Being checked"),
        ReviewState::Accepted => both("Goedgekeurd", "Accepted"),
        ReviewState::Rejected => both("Niet goed, stuur een nieuwe", "Not usable, send a new one"),
    }
}

/// The vocabulary for one action list (pure: the template's names plus the fixed ones).
pub fn vocabulary(template: &Template, language: Language) -> VocabularyResponse {
    let mut categories: Vec<CategoryName> = template
        .categories
        .iter()
        .map(|c| CategoryName {
            key: c.key.clone(),
            order: c.order,
            name: c.name.clone(),
        })
        .collect();
    categories.sort_by_key(|c| c.order);
    VocabularyResponse {
        language,
        template: VocabularyTemplate {
            key: template.key.clone(),
            version: template.version,
            name: template.name.clone(),
        },
        categories,
        criteria: CRITERIA
            .iter()
            .map(|(code, nl, en)| CriterionName {
                code: (*code).to_owned(),
                name: both(nl, en),
            })
            .collect(),
        step_statuses: StepStatus::ALL
            .iter()
            .map(|&key| StepStatusName {
                key,
                name: status_name(key),
            })
            .collect(),
        priorities: Priority::ALL
            .iter()
            .map(|&key| PriorityName {
                key,
                name: priority_name(key),
            })
            .collect(),
        evidence: Evidence::ALL
            .iter()
            .map(|&key| EvidenceName {
                key,
                name: evidence_name(key),
            })
            .collect(),
        crisis_kinds: CrisisKind::ALL
            .iter()
            .map(|&key| CrisisKindName {
                key,
                name: crisis_name(key),
            })
            .collect(),
        snooze_reasons: SnoozeReason::ALL
            .iter()
            .map(|&key| SnoozeReasonName {
                key,
                name: snooze_name(key),
            })
            .collect(),
        milestone_kinds: MilestoneKind::ALL
            .iter()
            .map(|&key| MilestoneKindName {
                key,
                name: milestone_name(key),
            })
            .collect(),
        review_states: ReviewState::ALL
            .iter()
            .map(|&key| ReviewStateName {
                key,
                name: review_name(key),
            })
            .collect(),
        worklist_kinds: {
            let mut kinds = crate::domain::worklist::WorklistKind::ALL.to_vec();
            kinds.sort_by_key(|k| k.rank());
            kinds
                .into_iter()
                .map(|key| {
                    let [nl, en] = crate::i18n::worklist_kind_name(key);
                    WorklistKindName {
                        key,
                        name: both(nl, en),
                    }
                })
                .collect()
        },
    }
}

/// The template whose names the caller needs: a resident's current plan's, else the default.
fn template_for(conn: &mut DbConn, auth: &AuthUser) -> Result<Template, ApiError> {
    if auth.role == Role::Resident
        && let Some(plan) = plans::find_current_plan_of(conn, &auth.id)?
        && let Some(row) = plans::find_template(conn, &plan.template_id)?
    {
        return parse_stored(&row);
    }
    Ok(default_template())
}

/// The names behind the keys of other answers: the categories of the caller's action list
/// (a resident's current plan's, else the default list), the exit criteria, step statuses,
/// priorities, kinds of proof, crises, reasons for "not now", milestones and document review
/// states, each in Dutch and English. Any signed-in role may ask; the answer holds no personal
/// data.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every name the screens show, in Dutch and English", body = VocabularyResponse),
        (status = 400, description = "An unknown query parameter (`unknown_query_parameter`): this operation takes none", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/me/vocabulary")]
pub async fn my_vocabulary(
    auth: AuthUser,
    state: web::Data<AppState>,
    _query: web::Query<crate::api::NoQuery>,
) -> ApiResult<web::Json<VocabularyResponse>> {
    let vocabulary = db::run(&state.pool, move |conn| {
        let template = template_for(conn, &auth)?;
        Ok(vocabulary(&template, language_of(conn, &auth.id)?))
    })
    .await?;
    Ok(web::Json(vocabulary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_two_texts_and_every_category_of_the_default_list_is_named() {
        let t = default_template();
        let v = vocabulary(&t, Language::Nl);
        for item in &t.items {
            assert!(
                v.categories.iter().any(|c| c.key == item.category),
                "{} has category {} without a name",
                item.key,
                item.category
            );
        }
        assert_eq!(v.categories.len(), t.categories.len());
        assert_eq!(v.criteria.len(), 8);
        let mut names: Vec<&Localized> = Vec::new();
        names.extend(v.categories.iter().map(|c| &c.name));
        names.extend(v.criteria.iter().map(|c| &c.name));
        names.extend(v.step_statuses.iter().map(|c| &c.name));
        names.extend(v.priorities.iter().map(|c| &c.name));
        names.extend(v.evidence.iter().map(|c| &c.name));
        names.extend(v.crisis_kinds.iter().map(|c| &c.name));
        names.extend(v.snooze_reasons.iter().map(|c| &c.name));
        names.extend(v.milestone_kinds.iter().map(|c| &c.name));
        names.extend(v.review_states.iter().map(|c| &c.name));
        assert_eq!(v.worklist_kinds.len(), 13);
        assert_eq!(v.worklist_kinds[0].key.as_str(), "crisis", "worklist order");
        names.extend(v.worklist_kinds.iter().map(|c| &c.name));
        for n in names {
            assert!(!n.nl.trim().is_empty() && !n.en.trim().is_empty(), "{n:?}");
            assert_ne!(n.nl, n.en, "{n:?} has the same text in both languages");
        }
    }
}
