//! Accounts, sessions, roles and privileges (DSP0266 §13; the DMTF privilege registry's
//! standard roles).
//!
//! Accounts live in `accounts.json` in the state directory with argon2id hashes; every
//! change is written to a temporary file and renamed over the old one, so a crash never
//! leaves half a file. The first start creates `admin` with a random password written to
//! `initial-admin-password` (mode 0600) and says so on standard error.

use super::error::{RedfishError, RfResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Standard roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Everything.
    Administrator,
    /// Operate components (boot, reset, media), not users or the manager.
    Operator,
    /// Read.
    ReadOnly,
}

/// Privileges of the DMTF privilege registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    /// Read.
    Login,
    /// Change the manager (the service itself).
    ConfigureManager,
    /// Manage accounts.
    ConfigureUsers,
    /// Change one's own password, end one's own session.
    ConfigureSelf,
    /// Change components: systems, virtual media, subscriptions.
    ConfigureComponents,
}

impl Role {
    /// Whether the role holds `p`.
    pub fn has(self, p: Privilege) -> bool {
        match self {
            Role::Administrator => true,
            Role::Operator => matches!(
                p,
                Privilege::Login | Privilege::ConfigureSelf | Privilege::ConfigureComponents
            ),
            Role::ReadOnly => matches!(p, Privilege::Login | Privilege::ConfigureSelf),
        }
    }

    /// The role's name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Administrator => "Administrator",
            Role::Operator => "Operator",
            Role::ReadOnly => "ReadOnly",
        }
    }

    /// From its name.
    pub fn from_name(s: &str) -> Option<Self> {
        [Role::Administrator, Role::Operator, Role::ReadOnly]
            .into_iter()
            .find(|r| r.name() == s)
    }

    /// Its privileges by name (Role resource).
    pub fn privileges(self) -> Vec<&'static str> {
        let all = [
            (Privilege::Login, "Login"),
            (Privilege::ConfigureManager, "ConfigureManager"),
            (Privilege::ConfigureUsers, "ConfigureUsers"),
            (Privilege::ConfigureSelf, "ConfigureSelf"),
            (Privilege::ConfigureComponents, "ConfigureComponents"),
        ];
        all.into_iter()
            .filter(|(p, _)| self.has(*p))
            .map(|(_, n)| n)
            .collect()
    }
}

/// A stored account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// User name (also the resource id).
    pub user: String,
    /// Role.
    pub role: Role,
    /// argon2id PHC string.
    pub hash: String,
    /// Enabled.
    pub enabled: bool,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// User name.
    pub user: String,
    /// Role.
    pub role: Role,
    /// The session id, when authenticated by session.
    pub session: Option<String>,
}

impl Caller {
    /// 403 unless the caller holds `p`.
    pub fn require(&self, p: Privilege) -> RfResult<()> {
        if self.role.has(p) {
            Ok(())
        } else {
            Err(RedfishError::insufficient_privilege())
        }
    }
}

/// A login session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Resource id.
    pub id: String,
    /// The X-Auth-Token.
    pub token: String,
    /// Owner.
    pub user: String,
    /// Owner's role at login (requests use the account's role as it is now).
    pub role: Role,
    /// Last request.
    pub last_used: Instant,
}

/// Random bytes as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).expect("the OS random source");
    sidebridge_protocol::text::hex(&b)
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut b = [0u8; 20];
    getrandom::fill(&mut b).expect("the OS random source");
    b.iter()
        .map(|x| ALPHABET[usize::from(*x) % ALPHABET.len()] as char)
        .collect()
}

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id alternative with 7 MiB and 5 passes: affordable on a BMC.
    let params = Params::new(7 * 1024, 5, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source");
    let salt = SaltString::encode_b64(&salt).expect("16-byte salt");
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing")
        .to_string()
}

fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| hasher().verify_password(password.as_bytes(), &h).is_ok())
}

