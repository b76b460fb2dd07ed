//! Reuse of finished documents between builds: `watch` and the web page rebuild on every
//! save, and most documents come out the same as last time. A document is looked up by a
//! fingerprint of everything its bytes depend on, so a reused file is byte for byte the
//! one a fresh build makes:
//!
//! - a PDF: its typst source, its name (the PDF identifier), its date, the files handed to
//!   it (the seal) and the engine's [`identity`](super::engine::Engine::identity) (fonts
//!   and style library);
//! - the summary workbook: the plan and the findings it lists (the scores are computed
//!   from the plan).
//!
//! The cache belongs to its caller (one per watched folder or uploaded job) and is shared
//! by the worker threads of a build. A build that succeeds drops the entries it did not
//! use, so the cache never holds more than one build's files.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hasher as _;
use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use siphasher::sip128::{Hasher128, SipHasher13};

use super::engine::{Engine, RenderError};
use super::{OutputFile, PdfDoc, RenderedPdf, TypstSource};
use crate::finding::Finding;
use crate::model::Plan;

/// Whether a build made a file or took it from the [`Cache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheOutcome {
    /// Typeset (or, for the workbook, written) by this build.
    Made,
    /// The same bytes as an earlier build's, reused.
    Reused,
}

/// Finished documents of the last build, by fingerprint. See the module documentation.
#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<Key, Entry>>,
    /// Builds started with this cache, for [`Session`].
    builds: AtomicU64,
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache").field("entries", &self.len()).finish_non_exhaustive()
    }
}

/// A 128-bit fingerprint of a file's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(u128);

struct Entry {
    bytes: Vec<u8>,
    /// typst's warnings, reported again when the document is reused.
    warnings: Vec<String>,
    /// The last build that used the entry.
    build: u64,
}

impl Cache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Files held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of the files held, for the benchmark and a server's status.
    pub fn bytes(&self) -> usize {
        self.lock().values().map(|e| e.bytes.len()).sum()
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Starts a build with this cache.
    pub(crate) fn session(&self) -> Session<'_> {
        Session { cache: self, build: self.builds.fetch_add(1, Ordering::Relaxed) + 1 }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        // An entry is inserted whole or not at all; a panic elsewhere leaves it usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One build's use of a [`Cache`]: lookups mark entries as used by this build, and
/// [`Session::finish`] drops the rest.
#[derive(Debug)]
pub(crate) struct Session<'a> {
    cache: &'a Cache,
    build: u64,
}

impl Session<'_> {
    /// The PDF of `doc`: the cached one when an earlier build typeset the same thing with
    /// the same engine, else freshly typeset (and kept for the next build).
    pub fn pdf(
        &self,
        engine: &Engine,
        doc: PdfDoc,
    ) -> Result<(RenderedPdf, CacheOutcome), RenderError> {
        let key = pdf_key(engine, &doc);
        if let Some((bytes, warnings)) = self.take(key) {
            let file = OutputFile { path: doc.stem.with_extension("pdf"), bytes };
            let source = TypstSource { path: doc.stem, text: doc.source };
            let reused = RenderedPdf { file, source, warnings, pages: None, preview: None };
            return Ok((reused, CacheOutcome::Reused));
        }
        let rendered = doc.compile(engine)?;
        self.keep(key, rendered.file.bytes.clone(), rendered.warnings.clone());
        Ok((rendered, CacheOutcome::Made))
    }

    /// The summary workbook for `plan` and `findings`: cached, or made by `make`.
    pub fn workbook<E>(
        &self,
        plan: &Plan,
        findings: &[Finding],
        make: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<(Vec<u8>, CacheOutcome), E> {
        // A plan that cannot be fingerprinted is simply not cached.
        let Some(key) = workbook_key(plan, findings) else { return make().map(made) };
        if let Some((bytes, _)) = self.take(key) {
            return Ok((bytes, CacheOutcome::Reused));
        }
        let bytes = make()?;
        self.keep(key, bytes.clone(), Vec::new());
        Ok((bytes, CacheOutcome::Made))
    }

    /// Ends a successful build: entries no document of this build used are dropped, so
    /// the cache holds at most the files of one build (and of builds begun after this one
    /// on the same cache, which may still be running).
    pub fn finish(self) {
        self.cache.lock().retain(|_, entry| entry.build >= self.build);
    }

    fn take(&self, key: Key) -> Option<(Vec<u8>, Vec<String>)> {
        let mut entries = self.cache.lock();
        let entry = entries.get_mut(&key)?;
        entry.build = entry.build.max(self.build);
        Some((entry.bytes.clone(), entry.warnings.clone()))
    }

    fn keep(&self, key: Key, bytes: Vec<u8>, warnings: Vec<String>) {
        let mut entries = self.cache.lock();
        let entry = entries.entry(key).or_insert(Entry { bytes, warnings, build: self.build });
        entry.build = entry.build.max(self.build);
    }
}

