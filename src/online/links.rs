//! Personal links: one random secret per evaluator, kept in the scores folder so that the
//! links printed on the slips keep working across restarts, and replaceable one evaluator
//! at a time (a lost phone).
//!
//! A secret is 128 bits from the operating system's generator (`getrandom`), written as 22
//! characters of URL-safe base64. Looking one up goes through a `HashMap` keyed by the
//! secret's bytes: std's map hashes with SipHash under a random per-process key, so where
//! a probe lands, and hence how long it takes, tells an attacker nothing about how close a
//! guess came; a guess is never compared byte by byte against the stored secrets in turn.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::{EvaluatorId, OnlineError, durable};

/// The link store in the scores folder. JSON, so the workbook reader ignores it.
pub const LINKS_FILE: &str = "链接密钥.json";

/// Bytes of randomness in a secret.
const SECRET_BYTES: usize = 16;

/// One evaluator's secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Secret([u8; SECRET_BYTES]);

impl Secret {
    /// A fresh secret from the operating system's random source.
    ///
    /// # Errors
    /// When the system has no random source to give (never on the supported systems).
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// The secret as typed in a link; `None` for anything that cannot be one.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 22 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        bytes.try_into().ok().map(Self)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

/// Never printed by accident in a log or a panic message.
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Serialize, Deserialize)]
struct StoredLink {
    group: String,
    name: String,
    secret: String,
}

#[derive(Serialize, Deserialize)]
struct StoredLinks {
    /// What the file says about itself, for whoever opens it.
    #[serde(default)]
    about: String,
    links: Vec<StoredLink>,
}

const ABOUT: &str = "kaoping 网上评分的个人链接密钥。持有密钥即可以该考评人身份评分，请勿外传；删除本文件会使所有已发放的链接失效。";

/// The secrets of every evaluator that ever had a link, in memory and on disk.
#[derive(Debug)]
pub struct Links {
    path: PathBuf,
    by_secret: HashMap<Secret, EvaluatorId>,
    by_evaluator: BTreeMap<EvaluatorId, Secret>,
}

impl Links {
    /// Reads the store in `dir`; an absent store is an empty one.
    ///
    /// # Errors
    /// An unreadable or damaged store, named, rather than silently issuing new links that
    /// would invalidate the slips already handed out.
    pub fn load(dir: &Path) -> Result<Self, OnlineError> {
        let path = dir.join(LINKS_FILE);
        let mut links =
            Self { path: path.clone(), by_secret: HashMap::new(), by_evaluator: BTreeMap::new() };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(links),
            Err(source) => return Err(OnlineError::Io { path, source }),
        };
        let stored: StoredLinks = serde_json::from_str(&text)
            .map_err(|e| OnlineError::Damaged { path: path.clone(), reason: e.to_string() })?;
        for link in stored.links {
            let Some(secret) = Secret::parse(&link.secret) else {
                let reason = format!("{}（{}）的密钥格式不对", link.name, link.group);
                return Err(OnlineError::Damaged { path, reason });
            };
            links.insert(EvaluatorId::new(&link.group, &link.name), secret);
        }
        Ok(links)
    }

    fn insert(&mut self, who: EvaluatorId, secret: Secret) {
        if let Some(old) = self.by_evaluator.insert(who.clone(), secret) {
            self.by_secret.remove(&old);
        }
        self.by_secret.insert(secret, who);
    }

    /// Gives every evaluator in `evaluators` a secret if they have none; saves the store
    /// when anything was added. Returns how many were added.
    ///
    /// # Errors
    /// No random source, or the store cannot be written.
    pub fn ensure<'a>(
        &mut self,
        evaluators: impl IntoIterator<Item = &'a EvaluatorId>,
    ) -> Result<usize, OnlineError> {
        let mut added = 0;
        for who in evaluators {
            if !self.by_evaluator.contains_key(who) {
                self.insert(who.clone(), Secret::generate()?);
                added += 1;
            }
        }
        if added > 0 {
            self.save()?;
        }
        Ok(added)
    }

    /// A new secret for one evaluator; the old one stops working as this returns.
    ///
    /// # Errors
    /// No random source, or the store cannot be written (then the old secret stays).
    pub fn replace(&mut self, who: &EvaluatorId) -> Result<Secret, OnlineError> {
        let fresh = Secret::generate()?;
        let old = self.by_evaluator.get(who).copied();
        self.insert(who.clone(), fresh);
        if let Err(e) = self.save() {
            match old {
                Some(old) => self.insert(who.clone(), old),
                None => {
                    self.by_evaluator.remove(who);
                    self.by_secret.remove(&fresh);
                }
            }
            return Err(e);
        }
        Ok(fresh)
    }

    /// The evaluator whose link carries this text, if any.
    pub fn find(&self, text: &str) -> Option<&EvaluatorId> {
        self.by_secret.get(&Secret::parse(text)?)
    }

    pub fn secret_of(&self, who: &EvaluatorId) -> Option<Secret> {
        self.by_evaluator.get(who).copied()
    }

    fn save(&self) -> Result<(), OnlineError> {
        let stored = StoredLinks {
            about: ABOUT.to_string(),
            links: self
                .by_evaluator
                .iter()
                .map(|(who, secret)| StoredLink {
                    group: who.group.clone(),
                    name: who.name.clone(),
                    secret: secret.to_string(),
                })
                .collect(),
        };
        let mut json = serde_json::to_vec_pretty(&stored)
            .map_err(|e| OnlineError::Damaged { path: self.path.clone(), reason: e.to_string() })?;
        json.push(b'\n');
        durable::replace(&self.path, &json)
            .map_err(|source| OnlineError::Io { path: self.path.clone(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(name: &str) -> EvaluatorId {
        EvaluatorId::new("二级学院考评组", name)
    }

    #[test]
    fn secrets_are_128_bits_and_round_trip_through_text() {
        let a = Secret::generate().unwrap();
        let b = Secret::generate().unwrap();
        assert_ne!(a, b);
        let text = a.to_string();
        assert_eq!(text.len(), 22);
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(Secret::parse(&text), Some(a));
        assert_eq!(Secret::parse(&text[1..]), None);
        assert_eq!(Secret::parse("!!!!!!!!!!!!!!!!!!!!!!"), None);
        assert_eq!(format!("{a:?}"), "Secret(…)");
    }

    #[test]
    fn links_survive_a_reload_and_a_replaced_one_stops_working() {
        let dir = tempfile::tempdir().unwrap();
        let people = [who("李军"), who("王东")];
        let mut links = Links::load(dir.path()).unwrap();
        assert_eq!(links.ensure(&people).unwrap(), 2);
        assert_eq!(links.ensure(&people).unwrap(), 0);
        let old = links.secret_of(&people[0]).unwrap().to_string();

        let mut reloaded = Links::load(dir.path()).unwrap();
        assert_eq!(reloaded.find(&old), Some(&people[0]));
        let fresh = reloaded.replace(&people[0]).unwrap().to_string();
        assert_eq!(reloaded.find(&old), None);
        assert_eq!(reloaded.find(&fresh), Some(&people[0]));

        let again = Links::load(dir.path()).unwrap();
        assert_eq!(again.find(&old), None);
        assert_eq!(again.find(&fresh), Some(&people[0]));
        let other = again.secret_of(&people[1]).unwrap().to_string();
        assert_eq!(again.find(&other), Some(&people[1]));
    }

    #[test]
    fn a_damaged_store_is_an_error_not_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LINKS_FILE), "{ not json").unwrap();
        let err = Links::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains(LINKS_FILE), "{err}");
    }
}
