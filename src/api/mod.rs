//! The HTTP API: route registration (which is also its OpenAPI documentation), extractor
//! configuration, and the answers for unknown routes and wrong methods.

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod behaviour;
pub mod conditional;
pub mod contract;
pub mod devices;
pub mod documents;
pub mod handover;
pub mod health;
pub mod idempotency;
pub mod input;
pub mod links;
pub mod me;
pub mod my_steps;
pub mod my_vocabulary;
pub mod paging;
pub mod plans;
pub mod privacy;
pub mod problem;
pub mod research;
pub mod research_decisions;
pub mod residents;
pub mod road;
pub mod steps;
pub mod teams;
pub mod templates;
pub mod uploads;
pub mod users;
pub mod vocab;
pub mod webapp;
pub mod worklist;

use crate::error::{ApiError, PROBLEM_JSON};
use crate::i18n::Msg;
use actix_web::dev::ResourceDef;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::Method;
use actix_web::{App, HttpRequest, HttpResponse, web};
use utoipa::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

/// Largest accepted JSON body unless an endpoint says otherwise.
pub const JSON_LIMIT: usize = 64 * 1024;

/// The static part of the OpenAPI document; paths are collected from the registered routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stap voor Stap API",
        description = "Small achievable steps through the stabilisation phase of Dutch municipal debt help. \
Errors are RFC 9457 `application/problem+json` documents with a stable `code`.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2")
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    tags(
        (name = "operations", description = "Health and metrics"),
        (name = "auth", description = "Activation, sign-in, token refresh and sign-out"),
        (name = "me", description = "The signed-in user"),
        (name = "teams", description = "Neighbourhood teams"),
        (name = "users", description = "Staff accounts (admin)"),
        (name = "residents", description = "Residents (caseworkers of their team)"),
        (name = "templates", description = "Action-list templates"),
        (name = "plans", description = "Plans made from templates (caseworkers)"),
        (name = "steps", description = "Step work by staff and volunteers"),
        (name = "research", description = "Pseudonymised outcome data (researchers)"),
        (name = "audit", description = "Who read or changed residents' data (admins)"),
        (name = "devices", description = "Push devices and reminder preferences"),
        (name = "my steps", description = "The resident's dosed steps, progress and history; work lists"),
        (name = "documents", description = "Photos and PDFs as evidence for steps: upload, review, download"),
        (name = "appointments", description = "Appointments with a resident: plan, move, cancel, record (caseworkers)"),
        (name = "my appointments", description = "The resident's appointments: see, confirm, ask to move, add to the calendar"),
    )
)]
pub struct ApiDoc;

/// Registers every documented route.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(health::metrics)
        // The resident's hot paths next: actix tries routes in this order, and every dynamic
        // route tried before a match costs a regex run.
        .service(my_steps::current_steps)
        .service(my_steps::complete_my_step)
        .service(my_steps::ask_help)
        .service(my_steps::my_progress)
        .service(my_steps::done_steps)
        .service(my_steps::assigned_steps)
        .service(auth::login)
        .service(auth::activate)
        .service(auth::refresh)
        .service(auth::logout)
        .service(me::get_me)
        .service(me::update_me)
        .service(me::change_password)
        .service(my_vocabulary::my_vocabulary)
        .service(teams::create_team)
        .service(teams::list_teams)
        .service(teams::update_team)
        .service(teams::list_team_members)
        .service(users::create_user)
        .service(users::list_users)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::unlock_user)
        .service(residents::create_resident)
        .service(residents::list_residents)
        .service(worklist::get_worklist)
        .service(residents::get_resident)
        .service(residents::new_activation_code_for)
        .service(residents::unlock_resident)
        .service(templates::list_templates)
        .service(templates::get_template)
        .service(templates::create_template)
        .service(plans::create_plan)
        .service(plans::preview_plan)
        .service(plans::get_plan)
        .service(plans::update_plan)
        .service(plans::add_step)
        .service(plans::list_events)
        .service(steps::get_step)
        .service(steps::update_step)
        .service(steps::complete_step)
        .service(steps::verify_step)
        .service(steps::reopen_step)
        .service(devices::register_device)
        .service(devices::list_devices)
        .service(devices::web_push_info)
        .service(devices::delete_device)
        .service(devices::get_preferences)
        .service(devices::put_preferences)
        .service(devices::list_plan_reminders)
        .service(behaviour::set_intention)
        .service(behaviour::clear_intention)
        .service(behaviour::snooze_step)
        .service(behaviour::report_my_crisis)
        .service(behaviour::report_plan_crisis)
        .service(behaviour::post_mood)
        .service(behaviour::post_alliance)
        .service(behaviour::plan_pulse)
        .service(audit::list_audit)
        .service(privacy::export_me)
        .service(privacy::erase_resident)
        .service(research::research_plans)
        .service(research::research_summary)
        .service(research_decisions::research_decisions)
        .service(handover::handover)
        .service(documents::upload_document)
        .service(documents::list_my_documents)
        .service(documents::get_my_document)
        .service(documents::delete_my_document)
        .service(documents::list_plan_documents)
        .service(documents::list_step_documents)
        .service(documents::get_document)
        .service(documents::accept_document)
        .service(documents::reject_document)
        .service(uploads::tus_options)
        .service(uploads::create_upload)
        .service(uploads::head_upload)
        .service(uploads::patch_upload)
        .service(uploads::delete_upload)
        .service(appointments::create_appointment)
        .service(appointments::list_plan_appointments)
        .service(appointments::get_appointment)
        .service(appointments::update_appointment)
        .service(appointments::cancel_appointment)
        .service(appointments::record_appointment_outcome)
        .service(appointments::my_appointments)
        .service(appointments::get_my_appointment)
        .service(appointments::confirm_my_appointment)
        .service(appointments::request_appointment_move)
        .service(appointments::my_appointment_calendar)
        .service(road::my_road);
}

