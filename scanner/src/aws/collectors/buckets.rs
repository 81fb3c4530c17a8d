//! `s3:ListAllMyBuckets` + per-bucket detail calls -> `aws_s3_bucket` (global collector).
//!
//! ListBuckets runs once per account from the home region. Each bucket's details are read from
//! the bucket's own region (GetBucketLocation first), under that region's S3 rate limit, for
//! up to [`CONCURRENT_BUCKETS`] buckets at a time.
//!
//! Failure policy: the collector fails only when the listing fails, or when a detail call
//! fails for a reason other than "not configured" or AccessDenied (throttled past the SDK's
//! retries, transport, service errors). A detail that is AccessDenied for one bucket (a bucket
//! policy can deny the scanner even when its role allows the action) is recorded in
//! `Bucket::unreadable` by the pure map and its field left `None`; rules skip unreadable
//! details, and `fetch` then fails the scope (see there), so denied data never resolves a
//! finding. A bucket
//! deleted between the listing and its details (`NoSuchBucket`) is left out: it is gone.

use aws_sdk_s3::operation::get_bucket_acl::GetBucketAclOutput;
use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput;
use aws_sdk_s3::types as sdk;
use futures::StreamExt;
use skywarden_graph::model::{
    AccessLogging, AclGrant, AclGroup, AclPermission, Bucket, BucketAcl, BucketAspect,
    BucketPolicy, DefaultEncryption, GranteeType, ObjectOwnership, PublicAccessBlock,
    SseAlgorithm, Versioning, VersioningStatus,
};
use skywarden_graph::{ErrorClass, Region, Resource, ResourceId};

use crate::aws::{classify, datetime, required, GlobalCx, MapCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

/// Buckets whose details are read at the same time.
pub const CONCURRENT_BUCKETS: usize = 8;

/// The outcome of one detail call.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail<T> {
    Found(T),
    /// The "not configured" error code of that call (e.g. `NoSuchBucketPolicy`).
    NotConfigured,
    /// AccessDenied for this bucket.
    Denied,
}

/// Everything read about one bucket, as the SDK returned it; input of the pure [`map`].
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bucket: sdk::Bucket,
    pub location: Detail<Option<sdk::BucketLocationConstraint>>,
    pub encryption: Detail<sdk::ServerSideEncryptionConfiguration>,
    pub public_access_block: Detail<sdk::PublicAccessBlockConfiguration>,
    pub policy_status: Detail<sdk::PolicyStatus>,
    pub policy: Detail<String>,
    pub acl: Detail<GetBucketAclOutput>,
    pub versioning: Detail<GetBucketVersioningOutput>,
    pub logging: Detail<sdk::LoggingEnabled>,
    pub tags: Detail<Vec<sdk::Tag>>,
    pub ownership: Detail<sdk::OwnershipControls>,
}

impl Fetched {
    /// A bucket whose location could not be read: nothing else is asked.
    fn location_denied(bucket: sdk::Bucket) -> Self {
        Fetched {
            bucket,
            location: Detail::Denied,
            encryption: Detail::Denied,
            public_access_block: Detail::Denied,
            policy_status: Detail::Denied,
            policy: Detail::Denied,
            acl: Detail::Denied,
            versioning: Detail::Denied,
            logging: Detail::Denied,
            tags: Detail::Denied,
            ownership: Detail::Denied,
        }
    }
}

pub async fn fetch(cx: &GlobalCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut listed = Vec::new();
    let mut pages = cx.s3.list_buckets().into_paginator().send();
    while let Some(page) = cx.call(Service::S3, pages.next()).await {
        listed.extend(page.map_err(classify)?.buckets().iter().cloned());
    }
    let mut details = futures::stream::iter(listed)
        .map(|b| fetch_bucket(cx, b))
        .buffer_unordered(CONCURRENT_BUCKETS);
    // A bucket with unreadable details would make its findings look fixed (the scope is
    // Complete, the rules skip unknown data, the store resolves what they no longer report):
    // so any denied detail fails the whole scope and the stored buckets and findings stay
    // (the buckets already emitted are dropped with the Failed scope). That also covers an
    // outage of one bucket region, which answers like AccessDenied.
    let mut denied: Vec<String> = Vec::new();
    while let Some(fetched) = details.next().await {
        let Some(fetched) = fetched? else { continue };
        let r = map(&cx.map, &fetched)?;
        if r.model::<Bucket>().is_some_and(|b| !b.unreadable.is_empty()) {
            denied.push(r.id.short_id().to_string());
        }
        out.push(r).await;
    }
    if let Some(first) = denied.iter().min() {
        return Err(CollectError::new(
            ErrorClass::AccessDenied,
            Some("AccessDenied"),
            format!(
                "S3 details of {} bucket(s) were denied (e.g. {first}); the bucket scope is not trusted",
                denied.len(),
            ),
        ));
    }
    Ok(())
}

