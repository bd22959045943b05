"""Command line of the HoSo signing agent.

    python -m services.signing.agent --module /usr/lib/softhsm/libsofthsm2.so [--token-label LABEL] \
        sign --server https://hoso.example --job JOB_ID --pair CODE
    python -m services.signing.agent certificates --module ... [--token-label LABEL]

The job id and the one-time pairing code are the ones the "Ký số" page shows while the batch
waits for the token; the code works once, for ten minutes. Without ``--pair`` the access token
comes from ``HOSO_ACCESS_TOKEN`` (for administrators). The token PIN comes from
``HOSO_TOKEN_PIN`` or a prompt. Exit status 0 on success, 2 when something was refused (the
reason is printed).
"""
from __future__ import annotations

import argparse
import base64
import getpass
import os
import sys

from services.signing.agent.client import ServerError, SigningServer
from services.signing.agent.token import TokenError, TokenSession


def _pin() -> str:
    return os.environ.get("HOSO_TOKEN_PIN") or getpass.getpass("Mã PIN của token: ")


def sign(args: argparse.Namespace) -> int:
    """Log in to the token first (a wrong PIN must not spend the one-time code), then pair, sign, post."""
    base_url, direct = args.server or args.signing_url, args.server is None
    with TokenSession(module=args.module, pin=_pin(), token_label=args.token_label) as token:
        if args.pair:
            server = SigningServer.pair(base_url=base_url, job_id=args.job, code=args.pair, direct=direct)
        else:
            server = SigningServer(base_url=base_url, direct=direct,
                                   access_token=os.environ.get("HOSO_ACCESS_TOKEN", ""))
        job = server.job(args.job)
        print(f"Ký {len(job.items)} tài liệu:")
        for _, _, label in job.items:
            print(f"  - {label}")
        signatures = token.sign_all(job.certificate_der, [(item_id, data) for item_id, data, _ in job.items])
    server.post_signatures(job.id, signatures)
    print(f"Đã ký và gửi {len(signatures)} chữ ký về máy chủ.")
    return 0


def certificates(args: argparse.Namespace) -> int:
    with TokenSession(module=args.module, pin=_pin(), token_label=args.token_label) as token:
        for der in token.certificates():
            print(base64.b64encode(der).decode())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hoso-signing-agent", description="Ký số tài liệu HoSo bằng USB token.")
    parser.add_argument("--module", required=True, help="thư viện PKCS#11 của token (.so / .dll)")
    parser.add_argument("--token-label", default=None, help="nhãn token khi cắm nhiều token")
    commands = parser.add_subparsers(dest="command", required=True)
    sign_cmd = commands.add_parser("sign", help="ký một yêu cầu ký của máy chủ")
    where = sign_cmd.add_mutually_exclusive_group(required=True)
    where.add_argument("--server", help="địa chỉ HoSo (như khi mở bằng trình duyệt)")
    where.add_argument("--signing-url", help="địa chỉ trực tiếp của dịch vụ ký số (dành cho quản trị)")
    sign_cmd.add_argument("--job", required=True, help="mã yêu cầu ký hiển thị trên HoSo")
    sign_cmd.add_argument("--pair", default=None, help="mã ghép nối dùng một lần hiển thị trên HoSo (8 ký tự)")
    sign_cmd.set_defaults(run=sign)
    certs_cmd = commands.add_parser("certificates", help="liệt kê chứng thư số trên token (base64 DER)")
    certs_cmd.set_defaults(run=certificates)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (TokenError, ServerError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
