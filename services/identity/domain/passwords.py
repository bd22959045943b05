"""Password rules applied when a person chooses a password (first sign-in, change, reset)."""
from __future__ import annotations

import unicodedata

from services.identity.domain.errors import InvalidValue

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON = frozenset({
    "12345678", "123456789", "1234567890", "password", "password1", "matkhau123", "abc12345",
    "qwerty123", "11111111", "88888888", "admin123", "hoso2026", "iloveyou",
})


def check_new_password(password: str, *, username: str, old_password_matches: bool = False) -> str:
    """Return the password in NFC when it is acceptable; raise InvalidValue with the reason otherwise."""
    text = unicodedata.normalize("NFC", password or "")
    if len(text) < MIN_LENGTH:
        raise InvalidValue(f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự.", field="password")
    if len(text) > MAX_LENGTH:
        raise InvalidValue(f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự.", field="password")
    if not any(c.isalpha() for c in text) or not any(c.isdigit() for c in text):
        raise InvalidValue("Mật khẩu phải có cả chữ cái và chữ số.", field="password")
    if text.lower() in _COMMON or username.lower() in text.lower():
        raise InvalidValue("Mật khẩu quá dễ đoán; vui lòng chọn mật khẩu khác.", field="password")
    if old_password_matches:
        raise InvalidValue("Mật khẩu mới phải khác mật khẩu cũ.", field="password")
    return text
