//! Who may see what: one middleware in front of every route.
//!
//! - The `Host` header must name this server (DNS rebinding: a page elsewhere whose name
//!   resolves to this machine must not read the office's data through the visitor's
//!   browser).
//! - Bound to a non-loopback address, the office's pages need the office key, printed at
//!   start; it arrives once in the address (`?key=…`) and is traded for an HttpOnly,
//!   SameSite=Strict cookie, then removed from the address bar by a redirect.
//! - An evaluator's link (`/s/<secret>`) is traded the same way for a cookie that opens
//!   that evaluator's page (`/score…`) and nothing of the office's.
//! - Requests that change something must come from the page itself (same origin).
//! - Wrong keys and secrets are counted per client address; after
//!   [`FAILURE_LIMIT`] in a minute the address gets 429 for the rest of that minute.
//! - Every response says: never framed, no Referer, no caching of pages.

// A refusal is the response itself, returned early with `?`; it is built once per
// request, so its size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use cookie::Cookie;

/// Wrong keys or secrets one client address may send in [`FAILURE_WINDOW`].
pub const FAILURE_LIMIT: usize = 10;
const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// Client addresses remembered at most; beyond this the oldest entries are dropped.
const REMEMBERED_CLIENTS: usize = 10_000;
/// Where an evaluator's link points: `/s/<secret>`.
pub const LINK_PREFIX: &str = "/s/";
/// The evaluator's own pages and endpoints.
pub const SCORE_PREFIX: &str = "/score";
/// How long a phone keeps an evaluator's cookie: the visit days and some margin.
const EVALUATOR_COOKIE_DAYS: i64 = 60;

const CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-ancestors 'none'; \
    base-uri 'none'; form-action 'self'";

/// Tells whether a link secret belongs to an evaluator now. Links live in the scores
/// folder; the scoring side answers.
pub type SecretCheck = Arc<dyn Fn(&str, IpAddr) -> bool + Send + Sync>;

/// The evaluator a request to `/score…` comes from, by the secret of their link; put in
/// the request's extensions once the secret has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluatorSecret(pub String);

/// The access rules of one running server.
pub struct Access {
    hosts: HashSet<String>,
    /// `None` on a loopback address: the office page opens as it always did.
    office_key: Option<String>,
    office_cookie: String,
    evaluator_cookie: String,
    secret_is_live: SecretCheck,
    failures: Failures,
}

/// What a request asks for, by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    /// `/s/<secret>`: an evaluator's link.
    Link,
    /// `/score…`: the evaluator's page and endpoints.
    Evaluator,
    /// Everything else.
    Office,
}

fn area(path: &str) -> Area {
    if path.starts_with(LINK_PREFIX) {
        Area::Link
    } else if path == SCORE_PREFIX || path.starts_with(&format!("{SCORE_PREFIX}/")) {
        Area::Evaluator
    } else {
        Area::Office
    }
}

impl Access {
    /// `hosts`: the names and addresses a `Host` header may give (port left off);
    /// `office_key`: `None` for a loopback bind. Cookie names carry the port, since
    /// browsers share cookies between the ports of one host.
    pub fn new(
        hosts: impl IntoIterator<Item = String>,
        port: u16,
        office_key: Option<String>,
        secret_is_live: SecretCheck,
    ) -> Self {
        Self {
            hosts: hosts.into_iter().map(|h| normalise_host(&h)).collect(),
            office_key,
            office_cookie: format!("kaoping_office_{port}"),
            evaluator_cookie: format!("kaoping_score_{port}"),
            secret_is_live,
            failures: Failures::default(),
        }
    }

