//! The URLs. Every file a response carries comes from a workspace's in-memory outputs,
//! looked up by its exact relative path: no part of a request path reaches the file
//! system, so `../` in any encoding finds nothing and gets 404.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{Cursor, Write as _};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Multipart, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use kaoping::blank_forms::{FormsError, blank_forms};

use super::App;
use super::page::{UPLOAD_LIMIT, View};
use super::uploads::Refused;
use super::workspace::Workspace;

/// The parameters of a matched route (`id`, `path`); empty for `/`. `None` when they do
/// not decode (invalid UTF-8 in a percent escape): such a URL names nothing, so 404.
struct Params(Option<HashMap<String, String>>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        match Path::<HashMap<String, String>>::from_request_parts(parts, state).await {
            Ok(Path(params)) => Ok(Params(Some(params))),
            Err(PathRejection::MissingPathParams(_)) => Ok(Params(Some(HashMap::new()))),
            Err(_) => Ok(Params(None)),
        }
    }
}

pub fn router(app: Arc<App>) -> Router {
    let workspace = || {
        Router::new()
            .route("/content", get(content))
            .route("/events", get(events))
            .route("/files/{*path}", get(download))
            .route("/view/{*path}", get(view))
            .route("/preview/{*path}", get(preview))
            .route("/all.zip", get(all_zip))
            .route("/forms.zip", get(forms_zip))
    };
    Router::new()
        .route("/", get(page))
        .route("/jobs/{id}", get(page))
        .route(
            "/jobs",
            // A declared length over the limit is refused before reading; a body that
            // grows past it while streaming fails mid-read, and `upload` reports both as
            // too large.
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .merge(workspace())
        .nest("/jobs/{id}", workspace())
        .fallback(not_found)
        .with_state(app)
}

/// The workspace a URL names: the watched workbooks, or an upload job.
fn workspace_of(app: &App, params: &Params) -> Option<(Arc<Workspace>, Option<String>)> {
    let params = params.0.as_ref()?;
    match params.get("id") {
        None => Some((Arc::clone(&app.watched), None)),
        Some(id) => app.uploads.get(id).map(|job| (job, Some(id.clone()))),
    }
}

async fn page(State(app): State<Arc<App>>, params: Params) -> Response {
    render(&app, &params, "page.html")
}

async fn content(State(app): State<Arc<App>>, params: Params) -> Response {
    render(&app, &params, "content.html")
}

fn render(app: &App, params: &Params, template: &str) -> Response {
    let Some((workspace, job)) = workspace_of(app, params) else {
        return not_found_page();
    };
    let view = View::new(&workspace, &workspace.snapshot(), job.as_deref());
    let html = app
        .templates
        .get_template(template)
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&view))));
    match html {
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(error) => {
            let message = format!("内部错误：无法显示网页（{error}）");
            (StatusCode::INTERNAL_SERVER_ERROR, message).into_response()
        }
    }
}

