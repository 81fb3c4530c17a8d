//! Connections of the caller's organization: CRUD, credential replacement (write-only),
//! and a connection test (identity and regions, nothing collected).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use skywarden_graph::{ConnectionId, Provider};
use skywarden_store::{ConnectionRecord, ConnectionUpdate, NewConnection, Role, ScanStatus};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::connection::{
    aws_static_credentials, AwsSettings, AzureSettings, CredentialInput, Schedule,
};
use crate::http::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::http::extract::{ApiJson, ApiPath, Principal};
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_connections, create_connection))
        .routes(routes!(get_connection, update_connection, delete_connection))
        .routes(routes!(put_credential, delete_credential))
        .routes(routes!(test_connection))
}

/// A connection as the API shows it. Never the credential, only whether there is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionView {
    pub id: String,
    pub name: Option<String>,
    /// `aws` or `azure`.
    pub provider: String,
    /// The AWS settings (defaults for an Azure connection).
    pub aws: AwsSettings,
    /// The Azure settings of an Azure connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureSettings>,
    pub schedule: Option<Schedule>,
    pub credential: Option<CredentialView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialView {
    /// `aws_static`, ...
    pub kind: String,
}

impl ConnectionView {
    pub fn of(c: &ConnectionRecord) -> ConnectionView {
        ConnectionView {
            id: c.id.to_string(),
            name: c.name.clone(),
            provider: c.provider.as_str().to_string(),
            aws: match c.provider {
                Provider::Aws => AwsSettings::from_value(&c.config).unwrap_or_default(),
                Provider::Azure => AwsSettings::default(),
            },
            azure: (c.provider == Provider::Azure)
                .then(|| AzureSettings::from_value(&c.config).unwrap_or_default()),
            schedule: c
                .schedule
                .as_ref()
                .and_then(|s| serde_json::from_value(s.clone()).ok()),
            credential: c.credential_kind.map(|k| CredentialView {
                kind: k.to_string(),
            }),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConnection {
    /// 1-64 of a-z 0-9 - _, unique across the server.
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `aws` or `azure`.
    pub provider: String,
    /// Settings of an `aws` connection.
    #[serde(default)]
    pub aws: AwsSettings,
    /// Settings of an `azure` connection.
    #[serde(default)]
    pub azure: Option<AzureSettings>,
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// Sealed on arrival; never returned.
    #[serde(default)]
    pub credential: Option<CredentialInput>,
}

/// Absent = unchanged; `null` = cleared (name, schedule).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConnection {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default)]
    pub aws: Option<AwsSettings>,
    /// Replaces the settings of an Azure connection.
    #[serde(default)]
    pub azure: Option<AzureSettings>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Schedule>)]
    pub schedule: Option<Option<Schedule>>,
}

fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn check_name(name: &Option<String>) -> ApiResult<()> {
    if name.as_ref().is_some_and(|n| n.len() > 200) {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "name: at most 200 characters",
        ));
    }
    Ok(())
}

fn invalid(e: anyhow::Error) -> ApiError {
    ApiError::new(ErrorCode::InvalidBody, crate::one_line(&e))
}

/// The organization's connections, by id.
#[utoipa::path(get, path = "/connections", tag = "connections", security(("token" = [])),
    responses((status = 200, body = Vec<ConnectionView>), (status = 401, body = ErrorBody)))]