    /// A new random office key: 128 bits, hex.
    pub fn new_key() -> Result<String, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn office_key(&self) -> Option<&str> {
        self.office_key.as_deref()
    }

    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|h| self.hosts.contains(&normalise_host(strip_port(h))))
    }

    /// The decision for one request: a response now, or the request (with what the
    /// handlers need to know) passed on.
    fn admit(&self, mut request: Request, client: IpAddr) -> Result<Request, Response> {
        if !self.host_allowed(request.headers()) {
            return Err(page(StatusCode::FORBIDDEN, FOREIGN_HOST));
        }
        if changes_state(request.method()) && !same_origin(request.headers()) {
            return Err(page(StatusCode::FORBIDDEN, CROSS_SITE));
        }
        let path = request.uri().path().to_string();
        match area(&path) {
            Area::Link => {
                self.not_blocked(client)?;
                Err(self.exchange_link(&path[LINK_PREFIX.len()..], client))
            }
            Area::Evaluator => {
                let secret = cookie_value(request.headers(), &self.evaluator_cookie)
                    .ok_or_else(|| page(StatusCode::UNAUTHORIZED, NO_EVALUATOR_LINK))?;
                self.not_blocked(client)?;
                if !(self.secret_is_live)(&secret, client) {
                    self.failures.record(client);
                    return Err(page(StatusCode::FORBIDDEN, LINK_REPLACED));
                }
                request.extensions_mut().insert(EvaluatorSecret(secret));
                Ok(request)
            }
            Area::Office => {
                let Some(key) = &self.office_key else { return Ok(request) };
                if let Some(sent) = query_key(request.uri().query()) {
                    self.not_blocked(client)?;
                    if !constant_time_eq(sent.as_bytes(), key.as_bytes()) {
                        self.failures.record(client);
                        return Err(page(StatusCode::FORBIDDEN, WRONG_KEY));
                    }
                    return Err(self.exchange_key(&request, key));
                }
                match cookie_value(request.headers(), &self.office_cookie) {
                    None if cookie_value(request.headers(), &self.evaluator_cookie).is_some() => {
                        Err(page(StatusCode::FORBIDDEN, EVALUATOR_NOT_OFFICE))
                    }
                    None => Err(page(StatusCode::UNAUTHORIZED, NO_KEY)),
                    Some(sent) => {
                        self.not_blocked(client)?;
                        if constant_time_eq(sent.as_bytes(), key.as_bytes()) {
                            Ok(request)
                        } else {
                            self.failures.record(client);
                            Err(page(StatusCode::UNAUTHORIZED, NO_KEY))
                        }
                    }
                }
            }
        }
    }

    fn not_blocked(&self, client: IpAddr) -> Result<(), Response> {
        if self.failures.blocked(client) {
            Err(page(StatusCode::TOO_MANY_REQUESTS, TOO_MANY))
        } else {
            Ok(())
        }
    }

    /// `/s/<secret>`: the cookie for the evaluator's page, then the page without the
    /// secret in the address.
    fn exchange_link(&self, secret: &str, client: IpAddr) -> Response {
        if secret.is_empty() || secret.contains('/') || !(self.secret_is_live)(secret, client) {
            self.failures.record(client);
            return page(StatusCode::FORBIDDEN, LINK_REPLACED);
        }
        let cookie = Cookie::build((self.evaluator_cookie.clone(), secret.to_string()))
            .path("/")
            .http_only(true)
            .same_site(cookie::SameSite::Strict)
            .max_age(cookie::time::Duration::days(EVALUATOR_COOKIE_DAYS))
            .build();
        redirect_with_cookie(SCORE_PREFIX, &cookie)
    }

    /// `?key=…`: the office cookie, then the same address without the key.
    fn exchange_key(&self, request: &Request, key: &str) -> Response {
        let cookie = Cookie::build((self.office_cookie.clone(), key.to_string()))
            .path("/")
            .http_only(true)
            .same_site(cookie::SameSite::Strict)
            .build();
        let rest = query_without_key(request.uri().query());
        let target = match rest {
            Some(query) => format!("{}?{query}", request.uri().path()),
            None => request.uri().path().to_string(),
        };
        redirect_with_cookie(&target, &cookie)
    }
}

