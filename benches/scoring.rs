//! The scoring-day benchmark: the release `kaoping serve`, with evaluators saving through
//! the real HTTP endpoints, measured from outside as a phone and the office's tab see it.
//!
//! ```text
//! cargo bench --bench scoring                      # the sample, then a 300-department day of 5 min
//! cargo bench --bench scoring -- --sample          # the sample's figures only
//! cargo bench --bench scoring -- --minutes 1 --departments 300 --evaluators 30 --every 2
//! ```
//!
//! On the sample (the 2021 reference workbook with its 评分 sheet empty):
//! - save → 已保存: the time from sending a save until its answer, which is when the
//!   evaluator's page shows 已保存;
//! - save → office page updated: from sending a save until the office's event stream has
//!   announced it and `/content` (what the tab then loads) shows the new count;
//! - the memory of `serve` with 30 evaluators' pages open.
//!
//! The day: a synthetic workbook, each evaluator saving one score every `--every` seconds
//! for `--minutes`, while an office tab follows the event stream as the page does (one
//! `/content` in flight, one more queued, half a second between loads). Printed: save answers (p50, p99, max), how long
//! the office's counts lag behind each save, how long after the last save the documents
//! are current (the build's counts equal the online ones), and the server's average CPU
//! and peak memory (`/proc`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use kaoping::input_format::{groups as columns, labels};
use kaoping::sample::{self, Book};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match Config::parse(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!(
                "usage: cargo bench --bench scoring -- [--sample] [--minutes M] [--departments N] [--evaluators E] [--every S]"
            );
            return ExitCode::from(2);
        }
    };
    match run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Config {
    sample_only: bool,
    minutes: f64,
    departments: usize,
    evaluators: usize,
    every: f64,
}

impl Config {
    fn parse(args: &[String]) -> Result<Config, String> {
        let mut config = Config {
            sample_only: false,
            minutes: 5.0,
            departments: 300,
            evaluators: 30,
            every: 2.0,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|v| *v > 0.0)
                    .ok_or_else(|| format!("{name} needs a positive number"))
            };
            match arg.as_str() {
                "--sample" => config.sample_only = true,
                "--minutes" => config.minutes = value("--minutes")?,
                "--departments" => config.departments = value("--departments")? as usize,
                "--evaluators" => config.evaluators = value("--evaluators")? as usize,
                "--every" => config.every = value("--every")?,
                // `cargo bench` passes this to every bench binary.
                "--bench" => {}
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(config)
    }
}

fn run(config: &Config) -> Result<(), String> {
    println!("machine: {}", load_average());
    sample_figures()?;
    if !config.sample_only {
        scoring_day(config)?;
    }
    println!("machine: {}", load_average());
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The server and HTTP.

struct Server {
    child: Child,
    addr: String,
    key: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// `kaoping serve` on the office network with `book` as its only workbook, its 评分
    /// sheet emptied so that everything is left to score online.
    fn start(mut book: Book) -> Result<Server, String> {
        if let Some(scores) = book.sheet_mut("评分") {
            scores.rows.clear();
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let input = dir.path().join("input");
        std::fs::create_dir(&input).map_err(|e| e.to_string())?;
        let bytes = book.to_xlsx_bytes().map_err(|e| e.to_string())?;
        std::fs::write(input.join("考评.xlsx"), bytes).map_err(|e| e.to_string())?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_kaoping"))
            .args(["serve", "input", "--host", "0.0.0.0", "--port", "0", "--no-system-fonts"])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("kaoping serve: {e}"))?;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().and_then(Result::ok).ok_or("serve printed nothing")?;
        std::thread::spawn(move || lines.for_each(drop));
        let url = &first[first.find("http://").ok_or("no address printed")?..];
        let (public, key) = url.trim().split_once("/?key=").ok_or("no office key printed")?;
        let port = public.rsplit(':').next().unwrap();
        Ok(Server { child, addr: format!("127.0.0.1:{port}"), key: key.to_string(), _dir: dir })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    headers: String,
    body: String,
}

/// One request on its own connection, as a phone's browser may send it.
fn request(addr: &str, method: &str, path: &str, cookie: &str, json: &str) -> Response {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !cookie.is_empty() {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!(
            "Origin: http://{addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            json.len()
        ));
    }
    head.push_str("\r\n");
    let failed = |why: String| Response { status: 0, headers: String::new(), body: why };
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return failed("connect".into());
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(json.as_bytes())).is_err() {
        return failed("write".into());
    }
    let mut raw = Vec::new();
    if stream.read_to_end(&mut raw).is_err() {
        return failed("read".into());
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let Some((headers, body)) = text.split_once("\r\n\r\n") else {
        return failed(text);
    };
    let status = headers.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = if headers.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_string()
    };
    Response { status, headers: headers.to_string(), body }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

fn set_cookie(response: &Response) -> Option<String> {
    let line =
        response.headers.lines().find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))?;
    Some(line.split_once(':')?.1.trim().split(';').next()?.to_string())
}

