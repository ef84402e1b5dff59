//! The sidebridge simulator: NC-SI network controllers and the card BMCs behind
//! them. The NC and card-BMC models arrive with the OEM/simulator issue; this crate
//! holds the workspace seam they plug into.
