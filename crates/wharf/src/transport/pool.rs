//! The connections of one endpoint: opened by its dialer, at most a cap of
//! them at once, the unused ones kept for the next exchange.
//!
//! A connection leaves the pool only after [`Conn::still_usable`] has looked
//! at it without waiting (open, hyper ready for a request, made on the
//! caller's runtime); one unused for [`IDLE_FOR`] is closed instead.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::conn::{Conn, Failure};
use super::io::Dial;

/// How long an unused connection stays in the pool.
const IDLE_FOR: Duration = Duration::from_secs(90);
/// How many unused connections the pool keeps.
const MAX_IDLE: usize = 128;

/// Opens connections, at most `cap` at a time, and keeps the unused ones.
pub(crate) struct Pool {
    dial: Dial,
    connect_timeout: Option<Duration>,
    idle: Mutex<Vec<(Conn, Instant)>>,
    permits: Arc<Semaphore>,
    cap: usize,
    /// Woken when a connection comes back to `idle`.
    returned: tokio::sync::Notify,
}

impl Pool {
    /// A pool opening connections with `dial`, at most `cap` open at once.
    pub(crate) fn new(dial: Dial, connect_timeout: Option<Duration>, cap: usize) -> Pool {
        Pool {
            dial,
            connect_timeout,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(cap)),
            cap,
            returned: tokio::sync::Notify::new(),
        }
    }

    /// How many connections are open (in use or idle), and how many of
    /// them are idle in the pool.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).len();
        (self.cap - self.permits.available_permits(), idle)
    }

    /// An idle connection that still answers, or a new one once the cap
    /// allows it. At the cap, it waits for whichever comes first: a
    /// connection closing (its permit) or one coming back to the pool
    /// (reused). Waiting for a permit alone would wait forever when every
    /// connection at the cap went back to the pool idle (each holds its
    /// permit), as happened over ssh (cap 8) with a ninth concurrent call.
    pub(super) async fn checkout(&self) -> Result<Conn, Failure> {
        loop {
            while let Some(mut conn) = self.take_idle() {
                if conn.still_usable() {
                    return Ok(conn.reuse());
                }
            }
            if let Ok(permit) = self.permits.clone().try_acquire_owned() {
                return self.connect(permit).await;
            }
            let returned = self.returned.notified();
            let mut returned = std::pin::pin!(returned);
            // registered before looking again: a connection put back from
            // now on wakes this wait
            returned.as_mut().enable();
            if self.has_idle() {
                continue;
            }
            let permit = self.permits.clone().acquire_owned();
            let mut permit = std::pin::pin!(permit);
            let permit = std::future::poll_fn(|cx| {
                if let Poll::Ready(permit) = permit.as_mut().poll(cx) {
                    return Poll::Ready(Some(permit.expect("the semaphore is never closed")));
                }
                returned.as_mut().poll(cx).map(|()| None)
            })
            .await;
            if let Some(permit) = permit {
                return self.connect(permit).await;
            }
        }
    }

    /// A new connection, under `permit`.
    ///
    /// The dial (unix, TCP, TLS, ssh, a proxy's CONNECT) is the largest
    /// future under a request, and most requests reuse a connection: it is
    /// boxed, so that it does not grow every exchange's future (each level
    /// of which is moved whole when it starts) for the one that dials.
    async fn connect(&self, permit: OwnedSemaphorePermit) -> Result<Conn, Failure> {
        Box::pin(async move {
            let io = self
                .dial
                .connect(self.connect_timeout)
                .await
                .map_err(Failure::Connect)?;
            Conn::open(io, permit).await
        })
        .await
    }

    fn has_idle(&self) -> bool {
        !self
            .idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    fn take_idle(&self) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((conn, since)) = idle.pop() {
            if since.elapsed() < IDLE_FOR {
                return Some(conn);
            }
        }
        None
    }

    /// Keeps a connection whose exchange is over, for reuse.
    pub(super) fn put(&self, conn: Conn) {
        if conn.is_done() {
            return;
        }
        let now = Instant::now();
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        // the oldest are first: drop those past their time
        let expired = idle
            .iter()
            .take_while(|(_, since)| now.duration_since(*since) >= IDLE_FOR)
            .count();
        idle.drain(..expired);
        if idle.len() < MAX_IDLE {
            idle.push((conn, now));
            drop(idle);
            self.returned.notify_one();
        }
    }
}
