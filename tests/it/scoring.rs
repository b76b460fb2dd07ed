//! 网上评分 and access over HTTP: `kaoping serve` started as users start it, on the office
//! network (`--host 0.0.0.0`, reached over loopback, which the server counts as its own
//! name), requests sent over plain TCP.

use std::path::Path;
use std::time::{Duration, Instant};

use kaoping::sample::reference_2021;

use super::serve::{Server, get, header, request, workspace_with};

/// `GET` with extra header lines (`Cookie: …\r\n`).
pub(crate) fn get_with(
    addr: &str,
    path: &str,
    extra: &str,
) -> (u16, Vec<(String, String)>, String) {
    let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}\r\n");
    let (status, headers, body) = request(addr, &head, b"");
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// `POST` of JSON with extra header lines.
pub(crate) fn post_json(addr: &str, path: &str, extra: &str, json: &str) -> (u16, String) {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}\r\n",
        json.len()
    );
    let (status, _, body) = request(addr, &head, json.as_bytes());
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The `name=value` of a `Set-Cookie` header.
pub(crate) fn cookie_of(headers: &[(String, String)]) -> String {
    header(headers, "set-cookie").unwrap().split(';').next().unwrap().to_string()
}

/// Every value of `attr="…"` in the HTML, in order.
pub(crate) fn attrs(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            unescape(&rest[..rest.find('"').unwrap()])
        })
        .collect()
}

/// Text as it was before the template escaped it for HTML.
pub(crate) fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The sample with most of its 评分 sheet left to score online.
pub(crate) fn to_score() -> kaoping::sample::Book {
    let mut book = reference_2021();
    let scores = book.sheet_mut("评分").unwrap();
    let kept = scores.rows.len() / 10;
    scores.rows.truncate(kept);
    book
}

/// A server on the office network with the sample workbook; the office cookie.
pub(crate) fn lan_server() -> (tempfile::TempDir, Server, String) {
    let (root, _) = workspace_with(&to_score(), "2021年度.xlsx");
    let server = Server::start(&["input", "--host", "0.0.0.0"], root.path());
    let addr = server.addr();
    let (status, headers, _) = get_with(&addr, &format!("/?key={}", server.key()), "");
    assert_eq!(status, 303);
    assert_eq!(header(&headers, "location"), Some("/"));
    let office = cookie_of(&headers);
    (root, server, office)
}

/// The office page's content once online scoring has links for everyone.
pub(crate) fn office_content(server: &Server, office: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, _, html) =
            get_with(&server.addr(), "/content", &format!("Cookie: {office}\r\n"));
        assert_eq!(status, 200, "{html}");
        if unescape(&html).contains("/s/")
            && html.contains("上次生成")
            && !html.contains("正在生成")
        {
            return html;
        }
        assert!(Instant::now() < deadline, "no links on the office page: {html}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(crate) fn links(content: &str) -> Vec<String> {
    attrs(content, "value").into_iter().filter(|v| v.contains("/s/")).collect()
}

/// Opens a link over loopback: the evaluator's cookie.
pub(crate) fn open_link(addr: &str, link: &str) -> String {
    let path = &link[link.find("/s/").unwrap()..];
    let (status, headers, body) = get_with(addr, path, "");
    assert_eq!(status, 303, "{body}");
    assert_eq!(header(&headers, "location"), Some("/score"));
    cookie_of(&headers)
}

/// An evaluator's page and the departments and indicators it offers.
pub(crate) struct Page {
    pub(crate) html: String,
}

impl Page {
    pub(crate) fn open(addr: &str, cookie: &str) -> Page {
        let (status, headers, html) = get_with(addr, "/score", &format!("Cookie: {cookie}\r\n"));
        assert_eq!(status, 200, "{html}");
        assert_eq!(header(&headers, "cache-control"), Some("no-store"));
        assert_eq!(header(&headers, "x-frame-options"), Some("DENY"));
        assert_eq!(header(&headers, "referrer-policy"), Some("no-referrer"));
        Page { html }
    }

