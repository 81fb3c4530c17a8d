//! Quota-aware rate limiting and API call accounting.
//!
//! Every AWS call a collector makes goes through a [`Gate`]: first a token from the bucket of
//! its (account, region, service), then a permit from the scan's global bound on calls in
//! flight. Buckets adapt: a throttled response (seen by [`CallObserver`], an SDK interceptor
//! on every client) halves the bucket's rate and empties it; each successful response adds back
//! 5 % of the configured rate (AIMD, as TCP and the SDK's own adaptive mode do). The SDK's
//! retry strategy then retries the throttled attempt with jittered exponential back-off,
//! honouring the service's retry hints (`x-amz-retry-after`).
//!
//! Defaults ([`RateLimits::default`]) stay well below the published or observed quotas, so a
//! scan leaves headroom for the account's own workloads:
//!
//! | service | rate/s | burst | AWS quota it is sized against |
//! |---|---|---|---|
//! | ec2 | 20 | 50 | non-mutating actions bucket: 100 burst, 20/s refill per account and region |
//! | elbv2 | 10 | 20 | Describe* ~ 10/s per account and region |
//! | kms | 20 | 40 | ListKeys/DescribeKey shared quota, hundreds per second |
//! | rds | 8 | 20 | Describe* token bucket: 40 burst, 8/s refill |
//! | cloudtrail | 5 | 10 | DescribeTrails / GetTrailStatus: 10/s |
//! | lambda | 10 | 15 | control-plane reads: 15/s |
//! | s3 | 50 | 100 | bucket configuration reads (per bucket prefix quota is far higher) |
//! | iam | 10 | 20 | IAM read APIs (account-wide; unpublished, throttles from ~20/s) |
//! | sts | 20 | 40 | |
//! | organizations | 2 | 5 | Organizations: ~ a few requests per second per account |
//!
//! Counters of calls, attempts, retries and throttles per service are recorded with the scan.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde::{Deserialize, Serialize};
use skywarden_graph::{AccountId, Region};
use std::time::Instant;
use tokio::sync::Semaphore;

/// An AWS service the scanner calls, for rate limits and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    Ec2,
    Elbv2,
    Kms,
    Rds,
    Cloudtrail,
    Lambda,
    S3,
    Iam,
    Sts,
    Organizations,
    /// Azure Resource Manager: subscriptions and resource groups (`Microsoft.Resources`).
    ArmResources,
    /// `Microsoft.Compute`: virtual machines, disks, snapshots.
    ArmCompute,
    /// `Microsoft.Network`: interfaces, public IPs, virtual networks, NSGs, load balancers.
    ArmNetwork,
    /// `Microsoft.Storage`.
    ArmStorage,
    /// `Microsoft.KeyVault`.
    ArmKeyVault,
    /// `Microsoft.Sql`.
    ArmSql,
}

impl Service {
    pub const ALL: [Service; 16] = [
        Service::Ec2,
        Service::Elbv2,
        Service::Kms,
        Service::Rds,
        Service::Cloudtrail,
        Service::Lambda,
        Service::S3,
        Service::Iam,
        Service::Sts,
        Service::Organizations,
        Service::ArmResources,
        Service::ArmCompute,
        Service::ArmNetwork,
        Service::ArmStorage,
        Service::ArmKeyVault,
        Service::ArmSql,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::Elbv2 => "elbv2",
            Service::Kms => "kms",
            Service::Rds => "rds",
            Service::Cloudtrail => "cloudtrail",
            Service::Lambda => "lambda",
            Service::S3 => "s3",
            Service::Iam => "iam",
            Service::Sts => "sts",
            Service::Organizations => "organizations",
            Service::ArmResources => "arm_resources",
            Service::ArmCompute => "arm_compute",
            Service::ArmNetwork => "arm_network",
            Service::ArmStorage => "arm_storage",
            Service::ArmKeyVault => "arm_key_vault",
            Service::ArmSql => "arm_sql",
        }
    }
    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token bucket's configured rate (tokens per second) and capacity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

