//! The cookie transport of the refresh token, for browser apps: with the request header
//! `X-Token-Transport: cookie`, activation, sign-in and refresh put the refresh token in an
//! `HttpOnly; SameSite=Strict; Path=/v1/auth/` cookie instead of the answer's body, so no script
//! (and no injected script) can read it; refresh and sign-out then take it from that cookie.
//! The access token stays in the app's memory only.
//!
//! CSRF: a request that relies on the cookie must carry the same header. A cross-site form
//! cannot set headers, and a cross-origin script cannot send this one without a CORS preflight
//! that this server never allows; `SameSite=Strict` keeps the cookie off cross-site requests
//! anyway, and an `Origin` header that names another host is refused outright.
//!
//! `Secure` is set except on plain `http://` to a loopback host (`127.0.0.1`, `localhost`,
//! `[::1]`): that is development on one's own machine (`serve --demo`), where there is no TLS
//! and nothing travels over a network. Everywhere else the cookie only ever goes over HTTPS.

use crate::api::auth::TokenResponse;
use crate::error::ApiError;
use crate::i18n::Msg;
use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::{HttpRequest, HttpResponse};

/// Name of the refresh-token cookie.
pub const COOKIE: &str = "svs_refresh";
/// The request header that asks for (and authorises use of) the cookie transport.
pub const HEADER: &str = "x-token-transport";
const PATH: &str = "/v1/auth/";
/// The longest refresh token accepted (`maxLength` in the spec).
const TOKEN_MAX: usize = 1024;

/// The `X-Token-Transport` request header, as documented on the auth operations.
#[derive(utoipa::IntoParams)]
#[into_params(names("X-Token-Transport"), parameter_in = Header)]
pub struct Header(
    /// `cookie`: the refresh token travels in an HttpOnly `svs_refresh` cookie (path
    /// `/v1/auth/`, `SameSite=Strict`) instead of the body, and refresh/logout read it from
    /// there (send `{}` as their body). Browser apps only; any other value is refused (422,
    /// `validation_failed`) before anything is done.
    #[allow(dead_code)]
    Option<String>,
);

/// Whether the client asked for the cookie transport.
pub fn wanted(req: &HttpRequest) -> bool {
    req.headers().get(HEADER).is_some_and(|v| v == "cookie")
}

/// Refuses an `X-Token-Transport` header with any value but `cookie`, so a client with a typo
/// learns of it instead of silently getting the token in the body. Called before anything is
/// written.
pub fn check(req: &HttpRequest) -> Result<(), ApiError> {
    match req.headers().get(HEADER) {
        Some(v) if v != "cookie" => Err(ApiError::invalid(
            "X-Token-Transport",
            Msg::TokenTransportUnknown,
        )),
        _ => Ok(()),
    }
}

/// The refresh token a refresh or sign-out presents: the body's, else (cookie transport only)
/// the cookie's. `None` when there is none.
pub fn presented_token(
    req: &HttpRequest,
    from_body: Option<String>,
) -> Result<Option<String>, ApiError> {
    match from_body {
        // An empty token is not "no token": the client meant to send one and sent nothing.
        Some(t) if t.is_empty() => {
            return Err(ApiError::invalid("refresh_token", Msg::RefreshTokenMissing));
        }
        // The documented bound (no token this server makes is longer).
        Some(t) if t.len() > TOKEN_MAX => {
            return Err(ApiError::invalid(
                "refresh_token",
                Msg::TooLong { max: TOKEN_MAX },
            ));
        }
        Some(t) if !t.trim().is_empty() => return Ok(Some(t)),
        _ => {}
    }
    if !wanted(req) {
        return Err(ApiError::invalid("refresh_token", Msg::RefreshTokenMissing));
    }
    check_origin(req)?;
    Ok(req.cookie(COOKIE).map(|c| c.value().to_owned()))
}

/// A request carrying an `Origin` of another host does not use the cookie.
fn check_origin(req: &HttpRequest) -> Result<(), ApiError> {
    let Some(origin) = req.headers().get(actix_web::http::header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    let host = req.connection_info().host().to_ascii_lowercase();
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.to_ascii_lowercase())
        .unwrap_or_default();
    if origin_host != host {
        return Err(ApiError::Forbidden(Msg::OtherSite));
    }
    Ok(())
}

/// Plain HTTP to one's own machine: the only case without `Secure`.
fn loopback_http(req: &HttpRequest) -> bool {
    let info = req.connection_info();
    if info.scheme() != "http" {
        return false;
    }
    let host = info.host();
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn cookie(req: &HttpRequest, value: String, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path(PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(!loopback_http(req))
        .max_age(max_age)
        .finish()
}

/// The token answer: as it is, or with the refresh token moved into the cookie.
pub fn answer(req: &HttpRequest, mut tokens: TokenResponse) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    if wanted(req)
        && let Some(token) = tokens.refresh_token.take()
    {
        let left = (tokens.refresh_expires_at - crate::clock::now())
            .num_seconds()
            .max(0);
        res.cookie(cookie(req, token, time::Duration::seconds(left)));
    }
    res.json(tokens)
}

/// The sign-out answer: 204, clearing the cookie with the cookie transport.
pub fn signed_out(req: &HttpRequest) -> HttpResponse {
    let mut res = HttpResponse::NoContent();
    if wanted(req) {
        res.cookie(cookie(req, String::new(), time::Duration::ZERO));
    }
    res.finish()
}
