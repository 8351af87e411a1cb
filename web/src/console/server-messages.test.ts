/// <reference types="vite/client" />
import { afterEach, describe, expect, it } from "vitest";
import { lang } from "../i18n";
import { serverEs } from "./server-es";
import { compileTemplate, serverText, translateServer } from "./server-messages";
import { cppMessages } from "./server-sources";

const placeholders = (s: string) => (s.match(/\{\d*\}/g) ?? []).length;

afterEach(() => {
  lang.value = "es";
});

describe("serverText", () => {
  it("translates a message with placeholders, keeping the values", () => {
    lang.value = "es";
    expect(serverText("the password must be at least 12 characters long")).toBe("la contraseña debe tener al menos 12 caracteres");
    expect(serverText("lockout_threshold must be between 5 (your organisation's minimum) and 100")).toBe(
      "lockout_threshold debe estar entre 5 (el mínimo de tu organización) y 100",
    );
    expect(serverText("the MX records point to mx1.other.example, mx2.other.example and not to this server")).toBe(
      "los registros MX apuntan a mx1.other.example, mx2.other.example y no a este servidor",
    );
  });

  it("translates the messages nested in a placeholder", () => {
    lang.value = "es";
    expect(serverText('record 2: unknown mechanism in "bogus:x"')).toBe('registro 2: mecanismo desconocido en "bogus:x"');
    expect(serverText("MX record for demo.example: expected \"preference host\" (e.g. \"10 mx.example.com\")")).toBe(
      "registro MX de demo.example: se esperaba \"preferencia servidor\" (p. ej. \"10 mx.example.com\")",
    );
    expect(serverText("SRV record for _imaps._tcp.demo.example: the port must be a number from 0 to 65535")).toBe(
      "registro SRV de _imaps._tcp.demo.example: el puerto debe ser un número de 0 a 65535",
    );
    expect(serverText("'a b' is not a valid domain name: only letters, digits, '-' and '.' are allowed")).toBe(
      "'a b' no es un nombre de dominio válido: solo se admiten letras, dígitos, '-' y '.'",
    );
    expect(serverText("password is required")).toBe("la contraseña es obligatoria");
    expect(serverText("display_name is required")).toBe("display_name es obligatorio");
    expect(serverText("a device label must be 1 to 100 characters long")).toBe("la etiqueta del dispositivo debe tener de 1 a 100 caracteres");
  });

  it("prefers the most specific template", () => {
    lang.value = "es";
    expect(serverText("the flags must be a number from 0 to 255")).toBe("los indicadores deben ser un número de 0 a 255");
    expect(serverText("the ed25519 key sel1 (active) is published")).toBe("la clave ed25519 sel1 (activa) está publicada");
    expect(serverText("publish demo.example TXT \"v=spf1 include:spf.mail.example -all\"")).toBe(
      "publica demo.example TXT \"v=spf1 include:spf.mail.example -all\"",
    );
  });

  it("passes unknown text through", () => {
    lang.value = "es";
    expect(serverText("something the catalogue has never heard of")).toBe("something the catalogue has never heard of");
    expect(serverText("")).toBe("");
  });

  it("leaves English as the server wrote it", () => {
    lang.value = "en";
    expect(serverText("wrong password")).toBe("wrong password");
    lang.value = "es";
    expect(serverText("wrong password")).toBe("la contraseña no es correcta");
  });

  it("takes values in another order when the Spanish template numbers them", () => {
    const t = compileTemplate("{} of {}", "de {1}: {0}");
    expect(t.slots).toEqual([1, 0]);
    expect(translateServer("wrong password")).toBe("la contraseña no es correcta");
  });
});

describe("the catalogue", () => {
  it("has the same placeholders in Spanish as in English", () => {
    for (const [en, es] of Object.entries(serverEs)) {
      expect(placeholders(es), en).toBe(placeholders(en));
      const numbered = [...es.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1]));
      for (const n of numbered) expect(n, en).toBeLessThan(placeholders(en));
    }
  });

  it("has no template of placeholders alone (it would match any text)", () => {
    for (const en of Object.keys(serverEs)) expect(en.replace(/\{\}/g, "").trim().length, en).toBeGreaterThan(3);
  });
});

// The C++ sources whose messages reach the web app (see server-es.ts).
const sources = import.meta.glob(
  [
    "../../../src/web/api/*.cpp",
    "../../../src/manage/*.cpp",
    "../../../src/drive/*.cpp",
    "../../../src/store/sqlite/{transfers,drive}.cpp",
    "../../../src/web/jmap_http.cpp",
    "../../../src/auth/{web_login,password,device_password,qr,mail_login,login}.cpp",
    "../../../src/dns/{zone_record,zone_rules,spf_tools}.cpp",
  ],
  { query: "?raw", import: "default", eager: true },
) as Record<string, string>;

// Messages that never reach a person, so need no Spanish. (fail() with
// ErrorKind::internal is left out as a whole: the API answers those with
// its own "the server could not do this; the error is logged".)
const NOT_SHOWN = new Set<string>([
  "{} is damaged (expected 32 bytes)", // the device key file, read when the server starts
]);

describe("coverage of the server's messages", () => {
  it("reads the C++ sources", () => {
    const files = Object.keys(sources).filter((f) => !f.endsWith("_test.cpp"));
    expect(files.length).toBeGreaterThan(20);
    expect(files.some((f) => f.endsWith("spf_tools.cpp"))).toBe(true);
  });

  it("has a Spanish text for every message of fail(), error_response() and refuse()", () => {
    const missing: string[] = [];
    let seen = 0;
    for (const [file, src] of Object.entries(sources)) {
      if (file.endsWith("_test.cpp")) continue;
      for (const m of cppMessages(src)) {
        if (m.kind === "internal" || NOT_SHOWN.has(m.template)) continue;
        seen++;
        if (!(m.template in serverEs)) missing.push(`${file.replace("../../../", "")}: ${JSON.stringify(m.template)}`);
      }
    }
    expect(missing).toEqual([]);
    expect(seen).toBeGreaterThan(120); // the sources were read, not skipped
  });

  it("finds the messages the way the server writes them", () => {
    const src = `
      if (x) return fail(ErrorKind::invalid, "a quoted string is not closed");
      return fail(ErrorKind::invalid, fmt::format("{} must be 1 to {} characters long", what, max));
      // return fail(ErrorKind::invalid, "a comment");
      out = error_response(422, "invalid", "first part, "
                           "second part", "field");
      add(x, name + " is included twice or in a loop");
      return fail(ErrorKind::exists, "the record of " + name + " could not be fetched now", {}, "data");
      return fail(ErrorKind::invalid, std::move(message), {}, part);
      return refuse("name", fmt::format("{{literal}} {:>3}", n));
      return fail(ErrorKind::internal, "store error", "detail");
      return fail(ErrorKind::invalid, v4 ? "invalid IPv4 address" : "invalid IPv6 address");
    `;
    expect(cppMessages(src)).toEqual([
      { kind: "invalid", template: "a quoted string is not closed" },
      { kind: "invalid", template: "{} must be 1 to {} characters long" },
      { kind: "", template: "first part, second part" },
      { kind: "exists", template: "the record of {} could not be fetched now" },
      { kind: "", template: "{literal} {}" },
      { kind: "internal", template: "store error" },
      { kind: "invalid", template: "invalid IPv4 address" },
      { kind: "invalid", template: "invalid IPv6 address" },
    ]);
  });
});
