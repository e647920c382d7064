//! The safe API on an explicit field backend, for differential tests, audits and
//! benchmarks.
//!
//! Each function does what its namesake in [`crate`], [`crate::raw`] or
//! [`crate::stream`] does, with the same checks and the same errors, but multiplies with
//! the given [`Backend`](crate::hazmat::Backend) instead of the one
//! [`Backend::detect`](crate::hazmat::Backend::detect) picks. Every backend gives the same
//! bytes; a `Backend` value exists only for a CPU that has its instructions.

pub use crate::envelope::{combine_detailed_on as combine_detailed, split_on as split};

/// Raw shares (`y bytes || x`, no integrity) on an explicit backend; see [`crate::raw`].
pub mod raw {
    pub use crate::raw::on_backend::{combine, combine_into, split, split_into};
}

/// Streaming split and combine on an explicit backend; see [`crate::stream`]. (The raw
/// streaming functions, [`crate::stream::split_raw`] and [`crate::stream::combine_raw`],
/// always take a backend.)
#[cfg(feature = "std")]
pub mod stream {
    pub use crate::stream::combine::combine_on as combine;
    pub use crate::stream::split::split_on as split;
}