async fn list_connections(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<axum::Json<Vec<ConnectionView>>> {
    p.require(Role::Viewer)?;
    let list = state.store.list_org_connections(&p.org).await?;
    Ok(axum::Json(list.iter().map(ConnectionView::of).collect()))
}

/// Creates a connection (optionally with its credential and schedule). Editor.
#[utoipa::path(post, path = "/connections", tag = "connections", security(("token" = [])),
    request_body = CreateConnection,
    responses((status = 201, body = ConnectionView), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_connection(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<CreateConnection>,
) -> ApiResult<Response> {
    p.require(Role::Editor)?;
    let id: ConnectionId = body
        .id
        .parse()
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("id: {e}")))?;
    let provider: Provider = body
        .provider
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::InvalidBody, "provider: expected aws or azure"))?;
    check_name(&body.name)?;
    let allow = state.config.server.allow_endpoint_override;
    let config = match provider {
        Provider::Aws => {
            if body.azure.is_some() {
                return Err(ApiError::new(
                    ErrorCode::InvalidBody,
                    "azure: only for provider azure",
                ));
            }
            body.aws.validate(allow).map_err(invalid)?;
            serde_json::to_value(&body.aws)
        }
        Provider::Azure => {
            if body.aws != AwsSettings::default() {
                return Err(ApiError::new(
                    ErrorCode::InvalidBody,
                    "aws: only for provider aws",
                ));
            }
            let azure = body.azure.clone().unwrap_or_default();
            azure.validate(allow).map_err(invalid)?;
            serde_json::to_value(&azure)
        }
    }
    .map_err(|e| ApiError::internal("encode settings", &e))?;
    if let Some(c) = &body.credential {
        if c.provider() != provider {
            return Err(ApiError::new(
                ErrorCode::InvalidBody,
                format!(
                    "credential: a {} credential cannot be used by a {} connection",
                    c.kind(),
                    provider.as_str()
                ),
            ));
        }
    }
    if let Some(s) = &body.schedule {
        s.validate().map_err(invalid)?;
    }
    let plaintext = match &body.credential {
        Some(c) => Some((c.kind(), c.plaintext().map_err(invalid)?)),
        None => None,
    };
    let key = match &plaintext {
        Some(_) => Some(master_key(&state)?),
        None => None,
    };
    let record = state
        .store
        .create_connection(
            &NewConnection {
                id: id.clone(),
                org_id: Some(p.org.clone()),
                provider,
                name: body.name.clone(),
                config,
                schedule: body
                    .schedule
                    .as_ref()
                    .map(serde_json::to_value)
                    .transpose()
                    .map_err(|e| ApiError::internal("encode schedule", &e))?,
            },
            Utc::now(),
        )
        .await?;
    let mut record = record;
    if let (Some((kind, plain)), Some(key)) = (plaintext, key) {
        if let Err(e) = state
            .store
            .put_credential(&key, &id, provider, kind, &plain)
            .await
        {
            // Leave nothing half-made behind.
            let _ = state.store.delete_connection(&id).await;
            return Err(e.into());
        }
        record = state
            .store
            .get_connection(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("connection", id.as_str()))?;
    }
    state
        .audit(
            &p,
            "connection.create",
            id.as_str(),
            "ok",
            json!({ "credential": record.credential_kind.map(|k| k.to_string()) }),
        )
        .await;
    Ok((StatusCode::CREATED, axum::Json(ConnectionView::of(&record))).into_response())
}

fn master_key(state: &AppState) -> ApiResult<std::sync::Arc<skywarden_store::MasterKey>> {
    state.keys.primary().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unavailable,
            "this server has no master key configured, so it cannot store credentials",
        )
    })
}

/// One connection.
#[utoipa::path(get, path = "/connections/{id}", tag = "connections", security(("token" = [])),
    params(("id" = String, Path, description = "connection id")),
    responses((status = 200, body = ConnectionView), (status = 404, body = ErrorBody)))]
