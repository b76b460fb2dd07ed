//! Uploads: every upload is a job with its own URL, its own folder and its own workspace,
//! kept apart from the watched workbooks and from other jobs for the life of the server.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::multipart::{Multipart, MultipartError};
use axum::http::StatusCode;
use kaoping::render::sanitize_file_name;

use super::page::UPLOAD_LIMIT;
use super::workspace::Workspace;

/// The most files one upload may hold.
const MAX_FILES: usize = 200;

/// The upload registry: every job by its id.
pub struct Uploads {
    /// A temporary folder the caller removes on exit.
    dir: PathBuf,
    jobs: Mutex<HashMap<String, Arc<Workspace>>>,
    made: AtomicU64,
}

/// Why an upload was refused, with the status and the Chinese message the user sees.
#[derive(Debug)]
pub struct Refused {
    pub status: StatusCode,
    pub message: String,
}

impl Refused {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }

    pub fn too_large(bytes: Option<u64>) -> Self {
        let size = bytes.map(|b| format!("（本次约 {:.1} MB）", b as f64 / 1024.0 / 1024.0));
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "上传的文件太大{}：每次最多上传 {} MB。请只上传考评工作簿和收回的评分表；图片较多的工作簿可先删除图片再上传。",
                size.unwrap_or_default(),
                UPLOAD_LIMIT / 1024 / 1024
            ),
        )
    }
}

impl Uploads {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, jobs: Mutex::new(HashMap::new()), made: AtomicU64::new(0) }
    }

    pub fn get(&self, id: &str) -> Option<Arc<Workspace>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    /// Saves the uploaded files in a folder of a new job and registers it. Nothing is
    /// registered, and the folder is removed, when the upload fails part way.
    pub async fn receive(&self, multipart: Multipart) -> Result<(String, Arc<Workspace>), Refused> {
        let id = self.new_id();
        let dir = self.dir.join(&id);
        std::fs::create_dir(&dir).map_err(|e| {
            Refused::new(StatusCode::INTERNAL_SERVER_ERROR, format!("无法保存上传的文件：{e}"))
        })?;
        match save_files(multipart, &dir).await {
            Ok(files) => {
                let workspace = Arc::new(Workspace::new(files, Some(dir)));
                let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
                jobs.insert(id.clone(), Arc::clone(&workspace));
                Ok((id, workspace))
            }
            Err(refused) => {
                let _ = std::fs::remove_dir_all(&dir);
                Err(refused)
            }
        }
    }

    /// 16 hex digits nobody can guess from another job's address.
    fn new_id(&self) -> String {
        let n = self.made.fetch_add(1, Ordering::Relaxed);
        let random = RandomState::new().hash_one(n);
        format!("{random:016x}")
    }
}

async fn save_files(mut multipart: Multipart, dir: &Path) -> Result<Vec<PathBuf>, Refused> {
    let mut saved: Vec<PathBuf> = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(interrupted)? {
        let Some(name) = field.file_name().map(upload_name) else { continue };
        if saved.len() == MAX_FILES {
            return Err(Refused::new(
                StatusCode::BAD_REQUEST,
                format!("一次最多上传 {MAX_FILES} 个文件"),
            ));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(interrupted)? {
            bytes.extend_from_slice(&chunk);
        }
        // An empty file selection still sends a field without a name and without bytes.
        if name.is_empty() && bytes.is_empty() {
            continue;
        }
        let path = unique(dir, if name.is_empty() { "未命名.xlsx" } else { &name });
        std::fs::write(&path, &bytes).map_err(|e| {
            Refused::new(StatusCode::INTERNAL_SERVER_ERROR, format!("无法保存上传的文件：{e}"))
        })?;
        saved.push(path);
    }
    if saved.is_empty() {
        return Err(Refused::new(
            StatusCode::BAD_REQUEST,
            "没有收到文件：请选择或拖入考评工作簿（.xlsx），可同时选择收回的评分表",
        ));
    }
    saved.sort();
    Ok(saved)
}

fn interrupted(error: MultipartError) -> Refused {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Refused::too_large(None)
    } else {
        Refused::new(
            StatusCode::BAD_REQUEST,
            format!("上传没有完成（{}）；请重新上传", error.body_text()),
        )
    }
}

/// The last part of the name the browser sent, safe as a file name; never a path.
fn upload_name(sent: &str) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if last.is_empty() { String::new() } else { sanitize_file_name(last) }
}

/// `name`, or `name (2)` … when two uploaded files have the same name.
fn unique(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) => (stem, format!(".{ext}")),
        None => (name, String::new()),
    };
    (2..).map(|n| dir.join(format!("{stem} ({n}){ext}"))).find(|p| !p.exists()).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_lose_their_folders() {
        assert_eq!(upload_name("../../etc/passwd"), "passwd");
        assert_eq!(upload_name("C:\\Users\\a\\评分表.xlsx"), "评分表.xlsx");
        assert_eq!(upload_name(".."), "_");
        assert_eq!(upload_name(""), "");
    }

    #[test]
    fn same_names_get_a_number() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.xlsx"), b"").unwrap();
        assert_eq!(unique(dir.path(), "a.xlsx"), dir.path().join("a (2).xlsx"));
        assert_eq!(unique(dir.path(), "b.xlsx"), dir.path().join("b.xlsx"));
    }
}
