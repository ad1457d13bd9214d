//! The HTTP API: route registration (which is also its OpenAPI documentation), extractor
//! configuration, and the answers for unknown routes and wrong methods.

pub mod auth;
pub mod health;
pub mod me;
pub mod residents;
pub mod teams;
pub mod types;
pub mod users;
pub mod validate;

use crate::error::{ApiError, PROBLEM_JSON};
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
    )
)]
pub struct ApiDoc;

/// Registers every documented route.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(health::metrics)
        .service(auth::login)
        .service(auth::activate)
        .service(auth::refresh)
        .service(auth::logout)
        .service(me::get_me)
        .service(me::change_password)
        .service(teams::create_team)
        .service(teams::list_teams)
        .service(users::create_user)
        .service(users::list_users)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::unlock_user)
        .service(residents::create_resident)
        .service(residents::list_residents)
        .service(residents::get_resident)
        .service(residents::new_activation_code_for)
        .service(residents::unlock_resident);
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
    api
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
            ] {
                if op.is_some() {
                    methods.push(match m {
                        HttpMethod::Get => Method::GET,
                        HttpMethod::Put => Method::PUT,
                        HttpMethod::Post => Method::POST,
                        HttpMethod::Delete => Method::DELETE,
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
            if methods.contains(&Method::GET) {
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
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::Validation {
            detail: format!("The request body does not fit the expected shape: {e}"),
            errors: Vec::new(),
        },
        JsonPayloadError::Deserialize(e) => ApiError::InvalidJson(e.to_string()),
        other => ApiError::BadRequest(format!("The request body could not be read: {other}")),
    }
}

/// Path parameters that do not parse (e.g. an id that is no UUID) name nothing that exists.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err: PathError, _req| ApiError::NotFound.into())
}

/// Query strings that do not parse answer 400 with the reason.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        ApiError::BadRequest(format!("Invalid query parameters: {err}")).into()
    })
}

/// Any other body (e.g. `web::Bytes`): same limit.
pub fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::new(JSON_LIMIT)
}