/// Rate limits of one scan.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    /// Per (account, region, service) bucket; see the module docs for the defaults.
    pub per_service: BTreeMap<Service, Rate>,
    /// Calls in flight across the whole scan (every account, region and service).
    pub max_in_flight: usize,
}

impl Default for RateLimits {
    fn default() -> Self {
        let r = |per_second, burst| Rate { per_second, burst };
        RateLimits {
            per_service: BTreeMap::from([
                (Service::Ec2, r(20.0, 50.0)),
                (Service::Elbv2, r(10.0, 20.0)),
                (Service::Kms, r(20.0, 40.0)),
                (Service::Rds, r(8.0, 20.0)),
                (Service::Cloudtrail, r(5.0, 10.0)),
                (Service::Lambda, r(10.0, 15.0)),
                (Service::S3, r(50.0, 100.0)),
                (Service::Iam, r(10.0, 20.0)),
                (Service::Sts, r(20.0, 40.0)),
                (Service::Organizations, r(2.0, 5.0)),
                // ARM refills 25 reads/s per (subscription, region of the ARM instance) in
                // buckets of 250 (the 2024 throttling model); we stay well below per provider.
                (Service::ArmResources, r(10.0, 20.0)),
                (Service::ArmCompute, r(10.0, 20.0)),
                (Service::ArmNetwork, r(10.0, 20.0)),
                (Service::ArmStorage, r(5.0, 10.0)),
                (Service::ArmKeyVault, r(5.0, 10.0)),
                (Service::ArmSql, r(5.0, 10.0)),
            ]),
            max_in_flight: 32,
        }
    }
}

impl RateLimits {
    fn rate(&self, service: Service) -> Rate {
        self.per_service.get(&service).copied().unwrap_or(Rate {
            per_second: 10.0,
            burst: 20.0,
        })
    }
    /// Multiplies every rate and burst by `factor` (e.g. `--rate-scale 0.5` on a busy account).
    pub fn scaled(mut self, factor: f64) -> Self {
        let f = if factor.is_finite() && factor > 0.0 {
            factor
        } else {
            1.0
        };
        for r in self.per_service.values_mut() {
            r.per_second *= f;
            r.burst = (r.burst * f).max(1.0);
        }
        self
    }
}

/// The lowest rate a throttled bucket falls to.
const MIN_RATE: f64 = 0.2;

#[derive(Debug)]
struct BucketState {
    tokens: f64,
    rate: f64,
    last: Instant,
}

/// One adaptive token bucket.
#[derive(Debug)]
pub(crate) struct Bucket {
    configured: Rate,
    state: Mutex<BucketState>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a bucket inconsistent (plain numbers).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Bucket {
    fn new(configured: Rate) -> Self {
        let rate = configured.per_second.max(MIN_RATE);
        Bucket {
            configured: Rate {
                per_second: rate,
                burst: configured.burst.max(1.0),
            },
            state: Mutex::new(BucketState {
                tokens: configured.burst.max(1.0),
                rate,
                last: Instant::now(),
            }),
        }
    }

    fn refill(&self, s: &mut BucketState, now: Instant) {
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.last = s.last.max(now);
        s.tokens = (s.tokens + elapsed * s.rate).min(self.configured.burst);
    }

    /// Takes a token at `now`, or says how long to wait for one.
    fn take_at(&self, now: Instant) -> Result<(), Duration> {
        let mut s = lock(&self.state);
        self.refill(&mut s, now);
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64(
            ((1.0 - s.tokens) / s.rate).max(0.001),
        ))
    }

