"""SNS takeover and impersonation incidents become kinds of the one incident record (issue 15).

Every ``social_incident`` row is copied into ``incident`` (kind ``sns_takeover`` / ``sns_impersonation``, the
account's department, ``source = migrated``, ``legacy_social_incident`` = the old id) and every
``social_incident_step`` row into ``incident_step`` with the same step key, who and when. The copy is done by the
database (INSERT … SELECT, raw SQL without placeholders), so timestamps and texts move unchanged on SQLite and
PostgreSQL; a row already copied is skipped, so running it again copies nothing twice. The old tables stay,
read-only, as they were.

Backwards removes the copied rows that nothing else refers to yet (the old tables still hold the originals).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-05T14:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "copy social incidents into incident"

COPY_INCIDENTS = """
INSERT INTO incident (
    kind, title, department, engagement, external_service, social_account, status, source, occurred_at,
    discovered_at, summary, personal_info, sensitive_info, ordinance_sensitive_info, specific_personal_info,
    people_min, people_max, unauthorised_purpose, property_damage, containment, fake_account_url, report_required,
    assessment, reported_by, reported_by_label, closed_at, closed_by, closing_note, legacy_social_incident,
    created_at, updated_at
)
SELECT
    CASE si.kind WHEN 'takeover' THEN 'sns_takeover' ELSE 'sns_impersonation' END,
    SUBSTR('SNSアカウント「' || sa.display_name || '」の'
           || CASE si.kind WHEN 'takeover' THEN '乗っ取り（不正アクセス）' ELSE 'なりすまし' END, 1, 200),
    sa.department, NULL, NULL, si.account,
    CASE WHEN si.closed_at IS NULL THEN 'open' ELSE 'closed' END, 'migrated', NULL,
    si.detected_at, si.summary, FALSE, FALSE, FALSE, FALSE,
    NULL, NULL, FALSE, FALSE, '', si.fake_account_url, FALSE,
    '{}', si.reported_by, si.reported_by_label, si.closed_at, NULL, '', si.id,
    si.created_at, COALESCE(si.closed_at, si.created_at)
FROM social_incident si JOIN social_account sa ON sa.id = si.account
WHERE NOT EXISTS (SELECT 1 FROM incident i WHERE i.legacy_social_incident = si.id)
ORDER BY si.id
"""

COPY_STEPS = """
INSERT INTO incident_step (
    incident, step, status, done_at, done_on, done_by, done_by_label, note, evidence, measure_id, created_at
)
SELECT i.id, s.step, 'done', s.done_at, NULL, s.done_by, s.done_by_label, s.note, NULL, NULL, s.done_at
FROM social_incident_step s JOIN incident i ON i.legacy_social_incident = s.incident
WHERE NOT EXISTS (SELECT 1 FROM incident_step x WHERE x.incident = i.id AND x.step = s.step)
ORDER BY s.id
"""

REMOVE_STEPS = """
DELETE FROM incident_step WHERE incident IN (
    SELECT id FROM incident WHERE source = 'migrated' AND legacy_social_incident IS NOT NULL
)
"""

REMOVE_INCIDENTS = "DELETE FROM incident WHERE source = 'migrated' AND legacy_social_incident IS NOT NULL"


async def copy_social_incidents() -> None:
    """Copy the incidents not copied yet, then the steps of copied incidents not there yet."""
    engine = engine_finder()
    await engine.run_ddl(COPY_INCIDENTS)
    await engine.run_ddl(COPY_STEPS)


async def remove_copies() -> None:
    """Remove the copies (their originals are still in social_incident and social_incident_step)."""
    engine = engine_finder()
    await engine.run_ddl(REMOVE_STEPS)
    await engine.run_ddl(REMOVE_INCIDENTS)


async def forwards():
    """Copy the SNS incidents and their steps into the incident record."""
    manager = MigrationManager(migration_id=ID, app_name="governance", description=DESCRIPTION)
    manager.add_raw(copy_social_incidents)
    manager.add_raw_backwards(remove_copies)
    return manager
