//! Authentication and workspace selection: the `api-key` header or `Authorization: Bearer <JWT>`,
//! then the optional `x-workspace-id` header (pattern `^[a-zA-Z0-9-_]+$`; without it, the
//! caller's first workspace).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderName;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::error::ApiError;
use super::model::is_valid_id;
use super::seed::USERS;
use super::state::SimState;
use crate::harness::Deviation;

/// The authenticated caller and the workspace the request acts in: both are the seeded
/// users' own `&'static` ids, so authenticating allocates nothing.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    /// The user id (`createdBy` / `updatedBy`).
    pub user_id: &'static str,
    /// The workspace the request acts in.
    pub workspace_id: &'static str,
}

/// A user the simulator knows: credentials and assigned workspaces, the first being the default.
#[derive(Clone, Copy, Debug)]
pub struct User {
    /// User id.
    pub id: &'static str,
    /// Accepted `api-key` value.
    pub api_key: &'static str,
    /// Accepted bearer token.
    pub token: &'static str,
    /// Assigned workspaces; the first is used when no `x-workspace-id` is sent.
    pub workspaces: &'static [&'static str],
}

/// The credential and workspace headers, as names made once (looking a header up by a `&str`
/// parses the name on every request).
const API_KEY: HeaderName = HeaderName::from_static("api-key");
const X_WORKSPACE_ID: HeaderName = HeaderName::from_static("x-workspace-id");

fn header<'a>(parts: &'a Parts, name: &HeaderName) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

impl FromRequestParts<Arc<SimState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<SimState>,
    ) -> Result<Self, Self::Rejection> {
        let api_key = header(parts, &API_KEY).filter(|k| !k.is_empty());
        let token = header(parts, &AUTHORIZATION).and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
        });
        let user = match (api_key, token) {
            (None, None) => return Err(ApiError::unauthorized()),
            (Some(key), _) => USERS.iter().find(|u| u.api_key == key),
            (None, Some(token)) => USERS.iter().find(|u| u.token == token),
        };
        let user = match user {
            Some(user) => user,
            None if state.deviates(Deviation::AcceptBadCredentials) => &USERS[0],
            // "401 Unauthorized - Invalid or missing authentication" (every operation's
            // documented 401): an unknown key or token is a 401, not a 403.
            None => return Err(ApiError::unauthorized()),
        };
        let workspace_id = match header(parts, &X_WORKSPACE_ID) {
            None => user.workspaces[0],
            Some(ws) if !is_valid_id(ws) => {
                return Err(ApiError::invalid(
                    "x-workspace-id",
                    "must match \"^[a-zA-Z0-9-_]+$\"",
                ));
            }
            Some(ws) => match user.workspaces.iter().find(|w| **w == ws) {
                Some(ws) => ws,
                None => {
                    return Err(
                        ApiError::forbidden("Workspace is not assigned to the user.")
                            .with("x-workspace-id", ws),
                    );
                }
            },
        };
        Ok(Caller {
            user_id: user.id,
            workspace_id,
        })
    }
}
