"""Reasons a signing request is refused, each with a Vietnamese sentence a user can act on.

The service layer maps :class:`SigningRefused` to an HTTP problem (status from ``status``);
``code`` is the stable machine-readable reason.
"""
from __future__ import annotations


class SigningRefused(Exception):
    """A request to sign (or to unlock a key) that the service will not carry out."""

    status: int = 422
    code: str = "signing-refused"
    message: str = "Không thể ký tài liệu."
    field: str | None = None

    def __init__(self, detail: str | None = None, *, field: str | None = None) -> None:
        super().__init__(detail or self.message)
        self.detail = detail or self.message
        if field is not None:
            self.field = field


class CorruptPdf(SigningRefused):
    code = "corrupt-pdf"
    message = "Tệp không phải là PDF hợp lệ hoặc đã bị hỏng, không thể ký."


class EncryptedPdf(SigningRefused):
    code = "encrypted-pdf"
    message = "Tệp PDF đang được mã hóa (đặt mật khẩu); hãy gỡ mật khẩu trước khi ký."


class BrokenXref(SigningRefused):
    code = "broken-xref"
    message = "Bảng tham chiếu chéo (xref) của tệp PDF bị hỏng; hãy xuất lại tệp PDF rồi ký."


class WrongPin(SigningRefused):
    status = 403
    code = "wrong-pin"
    message = "Mã PIN không đúng."

    def __init__(self, tries_left: int) -> None:
        super().__init__(f"Mã PIN không đúng. Còn {tries_left} lần thử trước khi chứng thư bị khóa.")
        self.tries_left = tries_left


class CredentialLocked(SigningRefused):
    status = 423
    code = "credential-locked"
    message = "Chứng thư số đã bị khóa do nhập sai mã PIN quá số lần cho phép; liên hệ quản trị để mở khóa."


class CertificateExpired(SigningRefused):
    code = "certificate-expired"
    message = "Chứng thư số đã hết hạn hoặc chưa đến thời điểm có hiệu lực."


class CertificateRevoked(SigningRefused):
    code = "certificate-revoked"
    message = "Chứng thư số đã bị thu hồi."


class CertificateNotYours(SigningRefused):
    status = 403
    code = "certificate-not-yours"
    field = "credential_id"
    message = ("Chứng thư số này không đứng tên bạn: họ tên hoặc số định danh trên chứng thư không khớp với "
               "hồ sơ của bạn. Chỉ người đứng tên trên chứng thư số mới được đăng ký và dùng nó để ký.")


class CertificateNotForSigning(SigningRefused):
    code = "certificate-usage"
    message = "Chứng thư số không được phép dùng để ký (thiếu mục đích digitalSignature/nonRepudiation)."


class NotApproved(SigningRefused):
    status = 409
    code = "not-approved"
    message = "Hồ sơ chưa được phê duyệt nên chưa thể ký."


class OutOfTurn(SigningRefused):
    status = 409
    code = "out-of-turn"
    message = "Chưa đến lượt ký của bạn theo thứ tự ký của hồ sơ."


class DocumentChanged(SigningRefused):
    status = 409
    code = "document-changed"
    message = "Tài liệu đã thay đổi sau khi được phê duyệt; không thể ký phiên bản này."


class RenditionNotReady(SigningRefused):
    status = 409
    code = "rendition-not-ready"
    message = "Bản PDF của tài liệu chưa được tạo xong; hãy thử ký lại sau ít phút."


class SignatureMismatch(SigningRefused):
    code = "signature-mismatch"
    message = "Chữ ký nhận được không khớp với chứng thư số của người ký."


class SignatureRejected(SigningRefused):
    status = 409
    code = "signature-rejected"
    message = "Người ký đã từ chối xác nhận ký trên thiết bị."


class SignatureExpired(SigningRefused):
    status = 409
    code = "signature-expired"
    message = "Yêu cầu ký đã hết hạn trước khi được xác nhận."


class RecordAlreadySigned(SigningRefused):
    status = 409
    code = "record-signed"
    message = "Biên bản kiểm tra này đã được ký; không ký thêm lần nữa."


class NotRecordHead(SigningRefused):
    status = 403
    code = "not-record-head"
    message = "Chỉ trưởng đoàn kiểm tra mới được ký biên bản kiểm tra."


class KeyPathNotImmediate(SigningRefused):
    code = "key-path-not-immediate"
    message = ("Biên bản kiểm tra được ký bằng chứng thư số do nền tảng cấp hoặc tệp PKCS#12; "
               "ký từ xa và USB token chưa hỗ trợ cho biên bản.")


class PairingCodeWrong(SigningRefused):
    status = 403
    code = "pairing-code-wrong"
    field = "code"
    message = "Mã ghép nối không đúng."

    def __init__(self, tries_left: int) -> None:
        super().__init__(f"Mã ghép nối không đúng. Còn {tries_left} lần thử; hết lượt thì hãy tạo mã mới trên HoSo."
                         if tries_left else "Mã ghép nối không đúng và đã bị vô hiệu do nhập sai quá nhiều lần; "
                         "hãy tạo mã mới trên trang Ký số của HoSo.")
        self.tries_left = tries_left


class PairingCodeUnusable(SigningRefused):
    status = 403
    code = "pairing-code-unusable"
    field = "code"
    message = ("Mã ghép nối đã hết hạn, đã được dùng hoặc đã bị vô hiệu; hãy tạo mã mới trên trang Ký số "
               "của HoSo.")


class AgentTokenInvalid(SigningRefused):
    status = 401
    code = "agent-token-invalid"
    message = ("Mã truy cập của chương trình ký số không hợp lệ, đã hết hạn hoặc không dành cho yêu cầu ký này; "
               "hãy ghép nối lại bằng mã mới trên trang Ký số của HoSo.")
