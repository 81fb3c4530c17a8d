//! `aws_s3_bucket`: an S3 bucket and the configuration that decides who can read it.
//!
//! Buckets are listed once per account, so the resource's region is `global`; the bucket's own
//! region is [`Bucket::location`]. Every detail (encryption, public access block, policy, ACL,
//! versioning, logging, ownership controls, tags) is read from the bucket's region. A detail
//! the scan was not allowed to read (AccessDenied for that bucket) is listed in
//! [`Bucket::unreadable`] and its field is `None`: rules must ask [`Bucket::known`] before
//! treating a `None` as "not configured".

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::Region;
use crate::inventory::Reference;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub name: String,
    /// The bucket's region (GetBucketLocation: empty = us-east-1, `EU` = eu-west-1). `None`
    /// only when GetBucketLocation itself was denied; then every other detail is unreadable.
    pub location: Option<Region>,
    pub creation_date: Option<DateTime<Utc>>,
    /// Default encryption; `None` = not configured (or unreadable, see `unreadable`).
    pub default_encryption: Option<DefaultEncryption>,
    /// The bucket-level public access block; `None` = no configuration (or unreadable).
    /// The account-level block (S3 Control) is not read.
    pub public_access_block: Option<PublicAccessBlock>,
    /// GetBucketPolicyStatus `IsPublic`: AWS's own verdict on the policy; `None` = no policy
    /// (or unreadable).
    pub policy_is_public: Option<bool>,
    /// The bucket policy; `None` = no policy (or unreadable).
    pub policy: Option<BucketPolicy>,
    /// The ACL; `None` only when unreadable.
    pub acl: Option<BucketAcl>,
    /// Versioning; `None` only when unreadable.
    pub versioning: Option<Versioning>,
    /// Server access logging target; `None` = logging off (or unreadable).
    pub logging: Option<AccessLogging>,
    /// Object ownership; `None` = no ownership controls (or unreadable).
    pub object_ownership: Option<ObjectOwnership>,
    /// Details the scan could not read (AccessDenied on that call for this bucket).
    pub unreadable: Vec<BucketAspect>,
}

/// One bucket detail, read by one API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BucketAspect {
    Location,
    Encryption,
    PublicAccessBlock,
    PolicyStatus,
    Policy,
    Acl,
    Versioning,
    Logging,
    Tags,
    OwnershipControls,
}

impl BucketAspect {
    pub const ALL: [BucketAspect; 10] = [
        BucketAspect::Location,
        BucketAspect::Encryption,
        BucketAspect::PublicAccessBlock,
        BucketAspect::PolicyStatus,
        BucketAspect::Policy,
        BucketAspect::Acl,
        BucketAspect::Versioning,
        BucketAspect::Logging,
        BucketAspect::Tags,
        BucketAspect::OwnershipControls,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultEncryption {
    pub algorithm: SseAlgorithm,
    pub kms_key_id: Option<String>,
    pub bucket_key_enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SseAlgorithm {
    /// SSE-S3.
    Aes256,
    /// SSE-KMS.
    AwsKms,
    /// DSSE-KMS.
    AwsKmsDsse,
    #[serde(other)]
    Unknown,
}

impl SseAlgorithm {
    pub fn parse(s: &str) -> Self {
        match s {
            "AES256" => Self::Aes256,
            "aws:kms" => Self::AwsKms,
            "aws:kms:dsse" => Self::AwsKmsDsse,
            _ => Self::Unknown,
        }
    }
}

/// The four switches of an S3 public access block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub fn all_enabled(&self) -> bool {
        self.block_public_acls
            && self.ignore_public_acls
            && self.block_public_policy
            && self.restrict_public_buckets
    }
}

/// A bucket policy: the document as returned and a typed summary of its statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketPolicy {
    pub document: String,
    pub statements: Vec<PolicyStatement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyEffect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyStatement {
    pub sid: Option<String>,
    pub effect: PolicyEffect,
    /// `Principal: "*"` or `{"AWS": "*"}` (also inside a list).
    pub principal_everyone: bool,
    /// Every principal value named (`AWS`, `Service`, `CanonicalUser`, `Federated`), `*`
    /// included.
    pub principals: Vec<String>,
    /// True when the statement uses `NotPrincipal` instead of `Principal`.
    pub not_principal: bool,
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub resources: Vec<String>,
    pub conditions: Vec<PolicyCondition>,
}

/// One `Condition` entry: `{operator: {key: values}}`, values as strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyCondition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

impl PolicyStatement {
    /// An Allow for everyone (`*`) with no condition: anonymous access (what AWS calls a
    /// public policy, short of conditions AWS would also accept as non-public).
    pub fn allows_everyone_unconditionally(&self) -> bool {
        self.effect == PolicyEffect::Allow
            && self.principal_everyone
            && !self.not_principal
            && self.conditions.is_empty()
    }

