//! Streaming collected resources out of a scan while it runs.
//!
//! Collectors do not return their scope's resources as one list: they [`Emit::push`] each
//! mapped resource, and every [`BATCH`] resources (and at the end of a collector) the batch
//! goes through a bounded channel to whoever builds the inventory. A collector therefore holds
//! at most one batch plus the SDK page it is mapping; the scan as a whole holds nothing but
//! coverage and counters. The channel is bounded, so a slow consumer slows the collectors down
//! instead of letting batches pile up.
//!
//! A collector that fails after emitting some batches has already sent them: the consumer must
//! drop the resources of scopes whose coverage ended Failed (`InventoryBuilder::retain` in the
//! pipeline), exactly as if they had never been sent. Provider-neutral: the Azure runner uses
//! the same sink.

use skywarden_graph::Resource;
use tokio::sync::mpsc;

/// Resources per batch sent through the channel.
pub const BATCH: usize = 256;

/// Batches the channel holds before collectors wait for the consumer.
pub const CHANNEL_BATCHES: usize = 64;

/// The sending side, cloned into every scope of a scan.
#[derive(Debug, Clone)]
pub struct ResourceSink {
    tx: mpsc::Sender<Vec<Resource>>,
}

/// The receiving side: batches in the order collectors flushed them.
#[derive(Debug)]
pub struct ResourceStream {
    rx: mpsc::Receiver<Vec<Resource>>,
}

/// A bounded sink/stream pair.
pub fn channel() -> (ResourceSink, ResourceStream) {
    let (tx, rx) = mpsc::channel(CHANNEL_BATCHES);
    (ResourceSink { tx }, ResourceStream { rx })
}

impl ResourceSink {
    /// Sends one batch. If the consumer is gone (the scan was cancelled), the batch is dropped:
    /// nothing will be persisted anyway.
    pub async fn send(&self, batch: Vec<Resource>) {
        if !batch.is_empty() && self.tx.send(batch).await.is_err() {
            tracing::debug!("resource consumer gone; batch dropped");
        }
    }

    /// A per-collector emitter.
    pub fn emitter(&self) -> Emit {
        Emit {
            sink: self.clone(),
            buf: Vec::new(),
            count: 0,
        }
    }
}

impl ResourceStream {
    /// The next batch, or `None` when every sink clone has been dropped (the scan ended).
    pub async fn next(&mut self) -> Option<Vec<Resource>> {
        self.rx.recv().await
    }
}

/// What a collector pushes its mapped resources into.
#[derive(Debug)]
pub struct Emit {
    sink: ResourceSink,
    buf: Vec<Resource>,
    count: usize,
}

impl Emit {
    /// Adds one resource; sends the batch when it is full.
    pub async fn push(&mut self, r: Resource) {
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(BATCH);
        }
        self.buf.push(r);
        self.count += 1;
        if self.buf.len() >= BATCH {
            self.flush().await;
        }
    }

    /// Adds every resource of `rs` (e.g. one mapped SDK page).
    pub async fn extend(&mut self, rs: impl IntoIterator<Item = Resource>) {
        for r in rs {
            self.push(r).await;
        }
    }

    /// Sends what is buffered.
    pub async fn flush(&mut self) {
        if !self.buf.is_empty() {
            let batch = std::mem::take(&mut self.buf);
            self.sink.send(batch).await;
        }
    }

    /// Resources pushed so far.
    pub fn count(&self) -> usize {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use skywarden_graph::model::Vpc;

    use super::*;

    fn vpc(i: usize) -> Resource {
        Resource::new(
            format!("arn:aws:ec2:us-east-1:123456789012:vpc/vpc-{i}")
                .parse()
                .unwrap(),
            "123456789012".parse().unwrap(),
            "us-east-1".parse().unwrap(),
            BTreeMap::new(),
            Vpc {
                vpc_id: format!("vpc-{i}"),
                cidr_block: None,
                is_default: false,
                state: None,
            },
        )
    }

    #[tokio::test]
    async fn batches_are_bounded_and_nothing_is_lost() {
        let (sink, mut stream) = channel();
        let n = BATCH * 2 + 7;
        let producer = tokio::spawn(async move {
            let mut out = sink.emitter();
            for i in 0..n {
                out.push(vpc(i)).await;
            }
            out.flush().await;
            out.count()
        });
        let mut sizes = Vec::new();
        while let Some(b) = stream.next().await {
            sizes.push(b.len());
        }
        assert_eq!(producer.await.unwrap(), n);
        assert_eq!(sizes, vec![BATCH, BATCH, 7]);
    }

    #[tokio::test]
    async fn a_gone_consumer_does_not_block_or_fail_the_collector() {
        let (sink, stream) = channel();
        drop(stream);
        let mut out = sink.emitter();
        for i in 0..BATCH * (CHANNEL_BATCHES + 2) {
            out.push(vpc(i)).await;
        }
        out.flush().await;
        assert_eq!(out.count(), BATCH * (CHANNEL_BATCHES + 2));
    }
}
