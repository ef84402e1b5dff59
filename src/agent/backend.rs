//! The typed commands of the OEM set executed against the card BMC's own Redfish
//! service (`protocol/OEM.md` §11 has the mapping table). Each command reads or
//! writes the card's resources and answers with the OEM set's values; the card's
//! Redfish errors come back as OEM result codes with their message as detail, the
//! detail starting with the field it is about (`target:`, `type:`, …) as §6 asks.

mod adapter;
mod bios;

use super::client::{ClientError, RedfishClient};
use super::config::CardService;
use crate::redfish::names::{
    DRIVE_MEDIA, DRIVE_PROTOCOLS, ENABLED, INSTRUCTION_SETS, LEDS, MODES, PROTOCOLS, RESETS,
    TARGETS, WATCHDOG_ACTIONS, name, progress_name, value,
};
use serde_json::{Map, Value, json};
use sidebridge_protocol::oem::{
    self, AllowableValues, BootEnabled, BootMode, BootOverride, BootProgress, BootTarget,
    BridgeInfo, Drive, DriveMedia, DriveProtocol, FirmwareComponent, HostInterface, HostInventory,
    HostWatchdog, IndicatorLed, InstructionSet, ManagerNetwork, MediaInsert, MediaSlot, MediaState,
    MediaStatus, NetworkIdentity, PowerState, Processor, ResetType, Response, ResponseBody,
    ResultCode, SystemSettings, SystemSettingsUpdate, TransferProtocol, WatchdogAction, capability,
    media_type,
};
use std::sync::Mutex;

/// Longest a card's task may run before the operation is reported timed out.
pub const TASK_DEADLINE: std::time::Duration = std::time::Duration::from_secs(600);
/// How often a task monitor is polled.
const TASK_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// Where the card's resources are (found once, then again after an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    /// `/redfish/v1/Systems/{id}`.
    pub system: String,
    /// `/redfish/v1/Managers/{id}`.
    pub manager: String,
    /// `/redfish/v1/Chassis/{id}`, if the card has one.
    pub chassis: Option<String>,
    /// The virtual media resource of each slot (CD: CD or DVD; USB: USBStick).
    pub media: [Option<String>; 2],
}

/// A command's failure: the result code and its detail.
type Failed = (ResultCode, String);

fn from_client(field: &str, e: ClientError) -> Failed {
    match e {
        ClientError::Unreachable { .. } => (ResultCode::Busy, e.to_string()),
        ClientError::Status {
            status: 400,
            message,
            ..
        } => (ResultCode::InvalidParameter, format!("{field}: {message}")),
        ClientError::Status {
            status: 404,
            message,
            ..
        } => (ResultCode::NotFound, format!("{field}: {message}")),
        ClientError::Status {
            status: 405 | 501,
            message,
            ..
        } => (
            ResultCode::UnsupportedCommand,
            format!("{field}: {message}"),
        ),
        ClientError::Status {
            status: 409,
            message,
            ..
        } => (ResultCode::InvalidState, format!("{field}: {message}")),
        ClientError::Status {
            status: 503,
            message,
            ..
        } => (ResultCode::Busy, message),
        ClientError::Status { .. } => (ResultCode::OperationFailed, e.to_string()),
        ClientError::Malformed(m) => (ResultCode::InternalError, m),
    }
}

fn slot_index(slot: MediaSlot) -> Option<usize> {
    match slot {
        MediaSlot::Cd => Some(0),
        MediaSlot::Usb => Some(1),
        MediaSlot::Unknown(_) => None,
    }
}

/// The text of a UUID (`8-4-4-4-12` hex) as bytes; zero when it is none.
pub fn parse_uuid(s: &str) -> [u8; 16] {
    let hex: Vec<u8> = s
        .bytes()
        .filter(|b| *b != b'-')
        .map(|b| (b as char).to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()
        .unwrap_or_default();
    let mut out = [0u8; 16];
    if hex.len() == 32 {
        for (i, pair) in hex.chunks(2).enumerate() {
            out[i] = pair[0] << 4 | pair[1];
        }
    }
    out
}

/// A Redfish IPv4 address object's address and prefix length (32 when its subnet
/// mask is missing); `None` without a valid address.
fn ipv4_of(a: &Value) -> Option<([u8; 4], u8)> {
    let address = text(a, "Address").parse::<std::net::Ipv4Addr>().ok()?;
    let prefix = text(a, "SubnetMask")
        .parse::<std::net::Ipv4Addr>()
        .map_or(32, |m| u32::from(m).count_ones() as u8);
    Some((address.octets(), prefix))
}

/// A Redfish IPv6 address object's address and prefix length (128 when it is
/// missing); `None` without a valid address.
fn ipv6_of(a: &Value) -> Option<([u8; 16], u8)> {
    let address = text(a, "Address").parse::<std::net::Ipv6Addr>().ok()?;
    let prefix = a["PrefixLength"].as_u64().unwrap_or(128).min(128) as u8;
    Some((address.octets(), prefix))
}

/// How many of the chassis's Sensors members the agent reads: the OEM set carries 64
/// sensors of five reading types, and a card may list sensors of other types first.
const SENSOR_MEMBERS: usize = 256;

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().trim().to_string()
}

