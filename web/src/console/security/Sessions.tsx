// Where the account is in use: its open browser sessions and its devices'
// open mail connections (each can be ended; this browser's session is
// marked and ended only by logging out), and the login history, newest
// first.
import { useSignal } from "@preact/signals";
import { askConfirm } from "../../state/ask";
import { fmtDateTime, tc } from "../i18n";
import { errorText, LoadState, Page, Pager, pageOf, Section, useLoad } from "../ui";
import { serverText } from "../server-messages";
import { endConnection, endOtherSessions, endSession, getLogins, getSessions, type LoginRecord, type MailConnection, type WebSession } from "./me";
import { describeAgent } from "./useragent";
import { NoLocation, useCursor } from "./parts";

const PAGE = 10;
const HISTORY_PAGE = 20;

/** `page`, or the last page of `count` rows when there are fewer now. */
function lastPage(page: number, count: number): number {
  return Math.min(page, Math.max(0, Math.ceil(count / PAGE) - 1));
}

export function SessionsScreen() {
  const loaded = useLoad(getSessions, []);
  const said = useSignal("");
  const failed = useSignal("");
  const sessionsPage = useSignal(0);
  const connectionsPage = useSignal(0);

  /** Runs an ending the user confirmed, then says what happened and lists again. */
  const act = async (run: () => Promise<string>) => {
    said.value = "";
    failed.value = "";
    try {
      said.value = await run();
    } catch (e) {
      failed.value = tc("console.error", { message: errorText(e) });
    }
    await loaded.reload();
  };

  const end = async (s: WebSession) => {
    const device = describeAgent(s.user_agent, tc("security.device.unknown"));
    const ok = await askConfirm({ title: tc("security.sessions.endTitle"), text: tc("security.sessions.endText", { device, ip: s.ip || "—" }), action: tc("security.sessions.end"), danger: true });
    if (ok) await act(async () => (await endSession(s.id), tc("security.sessions.ended", { device })));
  };
  const endOthers = async (n: number) => {
    const ok = await askConfirm({ title: tc("security.sessions.endOthers"), text: tc("security.sessions.endOthersText", { n }), action: tc("security.sessions.endOthers"), danger: true });
    if (ok) await act(async () => tc("security.sessions.othersEnded", { n: (await endOtherSessions()).ended }));
  };
  const disconnect = async (c: MailConnection) => {
    const what = `${c.kind.toUpperCase()} · ${c.address} · ${c.device}`;
    const ok = await askConfirm({ title: tc("security.connections.endTitle"), text: tc("security.connections.endText", { what }), action: tc("security.connections.end"), danger: true });
    if (ok) await act(async () => (await endConnection(c.id), tc("security.connections.ended", { what })));
  };

  return (
    <Page title={tc("security.sessions.title")}>
      <p class="ok" role="status" aria-live="polite">{said.value}</p>
      {failed.value && <p class="error" role="alert">{failed.value}</p>}
      <LoadState loaded={loaded}>
        {(data) => {
          // This browser's session first, then the most recently active.
          const sessions = [...data.sessions].sort((a, b) => Number(b.current) - Number(a.current) || b.last_seen - a.last_seen || b.id - a.id);
          const connections = [...data.connections].sort((a, b) => b.since - a.since || b.id - a.id);
          const others = sessions.filter((s) => !s.current).length;
          // A page that emptied (its sessions ended) shows the last one there is.
          const sPage = lastPage(sessionsPage.value, sessions.length);
          const cPage = lastPage(connectionsPage.value, connections.length);
          const sp = pageOf(sessions, sPage, PAGE);
          const cp = pageOf(connections, cPage, PAGE);
          return (
            <>
              <Section title={tc("security.sessions.browsers")}>
                <p class="muted">{tc("security.location.about")}</p>
                <div class="table-wrap">
                  <table class="data stack" data-testid="sessions">
                    <thead>
                      <tr>
                        <th scope="col">{tc("security.col.device")}</th>
                        <th scope="col">{tc("security.col.ip")}</th>
                        <th scope="col">{tc("security.col.location")}</th>
                        <th scope="col">{tc("security.col.started")}</th>
                        <th scope="col">{tc("security.col.lastSeen")}</th>
                        <th scope="col">{tc("console.actions")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {sp.rows.map((s) => {
                        const device = describeAgent(s.user_agent, tc("security.device.unknown"));
                        return (
                          <tr key={s.id} data-session={s.id} class={s.current ? "current" : ""}>
                            <td data-label={tc("security.col.device")}>
                              {device} {s.current && <span class="badge ok">{tc("security.sessions.current")}</span>}
                            </td>
                            <td data-label={tc("security.col.ip")}>{s.ip || "—"}</td>
                            <td data-label={tc("security.col.location")}><NoLocation /></td>
                            <td data-label={tc("security.col.started")}>{fmtDateTime(s.created)}</td>
                            <td data-label={tc("security.col.lastSeen")}>{fmtDateTime(s.last_seen)}</td>
                            <td data-label={tc("console.actions")}>
                              {s.current ? (
                                <span class="muted small">{tc("security.sessions.currentHelp")}</span>
                              ) : (
                                <button type="button" class="danger" aria-label={tc("security.sessions.endNamed", { device })} onClick={() => void end(s)}>{tc("security.sessions.end")}</button>
                              )}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
                <Pager page={sPage} pageSize={PAGE} shown={sp.rows.length} total={sessions.length} hasMore={sp.hasMore} onPage={(p) => (sessionsPage.value = p)} />
                <button type="button" disabled={others === 0} onClick={() => void endOthers(others)}>{tc("security.sessions.endOthers")}</button>
              </Section>

              <Section title={tc("security.connections.title")}>
                <p class="muted">{tc("security.connections.about")}</p>
                {connections.length === 0 ? (
                  <p class="muted">{tc("security.connections.none")}</p>
                ) : (
                  <>
                    <div class="table-wrap">
                      <table class="data stack" data-testid="connections">
                        <thead>
                          <tr>
                            <th scope="col">{tc("security.col.protocol")}</th>
                            <th scope="col">{tc("security.col.address")}</th>
                            <th scope="col">{tc("security.col.device")}</th>
                            <th scope="col">{tc("security.col.ip")}</th>
                            <th scope="col">{tc("security.col.location")}</th>
                            <th scope="col">{tc("security.col.since")}</th>
                            <th scope="col">{tc("console.actions")}</th>
                          </tr>
                        </thead>
                        <tbody>
                          {cp.rows.map((c) => (
                            <tr key={c.id}>
                              <td data-label={tc("security.col.protocol")}>{c.kind.toUpperCase()}</td>
                              <td data-label={tc("security.col.address")}>{c.address}</td>
                              <td data-label={tc("security.col.device")}>{c.device}</td>
                              <td data-label={tc("security.col.ip")}>{c.ip || "—"}</td>
                              <td data-label={tc("security.col.location")}><NoLocation /></td>
                              <td data-label={tc("security.col.since")}>{fmtDateTime(c.since)}</td>
                              <td data-label={tc("console.actions")}>
                                <button type="button" class="danger" aria-label={tc("security.connections.endNamed", { what: c.device })} onClick={() => void disconnect(c)}>{tc("security.connections.end")}</button>
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                    <Pager page={cPage} pageSize={PAGE} shown={cp.rows.length} total={connections.length} hasMore={cp.hasMore} onPage={(p) => (connectionsPage.value = p)} />
                  </>
                )}
              </Section>
            </>
          );
        }}
      </LoadState>
      <LoginHistory />
    </Page>
  );
}

function reasonText(r: LoginRecord): string {
  if (r.success) return tc("security.logins.ok");
  if (r.reason === "password") return tc("security.logins.badPassword");
  if (r.reason === "second_factor") return tc("security.logins.badCode");
  if (r.reason === "locked") return tc("security.logins.locked");
  return r.reason ? tc("security.logins.failedWhy", { why: serverText(r.reason) }) : tc("security.logins.failed");
}

function methodText(m: string): string {
  if (m === "password") return tc("security.method.password");
  if (m === "password+totp") return tc("security.method.totp");
  if (m === "password+emergency_code") return tc("security.method.emergency");
  if (m === "device_password") return tc("security.method.device");
  if (m === "api_token") return tc("security.method.token");
  return m;
}

function LoginHistory() {
  const cursor = useCursor();
  const loaded = useLoad(() => getLogins(cursor.before, HISTORY_PAGE), [cursor.before]);
  return (
    <Section title={tc("security.logins.title")}>
      <LoadState loaded={loaded}>
        {(page) =>
          page.items.length === 0 && cursor.page === 0 ? (
            <p class="muted">{tc("console.none")}</p>
          ) : (
            <>
              <div class="table-wrap">
                <table class="data stack" data-testid="logins">
                  <thead>
                    <tr>
                      <th scope="col">{tc("security.col.time")}</th>
                      <th scope="col">{tc("security.col.result")}</th>
                      <th scope="col">{tc("security.col.method")}</th>
                      <th scope="col">{tc("security.col.device")}</th>
                      <th scope="col">{tc("security.col.ip")}</th>
                      <th scope="col">{tc("security.col.location")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((r) => (
                      <tr key={r.id}>
                        <td data-label={tc("security.col.time")}>{fmtDateTime(r.time)}</td>
                        <td data-label={tc("security.col.result")}>
                          <span class={"badge " + (r.success ? "ok" : "bad")}>{reasonText(r)}</span>
                        </td>
                        <td data-label={tc("security.col.method")}>{methodText(r.method)}</td>
                        <td data-label={tc("security.col.device")}>{describeAgent(r.user_agent, tc("security.device.unknown"))}</td>
                        <td data-label={tc("security.col.ip")}>{r.ip || "—"}</td>
                        <td data-label={tc("security.col.location")}><NoLocation /></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager page={cursor.page} pageSize={HISTORY_PAGE} shown={page.items.length} hasMore={page.next !== null} onPage={(p) => cursor.go(p, page.next)} />
            </>
          )
        }
      </LoadState>
    </Section>
  );
}
