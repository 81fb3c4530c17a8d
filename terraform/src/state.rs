//! Terraform state format version 4 (Terraform 0.12 and later), read strictly.
//!
//! ```json
//! {"version": 4, "terraform_version": "1.9.5", "serial": 7, "lineage": "...",
//!  "resources": [
//!    {"module": "module.net", "mode": "managed", "type": "aws_instance", "name": "web",
//!     "provider": "provider[\"registry.terraform.io/hashicorp/aws\"].west",
//!     "instances": [{"index_key": 0, "schema_version": 1, "attributes": {"id": "i-0abc", ...}}]}]}
//! ```
//!
//! Every resource gets its address as Terraform prints it (`module.net.aws_instance.web[0]`,
//! `aws_s3_bucket.logs["eu"]`, `data.aws_ami.ubuntu`), and every problem is a
//! [`TerraformError`] naming the file and that address. Deposed instances (left over by
//! `create_before_destroy`, about to be destroyed) are skipped; tainted ones still exist and
//! are kept. Data sources are kept only as counts: they manage nothing.

use serde_json::{Map, Value};

use crate::error::{bounded, ErrorKind, TerraformError};

/// The only state format version read.
pub const SUPPORTED_VERSION: u64 = 4;

/// One parsed state file.
#[derive(Debug, Clone, PartialEq)]
pub struct StateFile {
    /// Where it came from (file name, `s3://bucket/key`, `request body`).
    pub file: String,
    pub terraform_version: Option<String>,
    pub serial: Option<u64>,
    pub lineage: Option<String>,
    /// Managed resources (mode `managed`), in file order.
    pub resources: Vec<StateResource>,
    /// Instances of data sources (mode `data`): read, not managed, not compared.
    pub data_instances: usize,
}

/// One managed resource block (all its instances).
#[derive(Debug, Clone, PartialEq)]
pub struct StateResource {
    /// `module.a.module.b["x"]`, or `None` in the root module.
    pub module: Option<String>,
    pub type_name: String,
    pub name: String,
    /// The provider configuration address, e.g.
    /// `provider["registry.terraform.io/hashicorp/aws"].west`.
    pub provider: String,
    pub instances: Vec<StateInstance>,
}

/// One instance of a resource (one per `count` index or `for_each` key).
#[derive(Debug, Clone, PartialEq)]
pub struct StateInstance {
    /// The full address, e.g. `module.net.aws_instance.web[0]`.
    pub address: String,
    pub index_key: Option<IndexKey>,
    pub attributes: Map<String, Value>,
}

/// `count` (integer) or `for_each` (string) key of an instance.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum IndexKey {
    Int(i64),
    Str(String),
}

impl IndexKey {
    /// `[0]` or `["key"]`, as Terraform prints it in addresses.
    pub fn suffix(&self) -> String {
        match self {
            IndexKey::Int(i) => format!("[{i}]"),
            IndexKey::Str(s) => format!(
                "[{}]",
                serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
            ),
        }
    }
}

/// The address of a resource block (no index): `module.x.aws_instance.web`.
pub fn block_address(module: Option<&str>, data: bool, type_name: &str, name: &str) -> String {
    let mut a = String::new();
    if let Some(m) = module.filter(|m| !m.is_empty()) {
        a.push_str(m);
        a.push('.');
    }
    if data {
        a.push_str("data.");
    }
    a.push_str(type_name);
    a.push('.');
    a.push_str(name);
    a
}

