"""Office → PDF with LibreOffice headless, one isolated profile per conversion.

Each conversion gets its own ``-env:UserInstallation`` directory (LibreOffice refuses to
run twice on one profile) and a timeout; the process group is killed on timeout.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path


class ConversionError(RuntimeError):
    """LibreOffice could not make a PDF; ``reason`` says why (kept on the version)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LibreOfficeConverter:
    def __init__(self, *, soffice: str = "soffice", timeout: int = 120, work_dir: str | os.PathLike[str] | None = None) -> None:
        self._soffice = soffice
        self._timeout = timeout
        self._work_dir = Path(work_dir) if work_dir else None

    def convert(self, source: Path, out_dir: Path) -> Path:
        """Convert ``source`` into ``out_dir`` and return the PDF's path."""
        if self._work_dir:
            self._work_dir.mkdir(parents=True, exist_ok=True)
        profile = Path(tempfile.mkdtemp(prefix="lo-profile-", dir=self._work_dir))
        cmd = [self._soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf", "--outdir", str(out_dir), str(source)]
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            try:
                out, err = proc.communicate(timeout=self._timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                raise ConversionError(f"LibreOffice quá thời gian {self._timeout} giây.") from None
        except FileNotFoundError:
            raise ConversionError("Không tìm thấy LibreOffice (soffice) trên máy chủ.") from None
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        pdf = out_dir / (source.stem + ".pdf")
        if proc.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
            detail = (err or out or b"").decode("utf-8", "replace").strip()[-300:]
            raise ConversionError(f"LibreOffice không chuyển được tệp sang PDF (mã {proc.returncode}). {detail}".strip())
        return pdf
