//! The README's core loop, run literally: every ```` ```http ```` block of its "The core loop,
//! request by request" section is sent as written (after `{…}` are filled in from earlier
//! answers), its status checked and the values its first line names read from the answer. If
//! the README and the API drift apart, this fails and says which block.

use crate::backend_test;
use std::collections::HashMap;

/// One block: what it expects, and the request.
struct Block {
    line: usize,
    status: u16,
    captures: Vec<(String, String)>,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

const SECTION: &str = "### The core loop, request by request";

fn blocks(readme: &str) -> Vec<Block> {
    let start = readme
        .find(SECTION)
        .expect("the README has its core loop section");
    let rest = &readme[start + SECTION.len()..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let first_line = readme[..start].lines().count() + 1;
    let mut out = Vec::new();
    let mut lines = section.lines().enumerate();
    while let Some((_, l)) = lines.next() {
        if l.trim() != "```http" {
            continue;
        }
        let mut text = Vec::new();
        let mut at = 0;
        for (i, l) in lines.by_ref() {
            if l.trim() == "```" {
                break;
            }
            if text.is_empty() {
                at = first_line + i;
            }
            text.push(l);
        }
        out.push(parse(at, &text));
    }
    out
}

/// `# what it is → 201, {a} = /x/id, {b} = /y` / request line / headers / blank / body.
fn parse(line: usize, text: &[&str]) -> Block {
    let comment = text[0]
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("README line {line}: a block starts with its `# … → status`"));
    let (_, expect) = comment
        .split_once('→')
        .unwrap_or_else(|| panic!("README line {line}: no `→ status`"));
    let mut parts = expect.split(',').map(str::trim);
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("README line {line}: no status after →"));
    let captures = parts
        .map(|c| {
            let (var, pointer) = c
                .split_once(" = ")
                .unwrap_or_else(|| panic!("README line {line}: `{c}` is not `{{x}} = /pointer`"));
            (
                var.trim_matches(|c| c == '{' || c == '}').to_owned(),
                pointer.to_owned(),
            )
        })
        .collect();
    let (method, path) = text[1]
        .split_once(' ')
        .unwrap_or_else(|| panic!("README line {line}: no request line"));
    let mut headers = Vec::new();
    let mut i = 2;
    while i < text.len() && !text[i].trim().is_empty() {
        let (k, v) = text[i]
            .split_once(": ")
            .unwrap_or_else(|| panic!("README line {}: not a header", line + i));
        headers.push((k.to_owned(), v.to_owned()));
        i += 1;
    }
    let body = text
        .get(i + 1..)
        .map(|b| b.join("\n"))
        .filter(|b| !b.is_empty());
    Block {
        line,
        status,
        captures,
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body,
    }
}

/// Fills `{name}` (lowercase letters and `_`); `{new_key}` is a fresh idempotency key each
/// time. Other braces (JSON objects) stay as they are.
fn fill(s: &str, vars: &HashMap<String, String>, line: usize) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        if name_len == 0 || !after[name_len..].starts_with('}') {
            out.push('{');
            rest = after;
            continue;
        }
        let name = &after[..name_len];
        if name == "new_key" {
            out.push_str(&uuid::Uuid::new_v4().to_string());
        } else {
            let value = vars
                .get(name)
                .unwrap_or_else(|| panic!("README line {line}: {{{name}}} is not known yet"));
            out.push_str(value);
        }
        rest = &after[name_len + 1..];
    }
    out.push_str(rest);
    out
}

/// A JSON pointer whose segments may also be `[field=value]` (the first such element).
fn select<'a>(v: &'a serde_json::Value, pointer: &str) -> Option<&'a serde_json::Value> {
    let mut cur = v;
    for seg in pointer.split('/').skip(1) {
        cur = if let Some(filter) = seg.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            let (k, want) = filter.split_once('=')?;
            cur.as_array()?.iter().find(|x| x[k] == want)?
        } else if let Ok(i) = seg.parse::<usize>() {
            cur.get(i)?
        } else {
            cur.get(seg)?
        };
    }
    Some(cur)
}

#[test]
fn the_readme_blocks_parse() {
    let readme = include_str!("../../README.md");
    let b = blocks(readme);
    assert!(b.len() >= 15, "{} blocks", b.len());
    assert!(
        b.iter()
            .any(|b| b.method == "PATCH" && b.headers.iter().any(|(k, _)| k == "If-Match"))
    );
    let v =
        serde_json::json!({"a": [{"role": "caseworker", "id": 1}, {"role": "volunteer", "id": 2}]});
    assert_eq!(
        select(&v, "/a/[role=volunteer]/id"),
        Some(&serde_json::json!(2))
    );
    assert_eq!(select(&v, "/a/0/id"), Some(&serde_json::json!(1)));
    assert_eq!(select(&v, "/a/[role=admin]/id"), None);
}

backend_test!(the_readme_core_loop_runs_as_written, |app| {
    let readme = include_str!("../../README.md");
    let admin = app.admin().await;
    let mut vars = HashMap::from([("admin".to_owned(), admin.token.clone())]);
    for b in blocks(readme) {
        let path = fill(&b.path, &vars, b.line);
        let method = reqwest::Method::from_bytes(b.method.as_bytes()).expect("a method");
        let mut req = app.client.request(method, app.url(&path));
        for (k, v) in &b.headers {
            req = req.header(k, fill(v, &vars, b.line));
        }
        if let Some(body) = &b.body {
            req = req.body(fill(body, &vars, b.line));
        }
        let reply = app.send(req).await;
        assert_eq!(
            reply.status,
            b.status,
            "README line {}: {} {path} answered {}: {}",
            b.line,
            b.method,
            reply.status,
            reply.text()
        );
        if b.captures.is_empty() {
            continue;
        }
        let v = reply.value();
        for (var, pointer) in &b.captures {
            let got = select(&v, pointer).unwrap_or_else(|| {
                panic!(
                    "README line {}: {pointer} is not in the answer: {v}",
                    b.line
                )
            });
            let text = got.as_str().map(str::to_owned).unwrap_or(got.to_string());
            vars.insert(var.clone(), text);
        }
    }
    for must in ["fatima", "plan_id", "task", "els_id", "opened"] {
        assert!(vars.contains_key(must), "the loop reached {must}");
    }
});
