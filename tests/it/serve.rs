//! `kaoping serve` end to end: the binary is started as users start it, the page is
//! driven in Debian's chromium through chromedriver (WebDriver), and the HTTP-level
//! refusals (traversal, oversize, concurrent uploads) are sent over plain TCP.
//!
//! The browser tests skip with a note when chromium or chromedriver is missing; `.ci/run`
//! installs both.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use kaoping::sample::{Book, Value, reference_2021};

// ---------------------------------------------------------------- the server

/// A running `kaoping serve`, stopped with SIGTERM when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) url: String,
    key: Option<String>,
}

impl Server {
    /// Starts `kaoping serve ARGS --port 0` in `cwd` and waits for its URL.
    pub(crate) fn start(args: &[&str], cwd: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kaoping"))
            .arg("serve")
            .args(args)
            .args(["--port", "0", "--no-system-fonts"])
            .current_dir(cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("serve prints its URL");
        let url = line[line.find("http://").expect("a URL in the first line")..].trim().to_string();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || while rx.recv().is_ok() {});
        // On the office network the first line is the office's address with its key; the
        // tests still connect over loopback, which the server accepts as its own name.
        let (url, key) = match url.split_once("/?key=") {
            Some((public, key)) => {
                let port = public.rsplit(':').next().unwrap();
                (format!("http://127.0.0.1:{port}"), Some(key.to_string()))
            }
            None => (url.trim_end_matches('/').to_string(), None),
        };
        Server { child, url, key }
    }

    /// The office key, when the server listens beyond loopback.
    pub(crate) fn key(&self) -> &str {
        self.key.as_deref().expect("an office key")
    }

