//! The Redfish names of the OEM set's values (ComputerSystem.Boot, ResetType,
//! PowerState, BootProgress, IndicatorLED, HostWatchdogTimer, VirtualMedia), one table
//! each: the platform's resources render with them and the agent reads the card's
//! Redfish with them, so both sides spell every value the same way.

use crate::cards::{
    BootEnabled, BootMode, BootProgress, BootTarget, DriveMedia, DriveProtocol, IndicatorLed,
    InstructionSet, PowerState, ResetType, TransferProtocol, WatchdogAction,
};

/// Boot targets and their Redfish names.
pub const TARGETS: &[(BootTarget, &str)] = &[
    (BootTarget::None, "None"),
    (BootTarget::Pxe, "Pxe"),
    (BootTarget::Hdd, "Hdd"),
    (BootTarget::Cd, "Cd"),
    (BootTarget::Usb, "Usb"),
    (BootTarget::UefiHttp, "UefiHttp"),
    (BootTarget::UefiShell, "UefiShell"),
    (BootTarget::BiosSetup, "BiosSetup"),
    (BootTarget::Diags, "Diags"),
];
/// Instruction sets and their Redfish names (Processor `InstructionSet`).
pub const INSTRUCTION_SETS: &[(InstructionSet, &str)] = &[
    (InstructionSet::X86, "x86"),
    (InstructionSet::X86_64, "x86-64"),
    (InstructionSet::Ia64, "IA-64"),
    (InstructionSet::ArmA32, "ARM-A32"),
    (InstructionSet::ArmA64, "ARM-A64"),
    (InstructionSet::Mips32, "MIPS32"),
    (InstructionSet::Mips64, "MIPS64"),
    (InstructionSet::PowerIsa, "PowerISA"),
    (InstructionSet::Rv32, "RV32"),
    (InstructionSet::Rv64, "RV64"),
];
/// Drive media and their Redfish names (Drive `MediaType`).
pub const DRIVE_MEDIA: &[(DriveMedia, &str)] =
    &[(DriveMedia::Ssd, "SSD"), (DriveMedia::Hdd, "HDD")];
/// Drive protocols and their Redfish names (Drive `Protocol`, Protocol.json).
pub const DRIVE_PROTOCOLS: &[(DriveProtocol, &str)] = &[
    (DriveProtocol::Emmc, "eMMC"),
    (DriveProtocol::Nvme, "NVMe"),
    (DriveProtocol::Sata, "SATA"),
    (DriveProtocol::Sas, "SAS"),
    (DriveProtocol::Usb, "USB"),
];
/// Boot override enablement and its Redfish names.
pub const ENABLED: &[(BootEnabled, &str)] = &[
    (BootEnabled::Disabled, "Disabled"),
    (BootEnabled::Once, "Once"),
    (BootEnabled::Continuous, "Continuous"),
];
/// Boot modes and their Redfish names.
pub const MODES: &[(BootMode, &str)] = &[(BootMode::Legacy, "Legacy"), (BootMode::Uefi, "UEFI")];
/// Reset types and their Redfish names.
pub const RESETS: &[(ResetType, &str)] = &[
    (ResetType::On, "On"),
    (ResetType::ForceOff, "ForceOff"),
    (ResetType::GracefulShutdown, "GracefulShutdown"),
    (ResetType::GracefulRestart, "GracefulRestart"),
    (ResetType::ForceRestart, "ForceRestart"),
    (ResetType::PowerCycle, "PowerCycle"),
    (ResetType::Nmi, "Nmi"),
];

/// Identify LED states and their Redfish names.
pub const LEDS: &[(IndicatorLed, &str)] = &[
    (IndicatorLed::Off, "Off"),
    (IndicatorLed::Lit, "Lit"),
    (IndicatorLed::Blinking, "Blinking"),
];
/// Host watchdog actions and their Redfish names.
pub const WATCHDOG_ACTIONS: &[(WatchdogAction, &str)] = &[
    (WatchdogAction::None, "None"),
    (WatchdogAction::ResetSystem, "ResetSystem"),
    (WatchdogAction::PowerCycle, "PowerCycle"),
    (WatchdogAction::PowerDown, "PowerDown"),
];

/// Virtual media transfer protocols and their Redfish names.
pub const PROTOCOLS: &[(TransferProtocol, &str)] = &[
    (TransferProtocol::Cifs, "CIFS"),
    (TransferProtocol::Ftp, "FTP"),
    (TransferProtocol::Sftp, "SFTP"),
    (TransferProtocol::Http, "HTTP"),
    (TransferProtocol::Https, "HTTPS"),
    (TransferProtocol::Nfs, "NFS"),
    (TransferProtocol::Scp, "SCP"),
    (TransferProtocol::Tftp, "TFTP"),
];

/// The Redfish name of `v` in `table`.
pub fn name<T: PartialEq + Copy>(table: &[(T, &'static str)], v: T) -> Option<&'static str> {
    table.iter().find(|(t, _)| *t == v).map(|(_, n)| *n)
}

/// The value named `n` in `table`.
pub fn value<T: Copy>(table: &[(T, &'static str)], n: &str) -> Option<T> {
    table.iter().find(|(_, s)| *s == n).map(|(t, _)| *t)
}

/// The Redfish `ResetType` of a reset.
pub fn reset_name(t: ResetType) -> &'static str {
    name(RESETS, t).unwrap_or("On")
}

/// Redfish `PowerState`.
pub fn power_name(p: PowerState) -> Option<&'static str> {
    Some(match p {
        PowerState::Off => "Off",
        PowerState::On => "On",
        PowerState::PoweringOn => "PoweringOn",
        PowerState::PoweringOff => "PoweringOff",
        PowerState::Paused => "Paused",
        PowerState::Unknown(_) => return None,
    })
}

/// Redfish `BootProgress.LastState`.
pub fn progress_name(b: BootProgress) -> &'static str {
    match b {
        BootProgress::None => "None",
        BootProgress::PrimaryProcessorInitializationStarted => {
            "PrimaryProcessorInitializationStarted"
        }
        BootProgress::BusInitializationStarted => "BusInitializationStarted",
        BootProgress::MemoryInitializationStarted => "MemoryInitializationStarted",
        BootProgress::SecondaryProcessorInitializationStarted => {
            "SecondaryProcessorInitializationStarted"
        }
        BootProgress::PciResourceConfigStarted => "PCIResourceConfigStarted",
        BootProgress::SystemHardwareInitializationComplete => {
            "SystemHardwareInitializationComplete"
        }
        BootProgress::SetupEntered => "SetupEntered",
        BootProgress::OsBootStarted => "OSBootStarted",
        BootProgress::OsRunning => "OSRunning",
        BootProgress::Unknown(_) => "OEM",
    }
}
