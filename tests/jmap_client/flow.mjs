// Drives Estafeta's JMAP server (RFC 8620, RFC 8621) with jmap-jam, a
// third-party JMAP client library, through the library's own API only
// (JamClient: session, getPrimaryAccount, api.<Type>.<method>, requestMany
// with result references); no request is written by hand here.
//
// Run by tests/web/test_jmap_client.py, which starts the server, makes a user
// with access to one address and an API token for that user, then runs
//
//   ESTAFETA_JMAP_SESSION_URL=http://127.0.0.1:PORT/jmap/session \
//   ESTAFETA_JMAP_TOKEN=... [ESTAFETA_JMAP_ACCOUNT_NAME=address] node flow.mjs
//
// The flow: read the session; list the mailboxes and find the inbox by role;
// create a mailbox; create a draft in it (Email/set create with textBody and
// bodyValues); find it with Email/query (inMailbox) and read it back with
// Email/get through a result reference; set $seen; Email/changes since the
// state before the draft lists it; destroy the email and the mailbox, and
// check that both are gone.
//
// Exit 0 when every check holds; otherwise 1, with "jmap-client: FAILED: "
// and what did not hold on stderr, followed by the server's answer when there
// is one. Exit 2 when the environment variables are missing.

import { inspect } from "node:util";
import JamClient from "jmap-jam";

const CORE = "urn:ietf:params:jmap:core";
const MAIL = "urn:ietf:params:jmap:mail";

class Mismatch extends Error {}

function check(condition, message, detail) {
  if (!condition) {
    const shown = detail === undefined ? "" : "\n" + inspect(detail, { depth: 8, breakLength: 100 });
    throw new Mismatch(message + shown);
  }
}

function step(text) {
  process.stdout.write("jmap-client: " + text + "\n");
}

// The ids changed since `since`, following hasMoreChanges to the end.
async function emailChangesSince(jam, accountId, since) {
  const all = { created: [], updated: [], destroyed: [] };
  let state = since;
  for (let page = 0; page < 100; page++) {
    const [r] = await jam.api.Email.changes({ accountId, sinceState: state });
    check(r.oldState === state, `Email/changes: oldState is ${r.oldState}, asked since ${state}`, r);
    for (const k of Object.keys(all)) {
      check(Array.isArray(r[k]), `Email/changes: '${k}' is not a list`, r);
      all[k].push(...r[k]);
    }
    state = r.newState;
    if (!r.hasMoreChanges) return { ...all, newState: state };
  }
  throw new Mismatch("Email/changes: still hasMoreChanges after 100 pages");
}

