//! `GET /events`: what happens on the engine, as it happens.
//!
//! ```text
//! GET /v1.51/events?filters={"container":["web"]}
//! {"Type":"container","Action":"create","Actor":{"ID":"9c1e...","Attributes":{...}},"time":...}\n
//! {"Type":"container","Action":"start",...}\n
//! ...                                  (the stream stays open until `until`, or forever)
//! ```

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;

use crate::api::types::{EventMessage, EventMessageType};
use crate::container::stats::json_lines_error;
use crate::error::Result;
use crate::stream::JsonLines;
use crate::{Docker, Filters, Timeout};

/// Which events to receive ([`Docker::events`]).
///
/// ```
/// use wharf::events::EventsOptions;
///
/// let options = EventsOptions::new()
///     .since("10m")
///     .filter("type", "container")
///     .filter("event", "die");
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct EventsOptions {
    since: Option<String>,
    until: Option<String>,
    filters: Filters,
}

impl EventsOptions {
    /// All events from now on, forever.
    ///
    /// ```
    /// let options = wharf::events::EventsOptions::new();
    /// ```
    pub fn new() -> EventsOptions {
        EventsOptions::default()
    }

    /// Replays past events from this time: UNIX seconds (`1700000000`,
    /// `1700000000.5`), an RFC 3339 date, or a duration before now (`10m`).
    ///
    /// ```
    /// let options = wharf::events::EventsOptions::new().since("1700000000");
    /// ```
    pub fn since(mut self, time: impl Into<String>) -> EventsOptions {
        self.since = Some(time.into());
        self
    }

    /// Ends the stream at this time (same forms as [`since`](Self::since)).
    ///
    /// ```
    /// let options = wharf::events::EventsOptions::new().since("5m").until("0s");
    /// ```
    pub fn until(mut self, time: impl Into<String>) -> EventsOptions {
        self.until = Some(time.into());
        self
    }

    /// Adds a filter value: `type`, `event`, `container`, `image`, `label`,
    /// `network`, `volume`, ... Values of one name are alternatives; names
    /// must all match. A value given twice counts once.
    ///
    /// ```
    /// let options = wharf::events::EventsOptions::new()
    ///     .filter("label", "app=web")
    ///     .filter("event", "start")
    ///     .filter("event", "die");
    /// ```
    pub fn filter(mut self, name: impl Into<String>, value: impl Into<String>) -> EventsOptions {
        self.filters = std::mem::take(&mut self.filters).add(name, value);
        self
    }

    /// Only events of this type of object (the `type` filter): containers, images,
    /// networks, volumes, the daemon, ... Several calls: any of them.
    ///
    /// ```
    /// use wharf::api::types::EventMessageType;
    ///
    /// let options = wharf::events::EventsOptions::new()
    ///     .of_type(EventMessageType::Network)
    ///     .of_type(EventMessageType::Volume);
    /// ```
    pub fn of_type(self, kind: EventMessageType) -> EventsOptions {
        self.filter("type", kind.as_str())
    }

    /// Only events of objects with this label (`key` or `key=value`).
    ///
    /// ```
    /// let options = wharf::events::EventsOptions::new().label("app=web");
    /// ```
    pub fn label(self, label: impl Into<String>) -> EventsOptions {
        self.filter("label", label)
    }
}

/// The engine's events: a [`Stream`] of [`EventMessage`], made by
/// [`Docker::events`].
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use futures_util::TryStreamExt;
///
/// let mut events = docker.events(Default::default()).await?;
/// while let Some(event) = events.try_next().await? {
///     println!("{:?} {:?}", event.type_, event.action);
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct EventStream {
    inner: JsonLines<BoxStream<'static, Result<Bytes>>, EventMessage>,
}

impl Stream for EventStream {
    type Item = Result<EventMessage>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = ready!(self.inner.poll_next_unpin(cx));
        Poll::Ready(next.map(|item| item.map_err(json_lines_error)))
    }
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

impl Docker {
    /// Subscribes to the engine's events. The stream has no total timeout
    /// (only the client's stream idle timeout, if set): it stays open until
    /// `until`, or until dropped.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::events::EventsOptions;
    ///
    /// let mut deaths = docker
    ///     .events(EventsOptions::new().filter("type", "container").filter("event", "die"))
    ///     .await?;
    /// while let Some(event) = deaths.try_next().await? {
    ///     let id = event.actor.and_then(|a| a.id).unwrap_or_default();
    ///     println!("{id} died");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn events(&self, options: EventsOptions) -> Result<EventStream> {
        let api = self.generated().await?;
        let filters = options.filters.query();
        let call = api.system_events(
            filters.as_deref(),
            options.since.as_deref(),
            options.until.as_deref(),
        );
        let body = self.call(Timeout::Default, call).await?;
        Ok(EventStream {
            inner: JsonLines::new(crate::stream::body(body)),
        })
    }
}