    /// Waits for one token.
    pub(crate) async fn acquire(&self) {
        while let Err(wait) = self.take_at(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }

    /// Multiplicative decrease: half the rate, and no burst until it refills.
    pub(crate) fn on_throttle(&self) {
        self.on_throttle_at(Instant::now());
    }

    fn on_throttle_at(&self, now: Instant) {
        let mut s = lock(&self.state);
        self.refill(&mut s, now);
        s.rate = (s.rate / 2.0).max(MIN_RATE);
        s.tokens = s.tokens.min(0.0);
    }

    /// Additive increase back towards the configured rate.
    pub(crate) fn on_success(&self) {
        let mut s = lock(&self.state);
        s.rate = (s.rate + self.configured.per_second * 0.05).min(self.configured.per_second);
    }

    pub(crate) fn current_rate(&self) -> f64 {
        lock(&self.state).rate
    }
}

/// Calls, attempts, retries and throttled responses of one service in one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceCalls {
    /// Operations started (one per call, however many attempts it took).
    pub calls: u64,
    /// HTTP attempts, retries included.
    pub attempts: u64,
    /// `attempts - calls`.
    pub retries: u64,
    /// Attempts answered with a throttling error.
    pub throttles: u64,
}

#[derive(Debug, Default)]
struct Counters {
    calls: AtomicU64,
    attempts: AtomicU64,
    throttles: AtomicU64,
}

/// (account, or none before identification; region; service).
type BucketKey = (Option<AccountId>, Region, Service);

/// The scan-wide limiter: buckets, the in-flight bound, the counters.
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<BucketKey, Arc<Bucket>>>,
    in_flight: Semaphore,
    counters: [Counters; Service::ALL.len()],
}

impl Limiter {
    pub(crate) fn new(limits: RateLimits) -> Arc<Self> {
        let permits = limits.max_in_flight.clamp(1, Semaphore::MAX_PERMITS);
        Arc::new(Limiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
            in_flight: Semaphore::new(permits),
            counters: Default::default(),
        })
    }

    fn bucket(
        &self,
        account: &Option<AccountId>,
        region: &Region,
        service: Service,
    ) -> Arc<Bucket> {
        let mut map = lock(&self.buckets);
        map.entry((account.clone(), region.clone(), service))
            .or_insert_with(|| Arc::new(Bucket::new(self.limits.rate(service))))
            .clone()
    }

    /// Per-service counters, services without calls left out.
    pub(crate) fn calls(&self) -> BTreeMap<Service, ServiceCalls> {
        Service::ALL
            .iter()
            .filter_map(|s| {
                let c = &self.counters[s.index()];
                let calls = c.calls.load(Ordering::Relaxed);
                let attempts = c.attempts.load(Ordering::Relaxed);
                (attempts > 0 || calls > 0).then(|| {
                    (
                        *s,
                        ServiceCalls {
                            calls,
                            attempts,
                            retries: attempts.saturating_sub(calls),
                            throttles: c.throttles.load(Ordering::Relaxed),
                        },
                    )
                })
            })
            .collect()
    }
}

/// The limiter as seen from one (account, region).
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    limiter: Arc<Limiter>,
    /// `None` before the caller's account is known (the first STS call).
    account: Option<AccountId>,
    region: Region,
}

impl Gate {
    pub(crate) fn new(limiter: Arc<Limiter>, account: AccountId, region: Region) -> Self {
        Gate {
            limiter,
            account: Some(account),
            region,
        }
    }

    /// For calls made before the account is known.
    pub(crate) fn unidentified(limiter: Arc<Limiter>, region: Region) -> Self {
        Gate {
            limiter,
            account: None,
            region,
        }
    }

    pub(crate) fn in_region(&self, region: &Region) -> Gate {
        Gate {
            region: region.clone(),
            ..self.clone()
        }
    }

    /// A token of the (account, region, service) bucket, then a global in-flight permit, held
    /// for the call.
    pub(crate) async fn call<F: Future>(&self, service: Service, call: F) -> F::Output {
        self.limiter
            .bucket(&self.account, &self.region, service)
            .acquire()
            .await;
        // The semaphore is never closed, so acquiring cannot fail; if it somehow did, the call
        // proceeds unbounded rather than not at all.
        let _permit = self.limiter.in_flight.acquire().await.ok();
        call.await
    }

    /// The interceptor for a client of `service` in this gate's region.
    pub(crate) fn observer(&self, service: Service) -> CallObserver {
        CallObserver {
            service,
            bucket: self.limiter.bucket(&self.account, &self.region, service),
            limiter: self.limiter.clone(),
        }
    }

