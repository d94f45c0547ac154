import type { Database } from './database.js'
import type { PostgresDatabase } from './postgres.js'
import { type PostgresMigration, postgresMigrations } from './postgres-migrations.js'
import type { SqliteDatabase } from './sqlite.js'

export interface Migration {
  version: number
  name: string
  sql: string
  /**
   * Rebuilds a table others refer to (SQLite cannot drop NOT NULL in place): runs with foreign keys off,
   * as SQLite's own 12-step procedure asks, and checks every reference before committing.
   */
  rebuildsTables?: boolean
}

/**
 * Versioned schema. Append only: a released migration is never edited, a change is a new entry — here
 * and, with the same version number, in PostgreSQL's list (postgres-migrations.ts).
 * The applied version lives in SQLite's own `PRAGMA user_version`.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'organisation, users and sessions',
    sql: `
      CREATE TABLE departments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );
      CREATE TABLE sections (
        id TEXT PRIMARY KEY,
        department_id TEXT NOT NULL REFERENCES departments(id),
        name TEXT NOT NULL,
        UNIQUE (department_id, name)
      );
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('staff', 'lead', 'head', 'planning', 'admin')),
        department_id TEXT NOT NULL REFERENCES departments(id),
        section_id TEXT REFERENCES sections(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL -- epoch milliseconds
      );
      CREATE INDEX sessions_by_user ON sessions (user_id);
      -- Failed logins per typed user name (known or not, so lockout does not reveal which names exist).
      CREATE TABLE login_failures (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL COLLATE NOCASE,
        at INTEGER NOT NULL -- epoch milliseconds
      );
      CREATE INDEX login_failures_by_username ON login_failures (username, at);
    `,
  },
  {
    version: 2,
    name: 'sheets, their Yjs state, and the audit log',
    sql: `
      CREATE TABLE sheets (
        id TEXT PRIMARY KEY,
        department_id TEXT NOT NULL REFERENCES departments(id),
        fiscal_year INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'approved')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (department_id, fiscal_year)
      );
      -- The stored Yjs state of each sheet (one merged update). The co-editing issue adds its update log.
      CREATE TABLE sheet_documents (
        sheet_id TEXT PRIMARY KEY REFERENCES sheets(id),
        state BLOB NOT NULL,
        updated_at TEXT NOT NULL
      );
      -- Access and change log; towns keep these at least a year, so nothing here is ever pruned by the app.
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user_id TEXT,
        username TEXT,
        action TEXT NOT NULL,
        target TEXT,
        detail TEXT
      );
      CREATE INDEX audit_log_by_at ON audit_log (at);
    `,
  },
  {
    version: 3,
    name: 'update log of each sheet',
    sql: `
      -- Every update the sync server accepts, appended within one flush tick; compacted into
      -- sheet_documents.state when it grows and when the document unloads.
      CREATE TABLE sheet_updates (
        id INTEGER PRIMARY KEY,
        sheet_id TEXT NOT NULL REFERENCES sheets(id),
        data BLOB NOT NULL
      );
      CREATE INDEX sheet_updates_by_sheet ON sheet_updates (sheet_id, id);
    `,
  },
  {
    version: 4,
    name: 'comment threads, comments, mentions and unread marks',
    sql: `
      CREATE TABLE comment_threads (
        id TEXT PRIMARY KEY,
        sheet_id TEXT NOT NULL REFERENCES sheets(id),
        target_kind TEXT NOT NULL CHECK (target_kind IN ('measure', 'project', 'issue', 'policy', 'text')),
        target_id TEXT NOT NULL,
        -- For text ranges: the field and the Yjs relative positions of both ends (JSON).
        anchor TEXT,
        quote TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
        state_by TEXT REFERENCES users(id),
        state_at TEXT,
        created_by TEXT NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL
      );
      CREATE INDEX comment_threads_by_sheet ON comment_threads (sheet_id, created_at);
      CREATE TABLE comments (
        id TEXT PRIMARY KEY,
        thread_id TEXT NOT NULL REFERENCES comment_threads(id),
        author_id TEXT NOT NULL REFERENCES users(id),
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        edited_at TEXT,
        deleted_at TEXT
      );
      CREATE INDEX comments_by_thread ON comments (thread_id, created_at);
      CREATE TABLE comment_mentions (
        comment_id TEXT NOT NULL REFERENCES comments(id),
        kind TEXT NOT NULL CHECK (kind IN ('user', 'section')),
        target_id TEXT NOT NULL,
        PRIMARY KEY (comment_id, kind, target_id)
      );
      -- A row means: this person has not opened this thread since it last concerned them.
      CREATE TABLE comment_unread (
        thread_id TEXT NOT NULL REFERENCES comment_threads(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        PRIMARY KEY (thread_id, user_id)
      );
      CREATE INDEX comment_unread_by_user ON comment_unread (user_id);
    `,
  },
  {
    version: 5,
    name: 'approval: revisions, immutable versions, rejected change sets, append-only audit',
    sql: `
      ALTER TABLE sheets ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE sheets ADD COLUMN returned_reason TEXT;
      CREATE TABLE sheet_versions (
        id INTEGER PRIMARY KEY,
        sheet_id TEXT NOT NULL REFERENCES sheets(id),
        number INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        state BLOB NOT NULL,
        canonical TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        approved_by TEXT NOT NULL REFERENCES users(id),
        approved_at TEXT NOT NULL,
        UNIQUE (sheet_id, number)
      );
      -- An approved version is never changed nor removed, whatever code runs against the file.
      CREATE TRIGGER sheet_versions_no_update BEFORE UPDATE ON sheet_versions
        BEGIN SELECT RAISE(ABORT, 'approved versions are immutable'); END;
      CREATE TRIGGER sheet_versions_no_delete BEFORE DELETE ON sheet_versions
        BEGIN SELECT RAISE(ABORT, 'approved versions are immutable'); END;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      -- Edits that reached a frozen sheet (an offline client coming back): kept, not merged.
      CREATE TABLE rejected_changes (
        id TEXT PRIMARY KEY,
        sheet_id TEXT NOT NULL REFERENCES sheets(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        version_number INTEGER NOT NULL,
        data BLOB NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX rejected_changes_by_sheet_user ON rejected_changes (sheet_id, user_id);
    `,
  },
  {
    version: 6,
    name: 'a town of its own: organisation upkeep, fiscal years, sheet projections, partner acknowledgements, notifications',
    rebuildsTables: true,
    sql: `
      -- Departments and sections are ordered by hand and retired, never deleted: old sheets keep them.
      ALTER TABLE departments ADD COLUMN sort_order INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE departments ADD COLUMN retired_at TEXT;
      UPDATE departments SET sort_order = rowid;
      ALTER TABLE sections ADD COLUMN sort_order INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sections ADD COLUMN retired_at TEXT;
      UPDATE sections SET sort_order = rowid;

      -- Admin and planning (企画) accounts need no department; staff, leads and heads do.
      -- disabled_at: the account can no longer sign in (kept for authorship).
      CREATE TABLE users_new (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('staff', 'lead', 'head', 'planning', 'admin')),
        department_id TEXT REFERENCES departments(id),
        section_id TEXT REFERENCES sections(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        disabled_at TEXT,
        CHECK (department_id IS NOT NULL OR role IN ('planning', 'admin'))
      );
      INSERT INTO users_new (id, username, display_name, password_hash, role, department_id, section_id, created_at, updated_at)
        SELECT id, username, display_name, password_hash, role, department_id, section_id, created_at, updated_at FROM users;
      DROP TABLE users;
      ALTER TABLE users_new RENAME TO users;
      CREATE INDEX users_by_department ON users (department_id, section_id);

      -- A fiscal year the planning department opened, with its deadline for the sheets (YYYY-MM-DD).
      CREATE TABLE fiscal_years (
        year INTEGER PRIMARY KEY,
        deadline TEXT,
        opened_by TEXT REFERENCES users(id),
        opened_at TEXT NOT NULL
      );
      -- The approved version of the year before a draft was carried forward from (継続 rows).
      ALTER TABLE sheets ADD COLUMN previous_sheet_id TEXT REFERENCES sheets(id);
      ALTER TABLE sheets ADD COLUMN previous_version INTEGER;

      -- What the board reads instead of decoding every Y.Doc: the sheet's canonical JSON and totals,
      -- written whenever the document is stored and at approval.
      CREATE TABLE sheet_projections (
        sheet_id TEXT PRIMARY KEY REFERENCES sheets(id),
        canonical TEXT NOT NULL,
        budget_total INTEGER NOT NULL,
        measures INTEGER NOT NULL,
        projects INTEGER NOT NULL,
        edited_at TEXT,
        edited_by TEXT REFERENCES users(id),
        updated_at TEXT NOT NULL
      );

      -- 了承: a partner department acknowledged a row of another department's sheet that names it.
      CREATE TABLE partner_acks (
        sheet_id TEXT NOT NULL REFERENCES sheets(id),
        row_id TEXT NOT NULL,
        department_id TEXT NOT NULL REFERENCES departments(id),
        acknowledged_by TEXT NOT NULL REFERENCES users(id),
        acknowledged_at TEXT NOT NULL,
        PRIMARY KEY (sheet_id, row_id, department_id)
      );

      -- In-app notifications, one row per person reached.
      CREATE TABLE notifications (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        kind TEXT NOT NULL,
        sheet_id TEXT REFERENCES sheets(id),
        link TEXT,
        text TEXT NOT NULL,
        at TEXT NOT NULL,
        read_at TEXT
      );
      CREATE INDEX notifications_by_user ON notifications (user_id, at);
    `,
  },
  {
    version: 7,
    name: 'trust: one merged late change set per person and version, carried into a revision; the view log',
    sql: `
      -- A late (offline) change set is merged per person and version; carried_at marks one taken into a revision.
      ALTER TABLE rejected_changes ADD COLUMN updated_at TEXT;
      ALTER TABLE rejected_changes ADD COLUMN carried_at TEXT;
      CREATE INDEX rejected_changes_by_version ON rejected_changes (sheet_id, user_id, version_number);

      -- Who opened which sheet and version (null: the live sheet). Kept at least a year.
      CREATE TABLE sheet_views (
        id INTEGER PRIMARY KEY,
        sheet_id TEXT NOT NULL REFERENCES sheets(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        version_number INTEGER,
        opened_at TEXT NOT NULL
      );
      CREATE INDEX sheet_views_by_sheet ON sheet_views (sheet_id, opened_at);
      CREATE INDEX sheet_views_by_user ON sheet_views (user_id, sheet_id, opened_at);
    `,
  },
  {
    version: 8,
    name: 'login throttling by user name and client address',
    sql: `
      -- The client address of each failed login ('' for rows from before), for throttling per address.
      ALTER TABLE login_failures ADD COLUMN address TEXT NOT NULL DEFAULT '';
      CREATE INDEX login_failures_by_address ON login_failures (address, at);
    `,
  },
  {
    version: 9,
    name: 'who changed what: the author of each logged update, the last edit per field and person, the content at submit',
    sql: `
      -- The author of each logged update (null: the server's own change, or a row from before).
      ALTER TABLE sheet_updates ADD COLUMN user_id TEXT REFERENCES users(id);
      ALTER TABLE sheet_updates ADD COLUMN created_at TEXT;
      -- Per field and person, when they last changed it: what compaction keeps of the log's authorship.
      -- field: a row field, 'budget', 'order' (moved) or 'row' (added or removed); row_id '' for the situation.
      -- Kept at least a year by town rules: the app never deletes these rows.
      CREATE TABLE field_edits (
        sheet_id TEXT NOT NULL REFERENCES sheets(id),
        part TEXT NOT NULL,
        row_id TEXT NOT NULL,
        field TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users(id),
        edited_at TEXT NOT NULL,
        PRIMARY KEY (sheet_id, part, row_id, field, user_id)
      );
      CREATE INDEX field_edits_by_time ON field_edits (sheet_id, edited_at);
      -- The content as it was submitted for review (確認依頼), so the 課長 sees what changed since.
      CREATE TABLE sheet_submissions (
        id INTEGER PRIMARY KEY,
        sheet_id TEXT NOT NULL REFERENCES sheets(id),
        revision INTEGER NOT NULL,
        submitted_by TEXT NOT NULL REFERENCES users(id),
        submitted_at TEXT NOT NULL,
        canonical TEXT NOT NULL
      );
      CREATE INDEX sheet_submissions_by_sheet ON sheet_submissions (sheet_id, id);
    `,
  },
  {
    version: 10,
    name: 'evaluations: 中間評価 and 年度末評価 of an approved sheet, their workflow and frozen version',
    sql: `
      -- One row per sheet and kind. The rows themselves live in the sheet's Y.Doc ([S20]); this holds the
      -- workflow state, the content as submitted and, once approved, the frozen canonical JSON and its hash.
      CREATE TABLE sheet_evaluations (
        sheet_id TEXT NOT NULL REFERENCES sheets(id),
        kind TEXT NOT NULL CHECK (kind IN ('midyear', 'yearend')),
        status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved')),
        plan_version INTEGER NOT NULL,
        opened_by TEXT NOT NULL REFERENCES users(id),
        opened_at TEXT NOT NULL,
        returned_reason TEXT,
        submitted_canonical TEXT,
        canonical TEXT,
        sha256 TEXT,
        approved_by TEXT REFERENCES users(id),
        approved_at TEXT,
        PRIMARY KEY (sheet_id, kind),
        CHECK ((status = 'approved') = (canonical IS NOT NULL AND sha256 IS NOT NULL AND approved_by IS NOT NULL))
      );
    `,
  },
  {
    version: 11,
    name: 'review above the 課長 (企画確認, 庁議報告) and what the sheet prints (課長名, 職員数)',
    sql: `
      -- The town's settings, one row per key (review_step: '1' turns on 企画確認 and 庁議報告 after approval).
      CREATE TABLE town_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_by TEXT REFERENCES users(id),
        updated_at TEXT NOT NULL
      );
      -- The review of one approved version: 企画確認 (confirmed_*), or its send-back (returned_*, which
      -- opened the next revision), then 庁議報告 (reported_on, the meeting's day YYYY-MM-DD). The version
      -- itself never changes; this row only says how far its review went.
      CREATE TABLE sheet_reviews (
        sheet_id TEXT NOT NULL REFERENCES sheets(id),
        version_number INTEGER NOT NULL,
        confirmed_by TEXT REFERENCES users(id),
        confirmed_at TEXT,
        returned_by TEXT REFERENCES users(id),
        returned_at TEXT,
        returned_reason TEXT,
        reported_on TEXT,
        reported_by TEXT REFERENCES users(id),
        reported_at TEXT,
        PRIMARY KEY (sheet_id, version_number),
        CHECK (confirmed_at IS NULL OR returned_at IS NULL),
        CHECK (reported_on IS NULL OR confirmed_at IS NOT NULL)
      );
      -- 職員数: the department's head count as the town's form prints it (null: not given).
      ALTER TABLE departments ADD COLUMN staff_count INTEGER;
      -- What the form's header carries, as it was when the version was approved: the approving 課長's name
      -- and the department's 職員数 (null for versions approved before this migration).
      ALTER TABLE sheet_versions ADD COLUMN head_name TEXT;
      ALTER TABLE sheet_versions ADD COLUMN staff_count INTEGER;
    `,
  },
  {
    version: 12,
    name: 'the comprehensive plan (総合計画): plans for a span of years and their 基本目標, 施策 and KPI',
    sql: `
      CREATE TABLE plans (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        start_year INTEGER NOT NULL,
        end_year INTEGER NOT NULL,
        -- Bumped by every change of the plan or its entries: a save or an import names the revision it was
        -- made against, so two planners never overwrite each other unseen.
        revision INTEGER NOT NULL DEFAULT 0,
        created_by TEXT NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        updated_by TEXT REFERENCES users(id),
        updated_at TEXT NOT NULL,
        CHECK (end_year >= start_year)
      );
      -- One table for the three levels: a 基本目標 (goal) has no parent, a 施策 (measure) a goal, a KPI a
      -- measure. Ids are stable across renumbering and re-imports: sheets link to them ([S21]).
      CREATE TABLE plan_entries (
        id TEXT PRIMARY KEY,
        plan_id TEXT NOT NULL REFERENCES plans(id),
        kind TEXT NOT NULL CHECK (kind IN ('goal', 'measure', 'kpi')),
        parent_id TEXT REFERENCES plan_entries(id),
        number TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL,
        unit TEXT NOT NULL DEFAULT '',
        baseline REAL,
        baseline_year INTEGER,
        -- KPI targets per year, JSON [{"year":2025,"value":30}]: read and written with the KPI, never queried.
        targets TEXT NOT NULL DEFAULT '[]',
        position INTEGER NOT NULL,
        CHECK ((kind = 'goal') = (parent_id IS NULL))
      );
      CREATE INDEX plan_entries_by_plan ON plan_entries (plan_id, kind, position);
    `,
  },
]

export const LATEST_SCHEMA_VERSION = migrations.at(-1)?.version ?? 0

export async function schemaVersion(db: Database): Promise<number> {
  if (isPostgres(db)) {
    const table = await db.get<{ t: string | null }>("SELECT to_regclass('schema_version')::text AS t")
    if (!table?.t) return 0
    return (await db.get<{ version: number }>('SELECT version FROM schema_version'))?.version ?? 0
  }
  const row = await db.get<{ user_version: number }>('PRAGMA user_version')
  return row?.user_version ?? 0
}

function isPostgres(db: Database): db is PostgresDatabase {
  return db.dialect === 'postgres'
}

function refuseNewer(current: number, known: number): void {
  if (current > known) {
    throw new Error(
      `Database schema version ${current} is newer than this server knows (${known}); refusing to start on it. Upgrade Hoshin.`,
    )
  }
}

/**
 * Applies every migration newer than the database and returns the versions applied. `list` is SQLite's
 * (tests pass a prefix of it); on PostgreSQL its own list up to the same version is applied instead. SQLite:
 * each migration in its own transaction. PostgreSQL: all of them in one transaction (its DDL is
 * transactional) under an advisory lock, so processes starting together never migrate twice.
 */