/// The complete OpenAPI document the service serves and `stapvoorstap openapi` prints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    finish_openapi(api)
}

/// Adds what every operation shares: the bearer scheme and a problem+json `default` response,
/// so any error status a client meets is documented.
fn finish_openapi(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    let problem = ResponseBuilder::new()
        .description("An error, as an RFC 9457 problem document")
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build();
    for item in api.paths.paths.values_mut() {
        for op in operations_mut(item) {
            op.responses
                .responses
                .entry("default".to_owned())
                .or_insert_with(|| problem.clone().into());
        }
    }
    for missing in idempotency::document(&mut api) {
        tracing::error!(operation = %missing, "idempotent operation missing from the spec");
    }
    // The rest is easier said on the JSON form; utoipa reads its own output back unchanged.
    let mut doc = match serde_json::to_value(&api) {
        Ok(doc) => doc,
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document does not serialise");
            return api;
        }
    };
    contract::refine(&mut doc);
    links::add(&mut doc);
    match serde_json::from_value(doc) {
        Ok(refined) => refined,
        Err(e) => {
            tracing::error!(error = %e, "the refined OpenAPI document does not read back");
            api
        }
    }
}

fn operations_mut(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
        item.head.as_mut(),
        item.options.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Which methods each documented path accepts; used to tell 405 from 404.
#[derive(Clone)]
pub struct RouteTable(Vec<(ResourceDef, Vec<Method>)>);

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = Vec::new();
        for (path, item) in &api.paths.paths {
            let mut methods = Vec::new();
            for (m, op) in [
                (HttpMethod::Get, &item.get),
                (HttpMethod::Put, &item.put),
                (HttpMethod::Post, &item.post),
                (HttpMethod::Delete, &item.delete),
                (HttpMethod::Patch, &item.patch),
                (HttpMethod::Head, &item.head),
                (HttpMethod::Options, &item.options),
            ] {
                if op.is_some() {
                    methods.push(match m {
                        HttpMethod::Get => Method::GET,
                        HttpMethod::Put => Method::PUT,
                        HttpMethod::Post => Method::POST,
                        HttpMethod::Delete => Method::DELETE,
                        HttpMethod::Head => Method::HEAD,
                        HttpMethod::Options => Method::OPTIONS,
                        _ => Method::PATCH,
                    });
                }
            }
            routes.push((ResourceDef::new(path.as_str()), methods));
        }
        Self(routes)
    }

    fn allowed(&self, path: &str) -> Option<&[Method]> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, m)| m.as_slice())
    }
}

/// Answer for anything no route matched: 405 with `Allow` when the path exists, else 404.
pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(methods) => {
            let mut allow: Vec<String> = methods.iter().map(|m| m.to_string()).collect();
            if methods.contains(&Method::GET) && !methods.contains(&Method::HEAD) {
                allow.push("HEAD".into());
            }
            ApiError::MethodNotAllowed {
                method: req.method().to_string(),
                allow,
            }
        }
        None => ApiError::NotFound,
    })
}