    /// (department, indicator, max) of every field the page lets the evaluator score.
    pub(crate) fn fields(&self) -> Vec<(String, String, String)> {
        let mut fields = Vec::new();
        for section in self.html.split("<section class=\"dept\"").skip(1) {
            let department = attrs(section, "data-department")[0].clone();
            if section.contains("class=\"recused\"") {
                continue;
            }
            for item in section.split("<div class=\"item\"").skip(1) {
                if item.contains("class=\"elsewhere\"") {
                    continue;
                }
                let code = attrs(item, "data-indicator")[0].clone();
                let max = attrs(item, "data-max")[0].clone();
                fields.push((department.clone(), code, max));
            }
        }
        fields
    }

    /// The saved score of one field (`data-saved`), as the page holds it.
    pub(crate) fn saved(&self, department: &str, indicator: &str) -> String {
        let section = self
            .html
            .split("<section class=\"dept\"")
            .find(|s| s.contains(&format!("data-department=\"{department}\"")))
            .unwrap_or_else(|| panic!("no department {department} on the page"));
        let item = section
            .split("<div class=\"item\"")
            .find(|i| i.contains(&format!("data-indicator=\"{indicator}\"")))
            .unwrap_or_else(|| panic!("no indicator {indicator} under {department}"));
        attrs(item, "data-saved").into_iter().next().unwrap_or_default()
    }

    pub(crate) fn recused(&self) -> Vec<String> {
        self.html
            .split("<section class=\"dept\"")
            .skip(1)
            .filter(|s| s.contains("class=\"recused\""))
            .map(|s| attrs(s, "data-department")[0].clone())
            .collect()
    }
}

pub(crate) fn save_json(department: &str, indicator: &str, score: &str) -> String {
    serde_json::json!({ "department": department, "indicator": indicator, "field": { "score": score } })
        .to_string()
}

pub(crate) fn save(
    addr: &str,
    cookie: &str,
    department: &str,
    indicator: &str,
    score: &str,
) -> (u16, String) {
    post_json(
        addr,
        "/score/save",
        &format!("Cookie: {cookie}\r\nOrigin: http://{addr}\r\nSec-Fetch-Site: same-origin\r\n"),
        &save_json(department, indicator, score),
    )
}

pub(crate) fn scores_dir(root: &Path) -> std::path::PathBuf {
    root.join("input").join("网上评分")
}

#[test]
fn a_foreign_host_gets_nothing() {
    let (root, _) = workspace_with(&reference_2021(), "2021年度.xlsx");
    let server = Server::start(&["input"], root.path());
    let addr = server.addr();
    for host in ["evil.example", "evil.example:80", "127.0.0.1.evil.example"] {
        let head = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let (status, _, body) = request(&addr, &head, b"");
        assert_eq!(status, 403, "{host}");
        assert!(!String::from_utf8_lossy(&body).contains("2021年度"), "{host}");
    }
    assert_eq!(get(&addr, "/").0, 200, "its own name still works");
}

#[test]
fn the_office_network_needs_the_key_for_every_file() {
    let (_root, server, office) = lan_server();
    let addr = server.addr();
    let content = office_content(&server, &office);
    let mut paths = vec![
        "/".to_string(),
        "/content".to_string(),
        "/events".to_string(),
        "/version".to_string(),
        "/all.zip".to_string(),
        "/forms.zip".to_string(),
        "/static/live-worker.js".to_string(),
        "/scoring/%E8%AF%84%E5%88%86%E9%93%BE%E6%8E%A5.pdf".to_string(),
    ];
    paths.extend(attrs(&content, "href").into_iter().filter(|h| h.starts_with('/')));
    assert!(paths.len() > 20, "the page offers its files: {paths:?}");
    for path in &paths {
        let (status, headers, body) = get_with(&addr, path, "");
        assert_eq!(status, 401, "{path}");
        assert!(body.contains("办公室网址"), "{path}: {body}");
        assert_eq!(header(&headers, "x-frame-options"), Some("DENY"));
        let (status, _, _) = get_with(&addr, path, "Cookie: kaoping_office_1=wrong\r\n");
        assert_eq!(status, 401, "{path} with a forged cookie");
    }
    // With the key's cookie, the same files are there.
    for path in paths.iter().filter(|p| p.contains("/files/")).take(3) {
        let (status, _, _) = get_with(&addr, path, &format!("Cookie: {office}\r\n"));
        assert_eq!(status, 200, "{path}");
    }
    // Uploads too.
    let (status, _) = post_json(&addr, "/jobs", "", "{}");
    assert_eq!(status, 401);
}