/// Parses a state file. `file` names it in errors.
pub fn parse(file: &str, bytes: &[u8]) -> Result<StateFile, TerraformError> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| {
        TerraformError::file(
            file,
            ErrorKind::NotJson {
                line: e.line(),
                column: e.column(),
                message: json_error_text(&e),
            },
        )
    })?;
    let Value::Object(root) = root else {
        return Err(TerraformError::file(
            file,
            ErrorKind::InvalidField {
                field: "(top level)".into(),
                expected: "a JSON object",
            },
        ));
    };
    let top = |kind| TerraformError::file(file, kind);
    match root.get("version") {
        None => {
            return Err(top(ErrorKind::MissingField {
                field: "version".into(),
            }))
        }
        Some(Value::Number(n)) if n.as_u64() == Some(SUPPORTED_VERSION) => {}
        Some(Value::Number(n)) => {
            return Err(top(ErrorKind::UnsupportedVersion {
                found: bounded(&n.to_string()),
            }))
        }
        Some(_) => {
            return Err(top(ErrorKind::InvalidField {
                field: "version".into(),
                expected: "a number",
            }))
        }
    }
    let opt_str = |k: &str| -> Result<Option<String>, TerraformError> {
        match root.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(top(ErrorKind::InvalidField {
                field: k.into(),
                expected: "a string",
            })),
        }
    };
    let terraform_version = opt_str("terraform_version")?;
    let lineage = opt_str("lineage")?;
    let serial = match root.get("serial") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
        Some(_) => {
            return Err(top(ErrorKind::InvalidField {
                field: "serial".into(),
                expected: "a non-negative integer",
            }))
        }
    };
    let resources = match root.get("resources") {
        None => {
            return Err(top(ErrorKind::MissingField {
                field: "resources".into(),
            }))
        }
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(top(ErrorKind::InvalidField {
                field: "resources".into(),
                expected: "an array",
            }))
        }
    };
    let mut out = StateFile {
        file: file.to_string(),
        terraform_version,
        serial,
        lineage,
        resources: Vec::new(),
        data_instances: 0,
    };
    for (i, r) in resources.iter().enumerate() {
        let at = format!("resources[{i}]");
        match parse_resource(file, &at, r)? {
            Parsed::Managed(r) => out.resources.push(r),
            Parsed::Data(n) => out.data_instances += n,
        }
    }
    Ok(out)
}

enum Parsed {
    Managed(StateResource),
    Data(usize),
}

fn parse_resource(file: &str, at: &str, r: &Value) -> Result<Parsed, TerraformError> {
    let err = |address: &str, kind| TerraformError::at(file, address, kind);
    let Value::Object(r) = r else {
        return Err(err(
            at,
            ErrorKind::InvalidField {
                field: "(resource)".into(),
                expected: "a JSON object",
            },
        ));
    };
    // The address needs mode, type and name; until they are read, errors point at the index.
    let string = |address: &str, k: &str| -> Result<String, TerraformError> {
        match r.get(k) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            None | Some(Value::Null) => {
                Err(err(address, ErrorKind::MissingField { field: k.into() }))
            }
            Some(_) => Err(err(
                address,
                ErrorKind::InvalidField {
                    field: k.into(),
                    expected: "a non-empty string",
                },
            )),
        }
    };
    let mode = string(at, "mode")?;
    let data = match mode.as_str() {
        "managed" => false,
        "data" => true,
        _ => {
            return Err(err(
                at,
                ErrorKind::InvalidField {
                    field: "mode".into(),
                    expected: "\"managed\" or \"data\"",
                },
            ))
        }
    };
    let type_name = string(at, "type")?;
    let name = string(at, "name")?;
    let module = match r.get("module") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(err(
                at,
                ErrorKind::InvalidField {
                    field: "module".into(),
                    expected: "a string",
                },
            ))
        }
    };
    let block = block_address(module.as_deref(), data, &type_name, &name);
    let provider = string(&block, "provider")?;
    let instances = match r.get("instances") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => {
            return Err(err(
                &block,
                ErrorKind::MissingField {
                    field: "instances".into(),
                },
            ))
        }
        Some(_) => {
            return Err(err(
                &block,
                ErrorKind::InvalidField {
                    field: "instances".into(),
                    expected: "an array",
                },
            ))
        }
    };
    let mut parsed = Vec::with_capacity(instances.len());
    for (j, inst) in instances.iter().enumerate() {
        let Value::Object(inst) = inst else {
            return Err(err(
                &format!("{block}.instances[{j}]"),
                ErrorKind::InvalidField {
                    field: "(instance)".into(),
                    expected: "a JSON object",
                },
            ));
        };
        let index_key = match inst.get("index_key") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Some(IndexKey::Int(i)),
                None => {
                    return Err(err(
                        &format!("{block}.instances[{j}]"),
                        ErrorKind::InvalidField {
                            field: "index_key".into(),
                            expected: "an integer or a string",
                        },
                    ))
                }
            },
            Some(Value::String(s)) => Some(IndexKey::Str(s.clone())),
            Some(_) => {
                return Err(err(
                    &format!("{block}.instances[{j}]"),
                    ErrorKind::InvalidField {
                        field: "index_key".into(),
                        expected: "an integer or a string",
                    },
                ))
            }
        };
        let address = match &index_key {
            Some(k) => format!("{block}{}", k.suffix()),
            None => block.clone(),
        };
        if inst.get("deposed").is_some_and(|d| !d.is_null()) {
            continue;
        }
        if data {
            parsed.push(StateInstance {
                address,
                index_key,
                attributes: Map::new(),
            });
            continue;
        }
        let attributes = match inst.get("attributes") {
            Some(Value::Object(m)) => m.clone(),
            None | Some(Value::Null) => {
                return Err(err(
                    &address,
                    ErrorKind::MissingField {
                        field: "attributes".into(),
                    },
                ))
            }
            Some(_) => {
                return Err(err(
                    &address,
                    ErrorKind::InvalidField {
                        field: "attributes".into(),
                        expected: "a JSON object",
                    },
                ))
            }
        };
        parsed.push(StateInstance {
            address,
            index_key,
            attributes,
        });
    }
    if data {
        return Ok(Parsed::Data(parsed.len()));
    }
    Ok(Parsed::Managed(StateResource {
        module,
        type_name,
        name,
        provider,
        instances: parsed,
    }))
}

