"""Backups and restores of the platform, a unit or one school (seed 001, Điều 15.2).

``python -m infra.backup create|restore|verify|decrypt|prune``: every service's database read as one
consistent snapshot per service and written in ``mongodump``'s layout (gzip BSON per collection plus
its metadata with indexes), the objects of the documents store and the audit anchors, all encrypted
at rest with AES-256-GCM under a key that never enters the backup. See ``docs/backups.md``.
"""
