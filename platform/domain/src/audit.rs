//! The audit trail in words: what was done, to what, and which fields
//! changed from what to what. The stored entry keeps its stable codes (the
//! API returns them); people read these labels.

use crate::text::Text;

/// An audited action ("membership.grant" → "Gán nhóm quyền").
pub fn action_label(action: &str) -> Text {
    let (vi, en) = match action {
        "tenant.create" => ("Tạo đơn vị chủ quản", "Tenant created"),
        "unit.create_root" => ("Tạo đơn vị gốc", "Root unit created"),
        "unit.create" => ("Thêm đơn vị", "Unit added"),
        "unit.update" => ("Sửa thông tin đơn vị", "Unit edited"),
        "unit.delete" => ("Xóa đơn vị", "Unit deleted"),
        "unit.reorganise" => ("Sắp xếp lại đơn vị", "Units reorganised"),
        "user.create" => ("Thêm người dùng", "User added"),
        "user.update" => ("Sửa thông tin người dùng", "User edited"),
        "user.change_password" => ("Đổi mật khẩu", "Password changed"),
        "user.reset_password" => ("Cấp lại mật khẩu", "Password reset"),
        "user.reset_password_with_token" => ("Đặt lại mật khẩu bằng mã", "Password reset with a code"),
        "membership.grant" => ("Gán nhóm quyền", "Group granted"),
        "membership.revoke" => ("Thu hồi nhóm quyền", "Group revoked"),
        "regime.upload" => ("Tải lên chế độ báo cáo", "Regime uploaded"),
        "regime.enable" => ("Bật chế độ báo cáo", "Regime enabled"),
        "regime.disable" => ("Tắt chế độ báo cáo", "Regime disabled"),
        "catalogue.publish" => ("Công bố danh mục dùng chung", "Catalogue published"),
        "approval_rule.set" => ("Đặt bước duyệt cấp đơn vị", "Unit-level approval set"),
        "identity.link" => ("Liên kết tài khoản VNConnect", "VNConnect account linked"),
        "identity.unlink" => ("Gỡ liên kết tài khoản VNConnect", "VNConnect account unlinked"),
        "identity.sign_in" => ("Đăng nhập bằng VNConnect", "Signed in through VNConnect"),
        "tenant.settings" => ("Thiết lập của đơn vị chủ quản", "Tenant settings changed"),
        _ => ("Thao tác quản trị khác", "Other administrative action"),
    };
    Text::fixed(vi, en)
}

/// What an entry is about ("user" → "Người dùng").
pub fn entity_label(entity: &str) -> Text {
    let (vi, en) = match entity {
        "user" => ("Người dùng", "User"),
        "unit" => ("Đơn vị", "Unit"),
        "tenant" => ("Đơn vị chủ quản", "Tenant"),
        "reorganisation" => ("Sắp xếp đơn vị", "Reorganisation"),
        "regime_plugin" => ("Chế độ báo cáo", "Regime"),
        "catalogue" => ("Danh mục dùng chung", "Shared catalogue"),
        "approval_rule" => ("Bước duyệt cấp đơn vị", "Unit-level approval"),
        "identity" => ("Tài khoản VNConnect", "VNConnect account"),
        _ => ("Đối tượng khác", "Other"),
    };
    Text::fixed(vi, en)
}

/// A field of a recorded before/after ("full_name" → "Họ và tên"); None
/// for fields that mean nothing to a reader (ids, hashes).
pub fn field_label(field: &str) -> Option<Text> {
    let (vi, en) = match field {
        "username" => ("Tên đăng nhập", "User name"),
        "full_name" => ("Họ và tên", "Full name"),
        "email" => ("Thư điện tử", "E-mail"),
        "phone" => ("Điện thoại", "Phone"),
        "id_number" => ("Số định danh", "ID number"),
        "status" => ("Trạng thái", "Status"),
        "code" => ("Mã", "Code"),
        "name" => ("Tên", "Name"),
        "kind" => ("Loại", "Kind"),
        "level" => ("Cấp", "Level"),
        "group" => ("Nhóm quyền", "Group"),
        "version" => ("Phiên bản", "Version"),
        "enabled" => ("Đang dùng", "Enabled"),
        "valid_from" => ("Hiệu lực từ", "Valid from"),
        "valid_to" => ("Hiệu lực đến", "Valid to"),
        "effective" => ("Ngày hiệu lực", "Effective"),
        "decision" => ("Quyết định", "Decision"),
        "title" => ("Tiêu đề", "Title"),
        "items" => ("Số dòng", "Rows"),
        "approval" => ("Duyệt cấp đơn vị", "Unit-level approval"),
        "user" => ("Người dùng", "User"),
        "require_identity" => ("Bắt buộc đăng nhập bằng VNConnect", "VNConnect sign-in required"),
        "reminder_days" => ("Số ngày nhắc trước hạn", "Reminder days before a deadline"),
        _ => return None,
    };
    Some(Text::fixed(vi, en))
}

/// The readable fields of a recorded state, in the order recorded: (field
/// code, label, value as text). Nested objects and ids are left out.
pub fn readable_fields(state: Option<&serde_json::Value>) -> Vec<(String, Text, String)> {
    let Some(serde_json::Value::Object(map)) = state else { return Vec::new() };
    map.iter()
        .filter_map(|(field, value)| {
            let label = field_label(field)?;
            let text = match value {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Bool(b) => if *b { "có" } else { "không" }.to_owned(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((field.clone(), label, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_as_words() {
        assert_eq!(action_label("membership.grant").vi, "Gán nhóm quyền");
        assert_eq!(action_label("something.new").vi, "Thao tác quản trị khác");
        assert_eq!(entity_label("user").vi, "Người dùng");
        let state = serde_json::json!({"id": 42, "full_name": "Nguyễn Văn A", "enabled": true, "unit_id": 5});
        let fields = readable_fields(Some(&state));
        let mut shown: Vec<(&str, &str)> = fields.iter().map(|(f, _, v)| (f.as_str(), v.as_str())).collect();
        shown.sort();
        assert_eq!(shown, vec![("enabled", "có"), ("full_name", "Nguyễn Văn A")]);
    }
}
