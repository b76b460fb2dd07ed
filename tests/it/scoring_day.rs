//! A scoring day as the office and an evaluator live it, in chromium at a phone's size:
//! the office's key, the slips and their QR codes, the evaluator's page, a reload and 提交,
//! then `kaoping build WORKBOOK 网上评分/` against the same scores typed into 评分. And
//! the server killed (`kill -9`) between saves: every acknowledged save is still there.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use fantoccini::Locator;
use kaoping::sample::{Book, Value};

use super::scoring::{
    Page, cookie_of, get_with, lan_server, links, office_content, open_link, save, scores_dir,
    to_score,
};
use super::serve::{BROWSER, Browser, Server, build_outputs_of, runtime, which, workspace_with};

/// What the evaluator entered: department, indicator, score, note.
type Entry = (String, String, String, String);

/// A score for the `n`th field: spread over the range, at most one decimal.
fn score_for(max: &str, n: usize) -> String {
    let max: f64 = max.parse().unwrap();
    let fraction = [1.0, 0.9, 0.75, 0.6][n % 4];
    let value = (max * fraction * 10.0).round() / 10.0;
    value.to_string()
}

/// A note that is markup in every language kaoping writes: it must print as typed.
const NOTE: &str = "材料齐全 #set page(width: 1cm) {{ x }} <b>";

/// Every QR code in a PDF, as poppler's `pdfimages` takes its images out; `None` without
/// it. Each code is one small image of one pixel per module, scaled up to decode.
fn qr_codes(pdf: &[u8]) -> Option<BTreeSet<String>> {
    which("pdfimages")?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slips.pdf");
    std::fs::write(&file, pdf).unwrap();
    let status = Command::new("pdfimages")
        .arg("-png")
        .arg(&file)
        .arg(dir.path().join("qr"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut codes = BTreeSet::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "png") {
            let image = image::open(&path).unwrap().to_luma8();
            let (w, h) = image.dimensions();
            let big =
                image::imageops::resize(&image, w * 8, h * 8, image::imageops::FilterType::Nearest);
            let mut prepared = rqrr::PreparedImage::prepare(big);
            let grids = prepared.detect_grids();
            assert_eq!(grids.len(), 1, "{}: one QR code", path.display());
            codes.insert(grids[0].decode().expect("a readable QR code").1);
        }
    }
    Some(codes)
}

/// A link on a slip, reached over loopback as the tests reach the server.
fn over_loopback(server: &Server, link: &str) -> String {
    format!("{}{}", server.url, &link[link.find("/s/").unwrap()..])
}

/// Builds `inputs` (relative to `root`) with the command line; its PDFs by name.
fn built_pdfs(root: &Path, inputs: &[&str], out: &str) -> Vec<(String, Vec<u8>)> {
    let mut files = build_outputs_of(root, inputs, out);
    files.retain(|(name, _)| name.ends_with(".pdf"));
    files
}

/// The same scores typed into the workbook's 评分 sheet.
fn typed(mut book: Book, evaluator: &str, entries: &[Entry]) -> Book {
    let sheet = book.sheet_mut("评分").unwrap();
    for (department, indicator, score, note) in entries {
        let row = sheet.rows.len();
        sheet
            .set(row, "部门", department.as_str())
            .set(row, "指标编号", indicator.as_str())
            .set(row, "考评人", evaluator)
            .set(row, "得分", Value::Number(score.parse().unwrap()))
            .set(row, "备注", note.as_str());
    }
    book
}

