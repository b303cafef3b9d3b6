//! A request body streamed into a JS handler as it arrives: the connection's body with its
//! limit counted as it is read (`StreamedBody`), and the slot an isolate lends the body of
//! the request it serves through, read by the glue's `host:request` `read(id)`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::host::Linker;

/// The namespace of the glue's `read(id)`: the next chunk of the body of the request `id`
/// (a `Uint8Array`), `null` at its end; it rejects when the body breaks the limit, the
/// client's connection fails, or the request is over.
pub(crate) const MODULE: &str = "host:request";

/// A request body read as the handler asks for it, at most `limit` bytes in all.
#[derive(Debug)]
pub(crate) struct StreamedBody {
    incoming: Incoming,
    read: u64,
    limit: u64,
    over: Overflow,
}

/// Whether a streamed body went over its limit, for the connection's answer (413).
#[derive(Debug, Clone, Default)]
pub(crate) struct Overflow(Arc<AtomicBool>);

impl Overflow {
    pub fn happened(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl StreamedBody {
    pub fn new(incoming: Incoming, limit: u64) -> (StreamedBody, Overflow) {
        let over = Overflow::default();
        let body = StreamedBody {
            incoming,
            read: 0,
            limit,
            over: over.clone(),
        };
        (body, over)
    }

    /// The next chunk of data, `None` at the end (trailers are skipped).
    async fn next(&mut self) -> Result<Option<Bytes>, String> {
        if self.over.happened() {
            return Err(self.over_limit());
        }
        loop {
            let frame = match self.incoming.frame().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(format!("the request body was cut off: {e}")),
                Some(Ok(f)) => f,
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            self.read += data.len() as u64;
            if self.read > self.limit {
                self.over.0.store(true, Ordering::Relaxed);
                return Err(self.over_limit());
            }
            if !data.is_empty() {
                return Ok(Some(data));
            }
        }
    }

    fn over_limit(&self) -> String {
        format!(
            "the request body is over the server's limit of {} bytes",
            self.limit
        )
    }
}

/// The bodies of the requests an isolate serves now that stream, under the numbers the
/// glue reads them by. A request's body is there until the request is over (its response
/// sent and its `ctx.waitUntil` settled), so a response can stream from it.
#[derive(Clone, Default)]
pub(crate) struct BodySlot(Arc<Mutex<Lent>>);

type SharedBody = Arc<tokio::sync::Mutex<StreamedBody>>;

#[derive(Default)]
struct Lent {
    /// The number of the body lent last.
    last: u32,
    /// One at a time, unless the handler serves several requests at once.
    bodies: Vec<(u32, SharedBody)>,
}

impl BodySlot {
    fn lent(&self) -> std::sync::MutexGuard<'_, Lent> {
        // A panic while it was held left nothing half-done: the fields are set whole.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Defines [`MODULE`]'s `read` on `linker`, over this slot.
    pub fn define(&self, linker: &mut Linker) -> crate::Result<()> {
        let slot = self.clone();
        linker.func_async(MODULE, "read", move |id: u32| {
            let body = {
                let lent = slot.lent();
                lent.bodies
                    .iter()
                    .find(|(n, _)| *n == id)
                    .map(|(_, b)| b.clone())
            };
            async move {
                let Some(body) = body else {
                    return Err("the request is over: its body can no longer be read".to_string());
                };
                let mut body = body.lock().await;
                Ok(body.next().await?.map(Vec::from))
            }
        })?;
        Ok(())
    }

    /// Lends `body` for a request starting now; the number `read` takes for it.
    pub fn lend(&self, body: StreamedBody) -> u32 {
        let mut lent = self.lent();
        lent.last = lent.last.wrapping_add(1);
        let id = lent.last;
        lent.bodies
            .push((id, Arc::new(tokio::sync::Mutex::new(body))));
        id
    }

    /// The request whose body is `id` is over: its body, read or not, is let go (and the
    /// connection with it stops reading it), and a late `read` of it fails.
    pub fn end(&self, id: u32) {
        self.lent().bodies.retain(|(n, _)| *n != id);
    }

    /// Every request is over: [`BodySlot::end`] for each.
    pub fn end_all(&self) {
        self.lent().bodies.clear();
    }
}
