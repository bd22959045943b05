"""The operator commands that start a production district: add it, add its head, rotate keys."""
from __future__ import annotations

import re

import pytest

from services.identity.entrypoints import cli
from services.identity.entrypoints.app import create_app
from services.kernel.principal import Principal

from .conftest import sign_in


def test_an_operator_starts_a_district_and_its_head_signs_in(container, monkeypatch, capsys):
    monkeypatch.setattr(cli, "bootstrap", lambda: container)
    assert cli.main(["add-district", "--province-slug", "so-quang-nam", "--province-name", "Sở GD&ĐT Quảng Nam",
                     "--slug", "pgd-dien-ban", "--name", "Phòng GD&ĐT Điện Bàn"]) == 0
    assert cli.main(["add-staff", "--district", "pgd-dien-ban", "--role", "truong_phong", "--username", "db.tp",
                     "--full-name", "Hồ Văn Bàn", "--email", "tp@dienban.edu.vn"]) == 0
    out = capsys.readouterr().out
    password = re.search(r"mật khẩu tạm thời: (\S+)", out).group(1)
    client = create_app(container=container).test_client()
    assert sign_in(client, "db.tp", password).headers["Location"] == "change-password"
    assert cli.main(["add-staff", "--district", "pgd-dien-ban", "--role", "giao_vien", "--username", "x.y",
                     "--full-name", "X", "--email", "x@y.vn"]) == 2
    old = container.keys.current_kid()
    assert cli.main(["rotate-key", "--immediate"]) == 0
    assert container.keys.current_kid() != old


def test_an_operator_starts_a_commune_as_an_oversight_unit(container, monkeypatch, capsys):
    monkeypatch.setattr(cli, "bootstrap", lambda: container)
    assert cli.main(["add-district", "--province-slug", "so-quang-nam", "--province-name", "Sở GD&ĐT Quảng Nam",
                     "--slug", "ubnd-xa-duy-xuyen", "--name", "UBND xã Duy Xuyên", "--kind", "ubnd_xa"]) == 0
    assert "UBND xã Duy Xuyên" in capsys.readouterr().out
    unit = container.oversight.unit(Principal(sub="x", roles=frozenset({"chuyen_vien_so"}), province="so-quang-nam"),
                                    "ubnd-xa-duy-xuyen")
    assert (unit.kind, unit.name) == ("ubnd_xa", "UBND xã Duy Xuyên")
    with pytest.raises(SystemExit):  # the district level of UBND ended: no such kind
        cli.main(["add-district", "--province-slug", "so-quang-nam", "--province-name", "Sở GD&ĐT Quảng Nam",
                  "--slug", "ubnd-huyen-x", "--name", "UBND huyện X", "--kind", "ubnd_huyen"])
