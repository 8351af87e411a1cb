#include "store/sqlite/schema.hpp"

#include <fmt/format.h>

#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "store/sqlite/text_match.hpp"

namespace estafeta::store::sqlite {

namespace {

// Never edit a migration that has shipped: add a new one.
constexpr const char* kSqlMigrations[] = {
    // 1: accounts, mail, audit.
    R"sql(
CREATE TABLE counter (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
INSERT INTO counter VALUES ('uidvalidity', 0);

CREATE TABLE organisation (
  id      INTEGER PRIMARY KEY,
  name    TEXT NOT NULL UNIQUE COLLATE NOCASE,
  created INTEGER NOT NULL
) STRICT;

CREATE TABLE user (
  id            INTEGER PRIMARY KEY,
  org_id        INTEGER NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  login         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name  TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'legal', 'member')),
  password_hash TEXT NOT NULL DEFAULT '',
  created       INTEGER NOT NULL
) STRICT;
CREATE INDEX user_org ON user(org_id);

CREATE TABLE mail_service (
  id      INTEGER PRIMARY KEY,
  org_id  INTEGER NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  name    TEXT NOT NULL UNIQUE COLLATE NOCASE,
  locked  INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL
) STRICT;
CREATE INDEX mail_service_org ON mail_service(org_id);

CREATE TABLE domain (
  id         INTEGER PRIMARY KEY,
  service_id INTEGER NOT NULL REFERENCES mail_service(id) ON DELETE CASCADE,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  created    INTEGER NOT NULL
) STRICT;
CREATE INDEX domain_service ON domain(service_id);

CREATE TABLE address (
  id        INTEGER PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
  address   TEXT NOT NULL UNIQUE COLLATE NOCASE,
  created   INTEGER NOT NULL
) STRICT;
CREATE INDEX address_domain ON address(domain_id);

CREATE TABLE access (
  id         INTEGER PRIMARY KEY,
  address_id INTEGER NOT NULL REFERENCES address(id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  may_change_special_folders INTEGER NOT NULL DEFAULT 1,
  created    INTEGER NOT NULL,
  UNIQUE (address_id, user_id)
) STRICT;
CREATE INDEX access_user ON access(user_id);

CREATE TABLE device_password (
  id        INTEGER PRIMARY KEY,
  access_id INTEGER NOT NULL REFERENCES access(id) ON DELETE CASCADE,
  label     TEXT NOT NULL,
  hash      BLOB NOT NULL,
  created   INTEGER NOT NULL,
  last_used INTEGER,
  last_ip   TEXT NOT NULL DEFAULT '',
  revoked   INTEGER
) STRICT;
CREATE INDEX device_password_access ON device_password(access_id);

CREATE TABLE mailbox (
  id            INTEGER PRIMARY KEY,
  address_id    INTEGER NOT NULL REFERENCES address(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  special_use   TEXT NOT NULL DEFAULT '',
  uidvalidity   INTEGER NOT NULL,
  uidnext       INTEGER NOT NULL DEFAULT 1,
  highestmodseq INTEGER NOT NULL DEFAULT 1,
  subscribed    INTEGER NOT NULL DEFAULT 1,
  created       INTEGER NOT NULL,
  UNIQUE (address_id, name)
) STRICT;

-- One row per distinct message content; the file is blobs/<hash>.
CREATE TABLE blob (
  id            INTEGER PRIMARY KEY,
  hash          TEXT NOT NULL UNIQUE,
  size          INTEGER NOT NULL,
  refs          INTEGER NOT NULL DEFAULT 0,
  envelope      TEXT NOT NULL,
  bodystructure TEXT NOT NULL,
  subject       TEXT NOT NULL DEFAULT '',
  from_name     TEXT NOT NULL DEFAULT '',
  from_address  TEXT NOT NULL DEFAULT '',
  recipients    TEXT NOT NULL DEFAULT '',
  date          INTEGER NOT NULL DEFAULT 0,
  message_id    TEXT NOT NULL DEFAULT '',
  has_attachments INTEGER NOT NULL DEFAULT 0,
  preview       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX blob_unreferenced ON blob(refs) WHERE refs = 0;

CREATE TABLE message (
  id            INTEGER PRIMARY KEY,
  mailbox_id    INTEGER NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,
  uid           INTEGER NOT NULL,
  blob_id       INTEGER NOT NULL REFERENCES blob(id),
  flags         INTEGER NOT NULL DEFAULT 0,
  keywords      TEXT NOT NULL DEFAULT '',
  internal_date INTEGER NOT NULL,
  size          INTEGER NOT NULL,
  modseq        INTEGER NOT NULL,
  UNIQUE (mailbox_id, uid)
) STRICT;
CREATE INDEX message_blob ON message(blob_id);
CREATE INDEX message_modseq ON message(mailbox_id, modseq);

CREATE TRIGGER message_ref AFTER INSERT ON message BEGIN
  UPDATE blob SET refs = refs + 1 WHERE id = NEW.blob_id;
END;
CREATE TRIGGER message_unref AFTER DELETE ON message BEGIN
  UPDATE blob SET refs = refs - 1 WHERE id = OLD.blob_id;
END;

-- Full-text index, one row per blob (rowid = blob.id); trigram: substring
-- and case-insensitive matching as IMAP SEARCH wants.
CREATE VIRTUAL TABLE blob_text USING fts5(headers, body, attachments, tokenize = 'trigram');

CREATE TABLE audit (
  id            INTEGER PRIMARY KEY,
  org_id        INTEGER NOT NULL DEFAULT 0,
  actor_user_id INTEGER,
  actor         TEXT NOT NULL,
  action        TEXT NOT NULL,
  target        TEXT NOT NULL DEFAULT '',
  product       TEXT NOT NULL DEFAULT '',
  ip            TEXT NOT NULL DEFAULT '',
  detail        TEXT NOT NULL DEFAULT '',
  time          INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_org_time ON audit(org_id, time);
CREATE INDEX audit_actor_time ON audit(actor_user_id, time);
)sql",

    // 2: expunged UIDs, kept for QRESYNC's VANISHED (RFC 7162 §3.2.5.1).
    R"sql(
CREATE TABLE expunged (
  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,
  uid        INTEGER NOT NULL,
  modseq     INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
) STRICT;
CREATE INDEX expunged_modseq ON expunged(mailbox_id, modseq);
)sql",
    // 3: the event log, so that a management action in one process (the CLI)
    // reaches the sessions of another (the server), and later other nodes.
    R"sql(
CREATE TABLE event_log (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: readers remember the last id
  kind               INTEGER NOT NULL,
  address_id         INTEGER NOT NULL DEFAULT 0,
  mailbox_id         INTEGER NOT NULL DEFAULT 0,
  service_id         INTEGER NOT NULL DEFAULT 0,
  access_id          INTEGER NOT NULL DEFAULT 0,
  device_password_id INTEGER NOT NULL DEFAULT 0,
  uid                INTEGER NOT NULL DEFAULT 0,
  modseq             INTEGER NOT NULL DEFAULT 0,
  time               INTEGER NOT NULL
) STRICT;
CREATE INDEX event_log_time ON event_log(time);
)sql",
    // 4: the outbound queue and the message trace.
    R"sql(
CREATE TABLE queue (
  id                INTEGER PRIMARY KEY,
  public_id         TEXT NOT NULL DEFAULT '',  -- the id in "250 … queued as X" and in the trace
  blob_id           INTEGER NOT NULL REFERENCES blob(id),
  sender            TEXT NOT NULL,
  envid             TEXT NOT NULL DEFAULT '',
  ret_full          INTEGER NOT NULL DEFAULT 1,
  sender_address_id INTEGER NOT NULL DEFAULT 0,
  created           INTEGER NOT NULL
) STRICT;
CREATE TRIGGER queue_ref AFTER INSERT ON queue BEGIN
  UPDATE blob SET refs = refs + 1 WHERE id = NEW.blob_id;
END;
CREATE TRIGGER queue_unref AFTER DELETE ON queue BEGIN
  UPDATE blob SET refs = refs - 1 WHERE id = OLD.blob_id;
END;

CREATE TABLE queue_rcpt (
  id             INTEGER PRIMARY KEY,
  queue_id       INTEGER NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
  recipient      TEXT NOT NULL,
  domain         TEXT NOT NULL,
  orcpt          TEXT NOT NULL DEFAULT '',
  notify         INTEGER NOT NULL DEFAULT 6,  -- bits: 1 success, 2 failure, 4 delay, 8 never
  state          INTEGER NOT NULL DEFAULT 0,  -- 0 pending, 1 delivered, 2 failed
  attempts       INTEGER NOT NULL DEFAULT 0,
  next_attempt   INTEGER NOT NULL,
  last_reply     TEXT NOT NULL DEFAULT '',
  remote_host    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX queue_rcpt_due ON queue_rcpt(next_attempt) WHERE state = 0;
CREATE INDEX queue_rcpt_queue ON queue_rcpt(queue_id);

CREATE TABLE trace (
  id          INTEGER PRIMARY KEY,
  address_id  INTEGER NOT NULL,
  queue_id    TEXT NOT NULL DEFAULT '',
  direction   TEXT NOT NULL,
  sender      TEXT NOT NULL DEFAULT '',
  recipient   TEXT NOT NULL DEFAULT '',
  status      TEXT NOT NULL,
  remote_host TEXT NOT NULL DEFAULT '',
  reply       TEXT NOT NULL DEFAULT '',
  time        INTEGER NOT NULL
) STRICT;
CREATE INDEX trace_address_time ON trace(address_id, time);
)sql",
    // 5: per-address quota and Sent copy, per-domain SPF policy.
    //
    // An address's usage is kept in its row (used_bytes, used_messages) by
    // triggers, so a quota check reads one row instead of summing every
    // message of every folder. The triggers run inside the statement that
    // changes the messages, hence in its transaction: the counts commit or
    // roll back with the messages. A folder deleted with its messages is
    // taken off before it goes (BEFORE DELETE): the cascade deletes the
    // messages after the folder row, when message_unused can no longer find
    // the folder's address and so counts nothing twice.
    R"sql(
ALTER TABLE address ADD COLUMN quota_bytes INTEGER;        -- NULL: no limit
ALTER TABLE address ADD COLUMN quota_messages INTEGER;     -- NULL: no limit
ALTER TABLE address ADD COLUMN save_sent INTEGER NOT NULL DEFAULT 1;
ALTER TABLE address ADD COLUMN used_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE address ADD COLUMN used_messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domain ADD COLUMN spf_fail TEXT NOT NULL DEFAULT 'junk' CHECK (spf_fail IN ('junk', 'reject'));

UPDATE address SET
  used_bytes = (SELECT coalesce(sum(m.size), 0) FROM mailbox x JOIN message m ON m.mailbox_id = x.id
                WHERE x.address_id = address.id),
  used_messages = (SELECT count(*) FROM mailbox x JOIN message m ON m.mailbox_id = x.id
                   WHERE x.address_id = address.id);

CREATE TRIGGER message_used AFTER INSERT ON message BEGIN
  UPDATE address SET used_bytes = used_bytes + NEW.size, used_messages = used_messages + 1
  WHERE id = (SELECT address_id FROM mailbox WHERE id = NEW.mailbox_id);
END;
CREATE TRIGGER message_unused AFTER DELETE ON message BEGIN
  UPDATE address SET used_bytes = used_bytes - OLD.size, used_messages = used_messages - 1
  WHERE id = (SELECT address_id FROM mailbox WHERE id = OLD.mailbox_id);
END;
CREATE TRIGGER message_moved AFTER UPDATE OF mailbox_id, size ON message BEGIN
  UPDATE address SET used_bytes = used_bytes - OLD.size, used_messages = used_messages - 1
  WHERE id = (SELECT address_id FROM mailbox WHERE id = OLD.mailbox_id);
  UPDATE address SET used_bytes = used_bytes + NEW.size, used_messages = used_messages + 1
  WHERE id = (SELECT address_id FROM mailbox WHERE id = NEW.mailbox_id);
END;
CREATE TRIGGER mailbox_unused BEFORE DELETE ON mailbox BEGIN
  UPDATE address SET
    used_bytes = used_bytes - (SELECT coalesce(sum(size), 0) FROM message WHERE mailbox_id = OLD.id),
    used_messages = used_messages - (SELECT count(*) FROM message WHERE mailbox_id = OLD.id)
  WHERE id = OLD.address_id;
END;
)sql",
    // 6: text waiting for the full-text index (accepting mail writes the
    // text here, a plain row; the indexer moves it into blob_text in
    // batches, and a search first indexes what is waiting in its folder);
    // small messages' bytes in the database.
    R"sql(
CREATE TABLE blob_text_pending (
  blob_id     INTEGER PRIMARY KEY,
  headers     TEXT NOT NULL,
  body        TEXT NOT NULL,
  attachments TEXT NOT NULL
) STRICT;

-- The bytes of small messages, kept in the database (store/blob_store.hpp).
CREATE TABLE blob_data (
  blob_id INTEGER PRIMARY KEY,
  data    BLOB NOT NULL
) STRICT;
)sql",
    // 7: whether the sender has been told that a recipient is delayed
    // (RFC 3464 Action: delayed, sent once).
    R"sql(
ALTER TABLE queue_rcpt ADD COLUMN delay_warned INTEGER NOT NULL DEFAULT 0;
)sql",
};