/// Every value of `attr="…"` in `html`, unescaped.
fn attrs(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            let value = &rest[..rest.find('"').unwrap_or(0)];
            value
                .replace("&#x2f;", "/")
                .replace("&quot;", "\"")
                .replace("&#x27;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The office and the evaluators.

/// The office's view of `/content`: online and built counts per evaluator.
struct OfficeView {
    building: bool,
    /// Scores saved online, from the online status (current at once).
    online: usize,
    /// Scores the last build counted (what the documents hold).
    built: usize,
    links: Vec<String>,
}

fn office_cookie(server: &Server) -> Result<String, String> {
    let answer = request(&server.addr, "GET", &format!("/?key={}", server.key), "", "");
    set_cookie(&answer).ok_or_else(|| format!("the key gave no cookie ({})", answer.status))
}

fn office_view(server: &Server, cookie: &str) -> Option<OfficeView> {
    let answer = request(&server.addr, "GET", "/content", cookie, "");
    (answer.status == 200).then(|| parse_office(&answer.body))
}

fn parse_office(html: &str) -> OfficeView {
    let mut view =
        OfficeView {
            building: html.contains("正在生成"), online: 0, built: 0, links: Vec::new()
        };
    for row in html.split("<tr class=\"evaluator").skip(1) {
        let row = &row[..row.find("</tr>").unwrap_or(row.len())];
        let number = |after: &str| -> usize {
            row.split(after)
                .nth(1)
                .and_then(|rest| rest.split('<').next())
                .and_then(|n| n.trim().split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        view.built += number("<td class=\"num\">");
        view.online += number("<span class=\"muted\">");
        view.links.extend(attrs(row, "value").into_iter().filter(|v| v.contains("/s/")));
    }
    view
}

/// Waits until the first build is done and every evaluator has a link.
fn wait_for_links(server: &Server, cookie: &str) -> Result<Vec<String>, String> {
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        if let Some(view) = office_view(server, cookie)
            && !view.building
            && !view.links.is_empty()
        {
            return Ok(view.links);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err("no links on the office page after 10 minutes".into())
}

#[derive(Clone)]
struct Field {
    department: String,
    indicator: String,
    max: f64,
}

#[derive(Clone)]
struct Evaluator {
    cookie: String,
    fields: Vec<Field>,
}

fn open_link(server: &Server, link: &str) -> Result<Evaluator, String> {
    let path = &link[link.find("/s/").ok_or("not a link")?..];
    let answer = request(&server.addr, "GET", path, "", "");
    let cookie = set_cookie(&answer).ok_or_else(|| format!("link gave {}", answer.status))?;
    let page = request(&server.addr, "GET", "/score", &cookie, "");
    if page.status != 200 {
        return Err(format!("the evaluator's page answered {}", page.status));
    }
    let mut fields = Vec::new();
    for section in page.body.split("<section class=\"dept\"").skip(1) {
        let department = attrs(section, "data-department").remove(0);
        for item in section.split("<div class=\"item\"").skip(1) {
            let (Some(indicator), Some(max)) = (
                attrs(item, "data-indicator").first().cloned(),
                attrs(item, "data-max").first().cloned(),
            ) else {
                continue;
            };
            fields.push(Field {
                department: department.clone(),
                indicator,
                max: max.parse().unwrap_or(0.0),
            });
        }
    }
    Ok(Evaluator { cookie, fields })
}

/// Saves field `field` of `evaluator` (modulo their fields) with a value that changes
/// with `round`.
fn save(server: &Server, evaluator: &Evaluator, field: usize, round: usize) -> (Duration, bool) {
    let field = &evaluator.fields[field % evaluator.fields.len()];
    let value = (field.max * [0.9, 0.8, 0.7][round % 3] * 10.0).round() / 10.0;
    let json = format!(
        r#"{{"department":{},"indicator":{},"field":{{"score":"{value}"}}}}"#,
        serde_json::to_string(&field.department).unwrap(),
        serde_json::to_string(&field.indicator).unwrap(),
    );
    let started = Instant::now();
    let answer = request(&server.addr, "POST", "/score/save", &evaluator.cookie, &json);
    (started.elapsed(), answer.status == 200)
}

/// The office's event stream: the instant of every announced version.
fn follow_events(
    server: &Server,
    cookie: &str,
    stop: Arc<AtomicBool>,
) -> mpsc::Receiver<(Instant, u64)> {
    let (tx, rx) = mpsc::channel();
    let addr = server.addr.clone();
    let head = format!(
        "GET /events HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n"
    );
    std::thread::spawn(move || {
        let Ok(mut stream) = TcpStream::connect(&addr) else { return };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while !stop.load(Ordering::Relaxed) {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) => return,
                Ok(_) => {
                    if let Some(data) = line.trim().strip_prefix("data:")
                        && let Ok(event) = serde_json::from_str::<serde_json::Value>(data.trim())
                        && let Some(version) = event["v"].as_u64()
                    {
                        let _ = tx.send((Instant::now(), version));
                    }
                }
                Err(_) => {}
            }
        }
    });
    rx
}

// ---------------------------------------------------------------------------------------
// /proc.

fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, load average {}", load.split(' ').take(3).collect::<Vec<_>>().join(" "))
}

/// `VmRSS` and `VmHWM` (peak) of a process, in MiB.
fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0)
}

