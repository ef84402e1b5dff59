//! The value types of the OEM command set (`OEM.md` §4): codes as `wire_enum!`s and
//! the structures requests and responses carry.

wire_enum! {
    /// Command ids (`OEM.md` §4, table "Commands").
    pub enum CommandId(u8) {
        /// Version and capability negotiation, card identity.
        GetBridgeInfo = 0x01,
        /// Read the boot source override.
        GetBootOverride = 0x02,
        /// Set the boot source override.
        SetBootOverride = 0x03,
        /// Read the host power state.
        GetPowerState = 0x04,
        /// Reset or change the power of the card's host (long operation).
        Reset = 0x05,
        /// Insert virtual media (long operation).
        VirtualMediaInsert = 0x06,
        /// Eject virtual media.
        VirtualMediaEject = 0x07,
        /// Read a virtual media slot's state.
        VirtualMediaStatus = 0x08,
        /// List firmware components.
        GetFirmwareInventory = 0x09,
        /// The card BMC's MACs, addresses and host name.
        GetNetworkIdentity = 0x0A,
        /// The host's boot progress.
        GetBootProgress = 0x0B,
        /// Poll a long operation.
        GetOperationStatus = 0x0C,
        /// Read a further chunk of the response to an earlier sequence number.
        ReadResult = 0x0D,
        /// What the card accepts: boot targets, modes, reset types, media types (1.1).
        GetAllowableValues = 0x0E,
        /// Asset tag, identify LED, host watchdog, system UUID (1.1).
        GetSystemSettings = 0x0F,
        /// Change some of the system settings (1.1).
        SetSystemSettings = 0x10,
        /// Reset the card's BMC itself (1.1, long operation).
        ResetManager = 0x11,
        /// One Redfish request to the card BMC's service (version 2, the tunnel).
        RedfishRequest = 0x12,
        /// The card's host as its BMC knows it: processors, memory, host interfaces,
        /// drives (1.2).
        GetHostInventory = 0x13,
        /// The card BMC's own network interface and services: addresses, gateway,
        /// name servers, link, the protocols it serves, its UUID (1.3).
        GetManagerNetwork = 0x14,
        /// Change the card BMC's host name, domain, name servers, DHCPv4 or static
        /// IPv4 addresses (1.3).
        SetManagerNetwork = 0x15,
        /// The card's sensors with their thresholds, and its power capacity (1.3).
        GetSensors = 0x16,
        /// The card's network adapter: SKU, PCIe link, virtualization, port link
        /// abilities and transceivers, functions, settings in force and pending (1.4).
        GetNetworkAdapter = 0x17,
        /// Replace the adapter's pending settings, or set them to the defaults (1.4).
        SetAdapterSettings = 0x18,
        /// The host firmware's attributes: definitions, values, pending values (1.4).
        GetBios = 0x19,
        /// Change pending host firmware attributes, or make the defaults pending (1.4).
        SetBiosSettings = 0x1A,
    }
}

wire_enum! {
    /// Result codes (`OEM.md` §6), each mapped to a Redfish error by the daemon.
    pub enum ResultCode(u8) {
        /// Done; the response carries the result.
        Ok = 0x00,
        /// A long operation started; completion comes as an OperationCompleted event
        /// and through GetOperationStatus.
        Accepted = 0x01,
        /// A request chunk was stored; send the next one.
        ChunkAccepted = 0x02,
        /// The command id is not implemented.
        UnsupportedCommand = 0x10,
        /// A field holds a value outside its range.
        InvalidParameter = 0x11,
        /// The payload is shorter or longer than the command defines.
        InvalidLength = 0x12,
        /// The protocol version is not supported.
        UnsupportedVersion = 0x13,
        /// The message CRC-32 does not match.
        IntegrityError = 0x14,
        /// The sequence number was used before for a different request.
        SequenceConflict = 0x15,
        /// A chunk's offset or total length does not continue the transfer.
        ChunkOutOfOrder = 0x16,
        /// The message is larger than the responder accepts.
        TooLarge = 0x17,
        /// The card BMC is busy; retry later.
        Busy = 0x20,
        /// Not possible in the current state (e.g. an operation is in progress).
        InvalidState = 0x21,
        /// The addressed object (media slot, operation) does not exist.
        NotFound = 0x22,
        /// The image URI's scheme or transfer protocol is not supported.
        UnsupportedScheme = 0x23,
        /// The image URI is malformed.
        MalformedUri = 0x24,
        /// Media is already inserted in the slot.
        MediaPresent = 0x25,
        /// No media is inserted in the slot.
        NoMedia = 0x26,
        /// The value is valid but the card does not support it (e.g. a boot target).
        ValueNotSupported = 0x27,
        /// The operation ran and failed.
        OperationFailed = 0x30,
        /// The operation did not finish in time on the card.
        OperationTimeout = 0x31,
        /// An internal error in the card BMC.
        InternalError = 0xFF,
    }
}

impl ResultCode {
    /// Whether the request was accepted (Ok, Accepted or ChunkAccepted).
    pub fn is_success(self) -> bool {
        matches!(self, Self::Ok | Self::Accepted | Self::ChunkAccepted)
    }
}

wire_enum! {
    /// Boot source override target (Redfish `BootSourceOverrideTarget`).
    pub enum BootTarget(u8) {
        /// No override.
        None = 0x00,
        /// Network boot (PXE).
        Pxe = 0x01,
        /// The default hard disk.
        Hdd = 0x02,
        /// CD/DVD (virtual media CD).
        Cd = 0x03,
        /// USB (virtual media USB).
        Usb = 0x04,
        /// UEFI HTTP boot; the URI is in the override's `uri`.
        UefiHttp = 0x05,
        /// The UEFI shell.
        UefiShell = 0x06,
        /// The BIOS/UEFI setup.
        BiosSetup = 0x07,
        /// Diagnostics.
        Diags = 0x08,
    }
}

wire_enum! {
    /// Boot source override enabled (Redfish `BootSourceOverrideEnabled`).
    pub enum BootEnabled(u8) {
        /// No override.
        Disabled = 0x00,
        /// Next boot only; cleared by the card after that boot.
        Once = 0x01,
        /// Every boot until changed.
        Continuous = 0x02,
    }
}

wire_enum! {
    /// Boot source override mode (Redfish `BootSourceOverrideMode`).
    pub enum BootMode(u8) {
        /// Legacy BIOS.
        Legacy = 0x00,
        /// UEFI.
        Uefi = 0x01,
    }
}

wire_enum! {
    /// Host power state (Redfish `PowerState`).
    pub enum PowerState(u8) {
        /// Off.
        Off = 0x00,
        /// On.
        On = 0x01,
        /// Powering on.
        PoweringOn = 0x02,
        /// Powering off.
        PoweringOff = 0x03,
        /// Paused.
        Paused = 0x04,
    }
}