// The tables whose ids leave the store: sessions, the CLI, the event log,
// trace and queue ids, and later the web API hold them. Their ids must never
// be handed out twice: without AUTOINCREMENT, SQLite gives a new row
// max(rowid) + 1, so deleting the newest folder would let the next folder
// created (another organisation's, say) take its id, and a session still
// holding the old id would reach the new folder's mail.
constexpr const char* kNeverReusedIds[] = {
    "organisation", "user", "mail_service", "domain", "address",    "access", "device_password",
    "mailbox",      "blob", "message",      "queue",  "queue_rcpt", "trace",  "audit",
};

// Schema 8: rebuilds each table of kNeverReusedIds with
// `id INTEGER PRIMARY KEY AUTOINCREMENT`, keeping its rows, indexes and
// triggers (SQLite cannot add AUTOINCREMENT to a table in place). The copy
// seeds sqlite_sequence with the highest id each table has now.
//
// SQLite's own procedure for changing a table's definition: with foreign
// keys off (migrate() turns them off around every migration) and the legacy
// ALTER TABLE behaviour (a rename does not rewrite the REFERENCES clauses of
// other tables, which keep naming the table and so point at the new one),
// rename the old table away, create the new one under the name, copy, drop
// the old one, recreate its indexes and triggers, then check every foreign
// key before the commit.
Status rebuild_with_autoincrement(Database& db) {
  static const std::regex kPrimaryKey(R"(\bid\s+INTEGER\s+PRIMARY\s+KEY\b)");
  for (const char* table : kNeverReusedIds) {
    std::string create;
    std::vector<std::string> dependents;  // indexes and triggers on the table
    {
      auto defs = TRY(db.prepare("SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"));
      defs.bind_all(std::string(table));
      while (TRY(defs.step())) {
        if (defs.text(0) == "table")
          create = defs.text(1);
        else
          dependents.push_back(defs.text(1));
      }
    }
    std::smatch key;
    if (create.empty() || !std::regex_search(create, key, kPrimaryKey))
      return fail(ErrorKind::internal, "store error", fmt::format("schema 8: no id column in table {}", table));
    if (create.find("AUTOINCREMENT") != std::string::npos) continue;
    create.insert(static_cast<std::size_t>(key.position(0) + key.length(0)), " AUTOINCREMENT");
    TRY(db.exec(fmt::format("ALTER TABLE \"{0}\" RENAME TO \"{0}_before_8\"", table).c_str()));
    TRY(db.exec(create.c_str()));
    TRY(db.exec(
        fmt::format("INSERT INTO \"{0}\" SELECT * FROM \"{0}_before_8\"; DROP TABLE \"{0}_before_8\"", table).c_str()));
    for (auto& sql : dependents) TRY(db.exec(sql.c_str()));
  }
  return {};
}