#[test]
fn an_evaluators_link_opens_only_their_page() {
    let (_root, server, office) = lan_server();
    let addr = server.addr();
    let content = office_content(&server, &office);
    let links = links(&content);
    assert!(links.len() >= 2, "{links:?}");
    let first = open_link(&addr, &links[0]);
    let second = open_link(&addr, &links[1]);
    let page = Page::open(&addr, &first);
    let (department, indicator, _) = page.fields()[0].clone();

    let content_href = attrs(&content, "href").into_iter().find(|h| h.contains("/files/")).unwrap();
    for path in ["/", "/content", "/events", "/all.zip", content_href.as_str()] {
        let (status, _, body) = get_with(&addr, path, &format!("Cookie: {first}\r\n"));
        assert_eq!(status, 403, "{path}");
        assert!(!body.contains("上次生成"), "{path}");
    }
    for path in ["/scoring/relink", "/scoring/reopen"] {
        let who = serde_json::json!({ "group": "x", "name": "y" }).to_string();
        let (status, _) = post_json(&addr, path, &format!("Cookie: {first}\r\n"), &who);
        assert_eq!(status, 403, "{path}");
    }
    // Another evaluator's scores: only through their own cookie, and the first
    // evaluator's save lands on the first evaluator's page only.
    let (status, body) = save(&addr, &first, &department, &indicator, "0");
    assert_eq!(status, 200, "{body}");
    assert!(!Page::open(&addr, &second).html.contains("data-saved=\"0\""));
}

#[test]
fn saves_are_refused_unless_from_the_page_and_in_range() {
    let (root, server, office) = lan_server();
    let addr = server.addr();
    let content = office_content(&server, &office);
    let links = links(&content);
    let cookies: Vec<String> = links.iter().map(|l| open_link(&addr, l)).collect();
    let page = Page::open(&addr, &cookies[0]);
    let fields = page.fields();
    let (department, indicator, max) = fields[0].clone();
    let log = scores_dir(root.path()).join("评分日志.csv");
    let log_lines = || std::fs::read_to_string(&log).unwrap_or_default().lines().count();

    // Cross-site: a page elsewhere posting with the evaluator's cookie.
    let before = log_lines();
    let (status, _) = post_json(
        &addr,
        "/score/save",
        &format!(
            "Cookie: {}\r\nOrigin: http://evil.example\r\nSec-Fetch-Site: cross-site\r\n",
            cookies[0]
        ),
        &save_json(&department, &indicator, "1"),
    );
    assert_eq!(status, 403);

    // Out of range, three decimals, not a number: 422, nothing saved, logged.
    let above = format!("{}.5", max.split('.').next().unwrap());
    for value in [above.as_str(), "-1", "1.234", "abc"] {
        let (status, body) = save(&addr, &cookies[0], &department, &indicator, value);
        assert_eq!(status, 422, "{value}: {body}");
        assert!(body.contains("error"), "{body}");
    }
    assert!(log_lines() >= before + 4, "refusals are logged");
    assert!(!Page::open(&addr, &cookies[0]).html.contains("data-saved=\"1\""));

    // A department that is not theirs, one that does not exist, an unknown indicator.
    let foreign = cookies
        .iter()
        .skip(1)
        .flat_map(|c| Page::open(&addr, c).fields())
        .map(|(d, _, _)| d)
        .find(|d| !fields.iter().any(|(mine, _, _)| mine == d));
    if let Some(foreign) = foreign {
        let (status, body) = save(&addr, &cookies[0], &foreign, &indicator, "1");
        assert_eq!(status, 403, "{body}");
    }
    let (status, _) = save(&addr, &cookies[0], "不存在的部门", &indicator, "1");
    assert_eq!(status, 404);
    let (status, _) = save(&addr, &cookies[0], &department, "ZZ99", "1");
    assert_eq!(status, 404);

    // Recused departments: not scoreable on the page, refused when sent directly.
    let recused = cookies.iter().find_map(|c| {
        let page = Page::open(&addr, c);
        page.recused().first().map(|d| (c.clone(), d.clone()))
    });
    let (cookie, department) = recused.expect("the sample has a recusal");
    let (status, body) = save(&addr, &cookie, &department, &indicator, "1");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("回避"), "{body}");
}