wire_enum! {
    /// Reset types (Redfish `ResetType`).
    pub enum ResetType(u8) {
        /// Turn on.
        On = 0x01,
        /// Turn off immediately.
        ForceOff = 0x02,
        /// Orderly shutdown.
        GracefulShutdown = 0x03,
        /// Orderly restart.
        GracefulRestart = 0x04,
        /// Immediate restart.
        ForceRestart = 0x05,
        /// Off, then on.
        PowerCycle = 0x06,
        /// Non-maskable interrupt.
        Nmi = 0x07,
    }
}

wire_enum! {
    /// Virtual media slots.
    pub enum MediaSlot(u8) {
        /// CD/DVD.
        Cd = 0x00,
        /// USB stick.
        Usb = 0x01,
    }
}

wire_enum! {
    /// How the card BMC fetches an image (Redfish `TransferProtocolType`).
    pub enum TransferProtocol(u8) {
        /// Taken from the URI scheme.
        FromUri = 0x00,
        /// HTTP.
        Http = 0x01,
        /// HTTPS.
        Https = 0x02,
        /// NFS.
        Nfs = 0x03,
        /// CIFS.
        Cifs = 0x04,
        /// TFTP.
        Tftp = 0x05,
        /// FTP.
        Ftp = 0x06,
        /// SFTP.
        Sftp = 0x07,
        /// SCP.
        Scp = 0x08,
    }
}

wire_enum! {
    /// A virtual media slot's state.
    pub enum MediaState(u8) {
        /// Nothing inserted.
        Ejected = 0x00,
        /// Insert accepted; the card is attaching the image.
        Inserting = 0x01,
        /// The image is attached.
        Inserted = 0x02,
        /// Being ejected.
        Ejecting = 0x03,
        /// The last insert failed.
        Failed = 0x04,
    }
}

wire_enum! {
    /// Host boot progress (Redfish `BootProgress.LastState`).
    pub enum BootProgress(u8) {
        /// No progress reported (host off).
        None = 0x00,
        /// Primary processor initialization started.
        PrimaryProcessorInitializationStarted = 0x01,
        /// Bus initialization started.
        BusInitializationStarted = 0x02,
        /// Memory initialization started.
        MemoryInitializationStarted = 0x03,
        /// Secondary processor initialization started.
        SecondaryProcessorInitializationStarted = 0x04,
        /// PCI resource configuration started.
        PciResourceConfigStarted = 0x05,
        /// System hardware initialization complete.
        SystemHardwareInitializationComplete = 0x06,
        /// Setup entered.
        SetupEntered = 0x07,
        /// OS boot started.
        OsBootStarted = 0x08,
        /// OS running.
        OsRunning = 0x09,
    }
}

wire_enum! {
    /// State of a long operation (GetOperationStatus).
    pub enum OperationState(u8) {
        /// Accepted, not started.
        Pending = 0x00,
        /// Running.
        Running = 0x01,
        /// Finished; the result code says how.
        Completed = 0x02,
        /// The card has no record of that sequence number.
        NotFound = 0x03,
    }
}

/// Card capability bits of GetBridgeInfo (`OEM.md` §4.1).
pub mod capability {
    /// Get/Set Boot Override.
    pub const BOOT_OVERRIDE: u32 = 1 << 0;
    /// UEFI HTTP boot URI in the boot override.
    pub const UEFI_HTTP_BOOT: u32 = 1 << 1;
    /// Power state and Reset.
    pub const POWER: u32 = 1 << 2;
    /// Virtual media CD.
    pub const VIRTUAL_MEDIA_CD: u32 = 1 << 3;
    /// Virtual media USB.
    pub const VIRTUAL_MEDIA_USB: u32 = 1 << 4;
    /// Firmware inventory.
    pub const FIRMWARE_INVENTORY: u32 = 1 << 5;
    /// Network identity.
    pub const NETWORK_IDENTITY: u32 = 1 << 6;
    /// Boot progress.
    pub const BOOT_PROGRESS: u32 = 1 << 7;
    /// OEM AENs (events).
    pub const EVENTS: u32 = 1 << 8;
    /// GetAllowableValues (OEM set 1.1).
    pub const ALLOWABLE_VALUES: u32 = 1 << 9;
    /// Get/SetSystemSettings (OEM set 1.1).
    pub const SYSTEM_SETTINGS: u32 = 1 << 10;
    /// ResetManager (OEM set 1.1).
    pub const MANAGER_RESET: u32 = 1 << 11;
    /// The Redfish tunnel, RedfishRequest (protocol version 2).
    pub const REDFISH_TUNNEL: u32 = 1 << 12;
    /// GetHostInventory (OEM set 1.2).
    pub const HOST_INVENTORY: u32 = 1 << 13;
    /// GetManagerNetwork (OEM set 1.3).
    pub const MANAGER_NETWORK: u32 = 1 << 14;
    /// SetManagerNetwork (OEM set 1.3).
    pub const MANAGER_NETWORK_SET: u32 = 1 << 15;
    /// GetSensors (OEM set 1.3).
    pub const SENSORS: u32 = 1 << 16;
    /// GetNetworkAdapter (OEM set 1.4).
    pub const NETWORK_ADAPTER: u32 = 1 << 17;
    /// SetAdapterSettings (OEM set 1.4).
    pub const ADAPTER_SETTINGS: u32 = 1 << 18;
    /// GetBios (OEM set 1.4).
    pub const BIOS: u32 = 1 << 19;
    /// SetBiosSettings (OEM set 1.4).
    pub const BIOS_SETTINGS: u32 = 1 << 20;
}

wire_enum! {
    /// A processor's instruction set (`OEM.md` §4.19; Redfish `InstructionSet`).
    pub enum InstructionSet(u8) {
        /// Not known.
        NotKnown = 0x00,
        /// x86 32-bit.
        X86 = 0x01,
        /// x86 64-bit.
        X86_64 = 0x02,
        /// Intel IA-64.
        Ia64 = 0x03,
        /// ARM 32-bit.
        ArmA32 = 0x04,
        /// ARM 64-bit.
        ArmA64 = 0x05,
        /// MIPS 32-bit.
        Mips32 = 0x06,
        /// MIPS 64-bit.
        Mips64 = 0x07,
        /// Power ISA.
        PowerIsa = 0x08,
        /// RISC-V 32-bit.
        Rv32 = 0x09,
        /// RISC-V 64-bit.
        Rv64 = 0x0A,
    }
}

wire_enum! {
    /// A drive's media (`OEM.md` §4.19; Redfish `MediaType`).
    pub enum DriveMedia(u8) {
        /// Not known.
        NotKnown = 0x00,
        /// Solid state.
        Ssd = 0x01,
        /// Rotating.
        Hdd = 0x02,
    }
}

wire_enum! {
    /// The protocol a drive is attached with (`OEM.md` §4.19; Redfish `Protocol`).
    pub enum DriveProtocol(u8) {
        /// Not known.
        NotKnown = 0x00,
        /// eMMC.
        Emmc = 0x01,
        /// NVMe.
        Nvme = 0x02,
        /// SATA.
        Sata = 0x03,
        /// SAS.
        Sas = 0x04,
        /// USB.
        Usb = 0x05,
    }
}

