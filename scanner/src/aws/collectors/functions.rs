//! `lambda:ListFunctions` + `lambda:GetFunctionUrlConfig` per function -> `aws_lambda_function`.
//!
//! Environment variable *names* only are kept: values may hold secrets and are dropped in the
//! map. A function without a URL answers `ResourceNotFoundException`, which is "no URL", not
//! an error. Tags (`lambda:ListTags`) and the resource policy are not collected yet.

use std::collections::BTreeMap;

use aws_sdk_lambda::types as sdk;
use chrono::{DateTime, Utc};
use skywarden_graph::model::{Function, FunctionUrl, FunctionUrlAuth};
use skywarden_graph::Resource;

use crate::aws::{arn_id, classify, required, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.lambda.list_functions().max_items(50).into_paginator().send();
    while let Some(page) = cx.call(Service::Lambda, pages.next()).await {
        for f in page.map_err(classify)?.functions() {
            let name = required(f.function_name(), "FunctionName")?;
            let url = match cx
                .call(Service::Lambda, cx.lambda.get_function_url_config().function_name(name).send())
                .await
            {
                Ok(u) => Some(FunctionUrl { url: u.function_url().to_string(), auth_type: auth(u.auth_type()) }),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => None,
                Err(e) => return Err(classify(e)),
            };
            out.push(map(&cx.map, f, url)?).await;
        }
    }
    Ok(())
}

fn auth(a: &sdk::FunctionUrlAuthType) -> FunctionUrlAuth {
    match a {
        sdk::FunctionUrlAuthType::None => FunctionUrlAuth::None,
        sdk::FunctionUrlAuthType::AwsIam => FunctionUrlAuth::AwsIam,
        _ => FunctionUrlAuth::Unknown,
    }
}

/// Lambda's `LastModified`: `2024-01-31T12:00:00.000+0000`.
fn last_modified(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

pub fn map(cx: &MapCx, f: &sdk::FunctionConfiguration, url: Option<FunctionUrl>) -> Result<Resource, CollectError> {
    let name = required(f.function_name(), "FunctionName")?;
    let id = match f.function_arn() {
        Some(arn) => arn_id(arn)?,
        None => arn_id(&format!("arn:{}:lambda:{}:{}:function:{name}", cx.region.partition().as_str(), cx.region, cx.account))?,
    };
    let vpc = f.vpc_config();
    let ids = |v: &[String], t: &str| v.iter().map(|s| cx.ec2_id(t, s)).collect::<Result<Vec<_>, _>>();
    let mut subnets = ids(vpc.map(|v| v.subnet_ids()).unwrap_or_default(), "subnet")?;
    subnets.sort();
    let mut security_groups = ids(vpc.map(|v| v.security_group_ids()).unwrap_or_default(), "security-group")?;
    security_groups.sort();
    let mut environment_variable_names: Vec<String> = f
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.keys().cloned().collect())
        .unwrap_or_default();
    environment_variable_names.sort();
    let model = Function {
        function_name: name.to_string(),
        runtime: f.runtime().map(|r| r.as_str().to_string()),
        handler: f.handler().map(str::to_string),
        role: f.role().filter(|r| r.starts_with("arn:")).map(arn_id).transpose()?,
        memory_mb: f.memory_size(),
        timeout_s: f.timeout(),
        last_modified: f.last_modified().and_then(last_modified),
        vpc: vpc.and_then(|v| v.vpc_id()).filter(|v| !v.is_empty()).map(|v| cx.ec2_id("vpc", v)).transpose()?,
        subnets,
        security_groups,
        url,
        environment_variable_names,
    };
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), BTreeMap::new(), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_vpc_url_and_env_names_never_values() {
        let f = sdk::FunctionConfiguration::builder()
            .function_name("api")
            .function_arn("arn:aws:lambda:eu-west-1:123456789012:function:api")
            .runtime(sdk::Runtime::Python38)
            .handler("app.handler")
            .role("arn:aws:iam::123456789012:role/api")
            .memory_size(256)
            .timeout(30)
            .last_modified("2024-01-31T12:00:00.000+0000")
            .vpc_config(
                sdk::VpcConfigResponse::builder()
                    .vpc_id("vpc-1")
                    .subnet_ids("subnet-1")
                    .security_group_ids("sg-1")
                    .build(),
            )
            .environment(sdk::EnvironmentResponse::builder().variables("DB_PASSWORD", "hunter2").build())
            .build();
        let url = FunctionUrl { url: "https://x.lambda-url.eu-west-1.on.aws/".into(), auth_type: auth(&sdk::FunctionUrlAuthType::None) };
        let r = map(&cx(), &f, Some(url)).unwrap();
        let m = r.model::<Function>().unwrap();
        assert_eq!(m.runtime.as_deref(), Some("python3.8"));
        assert_eq!(m.url.as_ref().unwrap().auth_type, FunctionUrlAuth::None);
        assert_eq!(m.environment_variable_names, ["DB_PASSWORD"]);
        assert!(!serde_json::to_string(&r).unwrap().contains("hunter2"));
        assert_eq!(m.last_modified.unwrap().to_rfc3339(), "2024-01-31T12:00:00+00:00");
        assert_eq!(m.role.as_ref().unwrap().short_id(), "api");
        assert_eq!(m.references().len(), 2);
    }
}
