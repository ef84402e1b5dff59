//! `LogServices`: one event log per card, kept by sidebridge itself, under the card's
//! Manager (`/redfish/v1/Managers/{id}/LogServices/EventLog`). Every card event
//! (power and boot progress, boot override and settings writes, media, link changes
//! and failovers of the card's NC-SI channels, the card going offline and back, task
//! ends) becomes a `LogEntry` with the same MessageId, text and severity its Redfish
//! event has. Bounded ([`MAX_ENTRIES`] per card, the oldest overwritten), persisted in
//! the state directory (`event-log.json`, written atomically), cleared with
//! `LogService.ClearLog`. Through the tunnel, a card's own logs sit beside it under
//! its own Managers and Systems subtrees.

use super::auth::{Caller, Privilege, read_state, write_atomic};
use super::error::{RedfishError, RfResult};
use super::mapping::{RfEvent, rfc3339};
use super::service::odata_type;
use super::{Shared, collection, methods, no_content, resource};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};
use tokio::sync::broadcast;

/// Entries kept per card; the oldest is overwritten (`OverWritePolicy: WrapsWhenFull`).
pub const MAX_ENTRIES: usize = 256;
/// The file in the state directory.
pub const FILE: &str = "event-log.json";

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Increasing per card; never reused, even after ClearLog.
    pub id: u64,
    /// Seconds since the epoch.
    pub created: u64,
    /// OK, Warning, Critical.
    pub severity: String,
    /// The Redfish MessageId.
    pub message_id: String,
    /// The text.
    pub message: String,
    /// The resource it is about.
    pub origin: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CardLog {
    next: u64,
    entries: VecDeque<Entry>,
}

/// Every card's log.
#[derive(Debug)]
pub struct EventLogs {
    path: PathBuf,
    /// Std mutex: held to change the logs and serialize them, never across an `.await`.
    logs: Mutex<BTreeMap<String, CardLog>>,
}

