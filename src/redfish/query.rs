//! Query parameters (DSP0266 "Query parameters"), as bmcweb offers them: `$expand`
//! (`*`, `.`, `~`, with `$levels`), `$select`, `$filter` (eq ne gt ge lt le, and or
//! not, parentheses), `$top`/`$skip` with `Members@odata.nextLink`, and `only`.
//!
//! They work on what the resources answer: the service runs the GET without the
//! query, then expands, filters, pages and selects the JSON, fetching linked resources
//! with further GETs as the same caller. Resources know nothing of queries.

use super::error::RedfishError;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tower::ServiceExt;

/// Deepest `$levels` served: each level can multiply the work by a collection's size.
pub const MAX_LEVELS: usize = 3;
/// Largest body a query reads from a resource (a guard, far above any resource here).
const MAX_BODY: usize = 4 << 20;

/// Which hyperlinks `$expand` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expand {
    /// `*`: every hyperlink.
    All,
    /// `.`: subordinate resources, not those under `Links`.
    Subordinate,
    /// `~`: only those under `Links`.
    Links,
}

/// A parsed query.
#[derive(Debug, Default)]
struct Query {
    expand: Option<(Expand, usize)>,
    select: Option<Vec<Vec<String>>>,
    filter: Option<Filter>,
    top: Option<usize>,
    skip: Option<usize>,
    only: bool,
}

fn bad(value: &str, parameter: &str) -> RedfishError {
    RedfishError::query_value_format(value, parameter)
}

fn parse_query(q: &str) -> Result<Query, RedfishError> {
    let mut out = Query::default();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k), decode(v));
        match k.as_str() {
            "$expand" => out.expand = Some(parse_expand(&v)?),
            "$select" => {
                let paths: Vec<Vec<String>> = v
                    .split(',')
                    .map(|p| p.trim().split('/').map(str::to_string).collect::<Vec<_>>())
                    .collect();
                if paths.iter().flatten().any(|s| s.is_empty()) {
                    return Err(bad(&v, "$select"));
                }
                out.select = Some(paths);
            }
            "$filter" => out.filter = Some(Filter::parse(&v).ok_or_else(|| bad(&v, "$filter"))?),
            "$top" | "$skip" => {
                let n: usize = v.parse().map_err(|_| bad(&v, &k))?;
                if k == "$top" {
                    out.top = Some(n);
                } else {
                    out.skip = Some(n);
                }
            }
            "only" if v.is_empty() => out.only = true,
            "only" => return Err(bad(&v, "only")),
            _ => {}
        }
    }
    if out.only && (out.expand.is_some() || out.select.is_some() || out.filter.is_some()) {
        return Err(RedfishError::query_combination_invalid());
    }
    Ok(out)
}

/// `*`, `.` or `~`, optionally `($levels=n)`.
fn parse_expand(v: &str) -> Result<(Expand, usize), RedfishError> {
    let (kind, rest) = v.split_at(v.chars().next().map_or(0, char::len_utf8));
    let kind = match kind {
        "*" => Expand::All,
        "." => Expand::Subordinate,
        "~" => Expand::Links,
        _ => return Err(bad(v, "$expand")),
    };
    let levels = if rest.is_empty() {
        1
    } else {
        let n = rest
            .strip_prefix("($levels=")
            .and_then(|r| r.strip_suffix(')'))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| bad(v, "$expand"))?;
        if n == 0 || n > MAX_LEVELS {
            return Err(RedfishError::query_out_of_range(
                &n.to_string(),
                "$levels",
                &format!("1-{MAX_LEVELS}"),
            ));
        }
        n
    };
    Ok((kind, levels))
}

use super::protocol::percent_decode as decode;

/// Whether a request carries a query this module answers.
pub fn wants(req: &Request) -> bool {
    req.method() == Method::GET
        && req.uri().query().is_some_and(|q| {
            q.split('&').any(|p| {
                let k = decode(p.split_once('=').map_or(p, |(k, _)| k));
                matches!(
                    k.as_str(),
                    "$expand" | "$select" | "$filter" | "$top" | "$skip" | "only"
                )
            })
        })
}

