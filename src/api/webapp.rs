//! The resident app (a Progressive Web App) at `/app/`: the files under `web/app/`, embedded in
//! the binary at build time (debug builds read them from disk, so editing a file needs no
//! rebuild). Not part of the API spec: these are static files.
//!
//! Caching: `index.html`, `sw.js` and the manifest are `no-cache` (always revalidated, so a new
//! release reaches phones at once); files under `vendor/` carry their version in their path and
//! are cached for a year; everything else is revalidated with its `ETag` (a cheap 304).
//! Unknown paths without a file extension answer `index.html` (the app routes itself).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

/// The embedded files of the resident app.
#[derive(rust_embed::Embed)]
#[folder = "web/app/"]
struct AppFiles;

/// The Content-Security-Policy of the app's pages: nothing but this server, no inline script
/// or style, never framed.
pub const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
form-action 'self'; manifest-src 'self'; worker-src 'self'";

const INDEX: &str = "index.html";

/// Registers `/app` (a redirect) and `/app/{path}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/app", "/app/")).service(
        web::resource("/app/{path:.*}")
            .route(web::get().to(serve))
            .route(web::head().to(serve)),
    );
}

/// Adds the app's security headers to an answer. Kept as one small function so a general
/// security-header middleware can take it over (or leave `/app/` to it) when merged.
pub fn security_headers(res: &mut HttpResponse) {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(APP_CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

/// How long a file may be cached.
fn cache_control(path: &str) -> &'static str {
    match path {
        INDEX | "sw.js" | "manifest.webmanifest" => "no-cache",
        p if p.starts_with("vendor/") => "public, max-age=31536000, immutable",
        _ => "no-cache",
    }
}

/// A path the app routes itself (no file extension in its last segment).
fn is_app_route(path: &str) -> bool {
    !path.rsplit('/').next().unwrap_or("").contains('.')
}

async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let mut name = path.into_inner();
    if name.is_empty() || name.ends_with('/') {
        name.push_str(INDEX);
    }
    let (name, file) = match AppFiles::get(&name) {
        Some(f) => (name, f),
        None if is_app_route(&name) => match AppFiles::get(INDEX) {
            Some(f) => (INDEX.to_owned(), f),
            None => return not_found(),
        },
        None => return not_found(),
    };
    // Weak: a compressing middleware sends other bytes under the same tag.
    let etag = format!("W/\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    let mime = file.metadata.mimetype();
    let content_type = if mime.starts_with("text/") || mime.ends_with("javascript") {
        format!("{mime}; charset=utf-8")
    } else if name.ends_with(".webmanifest") {
        "application/manifest+json".to_owned()
    } else {
        mime.to_owned()
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| etag_matches(v, &etag));
    let mut res = if fresh {
        HttpResponse::NotModified().finish()
    } else {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, content_type))
            .body(file.data.into_owned())
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control(&name)),
    );
    if name == "sw.js" {
        // The worker may control the whole app scope.
        h.insert(
            header::HeaderName::from_static("service-worker-allowed"),
            HeaderValue::from_static("/app/"),
        );
    }
    security_headers(&mut res);
    res
}

/// `If-None-Match` with weak comparison (RFC 9110 §13.1.2): `*` or any listed tag whose opaque
/// part equals ours.
fn etag_matches(header: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    header
        .split(',')
        .any(|t| t.trim() == "*" || opaque(t) == ours)
}

fn not_found() -> HttpResponse {
    let mut res = HttpResponse::NotFound()
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body("Not found");
    security_headers(&mut res);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_strong_tags_match_weakly() {
        assert!(etag_matches("W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"x\", W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("*", "W/\"abc\""));
        assert!(!etag_matches("W/\"abd\"", "W/\"abc\""));
    }

    #[test]
    fn routes_and_files_are_told_apart() {
        assert!(is_app_route("progress"));
        assert!(is_app_route("settings/devices"));
        assert!(!is_app_route("app.js"));
        assert!(!is_app_route("vendor/preact-10.29.8/preact.module.js"));
    }

    #[test]
    fn versioned_files_cache_long_the_rest_revalidates() {
        assert_eq!(cache_control("index.html"), "no-cache");
        assert_eq!(cache_control("sw.js"), "no-cache");
        assert!(cache_control("vendor/x-1/y.js").contains("immutable"));
        assert_eq!(cache_control("js/api.js"), "no-cache");
    }
}