/// `Default` as "not known" for `wire_enum!`s that have a `NotKnown` code (the macro
/// derives no Default).
macro_rules! not_known_by_default {
    ($($name:ident),+) => {
        $(
            #[allow(clippy::derivable_impls)]
            impl Default for $name {
                fn default() -> Self {
                    Self::NotKnown
                }
            }
        )+
    };
}

not_known_by_default!(
    PhysicalContext,
    InstructionSet,
    DriveMedia,
    DriveProtocol,
    Ipv4Origin,
    Ipv6Origin,
    Ipv6State
);

/// One processor of the card's host (`OEM.md` §4.19); zero means not known.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Processor {
    /// Instruction set.
    pub instruction_set: InstructionSet,
    /// Cores.
    pub cores: u16,
    /// Hardware threads.
    pub threads: u16,
    /// Highest speed, MHz.
    pub max_speed_mhz: u16,
    /// Manufacturer (at most 255 bytes).
    pub manufacturer: String,
    /// Model (at most 255 bytes).
    pub model: String,
}

/// One Ethernet interface of the card's host (`OEM.md` §4.19).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostInterface {
    /// Its MAC address.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::mac"))]
    pub mac: [u8; 6],
    /// Enabled by the host.
    pub enabled: bool,
    /// Link up.
    pub link_up: bool,
    /// Link speed in Mbit/s; zero: not known or no link.
    pub speed_mbps: u32,
    /// The NIC port (NC-SI channel) this interface is a function of; `None` when it
    /// is none of them or the card does not know.
    pub port: Option<u8>,
}

/// One drive of the card's host (`OEM.md` §4.19).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Drive {
    /// Capacity in bytes; zero: not known.
    pub capacity_bytes: u64,
    /// Media.
    pub media: DriveMedia,
    /// Attachment protocol.
    pub protocol: DriveProtocol,
    /// Model or name.
    pub model: String,
    /// Serial number; empty when not known.
    pub serial: String,
}

/// The card's host as its BMC knows it (GetHostInventory, `OEM.md` §4.19).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostInventory {
    /// Installed memory in MiB; zero: not known.
    pub memory_mib: u64,
    /// Processors (at most 32).
    pub processors: Vec<Processor>,
    /// The host's own Ethernet interfaces (at most 32).
    pub interfaces: Vec<HostInterface>,
    /// Drives (at most 32).
    pub drives: Vec<Drive>,
}

wire_enum! {
    /// The identify LED (Redfish `IndicatorLED`; `LocationIndicatorActive` is true
    /// whenever it is not Off).
    pub enum IndicatorLed(u8) {
        /// Off.
        Off = 0x00,
        /// Lit steadily.
        Lit = 0x01,
        /// Blinking (identify).
        Blinking = 0x02,
    }
}

wire_enum! {
    /// What the host watchdog does when it expires (Redfish `HostWatchdogTimer.
    /// TimeoutAction`).
    pub enum WatchdogAction(u8) {
        /// Nothing.
        None = 0x00,
        /// Reset the host.
        ResetSystem = 0x01,
        /// Power-cycle the host.
        PowerCycle = 0x02,
        /// Power the host down.
        PowerDown = 0x03,
    }
}

/// Media type bits of [`AllowableValues::media`] (Redfish `VirtualMedia.MediaTypes`).
pub mod media_type {
    /// CD.
    pub const CD: u8 = 1 << 0;
    /// DVD.
    pub const DVD: u8 = 1 << 1;
    /// Floppy.
    pub const FLOPPY: u8 = 1 << 2;
    /// USB stick.
    pub const USB_STICK: u8 = 1 << 3;
}

/// What the card accepts (GetAllowableValues, `OEM.md` §4.14). Each set is a bit mask
/// over the codes of its table: bit n set means code n is accepted.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AllowableValues {
    /// Boot targets ([`BootTarget`] codes).
    pub boot_targets: u32,
    /// Boot override enabled kinds ([`BootEnabled`] codes).
    pub boot_enabled: u8,
    /// Boot modes ([`BootMode`] codes).
    pub boot_modes: u8,
    /// Reset types ([`ResetType`] codes).
    pub reset_types: u32,
    /// Media types of each slot ([`media_type`] bits), by [`MediaSlot`] code: CD, USB.
    pub media: [u8; 2],
    /// Host watchdog timeout actions ([`WatchdogAction`] codes).
    pub watchdog_actions: u8,
    /// Manager (card BMC) reset types ([`ResetType`] codes).
    pub manager_reset_types: u32,
}

impl AllowableValues {
    /// Whether bit `code` of `mask` is set (codes past the mask are never accepted).
    pub fn has(mask: u32, code: u8) -> bool {
        code < 32 && mask & (1 << code) != 0
    }
}

/// The host watchdog (Redfish `HostWatchdogTimer`).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostWatchdog {
    /// `FunctionEnabled`.
    pub enabled: bool,
    /// `TimeoutAction`.
    pub action: WatchdogAction,
}

/// Settings of the card's host system (GetSystemSettings, `OEM.md` §4.15).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemSettings {
    /// `AssetTag` (at most 64 bytes).
    pub asset_tag: String,
    /// The identify LED.
    pub indicator: IndicatorLed,
    /// The host watchdog.
    pub watchdog: HostWatchdog,
    /// The host system's UUID (RFC 4122 byte order; zero when the card has none).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::uuid"))]
    pub uuid: [u8; 16],
}

/// A change of some system settings (SetSystemSettings, `OEM.md` §4.16): `None`
/// leaves a setting as it is.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemSettingsUpdate {
    /// New asset tag.
    pub asset_tag: Option<String>,
    /// New identify LED state.
    pub indicator: Option<IndicatorLed>,
    /// New watchdog enable.
    pub watchdog_enabled: Option<bool>,
    /// New watchdog timeout action.
    pub watchdog_action: Option<WatchdogAction>,
}

/// The longest asset tag (bytes).
pub const MAX_ASSET_TAG_LEN: usize = 64;

/// Identity and capabilities of a card (GetBridgeInfo response, `OEM.md` §4.1).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BridgeInfo {
    /// Lowest protocol version the card speaks.
    pub min_version: u8,
    /// Highest protocol version the card speaks.
    pub max_version: u8,
    /// Largest chunk data length the card accepts and sends (≤ 1024).
    pub max_chunk: u16,
    /// `capability` bits.
    pub capabilities: u32,
    /// The card's UUID (RFC 4122 byte order).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::uuid"))]
    pub uuid: [u8; 16],
    /// Manufacturer name.
    pub manufacturer: String,
    /// Model name.
    pub model: String,
    /// Serial number.
    pub serial: String,
    /// Part number.
    pub part_number: String,
    /// Firmware version of the card BMC.
    pub firmware_version: String,
}

