//! The two web apps and the files they share, embedded in the binary at build time (debug
//! builds read them from disk, so editing a file needs no rebuild). Not part of the API spec:
//! these are static files.
//!
//! | path | folder | what |
//! | --- | --- | --- |
//! | `/app/` | `web/app/` | the resident app (a Progressive Web App) |
//! | `/console/` | `web/console/` | the staff console (caseworkers, volunteers, admins) |
//! | `/common/` | `web/common/` | code both apps load (the API client core, the view library binding) |
//! | `/vendor/` | `web/vendor/` | vendored libraries (Preact, htm, Utrecht design system), one folder per version |
//!
//! Caching: everything is revalidated with its `ETag` (a cheap 304) and `no-cache`, so a new
//! release reaches browsers at once, except `/vendor/`, whose folders carry their version in
//! their path and are cached for a year. In an app, unknown paths without a file extension
//! answer its `index.html` (the app routes itself). Every answer carries the same strict CSP.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::EmbeddedFile;

/// The embedded files of the resident app.
#[derive(rust_embed::Embed)]
#[folder = "web/app/"]
struct AppFiles;

/// The embedded files of the staff console.
#[derive(rust_embed::Embed)]
#[folder = "web/console/"]
struct ConsoleFiles;

/// Code both apps share.
#[derive(rust_embed::Embed)]
#[folder = "web/common/"]
struct CommonFiles;

/// Vendored libraries, versioned folders.
#[derive(rust_embed::Embed)]
#[folder = "web/vendor/"]
struct VendorFiles;

/// One served folder.
struct Site {
    /// The URL prefix, with its slashes (`/app/`).
    prefix: &'static str,
    get: fn(&str) -> Option<EmbeddedFile>,
    /// An app (routes itself: extension-less paths answer `index.html`) or plain files.
    app: bool,
    /// The scope of its service worker (`sw.js`), if it has one.
    worker_scope: Option<&'static str>,
    /// Versioned files: cached for a year.
    immutable: bool,
}

const APP: Site = Site {
    prefix: "/app/",
    get: AppFiles::get,
    app: true,
    worker_scope: Some("/app/"),
    immutable: false,
};
const CONSOLE: Site = Site {
    prefix: "/console/",
    get: ConsoleFiles::get,
    app: true,
    worker_scope: None,
    immutable: false,
};
const COMMON: Site = Site {
    prefix: "/common/",
    get: CommonFiles::get,
    app: false,
    worker_scope: None,
    immutable: false,
};
const VENDOR: Site = Site {
    prefix: "/vendor/",
    get: VendorFiles::get,
    app: false,
    worker_scope: None,
    immutable: true,
};

/// The Content-Security-Policy of the apps' pages: nothing but this server, no inline script
/// or style, never framed.
pub const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
form-action 'self'; manifest-src 'self'; worker-src 'self'";

const INDEX: &str = "index.html";

/// Registers `/app` and `/console` (redirects to their folders) and the four folders.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/app", "/app/"))
        .service(web::redirect("/console", "/console/"));
    for site in [&APP, &CONSOLE, &COMMON, &VENDOR] {
        let handler = move |req: HttpRequest, path: web::Path<String>| serve(site, req, path);
        cfg.service(
            web::resource(format!("{}{{path:.*}}", site.prefix))
                .route(web::get().to(handler))
                .route(web::head().to(handler)),
        );
    }
}

/// Adds the apps' security headers to an answer. Kept as one small function so a general
/// security-header middleware can take it over (or leave the apps to it) when merged.
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

/// How long a file of a site may be cached.
fn cache_control(site: &Site) -> &'static str {
    if site.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// A path the app routes itself (no file extension in its last segment).
fn is_app_route(path: &str) -> bool {
    !path.rsplit('/').next().unwrap_or("").contains('.')
}

async fn serve(site: &Site, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let mut name = path.into_inner();
    if site.app && (name.is_empty() || name.ends_with('/')) {
        name.push_str(INDEX);
    }
    let (name, file) = match (site.get)(&name) {
        Some(f) => (name, f),
        None if site.app && is_app_route(&name) => match (site.get)(INDEX) {
            Some(f) => (INDEX.to_owned(), f),
            None => return not_found(),
        },
        None => return not_found(),
    };
    // Weak: a compressing middleware sends other bytes under the same tag.
    let etag = format!("W/\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    let mime = file.metadata.mimetype();
    let content_type = if mime.ends_with("javascript") {
        // RFC 9239: one type for every script, `.js` and `.mjs` alike.
        "text/javascript; charset=utf-8".to_owned()
    } else if mime.starts_with("text/") {
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
        HeaderValue::from_static(cache_control(site)),
    );
    if let (Some(scope), "sw.js") = (site.worker_scope, name.as_str()) {
        // The worker may control the whole app scope.
        h.insert(
            header::HeaderName::from_static("service-worker-allowed"),
            HeaderValue::from_static(scope),
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
        assert!(cache_control(&VENDOR).contains("immutable"));
        for site in [&APP, &CONSOLE, &COMMON] {
            assert_eq!(cache_control(site), "no-cache", "{}", site.prefix);
        }
    }
}