/// The office part: the page opened with the key, the slips downloaded through it and
/// their QR codes read. Returns every evaluator's (group, name, link) and the decoded codes.
async fn office_with_slips(
    browser: &Browser,
    server: &Server,
) -> (Vec<(String, String, String)>, Option<BTreeSet<String>>) {
    let c = &browser.client;
    c.goto(&format!("{}/?key={}", server.url, server.key())).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().as_str(), format!("{}/", server.url), "key removed");
    let script = "return Array.from(document.querySelectorAll('tr.evaluator')) \
        .filter(r => r.querySelector('input.link-text')) \
        .map(r => [r.dataset.group, r.dataset.name, r.querySelector('input.link-text').value])";
    let deadline = Instant::now() + Duration::from_secs(120);
    let evaluators: Vec<(String, String, String)> = loop {
        let rows = c.execute(script, vec![]).await.unwrap();
        let rows: Vec<(String, String, String)> = serde_json::from_value(rows).unwrap();
        if !rows.is_empty() && rows.iter().all(|(_, _, link)| link.contains("/s/")) {
            break rows;
        }
        assert!(Instant::now() < deadline, "no links on the office page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // The content is replaced whenever the page hears of a change: read it in one go.
    let href = c.execute("return document.getElementById('slips').getAttribute('href')", vec![]);
    let href = href.await.unwrap();
    let download = "const done = arguments[arguments.length - 1]; \
        fetch(arguments[0], { credentials: 'same-origin' }) \
          .then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)) \
          .then(b => { const u = new Uint8Array(b); let s = ''; \
                       for (let i = 0; i < u.length; i += 0x8000) \
                         s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000)); \
                       done(btoa(s)); }, e => done('error ' + e));";
    let answer = c.execute_async(download, vec![href]).await.unwrap();
    let slips = base64::engine::general_purpose::STANDARD
        .decode(answer.as_str().unwrap())
        .unwrap_or_else(|_| panic!("the slips did not download: {answer}"));
    assert!(slips.starts_with(b"%PDF"));
    (evaluators, qr_codes(&slips))
}

/// The evaluator's part on the phone; returns what was entered and saved.
async fn evaluator_scores(browser: &Browser, link: &str, group: &str, name: &str) -> Vec<Entry> {
    let c = &browser.client;
    // Another device: nothing of the office's session.
    c.delete_all_cookies().await.unwrap();
    c.goto(link).await.unwrap();
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/score", "the secret is taken out of the address: {url}");
    let title = c.title().await.unwrap();
    assert!(title.contains(name) && title.contains(group), "{title}");
    let widths = c
        .execute("return [document.documentElement.scrollWidth, window.innerWidth]", vec![])
        .await
        .unwrap();
    let widths: (u64, u64) = serde_json::from_value(widths).unwrap();
    assert_eq!(widths.1, 390, "a phone's viewport");
    assert!(widths.0 <= widths.1, "no sideways scrolling: {widths:?}");

    let fields = c
        .execute(
            "return Array.from(document.querySelectorAll('input.score')).map(i => \
               [i.closest('section.dept').dataset.department, \
                i.closest('.item').dataset.indicator, i.dataset.max, i.inputMode])",
            vec![],
        )
        .await
        .unwrap();
    let fields: Vec<(String, String, String, String)> = serde_json::from_value(fields).unwrap();
    assert!(fields.len() >= 2, "something to score: {fields:?}");
    assert!(fields.iter().all(|f| f.3 == "decimal"), "the number keypad opens");
    // 已评 counts the scores entered elsewhere (the workbook's 评分 sheet) too.
    let before: usize = browser.text("#entered").await.parse().unwrap();
    let inputs = c.find_all(Locator::Css("input.score")).await.unwrap();
    let states = c.find_all(Locator::Css(".item .row .state")).await.unwrap();
    let enter = "\u{E007}";

    // Out of range and three decimals: refused beside the field, not saved.
    let too_much = format!("{}", fields[0].2.parse::<f64>().unwrap() + 1.0);
    for (wrong, says) in [(too_much.as_str(), "超过分值"), ("1.234", "两位小数")] {
        inputs[0].clear().await.unwrap();
        inputs[0].send_keys(&format!("{wrong}{enter}")).await.unwrap();
        let text = states[0].text().await.unwrap();
        assert!(text.contains(says) && text.contains("未保存"), "{wrong}: {text}");
    }

    // Every field but the last, each saved as it is entered.
    let mut entries = Vec::new();
    for (n, (department, indicator, max, _)) in fields.iter().enumerate().take(fields.len() - 1) {
        let score = score_for(max, n);
        inputs[n].clear().await.unwrap();
        inputs[n].send_keys(&format!("{score}{enter}")).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = states[n].text().await.unwrap();
            if text == "已保存" {
                break;
            }
            assert!(Instant::now() < deadline, "{department} {indicator}: {text}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let note = if n == 0 { NOTE.to_string() } else { String::new() };
        entries.push((department.clone(), indicator.clone(), score, note));
    }
    let note = c.find(Locator::Css(".item input.note")).await.unwrap();
    note.send_keys(&format!("{NOTE}{enter}")).await.unwrap();
    browser.wait_text(".item .note-state", Duration::from_secs(10), |t| t == "已保存").await;
    let entered = browser.text("#entered").await;
    assert_eq!(entered, (before + entries.len()).to_string());

    // A reload shows what was saved.
    c.refresh().await.unwrap();
    let values = c
        .execute(
            "return Array.from(document.querySelectorAll('input.score')).map(i => i.value)",
            vec![],
        )
        .await
        .unwrap();
    let values: Vec<String> = serde_json::from_value(values).unwrap();
    let mut expected: Vec<String> = entries.iter().map(|e| e.2.clone()).collect();
    expected.push(String::new());
    assert_eq!(values, expected);
    let note = c.find(Locator::Css(".item input.note")).await.unwrap();
    assert_eq!(note.prop("value").await.unwrap().as_deref(), Some(NOTE));
    assert_eq!(browser.text("#entered").await, (before + entries.len()).to_string());

    // 提交, with the one left blank counted in the question; then read-only.
    c.find(Locator::Css("#submit")).await.unwrap().click().await.unwrap();
    let question = c.get_alert_text().await.unwrap();
    assert!(question.contains("还有 1 项未评分"), "{question}");
    c.accept_alert().await.unwrap();
    browser.wait_text("#submitted", Duration::from_secs(10), |t| t.contains("已于")).await;
    let read_only = c
        .execute(
            "return Array.from(document.querySelectorAll('input.score, input.note')) \
               .every(i => i.readOnly)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(read_only, serde_json::json!(true));
    entries
}

#[test]
fn a_scoring_day_on_a_phone_builds_what_typed_scores_build() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let book = to_score();
    let (root, _) = workspace_with(&book, "2021年度.xlsx");
    let server = Server::start(&["input", "--host", "0.0.0.0"], root.path());
    let done = runtime().block_on(async {
        let Some(browser) = Browser::phone().await else {
            eprintln!("note: chromium/chromedriver not installed; browser test skipped");
            return None;
        };
        let (evaluators, codes) = office_with_slips(&browser, &server).await;
        let links: BTreeSet<String> = evaluators.iter().map(|e| e.2.clone()).collect();
        match &codes {
            Some(codes) => assert_eq!(codes, &links, "one readable QR code per link"),
            None => eprintln!("note: pdftoppm not installed; the slips' QR codes were not read"),
        }
        // The first evaluator that has something left to score, through the slip's link.
        let (group, name, link) = evaluators[0].clone();
        let entries =
            evaluator_scores(&browser, &over_loopback(&server, &link), &group, &name).await;
        browser.close().await;
        Some((group, name, entries))
    });
    let Some((group, name, entries)) = done else { return };

    // The office sees the submission.
    let (_, headers, _) = get_with(&server.addr(), &format!("/?key={}", server.key()), "");
    let html = office_content(&server, &cookie_of(&headers));
    let row = html
        .split("<tr class=\"evaluator")
        .find(|r| r.contains(&format!("data-group=\"{group}\"")) && r.contains(&name))
        .unwrap();
    assert!(row.contains("已提交"), "{row}");
    assert_eq!(server.terminate(), Some(0));

    let online = built_pdfs(root.path(), &["input/2021年度.xlsx", "input/网上评分"], "online");
    let (typed_root, _) = workspace_with(&typed(book, &name, &entries), "2021年度.xlsx");
    let expected = built_pdfs(typed_root.path(), &["input/2021年度.xlsx"], "out");
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&online), names(&expected));
    assert!(online.len() > 3);
    for ((path, got), (_, want)) in online.iter().zip(&expected) {
        assert!(got == want, "{path} differs from the typed scores' build");
    }
}