/// A boot source override (Get/Set Boot Override, `OEM.md` §4.2, §4.3).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootOverride {
    /// Where to boot.
    pub target: BootTarget,
    /// Once, continuous or disabled.
    pub enabled: BootEnabled,
    /// Legacy or UEFI.
    pub mode: BootMode,
    /// UEFI HTTP boot URI; empty when none (at most 2048 bytes).
    pub uri: String,
}

/// Virtual media insert parameters (`OEM.md` §4.6).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInsert {
    /// Which slot.
    pub slot: MediaSlot,
    /// Attach write-protected.
    pub write_protected: bool,
    /// How to fetch the image.
    pub protocol: TransferProtocol,
    /// Image URI (at most 2048 bytes).
    pub image: String,
    /// User name for the image server; empty when none.
    pub username: String,
    /// Password for the image server; empty when none.
    pub password: String,
}

/// A virtual media slot's state (VirtualMediaStatus response, `OEM.md` §4.8).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaStatus {
    /// Which slot.
    pub slot: MediaSlot,
    /// Its state.
    pub state: MediaState,
    /// Attached write-protected.
    pub write_protected: bool,
    /// The transfer protocol in use.
    pub protocol: TransferProtocol,
    /// The image URI; empty when ejected.
    pub image: String,
}

/// One firmware component (GetFirmwareInventory, `OEM.md` §4.9).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareComponent {
    /// Component name, e.g. "BMC", "UEFI", "NIC".
    pub name: String,
    /// Version string.
    pub version: String,
    /// Whether it can be updated.
    pub updateable: bool,
}

/// The card BMC's network identity (GetNetworkIdentity, `OEM.md` §4.10).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkIdentity {
    /// Host name.
    pub host_name: String,
    /// MAC addresses of the card BMC's interfaces.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::macs"))]
    pub macs: Vec<[u8; 6]>,
    /// IPv4 addresses with prefix length.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::ipv4"))]
    pub ipv4: Vec<([u8; 4], u8)>,
    /// IPv6 addresses with prefix length.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::ipv6"))]
    pub ipv6: Vec<([u8; 16], u8)>,
}

/// A long operation's status (GetOperationStatus response, `OEM.md` §4.12).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationStatus {
    /// The sequence number of the request that started it.
    pub sequence: u32,
    /// The command that started it.
    pub command: CommandId,
    /// Where it is.
    pub state: OperationState,
    /// Its result once completed (Ok or an error code).
    pub result: ResultCode,
    /// Progress in percent (0..=100).
    pub progress: u8,
}

wire_enum! {
    /// Where an IPv4 address came from (`OEM.md` §4.20; Redfish `IPv4AddressOrigin`).
    pub enum Ipv4Origin(u8) {
        /// Not known.
        NotKnown = 0x00,
        /// Configured.
        Static = 0x01,
        /// DHCPv4.
        Dhcp = 0x02,
        /// BOOTP.
        Bootp = 0x03,
        /// IPv4 link-local (RFC 3927).
        LinkLocal = 0x04,
    }
}

wire_enum! {
    /// Where an IPv6 address came from (`OEM.md` §4.20; Redfish `IPv6AddressOrigin`).
    pub enum Ipv6Origin(u8) {
        /// Not known.
        NotKnown = 0x00,
        /// Configured.
        Static = 0x01,
        /// DHCPv6.
        Dhcpv6 = 0x02,
        /// Link-local.
        LinkLocal = 0x03,
        /// Stateless address autoconfiguration.
        Slaac = 0x04,
    }
}

wire_enum! {
    /// An IPv6 address's state (`OEM.md` §4.20; Redfish `AddressState`, RFC 4862).
    pub enum Ipv6State(u8) {
        /// Not known.
        NotKnown = 0x00,
        /// Preferred.
        Preferred = 0x01,
        /// Deprecated.
        Deprecated = 0x02,
        /// Tentative (duplicate address detection running).
        Tentative = 0x03,
        /// Duplicate address detection failed.
        Failed = 0x04,
    }
}

wire_enum! {
    /// A network service of the card BMC (`OEM.md` §4.20; Redfish
    /// `ManagerNetworkProtocol` property names).
    pub enum NetworkService(u8) {
        /// HTTP.
        Http = 0x01,
        /// HTTPS.
        Https = 0x02,
        /// SSH.
        Ssh = 0x03,
        /// SSDP.
        Ssdp = 0x04,
        /// IPMI over LAN.
        Ipmi = 0x05,
        /// NTP (client).
        Ntp = 0x06,
        /// SNMP.
        Snmp = 0x07,
    }
}

/// The Redfish name of each named code of a `wire_enum!` (`NAMED`), and the lookups
/// both ways: `redfish_name` (`None` for a code without one) and `from_redfish_name`
/// (`None` for a name that is none of them).
macro_rules! redfish_names {
    ($t:ident, $what:literal, [$(($v:ident, $n:literal)),+ $(,)?]) => {
        impl $t {
            #[doc = concat!("Every named code with its Redfish ", $what, " name.")]
            pub const NAMED: &'static [(Self, &'static str)] = &[$((Self::$v, $n)),+];

            #[doc = concat!("The Redfish ", $what, " name; `None` for a code without one.")]
            pub fn redfish_name(self) -> Option<&'static str> {
                Self::NAMED.iter().find(|(c, _)| *c == self).map(|(_, n)| *n)
            }

            #[doc = concat!("The code a Redfish ", $what, " name stands for.")]
            pub fn from_redfish_name(name: &str) -> Option<Self> {
                Self::NAMED.iter().find(|(_, n)| *n == name).map(|(c, _)| *c)
            }
        }
    };
}

redfish_names!(
    NetworkService,
    "`ManagerNetworkProtocol` property",
    [
        (Http, "HTTP"),
        (Https, "HTTPS"),
        (Ssh, "SSH"),
        (Ssdp, "SSDP"),
        (Ipmi, "IPMI"),
        (Ntp, "NTP"),
        (Snmp, "SNMP"),
    ]
);
redfish_names!(
    Ipv4Origin,
    "`IPv4AddressOrigin`",
    [
        (Static, "Static"),
        (Dhcp, "DHCP"),
        (Bootp, "BOOTP"),
        (LinkLocal, "IPv4LinkLocal"),
    ]
);
redfish_names!(
    Ipv6Origin,
    "`IPv6AddressOrigin`",
    [
        (Static, "Static"),
        (Dhcpv6, "DHCPv6"),
        (LinkLocal, "LinkLocal"),
        (Slaac, "SLAAC"),
    ]
);
redfish_names!(
    Ipv6State,
    "`AddressState`",
    [
        (Preferred, "Preferred"),
        (Deprecated, "Deprecated"),
        (Tentative, "Tentative"),
        (Failed, "Failed"),
    ]
);

/// One IPv4 address of the card BMC (`OEM.md` §4.20).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ipv4Address {
    /// The address.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::text::ser::ipv4_one")
    )]
    pub address: [u8; 4],
    /// Prefix length (0..=32).
    pub prefix: u8,
    /// Where it came from.
    pub origin: Ipv4Origin,
    /// The default gateway on this address's network; zero: none.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::text::ser::ipv4_one")
    )]
    pub gateway: [u8; 4],
}

