//! NC-SI, DMTF DSP0222 1.2: control packets over RBT.
//!
//! Start at [`PacketRepr`] (a whole control packet as a value) or [`NcsiFrame`] (the
//! same in its Ethernet frame). [`ControlPacket`] is the zero-copy header view.

pub mod aen;
pub mod codes;
pub mod command;
pub mod fields;
pub mod frame;
pub mod header;
pub mod packet;
pub mod response;
pub mod vendor;

#[cfg(test)]
pub(crate) mod proptests;

pub use aen::Aen;
pub use codes::{CommandType, ReasonCode, ResponseCode};
pub use command::Command;
pub use fields::{
    AenControl, BroadcastFilter, CapabilityFlags, ConfigurationFlags, LinkSettings, LinkStatus,
    MulticastFilter, PartnerFlowControl, SpeedDuplex,
};
pub use frame::NcsiFrame;
pub use header::{ChannelId, ControlPacket, checksum};
pub use packet::{Body, PacketRepr};
pub use response::{
    Capabilities, ControllerPacketStatistics, LinkStatusData, NcsiStatistics, PackageStatus,
    Parameters, PassthroughStatistics, Response, ResponseData, VersionId,
};
pub use vendor::{OemCommand, OemResponse, VendorGetMac, VendorMac};