/// Answers a GET with a query through `core` (the resources, behind authentication).
pub async fn serve(core: Router, req: Request) -> Response {
    let query = match parse_query(req.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let path = req.uri().path().to_string();
    let (parts, _) = req.into_parts();
    let fetch = Fetch { core, parts };
    let Some((mut v, allow)) = fetch.get(&path).await else {
        // Not a JSON resource (or an error): answer it as the plain GET does.
        return fetch.raw(&path).await;
    };
    let is_collection = v.get("Members").is_some_and(Value::is_array);
    if query.only {
        if is_collection {
            let members = v["Members"].as_array().cloned().unwrap_or_default();
            if let [one] = members.as_slice() {
                if let Some(id) = one.get("@odata.id").and_then(Value::as_str) {
                    return fetch.raw(id).await;
                }
            }
        }
        return render(v, allow);
    }
    if is_collection && (query.filter.is_some() || query.top.is_some() || query.skip.is_some()) {
        if let Err(e) = page(&fetch, &mut v, &query, &path).await {
            return e.into_response();
        }
    }
    if let Some((kind, levels)) = query.expand {
        expand(&fetch, &mut v, kind, levels, false).await;
    }
    if let Some(select) = &query.select {
        v = select_props(&v, select);
    }
    render(v, allow)
}

/// GETs as the caller of the original request.
struct Fetch {
    core: Router,
    parts: axum::http::request::Parts,
}

impl Fetch {
    fn request(&self, path: &str) -> Request {
        let mut r = Request::new(Body::empty());
        *r.method_mut() = Method::GET;
        *r.uri_mut() = path.parse().unwrap_or_default();
        *r.headers_mut() = self.parts.headers.clone();
        r.headers_mut().remove(header::IF_NONE_MATCH);
        // The caller only: the original route's path parameters must not leak in.
        if let Some(c) = self.parts.extensions.get::<super::auth::Caller>() {
            r.extensions_mut().insert(c.clone());
        }
        r
    }

    async fn raw(&self, path: &str) -> Response {
        match self.core.clone().oneshot(self.request(path)).await {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }

    /// The JSON body and Allow header of a 200, else `None`.
    async fn get(&self, path: &str) -> Option<(Value, Option<HeaderValue>)> {
        let r = self.raw(path).await;
        if r.status() != StatusCode::OK {
            return None;
        }
        let allow = r.headers().get(header::ALLOW).cloned();
        let bytes = axum::body::to_bytes(r.into_body(), MAX_BODY).await.ok()?;
        let v: Value = serde_json::from_slice(&bytes).ok()?;
        v.is_object().then_some((v, allow))
    }
}

fn render(mut v: Value, allow: Option<HeaderValue>) -> Response {
    // The representation changed: a fresh ETag for it.
    if let Some(o) = v.as_object_mut() {
        o.remove("@odata.etag");
    }
    let mut r = super::resource(v, "GET");
    if let Some(a) = allow {
        r.headers_mut().insert(header::ALLOW, a);
    }
    r
}

/// `$filter`, `$skip`, `$top` on a collection's Members (DSP0266: count is of the
/// filtered set; a next link when members remain).
async fn page(fetch: &Fetch, v: &mut Value, q: &Query, path: &str) -> Result<(), RedfishError> {
    let members = v["Members"].as_array().cloned().unwrap_or_default();
    let mut kept = Vec::new();
    for m in members {
        match &q.filter {
            None => kept.push(m),
            Some(f) => {
                let id = m.get("@odata.id").and_then(Value::as_str).unwrap_or("");
                if let Some((body, _)) = fetch.get(id).await {
                    if f.eval(&body) {
                        kept.push(m);
                    }
                }
            }
        }
    }
    let total = kept.len();
    let skip = q.skip.unwrap_or(0).min(total);
    let top = q.top.unwrap_or(total - skip);
    let end = (skip + top).min(total);
    v["Members"] = Value::Array(kept[skip..end].to_vec());
    v["Members@odata.count"] = Value::from(total);
    if end < total {
        let mut next = format!("{path}?$skip={end}");
        if let Some(t) = q.top {
            next.push_str(&format!("&$top={t}"));
        }
        v["Members@odata.nextLink"] = Value::String(next);
    } else if let Some(o) = v.as_object_mut() {
        o.remove("Members@odata.nextLink");
    }
    Ok(())
}

/// Replaces each hyperlink `{"@odata.id": …}` the kind selects by the resource,
/// `levels` deep.
fn expand<'a>(
    fetch: &'a Fetch,
    v: &'a mut Value,
    kind: Expand,
    levels: usize,
    in_links: bool,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
    Box::pin(async move {
        if levels == 0 {
            return;
        }
        match v {
            Value::Object(o) => {
                if let Some(id) = link_of(o) {
                    let follow = match kind {
                        Expand::All => true,
                        Expand::Subordinate => !in_links,
                        Expand::Links => in_links,
                    };
                    if follow {
                        if let Some((mut body, _)) = fetch.get(&id).await {
                            expand(fetch, &mut body, kind, levels - 1, false).await;
                            *v = body;
                        }
                    }
                    return;
                }
                for (k, child) in o.iter_mut() {
                    // Actions and annotations hold targets, not resources.
                    if k == "Actions" || k.contains('@') {
                        continue;
                    }
                    expand(fetch, child, kind, levels, in_links || k == "Links").await;
                }
            }
            Value::Array(a) => {
                for child in a {
                    expand(fetch, child, kind, levels, in_links).await;
                }
            }
            _ => {}
        }
    })
}

/// The target of a hyperlink object (only `@odata.id`), if this is one.
fn link_of(o: &Map<String, Value>) -> Option<String> {
    if o.len() == 1 {
        o.get("@odata.id")
            .and_then(Value::as_str)
            .map(str::to_string)
    } else {
        None
    }
}

/// `$select`: the named properties (paths with `/`), and the OData annotations.
fn select_props(v: &Value, select: &[Vec<String>]) -> Value {
    let Value::Object(o) = v else {
        return v.clone();
    };
    let mut out = Map::new();
    for (k, val) in o {
        if k.starts_with("@odata.") {
            out.insert(k.clone(), val.clone());
        }
    }
    for path in select {
        copy_path(o, path, &mut out);
    }
    Value::Object(out)
}

fn copy_path(from: &Map<String, Value>, path: &[String], to: &mut Map<String, Value>) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Some(val) = from.get(first) else {
        return;
    };
    if rest.is_empty() {
        to.insert(first.clone(), val.clone());
        return;
    }
    if let Value::Object(inner) = val {
        let entry = to
            .entry(first.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(t) = entry {
            copy_path(inner, rest, t);
        }
    }
}

/// A `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Cmp(Vec<String>, Op, Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Word(String),
    Text(String),
}

