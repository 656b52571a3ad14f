//! The operating system's request to stop (SIGTERM from a supervisor, Ctrl-C in a
//! terminal), for the binaries' graceful shutdown. Depends on nothing but tokio.

use std::future::Future;

use tokio::signal::unix::{SignalKind, signal};

/// Registers for SIGTERM and SIGINT now, so that a signal arriving at any later moment is
/// seen, and returns a future that resolves when one arrives.
pub fn shutdown() -> std::io::Result<impl Future<Output = ()>> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM received"),
            _ = interrupt.recv() => tracing::info!("SIGINT received"),
        }
    })
}