    /// The adaptive bucket of `service` in this gate's (account, region).
    pub(crate) fn bucket(&self, service: Service) -> Arc<Bucket> {
        self.limiter.bucket(&self.account, &self.region, service)
    }

    /// Counts one logical call (for clients without an SDK interceptor: Azure).
    pub(crate) fn count_call(&self, service: Service) {
        self.limiter.counters[service.index()]
            .calls
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one attempt of a call.
    pub(crate) fn count_attempt(&self, service: Service) {
        self.limiter.counters[service.index()]
            .attempts
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one throttled response.
    pub(crate) fn count_throttle(&self, service: Service) {
        self.limiter.counters[service.index()]
            .throttles
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn observer_in(&self, region: &Region, service: Service) -> CallObserver {
        self.in_region(region).observer(service)
    }
}

/// SDK interceptor: counts calls and attempts, recognises throttled responses and slows the
/// bucket down, speeds it up again on success.
#[derive(Debug, Clone)]
pub(crate) struct CallObserver {
    service: Service,
    bucket: Arc<Bucket>,
    limiter: Arc<Limiter>,
}

impl CallObserver {
    fn counters(&self) -> &Counters {
        &self.limiter.counters[self.service.index()]
    }
}

impl Intercept for CallObserver {
    fn name(&self) -> &'static str {
        "skywarden-call-observer"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.counters().calls.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.counters().attempts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(response) = context.response() else {
            return Ok(());
        };
        let status = response.status().as_u16();
        let error_type = response.headers().get("x-amzn-errortype");
        let body = response.body().bytes();
        if is_throttle(status, error_type, body) {
            self.counters().throttles.fetch_add(1, Ordering::Relaxed);
            self.bucket.on_throttle();
            tracing::debug!(service = %self.service, status, rate = self.bucket.current_rate(), "throttled; bucket slowed down");
        } else if status < 400 {
            self.bucket.on_success();
        }
        Ok(())
    }
}

/// Whether a response is a throttling error, from its status, the JSON protocols'
/// `x-amzn-ErrorType` header and the error code in an XML or JSON body.
pub(crate) fn is_throttle(status: u16, error_type: Option<&str>, body: Option<&[u8]>) -> bool {
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    let is_code = |c: &str| {
        crate::aws::classify_code(Some(c), None) == skywarden_graph::ErrorClass::Throttled
    };
    if let Some(t) = error_type {
        let code = t.split(':').next().unwrap_or(t);
        let code = code.rsplit('#').next().unwrap_or(code);
        if is_code(code) {
            return true;
        }
    }
    let Some(body) = body else { return false };
    let head = &body[..body.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    // XML: <Code>Throttling</Code>; JSON: "__type":"...#ThrottlingException" or "code":"...".
    if let Some(code) = between(&text, "<Code>", "</Code>") {
        return is_code(code.trim());
    }
    for key in ["\"__type\"", "\"code\"", "\"Code\""] {
        if let Some(rest) = text.split_once(key).map(|(_, r)| r) {
            if let Some(v) = between(rest, "\"", "\"") {
                let v = v.rsplit('#').next().unwrap_or(v);
                if is_code(v) {
                    return true;
                }
            }
        }
    }
    false
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_are_recognised_in_every_protocol() {
        let ec2 = br#"<?xml version="1.0"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors></Response>"#;
        assert!(is_throttle(503, None, Some(ec2)));
        let iam = br#"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"#;
        assert!(is_throttle(400, None, Some(iam)));
        let s3 = br#"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"#;
        assert!(is_throttle(503, None, Some(s3)));
        let json =
            br#"{"__type":"com.amazonaws.kms#ThrottlingException","message":"Rate exceeded"}"#;
        assert!(is_throttle(400, None, Some(json)));
        assert!(is_throttle(
            400,
            Some("ThrottlingException:http://internal.amazon.com/"),
            None
        ));
        assert!(is_throttle(429, None, None));
        // Not throttling: access denied, success bodies that mention the word.
        let denied = br#"<Response><Errors><Error><Code>UnauthorizedOperation</Code></Error></Errors></Response>"#;
        assert!(!is_throttle(403, None, Some(denied)));
        assert!(!is_throttle(200, None, Some(b"<Code>Throttling</Code>")));
        assert!(!is_throttle(500, None, Some(b"<Code>InternalError</Code>")));
    }

    fn bucket(per_second: f64, burst: f64) -> (Bucket, Instant) {
        let b = Bucket::new(Rate { per_second, burst });
        let t0 = lock(&b.state).last;
        (b, t0)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn bucket_spends_burst_then_paces_at_its_rate() {
        let (b, t0) = bucket(10.0, 5.0);
        for _ in 0..5 {
            assert_eq!(b.take_at(t0), Ok(()), "the burst is free");
        }
        let wait = b.take_at(t0).unwrap_err();
        assert!((ms(99)..=ms(101)).contains(&wait), "{wait:?}");
        assert_eq!(b.take_at(t0 + ms(100)), Ok(()));
        assert!(b.take_at(t0 + ms(150)).is_err());
        // A long pause refills only up to the burst.
        let later = t0 + Duration::from_secs(60);
        for _ in 0..5 {
            assert_eq!(b.take_at(later), Ok(()));
        }
        assert!(b.take_at(later).is_err());
    }

    #[test]
    fn throttling_halves_the_rate_and_success_restores_it() {
        let (b, t0) = bucket(8.0, 1.0);
        b.on_throttle_at(t0);
        assert_eq!(b.current_rate(), 4.0);
        // After a throttle the bucket is empty: the next call waits 1/rate.
        let wait = b.take_at(t0).unwrap_err();
        assert!((ms(249)..=ms(251)).contains(&wait), "{wait:?}");
        b.on_throttle_at(t0);
        b.on_throttle_at(t0);
        assert_eq!(b.current_rate(), 1.0);
        for _ in 0..100 {
            b.on_success();
        }
        assert_eq!(b.current_rate(), 8.0, "never above the configured rate");
        for _ in 0..20 {
            b.on_throttle_at(t0);
        }
        assert_eq!(b.current_rate(), MIN_RATE);
    }

    #[tokio::test]
    async fn buckets_are_per_account_region_and_service() {
        let limiter = Limiter::new(RateLimits {
            per_service: BTreeMap::from([(
                Service::Ec2,
                Rate {
                    per_second: 1.0,
                    burst: 1.0,
                },
            )]),
            max_in_flight: 4,
        });
        let a: AccountId = "111111111111".parse().unwrap();
        let b: AccountId = "222222222222".parse().unwrap();
        let r: Region = "us-east-1".parse().unwrap();
        let ga = Gate::new(limiter.clone(), a.clone(), r.clone());
        let gb = Gate::new(limiter.clone(), b, r.clone());
        // Each call spends the only token of a separate bucket.
        ga.call(Service::Ec2, async {}).await;
        gb.call(Service::Ec2, async {}).await;
        ga.in_region(&"eu-west-1".parse().unwrap())
            .call(Service::Ec2, async {})
            .await;
        ga.call(Service::Iam, async {}).await;
        let now = Instant::now();
        let ec2 = limiter.bucket(&Some(a.clone()), &r, Service::Ec2);
        assert!(ec2.take_at(now).is_err(), "(a, us-east-1, ec2) is spent");
        let iam = limiter.bucket(&Some(a.clone()), &r, Service::Iam);
        assert_eq!(
            iam.take_at(now),
            Ok(()),
            "iam has its own bucket (burst 20)"
        );
        ga.observer(Service::Ec2).bucket.on_throttle();
        assert_eq!(
            limiter.bucket(&Some(a), &r, Service::Ec2).current_rate(),
            0.5
        );
    }

    #[test]
    fn scaled_limits_stay_usable() {
        let l = RateLimits::default().scaled(0.5);
        assert_eq!(l.rate(Service::Ec2).per_second, 10.0);
        let l = RateLimits::default().scaled(f64::NAN);
        assert_eq!(l, RateLimits::default());
    }
}