/// Saves, one after another, until the server is killed; every save it acknowledged is in
/// the evaluator's workbook after a restart, and every workbook in the folder reads.
#[test]
fn kill_9_between_saves_loses_no_acknowledged_save() {
    let (root, server, office) = lan_server();
    let addr = server.addr();
    let content = office_content(&server, &office);
    let link = links(&content)[0].clone();
    let cookie = open_link(&addr, &link);
    let fields = Page::open(&addr, &cookie).fields();
    assert!(fields.len() > 4);
    let pid = server.child.id();

    // The saver runs until the connection fails; the killer strikes mid-stream.
    let saver = {
        let (addr, cookie, fields) = (addr.clone(), cookie.clone(), fields.clone());
        std::thread::spawn(move || {
            let mut acknowledged = Vec::new();
            for round in 0.. {
                for (n, (department, indicator, max)) in fields.iter().enumerate() {
                    let score = score_for(max, n + round);
                    let answer = std::panic::catch_unwind(|| {
                        save(&addr, &cookie, department, indicator, &score)
                    });
                    match answer {
                        Ok((200, _)) => acknowledged.push((n, score)),
                        _ => return acknowledged,
                    }
                }
            }
            acknowledged
        })
    };
    std::thread::sleep(Duration::from_millis(2000));
    let status = Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
    assert!(status.success());
    let acknowledged = saver.join().unwrap();
    assert!(acknowledged.len() >= 3, "saves were acknowledged before the kill");
    drop(server);

    let dir = scores_dir(root.path());
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xlsx") {
            kaoping::workbook::open(&path).expect("a whole workbook after kill -9");
        }
    }

    // The last acknowledged value of each field; the save in flight at the kill (the one
    // after the last acknowledged) may or may not have landed.
    let mut last = vec![None; fields.len()];
    for (n, score) in &acknowledged {
        last[*n] = Some(score.clone());
    }
    let k = acknowledged.len();
    let (n, round) = (k % fields.len(), k / fields.len());
    let in_flight = (n, score_for(&fields[n].2, n + round));
    let server = Server::start(&["input", "--host", "0.0.0.0"], root.path());
    let addr = server.addr();
    let (_, headers, _) = get_with(&addr, &format!("/?key={}", server.key()), "");
    office_content(&server, &cookie_of(&headers));
    let cookie = open_link(&addr, &link);
    let page = Page::open(&addr, &cookie);
    for (n, ((department, indicator, _), value)) in fields.iter().zip(&last).enumerate() {
        let saved = page.saved(department, indicator);
        let acknowledged = value.as_deref().unwrap_or("");
        let landed = n == in_flight.0 && saved == in_flight.1;
        assert!(
            saved == acknowledged || landed,
            "{department} {indicator}: acknowledged {acknowledged:?}, found {saved:?}"
        );
    }
}
