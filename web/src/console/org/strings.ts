// The org area's strings (see ../i18n.ts).
const en = {
};

const es: Record<keyof typeof en, string> = {
};

export const org = { en, es };
