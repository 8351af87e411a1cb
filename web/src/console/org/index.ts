// The org area's screens (see ../screens.ts): the organisation (members,
// mail services, domains, addresses), the users of one address, the
// user's own devices, and an address's message trace.
import { h } from "preact";
import type { ScreenDef } from "../screens";
import { manages } from "../screens";
import { OrganisationScreen } from "./Organisation";
import { AddressUsersScreen } from "./AddressUsers";
import { DevicesScreen } from "./Devices";
import { TraceScreen } from "./Trace";
import { MissingArgument } from "./common";
import "./org.css";

export const screens: ScreenDef[] = [
  { id: "organisation", title: "org.nav", visible: manages, view: (args) => h(OrganisationScreen, { part: args[0] }) },
  {
    id: "address",
    title: "org.access.nav",
    hidden: true,
    view: (args) => (args[0] ? h(AddressUsersScreen, { key: args[0], address: args[0] }) : h(MissingArgument, { title: "org.access.nav", text: "org.access.which" })),
  },
  { id: "devices", title: "devices.nav", view: (args) => h(DevicesScreen, { key: args[0] ?? "", address: args[0] }) },
  { id: "trace", title: "trace.nav", view: (args) => h(TraceScreen, { key: args[0] ?? "", address: args[0] }) },
];