/// One IPv6 address of the card BMC (`OEM.md` §4.20).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ipv6Address {
    /// The address.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::text::ser::ipv6_one")
    )]
    pub address: [u8; 16],
    /// Prefix length (0..=128).
    pub prefix: u8,
    /// Where it came from.
    pub origin: Ipv6Origin,
    /// Its state.
    pub state: Ipv6State,
}

/// One network service of the card BMC and whether it is on (`OEM.md` §4.20).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceState {
    /// Which service.
    pub service: NetworkService,
    /// Whether it is enabled.
    pub enabled: bool,
    /// Its TCP or UDP port; zero: not known.
    pub port: u16,
}

/// The card BMC's own network interface and services (GetManagerNetwork, `OEM.md`
/// §4.20). Zero or empty means "not known"; a requester leaves such a value out.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManagerNetwork {
    /// The card BMC's UUID (Redfish `Manager.UUID`); zero: not known.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::uuid"))]
    pub uuid: [u8; 16],
    /// Whether the interface is enabled.
    pub enabled: bool,
    /// Whether its link is up.
    pub link_up: bool,
    /// Whether DHCPv4 configures it.
    pub dhcpv4: bool,
    /// Whether DHCPv6 configures it.
    pub dhcpv6: bool,
    /// Link speed in Mbit/s; zero: not known.
    pub speed_mbps: u32,
    /// Its MAC address.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::mac"))]
    pub mac: [u8; 6],
    /// Host name (no domain).
    pub host_name: String,
    /// Domain name; the FQDN is `host_name.domain_name`.
    pub domain_name: String,
    /// IPv4 addresses (at most [`MAX_ADDRESSES`](super::MAX_ADDRESSES)).
    pub ipv4: Vec<Ipv4Address>,
    /// IPv6 addresses (at most [`MAX_ADDRESSES`](super::MAX_ADDRESSES)).
    pub ipv6: Vec<Ipv6Address>,
    /// DNS servers in use, as text (at most [`MAX_NAME_SERVERS`](super::MAX_NAME_SERVERS)).
    pub name_servers: Vec<String>,
    /// Network services it offers (at most [`MAX_SERVICES`](super::MAX_SERVICES)).
    pub services: Vec<ServiceState>,
}

impl ManagerNetwork {
    /// The fully qualified domain name, when the host name is known.
    pub fn fqdn(&self) -> Option<String> {
        match (self.host_name.is_empty(), self.domain_name.is_empty()) {
            (true, _) => None,
            (false, true) => Some(self.host_name.clone()),
            (false, false) => Some(format!("{}.{}", self.host_name, self.domain_name)),
        }
    }
}

/// One static IPv4 address to configure (SetManagerNetwork, `OEM.md` §4.21).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StaticIpv4 {
    /// The address.
    pub address: [u8; 4],
    /// Prefix length (1..=32).
    pub prefix: u8,
    /// Default gateway; zero: none.
    pub gateway: [u8; 4],
}

/// A change of some of the card BMC's network settings (SetManagerNetwork, `OEM.md`
/// §4.21): each `Some` field is set, the others left as they are.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManagerNetworkUpdate {
    /// New host name.
    pub host_name: Option<String>,
    /// New domain name.
    pub domain_name: Option<String>,
    /// New static name servers (replacing all).
    pub name_servers: Option<Vec<String>>,
    /// DHCPv4 on or off.
    pub dhcpv4: Option<bool>,
    /// New static IPv4 addresses (replacing all).
    pub static_ipv4: Option<Vec<StaticIpv4>>,
}