/// The middleware: `axum::middleware::from_fn_with_state(access, guard)`.
pub async fn guard(State(access): State<Arc<Access>>, request: Request, next: Next) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let mut response = match access.admit(request, client) {
        Ok(request) => next.run(request).await,
        Err(response) => response,
    };
    protect(response.headers_mut());
    response
}

/// Headers every response gets: nothing frames a page, nothing learns where the
/// visitor came from, no page or file stays in a cache.
fn protect(headers: &mut HeaderMap) {
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = if html { CSP } else { "frame-ancestors 'none'" };
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a request comes from a page of this server. Browsers say so in
/// `Sec-Fetch-Site`, older ones in `Origin`; a request with neither is not from a
/// browser, so no other site can have sent it with the visitor's cookies.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin.to_str().ok(), host) {
        (Some(origin), Some(host)) => {
            origin.strip_prefix("http://").is_some_and(|o| o.eq_ignore_ascii_case(host))
        }
        _ => false,
    }
}

/// `example.com:8000` → `example.com`; `[::1]:8000` → `[::1]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// Lower case, IPv6 in brackets, no trailing dot: the form hosts are compared in.
fn normalise_host(host: &str) -> String {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
        _ => host,
    }
}

/// The host names a request may name for a server bound to `bound`: the bound address,
/// `localhost`, loopback, the machine's own addresses and the public URL's host.
pub fn allowed_hosts(bound: IpAddr, own: &[IpAddr], public_host: Option<&str>) -> Vec<String> {
    let mut hosts = vec!["localhost".to_string(), "127.0.0.1".to_string(), "[::1]".to_string()];
    hosts.extend(std::iter::once(bound).chain(own.iter().copied()).map(|ip| match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }));
    hosts.extend(public_host.map(str::to_string));
    hosts
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

fn query_key(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == "key").map(|(_, v)| v.into_owned())
}

