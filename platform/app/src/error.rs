//! The one error of the use cases. Each variant has a stable code and a
//! message in Vietnamese and English ([`Error::public`]); a front end maps
//! variants to its own answers (HTTP statuses in the web layer) in one place.
//! Internal failures keep their source for the log and never reach a user.

use baocao_authz::Denied;
use baocao_documents::guard::{Limit, Refusal};
use baocao_domain::content::Stale;
use baocao_domain::entry::CellProblem;
use baocao_domain::format;
use baocao_domain::text::{Invalid, Locale, Text};
use baocao_identity::IdentityError;
use baocao_storage::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller's account is gone or no longer signed in.
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden: {0}")]
    Forbidden(Denied),
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// Input that breaks one or more rules; every offending field is listed.
    #[error("invalid input")]
    Invalid(Vec<Invalid>),
    /// Input that does not even parse (a query string with letters for a number).
    #[error("malformed input")]
    Malformed(Invalid),
    /// Cells the entry rules or the regime's validation refused; each names its row and column.
    #[error("invalid cells")]
    InvalidCells(Vec<CellProblem>),
    /// The writer's copy of a report is older than the stored one.
    #[error("stale version")]
    Stale(Box<Stale>),
    #[error("conflict")]
    Conflict(Invalid),
    /// A rule that needed the stored data (unit still has children …).
    #[error("refused")]
    Refused(Invalid),
    #[error("wrong username or password")]
    BadCredentials,
    #[error("captcha required or wrong")]
    Captcha { required: bool },
    /// Sign-in through the identity provider did not let the person in.
    #[error("sign-in through the identity provider refused: {0:?}")]
    SignIn(SignInRefusal),
    #[error("too many attempts")]
    TooManyAttempts { seconds: u64 },
    /// A file larger than its limit (an attachment).
    #[error("too large")]
    PayloadTooLarge,
    /// A workbook import would cost more than its limits allow.
    #[error("import refused by its limits: {0:?}")]
    ImportLimit(Refusal),
    /// A service the use case needs (the database, Redis) cannot be reached.
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// Why a sign-in through the identity provider (or, for a tenant that
/// requires it, with a password) did not let the person in. The cause of a
/// refused token goes to the log; people read only what they can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// No provider is configured.
    NotConfigured,
    /// The callback's state is unknown, already used, or from another browser.
    Flow,
    /// The provider refused, or what it returned failed a check (signature,
    /// issuer, audience, expiry, nonce).
    Provider,
    /// The identity is not linked to any user yet; it waits for an administrator.
    Waiting,
    /// The linked user is locked or deactivated.
    Inactive,
    /// The user's tenant requires the identity provider; passwords are refused.
    IdentityRequired,
}

impl SignInRefusal {
    fn text(self) -> (&'static str, &'static str, &'static str) {
        match self {
            SignInRefusal::NotConfigured => (
                "oidc_not_configured",
                "Hệ thống chưa được cấu hình đăng nhập bằng VNConnect.",
                "Sign-in through VNConnect is not configured.",
            ),
            SignInRefusal::Flow => (
                "oidc_flow",
                "Phiên đăng nhập bằng VNConnect không còn hiệu lực hoặc đã được dùng. Hãy bấm \"Đăng nhập với VNConnect\" lại.",
                "This VNConnect sign-in is no longer valid or was already used. Press \"Sign in with VNConnect\" again.",
            ),
            SignInRefusal::Provider => (
                "oidc_refused",
                "Không xác thực được thông tin đăng nhập do VNConnect trả về. Hãy thử lại; nếu vẫn lỗi, liên hệ quản trị hệ thống.",
                "The sign-in returned by VNConnect could not be verified. Try again; if it fails again, contact the system's administrator.",
            ),
            SignInRefusal::Waiting => (
                "identity_not_linked",
                "Tài khoản VNConnect của bạn chưa được liên kết với người dùng nào; hãy liên hệ quản trị đơn vị.",
                "Your VNConnect account is not linked to any user yet; contact your unit's administrator.",
            ),
            SignInRefusal::Inactive => (
                "account_inactive",
                "Tài khoản người dùng được liên kết đang bị khóa. Hãy liên hệ quản trị đơn vị.",
                "The linked user account is locked. Contact your unit's administrator.",
            ),
            SignInRefusal::IdentityRequired => (
                "identity_required",
                "Đơn vị của bạn yêu cầu đăng nhập bằng VNConnect.",
                "Your organisation requires signing in through VNConnect.",
            ),
        }
    }
}