/// Sorts one call's error: `not_configured` codes and AccessDenied become a [`Detail`];
/// anything else (and `NoSuchBucket`) is an error.
fn detail<T, E, R>(
    result: Result<T, aws_sdk_s3::error::SdkError<E, R>>,
    not_configured: &[&str],
) -> Result<Detail<T>, CollectError>
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match result {
        Ok(v) => Ok(Detail::Found(v)),
        Err(e) => {
            let e = classify(e);
            if e.code.as_deref().is_some_and(|c| not_configured.contains(&c)) {
                Ok(Detail::NotConfigured)
            } else if e.class == ErrorClass::AccessDenied {
                Ok(Detail::Denied)
            } else {
                Err(e)
            }
        }
    }
}

/// moto answers GetBucketVersioning with a `<GetBucketVersioningResponse>` root element
/// (AWS: `<VersioningConfiguration>`), which the SDK refuses to parse. For exactly that 200
/// body, read `Status` and `MfaDelete` from it; anything else unparseable stays an error.
fn moto_versioning<E>(
    e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Option<GetBucketVersioningOutput> {
    let raw = e.raw_response()?;
    let body = String::from_utf8_lossy(raw.body().bytes()?);
    if raw.status().as_u16() != 200 || !body.contains("<GetBucketVersioningResponse") {
        return None;
    }
    Some(moto_versioning_body(&body))
}

fn moto_versioning_body(body: &str) -> GetBucketVersioningOutput {
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find('<')? + start;
        Some(body[start..end].trim().to_string())
    };
    let mut out = GetBucketVersioningOutput::builder();
    if let Some(s) = element("Status") {
        out = out.status(sdk::BucketVersioningStatus::from(s.as_str()));
    }
    if let Some(m) = element("MfaDelete").or_else(|| element("MFADelete")) {
        out = out.mfa_delete(sdk::MfaDeleteStatus::from(m.as_str()));
    }
    out.build()
}

fn vanished(e: &CollectError) -> bool {
    e.code.as_deref() == Some("NoSuchBucket")
}

/// The region of a LocationConstraint: none or empty is us-east-1, `EU` is eu-west-1.
pub fn location_region(c: Option<&sdk::BucketLocationConstraint>) -> Result<Region, CollectError> {
    let s = match c.map(|c| c.as_str()) {
        None | Some("") => "us-east-1",
        Some("EU") => "eu-west-1",
        Some(s) => s,
    };
    s.parse()
        .map_err(|e| CollectError::decode(format!("unusable bucket location {s:?}: {e}")))
}

