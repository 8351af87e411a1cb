// The dns area's screens (see ../screens.ts): a domain's DNS zone — its
// records, the SPF assistant, DKIM keys and the diagnostic — for the
// organisation's admins and legal representatives.
import { h } from "preact";
import { manages, type ScreenDef } from "../screens";
import { DnsScreen } from "./DnsScreen";
import "./dns.css";

export const screens: ScreenDef[] = [
  {
    id: "dns",
    title: "dns.title",
    visible: manages,
    // #/console/dns: the domains; #/console/dns/{domain}[/{part}]: one zone.
    view: (args) => h(DnsScreen, { domain: args[0] ?? "", part: args[1] ?? "" }),
  },
];
