//! The Chat API: requests, typed chunks, and a cancellable stream.
pub mod compact;
mod stream;
mod types;

pub(crate) use stream::spawn_stream;
pub use stream::{ChatStream, DEFAULT_MAX_REPLY_BYTES};
pub use types::*;