/// Whether `name` is one DNS label of a host name (RFC 1123 §2.1): 1 to 63 letters,
/// digits and hyphens, not starting or ending with a hyphen.
fn is_label(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

impl ManagerNetworkUpdate {
    /// The rules of `OEM.md` §4.21 every responder applies before it changes anything;
    /// the error names the field first (`host_name:`, `domain_name:`, `name_servers:`,
    /// `ipv4:`), as InvalidParameter details do (§6).
    pub fn check(&self) -> Result<(), String> {
        if let Some(h) = &self.host_name {
            if !is_label(h) {
                return Err(format!(
                    "host_name: {h:?} is not a host name (1 to 63 letters, digits and hyphens, no hyphen at either end)"
                ));
            }
        }
        if let Some(d) = &self.domain_name {
            if !d.is_empty() && (d.len() > 253 || !d.split('.').all(is_label)) {
                return Err(format!("domain_name: {d:?} is not a domain name"));
            }
        }
        if let Some(list) = &self.name_servers {
            if list.len() > super::MAX_NAME_SERVERS {
                return Err("name_servers: more than 8".into());
            }
            if let Some(bad) = list
                .iter()
                .find(|n| n.parse::<core::net::IpAddr>().is_err())
            {
                return Err(format!("name_servers: {bad:?} is not an IP address"));
            }
        }
        if let Some(list) = &self.static_ipv4 {
            if self.dhcpv4 == Some(true) {
                return Err("ipv4: static addresses given with DHCPv4 turned on".into());
            }
            if list.len() > super::MAX_ADDRESSES {
                return Err("ipv4: more than 16 static addresses".into());
            }
            for a in list {
                let addr = core::net::Ipv4Addr::from(a.address);
                if !(1..=32).contains(&a.prefix) {
                    return Err(format!("ipv4: prefix length {} of {addr}", a.prefix));
                }
                if addr.is_unspecified()
                    || addr.is_multicast()
                    || addr.is_broadcast()
                    || addr.is_loopback()
                {
                    return Err(format!("ipv4: {addr} cannot be an interface's address"));
                }
                let mask = u32::MAX << (32 - u32::from(a.prefix));
                let gw = core::net::Ipv4Addr::from(a.gateway);
                if !gw.is_unspecified()
                    && (u32::from(gw) & mask != u32::from(addr) & mask || gw == addr)
                {
                    return Err(format!(
                        "ipv4: gateway {gw} is not another address on {addr}/{}",
                        a.prefix
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl ManagerNetwork {
    /// `self` after `u` (which passed [`ManagerNetworkUpdate::check`]): what a
    /// responder that applies it reports afterwards.
    pub fn apply(&mut self, u: &ManagerNetworkUpdate) {
        if let Some(h) = &u.host_name {
            self.host_name = h.clone();
        }
        if let Some(d) = &u.domain_name {
            self.domain_name = d.clone();
        }
        if let Some(n) = &u.name_servers {
            self.name_servers = n.clone();
        }
        if let Some(on) = u.dhcpv4 {
            self.dhcpv4 = on;
            let origin = if on {
                Ipv4Origin::Dhcp
            } else {
                Ipv4Origin::Static
            };
            for a in &mut self.ipv4 {
                a.origin = origin;
            }
        }
        if let Some(list) = &u.static_ipv4 {
            self.dhcpv4 = false;
            self.ipv4 = list
                .iter()
                .map(|a| Ipv4Address {
                    address: a.address,
                    prefix: a.prefix,
                    origin: Ipv4Origin::Static,
                    gateway: a.gateway,
                })
                .collect();
        }
    }
}

wire_enum! {
    /// What a sensor measures (`OEM.md` §4.22; Redfish `Sensor.ReadingType`).
    pub enum ReadingType(u8) {
        /// Temperature, °C.
        Temperature = 0x01,
        /// Power, W.
        Power = 0x02,
        /// Voltage, V.
        Voltage = 0x03,
        /// Current, A.
        Current = 0x04,
        /// Fan speed, RPM.
        FanSpeed = 0x05,
    }
}

impl ReadingType {
    /// The Redfish `ReadingType` and `ReadingUnits`; `None` for an unknown code.
    pub fn redfish(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Self::Temperature => ("Temperature", "Cel"),
            Self::Power => ("Power", "W"),
            Self::Voltage => ("Voltage", "V"),
            Self::Current => ("Current", "A"),
            Self::FanSpeed => ("Rotational", "RPM"),
            Self::Unknown(_) => return None,
        })
    }

    /// The type a Redfish `ReadingType` names.
    pub fn from_redfish(name: &str) -> Option<Self> {
        [
            Self::Temperature,
            Self::Power,
            Self::Voltage,
            Self::Current,
            Self::FanSpeed,
        ]
        .into_iter()
        .find(|t| t.redfish().is_some_and(|(n, _)| n == name))
    }
}

wire_enum! {
    /// Where a sensor is (`OEM.md` §4.22; Redfish `PhysicalContext`).
    pub enum PhysicalContext(u8) {
        /// Not known.
        NotKnown = 0x00,
        /// A processor.
        Cpu = 0x01,
        /// The network controller.
        NetworkingDevice = 0x02,
        /// The board.
        SystemBoard = 0x03,
        /// A power supply.
        PowerSupply = 0x04,
        /// A fan.
        Fan = 0x05,
        /// Memory.
        Memory = 0x06,
        /// A storage device.
        StorageDevice = 0x07,
        /// Air intake.
        Intake = 0x08,
        /// Air exhaust.
        Exhaust = 0x09,
        /// A transceiver (optical module).
        Transceiver = 0x0A,
    }
}

redfish_names!(
    PhysicalContext,
    "`PhysicalContext`",
    [
        (Cpu, "CPU"),
        (NetworkingDevice, "NetworkingDevice"),
        (SystemBoard, "SystemBoard"),
        (PowerSupply, "PowerSupply"),
        (Fan, "Fan"),
        (Memory, "Memory"),
        (StorageDevice, "StorageDevice"),
        (Intake, "Intake"),
        (Exhaust, "Exhaust"),
        (Transceiver, "Transceiver"),
    ]
);

/// Whether a sensor reading is inside its thresholds (`OEM.md` §4.22).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SensorState {
    /// Inside every threshold, or not known.
    Normal,
    /// At or beyond a caution threshold.
    Warning,
    /// At or beyond a critical threshold.
    Critical,
}

/// One sensor of the card (GetSensors, `OEM.md` §4.22). Readings and thresholds are
/// in thousandths of the reading type's unit.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sensor {
    /// Its name, unique on the card ([`is_sensor_name`]).
    pub name: String,
    /// What it measures.
    pub reading_type: ReadingType,
    /// Where it is.
    pub context: PhysicalContext,
    /// The reading; `None`: not known.
    pub reading: Option<i32>,
    /// Upper caution threshold.
    pub upper_caution: Option<i32>,
    /// Upper critical threshold.
    pub upper_critical: Option<i32>,
    /// Lower caution threshold.
    pub lower_caution: Option<i32>,
    /// Lower critical threshold.
    pub lower_critical: Option<i32>,
}

impl Sensor {
    /// The reading against the thresholds (`OEM.md` §4.22).
    pub fn state(&self) -> SensorState {
        let Some(r) = self.reading else {
            return SensorState::Normal;
        };
        let above = |t: Option<i32>| t.is_some_and(|t| r >= t);
        let below = |t: Option<i32>| t.is_some_and(|t| r <= t);
        if above(self.upper_critical) || below(self.lower_critical) {
            SensorState::Critical
        } else if above(self.upper_caution) || below(self.lower_caution) {
            SensorState::Warning
        } else {
            SensorState::Normal
        }
    }
}

/// Whether `name` may name a sensor (`OEM.md` §4.22): 1 to 64 letters, digits, `_`
/// and `-`.
pub fn is_sensor_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The card's sensors and power capacity (GetSensors, `OEM.md` §4.22).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sensors {
    /// The card's power capacity in W; zero: not known.
    pub capacity_watts: u32,
    /// Its sensors (at most [`MAX_SENSORS`](super::MAX_SENSORS)).
    pub sensors: Vec<Sensor>,
}

wire_enum! {
    /// A transceiver's form factor (`OEM.md` §4.23; Redfish `Port.SFP.Type`).
    pub enum TransceiverType(u8) {
        /// Not known.
        NotKnown = 0x00,
        /// SFP.
        Sfp = 0x01,
        /// SFP+.
        SfpPlus = 0x02,
        /// SFP28.
        Sfp28 = 0x03,
        /// QSFP.
        Qsfp = 0x04,
        /// QSFP+.
        QsfpPlus = 0x05,
        /// QSFP28.
        Qsfp28 = 0x06,
        /// QSFP56.
        Qsfp56 = 0x07,
        /// QSFP-DD.
        QsfpDd = 0x08,
        /// OSFP.
        Osfp = 0x09,
    }
}

redfish_names!(
    TransceiverType,
    "`SFPType`",
    [
        (Sfp, "SFP"),
        (SfpPlus, "SFPPlus"),
        (Sfp28, "SFP28"),
        (Qsfp, "QSFP"),
        (QsfpPlus, "QSFPPlus"),
        (Qsfp28, "QSFP28"),
        (Qsfp56, "QSFP56"),
        (QsfpDd, "QSFPDD"),
        (Osfp, "OSFP"),
    ]
);

wire_enum! {
    /// A transceiver's medium (`OEM.md` §4.23; Redfish `Port.SFP.MediumType`).
    pub enum Medium(u8) {
        /// Not known.
        NotKnown = 0x00,
        /// Copper (direct attach).
        Copper = 0x01,
        /// Optical fiber.
        FiberOptic = 0x02,
    }
}

redfish_names!(
    Medium,
    "`MediumType`",
    [(Copper, "Copper"), (FiberOptic, "FiberOptic")]
);

wire_enum! {
    /// A network device function's boot mode (`OEM.md` §4.23; Redfish `BootMode`).
    pub enum FunctionBootMode(u8) {
        /// The function does not boot the host.
        Disabled = 0x00,
        /// PXE.
        Pxe = 0x01,
        /// iSCSI.
        Iscsi = 0x02,
        /// Fibre Channel.
        FibreChannel = 0x03,
        /// Fibre Channel over Ethernet.
        FibreChannelOverEthernet = 0x04,
        /// HTTP.
        Http = 0x05,
    }
}

redfish_names!(
    FunctionBootMode,
    "`BootMode`",
    [
        (Disabled, "Disabled"),
        (Pxe, "PXE"),
        (Iscsi, "iSCSI"),
        (FibreChannel, "FibreChannel"),
        (FibreChannelOverEthernet, "FibreChannelOverEthernet"),
        (Http, "HTTP"),
    ]
);

impl FunctionBootMode {
    /// The mode's bit in a function's boot-mode byte (`OEM.md` §4.23); `None` for
    /// Disabled (always allowed) and unknown codes.
    pub fn bit(self) -> Option<u8> {
        match u8::from(self) {
            n @ 1..=5 => Some(1 << (n - 1)),
            _ => None,
        }
    }
}

/// The Redfish `NetworkDeviceTechnology` names of a function's technology bits
/// (`OEM.md` §4.23), bit 0 first.
pub const TECHNOLOGIES: [&str; 5] = [
    "Ethernet",
    "iSCSI",
    "FibreChannelOverEthernet",
    "FibreChannel",
    "InfiniBand",
];

/// A controller's PCIe link (`OEM.md` §4.23). Zero: not known.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PcieLink {
    /// Generation in use (1..6).
    pub generation: u8,
    /// Highest generation supported.
    pub max_generation: u8,
    /// Lanes in use.
    pub lanes: u8,
    /// Lanes at most.
    pub max_lanes: u8,
}

/// A transceiver's digital diagnostics (`OEM.md` §4.23).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Diagnostics {
    /// Received optical power, µW.
    pub rx_power_uw: u32,
    /// Transmitted optical power, µW.
    pub tx_power_uw: u32,
    /// Transmit bias current, µA.
    pub tx_bias_ua: u32,
    /// Supply voltage, mV.
    pub supply_mv: u32,
}

/// A port's transceiver (`OEM.md` §4.23).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transceiver {
    /// Its form factor.
    pub kind: TransceiverType,
    /// Its medium.
    pub medium: Medium,
    /// Its diagnostics, when known.
    pub diagnostics: Option<Diagnostics>,
}

