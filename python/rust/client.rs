//! The client, its credentials and tokens, the authorization code flow and raw requests.
use std::sync::Arc;

use agenticstar::authcode::{self, AuthorizeOptions};
use agenticstar::chat::ChatRequest;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::chat::{ChatCompletion, NativeChatStream};
use crate::store::{PyListener, PyTokenStore};
use crate::{config_error, dispatch, json_to_py, py_to_json, q, to_pyerr};

/// A token service: where tokens come from and which dialect it speaks.
#[pyclass(module = "agenticstar._native", frozen)]
#[derive(Clone)]
pub struct Provider(pub agenticstar::Provider);

fn core<T>(py: Python<'_>, r: agenticstar::Result<T>) -> PyResult<T> {
    r.map_err(|e| to_pyerr(py, &e))
}

#[pymethods]
impl Provider {
    /// AGENTIC STAR SaaS (`https://auth.agenticstar.jp`).
    #[staticmethod]
    fn agenticstar(py: Python<'_>, auth_url: &str) -> PyResult<Self> {
        core(py, agenticstar::Provider::agenticstar(auth_url)).map(Self)
    }
    #[staticmethod]
    fn marketplace(py: Python<'_>, base_url: &str) -> PyResult<Self> {
        core(py, agenticstar::Provider::marketplace(base_url)).map(Self)
    }
    #[staticmethod]
    fn keycloak(py: Python<'_>, base_url: &str, realm: &str) -> PyResult<Self> {
        core(py, agenticstar::Provider::keycloak(base_url, realm)).map(Self)
    }
    #[staticmethod]
    fn wrapped(py: Python<'_>, api_url: &str) -> PyResult<Self> {
        core(py, agenticstar::Provider::wrapped(api_url)).map(Self)
    }
    #[staticmethod]
    fn oidc(py: Python<'_>, issuer: &str) -> PyResult<Self> {
        core(py, agenticstar::Provider::oidc(issuer)).map(Self)
    }
    #[staticmethod]
    #[pyo3(signature = (token_url, authorize_url=None))]
    fn oauth(py: Python<'_>, token_url: &str, authorize_url: Option<&str>) -> PyResult<Self> {
        core(py, agenticstar::Provider::oauth(token_url, authorize_url)).map(Self)
    }
    #[staticmethod]
    #[pyo3(signature = (name, url, realm=None))]
    fn from_name(py: Python<'_>, name: &str, url: &str, realm: Option<&str>) -> PyResult<Self> {
        core(py, agenticstar::Provider::from_name(name, url, realm)).map(Self)
    }
    #[getter]
    fn dialect(&self) -> &'static str {
        self.0.dialect().as_str()
    }
    fn __repr__(&self) -> String {
        use agenticstar::Provider as P;
        match &self.0 {
            P::AgenticStar { auth_url } => format!("Provider.agenticstar('{auth_url}')"),
            P::Marketplace { base_url } => format!("Provider.marketplace('{base_url}')"),
            P::Keycloak { base_url, realm } => format!("Provider.keycloak('{base_url}', {})", q(Some(realm))),
            P::Wrapped { api_url } => format!("Provider.wrapped('{api_url}')"),
            P::Oidc { issuer } => format!("Provider.oidc('{issuer}')"),
            P::OAuth { token_url, authorize_url } => {
                format!("Provider.oauth('{token_url}', {})", q(authorize_url.as_ref().map(|u| u.as_str())))
            }
            #[allow(unreachable_patterns)]
            _ => "Provider(...)".into(),
        }
    }
}

/// An access token. `repr()` never shows the token values.
#[pyclass(module = "agenticstar._native", frozen)]
pub struct Token(pub agenticstar::Token);

