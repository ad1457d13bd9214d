//! What the OpenAPI document says beyond what the derives generate, so that a client built from
//! the document alone knows every answer: the error statuses of each operation (always
//! `application/problem+json`), the headers the edge adds (`x-request-id` everywhere,
//! `Retry-After` on 429/503, `WWW-Authenticate` on 401), and the limits the validation code
//! enforces (`maxLength`, `pattern`, `minimum`/`maximum`, `maxItems`).
//!
//! The error statuses follow from what an operation takes, because the same extractors answer
//! the same way everywhere: a bearer token (401, and 403 for role-gated operations), a path id
//! (404: an id that does not parse names nothing), a JSON body (400/408/413/415/422), query
//! parameters (400/422), a database (503). Statuses only one handler answers (409, 412, 428 …)
//! are in that handler's `#[utoipa::path]`. `tests/api/contract.rs` sends every operation
//! requests of every role and checks that each status answered is documented, and that each
//! status documented here is answered.

use crate::problem_code::{DETAIL_MAX, FIELD_TEXT_MAX, ProblemCode};
use serde_json::{Map, Value, json};

/// Operations any signed-in role may call (no 403): everything else with a bearer token is
/// role-gated.
pub const OPEN_TO_EVERY_ROLE: &[(&str, &str)] = &[
    ("get", "/v1/me"),
    ("patch", "/v1/me"),
    ("put", "/v1/me/password"),
    ("post", "/v1/me/devices"),
    ("get", "/v1/me/devices"),
    ("get", "/v1/me/web-push"),
    ("get", "/v1/me/vocabulary"),
    ("delete", "/v1/me/devices/{id}"),
    ("get", "/v1/me/notification-preferences"),
    ("put", "/v1/me/notification-preferences"),
];

/// Operations that read no database (no 503).
const NO_DATABASE: &[(&str, &str)] = &[
    ("get", "/health/live"),
    ("get", "/metrics"),
    ("options", "/v1/me/uploads"),
];

/// The longest request head actix-web reads (its h1 buffer): bounds headers echoed back.
const HEAD_MAX: usize = 32 * 1024;

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// Applies everything above to the generated document.
pub fn refine(doc: &mut Value) {
    code_table(doc);
    security_scheme(doc);
    servers(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                operation(method, path, op);
            }
        }
    }
    limits(doc);
}

fn code_table(doc: &mut Value) {
    if let Some(s) = doc.pointer_mut("/components/schemas/ProblemCode") {
        s["description"] = Value::String(crate::problem_code::table());
    }
}

fn security_scheme(doc: &mut Value) {
    if let Some(s) = doc.pointer_mut("/components/securitySchemes/bearer") {
        s["description"] = json!(
            "The access token from `POST /v1/auth/login`, `/v1/auth/activate` or \
             `/v1/auth/refresh`: a JWT signed with HS256 only (the algorithm is pinned, never \
             taken from the token), with `exp`, `nbf`, `iss` and an audience per token purpose \
             checked, as RFC8725 (JWT best current practices) asks. Access tokens are short-lived \
             (`expires_in`); refresh tokens are opaque, single-use and rotate."
        );
    }
}