fn made(bytes: Vec<u8>) -> (Vec<u8>, CacheOutcome) {
    (bytes, CacheOutcome::Made)
}

/// Feeds a fingerprint; every variable-length part is prefixed by its length, so no two
/// different inputs run together into the same stream.
struct Fingerprint(SipHasher13);

impl Fingerprint {
    fn new(kind: &str) -> Self {
        let mut hasher = Self(SipHasher13::new());
        hasher.bytes(kind.as_bytes());
        hasher
    }

    fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.write_u64(bytes.len() as u64);
        self.0.write(bytes);
        self
    }

    fn number(&mut self, n: u128) -> &mut Self {
        self.0.write(&n.to_le_bytes());
        self
    }

    fn key(&self) -> Key {
        Key(self.0.finish128().as_u128())
    }
}

/// What decides a PDF's bytes: see the module documentation.
fn pdf_key(engine: &Engine, doc: &PdfDoc) -> Key {
    let mut fingerprint = Fingerprint::new("pdf");
    fingerprint
        .number(engine.identity())
        .bytes(doc.name().as_bytes())
        .bytes(doc.date.to_string().as_bytes())
        .bytes(doc.source.as_bytes())
        .number(doc.extras.len() as u128);
    for extra in &doc.extras {
        fingerprint.bytes(extra.name.as_bytes()).bytes(&extra.bytes);
    }
    fingerprint.key()
}

/// What decides the summary workbook's bytes: the plan and the findings (its scores are a
/// function of the plan). `None` when they cannot be serialised, which does not happen
/// for a checked plan but must not make two plans look alike.
fn workbook_key(plan: &Plan, findings: &[Finding]) -> Option<Key> {
    let mut fingerprint = Fingerprint::new("xlsx");
    // JSON is self-delimiting, so the two values cannot run together.
    serde_json::to_writer(HashWriter(&mut fingerprint.0), &(plan, findings)).ok()?;
    Some(fingerprint.key())
}

/// Streams a serialisation into the hasher instead of building it in memory.
struct HashWriter<'a>(&'a mut SipHasher13);

impl io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.write(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u128) -> Key {
        Key(n)
    }

    #[test]
    fn a_finished_build_drops_what_it_did_not_use() {
        let cache = Cache::new();
        let first = cache.session();
        first.keep(key(1), b"a".to_vec(), Vec::new());
        first.keep(key(2), b"b".to_vec(), Vec::new());
        first.finish();
        assert_eq!(cache.len(), 2);

        let second = cache.session();
        assert_eq!(second.take(key(1)).map(|(b, _)| b), Some(b"a".to_vec()));
        assert!(second.take(key(3)).is_none());
        second.keep(key(3), b"c".to_vec(), Vec::new());
        second.finish();
        let mut left: Vec<_> = cache.lock().keys().map(|k| k.0).collect();
        left.sort();
        assert_eq!(left, [1, 3]);
    }

    #[test]
    fn a_build_that_fails_keeps_the_cache() {
        let cache = Cache::new();
        let first = cache.session();
        first.keep(key(1), b"a".to_vec(), Vec::new());
        first.finish();
        // Never finished: an input error or a failed document.
        cache.session().keep(key(2), b"b".to_vec(), Vec::new());
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn an_earlier_build_finishing_late_keeps_a_later_builds_entries() {
        let cache = Cache::new();
        let early = cache.session();
        let late = cache.session();
        late.keep(key(1), b"late".to_vec(), Vec::new());
        early.keep(key(2), b"early".to_vec(), Vec::new());
        early.finish();
        assert!(cache.lock().contains_key(&key(1)));
        late.finish();
        assert!(!cache.lock().contains_key(&key(2)));
    }

    #[test]
    fn warnings_come_back_with_a_reused_document() {
        let cache = Cache::new();
        let session = cache.session();
        session.keep(key(1), b"pdf".to_vec(), vec!["w".into()]);
        assert_eq!(session.take(key(1)), Some((b"pdf".to_vec(), vec!["w".to_string()])));
    }

    #[test]
    fn fingerprint_parts_are_delimited() {
        let key = |parts: &[&str]| {
            let mut fingerprint = Fingerprint::new("t");
            for part in parts {
                fingerprint.bytes(part.as_bytes());
            }
            fingerprint.key()
        };
        assert_eq!(key(&["ab", "c"]), key(&["ab", "c"]));
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
        assert_ne!(key(&["ab"]), key(&["ab", ""]));
    }
}