#[pymethods]
impl Token {
    /// The bearer token itself (a secret: keep it out of logs).
    #[getter]
    fn access_token(&self) -> &str {
        self.0.access_token().expose()
    }
    #[getter]
    fn token_type(&self) -> &str {
        self.0.token_type()
    }
    /// Granted scopes, or None when the server did not say.
    #[getter]
    fn scopes(&self) -> Option<Vec<String>> {
        self.0.scopes().map(|s| s.as_slice().to_vec())
    }
    /// Seconds left before expiry (0.0 once expired); None if the server gave no lifetime.
    #[getter]
    fn expires_in(&self) -> Option<f64> {
        self.0.expires_in().map(|d| d.as_secs_f64())
    }
    /// Expiry as Unix seconds.
    #[getter]
    fn expires_at(&self) -> Option<u64> {
        self.0.expires_at_unix()
    }
    #[getter]
    fn is_expired(&self) -> bool {
        self.0.is_expired()
    }
    #[getter]
    fn refresh_token(&self) -> Option<&str> {
        self.0.refresh_token().map(|s| s.expose())
    }
    #[getter]
    fn id_token(&self) -> Option<&str> {
        self.0.id_token().map(|s| s.expose())
    }
    /// Whether the token allows `scope`, directly or through an including scope (`chat:all` covers `chat:exec`).
    fn has_scope(&self, scope: &str) -> bool {
        self.0.has_scope(scope)
    }
    fn __repr__(&self) -> String {
        format!(
            "Token(token_type={}, scopes={}, expires_in={}, refresh_token={})",
            q(Some(self.0.token_type())),
            q(self.0.scopes().map(|s| s.to_string())),
            self.0.expires_in().map_or("None".into(), |d| d.as_secs().to_string()),
            if self.0.refresh_token().is_some() { "'***'" } else { "None" }
        )
    }
}

/// A started sign-in: send the user to `url`; keep this object (or `to_json()`) until the callback.
#[pyclass(module = "agenticstar._native", frozen)]
pub struct AuthorizationRequest(pub authcode::AuthorizationRequest);

#[pymethods]
impl AuthorizationRequest {
    #[getter]
    fn url(&self) -> &str {
        &self.0.url
    }
    #[getter]
    fn redirect_uri(&self) -> &str {
        &self.0.redirect_uri
    }
    #[getter]
    fn state(&self) -> &str {
        self.0.state.expose()
    }
    #[getter]
    fn nonce(&self) -> &str {
        self.0.nonce.expose()
    }
    #[getter]
    fn code_verifier(&self) -> Option<&str> {
        self.0.code_verifier.as_ref().map(|s| s.expose())
    }
    /// Serialize (with its secrets) to keep it across the browser round trip, e.g. in a server-side session.
    fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }
    #[staticmethod]
    fn from_json(py: Python<'_>, data: &str) -> PyResult<Self> {
        serde_json::from_str(data)
            .map(Self)
            .map_err(|e| config_error(py, format!("not a saved AuthorizationRequest: {e}")))
    }
    /// Check the callback URL (state, error) and return the authorization code.
    fn parse_callback(&self, py: Python<'_>, callback_url: &str) -> PyResult<String> {
        core(py, authcode::parse_callback(&self.0, callback_url)).map(|s| s.expose().to_owned())
    }
    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// The outcome of a completed sign-in.
#[pyclass(module = "agenticstar._native", frozen)]
pub struct SignIn {
    token: Py<Token>,
    claims: Option<serde_json::Value>,
}

#[pymethods]
impl SignIn {
    #[getter]
    fn token(&self, py: Python<'_>) -> Py<Token> {
        self.token.clone_ref(py)
    }
    /// The validated id_token's claims (`sub`, `name`, `email`, ...), when one was issued.
    #[getter]
    fn id_claims<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.claims.as_ref().map(|c| json_to_py(py, c)).transpose()
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        let sub = self.claims.as_ref().and_then(|c| c.get("sub")).and_then(|s| s.as_str()).unwrap_or("");
        format!("SignIn(sub={}, token={})", q(Some(sub)), self.token.bind(py).get().__repr__())
    }
}

/// Local wrapper: the orphan rule forbids converting the core's SignIn directly.
pub struct SignInOut(agenticstar::SignIn);

impl<'py> IntoPyObject<'py> for SignInOut {
    type Target = SignIn;
    type Output = Bound<'py, SignIn>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, SignIn>> {
        let s = self.0;
        // Every claim, flat (the core's serde shape, absent ones left out).
        let claims = s.id_claims.and_then(|c| serde_json::to_value(c).ok());
        Bound::new(py, SignIn { token: Py::new(py, Token(s.token))?, claims })
    }
}

/// Status, headers and request id of an answer (`completion.response`, `stream.response`).
#[pyclass(module = "agenticstar._native", frozen)]
pub struct ResponseMeta(pub agenticstar::ResponseMeta);

/// The headers as a dict: names lower-case, a repeated header's values joined with ", ".
fn headers_dict<'py>(py: Python<'py>, m: &agenticstar::ResponseMeta) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    for (k, v) in m.header_map() {
        d.set_item(k, v)?;
    }
    Ok(d.into_any())
}

