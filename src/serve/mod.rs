//! `kaoping serve`: the evaluation office's page in the browser. A second front end over
//! [`kaoping::build::build`], beside the command line: it reads the same inputs with the
//! same engine options, watches them like `watch`, and keeps every output in memory
//! instead of writing an output folder.
//!
//! HTTP is axum on tokio: the ecosystem's standard stack, which gives server-sent events,
//! streamed multipart uploads with a body limit, graceful shutdown and per-connection
//! isolation without hand-written protocol code. Typesetting is blocking work and runs on
//! blocking threads, never on the async workers.

mod jobs;
mod page;
mod routes;
mod workspace;

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kaoping::render::engine::{Engine, EngineOptions};
use tokio::sync::{Semaphore, watch};

use crate::cli::Status;
use crate::cli::args::ServeArgs;
use crate::cli::build::engine_options;
use crate::cli::report::print_error;
use crate::cli::watch::Changes;
use jobs::Jobs;
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
    jobs: Jobs,
    job_slots: Arc<Semaphore>,
    /// Flips to `true` on Ctrl-C, SIGTERM or the console window closing: open event
    /// streams end, so the server can stop.
    shutdown: watch::Receiver<bool>,
    templates: minijinja::Environment<'static>,
}

impl App {
    fn engine(&self) -> Arc<Engine> {
        Arc::clone(&self.engine.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

pub fn run(args: &ServeArgs) -> Status {
    let options = engine_options(&args.engine);
    let engine = match Engine::new(&options) {
        Ok(engine) => engine.with_previews(PREVIEW_SCALE),
        Err(error) => {
            print_error(error);
            return Status::Failed;
        }
    };
    let listener = match bind(args.host, args.port) {
        Ok(listener) => listener,
        Err(error) => {
            print_error(error);
            return Status::Failed;
        }
    };
    // Owned here, not by the shared state, so it is removed on exit even while the
    // watcher thread still holds the state.
    let uploads = match tempfile::Builder::new().prefix("kaoping-uploads-").tempdir() {
        Ok(dir) => dir,
        Err(error) => {
            print_error(format!("无法创建存放上传文件的临时文件夹：{error}"));
            return Status::Failed;
        }
    };
    let inputs = args.input.paths();
    let mut watched_paths = inputs.clone();
    watched_paths.extend(options.templates.clone());
    // A missing input folder is reported on the page (and uploads still work), not a
    // reason to refuse to start.
    watched_paths.retain(|p| p.exists());
    let changes = match Changes::new(&watched_paths, options.templates.clone(), None) {
        Ok(changes) => changes,
        Err(error) => {
            print_error(error);
            return Status::Failed;
        }
    };
    let (stop, shutdown) = watch::channel(false);
    let app = Arc::new(App {
        engine: Mutex::new(Arc::new(engine)),
        engine_options: options,
        threads: args.jobs,
        watched: Arc::new(Workspace::rebuilt_on_save(inputs)),
        jobs: Jobs::new(uploads.path().to_path_buf()),
        job_slots: Arc::new(Semaphore::new(PARALLEL_JOBS)),
        shutdown,
        templates: page::templates(),
    });

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            print_error(format!("无法启动网页服务：{error}"));
            return Status::Failed;
        }
    };
    let url = page_url(&listener);
    let status = runtime.block_on(async {
        let listener = match listener
            .set_nonblocking(true)
            .and_then(|()| tokio::net::TcpListener::from_std(listener))
        {
            Ok(listener) => listener,
            Err(error) => {
                print_error(format!("无法启动网页服务：{error}"));
                return Status::Failed;
            }
        };
        println!("kaoping 网页已启动：{url}");
        if watched_paths.is_empty() {
            println!(
                "找不到 {}；可以在网页上上传工作簿。按 Ctrl+C 退出。",
                list(&app.watched.inputs)
            );
        } else {
            println!("正在监视 {}；保存后网页自动更新。按 Ctrl+C 退出。", list(&watched_paths));
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
        let served = axum::serve(listener, router).with_graceful_shutdown(async move {
            wait_for_signal().await;
            let _ = stop.send(true);
        });
        match served.await {
            Ok(()) => Status::Ok,
            Err(error) => {
                print_error(format!("网页服务出错：{error}"));
                Status::Failed
            }
        }
    });
    // A build still running on a blocking thread must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(1));
    drop(app);
    drop(uploads);
    // After the console window is closed there is nowhere to print to; println! would panic.
    let _ = writeln!(std::io::stdout(), "kaoping 网页已退出。");
    status
}

/// The listener on the first free port from `port` on (`0`: any free port).
fn bind(host: IpAddr, port: u16) -> Result<TcpListener, String> {
    let mut last = None;
    for attempt in 0..PORT_ATTEMPTS {
        let Some(candidate) = port.checked_add(attempt) else { break };
        match TcpListener::bind(SocketAddr::new(host, candidate)) {
            Ok(listener) => return Ok(listener),
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse && port != 0 => {
                last = Some(error);
            }
            Err(error) => return Err(format!("无法在 {host}:{candidate} 上启动网页服务：{error}")),
        }
    }
    let error = last.map(|e| e.to_string()).unwrap_or_default();
    Err(format!(
        "端口 {port} 起的 {PORT_ATTEMPTS} 个端口都被占用（{error}）；请用 --port 指定其他端口"
    ))
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

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("、")
}

/// Builds the watched workbooks now and after every save, on a thread of its own: the
/// watcher blocks, and so does typesetting.
fn spawn_watch(app: Arc<App>, changes: Changes) {
    std::thread::spawn(move || {
        rebuild_watched(&app);
        while let Some(change) = changes.next() {
            if *app.shutdown.borrow() {
                break;
            }
            if change.templates {
                let reloaded =
                    app.engine().reload_templates(app.engine_options.templates.as_deref());
                match reloaded {
                    Ok(engine) => {
                        *app.engine.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(engine)
                    }
                    Err(error) => print_error(error),
                }
            }
            rebuild_watched(&app);
        }
    });
}

fn rebuild_watched(app: &App) {
    eprintln!("[{}] 重新生成……", chrono::Local::now().format("%H:%M:%S"));
    app.watched.rebuild(&app.engine(), app.threads);
    let snapshot = app.watched.snapshot();
    match &snapshot.error {
        Some(error) => print_error(error),
        None => eprintln!(
            "[{}] {}",
            chrono::Local::now().format("%H:%M:%S"),
            crate::cli::report::summary_line(&snapshot.findings)
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
    // Closing the console window: Windows lets the process finish for a few seconds (tokio
    // holds its handler meanwhile), enough to stop the server and remove the uploads.
    #[cfg(windows)]
    let terminate = async {
        match tokio::signal::windows::ctrl_close() {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(any(unix, windows)))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
