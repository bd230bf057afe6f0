//! Sign-in through an OpenID Connect provider (VNConnect): the
//! authorization code flow with PKCE, state and nonce. The provider is
//! discovered from its issuer and the discovery is kept for a few minutes;
//! the ID token's signature, issuer, audience, expiry and nonce are checked by
//! `openidconnect`, then the claims are mapped by configuration. The flow's
//! secrets travel in the session store between the two requests, so the
//! callback may reach any instance; the client secret is never logged.

use std::time::{Duration, Instant};

use baocao_config::{OidcClaims, OidcSettings};
use baocao_domain::identity::IdentityClaims;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreRevocableToken,
    CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
    TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

/// Claims beyond the standard ones (the CCCD number, a provider's own names).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

impl AdditionalClaims for OtherClaims {}

type Fields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type Client = openidconnect::Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How long a discovery (endpoints and signing keys) is used before it is read again.
const DISCOVERY_TTL: Duration = Duration::from_secs(300);

/// What the callback must match: kept in the browser's session between the
/// redirect to the provider and the way back, and used once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Seconds since the epoch, so that a stale flow is refused.
    pub started_at: i64,
}

/// How long the person may take at the provider.
pub const FLOW_SECONDS: i64 = 15 * 60;

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider cannot be reached or its discovery document is wrong.
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
    /// The settings are not usable (a URL that does not parse).
    #[error("identity provider misconfigured: {0}")]
    Config(String),
    /// The callback does not belong to the flow (state), or the flow is stale.
    #[error("sign-in flow does not match: {0}")]
    Flow(&'static str),
    /// The provider said no, or what it returned failed a check.
    #[error("identity provider answer refused: {0}")]
    Refused(String),
}

