//! Reading one S3 object outside a scan (a Terraform state kept by the S3 backend), with the
//! same credentials, endpoint override, retry policy and timeouts a scan uses.

use aws_sdk_s3::error::SdkError;
use skywarden_graph::ErrorClass;

use crate::aws::classify;
use crate::aws::collectors::buckets::location_region;
use crate::error::{CollectError, ScanError};
use crate::runner::{configured_sdk, fatal_identity_error, AwsScanConfig};

/// `s3://bucket/key`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl S3Location {
    /// Parses `s3://bucket/key`; `None` if `s` is not of that shape.
    pub fn parse(s: &str) -> Option<S3Location> {
        let rest = s.strip_prefix("s3://")?;
        let (bucket, key) = rest.split_once('/')?;
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok || key.is_empty() || key.len() > 1024 || key.chars().any(char::is_control) {
            return None;
        }
        Some(S3Location {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// The object's bytes, at most `max_bytes` (larger: [`ScanError::ObjectTooLarge`], read no
/// further). The bucket's region is asked first (GetBucketLocation; denied: the home region),
/// as S3 answers requests for a bucket in another region with a redirect.
pub async fn read_s3_object(
    cfg: &AwsScanConfig,
    at: &S3Location,
    max_bytes: u64,
) -> Result<Vec<u8>, ScanError> {
    let sdk = configured_sdk(cfg).await?;
    let path_style = cfg.endpoint_url.is_some();
    let client = |region: Option<&skywarden_graph::Region>| {
        let mut b = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(path_style);
        if let Some(r) = region {
            b = b.region(aws_config::Region::new(r.as_str().to_string()));
        }
        aws_sdk_s3::Client::from_conf(b.build())
    };
    let home = client(None);
    let fail = |e: CollectError| read_error(e, at, cfg.endpoint_url.as_deref());
    let region = match home.get_bucket_location().bucket(&at.bucket).send().await {
        Ok(o) => location_region(o.location_constraint()).ok(),
        Err(e) => {
            let e = classify(e);
            match e.class {
                // Not allowed to ask: try the home region.
                ErrorClass::AccessDenied => None,
                _ => return Err(fail(e)),
            }
        }
    };
    let s3 = match &region {
        Some(r) => client(Some(r)),
        None => home,
    };
    let out = s3
        .get_object()
        .bucket(&at.bucket)
        .key(&at.key)
        .send()
        .await
        .map_err(|e: SdkError<_, _>| fail(classify(e)))?;
    let too_large = || ScanError::ObjectTooLarge {
        location: at.to_string(),
        limit: max_bytes,
    };
    if out
        .content_length()
        .is_some_and(|n| u64::try_from(n).unwrap_or(0) > max_bytes)
    {
        return Err(too_large());
    }
    let mut body = out.body;
    let mut bytes = Vec::new();
    loop {
        match body.try_next().await {
            Ok(Some(chunk)) => {
                bytes.extend_from_slice(&chunk);
                if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max_bytes {
                    return Err(too_large());
                }
            }
            Ok(None) => break,
            Err(e) => {
                return Err(fail(CollectError::new(
                    ErrorClass::Transport,
                    None,
                    format!("reading the object body: {e}"),
                )))
            }
        }
    }
    Ok(bytes)
}

/// Credential and connectivity problems read like a scan's; the rest names the object.
fn read_error(e: CollectError, at: &S3Location, endpoint: Option<&str>) -> ScanError {
    match e.class {
        ErrorClass::InvalidCredentials | ErrorClass::Transport | ErrorClass::Timeout => {
            fatal_identity_error(e, endpoint)
        }
        _ => ScanError::ObjectRead {
            location: at.to_string(),
            error: e,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_s3_locations() {
        let l = S3Location::parse("s3://tf-state.prod/env/prod/terraform.tfstate").unwrap();
        assert_eq!(l.bucket, "tf-state.prod");
        assert_eq!(l.key, "env/prod/terraform.tfstate");
        assert_eq!(
            l.to_string(),
            "s3://tf-state.prod/env/prod/terraform.tfstate"
        );
        for bad in [
            "s3://",
            "s3://bucket",
            "s3://bucket/",
            "s3://UPPER/key",
            "s3://ab/key",
            "https://bucket/key",
            "./terraform.tfstate",
        ] {
            assert!(S3Location::parse(bad).is_none(), "{bad}");
        }
    }
}
