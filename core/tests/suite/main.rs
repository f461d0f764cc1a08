//! The core's integration tests that share nothing process-wide, in one binary (one link, one
//! run across both cores). Tests that set environment variables, install a global log sink or
//! subscriber, or spawn this binary as a worker keep their own binaries beside this folder.
#[path = "../common/mod.rs"]
mod common;

mod a2a;
mod authcode;
mod call_options;
mod chat;
mod fault_matrix;
mod file_store_users;
mod fuzz_regressions;
mod hardening;
mod interop_a2a_python;
mod interop_mcp_node;
mod interop_mcp_python;
mod interop_oidc_provider;
mod jsonrpc;
mod mcp;
mod parity;
mod properties;
mod session;
mod tokens;
mod windows;
