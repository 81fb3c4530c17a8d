//! The stored inventory: filtered, cursor-paginated listing, and one resource with its
//! neighbours and internet exposure path.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use skywarden_graph::model::Instance;
use skywarden_graph::{topology, EdgeKind, Resource, ResourceId, ResourceKind};
use skywarden_store::{ResourceQuery, Role};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, Principal};
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_resources))
        .routes(routes!(get_resource))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResourcesQuery {
    /// Resource kinds, comma separated (e.g. `aws_ec2_instance,aws_ebs_volume`).
    pub kind: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    /// `KEY` (has the tag) or `KEY=VALUE`.
    pub tag: Option<String>,
    /// Case-insensitive text in the resource id or name.
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResourcePage {
    /// Resources ordered by id: id, kind, account_id, region, name, tags, properties.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Resource>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub fn parse_kinds(s: Option<&str>) -> ApiResult<Vec<ResourceKind>> {
    let Some(s) = s else { return Ok(vec![]) };
    s.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            ResourceKind::ALL
                .iter()
                .copied()
                .find(|x| x.as_str() == k)
                .ok_or_else(|| ApiError::bad_request(format!("unknown resource kind {k:?}")))
        })
        .collect()
}

pub fn parse_tag(s: Option<&str>) -> ApiResult<Option<(String, Option<String>)>> {
    let Some(s) = s else { return Ok(None) };
    if s.is_empty() || s.len() > 256 {
        return Err(ApiError::bad_request("tag: expected KEY or KEY=VALUE"));
    }
    Ok(Some(match s.split_once('=') {
        Some((k, v)) => (k.to_string(), Some(v.to_string())),
        None => (s.to_string(), None),
    }))
}

/// The connection's stored resources, filtered, by id with cursor pagination.
#[utoipa::path(get, path = "/connections/{id}/resources", tag = "inventory", security(("token" = [])),
    params(("id" = String, Path, description = "connection id"), ResourcesQuery),
    responses((status = 200, body = ResourcePage), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn list_resources(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ResourcesQuery>,
) -> ApiResult<axum::Json<ResourcePage>> {
    p.require(Role::Viewer)?;
    let c = state.owned_connection(&p, &id).await?;
    let limit = state.page_limit(q.limit)?;
    let query = ResourceQuery {
        connection_id: c.id.clone(),
        kinds: parse_kinds(q.kind.as_deref())?,
        region: q
            .region
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("region: {e}")))?,
        account_id: q
            .account
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("account: {e}")))?,
        tag: parse_tag(q.tag.as_deref())?,
        text: q.q.clone().filter(|t| !t.is_empty()),
        after: q.cursor.clone(),
        // One more than asked tells whether there is a next page.
        limit: limit + 1,
    };
    let mut items = state.store.page_resources(&query).await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|r| r.id.to_string())
    } else {
        None
    };
    Ok(axum::Json(ResourcePage { items, next_cursor }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Neighbour {
    /// `outgoing` (this -> other) or `incoming`.
    pub direction: &'static str,
    /// contains, attached_to, secured_by, routes_to, associated_with, derived_from.
    #[schema(value_type = String)]
    pub edge: EdgeKind,
    pub id: String,
    #[schema(value_type = String)]
    pub kind: ResourceKind,
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceDetail {
    #[schema(value_type = Object)]
    pub resource: Resource,
    pub neighbours: Vec<Neighbour>,
    /// Internet exposure with its path (gateway -> route table -> subnet -> security group
    /// -> resource) and the open ingress; absent when not reachable from the internet.
    #[schema(value_type = Option<Object>)]
    pub exposure: Option<topology::Exposure>,
}

/// One resource (id URL-encoded) with its neighbours and exposure path.
#[utoipa::path(get, path = "/connections/{id}/resources/{resource_id}", tag = "inventory", security(("token" = [])),
    params(("id" = String, Path, description = "connection id"),
        ("resource_id" = String, Path, description = "resource id (ARN), URL-encoded")),
    responses((status = 200, body = ResourceDetail), (status = 404, body = ErrorBody)))]
async fn get_resource(
    State(state): State<AppState>,
    p: Principal,
    ApiPath((id, resource_id)): ApiPath<(String, String)>,
) -> ApiResult<axum::Json<ResourceDetail>> {
    p.require(Role::Viewer)?;
    let c = state.owned_connection(&p, &id).await?;
    let rid: ResourceId = resource_id
        .parse()
        .map_err(|_| ApiError::not_found("resource", &resource_id))?;
    let inv = state.inventory(&c.id).await?;
    let Some(resource) = inv.get(&rid) else {
        return Err(ApiError::not_found("resource", &resource_id));
    };
    let mut neighbours = Vec::new();
    for (a, edge, b) in inv.edges() {
        let (direction, other) = if *a == rid {
            ("outgoing", b)
        } else if *b == rid {
            ("incoming", a)
        } else {
            continue;
        };
        if let Some(o) = inv.get(other) {
            neighbours.push(Neighbour {
                direction,
                edge,
                id: o.id.to_string(),
                kind: o.kind(),
                name: o.name.clone(),
            });
        }
    }
    neighbours.sort_by(|x, y| (x.direction, x.edge, &x.id).cmp(&(y.direction, y.edge, &y.id)));
    let exposure = resource
        .model::<Instance>()
        .and_then(|i| topology::aws_instance_exposure(&inv, &rid, i));
    Ok(axum::Json(ResourceDetail {
        resource: resource.clone(),
        neighbours,
        exposure,
    }))
}
