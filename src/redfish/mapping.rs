//! The one place where the card layer meets Redfish: a [`CardError`] becomes a status
//! and a Base message, a [`CardEvent`] an Event record, a [`Task`] its name, messages
//! and target, a [`Connection`] a ConnectionMethod, a media slot its resource id.
//! Resources call these; none of them builds a Base message for a card failure itself.

use super::error::RedfishError;
use crate::cards::{
    CardError, CardEvent, CardEventKind, Connection, MediaSlot, ResetType, ResultCode, SensorState,
    Task, TaskKind, TaskState,
};
use serde_json::{Value, json};
use std::time::SystemTime;

/// What a Redfish request was, so an error names the right property or parameter.
#[derive(Debug, Clone, Copy)]
pub enum Context<'a> {
    /// A read of a resource of this schema.
    Read(&'a str),
    /// A PATCH of this property with this value.
    Patch(&'a str, &'a str),
    /// An action with this parameter and value.
    Action(&'a str, &'a str, &'a str),
}

impl Context<'_> {
    /// The schema a missing card is reported as.
    fn schema(&self) -> &str {
        match self {
            Context::Read(kind) => kind,
            Context::Patch(..) => "ComputerSystem",
            Context::Action(a, ..) => a.split('.').next().unwrap_or(a),
        }
    }
}

/// How a refusal with an OEM result code reads in Redfish (OEM.md §6).
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// The value is not one the card takes: PropertyValueNotInList /
    /// ActionParameterValueNotInList.
    NotInList,
    /// The value is malformed: PropertyValueFormatError / ActionParameterValueFormatError.
    Format,
    /// The card does not implement it: 405 for a PATCH, ActionNotSupported for an action.
    Unsupported,
    /// Nothing is inserted: OperationNotAllowed.
    NoMedia,
    /// The addressed media or operation does not exist: ResourceNotFound.
    NotFound,
    /// The operation ran and failed: OperationFailed.
    Failed,
}

/// Result codes a card refuses with, and how each reads; any other is an internal
/// error of the card (InternalError).
const REFUSALS: &[(ResultCode, Refusal)] = &[
    (ResultCode::UnsupportedCommand, Refusal::Unsupported),
    (ResultCode::InvalidParameter, Refusal::NotInList),
    (ResultCode::ValueNotSupported, Refusal::NotInList),
    (ResultCode::UnsupportedScheme, Refusal::NotInList),
    (ResultCode::MalformedUri, Refusal::Format),
    (ResultCode::TooLarge, Refusal::Format),
    (ResultCode::NoMedia, Refusal::NoMedia),
    (ResultCode::NotFound, Refusal::NotFound),
    (ResultCode::OperationFailed, Refusal::Failed),
];

/// The Redfish error for a card failure in the request `ctx`.
pub fn card_error(e: &CardError, ctx: Context<'_>) -> RedfishError {
    match e {
        CardError::NoSuchCard(id) => RedfishError::not_found(ctx.schema(), id),
        CardError::NoSuchTask(id) => RedfishError::not_found("Task", id),
        CardError::Unreachable { .. } | CardError::NotReady { .. } | CardError::Busy { .. } => {
            RedfishError::unavailable(5)
        }
        // "state: …": the operation does not apply in the card's state (an NMI to a
        // host that is off), which is not "in use or in transition" (OEM.md §6).
        CardError::Conflict { detail, .. } => match detail.strip_prefix("state:") {
            Some(why) => RedfishError::not_allowed(why.trim()),
            None => RedfishError::in_use(),
        },
        CardError::TimedOut { .. } => RedfishError::timeout(),
        CardError::Protocol { .. } => RedfishError::internal(),
        CardError::Refused { result, detail, .. } => {
            let Some((_, refusal)) = REFUSALS.iter().find(|(r, _)| r == result) else {
                return RedfishError::internal();
            };
            refused(*refusal, detail, ctx)
        }
    }
}