/// The configured provider.
pub struct Provider {
    settings: OidcSettings,
    secret: Option<String>,
    http: reqwest::Client,
    discovered: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl Provider {
    /// The provider of the settings; None when no issuer is configured.
    pub fn from_settings(settings: &OidcSettings) -> Result<Option<Provider>, OidcError> {
        let Some(issuer) = &settings.issuer else { return Ok(None) };
        IssuerUrl::new(issuer.clone()).map_err(|e| OidcError::Config(format!("auth.oidc.issuer: {e}")))?;
        RedirectUrl::new(settings.redirect_url.clone())
            .map_err(|e| OidcError::Config(format!("auth.oidc.redirect_url: {e}")))?;
        let secret = settings.secret().map_err(|e| OidcError::Config(e.to_string()))?;
        // Redirects are not followed: a provider's endpoint must answer itself (no SSRF through it).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| OidcError::Config(e.to_string()))?;
        Ok(Some(Provider { settings: settings.clone(), secret, http, discovered: Mutex::new(None) }))
    }

    /// The issuer identities are recorded under.
    pub fn issuer(&self) -> &str {
        self.settings.issuer.as_deref().unwrap_or_default()
    }

    /// The name on the sign-in button.
    pub fn label(&self) -> &str {
        &self.settings.label
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, OidcError> {
        let mut cached = self.discovered.lock().await;
        if let Some((at, metadata)) = cached.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.issuer().to_owned()).map_err(|e| OidcError::Config(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unavailable(e.to_string()))?;
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    async fn client(&self) -> Result<Client, OidcError> {
        let metadata = self.metadata().await?;
        let redirect =
            RedirectUrl::new(self.settings.redirect_url.clone()).map_err(|e| OidcError::Config(e.to_string()))?;
        let client = Client::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.secret.clone().map(ClientSecret::new),
        );
        Ok(client.set_redirect_uri(redirect))
    }

    /// Where to send the browser, and the flow to keep until it returns.
    pub async fn begin(&self, now: i64) -> Result<(String, Flow), OidcError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in self.settings.scopes.iter().filter(|s| s.as_str() != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let flow = Flow {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            started_at: now,
        };
        Ok((url.to_string(), flow))
    }

    /// Checks the callback against its flow, exchanges the code, verifies
    /// the ID token and returns the mapped claims (with the user-info
    /// endpoint's, when the provider has one).
    pub async fn finish(&self, flow: Flow, code: &str, state: &str, now: i64) -> Result<IdentityClaims, OidcError> {
        if !crate::token::constant_time_eq(&flow.state, state) {
            return Err(OidcError::Flow("state"));
        }
        if now - flow.started_at > FLOW_SECONDS {
            return Err(OidcError::Flow("expired"));
        }
        let client = self.client().await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Config(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Refused(format!("token exchange: {}", chain(&e))))?;
        let id_token = tokens.id_token().ok_or_else(|| OidcError::Refused("no ID token".to_owned()))?;
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &Nonce::new(flow.nonce))
            .map_err(|e| OidcError::Refused(format!("ID token: {e}")))?;
        if let Some(expected) = claims.access_token_hash() {
            let refused = |e: String| OidcError::Refused(format!("access token hash: {e}"));
            let alg = id_token.signing_alg().map_err(|e| refused(e.to_string()))?;
            let key = id_token.signing_key(&verifier).map_err(|e| refused(e.to_string()))?;
            let actual =
                AccessTokenHash::from_token(tokens.access_token(), alg, key).map_err(|e| refused(e.to_string()))?;
            if actual != *expected {
                return Err(refused("mismatch".to_owned()));
            }
        }
        let mut found = to_map(claims)?;
        if let Ok(request) = client.user_info(tokens.access_token().clone(), Some(claims.subject().clone())) {
            let info: UserInfoClaims<OtherClaims, CoreGenderClaim> = request
                .request_async(&self.http)
                .await
                .map_err(|e| OidcError::Refused(format!("user info: {}", chain(&e))))?;
            for (name, value) in to_map(&info)? {
                found.entry(name).or_insert(value);
            }
        }
        map_claims(&found, &self.settings.claims)
    }
}

/// An error with its causes, for the log (the provider's answers hold no secret of ours).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn to_map(claims: &impl Serialize) -> Result<Map<String, Value>, OidcError> {
    match serde_json::to_value(claims) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(OidcError::Refused("claims are not an object".to_owned())),
        Err(e) => Err(OidcError::Refused(e.to_string())),
    }
}

/// The claims baocao keeps, read under the configured names. Numbers given
/// as JSON numbers are read as text; empty values as absent.
pub fn map_claims(found: &Map<String, Value>, names: &OidcClaims) -> Result<IdentityClaims, OidcError> {
    let text = |name: &str| match found.get(name) {
        Some(Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let subject = text(&names.subject).ok_or_else(|| OidcError::Refused(format!("no {} claim", names.subject)))?;
    Ok(IdentityClaims {
        subject,
        full_name: text(&names.full_name),
        id_number: text(&names.id_number),
        phone: text(&names.phone),
        email: text(&names.email),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_read_under_the_configured_names() {
        let found: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "sub": "vnc-1", "name": "Nguyễn Văn An", "so_dinh_danh": 1099012345_u64,
            "phone_number": " 0912345678 ", "email": ""
        }))
        .unwrap();
        let names = OidcClaims { id_number: "so_dinh_danh".into(), ..OidcClaims::default() };
        let claims = map_claims(&found, &names).unwrap();
        assert_eq!(claims.subject, "vnc-1");
        assert_eq!(claims.full_name.as_deref(), Some("Nguyễn Văn An"));
        assert_eq!(claims.id_number.as_deref(), Some("1099012345"));
        assert_eq!(claims.phone.as_deref(), Some("0912345678"));
        assert_eq!(claims.email, None, "an empty claim is absent");
        let no_subject = OidcClaims { subject: "uid".into(), ..OidcClaims::default() };
        assert!(matches!(map_claims(&found, &no_subject), Err(OidcError::Refused(_))));
    }
}
