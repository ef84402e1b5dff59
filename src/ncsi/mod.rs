//! The management-controller side of NC-SI (DSP0222 1.2).

mod manager;
mod oem_client;
mod requester;

pub use manager::{
    ChannelInfo, ChannelRole, ChannelStatistics, Event, Manager, ManagerConfig, PackageInfo,
    Topology,
};
pub use oem_client::{OemClient, OemError};
pub use requester::{Counters, RequestError, Requester, Timing};