fn refused(refusal: Refusal, detail: &str, ctx: Context<'_>) -> RedfishError {
    match (refusal, ctx) {
        (Refusal::NotInList, Context::Patch(p, v)) => RedfishError::value_not_in_list(p, v),
        (Refusal::NotInList, Context::Action(a, p, v)) => {
            RedfishError::parameter_not_in_list(v, p, a)
        }
        (Refusal::Format, Context::Patch(p, v)) => RedfishError::value_format(p, v),
        (Refusal::Format, Context::Action(a, p, v)) => RedfishError::parameter_format(v, p, a),
        (Refusal::Unsupported, Context::Patch(..)) => {
            RedfishError::method_not_allowed("GET, PATCH")
        }
        (Refusal::Unsupported, Context::Action(a, ..)) => RedfishError::action_not_supported(a),
        (Refusal::NoMedia, _) => RedfishError::not_allowed("no media is inserted"),
        (Refusal::NotFound, _) => RedfishError::not_found("VirtualMedia", detail),
        (Refusal::Failed, _) => RedfishError::operation_failed(detail),
        // A read refused for a value or support reason is the card's own fault.
        (Refusal::NotInList | Refusal::Format | Refusal::Unsupported, Context::Read(_)) => {
            RedfishError::internal()
        }
    }
}

/// A Redfish event (EventService), made from a card event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RfEvent {
    /// Event id.
    pub id: u64,
    /// The resource it is about.
    pub origin: String,
    /// MessageId (a ResourceEvent or TaskEvent message).
    pub message_id: &'static str,
    /// Text.
    pub message: String,
    /// OK, Warning, Critical.
    pub severity: &'static str,
    /// When.
    pub timestamp: SystemTime,
}