fn query_without_key(query: Option<&str>) -> Option<String> {
    let rest: Vec<_> =
        form_urlencoded::parse(query?.as_bytes()).filter(|(k, _)| k != "key").collect();
    (!rest.is_empty())
        .then(|| form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn redirect_with_cookie(location: &str, cookie: &Cookie<'_>) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SEE_OTHER;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        headers.insert(header::SET_COOKIE, value);
    }
    response
}

/// Wrong keys and secrets per client address, in a sliding minute.
#[derive(Default)]
struct Failures {
    seen: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl Failures {
    fn record(&self, client: IpAddr) {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= REMEMBERED_CLIENTS {
            seen.retain(|_, times| times.back().is_some_and(|t| now - *t < FAILURE_WINDOW));
        }
        let times = seen.entry(client).or_default();
        times.push_back(now);
        while times.len() > FAILURE_LIMIT {
            times.pop_front();
        }
    }

    fn blocked(&self, client: IpAddr) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(&client).is_some_and(|times| {
            times.len() >= FAILURE_LIMIT
                && times.front().is_some_and(|t| t.elapsed() < FAILURE_WINDOW)
        })
    }
}

const FOREIGN_HOST: &str = "这个地址不是 kaoping 的地址。请直接使用 kaoping 启动时显示的网址打开。";
const CROSS_SITE: &str = "这个操作只能在 kaoping 自己的网页上进行。";
const NO_KEY: &str = "打开考评办公室的网页需要办公室密钥。请使用运行 kaoping 的电脑上显示的“办公室网址”（以 ?key= 结尾）打开本页。kaoping 重新启动后密钥会变化。";
const WRONG_KEY: &str =
    "办公室密钥不对。请使用运行 kaoping 的电脑上最新显示的“办公室网址”打开本页。";
const EVALUATOR_NOT_OFFICE: &str =
    "这台设备只能打开您自己的评分页面。考评办公室的网页请在办公室的电脑上打开。";
const NO_EVALUATOR_LINK: &str = "请扫描考评办公室发给您的评分链接上的二维码，或打开链接上的网址。";
const LINK_REPLACED: &str =
    "这个评分链接无效，或已被考评办公室更换。请向考评办公室索取新的评分链接。";
const TOO_MANY: &str = "错误的链接或密钥太多，请一分钟后再试。";

/// A short Chinese page saying what happened and how to get in.
fn page(status: StatusCode, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>kaoping 考评</title></head><body style=\"font-family: sans-serif; \
         padding: 16px; line-height: 1.6\"><h1 style=\"font-size: 20px\">无法打开</h1>\
         <p>{message}</p></body></html>"
    );
    (status, Html(html)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::{get, post};
    use tower::ServiceExt as _;

    const KEY: &str = "0123456789abcdef0123456789abcdef";
    const SECRET: &str = "live-secret";

    fn router(office_key: Option<&str>) -> Router {
        let access = Arc::new(Access::new(
            allowed_hosts(
                IpAddr::from([0, 0, 0, 0]),
                &[IpAddr::from([10, 0, 0, 5])],
                Some("kp.lan"),
            ),
            8000,
            office_key.map(str::to_string),
            Arc::new(|s: &str, _| s == SECRET),
        ));
        Router::new()
            .route("/", get(|| async { Html("office") }))
            .route("/files/{*path}", get(|| async { "file" }))
            .route("/jobs", post(|| async { "uploaded" }))
            .route(
                "/score",
                get(|secret: axum::Extension<EvaluatorSecret>| async move { secret.0.0 }),
            )
            .route("/score/save", post(|| async { "saved" }))
            .layer(axum::middleware::from_fn_with_state(access, guard))
    }

    async fn send(router: &Router, mut request: axum::http::Request<Body>) -> Response {
        let client = ConnectInfo(SocketAddr::from(([10, 0, 0, 9], 5555)));
        request.extensions_mut().insert(client);
        router.clone().oneshot(request).await.unwrap()
    }

    fn get_req(path: &str, host: &str, cookie: Option<&str>) -> axum::http::Request<Body> {
        let mut builder = axum::http::Request::get(path).header("host", host);
        if let Some(cookie) = cookie {
            builder = builder.header("cookie", cookie);
        }
        builder.body(Body::empty()).unwrap()
    }

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn only_this_servers_names_are_served() {
        let app = router(None);
        for host in ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "10.0.0.5:8000", "KP.LAN"] {
            assert_eq!(send(&app, get_req("/", host, None)).await.status(), 200, "{host}");
        }
        for host in ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""] {
            let response = send(&app, get_req("/", host, None)).await;
            assert_eq!(response.status(), 403, "{host}");
            assert!(body(response).await.contains("不是 kaoping 的地址"));
        }
        let no_host = axum::http::Request::get("/").body(Body::empty()).unwrap();
        assert_eq!(send(&app, no_host).await.status(), 403);
    }

    #[tokio::test]
    async fn the_office_key_is_traded_for_a_cookie() {
        let app = router(Some(KEY));
        let response = send(&app, get_req("/", "10.0.0.5:8000", None)).await;
        assert_eq!(response.status(), 401);
        assert!(body(response).await.contains("办公室网址"));
        assert_eq!(send(&app, get_req("/files/a.pdf", "10.0.0.5", None)).await.status(), 401);

        let response =
            send(&app, get_req(&format!("/files/a.pdf?v=2&key={KEY}"), "10.0.0.5", None)).await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/files/a.pdf?v=2");
        let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let pair = cookie.split(';').next().unwrap();
        assert_eq!(pair, format!("kaoping_office_8000={KEY}"));
        let response = send(&app, get_req("/files/a.pdf", "10.0.0.5", Some(pair))).await;
        assert_eq!(response.status(), 200);

        let wrong = send(&app, get_req("/?key=nope", "10.0.0.5", None)).await;
        assert_eq!(wrong.status(), 403);
        let forged = send(&app, get_req("/", "10.0.0.5", Some("kaoping_office_8000=nope"))).await;
        assert_eq!(forged.status(), 401);
    }

    #[tokio::test]
    async fn a_loopback_office_opens_without_a_key() {
        let app = router(None);
        assert_eq!(send(&app, get_req("/files/a.pdf", "127.0.0.1", None)).await.status(), 200);
    }

    #[tokio::test]
    async fn a_link_opens_its_evaluators_page_and_nothing_else() {
        let app = router(Some(KEY));
        let response = send(&app, get_req(&format!("/s/{SECRET}"), "10.0.0.5", None)).await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/score");
        let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let pair = cookie.split(';').next().unwrap().to_string();
        let page = send(&app, get_req("/score", "10.0.0.5", Some(&pair))).await;
        assert_eq!(page.status(), 200);
        assert_eq!(body(page).await, SECRET);
        for path in ["/", "/files/a.pdf"] {
            let response = send(&app, get_req(path, "10.0.0.5", Some(&pair))).await;
            assert_eq!(response.status(), 403, "{path}");
        }
        assert_eq!(send(&app, get_req("/score", "10.0.0.5", None)).await.status(), 401);
        let stale = send(&app, get_req("/score", "10.0.0.5", Some("kaoping_score_8000=old"))).await;
        assert_eq!(stale.status(), 403);
        let wrong = send(&app, get_req("/s/guess", "10.0.0.5", None)).await;
        assert_eq!(wrong.status(), 403);
        assert!(body(wrong).await.contains("索取新的评分链接"));
    }

    #[tokio::test]
    async fn changes_only_from_the_page_itself() {
        let app = router(None);
        let post = |origin: Option<&str>, site: Option<&str>| {
            let mut builder = axum::http::Request::post("/jobs").header("host", "127.0.0.1:8000");
            if let Some(origin) = origin {
                builder = builder.header("origin", origin);
            }
            if let Some(site) = site {
                builder = builder.header("sec-fetch-site", site);
            }
            builder.body(Body::empty()).unwrap()
        };
        let cases = [
            (Some("http://127.0.0.1:8000"), Some("same-origin"), 200),
            (Some("http://127.0.0.1:8000"), None, 200),
            (None, None, 200),
            (Some("http://evil.example"), Some("cross-site"), 403),
            (Some("http://evil.example"), None, 403),
            (Some("null"), None, 403),
            (None, Some("same-site"), 403),
            (Some("http://127.0.0.1:9000"), None, 403),
        ];
        for (origin, site, status) in cases {
            assert_eq!(
                send(&app, post(origin, site)).await.status(),
                status,
                "{origin:?} {site:?}"
            );
        }
    }

    #[tokio::test]
    async fn repeated_wrong_secrets_are_slowed_down() {
        let app = router(Some(KEY));
        for _ in 0..FAILURE_LIMIT {
            assert_eq!(send(&app, get_req("/s/guess", "10.0.0.5", None)).await.status(), 403);
        }
        let right = send(&app, get_req(&format!("/s/{SECRET}"), "10.0.0.5", None)).await;
        assert_eq!(right.status(), 429);
        assert_eq!(
            send(&app, get_req(&format!("/?key={KEY}"), "10.0.0.5", None)).await.status(),
            429
        );
    }

    #[tokio::test]
    async fn pages_are_never_framed_cached_or_referred() {
        let app = router(None);
        let response = send(&app, get_req("/", "127.0.0.1", None)).await;
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(
            headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'")
        );
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["cache-control"], "no-store");
        let refused = send(&app, get_req("/", "evil.example", None)).await;
        assert_eq!(refused.headers()["x-frame-options"], "DENY");
    }

    #[test]
    fn ports_come_off_host_names() {
        assert_eq!(strip_port("a.b:80"), "a.b");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
        assert_eq!(strip_port("[::1]"), "[::1]");
        assert_eq!(strip_port("a.b"), "a.b");
        assert_eq!(normalise_host("::1"), "[::1]");
        assert_eq!(normalise_host("Example.COM."), "example.com");
    }
}