impl Error {
    /// An internal failure, keeping what caused it.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Error::Internal(source.into())
    }

    /// Input that breaks one rule of one field.
    pub fn invalid(field: &'static str, code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Error::Invalid(vec![Invalid::new(field, code, Text::new(vi.into(), en.into()))])
    }

    /// The stable code and the message shown to people.
    pub fn public(&self) -> (String, Text) {
        let (code, text) = match self {
            Error::Invalid(list) if list.len() == 1 => return (list[0].code.to_owned(), list[0].text.clone()),
            Error::Conflict(i) | Error::Refused(i) | Error::Malformed(i) => return (i.code.to_owned(), i.text.clone()),
            Error::ImportLimit(refusal) => return import_refusal(refusal),
            Error::NotFound(what) => (
                "not_found",
                Text::new(format!("Không tìm thấy {}.", what_vi(what)), format!("The {what} was not found.")),
            ),
            Error::InvalidCells(cells) => ("invalid_cells", invalid_cells_text(cells.len())),
            Error::Stale(s) => ("stale_version", stale_text(s)),
            Error::TooManyAttempts { seconds } => (
                "too_many_attempts",
                Text::new(
                    format!("Quá nhiều lần thử đăng nhập. Vui lòng thử lại sau {seconds} giây."),
                    format!("Too many sign-in attempts. Try again in {seconds} seconds."),
                ),
            ),
            other => fixed_text(other),
        };
        (code.to_owned(), text)
    }

    /// The fields an error is about (invalid input, conflicts).
    pub fn invalid_fields(&self) -> &[Invalid] {
        match self {
            Error::Invalid(list) => list,
            Error::Conflict(i) | Error::Refused(i) | Error::Malformed(i) => std::slice::from_ref(i),
            _ => &[],
        }
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => Error::NotFound(what),
            StoreError::Conflict(i) => Error::Conflict(i),
            StoreError::Refused(i) => Error::Refused(i),
            StoreError::Stale(s) => Error::Stale(s),
            other if other.is_unavailable() => Error::Unavailable(other.into()),
            other => Error::Internal(other.into()),
        }
    }
}

impl From<Denied> for Error {
    fn from(err: Denied) -> Self {
        Error::Forbidden(err)
    }
}

impl From<Invalid> for Error {
    fn from(err: Invalid) -> Self {
        Error::Invalid(vec![err])
    }
}

impl From<IdentityError> for Error {
    fn from(err: IdentityError) -> Self {
        match err {
            IdentityError::SessionStore(_) => Error::Unavailable(err.into()),
            other => Error::Internal(other.into()),
        }
    }
}

impl From<baocao_documents::WriteError> for Error {
    fn from(err: baocao_documents::WriteError) -> Self {
        Error::Internal(err.into())
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(err: tokio::task::JoinError) -> Self {
        Error::Internal(err.into())
    }
}

/// The errors whose message does not depend on their content.
fn fixed_text(error: &Error) -> (&'static str, Text) {
    let (code, vi, en) = match error {
        Error::Unauthenticated => ("unauthenticated", "Vui lòng đăng nhập.", "Please sign in."),
        Error::Forbidden(_) => {
            ("forbidden", "Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this.")
        }
        Error::BadCredentials => {
            ("bad_credentials", "Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")
        }
        Error::Captcha { required: true } => {
            ("captcha_required", "Vui lòng nhập mã kiểm tra.", "Please type the verification code.")
        }
        Error::Captcha { required: false } => (
            "captcha_wrong",
            "Mã kiểm tra không đúng, vui lòng nhập lại.",
            "The verification code is wrong; please try again.",
        ),
        Error::SignIn(refusal) => refusal.text(),
        Error::PayloadTooLarge => {
            ("payload_too_large", "Dữ liệu gửi lên vượt quá dung lượng cho phép.", "The request body is too large.")
        }
        Error::Unavailable(_) => (
            "unavailable",
            "Hệ thống tạm thời không sẵn sàng, vui lòng thử lại sau.",
            "The service is temporarily unavailable.",
        ),
        Error::Invalid(_) => (
            "invalid_input",
            "Dữ liệu nhập chưa hợp lệ, vui lòng kiểm tra các trường được đánh dấu.",
            "Some fields are not valid.",
        ),
        _ => (
            "internal",
            "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.",
            "An internal error occurred. Please try again later.",
        ),
    };
    (code, Text::fixed(vi, en))
}

fn invalid_cells_text(count: usize) -> Text {
    Text::new(
        format!("Báo cáo chưa được lưu: có {count} ô dữ liệu không hợp lệ, vui lòng sửa các ô được đánh dấu."),
        format!("The report was not saved: {count} cells are not valid; please fix the marked cells."),
    )
}

fn stale_text(s: &Stale) -> Text {
    let version = s.current_version;
    Text::new(
        format!(
            "Báo cáo đã được {} lưu trước bạn (phiên bản {version}). Dữ liệu của bạn chưa được lưu; hãy xem các ô đã thay đổi rồi lưu lại.",
            s.last_actor.as_deref().unwrap_or("người khác"),
        ),
        format!(
            "{} saved the report before you (version {version}). Your changes were not saved; review the changed cells and save again.",
            s.last_actor.as_deref().unwrap_or("Someone else"),
        ),
    )
}

/// The limit an import ran into, named so the user knows what to change.
fn import_refusal(refusal: &Refusal) -> (String, Text) {
    let mib = |bytes: u64| format::number(bytes as f64 / (1024.0 * 1024.0), 0, Locale::Vi);
    let (vi, en) = match refusal {
        Refusal::TooSlow { seconds } => {
            return (
                "import_too_slow".into(),
                Text::new(
                    format!(
                        "Tệp Excel cần quá {seconds} giây để đọc nên không được nhập. Hãy bỏ các trang tính, định dạng và dòng thừa rồi nhập lại."
                    ),
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
        Refusal::TooLarge(Limit::Entries { max }) => {
            (format!("có quá {max} thành phần"), format!("it has more than {max} parts"))
        }
        Refusal::TooLarge(Limit::Structure) => {
            ("có cấu trúc tệp không hợp lệ".to_owned(), "its file structure is not valid".to_owned())
        }
    };
    (
        "import_too_large".into(),
        Text::new(
            format!("Tệp Excel không được nhập vì {vi}."),
            format!("The workbook was not imported because {en}."),
        ),
    )
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