async function main() {
  const sessionUrl = process.env.ESTAFETA_JMAP_SESSION_URL;
  const bearerToken = process.env.ESTAFETA_JMAP_TOKEN;
  const expectedName = process.env.ESTAFETA_JMAP_ACCOUNT_NAME;
  if (!sessionUrl || !bearerToken) {
    process.stderr.write("usage: ESTAFETA_JMAP_SESSION_URL=URL ESTAFETA_JMAP_TOKEN=TOKEN node flow.mjs\n");
    return 2;
  }

  const jam = new JamClient({ sessionUrl, bearerToken });

  // The session resource (RFC 8620 §2).
  const session = await jam.session;
  check(session && typeof session.apiUrl === "string", "session: no apiUrl (not authenticated?)", session);
  check(session.capabilities && CORE in session.capabilities && MAIL in session.capabilities,
        "session: core and mail capabilities are not both announced", session.capabilities);
  for (const url of ["apiUrl", "downloadUrl", "uploadUrl"])
    check(typeof session[url] === "string" && session[url].length > 0, `session: ${url} missing`, session);
  const accountId = await jam.getPrimaryAccount();
  check(typeof accountId === "string" && accountId.length > 0, "session: no primary mail account", session);
  const account = session.accounts?.[accountId];
  check(account !== undefined, `session: primary account ${accountId} is not in 'accounts'`, session.accounts);
  check(account.accountCapabilities && MAIL in account.accountCapabilities,
        "session: the primary mail account has no mail capability", account);
  if (expectedName)
    check(account.name === expectedName, `session: primary account is named '${account.name}', expected '${expectedName}'`);
  step(`session read: account ${accountId} (${account.name}) for ${session.username}`);

  // Mailboxes: the inbox by role.
  const [mailboxes] = await jam.api.Mailbox.get({ accountId, ids: null });
  check(mailboxes.accountId === accountId, "Mailbox/get: answer for another account", mailboxes);
  check(Array.isArray(mailboxes.list) && mailboxes.list.length > 0, "Mailbox/get: no mailboxes", mailboxes);
  const inboxes = mailboxes.list.filter((m) => m.role === "inbox");
  check(inboxes.length === 1, `Mailbox/get: ${inboxes.length} mailboxes have role inbox`, mailboxes.list);
  step(`${mailboxes.list.length} mailboxes, inbox ${inboxes[0].id} ('${inboxes[0].name}')`);

  // The email state before anything is created here.
  const [before] = await jam.api.Email.get({ accountId, ids: [] });
  check(typeof before.state === "string", "Email/get: no state", before);
  check(Array.isArray(before.list) && before.list.length === 0, "Email/get with no ids returned emails", before);

  // A mailbox of our own.
  const mailboxName = `jmap-jam ${process.pid}-${Date.now()}`;
  const [mbSet] = await jam.api.Mailbox.set({
    accountId,
    ifInState: mailboxes.state,
    create: { box: { name: mailboxName, parentId: null } },
  });
  check(!mbSet.notCreated, "Mailbox/set: mailbox not created", mbSet.notCreated);
  const mailboxId = mbSet.created?.box?.id;
  check(typeof mailboxId === "string", "Mailbox/set: created mailbox has no id", mbSet);
  step(`mailbox '${mailboxName}' created: ${mailboxId}`);

  // A draft in it: text body from bodyValues (RFC 8621 §4.6).
  const subject = `Draft from jmap-jam ${Date.now()}`;
  const text = "Hello from a third-party JMAP client.\nSecond line.\n";
  const [emailSet] = await jam.api.Email.set({
    accountId,
    create: {
      draft: {
        mailboxIds: { [mailboxId]: true },
        keywords: { $draft: true },
        from: [{ name: "JMAP client test", email: account.name }],
        to: [{ name: "Someone", email: "someone@example.org" }],
        subject,
        bodyValues: { body: { value: text } },
        textBody: [{ partId: "body", type: "text/plain" }],
      },
    },
  });
  check(!emailSet.notCreated, "Email/set: draft not created", emailSet.notCreated);
  const created = emailSet.created?.draft;
  check(created && typeof created.id === "string", "Email/set: created draft has no id", emailSet);
  // RFC 8621 §4.6: the server returns id, blobId, threadId and size of a created email.
  for (const p of ["blobId", "threadId"])
    check(typeof created[p] === "string" && created[p].length > 0, `Email/set: created draft lacks ${p}`, created);
  check(Number.isInteger(created.size) && created.size > text.length, "Email/set: created draft lacks a size", created);
  const emailId = created.id;
  step(`draft created: ${emailId} (thread ${created.threadId}, ${created.size} octets)`);

  // Query it back, and get it through a result reference, in one request.
  const [found] = await jam.requestMany((t) => {
    const query = t.Email.query({ accountId, filter: { inMailbox: mailboxId } });
    const get = t.Email.get({
      accountId,
      ids: query.$ref("/ids"),
      properties: ["id", "subject", "mailboxIds", "keywords", "from", "to", "textBody", "bodyValues"],
      fetchTextBodyValues: true,
    });
    return { query, get };
  });
  check(JSON.stringify(found.query.ids) === JSON.stringify([emailId]),
        `Email/query inMailbox: expected exactly [${emailId}]`, found.query);
  check(found.get.list.length === 1, "Email/get: expected one email", found.get);
  const got = found.get.list[0];
  check(got.id === emailId, "Email/get: another email came back", got);
  check(got.subject === subject, `Email/get: subject is '${got.subject}', expected '${subject}'`);
  check(got.mailboxIds?.[mailboxId] === true && Object.keys(got.mailboxIds).length === 1,
        "Email/get: the draft is not in exactly the new mailbox", got.mailboxIds);
  check(got.keywords?.$draft === true, "Email/get: the draft lost $draft", got.keywords);
  check(got.from?.[0]?.email === account.name, "Email/get: From is not the account's address", got.from);
  check(got.to?.[0]?.email === "someone@example.org", "Email/get: To changed", got.to);
  const partId = got.textBody?.[0]?.partId;
  const body = partId === undefined ? undefined : got.bodyValues?.[partId]?.value;
  // The text exactly as written, line breaks as LF (RFC 8621 §4.1.4).
  check(body === text,
        "Email/get: the text body did not come back", { textBody: got.textBody, bodyValues: got.bodyValues });
  step(`Email/query found it; Email/get subject '${got.subject}'`);

  // $seen.
  const [seen] = await jam.api.Email.set({ accountId, update: { [emailId]: { "keywords/$seen": true } } });
  check(!seen.notUpdated, "Email/set: $seen not set", seen.notUpdated);
  check(seen.updated && emailId in seen.updated, "Email/set: the draft is not in 'updated'", seen);
  const [afterSeen] = await jam.api.Email.get({ accountId, ids: [emailId], properties: ["keywords"] });
  check(afterSeen.list[0]?.keywords?.$seen === true && afterSeen.list[0]?.keywords?.$draft === true,
        "Email/get: keywords are not $draft and $seen", afterSeen);
  step("$seen set");

  // Changes since the state before the draft.
  const changes = await emailChangesSince(jam, accountId, before.state);
  check(changes.created.includes(emailId) || changes.updated.includes(emailId),
        `Email/changes since ${before.state}: ${emailId} is neither created nor updated`, changes);
  check(!changes.destroyed.includes(emailId), "Email/changes: the draft is listed as destroyed", changes);
  check(changes.newState === afterSeen.state, `Email/changes: newState ${changes.newState} is not ` +
        `Email/get's state ${afterSeen.state}`);
  step(`Email/changes since ${before.state}: created ${JSON.stringify(changes.created)}, ` +
       `updated ${JSON.stringify(changes.updated)}`);

  // Destroy the email, then the mailbox.
  const [destroyed] = await jam.api.Email.set({ accountId, destroy: [emailId] });
  check(!destroyed.notDestroyed, "Email/set: draft not destroyed", destroyed.notDestroyed);
  check(Array.isArray(destroyed.destroyed) && destroyed.destroyed.includes(emailId),
        "Email/set: the draft is not in 'destroyed'", destroyed);
  const [gone] = await jam.api.Email.get({ accountId, ids: [emailId] });
  check(gone.list.length === 0 && gone.notFound?.includes(emailId), "Email/get: the destroyed draft is still found", gone);
  const afterDestroy = await emailChangesSince(jam, accountId, changes.newState);
  check(afterDestroy.destroyed.includes(emailId), "Email/changes: the draft is not listed as destroyed", afterDestroy);
  const [mbGone] = await jam.api.Mailbox.set({ accountId, destroy: [mailboxId] });
  check(!mbGone.notDestroyed && mbGone.destroyed?.includes(mailboxId), "Mailbox/set: mailbox not destroyed", mbGone);
  const [left] = await jam.api.Mailbox.get({ accountId, ids: null, properties: ["id", "name"] });
  check(!left.list.some((m) => m.id === mailboxId || m.name === mailboxName),
        "Mailbox/get: the destroyed mailbox is still listed", left.list);
  step("draft and mailbox destroyed");

  step("all checks passed");
  return 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  // jmap-jam throws a method error object, a list of them, or the HTTP
  // answer's body; a Mismatch is one of the checks above.
  const what = e instanceof Mismatch ? e.message : "the server or the client failed: " + inspect(e, { depth: 8 });
  process.stderr.write("jmap-client: FAILED: " + what + "\n");
  process.exitCode = 1;
}