impl From<&CardEvent> for RfEvent {
    fn from(e: &CardEvent) -> Self {
        const CHANGED: &str = "ResourceEvent.1.3.ResourceChanged";
        let id = &e.card;
        let system = format!("/redfish/v1/Systems/{id}");
        let (origin, message_id, message, severity) = match &e.kind {
            CardEventKind::PowerChanged(p) => (
                system,
                CHANGED,
                format!("The power state of {id} is now {p:?}."),
                "OK",
            ),
            CardEventKind::BootProgressChanged(b) => (
                system,
                CHANGED,
                format!("The boot progress of {id} is now {b:?}."),
                "OK",
            ),
            CardEventKind::BootOverrideChanged => (
                system,
                CHANGED,
                format!("The boot override of {id} changed."),
                "OK",
            ),
            CardEventKind::SettingsChanged => (
                system,
                CHANGED,
                format!("The system settings of {id} changed."),
                "OK",
            ),
            CardEventKind::ManagerNetworkChanged => (
                format!("/redfish/v1/Managers/{id}/EthernetInterfaces/0"),
                CHANGED,
                format!("The network settings of the BMC of {id} changed."),
                "OK",
            ),
            CardEventKind::AdapterSettingsChanged { applied } => (
                format!("/redfish/v1/Chassis/{id}/NetworkAdapters/NIC"),
                CHANGED,
                if *applied {
                    format!("The network adapter of {id} applied its pending settings.")
                } else {
                    format!(
                        "The pending settings of the network adapter of {id} changed; they apply at the host's next reset."
                    )
                },
                "OK",
            ),
            CardEventKind::BiosSettingsChanged { applied } => (
                format!("/redfish/v1/Systems/{id}/Bios"),
                CHANGED,
                if *applied {
                    format!("The host firmware of {id} applied its pending attributes.")
                } else {
                    format!(
                        "The pending host firmware attributes of {id} changed; they apply at the host's next reset."
                    )
                },
                "OK",
            ),
            CardEventKind::ManagerReset => (
                format!("/redfish/v1/Managers/{id}"),
                CHANGED,
                format!("The BMC of {id} was reset."),
                "OK",
            ),
            CardEventKind::MediaChanged { slot, state } => (
                media_uri(id, *slot),
                CHANGED,
                format!("Virtual media {slot:?} of {id} is now {state:?}."),
                "OK",
            ),
            CardEventKind::LinkChanged { port, up } => (
                format!("/redfish/v1/Chassis/{id}/NetworkAdapters/NIC/Ports/{port}"),
                if *up {
                    "ResourceEvent.1.3.ResourceStatusChangedOK"
                } else {
                    "ResourceEvent.1.3.ResourceStatusChangedWarning"
                },
                format!(
                    "The link of port {port} of {id} is {}.",
                    if *up { "up" } else { "down" }
                ),
                if *up { "OK" } else { "Warning" },
            ),
            CardEventKind::ActiveChannel { port, active } => (
                format!("/redfish/v1/Chassis/{id}/NetworkAdapters/NIC/Ports/{port}"),
                CHANGED,
                if *active {
                    format!("Port {port} of {id} is now the platform's active NC-SI channel.")
                } else {
                    format!("Port {port} of {id} is no longer the platform's active NC-SI channel.")
                },
                "OK",
            ),
            CardEventKind::Offline { reason } => (
                system,
                "ResourceEvent.1.3.ResourceStatusChangedCritical",
                format!("The card {id} stopped answering: {reason}"),
                "Critical",
            ),
            CardEventKind::SensorStateChanged {
                sensor,
                state,
                reading,
            } => {
                let at = reading.map_or_else(String::new, |r| {
                    format!(" (reading {})", f64::from(r) / 1000.0)
                });
                let (message_id, word, severity) = match state {
                    SensorState::Normal => (
                        "ResourceEvent.1.3.ResourceStatusChangedOK",
                        "back within its thresholds",
                        "OK",
                    ),
                    SensorState::Warning => (
                        "ResourceEvent.1.3.ResourceStatusChangedWarning",
                        "past a caution threshold",
                        "Warning",
                    ),
                    SensorState::Critical => (
                        "ResourceEvent.1.3.ResourceStatusChangedCritical",
                        "past a critical threshold",
                        "Critical",
                    ),
                };
                (
                    format!("/redfish/v1/Chassis/{id}/Sensors/{sensor}"),
                    message_id,
                    format!("Sensor {sensor} of {id} is {word}{at}."),
                    severity,
                )
            }
            CardEventKind::IntegrityChanged { verified, reason } => (
                format!("/redfish/v1/ComponentIntegrity/{id}"),
                if *verified {
                    "ResourceEvent.1.3.ResourceStatusChangedOK"
                } else {
                    "ResourceEvent.1.3.ResourceStatusChangedCritical"
                },
                match reason {
                    None => format!("The card {id} passed SPDM authentication."),
                    Some(why) => format!("The card {id} failed SPDM authentication: {why}."),
                },
                if *verified { "OK" } else { "Critical" },
            ),
            CardEventKind::MeasurementsChanged { indices } => (
                format!("/redfish/v1/ComponentIntegrity/{id}"),
                "ResourceEvent.1.3.ResourceStatusChangedWarning",
                format!(
                    "The signed measurements {} of {id} differ from the reference.",
                    indices
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "Warning",
            ),
            CardEventKind::Discovered { how } => (
                system,
                "ResourceEvent.1.3.ResourceCreated",
                format!("The card {id} was found {how}."),
                "OK",
            ),
            CardEventKind::Online => (
                system,
                "ResourceEvent.1.3.ResourceStatusChangedOK",
                format!("The card {id} is answering again."),
                "OK",
            ),
            CardEventKind::TaskEnded { task, ok } => (
                task_uri(*task),
                if *ok {
                    "TaskEvent.1.0.TaskCompletedOK"
                } else {
                    "TaskEvent.1.0.TaskAborted"
                },
                format!("Task {task} ended."),
                if *ok { "OK" } else { "Critical" },
            ),
        };
        RfEvent {
            id: e.id,
            origin,
            message_id,
            message,
            severity,
            timestamp: e.timestamp,
        }
    }
}

/// Virtual media slots and their resource ids.
pub const MEDIA_SLOTS: &[(MediaSlot, &str)] = &[(MediaSlot::Cd, "CD"), (MediaSlot::Usb, "USB")];

/// The resource id of a media slot.
pub fn slot_name(slot: MediaSlot) -> &'static str {
    MEDIA_SLOTS
        .iter()
        .find(|(s, _)| *s == slot)
        .map_or("CD", |(_, n)| n)
}

