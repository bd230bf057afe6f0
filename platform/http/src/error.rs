//! Every error a handler can return, mapped to HTTP in one place. Responses
//! carry a stable code and a message in Vietnamese and English; internal
//! details go to the log, never to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};
use baocao_authz::Denied;
use baocao_domain::format;
use baocao_domain::text::Locale;
use baocao_domain::text::{Invalid, Text};
use baocao_identity::IdentityError;
use baocao_storage::StoreError;

use crate::workbook_guard::{Limit, Refusal};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden: {0}")]
    Forbidden(Denied),
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// Input that breaks one or more rules; every offending field is listed.
    #[error("invalid input")]
    Invalid(Vec<Invalid>),
    /// Cells a regime's validation refused; each names its row and column.
    #[error("invalid cells")]
    InvalidCells(Vec<CellProblem>),
    /// The writer's copy of a report is older than the stored one.
    #[error("stale version")]
    Stale(Box<baocao_storage::Stale>),
    #[error("conflict")]
    Conflict(Invalid),
    /// A rule that needed the stored data (unit still has children …).
    #[error("refused")]
    Refused(Invalid),
    #[error("wrong username or password")]
    BadCredentials,
    #[error("captcha required or wrong")]
    Captcha { required: bool },
    #[error("too many attempts")]
    TooManyAttempts { seconds: u64 },
    #[error("csrf token missing or wrong")]
    Csrf,
    #[error("request body is malformed: {0}")]
    BadRequest(String),
    /// A query parameter out of its range (a page number past the last page there can be).
    #[error("bad query parameter")]
    BadQuery(Invalid),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unsupported content type")]
    UnsupportedMediaType(&'static str),
    /// A workbook import would cost more than its limits allow.
    #[error("import refused by its limits: {0:?}")]
    ImportLimit(crate::workbook_guard::Refusal),
    /// Text holding a character no field may store (NUL).
    #[error("a NUL character in the input")]
    NulCharacter,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict(i) => AppError::Conflict(i),
            StoreError::Refused(i) => AppError::Refused(i),
            StoreError::Stale(s) => AppError::Stale(s),
            other if other.is_unavailable() => AppError::Unavailable(other.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Denied> for AppError {
    fn from(err: Denied) -> Self {
        AppError::Forbidden(err)
    }
}

impl From<Invalid> for AppError {
    fn from(err: Invalid) -> Self {
        AppError::Invalid(vec![err])
    }
}

impl From<IdentityError> for AppError {
    fn from(err: IdentityError) -> Self {
        match err {
            IdentityError::SessionStore(e) => AppError::Unavailable(e),
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
    pub message_en: String,
}

/// A cell refused by validation: the row and column codes of the form (absent
/// for a problem of the whole form) and the message in both languages.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CellProblem {
    pub row: Option<String>,
    pub col: Option<String>,
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

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::InvalidCells(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Stale(_) => StatusCode::CONFLICT,
            AppError::Conflict(_) | AppError::Refused(_) => StatusCode::CONFLICT,
            AppError::Captcha { .. } => StatusCode::UNAUTHORIZED,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) | AppError::BadQuery(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::ImportLimit(Refusal::TooLarge(_)) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::ImportLimit(Refusal::TooSlow { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NulCharacter => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code and the message shown to people.
    pub fn public(&self) -> (String, Text) {
        match self {
            AppError::Unauthenticated => ("unauthenticated".into(), Text::fixed("Vui lòng đăng nhập.", "Please sign in.")),
            AppError::Forbidden(_) => ("forbidden".into(), Text::fixed("Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this.")),
            AppError::NotFound(what) => ("not_found".into(), Text::new(format!("Không tìm thấy {}.", what_vi(what)), format!("The {what} was not found."))),
            AppError::Invalid(list) if list.len() == 1 => (list[0].code.to_owned(), list[0].text.clone()),
            AppError::Invalid(_) => {
                ("invalid_input".into(), Text::fixed("Dữ liệu nhập chưa hợp lệ, vui lòng kiểm tra các trường được đánh dấu.", "Some fields are not valid."))
            }
            AppError::InvalidCells(cells) => (
                "invalid_cells".into(),
                Text::new(
                    format!("Báo cáo chưa được lưu: có {} ô dữ liệu không hợp lệ, vui lòng sửa các ô được đánh dấu.", cells.len()),
                    format!("The report was not saved: {} cells are not valid; please fix the marked cells.", cells.len()),
                ),
            ),
            AppError::Stale(s) => (
                "stale_version".into(),
                Text::new(
                    format!(
                        "Báo cáo đã được {} lưu trước bạn (phiên bản {}). Dữ liệu của bạn chưa được lưu; hãy xem các ô đã thay đổi rồi lưu lại.",
                        s.last_actor.as_deref().unwrap_or("người khác"),
                        s.current_version
                    ),
                    format!(
                        "{} saved the report before you (version {}). Your changes were not saved; review the changed cells and save again.",
                        s.last_actor.as_deref().unwrap_or("Someone else"),
                        s.current_version
                    ),
                ),
            ),
            AppError::Conflict(i) | AppError::Refused(i) | AppError::BadQuery(i) => (i.code.to_owned(), i.text.clone()),
            AppError::BadCredentials => ("bad_credentials".into(), Text::fixed("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")),
            AppError::Captcha { required: true } => {
                ("captcha_required".into(), Text::fixed("Vui lòng nhập mã kiểm tra.", "Please type the verification code."))
            }
            AppError::Captcha { required: false } => {
                ("captcha_wrong".into(), Text::fixed("Mã kiểm tra không đúng, vui lòng nhập lại.", "The verification code is wrong; please try again."))
            }
            AppError::TooManyAttempts { seconds } => (
                "too_many_attempts".into(),
                Text::new(
                    format!("Quá nhiều lần thử đăng nhập. Vui lòng thử lại sau {seconds} giây."),
                    format!("Too many sign-in attempts. Try again in {seconds} seconds."),
                ),
            ),
            AppError::Csrf => (
                "csrf".into(),
                Text::fixed("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang.", "The form has expired; please reload the page."),
            ),
            AppError::BadRequest(_) => ("bad_request".into(), Text::fixed("Dữ liệu gửi lên không đúng định dạng.", "The request body is malformed.")),
            AppError::PayloadTooLarge => {
                ("payload_too_large".into(), Text::fixed("Dữ liệu gửi lên vượt quá dung lượng cho phép.", "The request body is too large."))
            }
            AppError::UnsupportedMediaType(expected) => (
                "unsupported_media_type".into(),
                Text::new(format!("Dữ liệu gửi lên phải có kiểu {expected}."), format!("The request body must be {expected}.")),
            ),
            AppError::ImportLimit(refusal) => import_refusal(refusal),
            AppError::NulCharacter => (
                "invalid_character".into(),
                Text::fixed(
                    "Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự NUL). Hãy xóa ký tự đó rồi gửi lại.",
                    "The input contains a character that is not allowed (NUL). Remove it and send again.",
                ),
            ),
            AppError::Unavailable(_) => {
                ("unavailable".into(), Text::fixed("Hệ thống tạm thời không sẵn sàng, vui lòng thử lại sau.", "The service is temporarily unavailable."))
            }
            AppError::Internal(_) => {
                ("internal".into(), Text::fixed("Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.", "An internal error occurred. Please try again later."))
            }
        }
    }

    pub fn fields(&self) -> Vec<FieldError> {
        let list: &[Invalid] = match self {
            AppError::Invalid(list) => list,
            AppError::Conflict(i) | AppError::Refused(i) | AppError::BadQuery(i) => std::slice::from_ref(i),
            _ => &[],
        };
        list.iter()
            .map(|i| FieldError { field: i.field.to_owned(), code: i.code.to_owned(), message: i.text.vi.to_string(), message_en: i.text.en.to_string() })
            .collect()
    }

    pub fn body(&self) -> ErrorBody {
        let (code, text) = self.public();
        let cells = match self {
            AppError::InvalidCells(cells) => cells.clone(),
            _ => Vec::new(),
        };
        let current = match self {
            AppError::Stale(s) => serde_json::to_value(s).ok(),
            _ => None,
        };
        ErrorBody { error: ErrorDetail { code, message: text.vi.into_owned(), message_en: text.en.into_owned(), fields: self.fields(), cells, current } }
    }

    fn log(&self) {
        match self {
            AppError::Internal(detail) => tracing::error!(detail, "request failed"),
            AppError::Unavailable(detail) => tracing::warn!(detail, "dependency unavailable"),
            AppError::Forbidden(denied) => tracing::info!(%denied, "forbidden"),
            _ => {}
        }
    }
}

/// The limit an import ran into, named so the user knows what to change.
fn import_refusal(refusal: &Refusal) -> (String, Text) {
    let mib = |bytes: u64| format::number(bytes as f64 / (1024.0 * 1024.0), 0, Locale::Vi);
    let (vi, en) = match refusal {
        Refusal::TooSlow { seconds } => {
            return (
                "import_too_slow".into(),
                Text::new(
                    format!("Tệp Excel cần quá {seconds} giây để đọc nên không được nhập. Hãy bỏ các trang tính, định dạng và dòng thừa rồi nhập lại."),
                    format!(
                        "Reading the workbook took over {seconds} seconds, so it was not imported. Remove extra sheets, formatting and rows, then import again."
                    ),
                ),
            );
        }
        Refusal::TooLarge(Limit::Unpacked { max }) => (
            format!("khi giải nén vượt quá {} MB (giới hạn dung lượng giải nén)", mib(*max)),
            format!("it unpacks to more than {} MiB (the unpacked-size limit)", mib(*max)),
        ),
        Refusal::TooLarge(Limit::Cells { max }) => (
            format!("có quá {} ô dữ liệu (giới hạn số ô)", format::number(*max as f64, 0, Locale::Vi)),
            format!("it has more than {} cells (the cell limit)", format::number(*max as f64, 0, Locale::En)),
        ),
        Refusal::TooLarge(Limit::SharedStrings { max }) => (
            format!("có quá {} chuỗi văn bản dùng chung (giới hạn số ô)", format::number(*max as f64, 0, Locale::Vi)),
            format!("it has more than {} shared strings (the cell limit)", format::number(*max as f64, 0, Locale::En)),
        ),
        Refusal::TooLarge(Limit::Ratio { entry }) => (
            format!("phần \"{entry}\" có tỷ lệ nén bất thường (không phải sổ tính thông thường)"),
            format!("its part \"{entry}\" has an abnormal compression ratio (not an ordinary workbook)"),
        ),
        Refusal::TooLarge(Limit::Entries { max }) => (format!("có quá {max} thành phần"), format!("it has more than {max} parts")),
        Refusal::TooLarge(Limit::Structure) => ("có cấu trúc tệp không hợp lệ".to_owned(), "its file structure is not valid".to_owned()),
    };
    ("import_too_large".into(), Text::new(format!("Tệp Excel không được nhập vì {vi}."), format!("The workbook was not imported because {en}.")))
}

fn what_vi(what: &str) -> &'static str {
    match what {
        "unit" => "đơn vị",
        "user" => "người dùng",
        "tenant" => "đơn vị chủ quản",
        "group" => "nhóm người dùng",
        "report" => "báo cáo",
        "notification" => "thông báo",
        "attachment" => "tập tin đính kèm",
        "form" => "biểu mẫu",
        "regime" => "chế độ báo cáo",
        _ => "dữ liệu",
    }
}

/// The JSON API's error: `{"error": {"code", "message", "message_en", "fields"}}`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);

impl<T> From<T> for ApiError
where
    AppError: From<T>,
    T: NotAppError,
{
    fn from(err: T) -> Self {
        ApiError(AppError::from(err))
    }
}

/// Marker so the blanket conversion above does not overlap `From<AppError>`.
pub trait NotAppError {}
impl NotAppError for StoreError {}
impl NotAppError for Denied {}
impl NotAppError for Invalid {}
impl NotAppError for IdentityError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log();
        let mut response = HttpResponse::build(self.0.status());
        if let AppError::TooManyAttempts { seconds } = self.0 {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.content_type(ContentType::json()).json(self.0.body())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
