//! `kaoping serve`: the evaluation office's page in the browser. A second front end over
//! [`kaoping::build::build`], beside the command line: it reads the same inputs with the
//! same engine options, watches them like `watch`, and keeps every output in memory
//! instead of writing an output folder.
//!
//! HTTP is axum on tokio: the ecosystem's standard stack, which gives server-sent events,
//! streamed multipart uploads with a body limit, graceful shutdown and per-connection
//! isolation without hand-written protocol code. Typesetting is blocking work and runs on
//! blocking threads, never on the async workers.

mod page;
mod routes;
mod uploads;
mod workspace;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kaoping::render::engine::{Engine, EngineOptions};
use kaoping::watch::{Changes, Round, rebuild_on_change};
use tokio::sync::{Semaphore, watch};

use crate::args::ServeArgs;
use crate::front::{Error, announce_rebuild, list_paths, print_error};
use uploads::Uploads;
use workspace::Workspace;

/// Pixels per point of the first-page pictures: an A4 page becomes 238 × 337 px, enough
/// to recognise a document, small enough for a page listing a hundred of them.
const PREVIEW_SCALE: f32 = 0.4;
/// Ports tried after the requested one when it is taken.
const PORT_ATTEMPTS: u16 = 50;
/// Uploaded workbooks built at the same time; more wait their turn.
const PARALLEL_JOBS: usize = 2;

/// What every request handler shares.
pub struct App {
    engine: Mutex<Arc<Engine>>,
    engine_options: EngineOptions,
    threads: usize,
    watched: Arc<Workspace>,
    uploads: Uploads,
    job_slots: Arc<Semaphore>,
    /// Flips to `true` on Ctrl-C or SIGTERM: open event streams end, so the server can stop.
    shutdown: watch::Receiver<bool>,
    templates: minijinja::Environment<'static>,
}

impl App {
    fn engine(&self) -> Arc<Engine> {
        Arc::clone(&self.engine.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

pub fn run(args: &ServeArgs) -> Result<(), Error> {
    let options = args.engine.engine_options();
    let engine = Engine::new(&options)?.with_previews(PREVIEW_SCALE);
    let listener = bind(args.host, args.port)?;
    // Owned here, not by the shared state, so it is removed on exit even while the
    // watcher thread still holds the state.
    let upload_dir =
        tempfile::Builder::new().prefix("kaoping-uploads-").tempdir().map_err(Error::Uploads)?;
    let inputs = args.input.paths();
    let mut watched_paths = inputs.clone();
    watched_paths.extend(options.templates.clone());
    // A missing input folder is reported on the page (and uploads still work), not a
    // reason to refuse to start.
    watched_paths.retain(|p| p.exists());
    let changes = Changes::new(&watched_paths, options.templates.clone(), None)?;
    let (stop, shutdown) = watch::channel(false);
    let app = Arc::new(App {
        engine: Mutex::new(Arc::new(engine)),
        engine_options: options,
        threads: args.jobs,
        watched: Arc::new(Workspace::rebuilt_on_save(inputs)),
        uploads: Uploads::new(upload_dir.path().to_path_buf()),
        job_slots: Arc::new(Semaphore::new(PARALLEL_JOBS)),
        shutdown,
        templates: page::templates(),
    });

    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(Error::Runtime)?;
    let url = page_url(&listener);
    let served = runtime.block_on(async {
        let listener = listener
            .set_nonblocking(true)
            .and_then(|()| tokio::net::TcpListener::from_std(listener))
            .map_err(Error::Runtime)?;
        println!("kaoping 网页已启动：{url}");
        if watched_paths.is_empty() {
            println!(
                "找不到 {}；可以在网页上上传工作簿。按 Ctrl+C 退出。",
                list_paths(&app.watched.inputs)
            );
        } else {
            println!(
                "正在监视 {}；保存后网页自动更新。按 Ctrl+C 退出。",
                list_paths(&watched_paths)
            );
        }
        if args.host.is_unspecified() {
            println!("局域网内的其他电脑可用本机的 IP 地址打开（端口 {}）。", port_of(&url));
        }
        spawn_watch(Arc::clone(&app), changes);
        if args.open
            && let Err(error) = open::that_detached(&url)
        {
            print_error(format!("无法打开浏览器（{error}）；请手动打开 {url}"));
        }
        let router = routes::router(Arc::clone(&app));
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                wait_for_signal().await;
                let _ = stop.send(true);
            })
            .await
            .map_err(Error::Serve)
    });
    // A build still running on a blocking thread must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(1));
    drop(app);
    drop(upload_dir);
    println!("kaoping 网页已退出。");
    served
}

/// The listener on the first free port from `port` on (`0`: any free port).
fn bind(host: IpAddr, port: u16) -> Result<TcpListener, Error> {
    let mut last = None;
    for attempt in 0..PORT_ATTEMPTS {
        let Some(candidate) = port.checked_add(attempt) else { break };
        match TcpListener::bind(SocketAddr::new(host, candidate)) {
            Ok(listener) => return Ok(listener),
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse && port != 0 => {
                last = Some(error);
            }
            Err(source) => return Err(Error::Bind { host, port: candidate, source }),
        }
    }
    let last = last.map(|e| e.to_string()).unwrap_or_default();
    Err(Error::PortsTaken { port, attempts: PORT_ATTEMPTS, last })
}

fn page_url(listener: &TcpListener) -> String {
    match listener.local_addr() {
        Ok(addr) => {
            let host =
                if addr.ip().is_unspecified() { IpAddr::from([127, 0, 0, 1]) } else { addr.ip() };
            format!("http://{}/", SocketAddr::new(host, addr.port()))
        }
        Err(_) => "http://127.0.0.1/".to_string(),
    }
}

fn port_of(url: &str) -> &str {
    url.trim_end_matches('/').rsplit(':').next().unwrap_or("")
}

/// Builds the watched workbooks now and after every save, on a thread of its own: the
/// watcher blocks, and so does typesetting. Uploads made after a template reload are built
/// with the reloaded engine.
fn spawn_watch(app: Arc<App>, changes: Changes) {
    std::thread::spawn(move || {
        let templates = app.engine_options.templates.clone();
        rebuild_on_change(app.engine(), templates.as_deref(), changes, |round| {
            if *app.shutdown.borrow() {
                return ControlFlow::Break(());
            }
            match round {
                Round::Build(engine) => {
                    *app.engine.lock().unwrap_or_else(|e| e.into_inner()) = Arc::clone(engine);
                    rebuild_watched(&app, engine);
                }
                Round::TemplatesFailed(error) => print_error(error),
            }
            ControlFlow::Continue(())
        });
    });
}

fn rebuild_watched(app: &App, engine: &Engine) {
    announce_rebuild();
    app.watched.rebuild(engine, app.threads);
    let snapshot = app.watched.snapshot();
    match &snapshot.error {
        Some(error) => print_error(error),
        None => eprintln!(
            "[{}] {}",
            chrono::Local::now().format("%H:%M:%S"),
            snapshot.findings.summary_line()
        ),
    }
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