/// Server-sent events: the workspace's version now and after every change; ends when the
/// server stops.
async fn events(State(app): State<Arc<App>>, params: Params) -> Response {
    let Some((workspace, _)) = workspace_of(&app, &params) else {
        return not_found_page();
    };
    let stream = versions(workspace.subscribe(), app.shutdown.clone());
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

fn versions(
    changes: tokio::sync::watch::Receiver<u64>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let state = (changes, shutdown, true);
    futures_util::stream::unfold(state, |(mut changes, mut shutdown, first)| async move {
        if !first {
            tokio::select! {
                changed = changes.changed() => changed.ok()?,
                _ = shutdown.wait_for(|stop| *stop) => return None,
            }
        }
        if *shutdown.borrow() {
            return None;
        }
        let version = *changes.borrow_and_update();
        let event = Event::default().data(version.to_string());
        Some((Ok(event), (changes, shutdown, false)))
    })
}

async fn download(State(app): State<Arc<App>>, params: Params) -> Response {
    file(&app, &params, Disposition::Attachment)
}

async fn view(State(app): State<Arc<App>>, params: Params) -> Response {
    file(&app, &params, Disposition::Inline)
}

#[derive(Clone, Copy)]
enum Disposition {
    Attachment,
    Inline,
}

fn file(app: &App, params: &Params, disposition: Disposition) -> Response {
    let Some((workspace, _)) = workspace_of(app, params) else {
        return not_found_page();
    };
    let snapshot = workspace.snapshot();
    let Some(output) = params.path().and_then(|p| snapshot.output(p)) else {
        return not_found_page();
    };
    let name = output.path.rsplit('/').next().unwrap_or(&output.path);
    let kind = match disposition {
        Disposition::Attachment => "attachment",
        Disposition::Inline => "inline",
    };
    send(output.bytes.clone(), content_type(&output.path), Some((kind, name)))
}

async fn preview(State(app): State<Arc<App>>, params: Params) -> Response {
    let Some((workspace, _)) = workspace_of(&app, &params) else {
        return not_found_page();
    };
    let snapshot = workspace.snapshot();
    let picture = params.path().and_then(|p| snapshot.output(p)).and_then(|o| o.preview.clone());
    match picture {
        Some(png) => send(png, "image/png", None),
        None => not_found_page(),
    }
}

async fn all_zip(State(app): State<Arc<App>>, params: Params) -> Response {
    let Some((workspace, _)) = workspace_of(&app, &params) else {
        return not_found_page();
    };
    let snapshot = workspace.snapshot();
    if snapshot.outputs.is_empty() {
        return conflict("还没有生成文件，无法打包下载");
    }
    let files = snapshot.outputs.iter().map(|o| (o.path.clone(), o.bytes.clone())).collect();
    zipped(files, "考评文件.zip").await
}

/// The blank scoring forms, from the workspace's current workbooks: the library job
/// `kaoping forms` calls, so the same bytes and the same refusals.
async fn forms_zip(State(app): State<Arc<App>>, params: Params) -> Response {
    let Some((workspace, _)) = workspace_of(&app, &params) else {
        return not_found_page();
    };
    let made = tokio::task::spawn_blocking(move || {
        blank_forms(&workspace.inputs).map_err(|error| match error {
            FormsError::Read(error) => workspace.display_message(&error.to_string()),
            // The page lists the errors beside the link; the command line prints them.
            FormsError::Input { .. } => "工作簿有错误，请先改正后再下载评分表".to_string(),
            error => error.to_string(),
        })
    })
    .await;
    match made {
        Ok(Ok(made)) => {
            let files = made.forms.into_iter().map(|f| (f.file_name, Bytes::from(f.bytes)));
            zipped(files.collect(), "空白评分表.zip").await
        }
        Ok(Err(message)) => conflict(&message),
        Err(_) => conflict("内部错误：生成评分表时程序出错"),
    }
}

async fn zipped(files: Vec<(String, Bytes)>, name: &str) -> Response {
    match tokio::task::spawn_blocking(move || zip(&files)).await {
        Ok(Ok(bytes)) => send(Bytes::from(bytes), "application/zip", Some(("attachment", name))),
        _ => conflict("内部错误：无法打包文件"),
    }
}

impl Params {
    fn path(&self) -> Option<&str> {
        self.0.as_ref().and_then(|p| p.get("path")).map(String::as_str)
    }
}

/// A zip of the files, byte-identical for the same files: fixed timestamps, given order.
fn zip(files: &[(String, Bytes)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (path, bytes) in files {
        writer.start_file(path.as_str(), options)?;
        writer.write_all(bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

async fn upload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > UPLOAD_LIMIT as u64) {
        return refused(Refused::too_large(declared));
    }
    let Ok(multipart) = multipart else {
        return refused(Refused {
            status: StatusCode::BAD_REQUEST,
            message: "请用网页上的上传框选择或拖入文件".to_string(),
        });
    };
    match app.uploads.receive(multipart).await {
        Ok((id, workspace)) => {
            let (engine, threads, slots) = (app.engine(), app.threads, Arc::clone(&app.job_slots));
            tokio::spawn(async move {
                // Held until the build ends: at most a few uploads typeset at once.
                let Ok(_slot) = slots.acquire_owned().await else { return };
                let _ =
                    tokio::task::spawn_blocking(move || workspace.rebuild(&engine, threads)).await;
            });
            Redirect::to(&format!("/jobs/{id}")).into_response()
        }
        Err(error) => refused(error),
    }
}

fn refused(refused: Refused) -> Response {
    let mut response = (refused.status, refused.message).into_response();
    // The browser may still be sending; tell it this connection is done.
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn conflict(message: &str) -> Response {
    (StatusCode::CONFLICT, message.to_string()).into_response()
}

fn send(bytes: Bytes, content_type: &'static str, disposition: Option<(&str, &str)>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Some((kind, name)) = disposition
        && let Ok(value) = HeaderValue::from_str(&content_disposition(kind, name))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// RFC 6266: an ASCII fallback name, and the real one in UTF-8.
fn content_disposition(kind: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("pdf") => "application/pdf",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

async fn not_found() -> Response {
    not_found_page()
}

fn not_found_page() -> Response {
    let html = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>找不到</title>\
        <p>找不到这个网址。可能 kaoping 已重新启动（上传任务不会保留），或链接不完整。</p>\
        <p><a href=\"/\">返回首页</a></p></html>";
    (StatusCode::NOT_FOUND, Html(html)).into_response()
}
