//! `aws_iam_policy`: a customer-managed IAM policy with its default version parsed; and the
//! shared IAM policy-document parser ([`PolicyDocument`]) every IAM kind uses (role trust
//! policies too).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::Reference;

/// A customer-managed policy (`Scope=Local`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub policy_name: String,
    pub policy_id: String,
    pub path: String,
    pub description: Option<String>,
    pub default_version_id: Option<String>,
    /// Users, groups and roles the policy is attached to.
    pub attachment_count: i32,
    pub is_attachable: bool,
    pub create_date: Option<DateTime<Utc>>,
    pub update_date: Option<DateTime<Utc>>,
    /// The default version's document; `None` when IAM returned no default version.
    pub document: Option<PolicyDocument>,
}

impl Policy {
    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}

/// A managed policy attached to a user, group or role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedPolicy {
    pub name: String,
    /// The ARN as IAM returns it; AWS-managed ones (`arn:aws:iam::aws:policy/...`) are not
    /// resource ids (their account is `aws`), so only [`AttachedPolicy::local`] is an edge.
    pub arn: String,
    /// The customer-managed policy's id (an `aws_iam_policy` resource); `None` for AWS-managed.
    pub local: Option<ResourceId>,
}

/// The ARN of the AWS-managed `AdministratorAccess` policy (`*` on `*`), in every partition.
pub fn is_aws_administrator_access(arn: &str) -> bool {
    arn.ends_with(":iam::aws:policy/AdministratorAccess")
}

/// An IAM policy document (identity, trust or resource policy) as typed statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Allow,
    Deny,
}

/// One statement. `actions` holds `Action` or, when `not_action` is set, `NotAction` (the
/// same for resources); a statement has one or the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Vec<String>,
    pub not_action: bool,
    pub resources: Vec<String>,
    pub not_resource: bool,
    /// `Principal` (trust and resource policies); `None` in identity policies.
    pub principal: Option<Principals>,
    /// `NotPrincipal` present.
    pub not_principal: bool,
    /// `operator/key` of every condition, e.g. `StringEquals/sts:ExternalId`; empty = none.
    pub conditions: Vec<String>,
}

/// The principals of a statement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principals {
    /// `"Principal": "*"` or `{"AWS": "*"}`: anyone.
    pub any: bool,
    /// `AWS` entries other than `*`: account ids, account root ARNs, user/role ARNs.
    pub aws: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
    pub canonical_user: Vec<String>,
}

/// Why a policy document did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyParseError {
    #[error("policy document is not valid percent-encoding")]
    Encoding,
    #[error("policy document is not JSON: {0}")]
    Json(String),
    #[error("policy document has an invalid shape: {0}")]
    Shape(&'static str),
}

impl Statement {
    /// `Allow` of `*` (or `*:*`) on resource `*`: full administrator (CIS 1.16).
    pub fn allows_full_admin(&self) -> bool {
        self.effect == Effect::Allow
            && !self.not_action
            && !self.not_resource
            && self.actions.iter().any(|a| a == "*" || a == "*:*")
            && self.resources.iter().any(|r| r == "*")
    }
    /// An `Allow` anyone (`*`) may use, with no condition narrowing it.
    pub fn allows_any_principal_unconditionally(&self) -> bool {
        self.effect == Effect::Allow
            && self.conditions.is_empty()
            && self.principal.as_ref().is_some_and(|p| p.any)
    }
}

impl PolicyDocument {
    /// Parses a document as IAM returns it: JSON, or JSON percent-encoded (RFC 3986, as in
    /// `GetAccountAuthorizationDetails`, `ListRoles` and `GetPolicyVersion`).
    pub fn parse(raw: &str) -> Result<Self, PolicyParseError> {
        let raw = raw.trim();
        let decoded;
        let text = if raw.starts_with('{') {
            raw
        } else {
            decoded = percent_decode(raw)?;
            decoded.trim()
        };
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| PolicyParseError::Json(e.to_string()))?;
        let obj = v.as_object().ok_or(PolicyParseError::Shape("not an object"))?;
        let statements = match obj.get("Statement") {
            None => Vec::new(),
            Some(serde_json::Value::Array(a)) => a.iter().map(statement).collect::<Result<_, _>>()?,
            Some(s @ serde_json::Value::Object(_)) => vec![statement(s)?],
            Some(_) => return Err(PolicyParseError::Shape("Statement is neither object nor array")),
        };
        Ok(PolicyDocument {
            version: obj.get("Version").and_then(|v| v.as_str()).map(str::to_string),
            statements,
        })
    }

    pub fn allows_full_admin(&self) -> bool {
        self.statements.iter().any(Statement::allows_full_admin)
    }
}

fn percent_decode(s: &str) -> Result<String, PolicyParseError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).ok_or(PolicyParseError::Encoding)?;
            let hex = std::str::from_utf8(hex).map_err(|_| PolicyParseError::Encoding)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| PolicyParseError::Encoding)?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PolicyParseError::Encoding)
}

/// A string or an array of strings.
fn strings(v: &serde_json::Value) -> Result<Vec<String>, PolicyParseError> {
    match v {
        serde_json::Value::String(s) => Ok(vec![s.clone()]),
        serde_json::Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or(PolicyParseError::Shape("non-string in a list")))
            .collect(),
        _ => Err(PolicyParseError::Shape("expected a string or a list of strings")),
    }
}