/// The media slot a resource id names.
pub fn slot_of(name: &str) -> Option<MediaSlot> {
    MEDIA_SLOTS
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(s, _)| *s)
}

/// The URI of a card's virtual media slot.
pub fn media_uri(card: &str, slot: MediaSlot) -> String {
    format!(
        "/redfish/v1/Managers/{card}/VirtualMedia/{}",
        slot_name(slot)
    )
}

/// The URI of a task.
pub fn task_uri(task: u64) -> String {
    format!("/redfish/v1/TaskService/Tasks/{task}")
}

/// A task's Name.
pub fn task_name(t: &Task, reset_name: impl Fn(ResetType) -> &'static str) -> String {
    match &t.kind {
        TaskKind::Reset(r) => format!("Reset {} ({})", t.card, reset_name(*r)),
        TaskKind::InsertMedia { image, .. } => format!("Insert {image} into {}", t.card),
    }
}

/// The resource a task acts on.
pub fn task_target(t: &Task) -> String {
    match &t.kind {
        TaskKind::Reset(_) => format!("/redfish/v1/Systems/{}", t.card),
        TaskKind::InsertMedia { slot, .. } => media_uri(&t.card, *slot),
    }
}

/// A task's Messages (TaskEvent registry): none while it runs.
pub fn task_messages(t: &Task) -> Vec<Value> {
    let id = t.id;
    match t.state {
        TaskState::Running => vec![],
        TaskState::Completed => vec![json!({
            "MessageId": "TaskEvent.1.0.TaskCompletedOK",
            "Message": format!("The task with Id '{id}' has completed."),
            "MessageArgs": [id.to_string()],
            "MessageSeverity": "OK"
        })],
        TaskState::Exception => vec![json!({
            "MessageId": "TaskEvent.1.0.TaskAborted",
            "Message": format!(
                "The task with Id '{id}' has been aborted: {}",
                t.failure.as_deref().unwrap_or("unknown reason")
            ),
            "MessageArgs": [id.to_string()],
            "MessageSeverity": "Critical"
        })],
    }
}

/// The ConnectionMethod id of a path: `NCSI`, or `NCSI-MCTP-<device>` (e.g.
/// `NCSI-MCTP-ttyS2`), one per serial line.
pub fn connection_id(c: &Connection) -> String {
    match c {
        Connection::Rbt => "NCSI".into(),
        Connection::MctpSerial { device, .. } => format!("NCSI-MCTP-{}", clean_id(device)),
        Connection::MctpKernel { eid } => format!("NCSI-MCTP-EID{eid}"),
        Connection::CardBmcSerial { device, .. } => {
            format!("CardBMC-MCTP-{}", clean_id(device))
        }
        Connection::CardBmcKernel { eid } => format!("CardBMC-MCTP-EID{eid}"),
        Connection::None => "None".into(),
    }
}

