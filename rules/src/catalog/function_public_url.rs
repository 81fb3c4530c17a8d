//! `aws.lambda.function_public_url`: a Lambda function URL anyone can invoke.

use skywarden_graph::model::{Function, FunctionUrlAuth};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.lambda.function_public_url",
        title: "Lambda function URL requires no authentication",
        description: "The function has a URL with `AuthType` `NONE`: anyone on the internet who \
                      knows the URL can invoke it (the resource policy is not evaluated yet).",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsLambdaFunction],
        remediation: "Set the URL's auth type to `AWS_IAM` (`aws lambda update-function-url-config \
                      --function-name <f> --auth-type AWS_IAM`), or delete the URL and front the \
                      function with API Gateway and an authorizer.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Function>()
        .filter_map(|(r, f)| {
            let url = f.url.as_ref().filter(|u| u.auth_type == FunctionUrlAuth::None)?;
            let evidence = Evidence::FunctionUrl { url: url.url.clone(), auth_type: url.auth_type };
            Some(Finding::new(&RULE.meta, r, "", evidence))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::FunctionUrl;
    use skywarden_graph::Resource;

    use super::*;
    use crate::catalog::testkit::{eval_rule, resource};

    fn function(name: &str, auth: Option<FunctionUrlAuth>) -> Resource {
        let f = Function {
            function_name: name.into(),
            runtime: Some("python3.12".into()),
            handler: None,
            role: None,
            memory_mb: None,
            timeout_s: None,
            last_modified: None,
            vpc: None,
            subnets: vec![],
            security_groups: vec![],
            url: auth.map(|auth_type| FunctionUrl { url: format!("https://{name}.lambda-url.us-east-1.on.aws/"), auth_type }),
            environment_variable_names: vec![],
        };
        resource(format!("arn:aws:lambda:us-east-1:123456789012:function:{name}").parse().unwrap(), f)
    }

    #[test]
    fn fires_on_auth_none_only() {
        let f = eval_rule(&RULE, vec![
            function("open", Some(FunctionUrlAuth::None)),
            function("iam", Some(FunctionUrlAuth::AwsIam)),
            function("nourl", None),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id.short_id(), "open");
    }
}
