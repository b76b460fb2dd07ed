//! 网上评分 over HTTP: the evaluator's page and its save and submit endpoints, and the
//! office's actions (replace a link, reopen a submission, the slips). The rules, the files
//! and the log are [`kaoping::online`]'s; this module turns requests into its calls on
//! blocking threads (every save waits for the disk) and its answers into pages and JSON.
//!
//! A save answers as soon as the evaluator's workbook is on the disk; then the office's
//! tabs are told at once (their counts come from [`Scoring::summaries`], not from a
//! build), and the documents are rebuilt in the background by the watch loop, which sees
//! the saved workbook like any other save.

// A refusal is the response itself, returned early with `?`; it is built once per
// request, so its size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use kaoping::online::slips::{SLIPS_FILE, render_slips};
use kaoping::online::{
    EvaluatorId, EvaluatorSummary, Refusal, SaveError, SaveRequest, Scoring, Status, link_url,
};
use serde::{Deserialize, Serialize};

use super::App;
use super::access::EvaluatorSecret;

/// Online scoring of the watched workbooks, with the address links are made under.
pub struct Online {
    pub scoring: Scoring,
    /// `http://192.168.1.20:8000`.
    pub public_base: String,
}

/// The URL of the slips, percent-encoded.
pub fn slips_url() -> String {
    format!("/scoring/{}", super::page::url_path(SLIPS_FILE))
}

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/score", get(evaluator_page))
        .route("/score/save", post(save))
        .route("/score/submit", post(submit))
        .route(&slips_url(), get(slips))
        .route("/scoring/relink", post(relink))
        .route("/scoring/reopen", post(reopen))
}