/// JSON bodies: size limit, content type and parse errors all answer problem+json.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::body_shape(e),
        JsonPayloadError::Deserialize(e) => ApiError::InvalidJson(e.to_string()),
        other => {
            tracing::debug!(error = %other, "request body unreadable");
            ApiError::BadRequest(Msg::BodyUnreadable)
        }
    }
}

/// Reads a JSON body with its own size limit (for the few endpoints that need more than
/// [`JSON_LIMIT`]), with the same errors as the standard extractor.
pub async fn read_json<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<T, ApiError> {
    use futures_util::StreamExt;
    let is_json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::debug!(error = %e, "request body unreadable");
            ApiError::BadRequest(Msg::BodyUnreadable)
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    let mut value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    input::check_json(&mut value)?;
    serde_json::from_value(value).map_err(ApiError::body_shape)
}

/// For PATCH bodies: tells "absent" (keep, `None`) from `null` (clear, `Some(None)`).
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// A JSON request body that must be an object. Replaces `web::Json` for input: serde's derive
/// also accepts a JSON array for a struct (`[null, null]` for an all-optional one), which no
/// client means. Keeps the name `Json` so utoipa still documents the request body.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Checks a parsed body (an object, no control characters: [`input::check_json`]) and only
/// then turns it into the wire type.
fn object_into<T: serde::de::DeserializeOwned>(
    mut value: serde_json::Value,
) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::Validation {
            detail: Msg::BodyNotObject,
            errors: Vec::new(),
        });
    }
    crate::wire::read::integral_floats_to_integers(&mut value);
    input::check_json(&mut value)?;
    serde_json::from_value(value).map_err(ApiError::body_shape)
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let web::Json(value) = value.await?;
            idempotency::note_body(&req, &value);
            Ok(Json(object_into(value)?))
        })
    }
}

/// An optional JSON object body: no body (or an empty one) and `null` are `None`; anything else
/// must be a valid JSON object of the type, or the request fails like [`Json`].
pub struct OptionalJson<T>(pub Option<T>);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        let content_type = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok());
        let req = req.clone();
        Box::pin(async move {
            let bytes =
                bytes
                    .await
                    .map_err(|e| match e.as_response_error().status_code().as_u16() {
                        413 => ApiError::PayloadTooLarge { limit: JSON_LIMIT },
                        _ => ApiError::BadRequest(Msg::BodyUnreadable),
                    })?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            if !content_type
                .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
            {
                return Err(ApiError::UnsupportedMediaType.into());
            }
            let value: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
            idempotency::note_body(&req, &value);
            if value.is_null() {
                return Ok(OptionalJson(None));
            }
            Ok(OptionalJson(Some(object_into(value)?)))
        })
    }
}

/// Path parameters that do not parse (e.g. an id that is no UUID) name nothing that exists.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err: PathError, _req| ApiError::NotFound.into())
}

/// Query strings that do not parse answer 400 with the reason. Every query struct denies
/// unknown fields (list endpoints without parameters take [`NoQuery`]), so an unknown
/// parameter is refused the same way everywhere: 400 `unknown_query_parameter`, naming it.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err: QueryPayloadError, _req| query_error(&err.to_string()).into())
}

fn query_error(message: &str) -> ApiError {
    // serde's text for a denied field: "unknown field `x`, expected one of `a`, `b`".
    let unknown = message
        .split_once("unknown field `")
        .and_then(|(_, rest)| rest.split_once('`'));
    match unknown {
        Some((name, rest)) => {
            let name = name.to_owned();
            let detail = match rest.split_once("expected ") {
                Some((_, takes)) => Msg::UnknownQueryParameterTakes {
                    name,
                    takes: takes.to_owned(),
                },
                None => Msg::UnknownQueryParameter { name },
            };
            ApiError::Malformed {
                code: "unknown_query_parameter",
                detail,
            }
        }
        None => ApiError::BadRequest(Msg::InvalidQuery {
            reason: message.to_owned(),
        }),
    }
}

/// The query of a list endpoint that takes no parameters: anything sent is refused (400).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

/// Any other body (e.g. `web::Bytes`): same limit.
pub fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::new(JSON_LIMIT)
}
