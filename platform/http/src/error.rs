//! Every error a handler can return, mapped to HTTP in one place: the use
//! cases' [`Error`] and the few that only a web request can make (a missing
//! CSRF token, a malformed body or query). Responses carry a stable code and
//! a message in Vietnamese and English; internal details go to the log,
//! never to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};
pub use baocao_app::Error;
use baocao_app::SignInRefusal;
use baocao_app::reports::Refusal;
pub use baocao_domain::entry::CellProblem;
use baocao_domain::text::{Invalid, Text};
use baocao_identity::IdentityError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    App(#[from] Error),
    #[error("csrf token missing or wrong")]
    Csrf,
    #[error("request body is malformed: {0}")]
    BadRequest(String),
    /// A query parameter out of its range (a page number past the last page there can be).
    #[error("bad query parameter")]
    BadQuery(Invalid),
    #[error("unsupported content type")]
    UnsupportedMediaType(&'static str),
    /// Text holding a character no field may store (NUL).
    #[error("a NUL character in the input")]
    NulCharacter,
}

impl From<Invalid> for WebError {
    fn from(err: Invalid) -> Self {
        WebError::App(err.into())
    }
}

impl From<IdentityError> for WebError {
    fn from(err: IdentityError) -> Self {
        WebError::App(err.into())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
    pub message_en: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `forbidden`, `invalid_input`, `duplicate_username`.
    pub code: String,
    /// Vietnamese message.
    pub message: String,
    /// English message.
    pub message_en: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<CellProblem>,
    /// On a stale write: the stored version, who saved it and when, and the
    /// cells whose stored value differs from what was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The status of a use case's error.
fn app_status(e: &Error) -> StatusCode {
    match e {
        Error::Unauthenticated | Error::BadCredentials | Error::Captcha { .. } => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Malformed(_) => StatusCode::BAD_REQUEST,
        Error::Invalid(_) | Error::InvalidCells(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Stale(_) | Error::Conflict(_) | Error::Refused(_) => StatusCode::CONFLICT,
        Error::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::SignIn(refusal) => sign_in_status(*refusal),
        Error::PayloadTooLarge | Error::ImportLimit(Refusal::TooLarge(_)) => StatusCode::PAYLOAD_TOO_LARGE,
        Error::ImportLimit(Refusal::TooSlow { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn sign_in_status(refusal: SignInRefusal) -> StatusCode {
    match refusal {
        SignInRefusal::NotConfigured => StatusCode::NOT_FOUND,
        SignInRefusal::Flow => StatusCode::BAD_REQUEST,
        SignInRefusal::Provider => StatusCode::UNAUTHORIZED,
        SignInRefusal::Waiting | SignInRefusal::Inactive | SignInRefusal::IdentityRequired => StatusCode::FORBIDDEN,
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::App(e) => app_status(e),
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) | WebError::BadQuery(_) | WebError::NulCharacter => StatusCode::BAD_REQUEST,
            WebError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    /// The stable code and the message shown to people.
    pub fn public(&self) -> (String, Text) {
        match self {
            WebError::App(e) => e.public(),
            WebError::Csrf => (
                "csrf".into(),
                Text::fixed(
                    "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang.",
                    "The form has expired; please reload the page.",
                ),
            ),
            WebError::BadRequest(_) => (
                "bad_request".into(),
                Text::fixed("Dữ liệu gửi lên không đúng định dạng.", "The request body is malformed."),
            ),
            WebError::BadQuery(i) => (i.code.to_owned(), i.text.clone()),
            WebError::UnsupportedMediaType(expected) => (
                "unsupported_media_type".into(),
                Text::new(
                    format!("Dữ liệu gửi lên phải có kiểu {expected}."),
                    format!("The request body must be {expected}."),
                ),
            ),
            WebError::NulCharacter => (
                "invalid_character".into(),
                Text::fixed(
                    "Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự NUL). Hãy xóa ký tự đó rồi gửi lại.",
                    "The input contains a character that is not allowed (NUL). Remove it and send again.",
                ),
            ),
        }
    }

    pub fn fields(&self) -> Vec<FieldError> {
        let list: &[Invalid] = match self {
            WebError::App(e) => e.invalid_fields(),
            WebError::BadQuery(i) => std::slice::from_ref(i),
            _ => &[],
        };
        list.iter()
            .map(|i| FieldError {
                field: i.field.to_owned(),
                code: i.code.to_owned(),
                message: i.text.vi.to_string(),
                message_en: i.text.en.to_string(),
            })
            .collect()
    }

    pub fn body(&self) -> ErrorBody {
        let (code, text) = self.public();
        let cells = match self {
            WebError::App(Error::InvalidCells(cells)) => cells.clone(),
            _ => Vec::new(),
        };
        let current = match self {
            WebError::App(Error::Stale(s)) => serde_json::to_value(s).ok(),
            _ => None,
        };
        ErrorBody {
            error: ErrorDetail {
                code,
                message: text.vi.into_owned(),
                message_en: text.en.into_owned(),
                fields: self.fields(),
                cells,
                current,
            },
        }
    }

    /// Logged once, here at the edge, with the whole chain of causes.
    pub(crate) fn log(&self) {
        match self {
            WebError::App(Error::Internal(source)) => tracing::error!(error = format!("{source:#}"), "request failed"),
            WebError::App(Error::Unavailable(source)) => {
                tracing::warn!(error = format!("{source:#}"), "dependency unavailable")
            }
            WebError::App(Error::Forbidden(denied)) => tracing::info!(%denied, "forbidden"),
            _ => {}
        }
    }
}

/// The JSON API's error: `{"error": {"code", "message", "message_en", "fields"}}`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub WebError);

impl<T> From<T> for ApiError
where
    WebError: From<T>,
    T: NotWebError,
{
    fn from(err: T) -> Self {
        ApiError(WebError::from(err))
    }
}

/// Marker so the blanket conversion above does not overlap `From<WebError>`.
pub trait NotWebError {}
impl NotWebError for Error {}
impl NotWebError for Invalid {}
impl NotWebError for IdentityError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log();
        let mut response = HttpResponse::build(self.0.status());
        if let WebError::App(Error::TooManyAttempts { seconds }) = self.0 {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.content_type(ContentType::json()).json(self.0.body())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