/// `s` cut to the OEM set's longest string (§3.4), at a character boundary.
fn truncated(s: &str) -> String {
    let mut end = s.len().min(oem::MAX_STRING_LEN);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// The `@Redfish.AllowableValues` of `key` in `obj`, as a mask over `table`; all of
/// the table when the card does not say (it then decides per request).
fn allowed<T: Copy + Into<u8>>(obj: &Value, key: &str, table: &[(T, &str)]) -> u32 {
    let list = obj[format!("{key}@Redfish.AllowableValues")].as_array();
    table
        .iter()
        .filter(|(_, n)| list.is_none_or(|l| l.iter().any(|v| v.as_str() == Some(n))))
        .fold(0u32, |m, (t, _)| {
            let code: u8 = (*t).into();
            if code < 32 { m | 1 << code } else { m }
        })
}

fn member_ids(collection: &Value) -> Vec<String> {
    collection["Members"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|x| x["@odata.id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The card BMC's Redfish service, spoken to in the OEM set's terms.
#[derive(Debug)]
pub struct Backend {
    client: RedfishClient,
    wanted: (Option<String>, Option<String>, Option<String>),
    /// Std mutex: read or replaced between requests, never held across an `.await`.
    ids: Mutex<Option<Ids>>,
}

impl Backend {
    /// A backend for the configured service.
    pub fn new(client: RedfishClient, c: &CardService) -> Self {
        Backend {
            client,
            wanted: (c.system.clone(), c.manager.clone(), c.chassis.clone()),
            ids: Mutex::new(None),
        }
    }

    /// The HTTP client.
    pub fn client(&self) -> &RedfishClient {
        &self.client
    }

    fn cached(&self) -> Option<Ids> {
        self.ids.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Where the card's resources are, found on first use.
    pub async fn ids(&self) -> Result<Ids, ClientError> {
        if let Some(ids) = self.cached() {
            return Ok(ids);
        }
        let ids = self.discover().await?;
        *self.ids.lock().unwrap_or_else(|e| e.into_inner()) = Some(ids.clone());
        Ok(ids)
    }

    /// Forgets the resources found (after an error that may mean they moved).
    pub fn forget(&self) {
        *self.ids.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    async fn pick(
        &self,
        collection: &str,
        wanted: &Option<String>,
    ) -> Result<Option<String>, ClientError> {
        let members = member_ids(&self.client.get_json(collection).await?);
        Ok(match wanted {
            Some(id) => {
                let path = format!("{collection}/{id}");
                if !members.contains(&path) {
                    return Err(ClientError::Malformed(format!(
                        "{collection} has no member {id:?} (members: {})",
                        members.join(", ")
                    )));
                }
                Some(path)
            }
            None => members.into_iter().next(),
        })
    }

    async fn discover(&self) -> Result<Ids, ClientError> {
        let (ws, wm, wc) = &self.wanted;
        let none = |what: &str| ClientError::Malformed(format!("the card's service has no {what}"));
        let system = self
            .pick("/redfish/v1/Systems", ws)
            .await?
            .ok_or_else(|| none("ComputerSystem"))?;
        let manager = self
            .pick("/redfish/v1/Managers", wm)
            .await?
            .ok_or_else(|| none("Manager"))?;
        let chassis = self.pick("/redfish/v1/Chassis", wc).await.ok().flatten();
        // Virtual media under the system, or else under the manager.
        let mut media = [None, None];
        for owner in [&system, &manager] {
            let Ok(o) = self.client.get_json(owner).await else {
                continue;
            };
            let Some(coll) = o["VirtualMedia"]["@odata.id"].as_str() else {
                continue;
            };
            let Ok(c) = self.client.get_json(coll).await else {
                continue;
            };
            for m in member_ids(&c) {
                let Ok(v) = self.client.get_json(&m).await else {
                    continue;
                };
                let types: Vec<&str> = v["MediaTypes"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let slot = if types.iter().any(|t| *t == "CD" || *t == "DVD") {
                    0
                } else if types.contains(&"USBStick") {
                    1
                } else {
                    continue;
                };
                if media[slot].is_none() {
                    media[slot] = Some(m);
                }
            }
            if media.iter().any(Option::is_some) {
                break;
            }
        }
        Ok(Ids {
            system,
            manager,
            chassis,
            media,
        })
    }

    /// Executes one typed command (not ReadResult, GetOperationStatus or the tunnel,
    /// which the agent answers itself).
    pub async fn execute(&self, req: &oem::Request) -> Response {
        let command = req.command();
        match self.run(req).await {
            Ok(body) => Response::ok(command, body),
            Err((code, detail)) => {
                if code == ResultCode::Busy || code == ResultCode::InternalError {
                    self.forget();
                }
                Response::error(command, code, detail)
            }
        }
    }

    /// Each command's work is a boxed future of its own (`.boxed()`): one state
    /// machine holding every command's inlined would be large, and it was (two copies
    /// of 37 KiB in the `min` build).
    async fn run(&self, req: &oem::Request) -> Result<ResponseBody, Failed> {
        use futures_util::FutureExt;
        use oem::Request as R;
        let ids = self.ids().await.map_err(|e| from_client("service", e))?;
        let get = |path: String, field: &'static str| async move {
            self.client
                .get_json(&path)
                .await
                .map_err(|e| from_client(field, e))
        };
        Ok(match req {
            R::GetBridgeInfo { .. } => {
                ResponseBody::BridgeInfo(self.bridge_info(&ids).boxed().await?)
            }
            R::GetBootOverride => {
                let s = get(ids.system.clone(), "system").await?;
                ResponseBody::BootOverride(boot_override(&s["Boot"]))
            }
            R::SetBootOverride(o) => {
                self.set_boot(&ids, o).boxed().await?;
                ResponseBody::Empty
            }
            R::GetPowerState => {
                let s = get(ids.system.clone(), "system").await?;
                ResponseBody::PowerState(power_state(&s))
            }
            R::Reset(t) => {
                let s = get(ids.system.clone(), "system").await?;
                self.reset(&s, "#ComputerSystem.Reset", *t).boxed().await?;
                ResponseBody::Empty
            }
            R::ResetManager(t) => {
                let m = get(ids.manager.clone(), "manager").await?;
                self.reset(&m, "#Manager.Reset", *t).boxed().await?;
                ResponseBody::Empty
            }
            R::VirtualMediaInsert(m) => {
                self.insert(&ids, m).boxed().await?;
                ResponseBody::Empty
            }
            R::VirtualMediaEject(slot) => {
                self.eject(&ids, *slot).boxed().await?;
                ResponseBody::Empty
            }
            R::VirtualMediaStatus(slot) => {
                let path = media_path(&ids, *slot)?;
                ResponseBody::MediaStatus(media_status(*slot, &get(path, "slot").await?))
            }
            R::GetFirmwareInventory => {
                ResponseBody::FirmwareInventory(self.firmware(&ids).boxed().await?)
            }
            R::GetNetworkIdentity => {
                ResponseBody::NetworkIdentity(self.network(&ids).boxed().await?)
            }
            R::GetHostInventory => ResponseBody::HostInventory(self.host(&ids).boxed().await?),
            R::GetManagerNetwork => {
                ResponseBody::ManagerNetwork(self.manager_network(&ids).boxed().await?)
            }
            R::SetManagerNetwork(u) => {
                self.set_manager_network(&ids, u).boxed().await?;
                ResponseBody::Empty
            }
            R::GetSensors => ResponseBody::Sensors(self.sensors(&ids).boxed().await?),
            R::GetBootProgress => {
                let s = get(ids.system.clone(), "system").await?;
                ResponseBody::BootProgress(boot_progress(&s))
            }
            R::GetAllowableValues => {
                ResponseBody::AllowableValues(self.allowable(&ids).boxed().await?)
            }
            R::GetSystemSettings => {
                let s = get(ids.system.clone(), "system").await?;
                ResponseBody::SystemSettings(system_settings(&s))
            }
            R::SetSystemSettings(u) => {
                let body = settings_patch(u);
                self.client
                    .send_json("PATCH", &ids.system, &body)
                    .await
                    .map_err(|e| from_client("settings", e))?;
                ResponseBody::Empty
            }
            R::GetOperationStatus { .. } | R::ReadResult { .. } | R::Redfish(_) => {
                return Err((ResultCode::InternalError, "answered by the agent".into()));
            }
            R::GetBios => ResponseBody::Bios(self.bios(&ids).boxed().await?),
            R::SetBiosSettings(c) => {
                self.set_bios(&ids, c.as_deref()).boxed().await?;
                ResponseBody::Empty
            }
            R::GetNetworkAdapter => {
                ResponseBody::NetworkAdapter(self.network_adapter(&ids).boxed().await?)
            }
            R::SetAdapterSettings(s) => {
                self.set_adapter_settings(&ids, s.as_ref()).boxed().await?;
                ResponseBody::Empty
            }
            R::Unknown { command, .. } => {
                return Err((
                    ResultCode::UnsupportedCommand,
                    format!("command {command:#04x} is not implemented"),
                ));
            }
        })
    }

    async fn bridge_info(&self, ids: &Ids) -> Result<BridgeInfo, Failed> {
        let get = |p: String| async move {
            self.client
                .get_json(&p)
                .await
                .map_err(|e| from_client("identity", e))
        };
        let root = get("/redfish/v1".into()).await?;
        let system = get(ids.system.clone()).await?;
        let manager = get(ids.manager.clone()).await?;
        let chassis = match &ids.chassis {
            Some(c) => get(c.clone()).await.unwrap_or(Value::Null),
            None => Value::Null,
        };
        // Identity: the chassis (the card itself) where it says, else the system.
        let pick = |key: &str| {
            let c = text(&chassis, key);
            if c.is_empty() { text(&system, key) } else { c }
        };
        let firmware = self
            .client
            .get_json("/redfish/v1/UpdateService/FirmwareInventory")
            .await
            .is_ok();
        let mut caps = capability::EVENTS
            | capability::ALLOWABLE_VALUES
            | capability::SYSTEM_SETTINGS
            | capability::REDFISH_TUNNEL;
        let has = |v: &Value, k: &str| !v[k].is_null();
        if has(&system, "Boot") {
            caps |= capability::BOOT_OVERRIDE;
        }
        if allowed(&system["Boot"], "BootSourceOverrideTarget", TARGETS)
            & 1 << u8::from(BootTarget::UefiHttp)
            != 0
        {
            caps |= capability::UEFI_HTTP_BOOT;
        }
        if has(&system["Actions"], "#ComputerSystem.Reset") {
            caps |= capability::POWER;
        }
        if ids.media[0].is_some() {
            caps |= capability::VIRTUAL_MEDIA_CD;
        }
        if ids.media[1].is_some() {
            caps |= capability::VIRTUAL_MEDIA_USB;
        }
        if firmware || has(&manager, "FirmwareVersion") {
            caps |= capability::FIRMWARE_INVENTORY;
        }
        if has(&manager, "EthernetInterfaces") {
            // The service decides per PATCH what it lets change (OEM.md §11).
            caps |= capability::NETWORK_IDENTITY
                | capability::MANAGER_NETWORK
                | capability::MANAGER_NETWORK_SET;
        }
        if has(&system, "BootProgress") {
            caps |= capability::BOOT_PROGRESS;
        }
        if has(&chassis, "Sensors") {
            caps |= capability::SENSORS;
        }
        // The service checks each value against its registry (OEM.md §11).
        if has(&system, "Bios") {
            caps |= capability::BIOS | capability::BIOS_SETTINGS;
        }
        // A chassis with a network adapter; the service decides per PATCH which
        // settings it takes (OEM.md §11).
        if let Some(list) = chassis["NetworkAdapters"]["@odata.id"].as_str()
            && let Ok(list) = self.client.get_json(list).await
            && !member_ids(&list).is_empty()
        {
            caps |= capability::NETWORK_ADAPTER | capability::ADAPTER_SETTINGS;
        }
        if has(&manager["Actions"], "#Manager.Reset") {
            caps |= capability::MANAGER_RESET;
        }
        if [
            "Processors",
            "MemorySummary",
            "EthernetInterfaces",
            "Storage",
            "SimpleStorage",
        ]
        .iter()
        .any(|k| has(&system, k))
        {
            caps |= capability::HOST_INVENTORY;
        }
        let uuid = match parse_uuid(&text(&system, "UUID")) {
            u if u != [0; 16] => u,
            _ => parse_uuid(&text(&root, "UUID")),
        };
        Ok(BridgeInfo {
            min_version: oem::PROTOCOL_VERSION,
            max_version: oem::TUNNEL_VERSION,
            max_chunk: oem::MAX_CHUNK as u16,
            capabilities: caps,
            uuid,
            manufacturer: pick("Manufacturer"),
            model: pick("Model"),
            serial: pick("SerialNumber"),
            part_number: pick("PartNumber"),
            firmware_version: text(&manager, "FirmwareVersion"),
        })
    }

    async fn set_boot(&self, ids: &Ids, o: &BootOverride) -> Result<(), Failed> {
        let system = self
            .client
            .get_json(&ids.system)
            .await
            .map_err(|e| from_client("system", e))?;
        let boot = &system["Boot"];
        let refuse = |field: &str, v: Option<&str>, table_name: &str| {
            (
                ResultCode::ValueNotSupported,
                format!(
                    "{field}: the card does not offer {} as {table_name}",
                    v.unwrap_or("this value")
                ),
            )
        };
        let target = name(TARGETS, o.target);
        if target.is_none()
            || allowed(boot, "BootSourceOverrideTarget", TARGETS) & mask_bit(o.target) == 0
        {
            return Err(refuse("target", target, "BootSourceOverrideTarget"));
        }
        let enabled = name(ENABLED, o.enabled)
            .ok_or_else(|| refuse("enabled", None, "BootSourceOverrideEnabled"))?;
        let mut patch = Map::new();
        patch.insert("BootSourceOverrideTarget".into(), json!(target));
        patch.insert("BootSourceOverrideEnabled".into(), json!(enabled));
        if let Some(mode) = name(MODES, o.mode) {
            if allowed(boot, "BootSourceOverrideMode", MODES) & mask_bit(o.mode) == 0 {
                return Err(refuse("mode", Some(mode), "BootSourceOverrideMode"));
            }
            patch.insert("BootSourceOverrideMode".into(), json!(mode));
        }
        if o.target == BootTarget::UefiHttp {
            patch.insert("HttpBootUri".into(), json!(o.uri));
        }
        self.client
            .send_json("PATCH", &ids.system, &json!({ "Boot": patch }))
            .await
            .map_err(|e| from_client("boot", e))?;
        Ok(())
    }

    async fn reset(&self, resource: &Value, action: &str, t: ResetType) -> Result<(), Failed> {
        let a = &resource["Actions"][action];
        let Some(target) = a["target"].as_str() else {
            return Err((
                ResultCode::UnsupportedCommand,
                format!("type: the card offers no {action} action"),
            ));
        };
        let Some(kind) = name(RESETS, t) else {
            return Err((
                ResultCode::InvalidParameter,
                "type: unknown reset type".into(),
            ));
        };
        if allowed(a, "ResetType", RESETS) & mask_bit(t) == 0 {
            return Err((
                ResultCode::ValueNotSupported,
                format!("type: the card does not offer ResetType {kind}"),
            ));
        }
        let r = self
            .client
            .send_json("POST", target, &json!({ "ResetType": kind }))
            .await
            .map_err(|e| from_client("type", e))?;
        self.complete(r, "type").await
    }

    /// The end of an operation the service accepted: at once for 200/204; for 202,
    /// when its task monitor (`Location`) stops answering 202 or its Task reaches a
    /// final `TaskState` (DSP0266 "Asynchronous operations"), within [`TASK_DEADLINE`].
    async fn complete(&self, r: super::client::Reply, field: &str) -> Result<(), Failed> {
        if r.status != 202 {
            return Ok(());
        }
        let Some(monitor) = r.header("location").map(str::to_string) else {
            // Accepted without a monitor: the service gives nothing to wait on.
            return Ok(());
        };
        let deadline = tokio::time::Instant::now() + TASK_DEADLINE;
        loop {
            tokio::time::sleep(TASK_POLL).await;
            if tokio::time::Instant::now() > deadline {
                return Err((
                    ResultCode::OperationTimeout,
                    format!(
                        "{field}: the task {monitor} did not end within {} s",
                        TASK_DEADLINE.as_secs()
                    ),
                ));
            }
            let m = match self
                .client
                .request("GET", &monitor, &[], bytes::Bytes::new())
                .await
            {
                Ok(m) => m,
                Err(e) => return Err(from_client(field, e)),
            };
            match m.status {
                202 => continue,
                200..=299 => {}
                404 => return Ok(()), // a monitor may vanish once the operation is done
                s => {
                    return Err((
                        ResultCode::OperationFailed,
                        format!("{field}: the task monitor {monitor} answered {s}"),
                    ));
                }
            }
            let Ok(t) = serde_json::from_slice::<Value>(&m.body) else {
                return Ok(()); // the operation's own response, not a Task
            };
            let ok = t["TaskStatus"].as_str().is_none_or(|s| s == "OK");
            match t["TaskState"].as_str() {
                // Not a Task: the operation's own response.
                None => return Ok(()),
                Some("Completed") if ok => return Ok(()),
                Some("Exception" | "Killed" | "Cancelled" | "Completed") => {
                    let why = t["Messages"][0]["Message"]
                        .as_str()
                        .unwrap_or("the task failed");
                    return Err((ResultCode::OperationFailed, format!("{field}: {why}")));
                }
                _ => continue,
            }
        }
    }

    async fn media(&self, ids: &Ids, slot: MediaSlot) -> Result<(String, Value), Failed> {
        let path = media_path(ids, slot)?;
        let v = self
            .client
            .get_json(&path)
            .await
            .map_err(|e| from_client("slot", e))?;
        Ok((path, v))
    }

    async fn insert(&self, ids: &Ids, m: &MediaInsert) -> Result<(), Failed> {
        let (path, v) = self.media(ids, m.slot).await?;
        if v["Inserted"].as_bool() == Some(true) {
            return Err((
                ResultCode::MediaPresent,
                format!("slot: {} is inserted", text(&v, "Image")),
            ));
        }
        let target = v["Actions"]["#VirtualMedia.InsertMedia"]["target"]
            .as_str()
            .map(str::to_string)
            .unwrap_or(format!("{path}/Actions/VirtualMedia.InsertMedia"));
        let mut body = json!({
            "Image": m.image,
            "Inserted": true,
            "WriteProtected": m.write_protected,
        });
        if let Some(p) = name(PROTOCOLS, m.protocol) {
            body["TransferProtocolType"] = json!(p);
        }
        if !m.username.is_empty() {
            body["UserName"] = json!(m.username);
            body["Password"] = json!(m.password);
        }
        let r = self
            .client
            .send_json("POST", &target, &body)
            .await
            .map_err(|e| from_client("image", e))?;
        self.complete(r, "image").await
    }

    async fn eject(&self, ids: &Ids, slot: MediaSlot) -> Result<(), Failed> {
        let (path, v) = self.media(ids, slot).await?;
        if v["Inserted"].as_bool() != Some(true) {
            return Err((ResultCode::NoMedia, "slot: nothing is inserted".into()));
        }
        let target = v["Actions"]["#VirtualMedia.EjectMedia"]["target"]
            .as_str()
            .map(str::to_string)
            .unwrap_or(format!("{path}/Actions/VirtualMedia.EjectMedia"));
        self.client
            .send_json("POST", &target, &json!({}))
            .await
            .map_err(|e| from_client("slot", e))?;
        Ok(())
    }

    async fn firmware(&self, ids: &Ids) -> Result<Vec<FirmwareComponent>, Failed> {
        let mut list = Vec::new();
        if let Ok(inv) = self
            .client
            .get_json("/redfish/v1/UpdateService/FirmwareInventory")
            .await
        {
            for m in member_ids(&inv).into_iter().take(32) {
                let Ok(c) = self.client.get_json(&m).await else {
                    continue;
                };
                let n = text(&c, "Name");
                list.push(FirmwareComponent {
                    name: if n.is_empty() { text(&c, "Id") } else { n },
                    version: text(&c, "Version"),
                    updateable: c["Updateable"].as_bool().unwrap_or(false),
                });
            }
        }
        if list.is_empty() {
            let m = self
                .client
                .get_json(&ids.manager)
                .await
                .map_err(|e| from_client("manager", e))?;
            let v = text(&m, "FirmwareVersion");
            if !v.is_empty() {
                list.push(FirmwareComponent {
                    name: "BMC".into(),
                    version: v,
                    updateable: false,
                });
            }
        }
        Ok(list)
    }

    async fn network(&self, ids: &Ids) -> Result<NetworkIdentity, Failed> {
        let m = self
            .client
            .get_json(&ids.manager)
            .await
            .map_err(|e| from_client("manager", e))?;
        let mut n = NetworkIdentity {
            host_name: String::new(),
            macs: Vec::new(),
            ipv4: Vec::new(),
            ipv6: Vec::new(),
        };
        let Some(coll) = m["EthernetInterfaces"]["@odata.id"].as_str() else {
            return Ok(n);
        };
        let c = self
            .client
            .get_json(coll)
            .await
            .map_err(|e| from_client("interfaces", e))?;
        for i in member_ids(&c).into_iter().take(8) {
            let Ok(e) = self.client.get_json(&i).await else {
                continue;
            };
            if n.host_name.is_empty() {
                n.host_name = text(&e, "HostName");
            }
            if let Some(mac) = parse_mac(&text(&e, "MACAddress")) {
                n.macs.push(mac);
            }
            let list = |k: &str| e[k].as_array().into_iter().flatten();
            n.ipv4.extend(list("IPv4Addresses").filter_map(ipv4_of));
            n.ipv6.extend(list("IPv6Addresses").filter_map(ipv6_of));
        }
        Ok(n)
    }

    /// The manager and its first EthernetInterface (the one the card BMC is reached
    /// by), read; `None` for the interface when the manager lists none.
    async fn manager_interface(
        &self,
        ids: &Ids,
    ) -> Result<(Value, Option<(String, Value)>), Failed> {
        let m = self
            .client
            .get_json(&ids.manager)
            .await
            .map_err(|e| from_client("manager", e))?;
        let Some(coll) = m["EthernetInterfaces"]["@odata.id"].as_str() else {
            return Ok((m, None));
        };
        let c = self
            .client
            .get_json(coll)
            .await
            .map_err(|e| from_client("interfaces", e))?;
        let Some(first) = member_ids(&c).into_iter().next() else {
            return Ok((m, None));
        };
        let e = self
            .client
            .get_json(&first)
            .await
            .map_err(|e| from_client("interface", e))?;
        Ok((m, Some((first, e))))
    }

    /// The card BMC's own network (OEM.md §4.20, §11): the manager's UUID, its first
    /// EthernetInterface and its NetworkProtocol. What the service does not show is
    /// left zero or empty.
    async fn manager_network(&self, ids: &Ids) -> Result<ManagerNetwork, Failed> {
        let (m, iface) = self.manager_interface(ids).await?;
        let mut n = ManagerNetwork {
            uuid: parse_uuid(&text(&m, "UUID")),
            ..Default::default()
        };
        if let Some((_, e)) = iface {
            n.enabled = e["InterfaceEnabled"].as_bool().unwrap_or(false);
            n.link_up = text(&e, "LinkStatus") == "LinkUp";
            n.dhcpv4 = e["DHCPv4"]["DHCPEnabled"].as_bool().unwrap_or(false);
            n.dhcpv6 = matches!(
                e["DHCPv6"]["OperatingMode"].as_str(),
                Some("Enabled" | "Stateful")
            );
            n.speed_mbps = e["SpeedMbps"]
                .as_u64()
                .map_or(0, |v| v.min(u64::from(u32::MAX)) as u32);
            n.mac = parse_mac(&text(&e, "MACAddress")).unwrap_or_default();
            n.host_name = truncated(&text(&e, "HostName"));
            let fqdn = text(&e, "FQDN");
            n.domain_name = truncated(
                fqdn.strip_prefix(&format!("{}.", n.host_name))
                    .filter(|_| !n.host_name.is_empty())
                    .unwrap_or_default(),
            );
            for a in e["IPv4Addresses"].as_array().into_iter().flatten() {
                let Some((address, prefix)) = ipv4_of(a) else {
                    continue;
                };
                n.ipv4.push(oem::Ipv4Address {
                    address,
                    prefix,
                    origin: oem::Ipv4Origin::from_redfish_name(&text(a, "AddressOrigin"))
                        .unwrap_or_default(),
                    gateway: text(a, "Gateway")
                        .parse::<std::net::Ipv4Addr>()
                        .map_or([0; 4], |g| g.octets()),
                });
            }
            n.ipv4.truncate(oem::MAX_ADDRESSES);
            for a in e["IPv6Addresses"].as_array().into_iter().flatten() {
                let Some((address, prefix)) = ipv6_of(a) else {
                    continue;
                };
                n.ipv6.push(oem::Ipv6Address {
                    address,
                    prefix,
                    origin: oem::Ipv6Origin::from_redfish_name(&text(a, "AddressOrigin"))
                        .unwrap_or_default(),
                    state: oem::Ipv6State::from_redfish_name(&text(a, "AddressState"))
                        .unwrap_or_default(),
                });
            }
            n.ipv6.truncate(oem::MAX_ADDRESSES);
            n.name_servers = e["NameServers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
                .take(oem::MAX_NAME_SERVERS)
                .map(str::to_string)
                .collect();
        }
        if let Some(p) = m["NetworkProtocol"]["@odata.id"].as_str() {
            if let Ok(p) = self.client.get_json(p).await {
                for &(service, name) in oem::NetworkService::NAMED {
                    let v = &p[name];
                    if let Some(enabled) = v["ProtocolEnabled"].as_bool() {
                        n.services.push(oem::ServiceState {
                            service,
                            enabled,
                            port: v["Port"].as_u64().map_or(0, |p| p.min(65535) as u16),
                        });
                    }
                }
            }
        }
        Ok(n)
    }

    /// SetManagerNetwork (OEM.md §4.21, §11): one PATCH of the manager's first
    /// EthernetInterface; the service's own refusal comes back as its result.
    async fn set_manager_network(
        &self,
        ids: &Ids,
        u: &oem::ManagerNetworkUpdate,
    ) -> Result<(), Failed> {
        u.check()
            .map_err(|why| (ResultCode::InvalidParameter, why))?;
        let (_, iface) = self.manager_interface(ids).await?;
        let Some((path, e)) = iface else {
            return Err((
                ResultCode::NotFound,
                "interface: the card BMC's manager lists no EthernetInterface".into(),
            ));
        };
        let mut body = serde_json::Map::new();
        if let Some(h) = &u.host_name {
            body.insert("HostName".into(), h.clone().into());
        }
        if let Some(d) = &u.domain_name {
            let host = u.host_name.clone().unwrap_or_else(|| text(&e, "HostName"));
            let fqdn = if d.is_empty() {
                host
            } else {
                format!("{host}.{d}")
            };
            body.insert("FQDN".into(), fqdn.into());
        }
        if let Some(list) = &u.name_servers {
            body.insert("StaticNameServers".into(), list.clone().into());
        }
        if let Some(on) = u.dhcpv4 {
            body.insert("DHCPv4".into(), serde_json::json!({ "DHCPEnabled": on }));
        }
        if let Some(list) = &u.static_ipv4 {
            let list: Vec<Value> = list
                .iter()
                .map(|a| {
                    let mask = std::net::Ipv4Addr::from(u32::MAX << (32 - u32::from(a.prefix)));
                    let mut v = serde_json::json!({
                        "Address": std::net::Ipv4Addr::from(a.address).to_string(),
                        "SubnetMask": mask.to_string(),
                    });
                    if a.gateway != [0; 4] {
                        v["Gateway"] = std::net::Ipv4Addr::from(a.gateway).to_string().into();
                    }
                    v
                })
                .collect();
            body.insert("IPv4StaticAddresses".into(), list.into());
        }
        if body.is_empty() {
            return Ok(());
        }
        self.client
            .send_json("PATCH", &path, &Value::Object(body))
            .await
            .map_err(|e| from_client("network", e))?;
        Ok(())
    }

    /// The card's sensors (OEM.md §4.22, §11): the chassis's `Sensors` members of the
    /// five reading types, with their thresholds, and `PowerSubsystem.CapacityWatts`.
    async fn sensors(&self, ids: &Ids) -> Result<oem::Sensors, Failed> {
        let Some(chassis) = &ids.chassis else {
            return Err((
                ResultCode::UnsupportedCommand,
                "sensors: the card BMC has no chassis".into(),
            ));
        };
        let c = self
            .client
            .get_json(chassis)
            .await
            .map_err(|e| from_client("chassis", e))?;
        let mut out = oem::Sensors::default();
        if let Some(p) = c["PowerSubsystem"]["@odata.id"].as_str() {
            if let Ok(p) = self.client.get_json(p).await {
                out.capacity_watts = p["CapacityWatts"]
                    .as_f64()
                    .map_or(0, |w| w.clamp(0.0, f64::from(u32::MAX)) as u32);
            }
        }
        let milli = |v: &Value| {
            v.as_f64()
                .map(|f| (f * 1000.0).round())
                .filter(|m| *m >= f64::from(i32::MIN) && *m <= f64::from(i32::MAX))
                .map(|m| m as i32)
        };
        for s in self.members_of(&c, "Sensors", SENSOR_MEMBERS).await {
            let Some(reading_type) = s["ReadingType"]
                .as_str()
                .and_then(oem::ReadingType::from_redfish)
            else {
                continue;
            };
            let name = text(&s, "Id");
            if !oem::is_sensor_name(&name) || out.sensors.len() == oem::MAX_SENSORS {
                continue;
            }
            let t = &s["Thresholds"];
            out.sensors.push(oem::Sensor {
                name,
                reading_type,
                context: oem::PhysicalContext::from_redfish_name(&text(&s, "PhysicalContext"))
                    .unwrap_or_default(),
                reading: milli(&s["Reading"]),
                upper_caution: milli(&t["UpperCaution"]["Reading"]),
                upper_critical: milli(&t["UpperCritical"]["Reading"]),
                lower_caution: milli(&t["LowerCaution"]["Reading"]),
                lower_critical: milli(&t["LowerCritical"]["Reading"]),
            });
        }
        Ok(out)
    }

    /// The card's defaults by `resource`'s parameterless `action` (ResetBios,
    /// ResetSettingsToDefault: OEM.md §11); UnsupportedCommand when it has none.
    async fn defaults(&self, resource: &Value, action: &str) -> Result<(), Failed> {
        let Some(target) = resource["Actions"][action]["target"].as_str() else {
            return Err((
                ResultCode::UnsupportedCommand,
                format!("defaults: the card service offers no {action}"),
            ));
        };
        self.client
            .send_json("POST", target, &json!({}))
            .await
            .map(|_| ())
            .map_err(|e| from_client("defaults", e))
    }

    /// The members of the collection `system[key]` links to (at most 32), each read;
    /// none when the system has no such link.
    async fn members_of(&self, system: &Value, key: &str, most: usize) -> Vec<Value> {
        let Some(coll) = system[key]["@odata.id"].as_str() else {
            return Vec::new();
        };
        let Ok(c) = self.client.get_json(coll).await else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for m in member_ids(&c).into_iter().take(most) {
            if let Ok(v) = self.client.get_json(&m).await {
                out.push(v);
            }
        }
        out
    }

    /// The host as the card BMC's ComputerSystem shows it (OEM.md §4.19, §11):
    /// Processors, MemorySummary, EthernetInterfaces, Storage drives (or SimpleStorage
    /// devices). What it does not show is left zero or empty.
    async fn host(&self, ids: &Ids) -> Result<HostInventory, Failed> {
        let s = self
            .client
            .get_json(&ids.system)
            .await
            .map_err(|e| from_client("system", e))?;
        let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or(0).min(u64::from(u16::MAX)) as u16;
        let processors = self
            .members_of(&s, "Processors", oem::MAX_INVENTORY)
            .await
            .iter()
            .filter(|p| p["ProcessorType"].as_str().is_none_or(|t| t == "CPU"))
            .map(|p| Processor {
                instruction_set: value(INSTRUCTION_SETS, &text(p, "InstructionSet"))
                    .unwrap_or(InstructionSet::NotKnown),
                cores: n(p, "TotalCores"),
                threads: n(p, "TotalThreads"),
                max_speed_mhz: n(p, "MaxSpeedMHz"),
                manufacturer: truncated(&text(p, "Manufacturer")),
                model: truncated(&text(p, "Model")),
            })
            .collect();
        let memory_mib = s["MemorySummary"]["TotalSystemMemoryGiB"]
            .as_f64()
            .filter(|g| *g > 0.0)
            .map_or(0, |g| (g * 1024.0).round() as u64);
        let interfaces = self
            .members_of(&s, "EthernetInterfaces", oem::MAX_INVENTORY)
            .await
            .iter()
            .filter_map(|e| {
                Some(HostInterface {
                    mac: parse_mac(&text(e, "MACAddress"))?,
                    enabled: e["InterfaceEnabled"].as_bool().unwrap_or(true),
                    link_up: text(e, "LinkStatus") == "LinkUp",
                    speed_mbps: e["SpeedMbps"]
                        .as_u64()
                        .unwrap_or(0)
                        .min(u64::from(u32::MAX)) as u32,
                    // The card's Redfish ties an interface to its NIC function by
                    // Links/NetworkDeviceFunctions; the function's id is the port.
                    port: e["Links"]["NetworkDeviceFunctions"][0]["@odata.id"]
                        .as_str()
                        .and_then(|u| u.rsplit('/').next())
                        .and_then(|n| n.parse::<u8>().ok())
                        .filter(|p| *p != oem::NO_PORT),
                })
            })
            .collect();
        let mut drives = Vec::new();
        for st in self.members_of(&s, "Storage", oem::MAX_INVENTORY).await {
            for d in st["Drives"].as_array().into_iter().flatten() {
                let Some(uri) = d["@odata.id"].as_str() else {
                    continue;
                };
                if drives.len() == oem::MAX_INVENTORY {
                    break;
                }
                if let Ok(d) = self.client.get_json(uri).await {
                    drives.push(Drive {
                        capacity_bytes: d["CapacityBytes"].as_u64().unwrap_or(0),
                        media: value(DRIVE_MEDIA, &text(&d, "MediaType"))
                            .unwrap_or(DriveMedia::NotKnown),
                        protocol: value(DRIVE_PROTOCOLS, &text(&d, "Protocol"))
                            .unwrap_or(DriveProtocol::NotKnown),
                        model: truncated(&text(&d, "Model")),
                        serial: truncated(&text(&d, "SerialNumber")),
                    });
                }
            }
        }
        if drives.is_empty() {
            for st in self
                .members_of(&s, "SimpleStorage", oem::MAX_INVENTORY)
                .await
            {
                for d in st["Devices"].as_array().into_iter().flatten() {
                    if drives.len() < oem::MAX_INVENTORY {
                        drives.push(Drive {
                            capacity_bytes: d["CapacityBytes"].as_u64().unwrap_or(0),
                            model: truncated(&text(d, "Model")),
                            ..Drive::default()
                        });
                    }
                }
            }
        }
        Ok(HostInventory {
            memory_mib,
            processors,
            interfaces,
            drives,
        })
    }

    async fn allowable(&self, ids: &Ids) -> Result<AllowableValues, Failed> {
        let get = |p: String| async move {
            self.client
                .get_json(&p)
                .await
                .map_err(|e| from_client("allowable", e))
        };
        let system = get(ids.system.clone()).await?;
        let manager = get(ids.manager.clone()).await?;
        let boot = &system["Boot"];
        let mut media = [0u8; 2];
        for (i, path) in ids.media.iter().enumerate() {
            let Some(path) = path else { continue };
            let v = get(path.clone()).await?;
            for t in v["MediaTypes"].as_array().into_iter().flatten() {
                media[i] |= match t.as_str() {
                    Some("CD") => media_type::CD,
                    Some("DVD") => media_type::DVD,
                    Some("Floppy") => media_type::FLOPPY,
                    Some("USBStick") => media_type::USB_STICK,
                    _ => 0,
                };
            }
        }
        let manager_resets = if manager["Actions"]["#Manager.Reset"].is_null() {
            0
        } else {
            allowed(&manager["Actions"]["#Manager.Reset"], "ResetType", RESETS)
        };
        Ok(AllowableValues {
            boot_targets: allowed(boot, "BootSourceOverrideTarget", TARGETS),
            boot_enabled: allowed(boot, "BootSourceOverrideEnabled", ENABLED) as u8,
            boot_modes: allowed(boot, "BootSourceOverrideMode", MODES) as u8,
            reset_types: allowed(
                &system["Actions"]["#ComputerSystem.Reset"],
                "ResetType",
                RESETS,
            ),
            media,
            watchdog_actions: allowed(
                &system["HostWatchdogTimer"],
                "TimeoutAction",
                WATCHDOG_ACTIONS,
            ) as u8,
            manager_reset_types: manager_resets,
        })
    }
}

fn mask_bit<T: Into<u8>>(t: T) -> u32 {
    let code: u8 = t.into();
    if code < 32 { 1 << code } else { 0 }
}

fn media_path(ids: &Ids, slot: MediaSlot) -> Result<String, Failed> {
    slot_index(slot).and_then(|i| ids.media[i].clone()).ok_or((
        ResultCode::NotFound,
        format!("slot: the card has no {slot:?} slot"),
    ))
}

fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<u8> = s
        .split([':', '-'])
        .map(|p| u8::from_str_radix(p, 16).ok())
        .collect::<Option<_>>()?;
    parts.try_into().ok()
}

/// `Boot` as the OEM set's boot override.
pub fn boot_override(boot: &Value) -> BootOverride {
    let target = value(
        TARGETS,
        boot["BootSourceOverrideTarget"].as_str().unwrap_or("None"),
    )
    .unwrap_or(BootTarget::None);
    BootOverride {
        target,
        enabled: value(
            ENABLED,
            boot["BootSourceOverrideEnabled"].as_str().unwrap_or(""),
        )
        .unwrap_or(BootEnabled::Disabled),
        mode: value(MODES, boot["BootSourceOverrideMode"].as_str().unwrap_or(""))
            .unwrap_or(BootMode::Unknown(0xFF)),
        uri: if target == BootTarget::UefiHttp {
            text(boot, "HttpBootUri")
        } else {
            String::new()
        },
    }
}

/// `PowerState`.
pub fn power_state(system: &Value) -> PowerState {
    match system["PowerState"].as_str() {
        Some("On") => PowerState::On,
        Some("Off") => PowerState::Off,
        Some("PoweringOn") => PowerState::PoweringOn,
        Some("PoweringOff") => PowerState::PoweringOff,
        Some("Paused") => PowerState::Paused,
        _ => PowerState::Unknown(0xFF),
    }
}

/// `BootProgress.LastState`.
pub fn boot_progress(system: &Value) -> BootProgress {
    let last = system["BootProgress"]["LastState"]
        .as_str()
        .unwrap_or("None");
    (0u8..=9)
        .map(BootProgress::from)
        .find(|b| progress_name(*b) == last)
        .unwrap_or(BootProgress::Unknown(0xFF))
}

fn media_status(slot: MediaSlot, v: &Value) -> MediaStatus {
    let inserted = v["Inserted"].as_bool().unwrap_or(false);
    MediaStatus {
        slot,
        state: if inserted {
            MediaState::Inserted
        } else {
            MediaState::Ejected
        },
        write_protected: v["WriteProtected"].as_bool().unwrap_or(true),
        protocol: value(PROTOCOLS, v["TransferProtocolType"].as_str().unwrap_or(""))
            .unwrap_or(TransferProtocol::FromUri),
        image: if inserted {
            text(v, "Image")
        } else {
            String::new()
        },
    }
}

fn system_settings(s: &Value) -> SystemSettings {
    let indicator = match s["IndicatorLED"].as_str() {
        Some(l) => value(LEDS, l).unwrap_or(IndicatorLed::Off),
        None if s["LocationIndicatorActive"].as_bool() == Some(true) => IndicatorLed::Lit,
        None => IndicatorLed::Off,
    };
    let w = &s["HostWatchdogTimer"];
    SystemSettings {
        asset_tag: text(s, "AssetTag"),
        indicator,
        watchdog: HostWatchdog {
            enabled: w["FunctionEnabled"].as_bool().unwrap_or(false),
            action: value(
                WATCHDOG_ACTIONS,
                w["TimeoutAction"].as_str().unwrap_or("None"),
            )
            .unwrap_or(WatchdogAction::None),
        },
        uuid: parse_uuid(&text(s, "UUID")),
    }
}

fn settings_patch(u: &SystemSettingsUpdate) -> Value {
    let mut body = Map::new();
    if let Some(t) = &u.asset_tag {
        body.insert("AssetTag".into(), json!(t));
    }
    if let Some(l) = u.indicator.and_then(|l| name(LEDS, l)) {
        body.insert("IndicatorLED".into(), json!(l));
    }
    let mut w = Map::new();
    if let Some(e) = u.watchdog_enabled {
        w.insert("FunctionEnabled".into(), json!(e));
    }
    if let Some(a) = u.watchdog_action.and_then(|a| name(WATCHDOG_ACTIONS, a)) {
        w.insert("TimeoutAction".into(), json!(a));
    }
    if !w.is_empty() {
        body.insert("HostWatchdogTimer".into(), Value::Object(w));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_from_redfish() {
        let sys = json!({
            "PowerState": "On",
            "Boot": {
                "BootSourceOverrideTarget": "Cd",
                "BootSourceOverrideEnabled": "Once",
                "BootSourceOverrideMode": "UEFI",
                "BootSourceOverrideTarget@Redfish.AllowableValues": ["Pxe", "Cd", "Hdd"]
            },
            "BootProgress": { "LastState": "OSRunning" },
            "AssetTag": "rack 4",
            "IndicatorLED": "Blinking",
            "UUID": "27946b59-9e44-4fa7-8e91-f3527a1ef094"
        });
        let b = boot_override(&sys["Boot"]);
        assert_eq!(
            (b.target, b.enabled, b.mode),
            (BootTarget::Cd, BootEnabled::Once, BootMode::Uefi)
        );
        assert_eq!(power_state(&sys), PowerState::On);
        assert_eq!(boot_progress(&sys), BootProgress::OsRunning);
        let targets = allowed(&sys["Boot"], "BootSourceOverrideTarget", TARGETS);
        assert_eq!(
            targets,
            1 << u8::from(BootTarget::Pxe)
                | 1 << u8::from(BootTarget::Cd)
                | 1 << u8::from(BootTarget::Hdd)
        );
        // A card that does not say accepts every value of the table.
        assert_eq!(allowed(&sys["Boot"], "BootSourceOverrideMode", MODES), 0b11);
        let s = system_settings(&sys);
        assert_eq!(
            (s.asset_tag.as_str(), s.indicator),
            ("rack 4", IndicatorLed::Blinking)
        );
        assert_eq!(s.uuid[0], 0x27);
        assert_eq!(s.uuid[15], 0x94);
        assert_eq!(parse_uuid("nonsense"), [0; 16]);
        assert_eq!(
            parse_mac("02:aa:bb:cc:dd:10"),
            Some([2, 0xaa, 0xbb, 0xcc, 0xdd, 0x10])
        );
        assert_eq!(parse_mac("02:aa"), None);
        let p = settings_patch(&SystemSettingsUpdate {
            asset_tag: Some("asset tag".into()),
            indicator: Some(IndicatorLed::Lit),
            watchdog_enabled: Some(true),
            watchdog_action: None,
        });
        assert_eq!(
            p,
            json!({"AssetTag": "asset tag", "IndicatorLED": "Lit", "HostWatchdogTimer": {"FunctionEnabled": true}})
        );
    }
}