/// User plus system CPU seconds of a process so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which may contain spaces, in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / clock_ticks()
}

fn clock_ticks() -> f64 {
    let out = Command::new("getconf").arg("CLK_TCK").output();
    out.ok().and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok()).unwrap_or(100.0)
}

// ---------------------------------------------------------------------------------------
// Figures.

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn spread(label: &str, mut times: Vec<Duration>, goal: &str) {
    times.sort();
    println!(
        "  {label:<34} p50 {:>9}  p99 {:>9}  max {:>9}  (n = {}; goal {goal})",
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 99.0)),
        ms(times.last().copied().unwrap_or_default()),
        times.len()
    );
}

/// The sample: save → 已保存, save → office page updated, memory with 30 pages open.
fn sample_figures() -> Result<(), String> {
    println!("\n== the sample (2021 reference workbook, everything left to score online) ==");
    let server = Server::start(sample::reference_2021())?;
    let office = office_cookie(&server)?;
    let links = wait_for_links(&server, &office)?;
    let evaluators: Vec<Evaluator> =
        links.iter().map(|l| open_link(&server, l)).collect::<Result<_, _>>()?;
    let evaluators: Vec<Evaluator> =
        evaluators.into_iter().filter(|e| !e.fields.is_empty()).collect();
    println!("  {} evaluators with something to score", evaluators.len());

    // Saves one after another, a quarter of a second apart: the rebuilds they start run
    // beside them, as on the day.
    let mut acks = Vec::new();
    for n in 0..80 {
        let evaluator = &evaluators[n % evaluators.len()];
        let (took, ok) = save(&server, evaluator, n / evaluators.len(), 0);
        if !ok {
            return Err(format!("save {n} was refused"));
        }
        acks.push(took);
        std::thread::sleep(Duration::from_millis(250));
    }
    spread("save → 已保存", acks, "≤ 300 ms");

    // Save → the office tab has the new count: the event, then `/content`.
    let stop = Arc::new(AtomicBool::new(false));
    let events = follow_events(&server, &office, Arc::clone(&stop));
    let mut updates = Vec::new();
    for trial in 0..30 {
        // Past the page's half second between loads: the figure of a save the office
        // tab is free to show at once (a stream of saves is the day's figure below).
        std::thread::sleep(Duration::from_millis(700));
        while events.try_recv().is_ok() {}
        let before = office_view(&server, &office).ok_or("no office page")?.online;
        let evaluator = &evaluators[trial % evaluators.len()];
        // A field not saved before (counted from the end), so the count goes up.
        let field = evaluator.fields.len() - 1 - trial / evaluators.len();
        let started = Instant::now();
        let (_, ok) = save(&server, evaluator, field, 0);
        if !ok {
            return Err("a save was refused".into());
        }
        loop {
            events.recv_timeout(Duration::from_secs(10)).map_err(|_| "no event within 10 s")?;
            let view = office_view(&server, &office).ok_or("no office page")?;
            if view.online > before {
                updates.push(started.elapsed());
                break;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    spread("save → office page updated", updates, "≤ 300 ms");

    // Thirty evaluators' pages open (a page holds no connection; opening is the load).
    for n in 0..30 {
        let evaluator = &evaluators[n % evaluators.len()];
        let page = request(&server.addr, "GET", "/score", &evaluator.cookie, "");
        if page.status != 200 {
            return Err(format!("evaluator page {}", page.status));
        }
    }
    let (rss, peak) = memory_mib(server.pid());
    println!("  serve with 30 evaluators' pages open: {rss:.0} MiB resident, peak {peak:.0} MiB");
    Ok(())
}

/// What the office tab saw: when, and its counts.
struct Seen {
    at: Instant,
    view: OfficeView,
}

/// The office tab as the page behaves: on each announced version, load `/content`, one
/// request in flight and at most one more queued, at most two a second.
fn office_tab(
    server: Arc<Server>,
    cookie: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<Seen>> {
    let events = follow_events(&server, &cookie, Arc::clone(&stop));
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            if events.recv_timeout(Duration::from_millis(200)).is_err() {
                continue;
            }
            // Everything announced while the last load ran is one more load.
            while events.try_recv().is_ok() {}
            if let Some(view) = office_view(&server, &cookie) {
                seen.push(Seen { at: Instant::now(), view });
            }
            // The page waits this long after a load before the next (page.html).
            std::thread::sleep(Duration::from_millis(500));
        }
        seen
    })
}

fn with_evaluators(mut book: Book, wanted: usize, have: usize) -> Book {
    if have >= wanted {
        return book;
    }
    // More evaluators: members of the existing groups, from no department (so no recusal).
    let groups = book.sheet_mut("考评组").expect("a 考评组 sheet");
    let mut first_of_group = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for row in 0..groups.rows.len() {
        if names.insert(format!("{:?}", groups.get(row, columns::GROUP))) {
            first_of_group.push(row);
        }
    }
    for extra in 0..wanted - have {
        let row = groups.rows.len();
        groups.rows.push(groups.rows[first_of_group[extra % first_of_group.len()]].clone());
        groups
            .set(row, columns::ROLE, labels::MEMBER)
            .set(row, columns::NAME, format!("增补评委{:02}", extra + 1).as_str())
            .set(row, columns::POST, "教师")
            .set(row, columns::HOME, "")
            .set(row, columns::PHONE, "");
    }
    book
}

fn scoring_day(config: &Config) -> Result<(), String> {
    println!(
        "\n== a scoring day: {} departments, {} evaluators, one save each every {} s for {} min ==",
        config.departments, config.evaluators, config.every, config.minutes
    );
    let book = sample::synthetic(config.departments, 1);
    let mut server = Server::start(book.clone())?;
    let mut office = office_cookie(&server)?;
    let mut links = wait_for_links(&server, &office)?;
    if links.len() < config.evaluators {
        let book = with_evaluators(book, config.evaluators, links.len());
        drop(server);
        server = Server::start(book)?;
        office = office_cookie(&server)?;
        links = wait_for_links(&server, &office)?;
    }
    let evaluators: Vec<Evaluator> = links
        .iter()
        .map(|l| open_link(&server, l))
        .filter(|e| e.as_ref().map_or(true, |e| !e.fields.is_empty()))
        .take(config.evaluators)
        .collect::<Result<_, _>>()?;
    println!("  {} evaluators saving", evaluators.len());
    let server = Arc::new(server);
    let pid = server.pid();

    let stop_office = Arc::new(AtomicBool::new(false));
    let office_thread = office_tab(Arc::clone(&server), office.clone(), Arc::clone(&stop_office));
    let acks: Arc<Mutex<Vec<(Instant, Duration, bool)>>> = Arc::default();
    let memory_peak = Arc::new(Mutex::new(0.0f64));
    let cpu_start = cpu_seconds(pid);
    let day_start = Instant::now();
    let day = Duration::from_secs_f64(config.minutes * 60.0);
    let every = Duration::from_secs_f64(config.every);

    let savers: Vec<_> = evaluators
        .iter()
        .enumerate()
        .map(|(i, evaluator)| {
            let (server, evaluator, acks) =
                (Arc::clone(&server), evaluator.clone(), Arc::clone(&acks));
            // Spread over the interval, as people do not save in step.
            let offset = every.mul_f64(i as f64 / config.evaluators as f64);
            std::thread::spawn(move || {
                let mut n = 0;
                loop {
                    let due = day_start + offset + every * n as u32;
                    if due >= day_start + day {
                        return;
                    }
                    std::thread::sleep(due.saturating_duration_since(Instant::now()));
                    let (took, ok) = save(&server, &evaluator, n, n / evaluator.fields.len());
                    acks.lock().unwrap().push((Instant::now(), took, ok));
                    n += 1;
                }
            })
        })
        .collect();
    let sampler = {
        let (peak, stop) = (Arc::clone(&memory_peak), Arc::clone(&stop_office));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let (rss, _) = memory_mib(pid);
                let mut p = peak.lock().unwrap();
                *p = p.max(rss);
                drop(p);
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };
    for saver in savers {
        saver.join().map_err(|_| "a saver panicked")?;
    }
    let day_wall = day_start.elapsed();
    let cpu_day = cpu_seconds(pid) - cpu_start;
    let acks = std::mem::take(&mut *acks.lock().unwrap());
    let last_save = acks.iter().map(|a| a.0).max().ok_or("no saves")?;

    // Documents current: the build's counts reach the online ones, no build running.
    let settle_deadline = Instant::now() + Duration::from_secs(120);
    let current_after = loop {
        let view = office_view(&server, &office).ok_or("no office page")?;
        if !view.building && view.built == view.online && view.online > 0 {
            break Some(last_save.elapsed());
        }
        if Instant::now() > settle_deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    stop_office.store(true, Ordering::Relaxed);
    let seen = office_thread.join().map_err(|_| "the office tab panicked")?;
    let _ = sampler.join();
    let (_, hwm) = memory_mib(pid);

    let failed = acks.iter().filter(|a| !a.2).count();
    println!("  saves: {} answered, {failed} failed", acks.len());
    spread("save → 已保存", acks.iter().map(|a| a.1).collect(), "p99 ≤ 300 ms");
    spread("office counts behind a save", count_lags(&acks, &seen), "≤ 1 s");
    match current_after {
        Some(after) => {
            println!("  documents current after the last save: {} (goal ≤ 5 s)", ms(after))
        }
        None => println!("  documents current after the last save: not within 120 s"),
    }
    println!(
        "  serve: {:.2} cores on average over {:.0} s ({cpu_day:.1} CPU s; goal < 1), peak {:.0} MiB resident (sampled {:.0}; goal ≤ 400)",
        cpu_day / day_wall.as_secs_f64(),
        day_wall.as_secs_f64(),
        hwm,
        *memory_peak.lock().unwrap()
    );
    Ok(())
}

/// For every acknowledged save, how long until the office tab showed a count that
/// includes it (the k-th acknowledged save is in any count ≥ k, taken after it).
fn count_lags(acks: &[(Instant, Duration, bool)], seen: &[Seen]) -> Vec<Duration> {
    let mut acked: Vec<Instant> = acks.iter().filter(|a| a.2).map(|a| a.0).collect();
    acked.sort();
    acked
        .iter()
        .enumerate()
        .map(|(k, &at)| {
            seen.iter()
                .find(|s| s.at >= at && s.view.online > k)
                .map_or(Duration::from_secs(3600), |s| s.at - at)
        })
        .collect()
}