async fn get_connection(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<axum::Json<ConnectionView>> {
    p.require(Role::Viewer)?;
    let c = state.owned_connection(&p, &id).await?;
    Ok(axum::Json(ConnectionView::of(&c)))
}

/// Changes name, AWS settings or schedule. Editor.
#[utoipa::path(patch, path = "/connections/{id}", tag = "connections", security(("token" = [])),
    params(("id" = String, Path, description = "connection id")),
    request_body = UpdateConnection,
    responses((status = 200, body = ConnectionView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_connection(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateConnection>,
) -> ApiResult<axum::Json<ConnectionView>> {
    p.require(Role::Editor)?;
    let c = state.owned_connection(&p, &id).await?;
    if let Some(n) = &body.name {
        check_name(n)?;
    }
    let allow = state.config.server.allow_endpoint_override;
    let config = match (c.provider, &body.aws, &body.azure) {
        (Provider::Aws, Some(a), None) => {
            a.validate(allow).map_err(invalid)?;
            Some(serde_json::to_value(a))
        }
        (Provider::Azure, None, Some(a)) => {
            a.validate(allow).map_err(invalid)?;
            Some(serde_json::to_value(a))
        }
        (_, None, None) => None,
        (p, _, _) => {
            return Err(ApiError::new(
                ErrorCode::InvalidBody,
                format!("a {} connection takes `{}` settings only", p.as_str(), p.as_str()),
            ))
        }
    }
    .transpose()
    .map_err(|e| ApiError::internal("encode settings", &e))?;
    if let Some(Some(s)) = &body.schedule {
        s.validate().map_err(invalid)?;
    }
    let update = ConnectionUpdate {
        name: body.name.clone(),
        config,
        schedule: match &body.schedule {
            None => None,
            Some(None) => Some(None),
            Some(Some(s)) => Some(Some(
                serde_json::to_value(s).map_err(|e| ApiError::internal("encode schedule", &e))?,
            )),
        },
    };
    let record = state
        .store
        .update_connection(&c.id, &update, Utc::now())
        .await?;
    state
        .audit(
            &p,
            "connection.update",
            c.id.as_str(),
            "ok",
            json!({
                "name": body.name.is_some(),
                "aws": body.aws.is_some(),
                "azure": body.azure.is_some(),
                "schedule": body.schedule.is_some(),
            }),
        )
        .await;
    Ok(axum::Json(ConnectionView::of(&record)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    pub connections: u64,
    pub scans: u64,
    pub resources: u64,
    pub findings: u64,
    pub credentials: u64,
    pub suppressions: u64,
}

/// Deletes the connection with its credential, inventory, findings and scans. Editor.
/// 409 while a scan of it runs.
#[utoipa::path(delete, path = "/connections/{id}", tag = "connections", security(("token" = [])),
    params(("id" = String, Path, description = "connection id")),
    responses((status = 200, body = Deleted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_connection(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<axum::Json<Deleted>> {
    p.require(Role::Editor)?;
    let c = state.owned_connection(&p, &id).await?;
    let latest = state.store.list_scans(&c.id, 1).await?;
    if latest
        .first()
        .is_some_and(|s| s.status == ScanStatus::Running)
    {
        return Err(ApiError::conflict(
            "a scan of this connection is running; cancel it (POST /v1/scans/{id}/cancel) and retry",
        ));
    }
    let n = state.store.delete_connection(&c.id).await?;
    state.forget_inventory(&c.id);
    state
        .audit(
            &p,
            "connection.delete",
            c.id.as_str(),
            "ok",
            json!({ "resources": n.resources, "findings": n.findings, "scans": n.scans }),
        )
        .await;
    Ok(axum::Json(Deleted {
        connections: n.connections,
        scans: n.scans,
        resources: n.resources,
        findings: n.findings,
        credentials: n.credentials,
        suppressions: n.suppressions,
    }))
}

/// Replaces the connection's credential (sealed; never readable again). Editor.
#[utoipa::path(put, path = "/connections/{id}/credential", tag = "connections", security(("token" = [])),
    params(("id" = String, Path, description = "connection id")),
    request_body = CredentialInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn put_credential(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CredentialInput>,
) -> ApiResult<StatusCode> {
    p.require(Role::Editor)?;
    let c = state.owned_connection(&p, &id).await?;
    if body.provider() != c.provider {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            format!(
                "a {} credential cannot be used by a {} connection",
                body.kind(),
                c.provider.as_str()
            ),
        ));
    }
    let plain = body.plaintext().map_err(invalid)?;
    let key = master_key(&state)?;
    state
        .store
        .put_credential(&key, &c.id, c.provider, body.kind(), &plain)
        .await?;
    state
        .audit(
            &p,
            "credential.replace",
            c.id.as_str(),
            "ok",
            json!({ "kind": body.kind().to_string() }),
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the connection's credential. Editor.
#[utoipa::path(delete, path = "/connections/{id}/credential", tag = "connections", security(("token" = [])),
    params(("id" = String, Path, description = "connection id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_credential(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    p.require(Role::Editor)?;
    let c = state.owned_connection(&p, &id).await?;
    state.store.delete_credential(&c.id).await?;
    state
        .audit(&p, "credential.delete", c.id.as_str(), "ok", json!({}))
        .await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    pub ok: bool,
    pub account_id: Option<String>,
    pub arn: Option<String>,
    pub regions: Vec<String>,
    /// Why the test failed (one line, secret-free).
    pub error: Option<String>,
}

/// Checks the connection: opens its credential, asks AWS who it is and which regions it
/// has. Nothing is collected or stored. Editor (it uses the credential).
#[utoipa::path(post, path = "/connections/{id}/test", tag = "connections", security(("token" = [])),
    params(("id" = String, Path, description = "connection id")),
    responses((status = 200, body = TestResult), (status = 404, body = ErrorBody)))]
async fn test_connection(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<axum::Json<TestResult>> {
    p.require(Role::Editor)?;
    let c = state.owned_connection(&p, &id).await?;
    let result = async {
        if c.provider == Provider::Azure {
            anyhow::bail!("connection tests are AWS-only so far; start a scan of the Azure connection instead");
        }
        let settings = AwsSettings::from_value(&c.config)?;
        let creds = if c.has_credential {
            match state.keys.open(&state.store, &c.id).await? {
                Some((skywarden_store::CredentialKind::AwsStatic, plain)) => {
                    aws_static_credentials(&plain)?
                }
                Some((k, _)) => anyhow::bail!("a {k} credential cannot be used yet"),
                None => anyhow::bail!("the connection has no credential"),
            }
        } else if state.config.server.allow_ambient_credentials {
            skywarden_scanner::AwsCredentials::DefaultChain
        } else {
            anyhow::bail!("the connection has no credential")
        };
        let mut cfg = settings.scan_config(&c.id, creds)?;
        cfg.retry.max_attempts = cfg.retry.max_attempts.min(2);
        Ok(skywarden_scanner::identify_aws(&cfg).await?)
    }
    .await;
    let view = match result {
        Ok(id) => TestResult {
            ok: true,
            account_id: Some(id.account_id.to_string()),
            arn: id.arn,
            regions: id.regions.iter().map(|r| r.to_string()).collect(),
            error: None,
        },
        Err(e) => TestResult {
            ok: false,
            account_id: None,
            arn: None,
            regions: vec![],
            error: Some(crate::one_line(&e)),
        },
    };
    state
        .audit(
            &p,
            "connection.test",
            c.id.as_str(),
            if view.ok { "ok" } else { "failed" },
            json!({}),
        )
        .await;
    Ok(axum::Json(view))
}
