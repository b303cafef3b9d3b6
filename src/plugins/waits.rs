//! Which plugin isolates are waiting on which (a wait-for graph), so a call between
//! plugins that could never be served is refused instead of hanging.
//!
//! Each isolate runs one call at a time. While a call in isolate A awaits a call into B,
//! A can serve nothing else; if B (or anything B is waiting on) then calls A, neither can
//! go on. So before a call from A into B is sent, the edge A -> B is added unless B already
//! reaches A — a plugin calling itself, two plugins calling each other, or a longer loop
//! through calls made from different tasks. The edge lasts as long as A waits.

use std::sync::{Arc, Mutex};

/// The edges `from -> to` (isolate indices), one per call in flight; the same pair may
/// appear once per call.
#[derive(Debug, Default)]
pub(crate) struct Waits {
    edges: Mutex<Vec<(usize, usize)>>,
}

/// An edge of the graph, removed when dropped (the call got its answer, or was abandoned).
pub(crate) struct Waiting {
    waits: Arc<Waits>,
    edge: (usize, usize),
}

impl Waits {
    /// Records that `from` waits on `to`, unless `to` already waits (transitively) on
    /// `from`; then returns the cycle, `from` first and last.
    pub fn wait(self: &Arc<Self>, from: usize, to: usize) -> Result<Waiting, Vec<usize>> {
        let mut edges = self.edges.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut path) = path(&edges, to, from) {
            path.insert(0, from);
            return Err(path);
        }
        edges.push((from, to));
        Ok(Waiting {
            waits: self.clone(),
            edge: (from, to),
        })
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut edges = self.waits.edges.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = edges.iter().position(|e| *e == self.edge) {
            edges.swap_remove(i);
        }
    }
}

/// A path `from -> ... -> to` along the edges, if there is one (`[to]` when they are the
/// same isolate).
fn path(edges: &[(usize, usize)], from: usize, to: usize) -> Option<Vec<usize>> {
    let mut stack = vec![vec![from]];
    let mut seen = vec![from];
    while let Some(p) = stack.pop() {
        let last = *p.last()?;
        if last == to {
            return Some(p);
        }
        for &(a, b) in edges {
            if a == last && !seen.contains(&b) {
                seen.push(b);
                let mut next = p.clone();
                next.push(b);
                stack.push(next);
            }
        }
    }
    None
}