/// Reads one bucket's details; `Ok(None)` when the bucket disappeared meanwhile.
async fn fetch_bucket(cx: &GlobalCx, bucket: sdk::Bucket) -> Result<Option<Fetched>, CollectError> {
    match fetch_details(cx, bucket).await {
        Ok(f) => Ok(Some(f)),
        Err(e) if vanished(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn fetch_details(cx: &GlobalCx, bucket: sdk::Bucket) -> Result<Fetched, CollectError> {
    let name = required(bucket.name(), "bucket Name")?.to_string();
    let location = detail(
        cx.call(Service::S3, cx.s3.get_bucket_location().bucket(&name).send())
            .await
            .map(|o| o.location_constraint().cloned()),
        &[],
    )?;
    let region = match &location {
        Detail::Found(c) => location_region(c.as_ref())?,
        _ => return Ok(Fetched::location_denied(bucket)),
    };
    let s3 = cx.s3_in(&region);
    let r = &region;
    macro_rules! call {
        ($op:ident) => {
            cx.call_in(r, Service::S3, s3.$op().bucket(&name).send()).await
        };
    }
    let encryption = detail(
        call!(get_bucket_encryption)
            .map(|o| o.server_side_encryption_configuration().cloned()),
        &["ServerSideEncryptionConfigurationNotFoundError"],
    )?;
    let public_access_block = detail(
        call!(get_public_access_block).map(|o| o.public_access_block_configuration().cloned()),
        &["NoSuchPublicAccessBlockConfiguration"],
    )?;
    let policy_status = detail(
        call!(get_bucket_policy_status).map(|o| o.policy_status().cloned()),
        &["NoSuchBucketPolicy"],
    )?;
    let policy = detail(
        call!(get_bucket_policy).map(|o| o.policy().map(str::to_string)),
        &["NoSuchBucketPolicy"],
    )?;
    let acl = detail(call!(get_bucket_acl), &[])?;
    let versioning = match call!(get_bucket_versioning) {
        Err(e) => match moto_versioning(&e) {
            Some(v) => Ok(Detail::Found(v)),
            None => detail(Err(e), &[]),
        },
        ok => detail(ok, &[]),
    }?;
    let logging = detail(
        call!(get_bucket_logging).map(|o| o.logging_enabled().cloned()),
        &[],
    )?;
    let tags = detail(
        call!(get_bucket_tagging).map(|o| o.tag_set().to_vec()),
        &["NoSuchTagSet"],
    )?;
    let ownership = detail(
        call!(get_bucket_ownership_controls).map(|o| o.ownership_controls().cloned()),
        &["OwnershipControlsNotFoundError"],
    )?;
    Ok(Fetched {
        bucket,
        location,
        encryption: flatten(encryption),
        public_access_block: flatten(public_access_block),
        policy_status: flatten(policy_status),
        policy: flatten(policy),
        acl,
        versioning,
        logging: flatten(logging),
        tags,
        ownership: flatten(ownership),
    })
}

/// A successful call with an empty body means "not configured" too.
fn flatten<T>(d: Detail<Option<T>>) -> Detail<T> {
    match d {
        Detail::Found(Some(v)) => Detail::Found(v),
        Detail::Found(None) | Detail::NotConfigured => Detail::NotConfigured,
        Detail::Denied => Detail::Denied,
    }
}

/// `Some(v)` when found, `None` otherwise; records a denied aspect.
fn take<T, U>(
    d: &Detail<T>,
    aspect: BucketAspect,
    unreadable: &mut Vec<BucketAspect>,
    f: impl FnOnce(&T) -> Result<U, CollectError>,
) -> Result<Option<U>, CollectError> {
    match d {
        Detail::Found(v) => f(v).map(Some),
        Detail::NotConfigured => Ok(None),
        Detail::Denied => {
            unreadable.push(aspect);
            Ok(None)
        }
    }
}

fn encryption(c: &sdk::ServerSideEncryptionConfiguration) -> Option<DefaultEncryption> {
    c.rules().iter().find_map(|r| {
        let d = r.apply_server_side_encryption_by_default()?;
        Some(DefaultEncryption {
            algorithm: SseAlgorithm::parse(d.sse_algorithm().as_str()),
            kms_key_id: d.kms_master_key_id().map(str::to_string),
            bucket_key_enabled: r.bucket_key_enabled().unwrap_or(false),
        })
    })
}

fn grant(g: &sdk::Grant) -> Option<AclGrant> {
    let grantee = g.grantee()?;
    let grantee_type = match grantee.r#type() {
        sdk::Type::CanonicalUser => GranteeType::CanonicalUser,
        sdk::Type::Group => GranteeType::Group,
        sdk::Type::AmazonCustomerByEmail => GranteeType::AmazonCustomerByEmail,
        _ => GranteeType::Unknown,
    };
    let (who, group) = match grantee_type {
        GranteeType::Group => (grantee.uri(), grantee.uri().map(AclGroup::from_uri)),
        GranteeType::AmazonCustomerByEmail => (grantee.email_address(), None),
        _ => (grantee.id(), None),
    };
    Some(AclGrant {
        grantee_type,
        grantee: who.map(str::to_string),
        group,
        permission: AclPermission::parse(g.permission().map(|p| p.as_str()).unwrap_or_default()),
    })
}

fn versioning(v: &GetBucketVersioningOutput) -> Versioning {
    Versioning {
        status: match v.status() {
            Some(sdk::BucketVersioningStatus::Enabled) => VersioningStatus::Enabled,
            Some(sdk::BucketVersioningStatus::Suspended) => VersioningStatus::Suspended,
            _ => VersioningStatus::Off,
        },
        mfa_delete: matches!(v.mfa_delete(), Some(sdk::MfaDeleteStatus::Enabled)),
    }
}

fn ownership(c: &sdk::OwnershipControls) -> Option<ObjectOwnership> {
    c.rules().first().map(|r| match r.object_ownership() {
        sdk::ObjectOwnership::BucketOwnerEnforced => ObjectOwnership::BucketOwnerEnforced,
        sdk::ObjectOwnership::BucketOwnerPreferred => ObjectOwnership::BucketOwnerPreferred,
        sdk::ObjectOwnership::ObjectWriter => ObjectOwnership::ObjectWriter,
        _ => ObjectOwnership::Unknown,
    })
}

pub fn map(cx: &MapCx, f: &Fetched) -> Result<Resource, CollectError> {
    let name = required(f.bucket.name(), "bucket Name")?;
    let mut unreadable = Vec::new();
    let u = &mut unreadable;
    let location = take(&f.location, BucketAspect::Location, u, |c| {
        location_region(c.as_ref())
    })?;
    let default_encryption =
        take(&f.encryption, BucketAspect::Encryption, u, |c| Ok(encryption(c)))?.flatten();
    let public_access_block =
        take(&f.public_access_block, BucketAspect::PublicAccessBlock, u, |b| {
            Ok(PublicAccessBlock {
                block_public_acls: b.block_public_acls().unwrap_or(false),
                ignore_public_acls: b.ignore_public_acls().unwrap_or(false),
                block_public_policy: b.block_public_policy().unwrap_or(false),
                restrict_public_buckets: b.restrict_public_buckets().unwrap_or(false),
            })
        })?;
    let policy_is_public = take(&f.policy_status, BucketAspect::PolicyStatus, u, |s| {
        Ok(s.is_public())
    })?
    .flatten();
    let policy = take(&f.policy, BucketAspect::Policy, u, |doc| {
        BucketPolicy::parse(doc)
            .map_err(|e| CollectError::decode(format!("bucket {name}: {e}")))
    })?;
    let acl = take(&f.acl, BucketAspect::Acl, u, |a| {
        Ok(BucketAcl {
            owner_id: a.owner().and_then(|o| o.id()).map(str::to_string),
            grants: a.grants().iter().filter_map(grant).collect(),
        })
    })?;
    let versioning = take(&f.versioning, BucketAspect::Versioning, u, |v| Ok(versioning(v)))?;
    let logging = take(&f.logging, BucketAspect::Logging, u, |l| {
        Ok(AccessLogging {
            target_bucket: l.target_bucket().to_string(),
            target_prefix: Some(l.target_prefix()).filter(|p| !p.is_empty()).map(str::to_string),
        })
    })?;
    let tags = take(&f.tags, BucketAspect::Tags, u, |t| {
        Ok(t
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect())
    })?
    .unwrap_or_default();
    let object_ownership =
        take(&f.ownership, BucketAspect::OwnershipControls, u, |c| Ok(ownership(c)))?.flatten();
    let partition = location
        .as_ref()
        .map(|r| r.partition())
        .unwrap_or(cx.region.partition());
    let id: ResourceId = format!("arn:{}:s3:::{name}", partition.as_str())
        .parse()
        .map_err(|e| CollectError::decode(format!("unusable bucket name {name:?}: {e}")))?;
    let model = Bucket {
        name: name.to_string(),
        location,
        creation_date: datetime(f.bucket.creation_date()),
        default_encryption,
        public_access_block,
        policy_is_public,
        policy,
        acl,
        versioning,
        logging,
        object_ownership,
        unreadable,
    };
    let mut r = Resource::new(id, cx.account.clone(), Region::global(), tags, model);
    if r.name.is_none() {
        r.name = Some(name.to_string());
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gcx() -> MapCx {
        MapCx {
            account: "123456789012".parse().unwrap(),
            region: Region::global(),
        }
    }

    fn bucket(name: &str) -> sdk::Bucket {
        sdk::Bucket::builder()
            .name(name)
            .creation_date(aws_sdk_s3::primitives::DateTime::from_secs(1_700_000_000))
            .build()
    }

    fn all_users_read() -> sdk::Grant {
        sdk::Grant::builder()
            .grantee(
                sdk::Grantee::builder()
                    .r#type(sdk::Type::Group)
                    .uri("http://acs.amazonaws.com/groups/global/AllUsers")
                    .build()
                    .unwrap(),
            )
            .permission(sdk::Permission::Read)
            .build()
    }

    fn owner_full() -> sdk::Grant {
        sdk::Grant::builder()
            .grantee(
                sdk::Grantee::builder()
                    .r#type(sdk::Type::CanonicalUser)
                    .id("owner-canonical-id")
                    .build()
                    .unwrap(),
            )
            .permission(sdk::Permission::FullControl)
            .build()
    }

    fn fetched(name: &str) -> Fetched {
        Fetched {
            bucket: bucket(name),
            location: Detail::Found(None),
            encryption: Detail::NotConfigured,
            public_access_block: Detail::NotConfigured,
            policy_status: Detail::NotConfigured,
            policy: Detail::NotConfigured,
            acl: Detail::Found(
                GetBucketAclOutput::builder()
                    .owner(sdk::Owner::builder().id("owner-canonical-id").build())
                    .grants(owner_full())
                    .build(),
            ),
            versioning: Detail::Found(GetBucketVersioningOutput::builder().build()),
            logging: Detail::NotConfigured,
            tags: Detail::NotConfigured,
            ownership: Detail::NotConfigured,
        }
    }

    #[test]
    fn locations() {
        use sdk::BucketLocationConstraint as L;
        assert_eq!(location_region(None).unwrap().as_str(), "us-east-1");
        assert_eq!(location_region(Some(&L::from(""))).unwrap().as_str(), "us-east-1");
        assert_eq!(location_region(Some(&L::Eu)).unwrap().as_str(), "eu-west-1");
        assert_eq!(location_region(Some(&L::ApSoutheast2)).unwrap().as_str(), "ap-southeast-2");
        assert!(location_region(Some(&L::from("Mars"))).is_err());
    }

    #[test]
    fn maps_a_bare_private_bucket() {
        let r = map(&gcx(), &fetched("plain")).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:s3:::plain");
        assert!(r.region.is_global());
        assert_eq!(r.name.as_deref(), Some("plain"));
        let b = r.model::<Bucket>().unwrap();
        assert_eq!(b.location.as_ref().unwrap().as_str(), "us-east-1");
        assert_eq!(b.creation_date.unwrap().timestamp(), 1_700_000_000);
        assert!(b.default_encryption.is_none() && b.public_access_block.is_none());
        assert!(b.policy.is_none() && b.policy_is_public.is_none() && b.logging.is_none());
        assert_eq!(b.versioning, Some(Versioning { status: VersioningStatus::Off, mfa_delete: false }));
        let acl = b.acl.as_ref().unwrap();
        assert_eq!(acl.owner_id.as_deref(), Some("owner-canonical-id"));
        assert_eq!(acl.grants[0].grantee_type, GranteeType::CanonicalUser);
        assert_eq!(acl.grants[0].permission, AclPermission::FullControl);
        assert!(b.acl_all_users_grants().is_empty());
        assert!(b.unreadable.is_empty());
        assert!(r.tags.is_empty());
    }

    #[test]
    fn maps_a_fully_configured_public_bucket() {
        let mut f = fetched("site");
        f.location = Detail::Found(Some(sdk::BucketLocationConstraint::Eu));
        f.encryption = Detail::Found(
            sdk::ServerSideEncryptionConfiguration::builder()
                .rules(
                    sdk::ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            sdk::ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(sdk::ServerSideEncryption::AwsKms)
                                .kms_master_key_id("arn:aws:kms:eu-west-1:123456789012:key/k")
                                .build()
                                .unwrap(),
                        )
                        .bucket_key_enabled(true)
                        .build(),
                )
                .build()
                .unwrap(),
        );
        f.public_access_block = Detail::Found(
            sdk::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(false)
                .build(),
        );
        f.policy_status = Detail::Found(sdk::PolicyStatus::builder().is_public(true).build());
        f.policy = Detail::Found(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}"#.into(),
        );
        f.acl = Detail::Found(
            GetBucketAclOutput::builder()
                .grants(owner_full())
                .grants(all_users_read())
                .build(),
        );
        f.versioning = Detail::Found(
            GetBucketVersioningOutput::builder()
                .status(sdk::BucketVersioningStatus::Enabled)
                .mfa_delete(sdk::MfaDeleteStatus::Enabled)
                .build(),
        );
        f.logging = Detail::Found(
            sdk::LoggingEnabled::builder()
                .target_bucket("logs")
                .target_prefix("site/")
                .build()
                .unwrap(),
        );
        f.tags = Detail::Found(vec![
            sdk::Tag::builder().key("owner").value("web").build().unwrap(),
        ]);
        f.ownership = Detail::Found(
            sdk::OwnershipControls::builder()
                .rules(
                    sdk::OwnershipControlsRule::builder()
                        .object_ownership(sdk::ObjectOwnership::ObjectWriter)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        );
        let r = map(&gcx(), &f).unwrap();
        assert_eq!(r.tags.get("owner").map(String::as_str), Some("web"));
        let b = r.model::<Bucket>().unwrap();
        assert_eq!(b.location.as_ref().unwrap().as_str(), "eu-west-1");
        let enc = b.default_encryption.as_ref().unwrap();
        assert_eq!(enc.algorithm, SseAlgorithm::AwsKms);
        assert!(enc.bucket_key_enabled && enc.kms_key_id.is_some());
        let pab = b.public_access_block.unwrap();
        assert!(pab.block_public_acls && !pab.ignore_public_acls && !pab.restrict_public_buckets);
        assert_eq!(b.policy_is_public, Some(true));
        assert!(b.policy_allows_public());
        assert_eq!(b.policy.as_ref().unwrap().statements[0].sid.as_deref(), Some("PublicRead"));
        let public = b.acl_all_users_grants();
        assert_eq!(public.len(), 1);
        assert_eq!(public[0].permission, AclPermission::Read);
        assert_eq!(public[0].grantee.as_deref(), Some("http://acs.amazonaws.com/groups/global/AllUsers"));
        assert_eq!(b.versioning, Some(Versioning { status: VersioningStatus::Enabled, mfa_delete: true }));
        assert_eq!(b.logging.as_ref().unwrap().target_prefix.as_deref(), Some("site/"));
        assert_eq!(b.object_ownership, Some(ObjectOwnership::ObjectWriter));
    }

    #[test]
    fn denied_details_are_unreadable_not_absent() {
        let mut f = fetched("locked");
        f.encryption = Detail::Denied;
        f.policy = Detail::Denied;
        f.tags = Detail::Denied;
        let r = map(&gcx(), &f).unwrap();
        let b = r.model::<Bucket>().unwrap();
        assert_eq!(b.unreadable, [BucketAspect::Encryption, BucketAspect::Policy, BucketAspect::Tags]);
        assert!(!b.known(BucketAspect::Encryption) && b.known(BucketAspect::PublicAccessBlock));

        let r = map(&gcx(), &Fetched::location_denied(bucket("hidden"))).unwrap();
        let b = r.model::<Bucket>().unwrap();
        assert!(b.location.is_none() && b.acl.is_none() && b.versioning.is_none());
        assert_eq!(b.unreadable, BucketAspect::ALL);
    }

    #[test]
    fn unparseable_policy_is_a_decode_error() {
        let mut f = fetched("odd");
        f.policy = Detail::Found("{not json".into());
        let e = map(&gcx(), &f).unwrap_err();
        assert_eq!(e.class, ErrorClass::Decode);
    }

    #[test]
    fn reads_motos_versioning_document() {
        let on = moto_versioning_body(
            r#"<?xml version="1.0"?><GetBucketVersioningResponse xmlns="x"><Status>Enabled</Status></GetBucketVersioningResponse>"#,
        );
        assert_eq!(on.status(), Some(&sdk::BucketVersioningStatus::Enabled));
        assert!(on.mfa_delete().is_none());
        let off = moto_versioning_body(r#"<GetBucketVersioningResponse xmlns="x"/>"#);
        assert!(off.status().is_none());
    }

    #[test]
    fn empty_successes_mean_not_configured() {
        assert_eq!(flatten::<u8>(Detail::Found(None)), Detail::NotConfigured);
        assert_eq!(flatten(Detail::Found(Some(1))), Detail::Found(1));
        assert_eq!(flatten::<u8>(Detail::Denied), Detail::Denied);
    }
}
