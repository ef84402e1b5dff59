//! What can go wrong with a card, in the card's own terms. The Redfish layer maps each
//! kind to a status and a Base message (`redfish::mapping`); nothing here knows HTTP.

use crate::ncsi::{OemError, RequestError};
use sidebridge_protocol::oem::ResultCode;

/// Why a card operation did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// No card has this id.
    #[error("no card {0}")]
    NoSuchCard(String),
    /// No task has this id.
    #[error("no task {0}")]
    NoSuchTask(String),
    /// The card (or its network controller) does not answer on the sideband.
    #[error("card {card} cannot be reached: {reason}")]
    Unreachable {
        /// The card.
        card: String,
        /// What failed.
        reason: String,
    },
    /// The card has not reported the state the operation starts from yet.
    #[error("card {card} has not reported its {what} yet")]
    NotReady {
        /// The card.
        card: String,
        /// Which state.
        what: &'static str,
    },
    /// The card is busy or asked to try again (OEM.md §6: Busy, and the transfer
    /// errors a retry mends).
    #[error("card {card} is busy: {detail}")]
    Busy {
        /// The card.
        card: String,
        /// Its detail string.
        detail: String,
    },
    /// Not possible in the card's current state (an operation in progress, media
    /// already inserted).
    #[error("card {card} refused in its current state: {detail}")]
    Conflict {
        /// The card.
        card: String,
        /// Its detail string.
        detail: String,
    },
    /// The card refused the request with an OEM result code.
    #[error("card {card} refused with {result:?}: {detail}")]
    Refused {
        /// The card.
        card: String,
        /// The result code (OEM.md §6).
        result: ResultCode,
        /// Its detail string.
        detail: String,
    },
    /// The operation did not finish in time (on the card, or by our deadline).
    #[error("card {card}: {detail}")]
    TimedOut {
        /// The card.
        card: String,
        /// What timed out.
        detail: String,
    },
    /// The card answered something we cannot read, or we could not ask at all.
    #[error("card {card}: {reason}")]
    Protocol {
        /// The card.
        card: String,
        /// What went wrong.
        reason: String,
    },
}

impl CardError {
    /// The error an OEM exchange with `card` ended in.
    pub fn from_oem(card: &str, e: OemError) -> Self {
        let card = card.to_string();
        match e {
            OemError::Ncsi(RequestError::Timeout { .. })
            | OemError::NcsiRefused { .. }
            | OemError::Mctp(_) => CardError::Unreachable {
                card,
                reason: e.to_string(),
            },
            OemError::Ncsi(_) | OemError::Malformed(_) => CardError::Protocol {
                card,
                reason: e.to_string(),
            },
            OemError::Deadline { .. } => CardError::TimedOut {
                card,
                detail: e.to_string(),
            },
            OemError::Card { result, detail } => match result {
                ResultCode::Busy
                | ResultCode::UnsupportedVersion
                | ResultCode::IntegrityError
                | ResultCode::ChunkOutOfOrder => CardError::Busy { card, detail },
                ResultCode::InvalidState | ResultCode::MediaPresent => {
                    CardError::Conflict { card, detail }
                }
                ResultCode::OperationTimeout => CardError::TimedOut { card, detail },
                result => CardError::Refused {
                    card,
                    result,
                    detail,
                },
            },
        }
    }
}

/// A card operation's result.
pub type CardResult<T> = Result<T, CardError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn card(result: ResultCode) -> CardError {
        CardError::from_oem(
            "c",
            OemError::Card {
                result,
                detail: "d".into(),
            },
        )
    }

    #[test]
    fn result_codes_become_the_kinds_of_failure() {
        assert!(matches!(card(ResultCode::Busy), CardError::Busy { .. }));
        assert!(matches!(
            card(ResultCode::IntegrityError),
            CardError::Busy { .. }
        ));
        assert!(matches!(
            card(ResultCode::MediaPresent),
            CardError::Conflict { .. }
        ));
        assert!(matches!(
            card(ResultCode::OperationTimeout),
            CardError::TimedOut { .. }
        ));
        assert_eq!(
            card(ResultCode::NoMedia),
            CardError::Refused {
                card: "c".into(),
                result: ResultCode::NoMedia,
                detail: "d".into()
            }
        );
        let deadline = CardError::from_oem(
            "c",
            OemError::Deadline {
                sequence: 1,
                seconds: 600,
            },
        );
        assert!(matches!(deadline, CardError::TimedOut { .. }));
        assert!(matches!(
            CardError::from_oem("c", OemError::Malformed("x".into())),
            CardError::Protocol { .. }
        ));
    }
}