    /// A Deny for everyone on `s3:*` (or `*`) when `aws:SecureTransport` is false: the
    /// statement CIS AWS Foundations 2.1.1 asks for.
    pub fn denies_insecure_transport(&self) -> bool {
        self.effect == PolicyEffect::Deny
            && self.principal_everyone
            && self
                .actions
                .iter()
                .any(|a| a == "*" || a.eq_ignore_ascii_case("s3:*"))
            && self.conditions.iter().any(|c| {
                (c.operator == "Bool" || c.operator == "BoolIfExists")
                    && c.key.eq_ignore_ascii_case("aws:SecureTransport")
                    && c.values.iter().any(|v| v.eq_ignore_ascii_case("false"))
            })
    }
}

impl BucketPolicy {
    /// Parses an IAM policy document (as GetBucketPolicy returns it).
    pub fn parse(document: &str) -> Result<Self, String> {
        use serde_json::Value;
        fn strings(v: Option<&Value>) -> Vec<String> {
            match v {
                None | Some(Value::Null) => vec![],
                Some(Value::Array(a)) => a.iter().flat_map(|x| strings(Some(x))).collect(),
                Some(Value::String(s)) => vec![s.clone()],
                Some(other) => vec![other.to_string()],
            }
        }
        let doc: Value =
            serde_json::from_str(document).map_err(|e| format!("policy is not JSON: {e}"))?;
        let statements = match doc.get("Statement") {
            Some(Value::Array(a)) => a.clone(),
            Some(s @ Value::Object(_)) => vec![s.clone()],
            _ => return Err("policy has no Statement".into()),
        };
        let statements = statements
            .iter()
            .map(|st| {
                let effect = match st.get("Effect").and_then(Value::as_str) {
                    Some("Allow") => PolicyEffect::Allow,
                    Some("Deny") => PolicyEffect::Deny,
                    other => return Err(format!("statement Effect {other:?}")),
                };
                let (principal, not_principal) = match st.get("Principal") {
                    Some(p) => (Some(p), false),
                    None => (st.get("NotPrincipal"), st.get("NotPrincipal").is_some()),
                };
                let (principals, everyone) = match principal {
                    Some(Value::String(s)) => (vec![s.clone()], s == "*"),
                    Some(Value::Object(m)) => {
                        let all: Vec<String> = m.values().flat_map(|v| strings(Some(v))).collect();
                        let everyone = strings(m.get("AWS")).iter().any(|s| s == "*");
                        (all, everyone)
                    }
                    _ => (vec![], false),
                };
                let mut conditions = Vec::new();
                if let Some(Value::Object(ops)) = st.get("Condition") {
                    for (op, kv) in ops {
                        if let Value::Object(kv) = kv {
                            for (k, v) in kv {
                                conditions.push(PolicyCondition {
                                    operator: op.clone(),
                                    key: k.clone(),
                                    values: strings(Some(v)),
                                });
                            }
                        }
                    }
                }
                Ok(PolicyStatement {
                    sid: st.get("Sid").and_then(Value::as_str).map(str::to_string),
                    effect,
                    principal_everyone: everyone,
                    principals,
                    not_principal,
                    actions: strings(st.get("Action")),
                    not_actions: strings(st.get("NotAction")),
                    resources: strings(st.get("Resource")),
                    conditions,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(BucketPolicy {
            document: document.to_string(),
            statements,
        })
    }

    /// Statements that allow anyone, unconditionally.
    pub fn public_statements(&self) -> impl Iterator<Item = &PolicyStatement> {
        self.statements
            .iter()
            .filter(|s| s.allows_everyone_unconditionally())
    }

    pub fn denies_insecure_transport(&self) -> bool {
        self.statements.iter().any(|s| s.denies_insecure_transport())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketAcl {
    /// Canonical user id of the owner.
    pub owner_id: Option<String>,
    pub grants: Vec<AclGrant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclGrant {
    pub grantee_type: GranteeType,
    /// Canonical user id, group URI or e-mail address, by `grantee_type`.
    pub grantee: Option<String>,
    /// For `group` grantees, which group.
    pub group: Option<AclGroup>,
    pub permission: AclPermission,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GranteeType {
    CanonicalUser,
    Group,
    AmazonCustomerByEmail,
    #[serde(other)]
    Unknown,
}

/// The predefined S3 groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AclGroup {
    /// `http://acs.amazonaws.com/groups/global/AllUsers`: anyone, anonymous included.
    AllUsers,
    /// `.../global/AuthenticatedUsers`: any AWS account.
    AuthenticatedUsers,
    /// `.../s3/LogDelivery`.
    LogDelivery,
    #[serde(other)]
    Other,
}

impl AclGroup {
    pub fn from_uri(uri: &str) -> Self {
        if uri.ends_with("/global/AllUsers") {
            Self::AllUsers
        } else if uri.ends_with("/global/AuthenticatedUsers") {
            Self::AuthenticatedUsers
        } else if uri.ends_with("/s3/LogDelivery") {
            Self::LogDelivery
        } else {
            Self::Other
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AclPermission {
    FullControl,
    Read,
    ReadAcp,
    Write,
    WriteAcp,
    #[serde(other)]
    Unknown,
}

impl AclPermission {
    pub fn parse(s: &str) -> Self {
        match s {
            "FULL_CONTROL" => Self::FullControl,
            "READ" => Self::Read,
            "READ_ACP" => Self::ReadAcp,
            "WRITE" => Self::Write,
            "WRITE_ACP" => Self::WriteAcp,
            _ => Self::Unknown,
        }
    }
}

impl BucketAcl {
    /// Grants to `AllUsers` (anyone on the internet).
    pub fn all_users_grants(&self) -> impl Iterator<Item = &AclGrant> {
        self.grants
            .iter()
            .filter(|g| g.group == Some(AclGroup::AllUsers))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersioningStatus {
    /// Never enabled (GetBucketVersioning returns no Status).
    Off,
    Enabled,
    Suspended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Versioning {
    pub status: VersioningStatus,
    pub mfa_delete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogging {
    pub target_bucket: String,
    pub target_prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectOwnership {
    /// ACLs are disabled.
    BucketOwnerEnforced,
    BucketOwnerPreferred,
    ObjectWriter,
    #[serde(other)]
    Unknown,
}

impl Bucket {
    /// No edges of its own (trails point at their bucket).
    pub fn references(&self) -> Vec<Reference> {
        vec![]
    }

    /// Whether `aspect` was read (so a `None` means "not configured").
    pub fn known(&self, aspect: BucketAspect) -> bool {
        !self.unreadable.contains(&aspect)
    }

    /// ACL grants to AllUsers (empty when the ACL is unreadable).
    pub fn acl_all_users_grants(&self) -> Vec<&AclGrant> {
        self.acl
            .as_ref()
            .map(|a| a.all_users_grants().collect())
            .unwrap_or_default()
    }

    /// Whether the policy grants anonymous access: AWS's PolicyStatus says so, or a statement
    /// allows `*` without a condition.
    pub fn policy_allows_public(&self) -> bool {
        self.policy_is_public == Some(true)
            || self
                .policy
                .as_ref()
                .is_some_and(|p| p.public_statements().next().is_some())
    }

    /// Public ACL grants are neutralised when the bucket's block has `IgnorePublicAcls`.
    pub fn public_acls_ignored(&self) -> bool {
        self.public_access_block
            .is_some_and(|b| b.ignore_public_acls)
    }

    /// A public policy is neutralised when the bucket's block has `RestrictPublicBuckets`.
    pub fn public_policy_restricted(&self) -> bool {
        self.public_access_block
            .is_some_and(|b| b.restrict_public_buckets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_public_and_tls_statements() {
        let doc = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","*"]},"Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*",
             "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}},
            {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
             "Condition":{"Bool":{"aws:SecureTransport":false}}},
            {"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}
        ]}"#;
        let p = BucketPolicy::parse(doc).unwrap();
        assert_eq!(p.statements.len(), 4);
        assert_eq!(p.statements[0].sid.as_deref(), Some("PublicRead"));
        assert!(p.statements[0].allows_everyone_unconditionally());
        assert!(p.statements[1].principal_everyone);
        assert!(!p.statements[1].allows_everyone_unconditionally(), "conditioned");
        assert_eq!(p.statements[2].conditions[0].values, ["false"]);
        assert!(p.statements[2].denies_insecure_transport());
        assert!(!p.statements[3].principal_everyone);
        assert_eq!(p.statements[3].principals, ["logging.s3.amazonaws.com"]);
        assert_eq!(p.public_statements().count(), 1);
        assert!(p.denies_insecure_transport());
        assert_eq!(p.document, doc);
    }

    #[test]
    fn single_statement_object_and_errors() {
        let p = BucketPolicy::parse(
            r#"{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*",
                "Condition":{"Bool":{"aws:SecureTransport":"false"}}}}"#,
        )
        .unwrap();
        assert_eq!(p.statements.len(), 1);
        assert!(!p.denies_insecure_transport(), "only GetObject is denied");
        assert!(BucketPolicy::parse("not json").is_err());
        assert!(BucketPolicy::parse(r#"{"Version":"2012-10-17"}"#).is_err());
        assert!(BucketPolicy::parse(r#"{"Statement":[{"Effect":"Maybe"}]}"#).is_err());
    }

    #[test]
    fn acl_groups_from_uris() {
        assert_eq!(
            AclGroup::from_uri("http://acs.amazonaws.com/groups/global/AllUsers"),
            AclGroup::AllUsers
        );
        assert_eq!(
            AclGroup::from_uri("http://acs.amazonaws.com/groups/global/AuthenticatedUsers"),
            AclGroup::AuthenticatedUsers
        );
        assert_eq!(
            AclGroup::from_uri("http://acs.amazonaws.com/groups/s3/LogDelivery"),
            AclGroup::LogDelivery
        );
    }
}
