// For migration tests: SQL that takes a current database back to schema 18
// (what 19 added), 17 (what 19 and 18 added), 15 (what 19 to 16 added) or 11
// (what 19 to 16 and 14 to 12 added, store/sqlite/schema.cpp), to be run
// before the older steps' own undo.
#pragma once

namespace estafeta::store {

inline constexpr const char* kUndoToSchema18 = "DROP TABLE drive_item; ";

inline constexpr const char* kUndoToSchema17 = "DROP TABLE drive_item; DROP TABLE transfer_file; DROP TABLE transfer; ";

inline constexpr const char* kUndoToSchema15 =
    "DROP TABLE drive_item; DROP TABLE transfer_file; DROP TABLE transfer; "
    "ALTER TABLE blob DROP COLUMN crlf_size; "
    "DROP TABLE blob_words; DROP TABLE text_term_index; DROP TABLE text_term; DROP TABLE text_long_term; "
    "DROP INDEX message_folder_blob; ";

inline constexpr const char* kUndoToSchema11 =
    "DROP TABLE drive_item; DROP TABLE transfer_file; DROP TABLE transfer; "
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
