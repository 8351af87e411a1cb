// For migration tests: SQL that takes a current database back to schema 19
// (the drive_item of 19 again, without drives), 18 (what 20 and 19 added),
// 17 (what 20 to 18 added), 15 (what 20 to 16 added) or 11 (what 20 to 16
// and 14 to 12 added, store/sqlite/schema.cpp), to be run before the older
// steps' own undo.
#pragma once

namespace estafeta::store {

inline constexpr const char* kUndoToSchema19 = R"sql(
DROP TABLE drive_item; DROP TABLE drive;
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
)sql";

inline constexpr const char* kUndoToSchema18 = "DROP TABLE drive_item; DROP TABLE drive; ";

inline constexpr const char* kUndoToSchema17 =
    "DROP TABLE drive_item; DROP TABLE drive; DROP TABLE transfer_file; DROP TABLE transfer; ";

inline constexpr const char* kUndoToSchema15 =
    "DROP TABLE drive_item; DROP TABLE drive; DROP TABLE transfer_file; DROP TABLE transfer; "
    "ALTER TABLE blob DROP COLUMN crlf_size; "
    "DROP TABLE blob_words; DROP TABLE text_term_index; DROP TABLE text_term; DROP TABLE text_long_term; "
    "DROP INDEX message_folder_blob; ";

inline constexpr const char* kUndoToSchema11 =
    "DROP TABLE drive_item; DROP TABLE drive; DROP TABLE transfer_file; DROP TABLE transfer; "
    "ALTER TABLE blob DROP COLUMN crlf_size; "
    "DROP TABLE blob_words; DROP TABLE text_term_index; DROP TABLE text_term; DROP TABLE text_long_term; "
    "DROP INDEX message_folder_blob; "
    "DROP TABLE subject_text; DROP TABLE user_preferences; "
    "DROP TRIGGER mailbox_modseq; DROP TRIGGER mailbox_created; DROP TRIGGER mailbox_changed; "
    "DROP TRIGGER mailbox_deleted; DROP TRIGGER subscription_added; DROP TRIGGER subscription_removed; "
    "DROP TRIGGER message_email_added; DROP TRIGGER message_email_changed; DROP TRIGGER message_email_removed; "
    "DROP TRIGGER blob_msgid_gone; DROP TRIGGER address_identity; "
    "DROP TABLE email; DROP TABLE email_gone; DROP TABLE mailbox_gone; DROP TABLE blob_msgid; DROP TABLE upload; "
    "DROP TABLE identity; DROP TABLE email_submission; DROP INDEX trace_queue; DROP INDEX message_date; DROP TABLE "
    "vacation; "
    "DROP TABLE vacation_reply; "
    "ALTER TABLE address DROP COLUMN modseq; ALTER TABLE mailbox DROP COLUMN created_modseq; "
    "ALTER TABLE mailbox DROP COLUMN meta_modseq; ALTER TABLE mailbox DROP COLUMN sort_order; ";

}  // namespace estafeta::store
