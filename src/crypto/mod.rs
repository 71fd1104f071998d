//! Cryptography for the secrets the service keeps: sealing single column values at rest.

pub mod sealed;