#[pymethods]
impl ResponseMeta {
    #[getter]
    fn status(&self) -> u16 {
        self.0.status
    }
    /// Names lower-case; values of headers that may hold secrets (cookies, credentials) are "***".
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        headers_dict(py, &self.0)
    }
    /// The server's id for this request (quote it to support).
    #[getter]
    fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    #[getter]
    fn www_authenticate(&self) -> Option<&str> {
        self.0.www_authenticate()
    }
    /// The first value of header `name` (any case).
    fn header(&self, name: &str) -> Option<&str> {
        self.0.header(name)
    }
    fn __repr__(&self) -> String {
        format!("<ResponseMeta status={} request_id={}>", self.0.status, q(self.0.request_id.as_ref()))
    }
}

/// An answer to `request()`.
#[pyclass(module = "agenticstar._native", frozen)]
pub struct Response(agenticstar::RawResponse);

#[pymethods]
impl Response {
    /// Names lower-case; values of headers that may hold secrets are "***".
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        headers_dict(py, &self.0.response)
    }
    #[getter]
    fn request_id(&self) -> Option<&str> {
        self.0.request_id()
    }
    /// Status, headers and request id, as on a completion.
    #[getter]
    fn response(&self) -> ResponseMeta {
        ResponseMeta(self.0.response.clone())
    }
    #[getter]
    fn status(&self) -> u16 {
        self.0.status
    }
    #[getter]
    fn content_type(&self) -> Option<&str> {
        self.0.content_type.as_deref()
    }
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.body)
    }
    #[getter]
    fn text(&self) -> String {
        self.0.text()
    }
    /// The body parsed as JSON (raises UnexpectedResponseError when it is not JSON).
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &core(py, self.0.json())?)
    }
    fn __repr__(&self) -> String {
        format!(
            "<Response status={} content_type={} request_id={} ({} bytes)>",
            self.0.status,
            q(self.0.content_type.as_ref()),
            q(self.0.request_id()),
            self.0.body.len()
        )
    }
}

/// The native client behind `agenticstar.Client` and `agenticstar.AsyncClient`. Each I/O method
/// takes `asynchronous`: True returns an awaitable, False blocks with the GIL released.
#[pyclass(module = "agenticstar._native", frozen)]
pub struct NativeClient {
    inner: agenticstar::Client,
    pid: u32,
}

/// Per-call options: the core's `RequestOptions` as JSON text (None: the client's defaults).
fn request_options(py: Python<'_>, options: Option<&str>) -> PyResult<agenticstar::RequestOptions> {
    core(py, agenticstar::surface::call_options(options, false))
}

impl NativeClient {
    /// A client's connections and background tasks belong to the process that made it.
    fn client(&self, py: Python<'_>) -> PyResult<agenticstar::Client> {
        if std::process::id() != self.pid {
            return Err(config_error(
                py,
                "this client was created in the parent process before fork(); create a new client in the child",
            ));
        }
        Ok(self.inner.clone())
    }
}

#[pymethods]
impl NativeClient {
    /// `options`: the core's `ClientOptions` as JSON text (the Python layer builds it from kwargs);
    /// `token_store`: a Python store object (a path goes in `options.tokenStore`). What is left out
    /// (provider included) comes from the `AGENTICSTAR_*` variables.
    #[new]
    #[pyo3(signature = (provider, options, token_store=None, on_token=None))]
    fn new(
        py: Python<'_>,
        provider: Option<&Provider>,
        options: &str,
        token_store: Option<Py<PyAny>>,
        on_token: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let mut o = core(py, agenticstar::ClientOptions::from_json_str(options))?;
        o.provider = provider.map(|p| (&p.0).into());
        let mut b = core(py, o.with_env().and_then(|o| o.builder("python")))?
            .runtime(crate::runtime::runtime().handle().clone());
        if let Some(s) = token_store {
            b = b.token_store(Arc::new(PyTokenStore::new(s)));
        }
        if let Some(cb) = on_token {
            b = b.on_token(Arc::new(PyListener(cb)));
        }
        Ok(NativeClient { inner: core(py, b.build())?, pid: std::process::id() })
    }

    /// The key under which this session's tokens are stored.
    #[getter]
    fn store_key(&self) -> &str {
        self.inner.tokens().store_key()
    }

    /// The token held now, fresh or not, without any I/O.
    #[getter]
    fn current_token(&self) -> Option<Token> {
        self.inner.tokens().current().map(Token)
    }