/// A port's link abilities and transceiver (`OEM.md` §4.23).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterPort {
    /// The port's NC-SI channel id.
    pub channel: u8,
    /// Whether it can auto-negotiate its speed.
    pub autoneg_capable: bool,
    /// Its transceiver, when one is present.
    pub transceiver: Option<Transceiver>,
    /// The speeds it can run at, Mbit/s, ascending (at most [`MAX_SPEEDS`](super::MAX_SPEEDS)).
    pub speeds_mbps: Vec<u32>,
}

/// One function of the controller (`OEM.md` §4.23).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdapterFunction {
    /// The NC-SI channel id of its port; `None`: on no port.
    pub port: Option<u8>,
    /// Its PCIe function number.
    pub pcie_function: u8,
    /// Its technologies ([`TECHNOLOGIES`] bits).
    pub technologies: u8,
    /// The boot modes it supports ([`FunctionBootMode::bit`]s).
    pub boot_modes: u8,
    /// Whether its virtual functions are enabled.
    pub vfs_enabled: bool,
    /// Virtual functions at most.
    pub max_vfs: u16,
    /// Its permanent MAC; zero: not known.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::text::ser::mac"))]
    pub mac: [u8; 6],
}

/// A port's settings (`OEM.md` §4.23 settings block).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSettings {
    /// Auto-negotiation enabled.
    pub autoneg: bool,
    /// The configured speed, Mbit/s; zero with auto-negotiation.
    pub speed_mbps: u32,
}

/// A function's settings (`OEM.md` §4.23 settings block).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSettings {
    /// The function is enabled.
    pub enabled: bool,
    /// Its boot mode.
    pub boot_mode: FunctionBootMode,
}

/// What an operator may change on the adapter (`OEM.md` §4.23 settings block), in
/// the order of its ports and functions.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdapterSettings {
    /// NPAR enabled.
    pub npar: bool,
    /// Each port's.
    pub ports: Vec<PortSettings>,
    /// Each function's.
    pub functions: Vec<FunctionSettings>,
}

impl AdapterSettings {
    /// Checks `self` against `adapter` by the rules of `OEM.md` §4.24; the error is
    /// the InvalidParameter detail, the field first.
    pub fn check(&self, adapter: &NetworkAdapter) -> core::result::Result<(), String> {
        if self.ports.len() != adapter.ports.len() {
            return Err(format!(
                "ports: {} given, the adapter has {}",
                self.ports.len(),
                adapter.ports.len()
            ));
        }
        if self.functions.len() != adapter.functions.len() {
            return Err(format!(
                "functions: {} given, the adapter has {}",
                self.functions.len(),
                adapter.functions.len()
            ));
        }
        if self.npar && !adapter.npar_capable {
            return Err("npar: the controller is not NPAR capable".into());
        }
        for (i, (s, p)) in self.ports.iter().zip(&adapter.ports).enumerate() {
            if s.autoneg && !p.autoneg_capable {
                return Err(format!("port {i}: it cannot auto-negotiate"));
            }
            if s.autoneg && s.speed_mbps != 0 {
                return Err(format!(
                    "port {i}: a configured speed with auto-negotiation enabled"
                ));
            }
            if !s.autoneg && !p.speeds_mbps.contains(&s.speed_mbps) {
                return Err(format!(
                    "port {i}: {} Mbit/s is not among its speeds {:?}",
                    s.speed_mbps, p.speeds_mbps
                ));
            }
        }
        for (i, (s, f)) in self.functions.iter().zip(&adapter.functions).enumerate() {
            if let Some(bit) = s.boot_mode.bit()
                && f.boot_modes & bit == 0
            {
                return Err(format!(
                    "function {i}: it cannot boot by {}",
                    s.boot_mode.redfish_name().unwrap_or("that mode")
                ));
            }
            if s.boot_mode.bit().is_none() && s.boot_mode != FunctionBootMode::Disabled {
                return Err(format!("function {i}: unknown boot mode"));
            }
        }
        Ok(())
    }
}

/// The card's network adapter (GetNetworkAdapter, `OEM.md` §4.23).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkAdapter {
    /// NPAR capable.
    pub npar_capable: bool,
    /// SR-IOV capable.
    pub sriov_capable: bool,
    /// SR-IOV VEPA capable.
    pub sriov_vepa_capable: bool,
    /// The PCIe link.
    pub pcie: PcieLink,
    /// PCIe revision id.
    pub revision_id: u8,
    /// PCIe class code (24 bits); zero: not known.
    pub class_code: u32,
    /// Virtual functions the controller supports at most.
    pub max_vfs: u16,
    /// Virtual functions per port at most.
    pub max_vfs_per_port: u16,
    /// The smallest group of virtual functions assigned together.
    pub vf_group: u16,
    /// The SKU; empty: not known.
    pub sku: String,
    /// Its ports (at most [`MAX_ADAPTER_PORTS`](super::MAX_ADAPTER_PORTS)).
    pub ports: Vec<AdapterPort>,
    /// Its functions (at most [`MAX_FUNCTIONS`](super::MAX_FUNCTIONS)).
    pub functions: Vec<AdapterFunction>,
    /// The settings in force.
    pub current: AdapterSettings,
    /// The settings applied at the host's next reset, if any.
    pub pending: Option<AdapterSettings>,
}

