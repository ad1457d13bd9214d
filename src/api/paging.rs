//! Cursor pagination, the same on every list that grows with use.
//!
//! A page is asked for with `limit` (1–[`MAX_LIMIT`], default [`DEFAULT_LIMIT`]) and the
//! `cursor` of the page before. Every list has a stable order with the item id as its last
//! key (keyset pagination), so items added between two page reads never make an item of a
//! later page appear twice or go missing. A cursor names the last item of a page by its id
//! only (base64url of `list:id`): the server reads that item's sort key again, so names or
//! times never travel in URLs (which end up in access logs). A cursor that was edited, that
//! belongs to another list or whose item is gone answers 400 `invalid_cursor`.

use crate::error::ApiError;
use crate::i18n::Msg;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// Items per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest page.
pub const MAX_LIMIT: i64 = 200;

/// A checked page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    list: &'static str,
    /// How many items to return.
    pub limit: i64,
    /// The id (or, for research rows, the pseudonym) of the last item of the page before.
    pub after: Option<String>,
}

fn invalid_cursor() -> ApiError {
    ApiError::Malformed {
        code: "invalid_cursor",
        detail: Msg::InvalidCursor,
    }
}

impl PageRequest {
    /// Checks `limit` and decodes `cursor` for the list called `list`.
    pub fn new(
        list: &'static str,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                Msg::Between {
                    min: 1,
                    max: MAX_LIMIT,
                },
            ));
        }
        // An empty `cursor=` (a client that always sends the parameter) is the first page.
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(|c| decode(list, c))
            .transpose()?;
        Ok(Self { list, limit, after })
    }

    /// How many rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// A cursor that did not lead to an item of the list.
    pub fn stale_cursor(&self) -> ApiError {
        invalid_cursor()
    }

    /// Cuts `rows` (fetched with [`Self::fetch`]) to the page and gives the next cursor.
    pub fn finish<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> &str) -> Page<T> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| encode(self.list, id(r)))
        } else {
            None
        };
        Page { items: rows, next }
    }
}

/// One page of rows and the cursor of the next page.
#[derive(Debug)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// The same page with every item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// The cursor naming item `id` of list `list`.
pub fn encode(list: &str, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{id}"))
}

fn decode(list: &str, cursor: &str) -> Result<String, ApiError> {
    let raw = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| invalid_cursor())?;
    let text = String::from_utf8(raw).map_err(|_| invalid_cursor())?;
    let id = text
        .strip_prefix(list)
        .and_then(|r| r.strip_prefix(':'))
        .ok_or_else(invalid_cursor)?;
    // Ids and research pseudonyms: short, URL-safe, nothing else.
    let plausible = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if !plausible {
        return Err(invalid_cursor());
    }
    Ok(id.to_owned())
}

/// The `Link` header value of the next page: this request's path and query with `cursor`
/// replaced.
pub fn next_link(req: &HttpRequest, next: &str) -> String {
    let mut query: Vec<&str> = req
        .query_string()
        .split('&')
        .filter(|p| !p.is_empty() && *p != "cursor" && !p.starts_with("cursor="))
        .collect();
    let cursor = format!("cursor={next}");
    query.push(&cursor);
    format!("<{}?{}>; rel=\"next\"", req.path(), query.join("&"))
}

/// A JSON page answer, with `Link: <…>; rel="next"` when another page follows.
pub fn reply<T: Serialize>(req: &HttpRequest, body: &T, next: Option<&str>) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    if let Some(next) = next {
        res.insert_header((header::LINK, next_link(req, next)));
    }
    res.json(body)
}

/// Declares the answer type of a paged list: `{"items": [...], "next": "..."}`.
#[macro_export]
macro_rules! page_type {
    ($(#[$meta:meta])* $name:ident, $item:ty) => {
        $(#[$meta])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            /// This page's items, in the list's order.
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; `null` on the last page. Opaque: build
            /// nothing on its contents.
            #[schema(example = "ZXZlbnRzOjAxOTNiMmU0LTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA")]
            pub next: Option<String>,
        }

        impl From<$crate::api::paging::Page<$item>> for $name {
            fn from(p: $crate::api::paging::Page<$item>) -> Self {
                Self {
                    items: p.items,
                    next: p.next,
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_tampering() {
        let id = "0193b2e4-0000-7000-8000-000000000000";
        let c = encode("events", id);
        let p = PageRequest::new("events", Some(10), Some(&c)).unwrap();
        assert_eq!(p.after.as_deref(), Some(id));
        let first = PageRequest::new("events", Some(10), Some("")).unwrap();
        assert_eq!(first.after, None, "an empty cursor is the first page");
        for bad in [
            "%%%".to_owned(),
            encode("audit", id),
            encode("events", "not an id"),
            encode("events", ""),
            format!("{c}x"),
            URL_SAFE_NO_PAD.encode(b"\xff\xfe"),
        ] {
            let e = PageRequest::new("events", None, Some(&bad)).unwrap_err();
            assert_eq!(e.code(), "invalid_cursor", "{bad}");
        }
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(PageRequest::new("x", None, None).unwrap().limit, 50);
        assert_eq!(PageRequest::new("x", Some(200), None).unwrap().limit, 200);
        for bad in [0, -1, 201] {
            assert_eq!(
                PageRequest::new("x", Some(bad), None).unwrap_err().code(),
                "validation_failed"
            );
        }
    }

    #[test]
    fn finish_gives_a_cursor_only_when_more_follows() {
        let p = PageRequest::new("x", Some(2), None).unwrap();
        let ids = [
            "0193b2e4-0000-7000-8000-000000000001".to_owned(),
            "0193b2e4-0000-7000-8000-000000000002".to_owned(),
        ];
        let page = p.finish(ids.to_vec(), |s| s.as_str());
        assert!(page.next.is_none());
        let mut three = ids.to_vec();
        three.push("0193b2e4-0000-7000-8000-000000000003".to_owned());
        let page = p.finish(three, |s| s.as_str());
        assert_eq!(page.items.len(), 2);
        let next = PageRequest::new("x", None, page.next.as_deref()).unwrap();
        assert_eq!(next.after.as_deref(), Some(ids[1].as_str()));
    }
}