/// serde_json's message without its own " at line X column Y" suffix (reported separately).
/// It never quotes the document's content.
fn json_error_text(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let s = match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    bounded(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(resources: &str) -> String {
        format!(
            r#"{{"version": 4, "terraform_version": "1.9.5", "serial": 3, "lineage": "l-1", "outputs": {{}}, "resources": {resources}}}"#
        )
    }

    #[test]
    fn reads_modules_count_and_for_each_keys() {
        let s = state(
            r#"[
            {"module": "module.net", "mode": "managed", "type": "aws_instance", "name": "web",
             "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
             "instances": [{"index_key": 0, "attributes": {"id": "i-1"}},
                           {"index_key": 1, "attributes": {"id": "i-2"}}]},
            {"mode": "managed", "type": "aws_s3_bucket", "name": "logs",
             "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
             "instances": [{"index_key": "eu \"west\"", "attributes": {"id": "b-1"}}]},
            {"module": "module.a[\"x\"].module.b", "mode": "managed", "type": "aws_vpc", "name": "main",
             "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
             "instances": [{"attributes": {"id": "vpc-1"}},
                           {"deposed": "00000001", "attributes": {"id": "vpc-0"}}]},
            {"mode": "data", "type": "aws_ami", "name": "ubuntu",
             "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
             "instances": [{"attributes": {"id": "ami-1"}}]}
        ]"#,
        );
        let f = parse("prod.tfstate", s.as_bytes()).unwrap();
        assert_eq!(f.serial, Some(3));
        assert_eq!(f.terraform_version.as_deref(), Some("1.9.5"));
        assert_eq!(f.data_instances, 1);
        let addrs: Vec<&str> = f
            .resources
            .iter()
            .flat_map(|r| r.instances.iter().map(|i| i.address.as_str()))
            .collect();
        assert_eq!(
            addrs,
            [
                "module.net.aws_instance.web[0]",
                "module.net.aws_instance.web[1]",
                r#"aws_s3_bucket.logs["eu \"west\""]"#,
                r#"module.a["x"].module.b.aws_vpc.main"#,
            ]
        );
        assert_eq!(
            f.resources[0].instances[1].index_key,
            Some(IndexKey::Int(1))
        );
        assert_eq!(
            f.resources[2].instances.len(),
            1,
            "deposed instance skipped"
        );
    }

    #[test]
    fn empty_state_is_fine() {
        let f = parse("empty.tfstate", state("[]").as_bytes()).unwrap();
        assert!(f.resources.is_empty());
    }

    #[test]
    fn unsupported_versions_are_refused() {
        let e = parse("old.tfstate", br#"{"version": 3, "modules": []}"#).unwrap_err();
        assert_eq!(e.file, "old.tfstate");
        assert_eq!(e.address, None);
        assert_eq!(e.kind, ErrorKind::UnsupportedVersion { found: "3".into() });
        let e = parse("x", br#"{"version": "4", "resources": []}"#).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::InvalidField { ref field, .. } if field == "version"));
        let e = parse("x", br#"{"resources": []}"#).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::MissingField {
                field: "version".into()
            }
        );
    }

    #[test]
    fn bad_json_names_line_and_column() {
        let e = parse(
            "broken.tfstate",
            b"{\"version\": 4,\n \"resources\": [\n  {\"mode\": }",
        )
        .unwrap_err();
        match e.kind {
            ErrorKind::NotJson { line, .. } => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        assert!(e
            .to_string()
            .starts_with("broken.tfstate: not valid JSON at line 3"));
        let e = parse("list.tfstate", b"[]").unwrap_err();
        assert!(matches!(e.kind, ErrorKind::InvalidField { .. }));
    }

    #[test]
    fn malformed_resources_name_their_address() {
        let s = state(
            r#"[{"module": "module.x", "mode": "managed", "type": "aws_instance", "name": "web",
                 "provider": "p", "instances": [{"index_key": 0}]}]"#,
        );
        let e = parse("a.tfstate", s.as_bytes()).unwrap_err();
        assert_eq!(e.address.as_deref(), Some("module.x.aws_instance.web[0]"));
        assert_eq!(
            e.kind,
            ErrorKind::MissingField {
                field: "attributes".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "a.tfstate: module.x.aws_instance.web[0]: missing field `attributes`"
        );

        let s = state(r#"[{"mode": "managed", "name": "web", "provider": "p", "instances": []}]"#);
        let e = parse("a.tfstate", s.as_bytes()).unwrap_err();
        assert_eq!(e.address.as_deref(), Some("resources[0]"));
        assert_eq!(
            e.kind,
            ErrorKind::MissingField {
                field: "type".into()
            }
        );

        let s = state(r#"[{"mode": "managed", "type": "aws_vpc", "name": "a", "instances": []}]"#);
        let e = parse("a.tfstate", s.as_bytes()).unwrap_err();
        assert_eq!(e.address.as_deref(), Some("aws_vpc.a"));
        assert_eq!(
            e.kind,
            ErrorKind::MissingField {
                field: "provider".into()
            }
        );

        let s = state(
            r#"[{"mode": "resource", "type": "aws_vpc", "name": "a", "provider": "p", "instances": []}]"#,
        );
        let e = parse("a.tfstate", s.as_bytes()).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::InvalidField { ref field, .. } if field == "mode"));

        let s = state(
            r#"[{"mode": "managed", "type": "aws_vpc", "name": "a", "provider": "p",
                 "instances": [{"index_key": 1.5, "attributes": {}}]}]"#,
        );
        let e = parse("a.tfstate", s.as_bytes()).unwrap_err();
        assert_eq!(e.address.as_deref(), Some("aws_vpc.a.instances[0]"));

        let e = parse("a.tfstate", br#"{"version": 4, "resources": {}}"#).unwrap_err();
        assert!(
            matches!(e.kind, ErrorKind::InvalidField { ref field, .. } if field == "resources")
        );
    }

    #[test]
    fn errors_never_quote_the_document() {
        let e = parse(
            "s.tfstate",
            b"{\"version\": 4, \"password\": \"hunter2\" x}",
        )
        .unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}