/// The office page's 网上评分 block.
#[derive(Debug, Serialize)]
pub struct OfficeView {
    pub slips_url: String,
    pub folder: String,
    pub evaluators: Vec<EvaluatorLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluatorLine {
    pub group: String,
    pub name: String,
    pub status: &'static str,
    pub submitted: bool,
    pub entered: usize,
    pub expected: usize,
    pub link: Option<String>,
    /// This evaluator's slip alone (a replaced link, a lost slip).
    pub slip_url: String,
}

/// What the office page shows of online scoring; `None` when there is none (an upload,
/// or no scores folder).
pub fn office_view(app: &App) -> Option<OfficeView> {
    let online = app.online.as_ref()?;
    let evaluators = online
        .scoring
        .summaries()
        .into_iter()
        .map(|s| line(s, &online.public_base))
        .collect::<Vec<_>>();
    Some(OfficeView {
        slips_url: slips_url(),
        folder: online.scoring.dir().display().to_string(),
        evaluators,
    })
}

fn line(summary: EvaluatorSummary, base: &str) -> EvaluatorLine {
    EvaluatorLine {
        status: summary.status.label(),
        submitted: summary.status == Status::Submitted,
        entered: summary.entered,
        expected: summary.expected,
        link: summary.secret.map(|s| link_url(base, &s)),
        slip_url: format!(
            "{}?{}",
            slips_url(),
            form_urlencoded::Serializer::new(String::new())
                .append_pair("group", &summary.id.group)
                .append_pair("name", &summary.id.name)
                .finish()
        ),
        group: summary.id.group,
        name: summary.id.name,
    }
}

/// A JSON refusal: `{"error": "…"}` with the status that says whose fault it was.
#[derive(Serialize)]
struct Problem {
    error: String,
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    let mut response = (status, Json(Problem { error: message.into() })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refusal(refusal: &Refusal) -> Response {
    let status = match refusal {
        Refusal::NotReady => StatusCode::SERVICE_UNAVAILABLE,
        Refusal::UnknownDepartment(_) | Refusal::UnknownIndicator { .. } => StatusCode::NOT_FOUND,
        r if r.is_forbidden() => StatusCode::FORBIDDEN,
        Refusal::NotSubmitted => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    problem(status, refusal.to_string())
}

fn save_error(error: SaveError) -> Response {
    match error {
        SaveError::Refused(r) => refusal(&r),
        SaveError::Failed(e) => {
            eprintln!("网上评分保存失败：{e}");
            problem(StatusCode::INTERNAL_SERVER_ERROR, format!("服务器无法写入评分（{e}）"))
        }
    }
}

fn online_of(app: &App) -> Result<&Arc<Online>, Response> {
    app.online
        .as_ref()
        .ok_or_else(|| problem(StatusCode::NOT_FOUND, "本次启动没有网上评分（没有找到考评工作簿）"))
}

/// Runs a blocking call of online scoring on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| problem(StatusCode::INTERNAL_SERVER_ERROR, "内部错误：处理请求时程序出错"))
}

/// The evaluator a request comes from; the access layer has checked the secret.
fn evaluator(online: &Online, secret: &str, client: &str) -> Result<EvaluatorId, Response> {
    online.scoring.find_link(secret, client).map_err(|r| refusal(&r))
}

fn client(addr: &SocketAddr) -> String {
    addr.ip().to_string()
}

/// `GET /score`: the evaluator's page.
async fn evaluator_page(
    State(app): State<Arc<App>>,
    Extension(EvaluatorSecret(secret)): Extension<EvaluatorSecret>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
) -> Response {
    let result = async {
        let online = Arc::clone(online_of(&app)?);
        let client = client(&addr);
        blocking(move || {
            let id = evaluator(&online, &secret, &client)?;
            online.scoring.evaluator_view(&id).map_err(|r| refusal(&r))
        })
        .await?
    }
    .await;
    match result {
        Ok(view) => {
            let html = app
                .templates
                .get_template("score.html")
                .and_then(|t| t.render(minijinja::context! { view => minijinja::Value::from(minijinja::value::Serde(&view)) }));
            match html {
                Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
                Err(error) => problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("内部错误：无法显示网页（{error}）"),
                ),
            }
        }
        Err(response) => not_ready_page(response).await,
    }
}

/// A refusal on the page itself is shown as a page, not as JSON.
async fn not_ready_page(response: Response) -> Response {
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024).await.unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| "请稍后再试".to_string());
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>网上评分</title></head><body style=\"font-family: sans-serif; padding: 16px; \
         line-height: 1.6\"><h1 style=\"font-size: 20px\">暂时无法评分</h1><p>{}</p>\
         <p>请稍后刷新本页，或联系考评办公室。</p></body></html>",
        html_escape(&message)
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `POST /score/save`: one field, JSON in and out.
async fn save(
    State(app): State<Arc<App>>,
    Extension(EvaluatorSecret(secret)): Extension<EvaluatorSecret>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    request: Result<Json<SaveRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = request else {
        return problem(StatusCode::BAD_REQUEST, "请求格式不对，请在评分页面上填写");
    };
    let online = match online_of(&app) {
        Ok(online) => Arc::clone(online),
        Err(response) => return response,
    };
    let client = client(&addr);
    let saved = blocking(move || {
        let id = evaluator(&online, &secret, &client)?;
        online.scoring.save(&id, &request, &client).map_err(save_error)
    })
    .await
    .and_then(|r| r);
    match saved {
        Ok(saved) => {
            app.watched.announce();
            (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(saved)).into_response()
        }
        Err(response) => response,
    }
}

/// `POST /score/submit`.
async fn submit(
    State(app): State<Arc<App>>,
    Extension(EvaluatorSecret(secret)): Extension<EvaluatorSecret>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
) -> Response {
    let online = match online_of(&app) {
        Ok(online) => Arc::clone(online),
        Err(response) => return response,
    };
    let client = client(&addr);
    let done = blocking(move || {
        let id = evaluator(&online, &secret, &client)?;
        online.scoring.submit(&id, &client).map_err(save_error)
    })
    .await
    .and_then(|r| r);
    match done {
        Ok(()) => {
            app.watched.announce();
            Json(serde_json::json!({ "status": Status::Submitted.label() })).into_response()
        }
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
struct OnlyOne {
    group: Option<String>,
    name: Option<String>,
}

/// The office names an evaluator by group and name.
#[derive(Debug, Deserialize)]
struct Who {
    group: String,
    name: String,
}

/// `POST /scoring/relink`: a new link for one evaluator; the old one stops working.
async fn relink(
    State(app): State<Arc<App>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: Result<Json<Who>, axum::extract::rejection::JsonRejection>,
) -> Response {
    office_action(app, addr, who, |online, id, client| {
        let secret = online.scoring.replace_link(id, client).map_err(save_error)?;
        Ok(serde_json::json!({ "link": link_url(&online.public_base, &secret.to_string()) }))
    })
    .await
}

/// `POST /scoring/reopen`: a submitted evaluator can change their scores again.
async fn reopen(
    State(app): State<Arc<App>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: Result<Json<Who>, axum::extract::rejection::JsonRejection>,
) -> Response {
    office_action(app, addr, who, |online, id, client| {
        online.scoring.reopen(id, client).map_err(save_error)?;
        Ok(serde_json::json!({ "status": Status::InProgress.label() }))
    })
    .await
}

async fn office_action(
    app: Arc<App>,
    addr: SocketAddr,
    who: Result<Json<Who>, axum::extract::rejection::JsonRejection>,
    action: impl FnOnce(&Online, &EvaluatorId, &str) -> Result<serde_json::Value, Response>
    + Send
    + 'static,
) -> Response {
    let Ok(Json(who)) = who else {
        return problem(StatusCode::BAD_REQUEST, "请求格式不对，请在网页上操作");
    };
    let online = match online_of(&app) {
        Ok(online) => Arc::clone(online),
        Err(response) => return response,
    };
    let client = format!("{}（办公室）", client(&addr));
    let done = blocking(move || {
        let id = EvaluatorId::new(&who.group, &who.name);
        action(&online, &id, &client)
    })
    .await
    .and_then(|r| r);
    match done {
        Ok(answer) => {
            app.watched.announce();
            Json(answer).into_response()
        }
        Err(response) => response,
    }
}

/// `GET /scoring/评分链接.pdf`: every evaluator's slip, typeset now (links may have been
/// replaced since the last build).
///
/// `?group=…&name=…` gives one evaluator's slip alone.
async fn slips(State(app): State<Arc<App>>, Query(only): Query<OnlyOne>) -> Response {
    let online = match online_of(&app) {
        Ok(online) => Arc::clone(online),
        Err(response) => return response,
    };
    let engine = app.engine();
    let made = blocking(move || {
        let mut slips = online.scoring.slips(&online.public_base).map_err(|r| refusal(&r))?;
        if let (Some(group), Some(name)) = (&only.group, &only.name) {
            let id = EvaluatorId::new(group, name);
            slips.retain(|s| s.id == id);
        }
        if slips.is_empty() {
            return Err(problem(StatusCode::CONFLICT, "没有需要网上评分的考评人"));
        }
        let plan = online.scoring.plan().map_err(|r| refusal(&r))?;
        render_slips(&engine, &plan, &slips).map(|pdf| pdf.file.bytes).map_err(|e| {
            problem(StatusCode::INTERNAL_SERVER_ERROR, format!("生成评分链接失败：{e}"))
        })
    })
    .await
    .and_then(|r| r);
    match made {
        Ok(bytes) => super::routes::send_pdf(bytes.into(), SLIPS_FILE),
        Err(response) => response,
    }
}