#[test]
fn twenty_evaluators_saving_at_once_lose_nothing() {
    let (root, server, office) = lan_server();
    let addr = server.addr();
    let content = office_content(&server, &office);
    let cookies: Vec<String> = links(&content).iter().map(|l| open_link(&addr, l)).collect();
    let pages: Vec<_> = cookies.iter().map(|c| Page::open(&addr, c).fields()).collect();
    // Twenty at once; with fewer evaluators in the workbook, several threads share one
    // evaluator and each takes fields of its own.
    let threads: Vec<_> = (0..20)
        .map(|n| {
            let addr = addr.clone();
            let cookie = cookies[n % cookies.len()].clone();
            let fields = pages[n % cookies.len()].clone();
            let share = n / cookies.len();
            std::thread::spawn(move || {
                let mut saved = Vec::new();
                for (department, indicator, _) in fields.iter().skip(share * 3).take(3) {
                    let (status, body) = save(&addr, &cookie, department, indicator, "0.5");
                    assert_eq!(status, 200, "{body}");
                    saved.push((cookie.clone(), department.clone(), indicator.clone()));
                }
                saved
            })
        })
        .collect();
    let saved: Vec<_> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    assert!(!saved.is_empty());
    for (cookie, department, indicator) in &saved {
        let saved = Page::open(&addr, cookie).saved(department, indicator);
        assert_eq!(saved, "0.5", "{department} {indicator} lost");
    }
    // Every workbook in the folder reads.
    for entry in std::fs::read_dir(scores_dir(root.path())).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xlsx") {
            kaoping::workbook::open(&path).expect("a whole workbook");
        }
    }
}

#[test]
fn a_replaced_link_stops_working_at_once() {
    let (_root, server, office) = lan_server();
    let addr = server.addr();
    let content = office_content(&server, &office);
    let link = links(&content)[0].clone();
    let old = open_link(&addr, &link);
    Page::open(&addr, &old);
    let group = attrs(&content, "data-group")[0].clone();
    let name = attrs(&content, "data-name")[0].clone();
    let who = serde_json::json!({ "group": group, "name": name }).to_string();
    let (status, body) = post_json(
        &addr,
        "/scoring/relink",
        &format!("Cookie: {office}\r\nOrigin: http://{addr}\r\n"),
        &who,
    );
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let new_link = answer["link"].as_str().unwrap();
    assert_ne!(new_link, link);
    let (status, _, body) = get_with(&addr, "/score", &format!("Cookie: {old}\r\n"));
    assert_eq!(status, 403, "the old cookie is dead: {body}");
    let path = &link[link.find("/s/").unwrap()..];
    assert_eq!(get_with(&addr, path, "").0, 403, "the old link is dead");
    Page::open(&addr, &open_link(&addr, new_link));
}

#[test]
fn wrong_links_are_slowed_down() {
    let (_root, server, _) = lan_server();
    let addr = server.addr();
    for _ in 0..10 {
        assert_eq!(get_with(&addr, "/s/AAAAAAAAAAAAAAAAAAAAAA", "").0, 403);
    }
    assert_eq!(get_with(&addr, "/s/AAAAAAAAAAAAAAAAAAAAAA", "").0, 429);
    assert_eq!(get_with(&addr, &format!("/?key={}", server.key()), "").0, 429);
}