    /// The cached token if it is fresh, else None: no I/O, no GIL release, no event loop hop.
    /// The Python clients try this first, so a cache hit costs a plain method call.
    fn cached_token(&self) -> Option<Token> {
        if std::process::id() != self.pid {
            return None; // after fork: let get_token raise the explanation
        }
        self.inner.tokens().cached().map(Token)
    }

    fn get_token<'py>(&self, py: Python<'py>, asynchronous: bool) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client(py)?;
        dispatch(py, asynchronous, async move { c.get_token().await.map(Token) })
    }

    fn force_refresh<'py>(&self, py: Python<'py>, asynchronous: bool) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client(py)?;
        dispatch(py, asynchronous, async move { c.tokens().force_refresh().await.map(Token) })
    }

    fn sign_out<'py>(&self, py: Python<'py>, asynchronous: bool) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client(py)?;
        dispatch(py, asynchronous, async move { c.tokens().sign_out().await })
    }

    #[pyo3(signature = (asynchronous, redirect_uri, scope=None, ui_locales=None, pkce=true, extra=None))]
    #[allow(clippy::too_many_arguments)]
    fn authorize_url<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        redirect_uri: String,
        scope: Option<String>,
        ui_locales: Option<String>,
        pkce: bool,
        extra: Option<Vec<(String, String)>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client(py)?;
        let mut opts = AuthorizeOptions::new(redirect_uri);
        opts.scope = scope;
        opts.ui_locales = ui_locales;
        opts.pkce = pkce;
        opts.extra = extra.unwrap_or_default();
        dispatch(py, asynchronous, async move { c.authorize_url(&opts).await.map(AuthorizationRequest) })
    }

    fn complete_authorization<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        request: &AuthorizationRequest,
        callback_url: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client(py)?;
        let req = request.0.clone();
        dispatch(py, asynchronous, async move { c.complete_authorization(&req, &callback_url).await.map(SignInOut) })
    }

    fn exchange_code<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        request: &AuthorizationRequest,
        code: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client(py)?;
        let req = request.0.clone();
        dispatch(py, asynchronous, async move { c.exchange_code(&req, code.into()).await.map(SignInOut) })
    }

    /// A client sharing this one's tokens and connections with other call defaults
    /// (`options`: the core's `RequestOptions` as JSON text).
    fn with_options(&self, py: Python<'_>, options: &str) -> PyResult<Self> {
        let o = request_options(py, Some(options))?;
        Ok(NativeClient { inner: core(py, self.client(py)?.with_options(&o))?, pid: self.pid })
    }

    #[pyo3(signature = (asynchronous, method, path, json=None, options=None))]
    fn request<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        method: String,
        path: String,
        json: Option<&Bound<'py, PyAny>>,
        options: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client(py)?;
        let body = json.filter(|j| !j.is_none()).map(py_to_json).transpose()?;
        let o = request_options(py, options)?;
        dispatch(py, asynchronous, async move { c.request_with(&method, &path, body.as_ref(), &o).await.map(Response) })
    }

    /// A whole reply (`stream: false`); `request` is the OpenAI-style body as a dict.
    #[pyo3(signature = (asynchronous, request, options=None))]
    fn chat<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        request: &Bound<'py, PyAny>,
        options: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client(py)?;
        let req = chat_request(py, request)?;
        let o = request_options(py, options)?;
        dispatch(py, asynchronous, async move { c.chat_with(req, &o).await.map(ChatCompletion::from) })
    }

    /// Open a service of the core surface (`kind` from `service_kinds()`); `options` is JSON text.
    fn service<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        kind: String,
        options: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client(py)?;
        let options = serde_json::from_str(options)
            .map_err(|e| config_error(py, format!("service options are not JSON: {e}")))?;
        dispatch(py, asynchronous, async move {
            let s = agenticstar::surface::open_service(&c, &kind, options).await?;
            Ok(crate::service::NativeService(Arc::from(s)))
        })
    }

    /// Start a streamed reply; errors arrive from the first read.
    #[pyo3(signature = (request, options=None))]
    fn chat_stream(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        options: Option<&str>,
    ) -> PyResult<NativeChatStream> {
        let c = self.client(py)?;
        let req = chat_request(py, request)?;
        let o = request_options(py, options)?;
        Ok(NativeChatStream::new(c.chat_stream_with(req, &o)))
    }
}

/// The request dict as the core reads it.
fn chat_request(py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<ChatRequest> {
    ChatRequest::from_json(py_to_json(request)?).map_err(|e| crate::to_pyerr(py, &e))
}
