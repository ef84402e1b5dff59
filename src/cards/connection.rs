//! How each card's network controller is reached: the sideband path the platform
//! configured (NC-SI over RBT, NC-SI over MCTP on a serial line or the kernel's
//! stack), one default and per-package exceptions.

use std::collections::BTreeMap;

/// The path from this BMC to a card's network controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// NC-SI over RBT on the sideband interface (raw socket or the kernel's driver).
    Rbt,
    /// NC-SI over MCTP (DSP0261) on a serial line (DSP0253), the controller at `eid`.
    MctpSerial {
        /// The tty.
        device: String,
        /// The controller's EID.
        eid: u8,
    },
    /// NC-SI over the kernel's MCTP stack (`AF_MCTP`), the controller at `eid`.
    MctpKernel {
        /// The controller's EID.
        eid: u8,
    },
    /// The card's BMC as its own MCTP endpoint on a serial line, the OEM set as
    /// vendor-defined messages (OEM.md §2.1); no NC-SI.
    CardBmcSerial {
        /// The tty.
        device: String,
        /// The card BMC's EID.
        eid: u8,
    },
    /// The card's BMC as its own MCTP endpoint on the kernel's stack (`AF_MCTP`).
    CardBmcKernel {
        /// The card BMC's EID.
        eid: u8,
    },
    /// No NC-SI path at all (`[ncsi] transport = "none"`): only card-BMC links.
    None,
}

impl Connection {
    /// Whether two connections are the same path: one serial line is one path
    /// whatever EIDs are on it.
    pub fn same_path(&self, other: &Connection) -> bool {
        match (self, other) {
            (
                Connection::MctpSerial { device: a, .. },
                Connection::MctpSerial { device: b, .. },
            ) => a == b,
            (a, b) => a == b,
        }
    }
}

/// The path of every card: one default, the packages reached another way, and the
/// card BMCs reached as their own MCTP endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connections {
    default: Connection,
    by_package: BTreeMap<u8, Connection>,
    card_bmcs: Vec<Connection>,
}

impl From<Connection> for Connections {
    fn from(default: Connection) -> Self {
        Connections {
            default,
            by_package: BTreeMap::new(),
            card_bmcs: Vec::new(),
        }
    }
}

impl Connections {
    /// `package` is reached by `connection`.
    pub fn with_package(mut self, package: u8, connection: Connection) -> Self {
        self.by_package.insert(package, connection);
        self
    }

    /// The `n`th card-BMC link is `connection`.
    pub fn with_card_bmc(mut self, connection: Connection) -> Self {
        self.card_bmcs.push(connection);
        self
    }

    /// The card-BMC links, in configuration order.
    pub fn card_bmcs(&self) -> &[Connection] {
        &self.card_bmcs
    }

    /// How a card reached as `reach` is reached.
    pub fn for_reach(&self, reach: super::model::Reach) -> &Connection {
        match reach {
            super::model::Reach::Package(p) => self.for_package(p),
            super::model::Reach::CardBmc(n) => self.card_bmcs.get(n).unwrap_or(&Connection::None),
        }
    }

    /// How `package` is reached.
    pub fn for_package(&self, package: u8) -> &Connection {
        self.by_package.get(&package).unwrap_or(&self.default)
    }

    /// Every distinct path, the default first (unless it is [`Connection::None`]).
    pub fn all(&self) -> Vec<&Connection> {
        let mut out = vec![&self.default];
        out.retain(|c| **c != Connection::None);
        for c in self.by_package.values().chain(&self.card_bmcs) {
            if !out.iter().any(|o| o.same_path(c)) {
                out.push(c);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_listed_once_each() {
        let serial = |eid| Connection::MctpSerial {
            device: "/dev/ttyS2".into(),
            eid,
        };
        let c = Connections::from(Connection::Rbt)
            .with_package(1, serial(9))
            .with_package(2, serial(10))
            .with_package(3, Connection::MctpKernel { eid: 11 });
        assert_eq!(c.all().len(), 3);
        assert_eq!(c.for_package(0), &Connection::Rbt);
        assert_eq!(c.for_package(2), &serial(10));
    }
}