impl NetworkAdapter {
    /// The settings a change starts from: the pending ones, else those in force.
    pub fn next_settings(&self) -> &AdapterSettings {
        self.pending.as_ref().unwrap_or(&self.current)
    }
}

/// A host firmware attribute's value (`OEM.md` §4.25), tagged with its type.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BiosValue {
    /// One of an enumeration's values (type 1).
    Enumeration(String),
    /// Free text (type 2).
    String(String),
    /// A signed integer (type 3).
    Integer(i64),
    /// A boolean (type 4).
    Boolean(bool),
}

impl BiosValue {
    /// The type code (`OEM.md` §4.25).
    pub fn type_code(&self) -> u8 {
        match self {
            Self::Enumeration(_) => 1,
            Self::String(_) => 2,
            Self::Integer(_) => 3,
            Self::Boolean(_) => 4,
        }
    }

    /// The Redfish registry `Type` of the value.
    pub fn redfish_type(&self) -> &'static str {
        ["Enumeration", "String", "Integer", "Boolean"][usize::from(self.type_code() - 1)]
    }
}

/// What values a host firmware attribute takes (`OEM.md` §4.25).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BiosKind {
    /// One of these (1 to 32).
    Enumeration(Vec<String>),
    /// Text of at most this many bytes.
    String(u16),
    /// An integer within these bounds, inclusive.
    Integer(i64, i64),
    /// A boolean.
    Boolean,
}

impl BiosKind {
    /// The type code (`OEM.md` §4.25).
    pub fn type_code(&self) -> u8 {
        match self {
            Self::Enumeration(_) => 1,
            Self::String(_) => 2,
            Self::Integer(..) => 3,
            Self::Boolean => 4,
        }
    }
}

/// One host firmware attribute (`OEM.md` §4.25).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BiosAttribute {
    /// Its name (Redfish attribute name; [`is_bios_name`]).
    pub name: String,
    /// What it takes.
    pub kind: BiosKind,
    /// Whether it cannot be changed.
    pub read_only: bool,
    /// Its value in force.
    pub value: BiosValue,
}

impl BiosAttribute {
    /// Whether `v` is a value of this attribute (`OEM.md` §4.25); the reason if not.
    pub fn admits(&self, v: &BiosValue) -> core::result::Result<(), String> {
        match (&self.kind, v) {
            (BiosKind::Enumeration(values), BiosValue::Enumeration(s)) => {
                if values.contains(s) {
                    Ok(())
                } else {
                    Err(format!("{s:?} is not one of {values:?}"))
                }
            }
            (BiosKind::String(max), BiosValue::String(s)) => {
                if s.len() <= usize::from(*max) {
                    Ok(())
                } else {
                    Err(format!("longer than {max} bytes"))
                }
            }
            (BiosKind::Integer(lo, hi), BiosValue::Integer(n)) => {
                if (lo..=hi).contains(&n) {
                    Ok(())
                } else {
                    Err(format!("{n} is outside {lo}..={hi}"))
                }
            }
            (BiosKind::Boolean, BiosValue::Boolean(_)) => Ok(()),
            _ => Err(format!("not a value of type {}", self.type_name())),
        }
    }

    /// The Redfish registry `Type` of the attribute.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            BiosKind::Enumeration(_) => "Enumeration",
            BiosKind::String(_) => "String",
            BiosKind::Integer(..) => "Integer",
            BiosKind::Boolean => "Boolean",
        }
    }
}

/// Whether `name` may name a host firmware attribute (`OEM.md` §4.25): 1 to 64
/// letters, digits and `_`.
pub fn is_bios_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// One change of SetBiosSettings (`OEM.md` §4.26).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BiosChange {
    /// The attribute.
    pub name: String,
    /// Its new value.
    pub value: BiosValue,
}

/// The host firmware's attributes (GetBios, `OEM.md` §4.25).
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bios {
    /// The attribute registry's name; empty: none.
    pub registry: String,
    /// The attributes with their values in force (at most
    /// [`MAX_BIOS_ATTRIBUTES`](super::MAX_BIOS_ATTRIBUTES)).
    pub attributes: Vec<BiosAttribute>,
    /// Values pending for the host's next start, by attribute index.
    pub pending: Vec<(u8, BiosValue)>,
}

impl Bios {
    /// The attribute named `name`, with its index.
    pub fn attribute(&self, name: &str) -> Option<(usize, &BiosAttribute)> {
        self.attributes
            .iter()
            .enumerate()
            .find(|(_, a)| a.name == name)
    }

    /// The pending value of attribute `i`, if any.
    pub fn pending_value(&self, i: usize) -> Option<&BiosValue> {
        self.pending
            .iter()
            .find(|(k, _)| usize::from(*k) == i)
            .map(|(_, v)| v)
    }

    /// Checks `changes` by the rules of `OEM.md` §4.26; the error is the
    /// InvalidParameter detail, the attribute first.
    pub fn check(&self, changes: &[BiosChange]) -> core::result::Result<(), String> {
        for (i, c) in changes.iter().enumerate() {
            let Some((_, a)) = self.attribute(&c.name) else {
                return Err(format!("{}: no such attribute", c.name));
            };
            if a.read_only {
                return Err(format!("{}: read-only", c.name));
            }
            a.admits(&c.value)
                .map_err(|why| format!("{}: {why}", c.name))?;
            if changes[..i].iter().any(|o| o.name == c.name) {
                return Err(format!("{}: given twice", c.name));
            }
        }
        Ok(())
    }

    /// Merges checked `changes` into the pending values (`OEM.md` §4.26): a change
    /// back to the value in force removes the attribute from the pending list.
    pub fn apply(&mut self, changes: &[BiosChange]) {
        for c in changes {
            let Some((i, a)) = self.attribute(&c.name) else {
                continue;
            };
            let same = a.value == c.value;
            self.pending.retain(|(k, _)| usize::from(*k) != i);
            if !same {
                self.pending.push((i as u8, c.value.clone()));
            }
        }
        self.pending.sort_by_key(|(k, _)| *k);
    }

    /// The host started: the pending values are in force (`OEM.md` §4.26).
    pub fn start(&mut self) {
        for (i, v) in std::mem::take(&mut self.pending) {
            if let Some(a) = self.attributes.get_mut(usize::from(i)) {
                a.value = v;
            }
        }
    }
}
