"""The school's read log downloads as a workbook (openpyxl) with exactly the rows of the CSV and of
the list, under the same filters; only the school's leadership gets it."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from test_read_log import campaign_and_progress_reads  # type: ignore[import-not-found]


def test_the_read_log_exports_as_xlsx_with_the_rows_of_the_csv(api) -> None:
    campaign_and_progress_reads(api)

    for query, expected in (("", 2), ("&campaign=dkt-hb", 1)):
        listed = api.ok("GET", f"/access-reads?format=json{query}", "thhp.hieutruong")["items"]
        xlsx = api.call("GET", f"/access-reads?format=xlsx{query}", "thhp.hieutruong")
        assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
        assert "ai-da-xem-ho-so-phe-duyet.xlsx" in xlsx.headers["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(xlsx.data)).active
        from_xlsx = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
        text = api.call("GET", f"/access-reads?format=csv{query}", "thhp.hieutruong").data.decode("utf-8-sig")
        from_csv = list(csv.reader(io.StringIO(text)))
        assert from_xlsx == from_csv, "the workbook has the CSV's header and rows"
        assert from_csv[0][:3] == ["Thời điểm", "Người xem", "Tài khoản"]
        assert len(from_csv) - 1 == len(listed) == expected
        assert [r[2] for r in from_csv[1:]] == [r["person"] for r in listed]
    campaign_row = next(r for r in from_csv[1:])
    assert campaign_row[6] == "Đợt kiểm tra dkt-hb" and campaign_row[7] == "dkt-hb"

    assert api.call("GET", "/access-reads?format=xlsx", "thhp.giaovien").status_code == 403
    assert api.call("GET", "/access-reads?format=pdf", "thhp.hieutruong").status_code == 422