    pub(crate) fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_string()
    }

    /// Waits until the workspace at `base` has finished a build; returns its content HTML.
    pub(crate) fn built(&self, base: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (status, _, body) = get(&self.addr(), &format!("{base}/content"));
            let html = String::from_utf8_lossy(&body).into_owned();
            if status == 200 && html.contains("上次生成") && !html.contains("正在生成") {
                return html;
            }
            assert!(Instant::now() < deadline, "no build finished at {base}: {status} {html}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, as a service manager stops it; returns the exit status.
    pub(crate) fn terminate(mut self) -> Option<i32> {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SIGTERM first, so the server removes its upload folder.
            let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A folder with `input/<name>` holding the book.
pub(crate) fn workspace_with(book: &Book, name: &str) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("input");
    std::fs::create_dir(&input).unwrap();
    let path = input.join(name);
    std::fs::write(&path, book.to_xlsx_bytes().unwrap()).unwrap();
    (root, path)
}

/// Saves like Excel and WPS do: write a temporary file, then rename it over the workbook.
pub(crate) fn save_like_excel(path: &Path, book: &Book) {
    let temp = path.with_file_name(".~kaoping-test.tmp");
    std::fs::write(&temp, book.to_xlsx_bytes().unwrap()).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

// ---------------------------------------------------------------- raw HTTP

/// One request over a fresh connection: status, headers (lower-case names), body.
pub(crate) fn request(
    addr: &str,
    head: &str,
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (and close) before the whole body is sent: a refusal.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw)
}

pub(crate) fn parse_response(raw: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
    out
}

pub(crate) fn get(addr: &str, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    request(addr, &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"), b"")
}

pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A multipart/form-data upload of `files` to /jobs; returns status, Location and body.
pub(crate) fn upload(addr: &str, files: &[(&str, Vec<u8>)]) -> (u16, Option<String>, String) {
    let boundary = "kaopingTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /jobs HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (status, headers, body) = request(addr, &head, &body);
    (
        status,
        header(&headers, "location").map(str::to_string),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// What `kaoping build` writes for the same input, by relative path.
pub(crate) fn build_outputs(root: &Path) -> Vec<(String, Vec<u8>)> {
    build_outputs_of(root, &["input"], "out")
}

/// `kaoping build INPUTS -o OUT` in `root`: every output but hidden files, by relative
/// `/`-separated path, sorted.
pub(crate) fn build_outputs_of(root: &Path, inputs: &[&str], out: &str) -> Vec<(String, Vec<u8>)> {
    let output = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .arg("build")
        .args(inputs)
        .args(["-o", out, "-q", "--no-system-fonts"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let out = root.join(out);
    let mut files = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.file_name().unwrap().to_string_lossy().starts_with('.') {
                let rel = path.strip_prefix(&out).unwrap().to_string_lossy().replace('\\', "/");
                files.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

// ---------------------------------------------------------------- the browser

/// One browser at a time: chromium is heavy for a 2-core machine.
pub(crate) static BROWSER: Mutex<()> = Mutex::new(());

pub(crate) struct Browser {
    driver: Child,
    pub(crate) client: Client,
}

impl Browser {
    /// Chromium through chromedriver, headless; `None` (with a note) when either is missing.
    pub(crate) async fn start() -> Option<Browser> {
        Browser::start_with(serde_json::json!({})).await
    }

    /// The same browser as a phone: a 390 × 844 viewport at three device pixels per
    /// CSS pixel, with touch, as chromium's device emulation does it.
    pub(crate) async fn phone() -> Option<Browser> {
        Browser::start_with(serde_json::json!({
            "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true },
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
        }))
        .await
    }

    async fn start_with(mobile: serde_json::Value) -> Option<Browser> {
        let chromium =
            ["chromium", "chromium-browser", "google-chrome"].into_iter().find_map(which)?;
        let Some(chromedriver) = which("chromedriver") else {
            eprintln!(
                "note: chromedriver not installed; browser test skipped (apt-get install chromium-driver)"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut driver = Command::new(chromedriver);
        driver.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        // Its own process group, which chromium joins: a test that fails before `close`
        // still takes the whole browser down when the `Browser` drops.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut driver, 0);
        let driver = driver.spawn().ok()?;
        let mut caps = serde_json::Map::new();
        let mut options = serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1800"],
        });
        if mobile.as_object().is_some_and(|m| !m.is_empty()) {
            options["mobileEmulation"] = mobile;
        }
        caps.insert("goog:chromeOptions".into(), options);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => return Some(Browser { driver, client }),
                Err(error) if Instant::now() > deadline => panic!("chromedriver: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    pub(crate) async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// The text of the first element matching `css`, or "" when there is none.
    pub(crate) async fn text(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until `css`'s text satisfies `ok`; returns it.
    pub(crate) async fn wait_text(
        &self,
        css: &str,
        limit: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let text = self.text(css).await;
            if ok(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {css}; it says: {text}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Browser {
    /// Waits until the attribute `name` of the first element matching `css` satisfies `ok`.
    pub(crate) async fn wait_attr(
        &self,
        css: &str,
        name: &str,
        limit: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let value = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.attr(name).await.ok().flatten().unwrap_or_default(),
                Err(_) => String::new(),
            };
            if ok(&value) {
                return value;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {css}[{name}]: {value}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub(crate) fn which(name: &str) -> Option<String> {
    let out = Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !path.is_empty()).then_some(path)
}

macro_rules! browser_or_skip {
    () => {{
        match Browser::start().await {
            Some(browser) => browser,
            None => {
                eprintln!("note: chromium/chromedriver not installed; browser test skipped");
                return;
            }
        }
    }};
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

// ---------------------------------------------------------------- tests

/// The watched workbook: outputs with pictures and byte-identical downloads, the zip,
/// score collection, then a save with a bad cell shows up without a reload.
#[test]
fn page_offers_the_build_and_follows_saves() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (root, workbook) = workspace_with(&reference_2021(), "2021年度.xlsx");
    let expected = build_outputs(root.path());
    let server = Server::start(&["input"], root.path());
    server.built("");
    runtime().block_on(async {
        let browser = browser_or_skip!();
        let c = &browser.client;
        c.goto(&server.url).await.unwrap();
        browser.wait_text("#checked-at", Duration::from_secs(60), |t| !t.is_empty()).await;
        assert!(browser.text("#status").await.contains("2021年度.xlsx"));

        // Every output has a card with its first page, page count, and links.
        let cards = c.find_all(Locator::Css("#outputs .card")).await.unwrap();
        assert_eq!(cards.len(), expected.len(), "one card per output");
        for card in &cards {
            let path = card.attr("data-path").await.unwrap().unwrap();
            let text = card.text().await.unwrap();
            if path.ends_with(".pdf") {
                assert!(text.contains(" 页"), "{path}: {text}");
                // Pictures load lazily: scroll each into view, then wait for it.
                let img = card.find(Locator::Css("img")).await.unwrap();
                let img = serde_json::to_value(&img).unwrap();
                let script = "arguments[0].scrollIntoView(); \
                    return arguments[0].complete ? arguments[0].naturalWidth : 0";
                let deadline = Instant::now() + Duration::from_secs(10);
                loop {
                    let width = c.execute(script, vec![img.clone()]).await.unwrap();
                    if width.as_u64().unwrap_or(0) > 100 {
                        break;
                    }
                    assert!(Instant::now() < deadline, "{path}: picture not shown ({width})");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                card.find(Locator::Css("a.view")).await.unwrap();
            }
        }

        // Downloads: the link's target is byte-identical to `kaoping build`'s file.
        for (path, bytes) in &expected {
            let card = c
                .find(Locator::Css(&format!("#outputs .card[data-path=\"{path}\"]")))
                .await
                .unwrap();
            let href = card
                .find(Locator::Css("a.download"))
                .await
                .unwrap()
                .attr("href")
                .await
                .unwrap()
                .unwrap();
            let (status, headers, body) = get(&server.addr(), &href);
            assert_eq!(status, 200, "{href}");
            assert!(body == *bytes, "{path}: download differs from kaoping build's file");
            assert!(header(&headers, "content-disposition").unwrap().starts_with("attachment"));
        }

        // 下载全部: one zip with every output.
        let href = c
            .find(Locator::Css("#download-all"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        let (status, _, body) = get(&server.addr(), &href);
        assert_eq!(status, 200);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap();
        assert_eq!(zip.len(), expected.len());
        for (path, bytes) in &expected {
            let mut entry = zip.by_name(path).unwrap();
            let mut unpacked = Vec::new();
            entry.read_to_end(&mut unpacked).unwrap();
            assert!(unpacked == *bytes, "{path} in the zip");
        }

        // Score collection: the sample has every score in.
        let collection = browser.text("#collection").await;
        assert!(collection.contains("缺 0 项"), "{collection}");
        let href =
            c.find(Locator::Css("#forms")).await.unwrap().attr("href").await.unwrap().unwrap();
        let (status, _, body) = get(&server.addr(), &href);
        assert_eq!(status, 200);
        assert!(
            zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap().len() >= 2,
            "one form per group"
        );

        // A save with a bad cell and a missing score: the page follows without a reload.
        c.execute("window.kaopingMarker = 1", vec![]).await.unwrap();
        let mut edited = reference_2021();
        let scores = edited.sheet_mut("评分").unwrap();
        scores.set(0, "得分", "18.333");
        scores.set(1, "得分", Value::Empty);
        let saved = Instant::now();
        save_like_excel(&workbook, &edited);
        let findings = browser
            .wait_text("#findings", Duration::from_secs(60), |t| t.contains("评分!D2"))
            .await;
        eprintln!("page updated {} ms after the save", saved.elapsed().as_millis());
        assert!(
            findings.contains("错误：评分!D2：得分最多保留两位小数，实际为 18.333"),
            "{findings}"
        );
        assert!(findings.contains("错误 1"), "{findings}");
        let marker = c.execute("return window.kaopingMarker", vec![]).await.unwrap();
        assert_eq!(marker, serde_json::json!(1), "updated without a reload");
        // The outputs of the last good build stay, marked as such.
        assert!(browser.text("#outputs").await.contains("最近一次生成失败"));
        let collection = browser.text("#collection").await;
        assert!(collection.contains("缺 1 项"), "{collection}");

        // A good save that changes one score: the unchanged documents are reused from the
        // build cache and keep their pictures.
        let mut edited = reference_2021();
        let scores = edited.sheet_mut("评分").unwrap();
        let first = scores.get(0, "得分").and_then(Value::as_number).unwrap();
        scores.set(0, "得分", first - 1.0);
        save_like_excel(&workbook, &edited);
        browser.wait_text("#findings", Duration::from_secs(60), |t| t.contains("错误 0")).await;
        browser
            .wait_text("#outputs", Duration::from_secs(60), |t| !t.contains("最近一次生成失败"))
            .await;
        let pictures = c.find_all(Locator::Css("#outputs .card img")).await.unwrap().len();
        // An OFD shows its first page like the PDF it was laid out with.
        let paged = |p: &str| p.ends_with(".pdf") || p.ends_with(".ofd");
        let pdfs = expected.iter().filter(|(p, _)| paged(p)).count();
        assert_eq!(pictures, pdfs, "every PDF and OFD keeps its picture");
        browser.close().await;
    });
    assert_eq!(server.terminate(), Some(0), "SIGTERM stops the server cleanly");
}

/// Uploads from the page: a broken file gets the command line's message, a good workbook
/// its own job with outputs; a hostile department name shows literally.
#[test]
fn uploads_from_the_page_become_jobs() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (root, _) = workspace_with(&reference_2021(), "2021年度.xlsx");
    let server = Server::start(&["input"], root.path());
    let files = tempfile::tempdir().unwrap();
    let broken = files.path().join("损坏.xlsx");
    let good = reference_2021().to_xlsx_bytes().unwrap();
    std::fs::write(&broken, &good[..good.len() / 2]).unwrap();
    let expected_message = match kaoping::workbook::open(&broken) {
        Err(error) => error.to_string().replace(&format!("{}/", files.path().display()), ""),
        Ok(_) => panic!("half a workbook reads"),
    };
    let mut hostile = reference_2021();
    let name = "<script>alert(1)</script>";
    hostile.sheet_mut("评分").unwrap().set(0, "部门", name);
    let hostile_path = files.path().join("恶意.xlsx");
    std::fs::write(&hostile_path, hostile.to_xlsx_bytes().unwrap()).unwrap();
    let good_path = files.path().join("上传.xlsx");
    std::fs::write(&good_path, &good).unwrap();

    runtime().block_on(async {
        let browser = browser_or_skip!();
        let c = &browser.client;
        let mut jobs = Vec::new();
        for path in [&broken, &good_path, &hostile_path] {
            c.goto(&server.url).await.unwrap();
            let input = c.find(Locator::Css("#upload-input")).await.unwrap();
            // Choosing the file starts the upload; there is no button to press.
            input.send_keys(&path.display().to_string()).await.unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            let url = loop {
                let url = c.current_url().await.unwrap().to_string();
                if url.contains("/jobs/") {
                    break url;
                }
                assert!(Instant::now() < deadline, "no job page after choosing {}", path.display());
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            assert!(!jobs.contains(&url), "each upload has its own URL");
            jobs.push(url);
            browser.wait_text("#status", Duration::from_secs(120), |t| t.contains("上次生成")).await;
            let status = browser.text("#status").await;
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(status.contains(&file), "{status}");
            if path == &broken {
                let error = browser.text("#error").await;
                assert_eq!(error, expected_message, "the command line's message");
            } else if path == &good_path {
                let outputs = browser.text("#outputs").await;
                assert!(outputs.contains("下载全部"), "{outputs}");
                // 32 documents, and the notice and schedule again as OFD.
                assert_eq!(c.find_all(Locator::Css("#outputs .card")).await.unwrap().len(), 34);
            } else {
                let findings = browser.text("#findings").await;
                assert!(findings.contains(name), "the name shows literally: {findings}");
                assert!(c.get_alert_text().await.is_err(), "no script ran");
                let injected = c
                    .execute("return [...document.scripts].some(s => s.textContent.includes('alert(1)'))", vec![])
                    .await
                    .unwrap();
                assert_eq!(injected, serde_json::json!(false));
            }
        }
        // Dropping several files at once (the workbook and a returned form) is one job.
        let (status, _, forms) = get(&server.addr(), "/forms.zip");
        assert_eq!(status, 200);
        let mut forms = zip::ZipArchive::new(std::io::Cursor::new(forms)).unwrap();
        let mut form = forms.by_index(0).unwrap();
        let form_name = form.name().unwrap().to_string();
        let mut form_bytes = Vec::new();
        form.read_to_end(&mut form_bytes).unwrap();
        c.goto(&server.url).await.unwrap();
        let drop = "const dt = new DataTransfer(); \
            dt.items.add(new File([new Uint8Array(arguments[0])], arguments[1])); \
            dt.items.add(new File([new Uint8Array(arguments[2])], arguments[3])); \
            document.getElementById('drop').dispatchEvent( \
                new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));";
        let args = vec![
            serde_json::json!(good),
            serde_json::json!("拖入.xlsx"),
            serde_json::json!(form_bytes),
            serde_json::json!(form_name),
        ];
        c.execute(drop, args).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !c.current_url().await.unwrap().as_str().contains("/jobs/") {
            assert!(Instant::now() < deadline, "no job page after the drop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let status = browser
            .wait_text("#status", Duration::from_secs(120), |t| t.contains("上次生成"))
            .await;
        assert!(status.contains("拖入.xlsx") && status.contains(&form_name), "{status}");
        assert!(browser.text("#outputs").await.contains("下载全部"));

        // The watched workbook's page is untouched by the uploads.
        c.goto(&server.url).await.unwrap();
        let status = browser.text("#status").await;
        assert!(status.contains("2021年度.xlsx") && !status.contains("上传.xlsx"), "{status}");
        browser.close().await;
    });
}

#[test]
fn concurrent_uploads_each_get_their_own_result() {
    let (root, _) = workspace_with(&reference_2021(), "2021年度.xlsx");
    let server = Server::start(&["input"], root.path());
    let addr = server.addr();
    let uploads: Vec<(String, Vec<u8>)> = (0..4)
        .map(|i| {
            let mut book = reference_2021();
            if i == 3 {
                book.sheet_mut("评分").unwrap().set(0, "得分", "120");
            }
            (format!("第{i}份.xlsx"), book.to_xlsx_bytes().unwrap())
        })
        .collect();
    let threads: Vec<_> = uploads
        .into_iter()
        .map(|(name, bytes)| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let (status, location, body) = upload(&addr, &[(&name, bytes)]);
                assert_eq!(status, 303, "{body}");
                (name, location.unwrap())
            })
        })
        .collect();
    let jobs: Vec<(String, String)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut locations: Vec<&String> = jobs.iter().map(|(_, l)| l).collect();
    locations.sort();
    locations.dedup();
    assert_eq!(locations.len(), 4, "four jobs");
    for (name, location) in &jobs {
        let html = server.built(location);
        assert!(html.contains(name.as_str()), "{location} shows its own workbook");
        for (other, _) in jobs.iter().filter(|(n, _)| n != name) {
            assert!(!html.contains(other.as_str()), "{location} shows only its own workbook");
        }
        if name == "第3份.xlsx" {
            assert!(html.contains("得分 120 超过指标"), "{html}");
            assert!(!html.contains("下载全部"));
        } else {
            assert!(html.contains("下载全部"));
        }
    }
}

#[test]
fn no_request_path_reaches_the_file_system() {
    let (root, _) = workspace_with(&reference_2021(), "2021年度.xlsx");
    std::fs::write(root.path().join("secret.txt"), b"secret").unwrap();
    let server = Server::start(&["input"], root.path());
    server.built("");
    let (_, location, _) =
        upload(&server.addr(), &[("a.xlsx", reference_2021().to_xlsx_bytes().unwrap())]);
    let job = location.unwrap();
    for prefix in ["", job.as_str()] {
        for path in [
            "/files/../secret.txt",
            "/files/..%2fsecret.txt",
            "/files/..%2F..%2Fsecret.txt",
            "/files/%2e%2e/%2e%2e/secret.txt",
            "/files/%2e%2e%2fsecret.txt",
            "/files/..%5csecret.txt",
            "/files/%252e%252e%252fsecret.txt",
            "/files/%c0%ae%c0%ae/secret.txt",
            "/files/%ff",
            "/files//etc/passwd",
            "/files/input/2021年度.xlsx",
            "/view/../../secret.txt",
            "/preview/..%2f..%2fsecret.txt",
            "/..%2fsecret.txt",
            "/secret.txt",
            "/input/2021%E5%B9%B4%E5%BA%A6.xlsx",
        ] {
            let (status, _, body) = get(&server.addr(), &format!("{prefix}{path}"));
            assert_eq!(status, 404, "{prefix}{path}");
            assert!(!String::from_utf8_lossy(&body).contains("secret"), "{prefix}{path}");
        }
    }
    for path in
        ["/jobs/..%2f..%2fsecret.txt/files/x", "/jobs/0000000000000000", "/jobs/../secret.txt"]
    {
        assert_eq!(get(&server.addr(), path).0, 404, "{path}");
    }
}

#[test]
fn oversize_uploads_are_refused_in_chinese() {
    let (root, _) = workspace_with(&reference_2021(), "2021年度.xlsx");
    let server = Server::start(&["input"], root.path());
    let addr = server.addr();
    // Declared too large: refused before anything is read.
    let head = format!(
        "POST /jobs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\n\r\n",
        60 * 1024 * 1024
    );
    let (status, _, body) = request(&addr, &head, b"--x\r\n");
    assert_eq!(status, 413);
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("每次最多上传 50 MB"), "{text}");

    // Sent in chunks without a length: refused once the limit is crossed.
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "POST /jobs HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let part =
        b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.xlsx\"\r\n\r\n";
    stream.write_all(format!("{:x}\r\n", part.len()).as_bytes()).unwrap();
    stream.write_all(part).unwrap();
    stream.write_all(b"\r\n").unwrap();
    let chunk = vec![b'a'; 1024 * 1024];
    for _ in 0..52 {
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).is_err()
            || stream.write_all(&chunk).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let (status, _, body) = parse_response(&raw);
    assert_eq!(status, 413);
    assert!(String::from_utf8_lossy(&body).contains("每次最多上传 50 MB"));

    // The server is still there, and no job was kept.
    assert_eq!(get(&addr, "/").0, 200);
}

#[test]
fn broken_requests_get_answers_not_crashes() {
    let (root, _) = workspace_with(&reference_2021(), "2021年度.xlsx");
    let server = Server::start(&["input"], root.path());
    let addr = server.addr();
    let (status, _, body) = upload(&addr, &[]);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("没有收到文件"), "{body}");
    let garbage = format!(
        "POST /jobs HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n"
    );
    assert_eq!(request(&addr, &garbage, b"abc").0, 400);
    let truncated = format!(
        "POST /jobs HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 10\r\n\r\n"
    );
    assert!(matches!(request(&addr, &truncated, b"--x\r\nConte").0, 400));
    assert_eq!(get(&addr, "/").0, 200, "still serving");
}

/// The files of a zip, by name.
fn unzipped(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        files.push((file.name().unwrap().to_string(), bytes));
    }
    files.sort();
    files
}

/// `kaoping forms ARGS` in `cwd`: success and standard error.
fn forms_command(cwd: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .arg("forms")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The page's blank forms are the command line's, byte for byte, and both refuse a
/// workbook without indicators with the same message.
#[test]
fn forms_from_the_page_are_the_command_lines() {
    let (root, _) = workspace_with(&reference_2021(), "2021年度.xlsx");
    let (made, stderr) = forms_command(root.path(), &["input", "-o", "forms"]);
    assert!(made, "{stderr}");
    let mut from_cli: Vec<(String, Vec<u8>)> = std::fs::read_dir(root.path().join("forms"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    from_cli.sort();
    assert!(!from_cli.is_empty());

    let mut bare = reference_2021();
    // Without indicators, nor the scores and adjustments that would name them.
    for sheet in ["指标", "评分", "加扣分"] {
        bare.remove_sheet(sheet).expect("the sample has the sheet");
    }
    let (bare_root, _) = workspace_with(&bare, "无指标.xlsx");
    let (made, bare_stderr) = forms_command(bare_root.path(), &["input", "-o", "forms"]);
    assert!(!made, "{bare_stderr}");
    assert!(!bare_root.path().join("forms").exists(), "nothing written");

    let server = Server::start(&["input"], root.path());
    let (status, _, zipped) = get(&server.addr(), "/forms.zip");
    assert_eq!(status, 200);
    assert_eq!(unzipped(zipped), from_cli, "the same files, byte for byte");

    let bare_server = Server::start(&["input"], bare_root.path());
    let (status, _, body) = get(&bare_server.addr(), "/forms.zip");
    assert_eq!(status, 409);
    let message = String::from_utf8(body).unwrap();
    assert!(message.contains("没有指标"), "{message}\n{bare_stderr}");
    let error_line = bare_stderr.lines().find(|l| l.starts_with("错误：")).unwrap_or_default();
    assert_eq!(error_line, format!("错误：{message}"), "the same message from both");
}

/// Ten tabs of the office page in one browser: every tab loads, every tab follows a save,
/// and the tenth can still upload. With an event stream per tab, the browser's six
/// connections to the server were used up by the sixth tab.
#[test]
fn ten_tabs_share_one_stream_and_still_upload() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (root, workbook) = workspace_with(&reference_2021(), "2021年度.xlsx");
    let server = Server::start(&["input"], root.path());
    server.built("");
    let upload_path = root.path().join("上传.xlsx");
    std::fs::write(&upload_path, reference_2021().to_xlsx_bytes().unwrap()).unwrap();
    runtime().block_on(async {
        let browser = browser_or_skip!();
        let c = &browser.client;
        let mut tabs = vec![c.window().await.unwrap()];
        for n in 1..=10 {
            if n > 1 {
                let tab = c.new_window(true).await.unwrap().handle;
                c.switch_to_window(tab.clone()).await.unwrap();
                tabs.push(tab);
            }
            let loaded = tokio::time::timeout(Duration::from_secs(30), c.goto(&server.url)).await;
            assert!(matches!(loaded, Ok(Ok(()))), "tab {n} did not load: {loaded:?}");
            // Live: the shared stream has told this tab its version.
            browser
                .wait_attr("body", "data-live", Duration::from_secs(30), |v| v == "shared")
                .await;
            c.execute("window.kaopingMarker = 1", vec![]).await.unwrap();
        }

        let mut edited = reference_2021();
        edited.sheet_mut("评分").unwrap().set(0, "得分", "18.333");
        save_like_excel(&workbook, &edited);
        for (n, tab) in tabs.iter().enumerate() {
            c.switch_to_window(tab.clone()).await.unwrap();
            browser
                .wait_text("#findings", Duration::from_secs(60), |t| t.contains("评分!D2"))
                .await;
            let marker = c.execute("return window.kaopingMarker", vec![]).await.unwrap();
            assert_eq!(marker, serde_json::json!(1), "tab {} updated without a reload", n + 1);
        }

        // The tenth tab (the one shown last) uploads.
        let input = c.find(Locator::Css("#upload-input")).await.unwrap();
        input.send_keys(&upload_path.display().to_string()).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !c.current_url().await.unwrap().as_str().contains("/jobs/") {
            assert!(Instant::now() < deadline, "the upload from the tenth tab did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let status = browser
            .wait_text("#status", Duration::from_secs(120), |t| t.contains("上次生成"))
            .await;
        assert!(status.contains("上传.xlsx"), "{status}");
        browser.close().await;
    });
}
