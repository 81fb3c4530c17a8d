//! `aws.lambda.function_deprecated_runtime`: a Lambda function on a runtime AWS has
//! deprecated (no more security patches; creation and then updates get blocked).
//!
//! The table below is AWS's deprecation date per runtime identifier, from the AWS Lambda
//! runtimes page (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>,
//! "Supported runtimes" and "Deprecated runtimes", as published in November 2025). Scheduled
//! dates are listed too: a runtime fires from its date on (a date after the evaluation time
//! does not fire). Unknown identifiers and container-image functions (no runtime) do not fire.

use chrono::NaiveDate;
use skywarden_graph::model::Function;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.lambda.function_deprecated_runtime",
        title: "Lambda function uses a deprecated runtime",
        description: "The function's runtime has reached its AWS deprecation date: Lambda no \
                      longer applies security patches to it, and creating then updating \
                      functions on it gets blocked. Dates come from the AWS Lambda runtimes page \
                      (table in `rules/src/catalog/function_deprecated_runtime.rs`).",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsLambdaFunction],
        remediation: "Move the function to a supported runtime of its language (e.g. \
                      `aws lambda update-function-configuration --function-name <f> --runtime \
                      python3.13`) after testing the code on it.",
        frameworks: &[],
    },
    eval,
};

/// (runtime identifier, deprecation date): AWS Lambda runtimes page, November 2025.
pub const DEPRECATION_DATES: &[(&str, (i32, u32, u32))] = &[
    // Scheduled.
    ("nodejs22.x", (2027, 4, 30)),
    ("nodejs20.x", (2026, 4, 30)),
    ("python3.13", (2029, 6, 30)),
    ("python3.12", (2028, 10, 31)),
    ("python3.11", (2026, 6, 30)),
    ("python3.10", (2026, 6, 30)),
    ("java21", (2029, 6, 30)),
    ("java17", (2026, 6, 30)),
    ("java11", (2026, 6, 30)),
    ("java8.al2", (2026, 6, 30)),
    ("dotnet8", (2026, 11, 10)),
    ("ruby3.3", (2027, 3, 31)),
    ("ruby3.2", (2026, 3, 31)),
    ("provided.al2023", (2029, 6, 30)),
    ("provided.al2", (2026, 6, 30)),
    // Deprecated.
    ("python3.9", (2025, 12, 15)),
    ("nodejs18.x", (2025, 9, 1)),
    ("dotnet6", (2024, 11, 12)),
    ("python3.8", (2024, 10, 14)),
    ("nodejs16.x", (2024, 6, 12)),
    ("dotnet7", (2024, 5, 14)),
    ("java8", (2024, 1, 8)),
    ("go1.x", (2024, 1, 8)),
    ("provided", (2024, 1, 8)),
    ("nodejs14.x", (2023, 12, 4)),
    ("python3.7", (2023, 12, 4)),
    ("ruby2.7", (2023, 12, 7)),
    ("dotnetcore3.1", (2023, 4, 3)),
    ("nodejs12.x", (2023, 3, 31)),
    ("python3.6", (2022, 7, 18)),
    ("dotnet5.0", (2022, 5, 10)),
    ("dotnetcore2.1", (2022, 1, 5)),
    ("nodejs10.x", (2021, 7, 30)),
    ("ruby2.5", (2021, 7, 30)),
    ("python2.7", (2021, 7, 15)),
    ("nodejs8.10", (2020, 3, 6)),
    ("nodejs4.3", (2020, 3, 5)),
    ("nodejs4.3-edge", (2020, 3, 5)),
    ("nodejs6.10", (2019, 8, 12)),
    ("dotnetcore1.0", (2019, 7, 27)),
    ("dotnetcore2.0", (2019, 5, 30)),
    ("nodejs", (2016, 10, 31)),
];

/// The AWS deprecation date of `runtime`, when it has one.
pub fn deprecation_date(runtime: &str) -> Option<NaiveDate> {
    DEPRECATION_DATES
        .iter()
        .find(|(id, _)| *id == runtime)
        .and_then(|(_, (y, m, d))| NaiveDate::from_ymd_opt(*y, *m, *d))
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let today = cx.now.date_naive();
    cx.inventory
        .of_kind::<Function>()
        .filter_map(|(r, f)| {
            let runtime = f.runtime.as_deref()?;
            let deprecated_on = deprecation_date(runtime).filter(|d| *d <= today)?;
            let evidence = Evidence::DeprecatedRuntime {
                runtime: runtime.to_string(),
                deprecated_on,
                days_since_deprecation: (today - deprecated_on).num_days(),
            };
            Some(Finding::new(&RULE.meta, r, "", evidence))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::Resource;

    use super::*;
    use crate::catalog::testkit::{eval_rule, resource};

    fn function(name: &str, runtime: Option<&str>) -> Resource {
        let f = Function {
            function_name: name.into(),
            runtime: runtime.map(str::to_string),
            handler: None,
            role: None,
            memory_mb: None,
            timeout_s: None,
            last_modified: None,
            vpc: None,
            subnets: vec![],
            security_groups: vec![],
            url: None,
            environment_variable_names: vec![],
        };
        resource(format!("arn:aws:lambda:us-east-1:123456789012:function:{name}").parse().unwrap(), f)
    }

    #[test]
    fn fires_on_runtimes_past_their_deprecation_date() {
        // testkit_now is 2026-11-01.
        let f = eval_rule(&RULE, vec![function("old", Some("python3.7")), function("node", Some("nodejs14.x"))]);
        assert_eq!(f.len(), 2);
        let old = f.iter().find(|f| f.resource_id.short_id() == "old").unwrap();
        assert_eq!(
            old.evidence,
            Evidence::DeprecatedRuntime {
                runtime: "python3.7".into(),
                deprecated_on: NaiveDate::from_ymd_opt(2023, 12, 4).unwrap(),
                days_since_deprecation: 1063,
            }
        );
    }

    #[test]
    fn passes_current_future_unknown_and_image_runtimes() {
        let f = eval_rule(&RULE, vec![
            function("current", Some("python3.13")),
            function("soon", Some("dotnet8")), // 2026-11-10, after the clock
            function("custom", Some("nodejs99.x")),
            function("image", None),
        ]);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn the_table_has_valid_unique_dates() {
        let mut ids: Vec<_> = DEPRECATION_DATES.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), DEPRECATION_DATES.len());
        assert!(DEPRECATION_DATES.iter().all(|(id, _)| deprecation_date(id).is_some()));
    }
}