export async function migrate(db: Database, list: readonly Migration[] = migrations): Promise<number[]> {
  if (isPostgres(db)) {
    const upTo = list.at(-1)?.version ?? 0
    return migratePostgres(db, postgresMigrations.filter((m) => m.version <= upTo))
  }
  return migrateSqlite(db as SqliteDatabase, list)
}

async function migratePostgres(db: PostgresDatabase, list: readonly PostgresMigration[]): Promise<number[]> {
  // Two processes starting at once on an empty database: one migrates, the other waits and finds it done.
  return db.transaction(async (tx) => {
    await tx.exec("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.hoshin-migrate'))")
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)')
    const row = await tx.get<{ version: number }>('SELECT version FROM schema_version')
    if (!row) await tx.exec('INSERT INTO schema_version (version) VALUES (0)')
    const current = row?.version ?? 0
    refuseNewer(current, postgresMigrations.at(-1)?.version ?? 0)
    const applied: number[] = []
    for (const migration of list) {
      if (migration.version <= current) continue
      await tx.exec(migration.sql)
      await tx.run('UPDATE schema_version SET version = ?', [migration.version])
      applied.push(migration.version)
    }
    return applied
  })
}

async function migrateSqlite(db: SqliteDatabase, list: readonly Migration[]): Promise<number[]> {
  const current = await schemaVersion(db)
  refuseNewer(current, list.at(-1)?.version ?? 0)
  const applied: number[] = []
  for (const migration of list) {
    if (migration.version <= current) continue
    // foreign_keys cannot change inside a transaction, so it is turned off around it.
    if (migration.rebuildsTables) await db.exec('PRAGMA foreign_keys = OFF')
    try {
      await db.transaction(async (tx) => {
        await tx.exec(migration.sql)
        if (migration.rebuildsTables) {
          const broken = await tx.all('PRAGMA foreign_key_check')
          if (broken.length) throw new Error(`migration ${migration.version} would break ${broken.length} references`)
        }
        // PRAGMA takes no bound parameters; the version is our own integer.
        await tx.exec(`PRAGMA user_version = ${Math.trunc(migration.version)}`)
      })
    } finally {
      if (migration.rebuildsTables) await db.exec('PRAGMA foreign_keys = ON')
    }
    applied.push(migration.version)
  }
  return applied
}
