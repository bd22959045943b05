"""The seeded base catalogs by education level (``mam_non``, ``tieu_hoc``, ``thcs``, ``thpt``)."""
from __future__ import annotations

from services.documents.domain.catalog_mam_non import CATALOG as MAM_NON
from services.documents.domain.catalog_model import Catalog
from services.documents.domain.catalog_thcs_thpt import CATALOG_THCS, CATALOG_THPT
from services.documents.domain.catalog_tieu_hoc import CATALOG as TIEU_HOC

BASE_CATALOGS: dict[str, Catalog] = {
    "mam_non": MAM_NON,
    "tieu_hoc": TIEU_HOC,
    "thcs": CATALOG_THCS,
    "thpt": CATALOG_THPT,
}


def base_catalog(level: str) -> Catalog:
    """The national base catalog of an education level; ``KeyError`` for an unknown level."""
    return BASE_CATALOGS[level]