fn principals(v: &serde_json::Value) -> Result<Principals, PolicyParseError> {
    let mut p = Principals::default();
    match v {
        serde_json::Value::String(s) if s == "*" => p.any = true,
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let list = strings(v)?;
                let slot = match k.as_str() {
                    "AWS" => {
                        p.any |= list.iter().any(|s| s == "*");
                        p.aws.extend(list.into_iter().filter(|s| s != "*"));
                        continue;
                    }
                    "Service" => &mut p.service,
                    "Federated" => &mut p.federated,
                    "CanonicalUser" => &mut p.canonical_user,
                    _ => return Err(PolicyParseError::Shape("unknown principal type")),
                };
                slot.extend(list);
            }
        }
        _ => return Err(PolicyParseError::Shape("Principal is neither \"*\" nor an object")),
    }
    Ok(p)
}

fn statement(v: &serde_json::Value) -> Result<Statement, PolicyParseError> {
    let o = v.as_object().ok_or(PolicyParseError::Shape("statement is not an object"))?;
    let effect = match o.get("Effect").and_then(|e| e.as_str()) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err(PolicyParseError::Shape("Effect is neither Allow nor Deny")),
    };
    let (actions, not_action) = match (o.get("Action"), o.get("NotAction")) {
        (Some(a), _) => (strings(a)?, false),
        (None, Some(a)) => (strings(a)?, true),
        (None, None) => (Vec::new(), false),
    };
    let (resources, not_resource) = match (o.get("Resource"), o.get("NotResource")) {
        (Some(r), _) => (strings(r)?, false),
        (None, Some(r)) => (strings(r)?, true),
        (None, None) => (Vec::new(), false),
    };
    let mut conditions = Vec::new();
    if let Some(c) = o.get("Condition") {
        let c = c.as_object().ok_or(PolicyParseError::Shape("Condition is not an object"))?;
        for (op, keys) in c {
            let keys = keys.as_object().ok_or(PolicyParseError::Shape("condition operator is not an object"))?;
            conditions.extend(keys.keys().map(|k| format!("{op}/{k}")));
        }
        conditions.sort();
    }
    Ok(Statement {
        sid: o.get("Sid").and_then(|s| s.as_str()).map(str::to_string),
        effect,
        actions,
        not_action,
        resources,
        not_resource,
        principal: o.get("Principal").map(principals).transpose()?,
        not_principal: o.contains_key("NotPrincipal"),
        conditions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_percent_encoded_documents() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let a = PolicyDocument::parse(plain).unwrap();
        assert_eq!(a, PolicyDocument::parse(encoded).unwrap());
        assert_eq!(a.version.as_deref(), Some("2012-10-17"));
        assert_eq!(a.statements[0].actions, ["*"]);
        assert!(a.allows_full_admin());
    }

    #[test]
    fn single_statement_lists_not_action_and_conditions() {
        let d = PolicyDocument::parse(
            r#"{"Statement":{"Sid":"x","Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":["*"],
                "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#,
        )
        .unwrap();
        let s = &d.statements[0];
        assert!(s.not_action && !s.not_resource);
        assert_eq!(s.actions, ["iam:*", "organizations:*"]);
        assert_eq!(s.conditions, ["Bool/aws:MultiFactorAuthPresent"]);
        assert_eq!(s.sid.as_deref(), Some("x"));
        assert!(!d.allows_full_admin(), "NotAction is not Action '*'");
    }

    #[test]
    fn admin_needs_allow_star_on_star() {
        for (doc, admin) in [
            (r#"{"Statement":[{"Effect":"Allow","Action":"*:*","Resource":"*"}]}"#, true),
            (r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#, false),
            (r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, false),
            (r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}]}"#, false),
            (r#"{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"*"}]}"#, false),
        ] {
            assert_eq!(PolicyDocument::parse(doc).unwrap().allows_full_admin(), admin, "{doc}");
        }
    }

    #[test]
    fn trust_policy_principals() {
        let d = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Principal":{"AWS":["*","arn:aws:iam::111122223333:root"],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
                {"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}},
                {"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
        )
        .unwrap();
        let p0 = d.statements[0].principal.as_ref().unwrap();
        assert!(p0.any);
        assert_eq!(p0.aws, ["arn:aws:iam::111122223333:root"]);
        assert_eq!(p0.service, ["ec2.amazonaws.com"]);
        assert!(d.statements[0].allows_any_principal_unconditionally());
        assert!(!d.statements[1].allows_any_principal_unconditionally(), "has a condition");
        assert_eq!(d.statements[1].conditions, ["StringEquals/sts:ExternalId"]);
        assert_eq!(d.statements[2].principal.as_ref().unwrap().federated, ["cognito-identity.amazonaws.com"]);
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(PolicyDocument::parse("%7"), Err(PolicyParseError::Encoding)));
        assert!(matches!(PolicyDocument::parse("{"), Err(PolicyParseError::Json(_))));
        assert!(PolicyDocument::parse(r#"{"Statement":[{"Effect":"Maybe"}]}"#).is_err());
        assert!(PolicyDocument::parse(r#"{"Statement":[{"Effect":"Allow","Principal":{"Alien":"x"}}]}"#).is_err());
        assert!(PolicyDocument::parse("[]").is_err());
    }

    #[test]
    fn aws_admin_arn() {
        assert!(is_aws_administrator_access("arn:aws:iam::aws:policy/AdministratorAccess"));
        assert!(!is_aws_administrator_access("arn:aws:iam::aws:policy/ReadOnlyAccess"));
    }
}
