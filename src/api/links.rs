//! OpenAPI `links`: how the answer of one operation feeds the next (a resident created → their
//! plan made → its steps read and changed), so that a client generator, a reader and a stateful
//! fuzzer (schemathesis follows links from create to read to change) see the API's object graph
//! without reading prose. Each link names its target by `operationId` and takes the target's
//! path id (and where it helps `If-Match`) from the answer with a runtime expression.
//!
//! utoipa's derives have no place for links on a response, so they are added to the generated
//! document here, from one table; `tests/api/openapi.rs` checks that every link names an
//! operation that exists and a parameter it has.

use serde_json::{Map, Value, json};

/// One link: from an operation's success answer to another operation.
struct Link {
    /// Source operation: method, path, status.
    from: (&'static str, &'static str, &'static str),
    /// The link's name (unique per response).
    name: &'static str,
    /// Target `operationId`.
    to: &'static str,
    /// Target parameters: (name, runtime expression). A name with `in.` qualifies its place.
    params: &'static [(&'static str, &'static str)],
    description: &'static str,
}

const RESIDENT_ID: &str = "$response.body#/resident/id";
const ID: &str = "$response.body#/id";
const FIRST_STEP: &str = "$response.body#/steps/0/id";
const FIRST_STEP_ETAG: &str = "$response.body#/steps/0/etag";
const RESIDENT_OF_PLAN: &str = "$response.body#/resident_id";

macro_rules! links {
    ($( ($m:literal, $p:literal, $s:literal) => { $( $name:literal : $to:literal [ $( ($k:literal, $v:expr) ),* ] $d:literal ),* $(,)? } ),* $(,)?) => {
        &[ $( $( Link { from: ($m, $p, $s), name: $name, to: $to, params: &[ $( ($k, $v) ),* ], description: $d } ),* ),* ]
    };
}

const LINKS: &[Link] = links! {
    ("post", "/v1/residents", "201") => {
        "GetResident": "get_resident" [("id", RESIDENT_ID)] "The resident just registered.",
        "CreatePlan": "create_plan" [("id", RESIDENT_ID)] "Make the resident's plan (the driegesprek).",
        "PreviewPlan": "preview_plan" [("id", RESIDENT_ID)] "Preview the plan first.",
        "NewActivationCode": "new_activation_code_for" [("id", RESIDENT_ID)] "A new activation code (a new letter).",
        "UnlockResident": "unlock_resident" [("id", RESIDENT_ID)] "Unlock after wrong PINs.",
    },
    ("post", "/v1/residents/{id}/plans", "201") => {
        "GetPlan": "get_plan" [("id", ID)] "The plan just made.",
        "UpdatePlan": "update_plan" [("id", ID), ("header.If-Match", "$response.body#/etag")] "Change the plan (its ETag as If-Match).",
        "AddStep": "add_step" [("id", ID)] "Add a custom step.",
        "ListEvents": "list_events" [("id", ID)] "The plan's timeline.",
        "ListReminders": "list_plan_reminders" [("id", ID)] "The plan's reminders.",
        "ListDocuments": "list_plan_documents" [("id", ID)] "The plan's documents.",
        "Pulse": "plan_pulse" [("id", ID)] "Mood and working alliance.",
        "Handover": "handover" [("id", ID)] "The handover file.",
        "ReportCrisis": "report_plan_crisis" [("id", ID)] "Report a crisis for the resident.",
        "GetStep": "get_step" [("id", FIRST_STEP)] "The plan's first step.",
        "UpdateStep": "update_step" [("id", FIRST_STEP), ("header.If-Match", FIRST_STEP_ETAG)] "Change the first step (its ETag as If-Match).",
        "CompleteStep": "complete_step" [("id", FIRST_STEP)] "Complete the first step for the resident.",
        "GetResidentOfPlan": "get_resident" [("id", RESIDENT_OF_PLAN)] "The plan's resident.",
    },
    ("get", "/v1/plans/{id}", "200") => {
        "GetStep": "get_step" [("id", FIRST_STEP)] "The plan's first step.",
        "UpdateStep": "update_step" [("id", FIRST_STEP), ("header.If-Match", FIRST_STEP_ETAG)] "Change the first step (its ETag as If-Match).",
        "VerifyStep": "verify_step" [("id", FIRST_STEP)] "Verify the first step.",
        "ReopenStep": "reopen_step" [("id", FIRST_STEP)] "Reopen the first step with a reason.",
        "ListStepDocuments": "list_step_documents" [("id", FIRST_STEP)] "The first step's documents.",
        "UpdatePlan": "update_plan" [("id", ID), ("header.If-Match", "$response.body#/etag")] "Change the plan (its ETag as If-Match).",
    },
    ("post", "/v1/plans/{id}/steps", "201") => {
        "GetPlan": "get_plan" [("id", ID)] "The plan with the new step.",
    },
    ("get", "/v1/steps/{id}", "200") => {
        "UpdateStep": "update_step" [("id", ID), ("header.If-Match", "$response.body#/etag")] "Change the step (its ETag as If-Match).",
        "GetPlanOfStep": "get_plan" [("id", "$response.body#/plan_id")] "The step's plan.",
    },
    ("post", "/v1/teams", "201") => {
        "UpdateTeam": "update_team" [("id", ID)] "Change the team.",
        "ListTeamMembers": "list_team_members" [("id", ID)] "The team's members.",
    },
    ("post", "/v1/users", "201") => {
        "GetUser": "get_user" [("id", ID)] "The account just made.",
        "UpdateUser": "update_user" [("id", ID)] "Change or disable the account.",
        "UnlockUser": "unlock_user" [("id", ID)] "Unlock after wrong passwords.",
    },
    ("post", "/v1/templates", "201") => {
        "GetTemplate": "get_template" [("id", ID)] "The template version just stored.",
    },
    ("get", "/v1/me/steps/current", "200") => {
        "CompleteMyStep": "complete_my_step" [("id", FIRST_STEP)] "Complete the current step (Klaar).",
        "AskHelp": "ask_help" [("id", FIRST_STEP)] "Ask for help with it.",
        "SnoozeStep": "snooze_step" [("id", FIRST_STEP)] "Put it aside (Niet nu).",
        "SetIntention": "set_intention" [("id", FIRST_STEP)] "Say when you will do it.",
        "ClearIntention": "clear_intention" [("id", FIRST_STEP)] "Take that moment away.",
        "PostMood": "post_mood" [("id", FIRST_STEP)] "How did it go (after completing)?",
        "UploadDocument": "upload_document" [("id", FIRST_STEP)] "Send a photo or document for it.",
        "ListMyDocuments": "list_my_documents" [("id", FIRST_STEP)] "The documents sent for it.",
        "CreateUpload": "create_upload" [("id", FIRST_STEP)] "Start a resumable upload for it.",
    },
    ("post", "/v1/me/steps/{id}/documents", "201") => {
        "GetMyDocument": "get_my_document" [("id", ID)] "The document just sent.",
        "DeleteMyDocument": "delete_my_document" [("id", ID)] "Take it back.",
    },
    ("post", "/v1/me/devices", "200") => {
        "DeleteDevice": "delete_device" [("id", ID)] "Remove the device.",
    },
};

/// Adds the table's links to the document's success responses.
pub fn add(doc: &mut Value) {
    for l in LINKS {
        let (method, path, status) = l.from;
        let Some(resp) = doc
            .pointer_mut(&format!(
                "/paths/{}/{method}/responses/{status}",
                path.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_object_mut)
        else {
            panic!(
                "link {} from {method} {path} {status}: no such response",
                l.name
            );
        };
        let params: Map<String, Value> = l
            .params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        let links = resp
            .entry("links")
            .or_insert_with(|| Value::Object(Map::new()));
        links[l.name] = json!({
            "operationId": l.to,
            "parameters": params,
            "description": l.description,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_names_are_unique_per_response() {
        let mut seen = std::collections::HashSet::new();
        for l in LINKS {
            assert!(
                seen.insert((l.from, l.name)),
                "{} twice on {:?}",
                l.name,
                l.from
            );
        }
    }
}
