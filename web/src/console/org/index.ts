// The org area's screens (see ../screens.ts).
import type { ScreenDef } from "../screens";

export const screens: ScreenDef[] = [];