/// A tty's base name as an id: letters, digits, '-' and '_' only.
fn clean_id(device: &str) -> String {
    let base = device.rsplit('/').next().unwrap_or(device);
    base.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The ConnectionMethodVariant text.
pub fn connection_variant(c: &Connection) -> String {
    match c {
        Connection::Rbt => "NC-SI over RBT (DMTF DSP0222), sidebridge OEM command set v1".into(),
        Connection::MctpSerial { device, eid } => format!(
            "NC-SI over MCTP (DMTF DSP0261) on serial {device} (DSP0253), endpoint ID {eid}, sidebridge OEM command set v1"
        ),
        Connection::MctpKernel { eid } => format!(
            "NC-SI over MCTP (DMTF DSP0261) through the kernel's MCTP stack, endpoint ID {eid}, sidebridge OEM command set v1"
        ),
        Connection::CardBmcSerial { device, eid } => format!(
            "MCTP vendor-defined messages (DMTF DSP0236, type 0x7F, IANA) on serial {device} (DSP0253) to the card BMC at endpoint ID {eid}, sidebridge OEM command set v1 and v2 (Redfish tunnel)"
        ),
        Connection::CardBmcKernel { eid } => format!(
            "MCTP vendor-defined messages (DMTF DSP0236, type 0x7F, IANA) through the kernel's MCTP stack to the card BMC at endpoint ID {eid}, sidebridge OEM command set v1 and v2 (Redfish tunnel)"
        ),
        Connection::None => "none".into(),
    }
}

/// A short name for the ConnectionMethod.
pub fn connection_name(c: &Connection) -> &'static str {
    match c {
        Connection::Rbt => "NC-SI sideband",
        Connection::MctpSerial { .. } => "NC-SI over MCTP serial",
        Connection::MctpKernel { .. } => "NC-SI over MCTP",
        Connection::CardBmcSerial { .. } => "Card BMC over MCTP serial",
        Connection::CardBmcKernel { .. } => "Card BMC over MCTP",
        Connection::None => "None",
    }
}

/// Seconds since the epoch as an RFC 3339 UTC timestamp (Redfish `DateTime`).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000)),
            "2026-11-18T11:06:40Z"
        );
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }

    fn refused(result: ResultCode) -> CardError {
        CardError::Refused {
            card: "c".into(),
            result,
            detail: "why".into(),
        }
    }

    /// Each kind of card failure has one status; a refusal names the property or
    /// parameter of the request.
    #[test]
    fn card_errors_map_to_status_and_message() {
        let patch = Context::Patch("Boot.BootSourceOverrideTarget", "Hdd");
        let action = Context::Action("ComputerSystem.Reset", "ResetType", "Nmi");
        let status = |e: &CardError, ctx| card_error(e, ctx).status;
        let text = |e: &RedfishError| format!("{:?}", e.messages);
        let unreachable = CardError::Unreachable {
            card: "c".into(),
            reason: "r".into(),
        };
        assert_eq!(status(&unreachable, patch), StatusCode::SERVICE_UNAVAILABLE);
        let conflict = CardError::Conflict {
            card: "c".into(),
            detail: "d".into(),
        };
        assert_eq!(status(&conflict, action), StatusCode::CONFLICT);
        assert!(text(&card_error(&conflict, action)).contains("ResourceInUse"));
        let off = CardError::Conflict {
            card: "c".into(),
            detail: "state: the host is off, and an NMI needs it on".into(),
        };
        let e = card_error(&off, action);
        assert_eq!(e.status, StatusCode::CONFLICT);
        assert!(text(&e).contains("OperationNotAllowed"), "{e:?}");
        assert!(
            text(&e).contains("the host is off, and an NMI needs it on"),
            "{e:?}"
        );
        let timed_out = CardError::TimedOut {
            card: "c".into(),
            detail: "d".into(),
        };
        assert_eq!(status(&timed_out, action), StatusCode::GATEWAY_TIMEOUT);
        let e = card_error(&refused(ResultCode::ValueNotSupported), patch);
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(text(&e).contains("PropertyValueNotInList"), "{e:?}");
        assert!(text(&e).contains("Boot.BootSourceOverrideTarget"), "{e:?}");
        let e = card_error(&refused(ResultCode::ValueNotSupported), action);
        assert!(text(&e).contains("ActionParameterValueNotInList"), "{e:?}");
        assert_eq!(
            status(&refused(ResultCode::UnsupportedCommand), patch),
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            status(&refused(ResultCode::InternalError), action),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            status(&CardError::NoSuchCard("x".into()), Context::Read("Manager")),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn media_slots_round_trip() {
        for (slot, name) in MEDIA_SLOTS {
            assert_eq!(slot_of(name), Some(*slot));
            assert_eq!(slot_name(*slot), *name);
        }
        assert_eq!(slot_of("Floppy"), None);
    }
}