/// Reads a state file: `Ok(None)` when there is none yet, or when it does not parse —
/// then it is moved aside (`<name>.corrupt-<seconds>`) with a loud log line, and the
/// service starts without it rather than not at all. Other read errors are errors.
pub fn read_state<T: serde::de::DeserializeOwned>(path: &Path) -> std::io::Result<Option<T>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ));
        }
    };
    match serde_json::from_slice(&bytes) {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let aside = path.with_file_name(format!(
                "{}.corrupt-{secs}",
                path.file_name().and_then(|n| n.to_str()).unwrap_or("state")
            ));
            std::fs::rename(path, &aside)?;
            tracing::error!(
                "{} is corrupt ({e}); moved it to {} and started without it",
                path.display(),
                aside.display()
            );
            eprintln!(
                "sidebridge: {} is corrupt ({e}); moved it to {} and started without it",
                path.display(),
                aside.display()
            );
            Ok(None)
        }
    }
}

/// Writes `bytes` to `path` atomically, for every state file: a temporary file of a
/// name no other writer uses (process, counter, random), fsync, rename over `path`,
/// fsync of the directory so the rename itself survives a power cut. A reader sees
/// the old file or the new one, never a mix; two writers never share a temporary.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    let tmp = path.with_file_name(format!(
        ".{name}.{}.{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        random_hex(4)
    ));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    if let Some(dir) = path.parent() {
        // The directory entry too; failing to sync a directory is not fatal (some
        // file systems refuse it), the data is already in place.
        if let Ok(d) = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        }) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// The account store and the sessions.
#[derive(Debug)]
pub struct Auth {
    path: PathBuf,
    /// Short critical sections, never across an `.await`.
    accounts: Mutex<Vec<Account>>,
    sessions: Mutex<HashMap<String, Session>>,
    /// Idle time after which a session ends.
    pub session_timeout: Duration,
    /// Recently verified Basic credentials (user, password) → when, so that a client
    /// sending Basic on every request does not pay argon2 each time.
    basic_cache: Mutex<HashMap<(String, String), Instant>>,
    /// Account lockout settings (AccountService), persisted in `account-service.json`.
    lockout: Mutex<Lockout>,
    lockout_path: PathBuf,
    /// Failed logins per known account.
    failures: Mutex<HashMap<String, Failures>>,
    /// argon2 runs on the blocking pool, at most this many at once, so guessing cannot
    /// starve the request workers.
    hashing: Arc<tokio::sync::Semaphore>,
    /// Verified when the user is unknown, so that an unknown name costs what a known
    /// one does (no user enumeration by timing).
    dummy_hash: std::sync::OnceLock<String>,
}

const BASIC_CACHE_TTL: Duration = Duration::from_secs(60);
/// Password checks running at once.
pub const HASHING_AT_ONCE: usize = 2;
/// Sessions one account may hold.
pub const MAX_SESSIONS_PER_USER: usize = 16;
/// Sessions the service holds.
pub const MAX_SESSIONS: usize = 64;

/// AccountService lockout (DSP2046 AccountService: AccountLockoutThreshold,
/// AccountLockoutDuration, AccountLockoutCounterResetAfter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockout {
    /// Failed logins that lock an account (0: never).
    pub threshold: u32,
    /// Seconds an account stays locked.
    pub duration_s: u64,
    /// Seconds after the first failure when the count starts again.
    pub reset_after_s: u64,
}