fn tokens(s: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '\'' => {
                chars.next();
                let mut t = String::new();
                loop {
                    match chars.next()? {
                        // '' inside a literal is one quote (OData ABNF).
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            t.push('\'');
                        }
                        '\'' => break,
                        c => t.push(c),
                    }
                }
                out.push(Token::Text(t));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if c == ' ' || c == '(' || c == ')' || c == '\'' {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                out.push(Token::Word(w));
            }
        }
    }
    Some(out)
}

impl Filter {
    fn parse(s: &str) -> Option<Filter> {
        let t = tokens(s)?;
        let mut i = 0;
        let f = Self::or(&t, &mut i)?;
        (i == t.len()).then_some(f)
    }

    fn or(t: &[Token], i: &mut usize) -> Option<Filter> {
        let mut left = Self::and(t, i)?;
        while t.get(*i) == Some(&Token::Word("or".into())) {
            *i += 1;
            left = Filter::Or(Box::new(left), Box::new(Self::and(t, i)?));
        }
        Some(left)
    }

    fn and(t: &[Token], i: &mut usize) -> Option<Filter> {
        let mut left = Self::not(t, i)?;
        while t.get(*i) == Some(&Token::Word("and".into())) {
            *i += 1;
            left = Filter::And(Box::new(left), Box::new(Self::not(t, i)?));
        }
        Some(left)
    }

    fn not(t: &[Token], i: &mut usize) -> Option<Filter> {
        if t.get(*i) == Some(&Token::Word("not".into())) {
            *i += 1;
            return Some(Filter::Not(Box::new(Self::not(t, i)?)));
        }
        Self::primary(t, i)
    }

