//! Live updates that cost one connection per browser, not one per tab.
//!
//! Browsers keep at most six HTTP/1.1 connections per host; an event stream per tab used
//! them all up with six tabs open, and a seventh tab never loaded. Now every tab of a
//! browser talks to one `SharedWorker` (`/static/live-worker.js`), which holds a single
//! stream of the versions of all the workspaces its tabs show (`/events?w=&w=<job>…`)
//! and passes each tab the versions of its own. Where `SharedWorker` is missing, a tab
//! asks for its workspace's version every second instead (`…/version`), between requests
//! holding no connection.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt as _};
use tokio::sync::watch;

use super::App;
use super::workspace::Workspace;

/// The script of the shared worker; served from the binary like the page.
pub const WORKER_JS: &str = include_str!("static/live-worker.js");
/// The most workspaces one stream follows (a browser with that many upload tabs open).
const MAX_FOLLOWED: usize = 64;

/// `GET /static/live-worker.js`.
pub async fn worker_script() -> Response {
    let mut response = WORKER_JS.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    response
}

/// `GET /events?w=&w=<job>`: one server-sent event `{"w": …, "v": …}` for each listed
/// workspace now and after each of its changes (`w` empty: the watched workbooks; no `w`
/// at all: the watched workbooks only). Unknown jobs are skipped: a job that is gone has
/// no news. Ends when the server stops.
pub async fn events(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    let followed = followed(query.as_deref())
        .into_iter()
        .filter_map(|name| workspace(&app, &name).map(|w| (name, w)))
        .map(|(name, workspace)| versions(name, workspace.subscribe(), app.shutdown.clone()))
        .collect::<Vec<_>>();
    let merged = stream::select_all(followed.into_iter().map(Box::pin));
    Sse::new(merged).keep_alive(KeepAlive::default()).into_response()
}

/// `GET /version`, `GET /jobs/<id>/version`: the workspace's version, for tabs without a
/// shared worker.
pub fn version_of(workspace: &Workspace) -> Response {
    let mut response = workspace.snapshot().version.to_string().into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The workspaces a query names, without repeats, in order.
fn followed(query: Option<&str>) -> Vec<String> {
    let Some(query) = query else { return vec![String::new()] };
    let mut names: Vec<String> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key == "w" && !names.iter().any(|n| *n == value) && names.len() < MAX_FOLLOWED {
            names.push(value.into_owned());
        }
    }
    if names.is_empty() { vec![String::new()] } else { names }
}

fn workspace(app: &App, name: &str) -> Option<Arc<Workspace>> {
    if name.is_empty() { Some(Arc::clone(&app.watched)) } else { app.uploads.get(name) }
}

fn versions(
    name: String,
    changes: watch::Receiver<u64>,
    shutdown: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let state = (changes, shutdown, true);
    stream::unfold(state, move |(mut changes, mut shutdown, first)| {
        let name = name.clone();
        async move {
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
            let data = serde_json::json!({ "w": name, "v": version }).to_string();
            Some((Ok(Event::default().data(data)), (changes, shutdown, false)))
        }
    })
    .fuse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_follows_each_named_workspace_once() {
        assert_eq!(followed(None), vec![""]);
        assert_eq!(followed(Some("")), vec![""]);
        assert_eq!(followed(Some("w=&w=ab12&w=ab12&x=1")), vec!["", "ab12"]);
        assert_eq!(followed(Some("w=ab12")), vec!["ab12"]);
        let many: String = (0..100).map(|i| format!("w={i}&")).collect();
        assert_eq!(followed(Some(&many)).len(), MAX_FOLLOWED);
    }
}