impl Default for Lockout {
    fn default() -> Self {
        Lockout {
            threshold: 5,
            duration_s: 60,
            reset_after_s: 60,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// Why a login did not give a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong name or password, disabled or locked account.
    Refused,
    /// The account or the service holds the most sessions allowed.
    TooManySessions,
}

impl Auth {
    /// Loads `accounts.json` from `state_dir`, creating the administrator on first
    /// start. Returns the store and, on first start, the path of the password file.
    pub fn open(state_dir: &Path) -> std::io::Result<(Self, Option<PathBuf>)> {
        let path = state_dir.join("accounts.json");
        let mut created = None;
        let accounts: Vec<Account> = match read_state(&path)? {
            Some(a) => a,
            // First start, or a corrupt file moved aside: an administrator with a
            // fresh password in the state directory, as on first start.
            None => {
                let password = random_password();
                let admin = Account {
                    user: "admin".into(),
                    role: Role::Administrator,
                    hash: hash_password(&password),
                    enabled: true,
                };
                let pw_path = state_dir.join("initial-admin-password");
                write_atomic(&pw_path, format!("{password}\n").as_bytes(), 0o600)?;
                write_atomic(
                    &path,
                    &serde_json::to_vec_pretty(&vec![admin.clone()]).unwrap_or_default(),
                    0o600,
                )?;
                created = Some(pw_path);
                vec![admin]
            }
        };
        Ok((
            Auth {
                path,
                accounts: Mutex::new(accounts),
                sessions: Mutex::new(HashMap::new()),
                session_timeout: Duration::from_secs(1800),
                basic_cache: Mutex::new(HashMap::new()),
                lockout: Mutex::new(
                    read_state(&state_dir.join("account-service.json"))?.unwrap_or_default(),
                ),
                lockout_path: state_dir.join("account-service.json"),
                failures: Mutex::new(HashMap::new()),
                hashing: Arc::new(tokio::sync::Semaphore::new(HASHING_AT_ONCE)),
                dummy_hash: std::sync::OnceLock::new(),
            },
            created,
        ))
    }

    fn save(&self, accounts: &[Account]) -> RfResult<()> {
        let bytes = serde_json::to_vec_pretty(accounts).map_err(|_| RedfishError::internal())?;
        write_atomic(&self.path, &bytes, 0o600).map_err(|e| {
            tracing::error!("saving {}: {e}", self.path.display());
            RedfishError::internal()
        })
    }

    /// The accounts.
    pub fn accounts(&self) -> Vec<Account> {
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether `user` is locked out now.
    pub fn locked(&self, user: &str) -> bool {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(user)
            .and_then(|f| f.locked_until)
            .is_some_and(|t| Instant::now() < t)
    }

    /// Unlocks `user` (PATCH `Locked: false`).
    pub fn unlock(&self, user: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(user);
    }

    /// The lockout settings.
    pub fn lockout(&self) -> Lockout {
        *self.lockout.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the lockout settings (saved in the state directory).
    pub fn set_lockout(&self, l: Lockout) -> RfResult<()> {
        let bytes = serde_json::to_vec_pretty(&l).map_err(|_| RedfishError::internal())?;
        write_atomic(&self.lockout_path, &bytes, 0o600).map_err(|e| {
            tracing::error!("saving {}: {e}", self.lockout_path.display());
            RedfishError::internal()
        })?;
        *self.lockout.lock().unwrap_or_else(|e| e.into_inner()) = l;
        Ok(())
    }

    fn failed(&self, user: &str) {
        let l = self.lockout();
        let mut f = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let e = f.entry(user.to_string()).or_insert(Failures {
            count: 0,
            first: now,
            locked_until: None,
        });
        if now.duration_since(e.first) > Duration::from_secs(l.reset_after_s) {
            *e = Failures {
                count: 0,
                first: now,
                locked_until: e.locked_until,
            };
        }
        e.count += 1;
        if l.threshold > 0 && e.count >= l.threshold {
            e.locked_until = Some(now + Duration::from_secs(l.duration_s));
            tracing::warn!(
                "account {user} locked for {} s after {} failed logins",
                l.duration_s,
                e.count
            );
        }
    }

    /// Whether these credentials passed a check within [`BASIC_CACHE_TTL`].
    fn basic_cached(&self, key: &(String, String)) -> bool {
        self.basic_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .is_some_and(|t| t.elapsed() < BASIC_CACHE_TTL)
    }

    /// Checks a user name and password. The argon2 check runs on the blocking pool
    /// (at most [`HASHING_AT_ONCE`] at a time); an unknown user costs the same as a
    /// known one; a locked account is refused whatever the password; failures count
    /// towards the lockout.
    pub async fn check(&self, user: &str, password: &str) -> Option<Caller> {
        let account = self
            .accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|a| a.user == user)
            .cloned();
        if self.locked(user) {
            return None;
        }
        let key = (user.to_string(), password.to_string());
        let enabled = account.as_ref().is_some_and(|a| a.enabled);
        if !(enabled && self.basic_cached(&key)) {
            let hash = account.as_ref().map(|a| a.hash.clone()).unwrap_or_else(|| {
                self.dummy_hash
                    .get_or_init(|| hash_password(&random_password()))
                    .clone()
            });
            let _permit = self.hashing.acquire().await.ok()?;
            // Many connections opening at once with the same credentials wait here
            // behind the first check; once it passed, they need no check of their own.
            if !(enabled && self.basic_cached(&key)) {
                let pw = password.to_string();
                let verified = tokio::task::spawn_blocking(move || verify(&pw, &hash))
                    .await
                    .unwrap_or(false);
                if !(verified && enabled) {
                    if account.is_some() {
                        self.failed(user);
                    }
                    return None;
                }
                self.failures
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(user);
                let mut c = self.basic_cache.lock().unwrap_or_else(|e| e.into_inner());
                c.retain(|_, t| t.elapsed() < BASIC_CACHE_TTL);
                c.insert(key, Instant::now());
            }
        }
        let a = account?;
        Some(Caller {
            user: a.user,
            role: a.role,
            session: None,
        })
    }

    /// Opens a session: at most [`MAX_SESSIONS_PER_USER`] per account and
    /// [`MAX_SESSIONS`] in all.
    pub async fn login(&self, user: &str, password: &str) -> Result<Session, LoginError> {
        let caller = self
            .check(user, password)
            .await
            .ok_or(LoginError::Refused)?;
        let s = Session {
            id: random_hex(8),
            token: random_hex(32),
            user: caller.user,
            role: caller.role,
            last_used: Instant::now(),
        };
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let timeout = self.session_timeout;
        sessions.retain(|_, s| s.last_used.elapsed() < timeout);
        let mine = sessions.values().filter(|x| x.user == s.user).count();
        if mine >= MAX_SESSIONS_PER_USER || sessions.len() >= MAX_SESSIONS {
            return Err(LoginError::TooManySessions);
        }
        sessions.insert(s.token.clone(), s.clone());
        Ok(s)
    }

    /// The caller behind a session token, with the account's role as it is now;
    /// refreshes its idle timer. A session whose account is gone or disabled is ended.
    pub fn session(&self, token: &str) -> Option<Caller> {
        let (user, id) = {
            let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
            let timeout = self.session_timeout;
            sessions.retain(|_, s| s.last_used.elapsed() < timeout);
            let s = sessions.get_mut(token)?;
            s.last_used = Instant::now();
            (s.user.clone(), s.id.clone())
        };
        // The accounts lock is taken after the sessions lock is released: `remove`
        // and `update` take them the other way round.
        let role = self
            .accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|a| a.user == user && a.enabled)
            .map(|a| a.role);
        let Some(role) = role else {
            self.sessions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(token);
            return None;
        };
        Some(Caller {
            user,
            role,
            session: Some(id),
        })
    }

    /// Live sessions.
    pub fn sessions(&self) -> Vec<Session> {
        let timeout = self.session_timeout;
        let mut v: Vec<Session> = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|s| s.last_used.elapsed() < timeout)
            .cloned()
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// Ends a session by id; false when there is none.
    pub fn logout(&self, id: &str) -> bool {
        let mut s = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let before = s.len();
        s.retain(|_, v| v.id != id);
        s.len() != before
    }

    /// Adds an account.
    pub fn add(&self, user: &str, password: &str, role: Role) -> RfResult<Account> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if accounts.iter().any(|a| a.user == user) {
            return Err(RedfishError::already_exists("UserName", user));
        }
        let a = Account {
            user: user.into(),
            role,
            hash: hash_password(password),
            enabled: true,
        };
        let mut next = accounts.clone();
        next.push(a.clone());
        self.save(&next)?;
        *accounts = next;
        Ok(a)
    }

    /// Changes an account's password, role or enabled flag. Any such change ends the
    /// account's sessions but `keep` (the session making the change, if it is one of
    /// them and the account stays enabled).
    pub fn update(
        &self,
        user: &str,
        password: Option<&str>,
        role: Option<Role>,
        enabled: Option<bool>,
        keep: Option<&str>,
    ) -> RfResult<()> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        let mut next = accounts.clone();
        let a = next
            .iter_mut()
            .find(|a| a.user == user)
            .ok_or_else(|| RedfishError::not_found("ManagerAccount", user))?;
        if let Some(p) = password {
            a.hash = hash_password(p);
        }
        if let Some(r) = role {
            a.role = r;
        }
        if let Some(e) = enabled {
            a.enabled = e;
        }
        let still_enabled = a.enabled;
        self.save(&next)?;
        *accounts = next;
        if password.is_some() || role.is_some() || enabled.is_some() {
            self.sessions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|_, s| s.user != user || (still_enabled && Some(s.id.as_str()) == keep));
        }
        self.basic_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(u, _), _| u != user);
        Ok(())
    }

    /// Removes an account (and its sessions).
    pub fn remove(&self, user: &str) -> RfResult<()> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if !accounts.iter().any(|a| a.user == user) {
            return Err(RedfishError::not_found("ManagerAccount", user));
        }
        if accounts
            .iter()
            .filter(|a| a.role == Role::Administrator && a.enabled && a.user != user)
            .count()
            == 0
        {
            return Err(RedfishError::not_allowed(
                "the last administrator cannot be removed",
            ));
        }
        let next: Vec<Account> = accounts
            .iter()
            .filter(|a| a.user != user)
            .cloned()
            .collect();
        self.save(&next)?;
        *accounts = next;
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, s| s.user != user);
        self.basic_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(u, _), _| u != user);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_start_creates_an_admin_and_logins_work() {
        let dir = std::env::temp_dir().join(format!("sb-auth-{}", random_hex(4)));
        std::fs::create_dir_all(&dir).unwrap();
        let (auth, created) = Auth::open(&dir).unwrap();
        let pw_file = created.expect("first start");
        let pw = std::fs::read_to_string(&pw_file)
            .unwrap()
            .trim()
            .to_string();
        assert_eq!(pw.len(), 20);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&pw_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        assert_eq!(
            rt.block_on(auth.check("admin", &pw)).unwrap().role,
            Role::Administrator
        );
        assert!(rt.block_on(auth.check("admin", "wrong")).is_none());
        auth.add("op", "op-pass-1", Role::Operator).unwrap();
        assert!(auth.add("op", "x", Role::ReadOnly).is_err());
        // A second start reads the file and creates nothing.
        let (again, created) = Auth::open(&dir).unwrap();
        assert!(created.is_none());
        assert_eq!(
            rt.block_on(again.check("op", "op-pass-1")).unwrap().role,
            Role::Operator
        );
        let s = rt.block_on(again.login("op", "op-pass-1")).unwrap();
        assert_eq!(again.session(&s.token).unwrap().user, "op");
        assert!(again.logout(&s.id));
        assert!(again.session(&s.token).is_none());
        assert!(
            again.remove("admin").is_err() || again.accounts().len() == 1,
            "never the last administrator"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn roles_follow_the_dmtf_privilege_mapping() {
        assert!(Role::Administrator.has(Privilege::ConfigureUsers));
        assert!(
            Role::Operator.has(Privilege::ConfigureComponents)
                && !Role::Operator.has(Privilege::ConfigureUsers)
        );
        assert!(
            !Role::ReadOnly.has(Privilege::ConfigureComponents)
                && Role::ReadOnly.has(Privilege::Login)
        );
        assert_eq!(
            Role::Operator.privileges(),
            ["Login", "ConfigureSelf", "ConfigureComponents"]
        );
    }
}

#[cfg(test)]
mod lockout_tests {
    use super::*;

    /// Failed logins lock the account for the duration, even for the right password;
    /// the counter starts again after reset_after; an unknown user is never "locked"
    /// (nothing is counted for names that do not exist).
    #[tokio::test]
    async fn lockout_after_the_threshold() {
        let dir = std::env::temp_dir().join(format!("sb-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (auth, _) = Auth::open(&dir).unwrap();
        auth.add("op", "op-pass-1", Role::Operator).unwrap();
        auth.set_lockout(Lockout {
            threshold: 3,
            duration_s: 1,
            reset_after_s: 60,
        })
        .unwrap();
        for _ in 0..3 {
            assert!(auth.check("op", "wrong").await.is_none());
        }
        assert!(auth.locked("op"));
        assert!(auth.check("op", "op-pass-1").await.is_none(), "locked");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert!(
            auth.check("op", "op-pass-1").await.is_some(),
            "unlocked after the duration"
        );
        assert!(!auth.locked("op"));
        for _ in 0..5 {
            assert!(auth.check("nobody", "x").await.is_none());
        }
        assert!(!auth.locked("nobody"));
        // The settings survive a restart.
        let (again, _) = Auth::open(&dir).unwrap();
        assert_eq!(again.lockout().threshold, 3);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn sessions_are_capped() {
        let dir = std::env::temp_dir().join(format!("sb-cap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (auth, _) = Auth::open(&dir).unwrap();
        auth.add("op", "op-pass-1", Role::Operator).unwrap();
        for _ in 0..MAX_SESSIONS_PER_USER {
            auth.login("op", "op-pass-1").await.unwrap();
        }
        assert_eq!(
            auth.login("op", "op-pass-1").await.unwrap_err(),
            LoginError::TooManySessions
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