// Schema 16: the word index beside the trigram one (text_match.hpp says
// why and when it answers), filled from the text already indexed; its
// vocabulary from the index's own list of words (fts5vocab). Words too long
// for the vocabulary (kMaxTermBytes) are not in it: the blobs that hold one
// are listed in text_long_term, and a search reads their text instead.
// And each folder's (uid, blob) in one index, which a search that matches
// much of the folder reads in order (search_text).
Status add_word_index(Database& db) {
  TRY(db.exec(R"sql(
CREATE VIRTUAL TABLE blob_words USING fts5(headers, body, attachments, content = '',
  tokenize = 'unicode61 remove_diacritics 0', detail = column);
INSERT INTO blob_words (rowid, headers, body, attachments)
  SELECT rowid, before_nul(headers), before_nul(body), before_nul(attachments) FROM blob_text;
CREATE TABLE text_term (
  id   INTEGER PRIMARY KEY,
  term TEXT NOT NULL UNIQUE
) STRICT;
CREATE VIRTUAL TABLE text_term_index USING fts5(term, content = 'text_term', content_rowid = 'id',
  tokenize = 'trigram');
CREATE TABLE text_long_term (blob_id INTEGER PRIMARY KEY) STRICT;
CREATE INDEX message_folder_blob ON message(mailbox_id, uid, blob_id);
CREATE VIRTUAL TABLE temp.blob_words_vocabulary USING fts5vocab(main, blob_words, row);
)sql"));
  auto terms =
      TRY(db.prepare("INSERT INTO text_term (term) SELECT term FROM temp.blob_words_vocabulary "
                     "WHERE length(term) >= 3 AND length(CAST(term AS BLOB)) <= ?"));
  TRY(terms.bind_all(static_cast<std::int64_t>(kMaxTermBytes)).run());
  TRY(db.exec("INSERT INTO text_term_index (text_term_index) VALUES ('rebuild')"));
  std::vector<std::string> long_terms;
  {
    auto sel = TRY(db.prepare("SELECT term FROM temp.blob_words_vocabulary WHERE length(CAST(term AS BLOB)) > ?"));
    sel.bind_all(static_cast<std::int64_t>(kMaxTermBytes));
    while (TRY(sel.step())) long_terms.push_back(sel.text(0));
  }
  auto holders = TRY(db.prepare(
      "INSERT OR IGNORE INTO text_long_term (blob_id) SELECT rowid FROM blob_words WHERE blob_words MATCH ?"));
  for (auto& term : long_terms) {
    TRY(holders.bind_all("\"" + term + "\"").run());
    holders.reset();
  }
  return db.exec("DROP TABLE temp.blob_words_vocabulary");
}

struct Migration {
  const char* sql = nullptr;           // either SQL text
  Status (*run)(Database&) = nullptr;  // or a step that needs code
};

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = [] {
    std::vector<Migration> m;
    for (const char* sql : kSqlMigrations) m.push_back({sql, nullptr});
    m.push_back({nullptr, rebuild_with_autoincrement});  // 8
    // 9: domain claims (store/types.hpp Domain): the domains there are were
    // added by an operator, hence verified.
    m.push_back({R"sql(
ALTER TABLE domain ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
ALTER TABLE domain ADD COLUMN verify_token TEXT NOT NULL DEFAULT '';
)sql",
                 nullptr});
    // 10: DNS zones (one per domain, records in presentation form) and DKIM
    // keys (the private key sealed with the server key). The 'zones'
    // counter grows with every zone change: caches of zones compare it.
    // Each domain's answer to a failed DMARC p=reject.
    // And \Recent: the highest UID some IMAP session has claimed (mail
    // already there when this runs is claimed: it is not new).
    // Subscriptions become names of their own (RFC 9051 §6.3.7): deleting
    // a folder no longer unsubscribes it.
    m.push_back({R"sql(
ALTER TABLE domain ADD COLUMN dmarc_reject TEXT NOT NULL DEFAULT 'reject'
  CHECK (dmarc_reject IN ('reject', 'quarantine'));
ALTER TABLE mailbox ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 0;
UPDATE mailbox SET recent_uid = uidnext - 1;

CREATE TABLE subscription (
  address_id INTEGER NOT NULL REFERENCES address(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  PRIMARY KEY (address_id, name)
) STRICT, WITHOUT ROWID;
INSERT INTO subscription SELECT address_id, name FROM mailbox WHERE subscribed = 1;
ALTER TABLE mailbox DROP COLUMN subscribed;

CREATE TABLE dns_zone (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  domain_id INTEGER NOT NULL UNIQUE REFERENCES domain(id) ON DELETE CASCADE,
  serial    INTEGER NOT NULL,
  created   INTEGER NOT NULL
) STRICT;

CREATE TABLE dns_record (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  zone_id INTEGER NOT NULL REFERENCES dns_zone(id) ON DELETE CASCADE,
  name    TEXT NOT NULL,
  type    TEXT NOT NULL,
  ttl     INTEGER NOT NULL CHECK (ttl >= 0 AND ttl <= 2147483647),
  data    TEXT NOT NULL,
  created INTEGER NOT NULL
) STRICT;
CREATE INDEX dns_record_zone ON dns_record(zone_id, name);

CREATE TABLE dkim_key (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  domain_id      INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
  selector       TEXT NOT NULL,
  algorithm      TEXT NOT NULL CHECK (algorithm IN ('ed25519-sha256', 'rsa-sha256')),
  sealed_private BLOB NOT NULL,
  public_record  TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('published', 'active', 'retiring', 'retired')),
  created        INTEGER NOT NULL,
  changed        INTEGER NOT NULL,
  UNIQUE (domain_id, selector)
) STRICT;

INSERT INTO counter VALUES ('zones', 1);
CREATE TRIGGER dns_record_changed AFTER INSERT ON dns_record BEGIN
  UPDATE counter SET value = value + 1 WHERE name = 'zones';
END;
CREATE TRIGGER dns_record_updated AFTER UPDATE ON dns_record BEGIN
  UPDATE counter SET value = value + 1 WHERE name = 'zones';
END;
CREATE TRIGGER dns_record_deleted AFTER DELETE ON dns_record BEGIN
  UPDATE counter SET value = value + 1 WHERE name = 'zones';
END;
CREATE TRIGGER dns_zone_deleted AFTER DELETE ON dns_zone BEGIN
  UPDATE counter SET value = value + 1 WHERE name = 'zones';
END;
)sql",
                 nullptr});
    // 11: account security (store/security.hpp): browser sessions, API
    // tokens, the second factor and lockout per user, emergency codes, the
    // organisation's policy and the login history.
    m.push_back({R"sql(
CREATE TABLE web_session (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  token_hash BLOB NOT NULL UNIQUE,
  method     TEXT NOT NULL,
  ip         TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  created    INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  expires    INTEGER NOT NULL
) STRICT;
CREATE INDEX web_session_user ON web_session(user_id);

CREATE TABLE api_token (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  label      TEXT NOT NULL,
  token_hash BLOB NOT NULL UNIQUE,
  created    INTEGER NOT NULL,
  last_used  INTEGER NOT NULL DEFAULT 0,
  last_ip    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX api_token_user ON api_token(user_id);

CREATE TABLE user_security (
  user_id             INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
  totp_sealed         BLOB NOT NULL DEFAULT x'',
  totp_pending_sealed BLOB NOT NULL DEFAULT x'',
  totp_last_step      INTEGER NOT NULL DEFAULT 0,
  lockout_threshold   INTEGER NOT NULL DEFAULT 10 CHECK (lockout_threshold BETWEEN 1 AND 100),
  failed_logins       INTEGER NOT NULL DEFAULT 0,
  locked_since        INTEGER,
  alert_on_success    INTEGER NOT NULL DEFAULT 0,
  alert_on_failure    INTEGER NOT NULL DEFAULT 0,
  alert_address       TEXT NOT NULL DEFAULT '',
  language            TEXT NOT NULL DEFAULT 'es' CHECK (language IN ('es', 'en')),
  recovery_requested  INTEGER NOT NULL DEFAULT 0,
  recovery_approved   INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE emergency_code (
  user_id   INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  code_hash BLOB NOT NULL,
  used      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;

CREATE TABLE org_policy (
  org_id                INTEGER PRIMARY KEY REFERENCES organisation(id) ON DELETE CASCADE,
  require_2fa           INTEGER NOT NULL DEFAULT 0,
  min_lockout_threshold INTEGER NOT NULL DEFAULT 3 CHECK (min_lockout_threshold BETWEEN 1 AND 100)
) STRICT;

CREATE TABLE login_history (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  time       INTEGER NOT NULL,
  ip         TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  method     TEXT NOT NULL,
  success    INTEGER NOT NULL,
  reason     TEXT NOT NULL
) STRICT;
CREATE INDEX login_history_user ON login_history(user_id, id);
CREATE INDEX login_history_time ON login_history(time);
)sql",
                 nullptr});
    // 12: what JMAP needs (store/emails.hpp). One MODSEQ counter per
    // address, so every change of any of its folders has a place in one
    // order (RFC 7162 only asks that a folder's MODSEQs ascend, which they
    // still do); an Email is an address's messages of one content, kept by
    // triggers from every path that adds, changes or removes messages; a
    // thread is the emails linked by Message-ID, In-Reply-To and
    // References. Emails already there start as threads of their own.
    m.push_back({R"sql(
ALTER TABLE address ADD COLUMN modseq INTEGER NOT NULL DEFAULT 1;
UPDATE address SET modseq = max(1, coalesce((SELECT max(highestmodseq) FROM mailbox WHERE address_id = address.id), 1));
ALTER TABLE mailbox ADD COLUMN created_modseq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailbox ADD COLUMN meta_modseq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE mailbox_gone (
  address_id INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL,
  modseq     INTEGER NOT NULL,
  PRIMARY KEY (address_id, mailbox_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE email (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  address_id     INTEGER NOT NULL REFERENCES address(id) ON DELETE CASCADE,
  blob_id        INTEGER NOT NULL,
  thread_id      INTEGER NOT NULL DEFAULT 0,
  created_modseq INTEGER NOT NULL,
  modseq         INTEGER NOT NULL,
  UNIQUE (address_id, blob_id)
) STRICT;
CREATE INDEX email_modseq ON email(address_id, modseq);
CREATE INDEX email_thread ON email(address_id, thread_id);
CREATE INDEX email_created ON email(address_id, created_modseq);

CREATE TABLE email_gone (
  address_id INTEGER NOT NULL,
  email_id   INTEGER NOT NULL,
  thread_id  INTEGER NOT NULL,
  modseq     INTEGER NOT NULL,
  PRIMARY KEY (address_id, email_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX email_gone_modseq ON email_gone(address_id, modseq);

-- The message ids a blob names (its own, In-Reply-To, References).
CREATE TABLE blob_msgid (
  blob_id INTEGER NOT NULL,
  msgid   TEXT NOT NULL,
  PRIMARY KEY (blob_id, msgid)
) STRICT, WITHOUT ROWID;
CREATE INDEX blob_msgid_msgid ON blob_msgid(msgid);
INSERT INTO blob_msgid SELECT id, message_id FROM blob WHERE message_id != '';
CREATE TRIGGER blob_msgid_gone AFTER DELETE ON blob BEGIN
  DELETE FROM blob_msgid WHERE blob_id = OLD.id;
END;

INSERT INTO email (address_id, blob_id, created_modseq, modseq)
  SELECT b.address_id, m.blob_id, min(m.modseq), max(m.modseq)
  FROM message m JOIN mailbox b ON b.id = m.mailbox_id
  GROUP BY b.address_id, m.blob_id ORDER BY min(m.id);
UPDATE email SET thread_id = id;

-- A folder's MODSEQ comes from its address's counter.
CREATE TRIGGER mailbox_modseq AFTER UPDATE OF highestmodseq ON mailbox BEGIN
  UPDATE address SET modseq = max(modseq, NEW.highestmodseq) WHERE id = NEW.address_id;
END;
CREATE TRIGGER mailbox_created AFTER INSERT ON mailbox BEGIN
  UPDATE address SET modseq = modseq + 1 WHERE id = NEW.address_id;
  UPDATE mailbox SET created_modseq = (SELECT modseq FROM address WHERE id = NEW.address_id),
                     meta_modseq = (SELECT modseq FROM address WHERE id = NEW.address_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER mailbox_changed AFTER UPDATE OF name, special_use ON mailbox BEGIN
  UPDATE address SET modseq = modseq + 1 WHERE id = NEW.address_id;
  UPDATE mailbox SET meta_modseq = (SELECT modseq FROM address WHERE id = NEW.address_id) WHERE id = NEW.id;
END;
CREATE TRIGGER mailbox_deleted AFTER DELETE ON mailbox
    WHEN EXISTS (SELECT 1 FROM address WHERE id = OLD.address_id) BEGIN
  UPDATE address SET modseq = modseq + 1 WHERE id = OLD.address_id;
  INSERT OR REPLACE INTO mailbox_gone (address_id, mailbox_id, modseq)
    SELECT OLD.address_id, OLD.id, modseq FROM address WHERE id = OLD.address_id;
END;
CREATE TRIGGER subscription_added AFTER INSERT ON subscription BEGIN
  UPDATE address SET modseq = modseq + 1 WHERE id = NEW.address_id;
  UPDATE mailbox SET meta_modseq = (SELECT modseq FROM address WHERE id = NEW.address_id)
    WHERE address_id = NEW.address_id AND name = NEW.name;
END;
CREATE TRIGGER subscription_removed AFTER DELETE ON subscription
    WHEN EXISTS (SELECT 1 FROM address WHERE id = OLD.address_id) BEGIN
  UPDATE address SET modseq = modseq + 1 WHERE id = OLD.address_id;
  UPDATE mailbox SET meta_modseq = (SELECT modseq FROM address WHERE id = OLD.address_id)
    WHERE address_id = OLD.address_id AND name = OLD.name;
END;

CREATE TRIGGER message_email_added AFTER INSERT ON message BEGIN
  INSERT INTO email (address_id, blob_id, created_modseq, modseq)
    SELECT address_id, NEW.blob_id, NEW.modseq, NEW.modseq FROM mailbox WHERE id = NEW.mailbox_id
    ON CONFLICT (address_id, blob_id) DO UPDATE SET modseq = excluded.modseq;
END;
CREATE TRIGGER message_email_changed AFTER UPDATE OF modseq ON message BEGIN
  UPDATE email SET modseq = NEW.modseq
    WHERE blob_id = NEW.blob_id AND address_id = (SELECT address_id FROM mailbox WHERE id = NEW.mailbox_id);
END;
-- The change that removes a message has already taken its MODSEQ from the
-- address's counter.
CREATE TRIGGER message_email_removed AFTER DELETE ON message BEGIN
  UPDATE email SET modseq = (SELECT modseq FROM address WHERE id = email.address_id)
    WHERE blob_id = OLD.blob_id AND address_id = (SELECT address_id FROM mailbox WHERE id = OLD.mailbox_id);
  DELETE FROM email
    WHERE blob_id = OLD.blob_id AND address_id = (SELECT address_id FROM mailbox WHERE id = OLD.mailbox_id)
      AND NOT EXISTS (SELECT 1 FROM message m JOIN mailbox b ON b.id = m.mailbox_id
                      WHERE m.blob_id = OLD.blob_id AND b.address_id = email.address_id);
END;
-- A new email joins the thread of any email of the address it shares a
-- message id with; otherwise it starts its own. CROSS JOIN keeps SQLite's
-- order: from the new message's ids to the emails, never a scan of the
-- address's emails.
CREATE TRIGGER email_threaded AFTER INSERT ON email BEGIN
  UPDATE email SET thread_id = coalesce(
      (SELECT min(o.thread_id) FROM blob_msgid k CROSS JOIN blob_msgid k2 CROSS JOIN email o
       WHERE k.blob_id = NEW.blob_id AND k2.msgid = k.msgid AND k2.blob_id != k.blob_id
         AND o.address_id = NEW.address_id AND o.blob_id = k2.blob_id), NEW.id)
    WHERE id = NEW.id;
END;
-- Blobs a JMAP client uploaded for an address (RFC 8620 §6.1), until they
-- expire; the file stays while a message or another upload uses it.
CREATE TABLE upload (
  address_id INTEGER NOT NULL REFERENCES address(id) ON DELETE CASCADE,
  hash       TEXT NOT NULL,
  type       TEXT NOT NULL,
  size       INTEGER NOT NULL,
  created    INTEGER NOT NULL,
  expires    INTEGER NOT NULL,
  PRIMARY KEY (address_id, hash)
) STRICT, WITHOUT ROWID;
CREATE INDEX upload_expires ON upload(expires);

-- The identities an address sends as (JMAP Identity, RFC 8621 §6), shared
-- by all its users; each address starts with one. A destroyed identity is
-- kept as a tombstone so that Identity/changes can report it.
CREATE TABLE identity (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  address_id     INTEGER NOT NULL REFERENCES address(id) ON DELETE CASCADE,
  name           TEXT NOT NULL DEFAULT '',
  email          TEXT NOT NULL,
  reply_to       TEXT NOT NULL DEFAULT '',
  bcc            TEXT NOT NULL DEFAULT '',
  text_signature TEXT NOT NULL DEFAULT '',
  html_signature TEXT NOT NULL DEFAULT '',
  created_modseq INTEGER NOT NULL DEFAULT 0,
  modseq         INTEGER NOT NULL DEFAULT 0,
  destroyed      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX identity_address ON identity(address_id);
INSERT INTO identity (address_id, email) SELECT id, address FROM address;
CREATE TRIGGER address_identity AFTER INSERT ON address BEGIN
  INSERT INTO identity (address_id, email) VALUES (NEW.id, NEW.address);
END;

-- Messages sent through JMAP (EmailSubmission, RFC 8621 §7): held until
-- send_at while pending (undo), then handed to the queue (queue_id).
CREATE TABLE email_submission (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  address_id     INTEGER NOT NULL REFERENCES address(id) ON DELETE CASCADE,
  user_id        INTEGER NOT NULL,
  identity_id    INTEGER NOT NULL,
  email_id       INTEGER NOT NULL,
  thread_id      INTEGER NOT NULL,
  blob_hash      TEXT NOT NULL,
  envelope       TEXT NOT NULL,
  send_at        INTEGER NOT NULL,
  undo_status    TEXT NOT NULL CHECK (undo_status IN ('pending', 'final', 'canceled')),
  queue_id       TEXT NOT NULL DEFAULT '',
  refusal        TEXT NOT NULL DEFAULT '',
  created_modseq INTEGER NOT NULL,
  modseq         INTEGER NOT NULL,
  destroyed      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX email_submission_address ON email_submission(address_id);
CREATE INDEX email_submission_due ON email_submission(send_at) WHERE undo_status = 'pending';
CREATE INDEX trace_queue ON trace(queue_id);
CREATE INDEX message_date ON message(mailbox_id, internal_date);

-- The address's vacation response (JMAP VacationResponse, RFC 8621 §8),
-- and whom it answered when (once per sender per period, RFC 3834 §2).
CREATE TABLE vacation (
  address_id INTEGER PRIMARY KEY REFERENCES address(id) ON DELETE CASCADE,
  enabled    INTEGER NOT NULL DEFAULT 0,
  from_date  INTEGER,
  to_date    INTEGER,
  subject    TEXT NOT NULL DEFAULT '',
  text_body  TEXT NOT NULL DEFAULT '',
  html_body  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE TABLE vacation_reply (
  address_id INTEGER NOT NULL REFERENCES address(id) ON DELETE CASCADE,
  sender     TEXT NOT NULL,
  time       INTEGER NOT NULL,
  PRIMARY KEY (address_id, sender)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER email_removed AFTER DELETE ON email BEGIN
  INSERT OR REPLACE INTO email_gone (address_id, email_id, thread_id, modseq)
    SELECT OLD.address_id, OLD.id, OLD.thread_id, modseq FROM address WHERE id = OLD.address_id;
END;
)sql",
                 nullptr});
    // 13: the web app's settings per user; a mailbox's place among its
    // siblings as the user set it (JMAP Mailbox sortOrder, RFC 8621 §2;
    // NULL: the server's order, special folders first).
    m.push_back({R"sql(
CREATE TABLE user_preferences (
  user_id INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
  json    TEXT NOT NULL,
  updated INTEGER NOT NULL
) STRICT;
ALTER TABLE mailbox ADD COLUMN sort_order INTEGER;
DROP TRIGGER mailbox_changed;
CREATE TRIGGER mailbox_changed AFTER UPDATE OF name, special_use, sort_order ON mailbox BEGIN
  UPDATE address SET modseq = modseq + 1 WHERE id = NEW.address_id;
  UPDATE mailbox SET meta_modseq = (SELECT modseq FROM address WHERE id = NEW.address_id) WHERE id = NEW.id;
END;
)sql",
                 nullptr});
    // 14: each blob's decoded subject in a full-text index of its own, so
    // IMAP SEARCH SUBJECT asks only subjects (in blob_text the subject's
    // trigrams share their lists with every body's); filled here for the
    // blobs already indexed, by the indexer for those still waiting.
    m.push_back({R"sql(
CREATE VIRTUAL TABLE subject_text USING fts5(subject, tokenize = 'trigram');
INSERT INTO subject_text (rowid, subject)
  SELECT id, subject FROM blob WHERE id NOT IN (SELECT blob_id FROM blob_text_pending);
)sql",
                 nullptr});
    // 15: the size of each waiting text, ahead of the text itself (a sum
    // reads each row's first page only): a search reads the waiting text
    // of its folder beside the index, so the backlog is bounded in bytes.
    m.push_back({R"sql(
ALTER TABLE blob_text_pending RENAME TO blob_text_pending_old;
CREATE TABLE blob_text_pending (
  blob_id     INTEGER PRIMARY KEY,
  bytes       INTEGER NOT NULL,
  headers     TEXT NOT NULL,
  body        TEXT NOT NULL,
  attachments TEXT NOT NULL
) STRICT;
INSERT INTO blob_text_pending (blob_id, bytes, headers, body, attachments)
  SELECT blob_id, length(CAST(headers AS BLOB)) + length(CAST(body AS BLOB)) + length(CAST(attachments AS BLOB)),
         headers, body, attachments
  FROM blob_text_pending_old;
DROP TABLE blob_text_pending_old;
)sql",
                 nullptr});
    m.push_back({nullptr, add_word_index});  // 16
    // 17: each blob's size with CRLF line ends (mime/line_ends.hpp), what
    // POP3 sends; NULL for the blobs stored before, which POP3 measures.
    m.push_back({"ALTER TABLE blob ADD COLUMN crlf_size INTEGER;", nullptr});
    // 18: transfer links (store/transfers.hpp): files too large for a
    // message, downloadable by whoever holds the link until it expires.
    // Ids are never reused: each names a folder of files on disk.
    m.push_back({R"sql(
CREATE TABLE transfer (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  org_id     INTEGER NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  token_hash BLOB NOT NULL UNIQUE,
  created    INTEGER NOT NULL,
  expires    INTEGER NOT NULL,
  touched    INTEGER NOT NULL,
  complete   INTEGER NOT NULL DEFAULT 0,
  downloads  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX transfer_by_user ON transfer(user_id, expires);
CREATE INDEX transfer_by_expiry ON transfer(expires);
CREATE TABLE transfer_file (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  transfer_id  INTEGER NOT NULL REFERENCES transfer(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  received     INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX transfer_file_by_transfer ON transfer_file(transfer_id);
)sql",
                 nullptr});
    // 19: each user's drive (store/drive.hpp): folders and files, names
    // unique in their folder ignoring ASCII case, the top as parent NULL.
    // Ids are never reused: each file's names its bytes on disk.
    m.push_back({R"sql(
CREATE TABLE drive_item (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id      INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  parent_id    INTEGER REFERENCES drive_item(id) ON DELETE CASCADE,
  folder       INTEGER NOT NULL,
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL DEFAULT '',
  size         INTEGER NOT NULL DEFAULT 0,
  received     INTEGER NOT NULL DEFAULT 0,
  ready        INTEGER NOT NULL DEFAULT 0,
  created      INTEGER NOT NULL,
  modified     INTEGER NOT NULL,
  touched      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX drive_item_name ON drive_item(user_id, coalesce(parent_id, 0), name COLLATE NOCASE);
CREATE INDEX drive_item_parent ON drive_item(parent_id);
CREATE INDEX drive_item_unready ON drive_item(touched) WHERE ready = 0;
)sql",
                 nullptr});
    // 20: drives of their own, each user's and one per organisation shared
    // by its users; items belong to a drive. A drive's id names its files'
    // folder on disk: each user's drive made before takes the user's id, so
    // its bytes stay where they are, and the items keep their ids and the
    // sequence that never reuses one.
    m.push_back({R"sql(
CREATE TABLE drive (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id  INTEGER NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
  user_id INTEGER UNIQUE REFERENCES user(id) ON DELETE CASCADE  -- NULL: the organisation's
) STRICT;
CREATE INDEX drive_org ON drive(org_id);
CREATE UNIQUE INDEX drive_of_org ON drive(org_id) WHERE user_id IS NULL;
INSERT INTO drive (id, org_id, user_id)
  SELECT id, org_id, id FROM user WHERE id IN (SELECT user_id FROM drive_item);
CREATE TEMP TABLE drive_item_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'drive_item';
CREATE TABLE drive_item_new (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  drive_id     INTEGER NOT NULL REFERENCES drive(id) ON DELETE CASCADE,
  parent_id    INTEGER REFERENCES drive_item(id) ON DELETE CASCADE,
  folder       INTEGER NOT NULL,
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL DEFAULT '',
  size         INTEGER NOT NULL DEFAULT 0,
  received     INTEGER NOT NULL DEFAULT 0,
  ready        INTEGER NOT NULL DEFAULT 0,
  created      INTEGER NOT NULL,
  modified     INTEGER NOT NULL,
  touched      INTEGER NOT NULL
) STRICT;
INSERT INTO drive_item_new
  SELECT id, user_id, parent_id, folder, name, content_type, size, received, ready, created, modified, touched
  FROM drive_item;
DROP TABLE drive_item;
ALTER TABLE drive_item_new RENAME TO drive_item;
DELETE FROM sqlite_sequence WHERE name = 'drive_item';
INSERT INTO sqlite_sequence (name, seq) SELECT 'drive_item', seq FROM temp.drive_item_seq;
DROP TABLE temp.drive_item_seq;
CREATE UNIQUE INDEX drive_item_name ON drive_item(drive_id, coalesce(parent_id, 0), name COLLATE NOCASE);
CREATE INDEX drive_item_parent ON drive_item(parent_id);
CREATE INDEX drive_item_unready ON drive_item(touched) WHERE ready = 0;
)sql",
                 nullptr});
    return m;
  }();
  return all;
}

Status foreign_keys_hold(Database& db) {
  auto check = TRY(db.prepare("PRAGMA foreign_key_check"));
  if (TRY(check.step()))
    return fail(ErrorKind::internal, "store error",
                fmt::format("migration left a dangling reference in table {}", check.text(0)));
  return {};
}

}  // namespace

int current_schema_version() { return static_cast<int>(migrations().size()); }

Status migrate(Database& db) {
  int version = 0;
  {
    // Finished before the migrations run: an open statement would keep
    // DROP TABLE from running ("database table is locked").
    auto stmt = TRY(db.prepare("PRAGMA user_version"));
    TRY(stmt.step());
    version = static_cast<int>(stmt.int64(0));
  }
  int latest = current_schema_version();
  if (version > latest)
    return fail(ErrorKind::invalid,
                fmt::format("this data folder was written by a newer Estafeta (schema {}, this build knows up to {}); "
                            "upgrade Estafeta or restore a backup",
                            version, latest));
  if (version == latest) return {};
  // Both pragmas are no-ops inside a transaction: set them around all the
  // migrations (see rebuild_with_autoincrement), checked before each commit.
  TRY(db.exec("PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON"));
  auto migrated = [&]() -> Status {
    for (int v = version; v < latest; ++v) {
      auto tx = TRY(Transaction::begin(db));
      auto& step = migrations()[static_cast<std::size_t>(v)];
      if (step.sql)
        TRY(db.exec(step.sql));
      else
        TRY(step.run(db));
      TRY(foreign_keys_hold(db));
      TRY(db.exec(fmt::format("PRAGMA user_version = {}", v + 1).c_str()));
      TRY(tx.commit());
    }
    return {};
  }();
  TRY(db.exec("PRAGMA legacy_alter_table = OFF; PRAGMA foreign_keys = ON"));
  return migrated;
}

}  // namespace estafeta::store::sqlite