fn servers(doc: &mut Value) {
    doc["servers"] = json!([{
        "url": "/",
        "description": "The instance that serves this document (local, test or production: each \
    municipality runs its own, behind HTTPS in production). Paths are relative to its origin.",
        "x-internal": false
    }]);
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {(crate::error::PROBLEM_JSON): {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn codes_of(status: u16) -> String {
    ProblemCode::ALL
        .iter()
        .filter(|c| c.status() == status)
        .map(|c| format!("`{}`", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn listed(list: &[(&str, &str)], method: &str, path: &str) -> bool {
    list.iter().any(|(m, p)| *m == method && *p == path)
}

/// Bytes (`Vec<u8>` bodies, which the derive writes as an array of integers) as what they are on
/// the wire: a binary string of the content's media type.
fn binary_bodies(op: &mut Map<String, Value>) {
    if let Some(c) = op.get_mut("requestBody").and_then(|b| b.get_mut("content")) {
        binary_content(c);
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for r in responses.values_mut() {
            if let Some(c) = r.get_mut("content") {
                binary_content(c);
            }
        }
    }
}

fn binary_content(content: &mut Value) {
    let Some(content) = content.as_object_mut() else {
        return;
    };
    for (media_type, media) in content.iter_mut() {
        let Some(schema) = media.get_mut("schema") else {
            continue;
        };
        if schema["type"] == "array" && schema["items"]["type"] == "integer" {
            *schema = json!({
                "type": "string",
                "format": "binary",
                "contentMediaType": media_type,
            });
            // An appointment's calendar file: a few short, bounded texts (place 200, bring 500
            // characters, escaped and folded) in a fixed frame.
            if media_type == "text/calendar" {
                schema["maxLength"] = json!(8192);
            }
        }
    }
}

fn operation(method: &str, path: &str, op: &mut Map<String, Value>) {
    binary_bodies(op);
    let secured = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|reqs| {
            reqs.iter()
                .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
        });
    if !secured {
        // Say so explicitly: these operations take no token (sign-in, health).
        op.insert("security".into(), json!([{}]));
    }
    let params: Vec<Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has = |place: &str| params.iter().any(|p| p["in"] == place);
    let body_types: Vec<String> = op
        .get("requestBody")
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    let json_body = body_types.iter().any(|t| t == "application/json");
    let Some(responses) = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
    else {
        return;
    };
    let mut add = |status: u16, text: String| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem(&text));
    };
    if json_body || has("query") {
        add(
            400,
            format!("The request could not be read: {}", codes_of(400)),
        );
    }
    if secured {
        add(
            401,
            "No valid access token, or its session has ended (`unauthorized`, `session_ended`): \
             sign in again"
                .into(),
        );
        if !listed(OPEN_TO_EVERY_ROLE, method, path) {
            add(
                403,
                "The caller's role cannot use this operation (`forbidden`)".into(),
            );
        }
    }
    if path.contains('{') {
        add(
            404,
            "No such resource, or not one the caller may see (`not_found`)".into(),
        );
    }
    if !body_types.is_empty() {
        add(
            408,
            "The body did not arrive in time (`request_timeout`); the connection is closed".into(),
        );
        add(413, "The body is too large (`payload_too_large`)".into());
        add(
            415,
            format!(
                "The body is not of a type this operation takes (`unsupported_media_type`: send {})",
                body_types.join(" or ")
            ),
        );
    }
    if json_body || has("query") {
        add(
            422,
            "Invalid input; `errors` names the fields (`validation_failed`)".into(),
        );
    }
    add(
        500,
        "Something went wrong on the server (`internal`); nothing internal is said".into(),
    );
    if !listed(NO_DATABASE, method, path) {
        add(
            503,
            "The database or the sign-in workers are busy or away (`unavailable`): retry after \
             `Retry-After` seconds"
                .into(),
        );
    }
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        let error = status == "default" || !status.starts_with(['1', '2', '3']);
        if error && !response.contains_key("content") {
            response.insert("content".into(), problem("")["content"].clone());
        }
        let Some(headers) = response
            .entry("headers")
            .or_insert_with(|| json!({}))
            .as_object_mut()
        else {
            continue;
        };
        headers.insert("x-request-id".into(), request_id_header());
        if status == "429" || status == "503" {
            headers.insert("Retry-After".into(), retry_after_header());
        }
        if status == "401" {
            headers.insert("WWW-Authenticate".into(), www_authenticate_header());
        }
        for (name, header) in headers.iter_mut() {
            header_limits(name, header);
        }
    }
}

fn request_id_header() -> Value {
    json!({
        "description": "The id of this request in the service's logs (a UUID); quote it when \
    reporting a problem. Sent with every answer.",
        "schema": {"type": "string", "format": "uuid", "maxLength": 36}
    })
}

fn retry_after_header() -> Value {
    json!({
        "description": "Seconds to wait before trying again (at least 1).",
        "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::from(u32::MAX)}
    })
}

fn www_authenticate_header() -> Value {
    json!({
        "description": "The scheme to authenticate with.",
        "schema": {"type": "string", "maxLength": 27, "pattern": "^Bearer realm=\"stapvoorstap\"$"}
    })
}

/// Limits of the headers the handlers document by name.
fn header_limits(name: &str, header: &mut Value) {
    let Some(schema) = header.get_mut("schema").and_then(Value::as_object_mut) else {
        return;
    };
    // A header is present or absent, never null: `Option<String>` headers are plain strings.
    if schema.get("type") == Some(&json!(["string", "null"])) {
        schema.insert("type".into(), json!("string"));
    }
    if schema.get("type") != Some(&json!("string")) {
        return;
    }
    match name {
        // `"3"`, `W/"…"` (a SHA-256 hex digest at most), or with an encoding suffix.
        "ETag" => {
            schema.insert("maxLength".into(), json!(80));
            schema.insert("pattern".into(), json!("^(W/)?\"[!#-~]*\"$"));
        }
        // The request's own path and query with the next cursor.
        "Link" => {
            schema.insert("maxLength".into(), json!(HEAD_MAX));
            schema.insert("pattern".into(), json!("^<[^>]+>; rel=\"next\"$"));
        }
        // tus 1.0.0 answers.
        "Tus-Resumable" | "Tus-Version" => {
            schema.insert("maxLength".into(), json!(5));
            schema.insert("pattern".into(), json!("^1\\.0\\.0$"));
        }
        "Tus-Extension" => {
            schema.insert("maxLength".into(), json!(64));
            schema.insert("pattern".into(), json!("^[a-z-]+(,[a-z-]+)*$"));
        }
        // An upload's own path.
        "Location" => {
            schema.insert("maxLength".into(), json!(256));
        }
        // An IMF-fixdate (RFC 9110), e.g. `Wed, 02 Dec 2026 10:00:00 GMT`.
        "Upload-Expires" => {
            schema.insert("maxLength".into(), json!(29));
        }
        "Cache-Control" => {
            schema.insert("maxLength".into(), json!(32));
        }
        "Content-Disposition" => {
            schema.insert("maxLength".into(), json!(64));
            schema.insert(
                "pattern".into(),
                json!("^attachment; filename=\"[a-z0-9._-]+\"$"),
            );
        }
        "Document-Id" => {
            schema.insert("format".into(), json!("uuid"));
            schema.insert("maxLength".into(), json!(36));
        }
        _ => {}
    }
}

/// One limit of one property of a component schema.
enum Limit {
    /// `maxLength` (and `minLength` when > 0).
    Len(usize, usize),
    /// `maxLength` and a `pattern`.
    Pattern(usize, usize, &'static str),
    /// `maxItems`.
    Items(usize),
    /// `minimum` and `maximum`.
    Range(i64, i64),
}

use Limit::{Items, Len, Pattern, Range};

use crate::api::idempotency::KEY_MAX;
use crate::api::paging::MAX_LIMIT;
use crate::api::users::MAX_TEAMS_PER_USER;
use crate::domain::credentials::{ACTIVATION_CODE_LEN, ACTIVATION_INPUT_MAX, PASSWORD_MAX};
use crate::domain::template::{MAX_ITEMS, MAX_KEY_LEN, MAX_MINUTES, MAX_TITLE_CHARS, MIN_MINUTES};

/// A cursor: base64url of `list:id` (an id or a research pseudonym).
const CURSOR_MAX: usize = 256;
const CURSOR: &str = "^[A-Za-z0-9_-]*$";
/// Item, category and condition keys of templates.
const ITEM_KEY: &str = "^[a-z0-9_]+(\\.[a-z0-9_]+)*$";
const SEGMENT_KEY: &str = "^[a-z0-9_]+$";
const PSEUDONYM: &str = "^[0-9a-f]{24}$";
const ETAG: &str = "^(W/)?\"[!#-~]*\"$";
const HH_MM: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";
/// The whole template body is at most this large, so no text in it is longer.
const TEMPLATE_TEXT_MAX: usize = crate::api::templates::TEMPLATE_LIMIT;

/// (schema, property, limit): what the validation code enforces on input, and for answers the
/// limit of the input (or the server's own format) the value comes from.
fn table() -> Vec<(&'static str, &'static str, Limit)> {
    vec![
        // Sign-in.
        ("LoginRequest", "username", Len(1, 254)),
        ("LoginRequest", "password", Len(1, 1024)),
        (
            "ActivateRequest",
            "code",
            // Spaces and dashes are ignored; letters in either case.
            Pattern(
                ACTIVATION_CODE_LEN,
                ACTIVATION_INPUT_MAX,
                "^[2-9A-HJKMNP-Za-hjkmnp-z\\s-]+$",
            ),
        ),
        ("ActivateRequest", "pin", Pattern(5, 6, "^[0-9]{5,6}$")),
        ("ActivateRequest", "password", Len(10, PASSWORD_MAX)),
        ("ChangePasswordRequest", "current_password", Len(1, 1024)),
        (
            "ChangePasswordRequest",
            "new_password",
            Len(5, PASSWORD_MAX),
        ),
        ("RefreshRequest", "refresh_token", Len(1, 1024)),
        ("TokenResponse", "access_token", Len(1, 2048)),
        ("TokenResponse", "refresh_token", Len(1, 1024)),
        // ACCESS_TOKEN_TTL is at most 15 minutes (checked at start).
        ("TokenResponse", "expires_in", Range(1, 900)),
        // People and teams.
        ("CreateTeamRequest", "name", Len(1, 100)),
        ("UpdateTeamRequest", "name", Len(1, 100)),
        ("TeamResponse", "name", Len(1, 100)),
        ("CreateUserRequest", "email", Len(3, 254)),
        ("CreateUserRequest", "display_name", Len(1, 100)),
        ("CreateUserRequest", "password", Len(12, PASSWORD_MAX)),
        ("UpdateUserRequest", "display_name", Len(1, 100)),
        ("UserResponse", "email", Len(3, 254)),
        ("UserResponse", "display_name", Len(1, 100)),
        ("MeResponse", "email", Len(3, 254)),
        ("MeResponse", "display_name", Len(1, 100)),
        ("MeResponse", "login_name", Len(1, 254)),
        ("TeamMemberResponse", "display_name", Len(1, 100)),
        ("CreateResidentRequest", "display_name", Len(1, 80)),
        ("ResidentResponse", "display_name", Len(1, 100)),
        ("ResidentResponse", "login_name", Len(1, 254)),
        ("ActivationCodeResponse", "login_name", Len(1, 254)),
        (
            "ActivationCodeResponse",
            "activation_code",
            Pattern(
                ACTIVATION_CODE_LEN,
                ACTIVATION_CODE_LEN,
                "^[2-9A-HJKMNP-Z]+$",
            ),
        ),
        ("EraseRequest", "reason", Len(3, 300)),
        // Devices and reminders.
        ("RegisterDeviceRequest", "token", Pattern(1, 4096, "^\\S+$")),
        ("RegisterDeviceRequest", "locale", Len(2, 35)),
        ("RegisterDeviceRequest", "app_version", Len(1, 40)),
        ("DeviceResponse", "locale", Len(2, 35)),
        ("DeviceResponse", "app_version", Len(1, 40)),
        (
            "PreferencesBody",
            "quiet_hours",
            Pattern(
                11,
                13,
                "^\\s*\\d{1,2}:\\d{2}\\s*[-\u{2013}]\\s*\\d{1,2}:\\d{2}\\s*$",
            ),
        ),
        ("PreferencesBody", "timezone", Len(1, 64)),
        ("PreferencesBody", "daily_cap", Range(1, 24)),
        ("PreferencesBody", "weekly_cap", Range(1, 100)),
        // Steps.
        ("IntentionRequest", "time", Pattern(5, 5, HH_MM)),
        ("IntentionView", "time", Pattern(5, 5, HH_MM)),
        ("SnoozeRequest", "note", Len(1, 140)),
        ("PulseRequest", "score", Range(1, 5)),
        ("CompleteRequest", "note", Len(0, 500)),
        ("MyCompleteRequest", "note", Len(0, 500)),
        ("ReopenRequest", "reason", Len(1, 300)),
        ("UpdateStepRequest", "reason", Len(1, 300)),
        ("RejectDocumentRequest", "reason", Len(1, 300)),
        // Title ≤ 80, why ≤ 300, description ≤ 1000 characters (the longest use).
        ("TextRequest", "nl", Len(1, 1000)),
        ("TextRequest", "en", Len(1, 1000)),
        (
            "CreateStepRequest",
            "category",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        (
            "CreateStepRequest",
            "minutes",
            Range(i64::from(MIN_MINUTES), i64::from(MAX_MINUTES)),
        ),
        ("CreatePlanRequest", "items", Items(MAX_ITEMS)),
        (
            "CreatePlanRequest",
            "done_in_conversation",
            Items(MAX_ITEMS),
        ),
        (
            "CreatePlanRequest",
            "done_in_conversation/items",
            Pattern(1, MAX_KEY_LEN, ITEM_KEY),
        ),
        (
            "CreatePlanRequest",
            "items/items",
            Pattern(1, MAX_KEY_LEN, ITEM_KEY),
        ),
        (
            "CreatePlanRequest",
            "intake/propertyNames",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        (
            "CreatePlanRequest",
            "owners/propertyNames",
            Pattern(1, MAX_KEY_LEN, ITEM_KEY),
        ),
        (
            "CreatePlanRequest",
            "due_dates/propertyNames",
            Pattern(1, MAX_KEY_LEN, ITEM_KEY),
        ),
        (
            "PlanResponse",
            "intake/propertyNames",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        (
            "ExportPlan",
            "intake/propertyNames",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        (
            "ResearchPlanRow",
            "days_to_criterion/propertyNames",
            Pattern(2, 2, "^E[1-8]$"),
        ),
        (
            "ItemDef",
            "conditions/items",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        (
            "ItemDef",
            "depends_on/items",
            Pattern(1, MAX_KEY_LEN, ITEM_KEY),
        ),
        ("ItemDef", "gate/items", Pattern(2, 2, "^E[1-8]$")),
        ("StepResponse", "gates/items", Pattern(2, 2, "^E[1-8]$")),
        // Templates.
        ("Template", "key", Pattern(1, MAX_KEY_LEN, "^[a-z0-9_.-]+$")),
        ("Template", "items", Items(MAX_ITEMS)),
        (
            "TemplateSummary",
            "key",
            Pattern(1, MAX_KEY_LEN, "^[a-z0-9_.-]+$"),
        ),
        ("TemplateSummary", "items", Range(1, MAX_ITEMS as i64)),
        ("CategoryDef", "key", Pattern(1, MAX_KEY_LEN, SEGMENT_KEY)),
        ("ConditionDef", "key", Pattern(1, MAX_KEY_LEN, SEGMENT_KEY)),
        ("ItemDef", "key", Pattern(1, MAX_KEY_LEN, ITEM_KEY)),
        ("ItemDef", "category", Pattern(1, MAX_KEY_LEN, SEGMENT_KEY)),
        (
            "ItemDef",
            "minutes",
            Range(i64::from(MIN_MINUTES), i64::from(MAX_MINUTES)),
        ),
        ("ItemDef", "source", Len(0, TEMPLATE_TEXT_MAX)),
        ("Localized", "nl", Len(1, TEMPLATE_TEXT_MAX)),
        ("Localized", "en", Len(1, TEMPLATE_TEXT_MAX)),
        (
            "StepResponse",
            "item_key",
            Pattern(1, MAX_KEY_LEN, ITEM_KEY),
        ),
        ("MyStepResponse", "title", Len(1, MAX_TITLE_CHARS)),
        // Answers: each text carries the limit of the input it came from, or the server's own
        // format. Template texts (why, description) are bounded only by the template body.
        ("HealthResponse", "status", Pattern(2, 2, "^ok$")),
        ("TokenResponse", "token_type", Pattern(6, 6, "^Bearer$")),
        (
            "TrendPoint",
            "period",
            Pattern(7, 8, "^[0-9]{4}-(W[0-9]{2}|[0-9]{2})$"),
        ),
        (
            "ResearchPlanRow",
            "start_week",
            Pattern(8, 8, "^[0-9]{4}-W[0-9]{2}$"),
        ),
        ("ResearchPlanRow", "plan", Pattern(24, 24, PSEUDONYM)),
        ("ResearchPlanRow", "team", Pattern(24, 24, PSEUDONYM)),
        ("ResearchGroup", "team", Pattern(24, 24, PSEUDONYM)),
        (
            "ExportDocument",
            "download",
            Pattern(53, 53, "^/v1/me/documents/[0-9a-f-]{36}$"),
        ),
        (
            "ExportUpload",
            "resume",
            Pattern(51, 51, "^/v1/me/uploads/[0-9a-f-]{36}$"),
        ),
        ("ExportDocument", "media_type", Len(1, 32)),
        ("ExportDocument", "review_reason", Len(1, 300)),
        ("DocumentResponse", "review_reason", Len(1, 300)),
        (
            "TeamMemberResponse",
            "discipline",
            Pattern(1, 10, "^(generalist|specialist)$"),
        ),
        ("TeamMemberResponse", "display_name", Len(1, 100)),
        ("ReminderResponse", "last_error", Len(1, 64)),
        ("StepResponse", "etag", Pattern(3, 80, ETAG)),
        ("PlanResponse", "etag", Pattern(3, 80, ETAG)),
        ("Criterion", "code", Pattern(2, 2, "^E[1-8]$")),
        ("Criterion", "name", Len(1, 200)),
        ("Problem", "errors", Items(1)),
        // Exit criteria: always E1–E8.
        ("HandoverResponse", "criteria", Items(8)),
        ("ProgressResponse", "criteria", Items(8)),
        ("CreateUserRequest", "team_ids", Items(MAX_TEAMS_PER_USER)),
        ("UpdateUserRequest", "team_ids", Items(MAX_TEAMS_PER_USER)),
        ("UserResponse", "team_ids", Items(MAX_TEAMS_PER_USER)),
        ("MeResponse", "teams", Items(MAX_TEAMS_PER_USER)),
        ("CreateStepRequest", "depends_on", Items(MAX_ITEMS)),
        ("AssignedStepResponse", "resident_first_name", Len(1, 100)),
        ("DoneForYouResponse", "owner_first_name", Len(1, 100)),
        ("DoneForYouResponse", "title", Len(1, MAX_TITLE_CHARS)),
        (
            "DoneForYouResponse",
            "category",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        ("ExportAccount", "display_name", Len(1, 100)),
        ("ExportAccount", "login_name", Len(1, 254)),
        ("ExportDevice", "app_version", Len(1, 40)),
        ("ExportDevice", "locale", Len(2, 35)),
        (
            "ExportPreferences",
            "quiet_hours",
            Pattern(11, 11, "^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$"),
        ),
        ("ExportPreferences", "timezone", Len(1, 64)),
        (
            "ExportStep",
            "category",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        ("ExportStep", "item_key", Pattern(1, MAX_KEY_LEN, ITEM_KEY)),
        ("ExportStep", "completion_note", Len(0, 500)),
        ("ExportStep", "snooze_note", Len(1, 140)),
        ("ExportStep", "status_reason", Len(1, 300)),
        (
            "StepResponse",
            "category",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        ("StepResponse", "completion_note", Len(0, 500)),
        ("StepResponse", "snooze_note", Len(1, 140)),
        ("StepResponse", "status_reason", Len(1, 300)),
        ("StepResponse", "title", Len(1, MAX_TITLE_CHARS)),
        ("StepResponse", "why", Len(0, TEMPLATE_TEXT_MAX)),
        ("StepResponse", "description", Len(0, TEMPLATE_TEXT_MAX)),
        (
            "MyStepResponse",
            "category",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        ("MyStepResponse", "why", Len(0, TEMPLATE_TEXT_MAX)),
        ("MyStepResponse", "description", Len(0, TEMPLATE_TEXT_MAX)),
        (
            "HandoverItem",
            "category",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        ("HandoverItem", "key", Pattern(1, MAX_KEY_LEN, ITEM_KEY)),
        ("HandoverItem", "title", Len(1, MAX_TITLE_CHARS)),
        (
            "CategoryProgress",
            "category",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        (
            "MilestoneResponse",
            "category",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        ("TemplateSummary", "name", Len(1, TEMPLATE_TEXT_MAX)),
        ("AuditResponse", "request_id", Len(1, 36)),
        // Pages.
        ("AuditPage", "next", Pattern(1, CURSOR_MAX, CURSOR)),
        ("DoneStepPage", "next", Pattern(1, CURSOR_MAX, CURSOR)),
        ("EventPage", "next", Pattern(1, CURSOR_MAX, CURSOR)),
        ("ReminderPage", "next", Pattern(1, CURSOR_MAX, CURSOR)),
        ("ResearchPlanPage", "next", Pattern(1, CURSOR_MAX, CURSOR)),
        (
            "ResearchDecisionPage",
            "next",
            Pattern(1, CURSOR_MAX, CURSOR),
        ),
        ("ResidentPage", "next", Pattern(1, CURSOR_MAX, CURSOR)),
        ("UserPage", "next", Pattern(1, CURSOR_MAX, CURSOR)),
        ("AuditPage", "items", Items(MAX_LIMIT as usize)),
        ("DoneStepPage", "items", Items(MAX_LIMIT as usize)),
        ("EventPage", "items", Items(MAX_LIMIT as usize)),
        ("ReminderPage", "items", Items(MAX_LIMIT as usize)),
        ("ResearchPlanPage", "items", Items(MAX_LIMIT as usize)),
        ("ResearchDecisionPage", "items", Items(MAX_LIMIT as usize)),
        ("ResidentPage", "items", Items(MAX_LIMIT as usize)),
        ("UserPage", "items", Items(MAX_LIMIT as usize)),
        // The worklist and the plan preview.
        ("WorklistResponse", "items", Items(MAX_LIMIT as usize)),
        (
            "WorklistResponse",
            "next_cursor",
            Pattern(1, CURSOR_MAX, CURSOR),
        ),
        (
            "WorklistItem",
            "id",
            Pattern(1, 64, "^[a-z0-9]+_[0-9a-f-]{36}$"),
        ),
        (
            "WorklistItem",
            "reason",
            Pattern(1, MAX_KEY_LEN, "^[a-z_]+$"),
        ),
        ("WorklistItem", "resident_name", Len(1, 100)),
        ("WorklistItem", "step_title", Len(1, MAX_TITLE_CHARS)),
        ("PlanPreviewResponse", "steps", Items(MAX_ITEMS)),
        (
            "PreviewStepResponse",
            "item_key",
            Pattern(1, MAX_KEY_LEN, ITEM_KEY),
        ),
        (
            "PreviewStepResponse",
            "category",
            Pattern(1, MAX_KEY_LEN, SEGMENT_KEY),
        ),
        ("PreviewStepResponse", "title", Len(1, MAX_TITLE_CHARS)),
        // Appointments and the road.
        ("AppointmentPage", "next", Pattern(1, CURSOR_MAX, CURSOR)),
        ("AppointmentPage", "items", Items(MAX_LIMIT as usize)),
        ("MyAppointmentPage", "next", Pattern(1, CURSOR_MAX, CURSOR)),
        ("MyAppointmentPage", "items", Items(MAX_LIMIT as usize)),
        ("AppointmentReasonRequest", "reason", Len(1, 300)),
        ("CreateAppointmentRequest", "place", Len(1, 200)),
        ("CreateAppointmentRequest", "bring", Len(1, 500)),
        ("CreateAppointmentRequest", "step_ids", Items(20)),
        ("UpdateAppointmentRequest", "place", Len(1, 200)),
        ("UpdateAppointmentRequest", "bring", Len(1, 500)),
        ("UpdateAppointmentRequest", "reason", Len(1, 300)),
        ("UpdateAppointmentRequest", "step_ids", Items(20)),
        ("AppointmentResponse", "place", Len(1, 200)),
        ("AppointmentResponse", "bring", Len(1, 500)),
        ("AppointmentResponse", "status_reason", Len(1, 300)),
        ("AppointmentResponse", "move_request_reason", Len(1, 300)),
        ("AppointmentResponse", "step_ids", Items(20)),
        ("MyAppointmentResponse", "place", Len(1, 200)),
        ("MyAppointmentResponse", "bring", Len(1, 500)),
        ("MyAppointmentResponse", "steps", Items(20)),
        ("MyAppointmentResponse", "team_name", Len(0, 100)),
        ("MyAppointmentResponse", "with_first_name", Len(0, 100)),
        ("AppointmentStep", "title", Len(0, MAX_TITLE_CHARS)),
        ("WorklistItem", "move_request_reason", Len(1, 300)),
        ("RoadContact", "first_name", Len(0, 100)),
        ("RoadCriterion", "code", Pattern(2, 2, "^E[1-8]$")),
        ("RoadCriterion", "name", Len(1, 200)),
        ("RoadPhase", "name", Len(1, 80)),
        ("RoadPhase", "description", Len(1, 300)),
        ("RoadResponse", "phases", Items(2)),
        ("RoadResponse", "open_criteria", Items(8)),
        ("RoadResponse", "contacts", Items(MAX_ITEMS + 1)),
        ("RoadTeam", "name", Len(0, 100)),
        ("RoadTeam", "phone", Len(1, 40)),
        ("RoadTeam", "email", Len(1, 254)),
        ("RoadTeam", "hours", Len(1, 200)),
        ("TeamResponse", "contact_phone", Len(1, 40)),
        ("TeamResponse", "contact_email", Len(1, 254)),
        ("TeamResponse", "contact_hours", Len(1, 200)),
        ("UpdateTeamRequest", "contact_phone", Len(1, 40)),
        ("UpdateTeamRequest", "contact_email", Len(1, 254)),
        ("UpdateTeamRequest", "contact_hours", Len(1, 200)),
        // Problems.
        ("Problem", "status", Range(400, 599)),
        ("FieldError", "field", Len(1, FIELD_TEXT_MAX)),
        ("FieldError", "message", Len(1, FIELD_TEXT_MAX)),
        ("Problem", "detail", Len(1, DETAIL_MAX)),
        ("Problem", "title", Len(1, 80)),
        (
            "Problem",
            "type",
            Pattern(1, 80, "^urn:stapvoorstap:problem:[a-z_]+$"),
        ),
        // Names of the vocabulary; keys come from the template (checked on upload).
        ("CategoryName", "key", Pattern(1, MAX_KEY_LEN, SEGMENT_KEY)),
        ("CriterionName", "code", Pattern(2, 2, "^E[1-8]$")),
        ("VocabularyTemplate", "key", Len(1, MAX_KEY_LEN)),
        ("UploadResponse", "location", Len(1, 256)),
        // 65 bytes of an uncompressed P-256 point in base64url.
        (
            "WebPushInfo",
            "public_key",
            Pattern(87, 87, "^[A-Za-z0-9_-]{87}$"),
        ),
    ]
}

/// Query and header parameters by name.
fn parameter_limit(name: &str) -> Option<Limit> {
    Some(match name {
        "cursor" => Pattern(0, CURSOR_MAX, CURSOR),
        "limit" => Range(1, MAX_LIMIT),
        // The worklist's kinds (each at most once is enough).
        "kind" => Items(crate::domain::worklist::WorklistKind::ALL.len()),
        "If-Match" | "If-None-Match" => Len(1, 1024),
        // Only `cookie` means something; other values are ignored.
        "X-Token-Transport" => Pattern(6, 6, "^cookie$"),
        // tus: kept unread (it usually holds a file name); bounded by the request head.
        "Upload-Metadata" => Len(0, HEAD_MAX),
        "Tus-Resumable" => Pattern(5, 5, "^1\\.0\\.0$"),
        _ if name == crate::api::idempotency::HEADER => Len(1, KEY_MAX),
        _ => return None,
    })
}

fn apply(schema: &mut Map<String, Value>, limit: &Limit) {
    match *limit {
        Len(min, max) => {
            schema.insert("maxLength".into(), json!(max));
            if min > 0 {
                schema.insert("minLength".into(), json!(min));
            }
        }
        Pattern(min, max, pattern) => {
            schema.insert("maxLength".into(), json!(max));
            if min > 0 {
                schema.insert("minLength".into(), json!(min));
            }
            schema.insert("pattern".into(), json!(pattern));
        }
        Items(max) => {
            schema.insert("maxItems".into(), json!(max));
        }
        Range(min, max) => {
            schema.insert("minimum".into(), json!(min));
            schema.insert("maximum".into(), json!(max));
        }
    }
}

/// The schema a property's limit goes on: the property itself, or the non-null branch of a
/// nullable `oneOf`.
fn target(schema: &mut Value) -> Option<&mut Map<String, Value>> {
    if schema.get("oneOf").is_some() {
        return schema["oneOf"]
            .as_array_mut()?
            .iter_mut()
            .find(|s| s.get("type") != Some(&json!("null")))
            .and_then(Value::as_object_mut);
    }
    schema.as_object_mut()
}

fn limits(doc: &mut Value) {
    for (name, property, limit) in table() {
        let pointer = format!("/components/schemas/{name}/properties/{property}");
        match doc.pointer_mut(&pointer).and_then(target) {
            Some(schema) => apply(schema, &limit),
            None => tracing::error!(%pointer, "limit for a property the spec does not have"),
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in METHODS {
                let Some(params) = item
                    .get_mut(method)
                    .and_then(|op| op.get_mut("parameters"))
                    .and_then(Value::as_array_mut)
                else {
                    continue;
                };
                for p in params {
                    let name = p["name"].as_str().unwrap_or_default().to_owned();
                    if let (Some(limit), Some(schema)) =
                        (parameter_limit(&name), p.get_mut("schema").and_then(target))
                    {
                        apply(schema, &limit);
                    }
                }
            }
        }
    }
    formats(doc);
}

/// Limits that follow from a value's format wherever it appears: a UUID is 36 characters, a
/// date 10, an RFC 3339 instant at most 35 (nanoseconds and an offset); an `int32`/`int64`
/// without a documented range spans its format.
fn formats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let types: Vec<String> = match map.get("type") {
                Some(Value::String(t)) => vec![t.clone()],
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            let format = map.get("format").and_then(Value::as_str).map(str::to_owned);
            if types.iter().any(|t| t == "string") && !map.contains_key("maxLength") {
                let max = match format.as_deref() {
                    Some("uuid") => Some(36),
                    Some("date") => Some(10),
                    Some("date-time") => Some(35),
                    _ => None,
                };
                if let Some(max) = max {
                    map.insert("maxLength".into(), json!(max));
                }
            }
            if types.iter().any(|t| t == "integer") {
                let (lo, hi) = match format.as_deref() {
                    Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
                    Some("uint32") => (0, i64::from(u32::MAX)),
                    _ => (i64::MIN, i64::MAX),
                };
                map.entry("minimum").or_insert(json!(lo));
                map.entry("maximum").or_insert(json!(hi));
                if format.is_none() {
                    map.insert("format".into(), json!("int64"));
                }
            }
            for inner in map.values_mut() {
                formats(inner);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(formats),
        _ => {}
    }
}