impl EventLogs {
    /// The logs kept in `state_dir` (empty when the file does not exist yet; a file
    /// that does not parse is moved aside, loudly, and the logs start empty).
    pub fn open(state_dir: &std::path::Path) -> std::io::Result<Self> {
        let path = state_dir.join(FILE);
        let logs = read_state(&path)?.unwrap_or_default();
        Ok(EventLogs {
            path,
            logs: Mutex::new(logs),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, CardLog>> {
        self.logs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn save(&self, logs: &BTreeMap<String, CardLog>) {
        let bytes = serde_json::to_vec(logs).unwrap_or_default();
        if let Err(e) = write_atomic(&self.path, &bytes, 0o600) {
            tracing::warn!("event log not saved to {}: {e}", self.path.display());
        }
    }

    /// Adds an entry for `card`.
    pub fn add(&self, card: &str, e: &RfEvent) {
        let mut logs = self.lock();
        let log = logs.entry(card.to_string()).or_default();
        log.next += 1;
        if log.entries.len() == MAX_ENTRIES {
            log.entries.pop_front();
        }
        log.entries.push_back(Entry {
            id: log.next,
            created: e
                .timestamp
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            severity: e.severity.into(),
            message_id: e.message_id.into(),
            message: e.message.clone(),
            origin: e.origin.clone(),
        });
        self.save(&logs);
    }

    /// The entries of `card`, oldest first.
    pub fn entries(&self, card: &str) -> Vec<Entry> {
        self.lock()
            .get(card)
            .map(|l| l.entries.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Empties `card`'s log (ids keep counting).
    pub fn clear(&self, card: &str) {
        let mut logs = self.lock();
        if let Some(l) = logs.get_mut(card) {
            l.entries.clear();
        }
        self.save(&logs);
    }
}

/// Records every card event `rx` delivers until `shutdown` (subscribe before the cards
/// start talking, so the first events are logged too).
pub async fn record(
    state: Shared,
    mut rx: broadcast::Receiver<crate::cards::CardEvent>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            e = rx.recv() => match e {
                Ok(e) => state.logs.add(&e.card, &RfEvent::from(&e)),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("{n} card events not logged (too many at once)");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

/// The caller holds `p`, the card exists, and `log` is its one log service.
fn the_log(state: &Shared, c: &Caller, id: &str, log: &str, p: Privilege) -> RfResult<()> {
    c.require(p)?;
    super::cached_card(state, id, "Manager")?;
    if log != "EventLog" {
        return Err(RedfishError::not_found("LogService", log));
    }
    Ok(())
}

fn base(id: &str) -> String {
    format!("/redfish/v1/Managers/{id}/LogServices")
}

fn entry_body(id: &str, e: &Entry) -> serde_json::Value {
    json!({
        "@odata.id": format!("{}/EventLog/Entries/{}", base(id), e.id),
        "@odata.type": odata_type("LogEntry"),
        "Id": e.id.to_string(),
        "Name": format!("Event log entry {}", e.id),
        "EntryType": "Event",
        "Severity": e.severity,
        "Created": rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(e.created)),
        "Message": e.message,
        "MessageId": e.message_id,
        "Links": { "OriginOfCondition": { "@odata.id": e.origin } }
    })
}

async fn services(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    super::cached_card(&state, &id, "Manager")?;
    Ok(resource(
        collection(
            &base(&id),
            "LogServiceCollection",
            "Log Service Collection",
            [format!("{}/EventLog", base(&id))],
        ),
        "GET",
    ))
}

async fn service(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, log)): Path<(String, String)>,
) -> RfResult<Response> {
    the_log(&state, &c, &id, &log, Privilege::Login)?;
    let b = base(&id);
    Ok(resource(
        json!({
            "@odata.id": format!("{b}/EventLog"),
            "@odata.type": odata_type("LogService"),
            "Id": "EventLog",
            "Name": format!("Event log of {id}, kept by the platform BMC"),
            "Description": "What sidebridge saw of this card over the sideband: power, boot, media, links, failovers, reachability, tasks.",
            "MaxNumberOfRecords": MAX_ENTRIES,
            "OverWritePolicy": "WrapsWhenFull",
            "LogEntryType": "Event",
            "DateTime": rfc3339(SystemTime::now()),
            "DateTimeLocalOffset": "+00:00",
            "ServiceEnabled": true,
            "Status": { "State": "Enabled", "Health": "OK" },
            "Entries": { "@odata.id": format!("{b}/EventLog/Entries") },
            "Actions": {
                "#LogService.ClearLog": { "target": format!("{b}/EventLog/Actions/LogService.ClearLog") }
            }
        }),
        "GET",
    ))
}

async fn entries(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, log)): Path<(String, String)>,
) -> RfResult<Response> {
    the_log(&state, &c, &id, &log, Privilege::Login)?;
    let list = state.logs.entries(&id);
    let mut v = collection(
        &format!("{}/EventLog/Entries", base(&id)),
        "LogEntryCollection",
        "Log Entry Collection",
        std::iter::empty(),
    );
    // Members inline, newest first, as bmcweb serves its event log.
    let members: Vec<_> = list.iter().rev().map(|e| entry_body(&id, e)).collect();
    v["Members@odata.count"] = json!(members.len());
    v["Members"] = json!(members);
    Ok(resource(v, "GET"))
}

async fn entry(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, log, n)): Path<(String, String, String)>,
) -> RfResult<Response> {
    the_log(&state, &c, &id, &log, Privilege::Login)?;
    let e = state
        .logs
        .entries(&id)
        .into_iter()
        .find(|e| e.id.to_string() == n)
        .ok_or_else(|| RedfishError::not_found("LogEntry", &n))?;
    Ok(resource(entry_body(&id, &e), "GET"))
}

async fn clear(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, log)): Path<(String, String)>,
) -> RfResult<Response> {
    the_log(&state, &c, &id, &log, Privilege::ConfigureManager)?;
    state.logs.clear(&id);
    Ok(no_content())
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/redfish/v1/Managers/{id}/LogServices",
            methods(get(services), "GET"),
        )
        .route(
            "/redfish/v1/Managers/{id}/LogServices/{log}",
            methods(get(service), "GET"),
        )
        .route(
            "/redfish/v1/Managers/{id}/LogServices/{log}/Entries",
            methods(get(entries), "GET"),
        )
        .route(
            "/redfish/v1/Managers/{id}/LogServices/{log}/Entries/{n}",
            methods(get(entry), "GET"),
        )
        .route(
            "/redfish/v1/Managers/{id}/LogServices/{log}/Actions/LogService.ClearLog",
            methods(post(clear), "POST"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64) -> RfEvent {
        RfEvent {
            id: n,
            origin: "/redfish/v1/Systems/c".into(),
            message_id: "ResourceEvent.1.3.ResourceChanged",
            message: format!("event {n}"),
            severity: "OK",
            timestamp: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        }
    }

    #[test]
    fn bounded_persisted_and_cleared() {
        let dir = std::env::temp_dir().join(format!("sb-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let logs = EventLogs::open(&dir).unwrap();
        for n in 0..(MAX_ENTRIES as u64 + 10) {
            logs.add("c", &event(n));
        }
        let e = logs.entries("c");
        assert_eq!(e.len(), MAX_ENTRIES, "bounded");
        assert_eq!(e[0].id, 11, "the oldest overwritten");
        assert_eq!(
            e.last().unwrap().message,
            format!("event {}", MAX_ENTRIES + 9)
        );
        // A restart keeps them.
        let again = EventLogs::open(&dir).unwrap();
        assert_eq!(again.entries("c"), e);
        again.clear("c");
        assert!(again.entries("c").is_empty());
        again.add("c", &event(1));
        assert_eq!(
            again.entries("c")[0].id,
            MAX_ENTRIES as u64 + 11,
            "ids are not reused"
        );
        assert!(EventLogs::open(&dir).unwrap().entries("c").len() == 1);
        // A torn file is moved aside, not lost, and the log starts empty.
        std::fs::write(dir.join(FILE), b"{\"c\": ").unwrap();
        assert!(EventLogs::open(&dir).unwrap().entries("c").is_empty());
        let aside = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .find(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("event-log.json.corrupt-")
            })
            .expect("the torn file kept aside");
        assert_eq!(std::fs::read(aside.path()).unwrap(), b"{\"c\": ");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
