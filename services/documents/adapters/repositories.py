"""Tenant-scoped repositories: every query carries the caller's school (or an audited grant)."""
from __future__ import annotations

from dataclasses import dataclass

from services.kernel.tenancy import TenantRepository, TenantScope

from .records import DocumentRecord, ExportRecord, FolderRecord, LockRecord, SchoolRecord, VersionRecord


class SchoolRepository(TenantRepository[SchoolRecord]):
    document = SchoolRecord


class FolderRepository(TenantRepository[FolderRecord]):
    document = FolderRecord


class DocumentRepository(TenantRepository[DocumentRecord]):
    document = DocumentRecord


class VersionRepository(TenantRepository[VersionRecord]):
    document = VersionRecord


class LockRepository(TenantRepository[LockRecord]):
    document = LockRecord


class ExportRepository(TenantRepository[ExportRecord]):
    document = ExportRecord


@dataclass(frozen=True)
class Repositories:
    """All repositories of one scope."""

    scope: TenantScope

    @property
    def schools(self) -> SchoolRepository:
        return SchoolRepository(scope=self.scope)

    @property
    def folders(self) -> FolderRepository:
        return FolderRepository(scope=self.scope)

    @property
    def documents(self) -> DocumentRepository:
        return DocumentRepository(scope=self.scope)

    @property
    def versions(self) -> VersionRepository:
        return VersionRepository(scope=self.scope)

    @property
    def locks(self) -> LockRepository:
        return LockRepository(scope=self.scope)

    @property
    def exports(self) -> ExportRepository:
        return ExportRepository(scope=self.scope)