    fn primary(t: &[Token], i: &mut usize) -> Option<Filter> {
        if t.get(*i) == Some(&Token::Open) {
            *i += 1;
            let f = Self::or(t, i)?;
            if t.get(*i) != Some(&Token::Close) {
                return None;
            }
            *i += 1;
            return Some(f);
        }
        let Some(Token::Word(prop)) = t.get(*i) else {
            return None;
        };
        let Some(Token::Word(op)) = t.get(*i + 1) else {
            return None;
        };
        let op = match op.as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        };
        let value = match t.get(*i + 2)? {
            Token::Text(s) => Value::String(s.clone()),
            Token::Word(w) => match w.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                n => serde_json::from_str::<serde_json::Number>(n)
                    .ok()
                    .map(Value::Number)?,
            },
            _ => return None,
        };
        if prop.is_empty() || prop.split('/').any(str::is_empty) {
            return None;
        }
        *i += 3;
        Some(Filter::Cmp(
            prop.split('/').map(str::to_string).collect(),
            op,
            value,
        ))
    }

    fn eval(&self, v: &Value) -> bool {
        match self {
            Filter::Or(a, b) => a.eval(v) || b.eval(v),
            Filter::And(a, b) => a.eval(v) && b.eval(v),
            Filter::Not(a) => !a.eval(v),
            Filter::Cmp(path, op, want) => {
                let have = path
                    .iter()
                    .try_fold(v, |v, k| v.get(k))
                    .unwrap_or(&Value::Null);
                let ord = match (have, want) {
                    (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
                        (Some(x), Some(y)) => x.partial_cmp(&y),
                        _ => None,
                    },
                    (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
                    (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
                    (Value::Null, Value::Null) => Some(std::cmp::Ordering::Equal),
                    _ => None,
                };
                use std::cmp::Ordering::*;
                match (op, ord) {
                    (Op::Eq, Some(o)) => o == Equal,
                    (Op::Ne, Some(o)) => o != Equal,
                    (Op::Ne, None) => true,
                    (Op::Gt, Some(o)) => o == Greater,
                    (Op::Ge, Some(o)) => o != Less,
                    (Op::Lt, Some(o)) => o == Less,
                    (Op::Le, Some(o)) => o != Greater,
                    (_, None) => false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_parse_and_evaluate() {
        let v = json!({"Id": "a", "Status": {"State": "Enabled"}, "Speed": 25, "On": true});
        let yes = |s: &str| Filter::parse(s).unwrap_or_else(|| panic!("{s}")).eval(&v);
        assert!(yes("Id eq 'a'"));
        assert!(yes("Status/State eq 'Enabled' and Speed ge 25"));
        assert!(yes("not (Speed gt 25) and On eq true"));
        assert!(yes("Id eq 'b' or (Speed lt 30 and Speed le 25)"));
        assert!(yes("Missing ne 'x'"));
        assert!(!yes("Speed ne 25"));
        assert!(!yes("Id gt 5"), "mixed types never compare");
        assert!(Filter::parse("Id eq 'O''Brien'").is_some());
        for bad in [
            "Id eq",
            "Id is 'a'",
            "(Id eq 'a'",
            "Id eq 'a' and",
            "eq 'a'",
            "Id eq 'a",
        ] {
            assert_eq!(Filter::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn expand_and_select_and_paging_parse() {
        assert_eq!(parse_expand("*").unwrap(), (Expand::All, 1));
        assert_eq!(
            parse_expand(".($levels=2)").unwrap(),
            (Expand::Subordinate, 2)
        );
        assert_eq!(parse_expand("~").unwrap(), (Expand::Links, 1));
        assert!(parse_expand("x").is_err());
        assert!(parse_expand("*($levels=9)").is_err());
        assert!(parse_query("$top=-1").is_err());
        assert!(parse_query("$select=,Id").is_err());
        assert!(parse_query("only&$expand=*").is_err());
        let q = parse_query("$skip=1&$top=2&$select=Id,Boot/BootSourceOverrideTarget").unwrap();
        assert_eq!((q.skip, q.top), (Some(1), Some(2)));
        let v = json!({"@odata.id": "/x", "Id": "x", "Name": "n", "Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideMode": "UEFI"}});
        assert_eq!(
            select_props(&v, q.select.as_ref().unwrap()),
            json!({"@odata.id": "/x", "Id": "x", "Boot": {"BootSourceOverrideTarget": "Pxe"}})
        );
    }
}
