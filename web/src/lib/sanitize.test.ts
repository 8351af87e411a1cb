import { describe, expect, it } from "vitest";
import { frameCsp, frameDocument, sanitizeMail, sanitizePasted } from "./sanitize";

const blocked = (html: string) => sanitizeMail(html, { allowRemote: false });

describe("sanitizeMail", () => {
  it("removes scripts, handlers and active elements", () => {
    const r = blocked(`<p onclick="x()">hi</p><script>alert(1)</script><iframe src="https://e.example"></iframe>
      <object data="x"></object><embed src="x"><form action="https://e.example"><input name="a"></form>
      <svg onload="x()"><script>y()</script></svg><math><mi>x</mi></math><meta http-equiv="refresh" content="0;url=https://e.example">
      <link rel="stylesheet" href="https://e.example/a.css"><base href="https://e.example/">`);
    expect(r.html).toContain("<p>hi</p>");
    for (const bad of ["<script", "onclick", "<iframe", "<object", "<embed", "<form", "<input", "<svg", "<math", "<meta", "<link", "<base"])
      expect(r.html.toLowerCase()).not.toContain(bad);
  });

  it("keeps only http(s), mailto, cid and data:image URIs", () => {
    const r = blocked(`<a href="javascript:alert(1)">a</a><a href="vbscript:x">b</a><a href="data:text/html,x">c</a>
      <a href="https://ok.example/">d</a><a href="mailto:x@y.example">e</a><img src="data:image/svg+xml,<svg/>">`);
    expect(r.html).not.toMatch(/javascript:|vbscript:|data:text|data:image\/svg/);
    expect(r.html).toContain('href="https://ok.example/"');
    expect(r.html).toContain('href="mailto:x@y.example"');
    expect(r.html).toMatch(/<a href="https:\/\/ok.example\/" target="_blank" rel="noopener noreferrer">/);
  });

  it("holds back remote images and CSS urls until allowed", () => {
    const html = `<img src="https://t.example/p.gif"><div style="background:url('http://t.example/b.png')">x</div>
      <table background="https://t.example/t.png"></table><img srcset="https://t.example/2x.png 2x">`;
    const r = blocked(html);
    expect(r.html).not.toMatch(/ src="https?:|url\(['"]?https?:| background="https?:|srcset/);
    expect(r.html).toContain('data-x-src="https://t.example/p.gif"');
    expect(r.blockedRemote).toBeGreaterThanOrEqual(3);
    const allowed = sanitizeMail(html, { allowRemote: true });
    expect(allowed.html).toContain('src="https://t.example/p.gif"');
    expect(allowed.blockedRemote).toBe(0);
  });

  it("empties style elements that import or load fonts, rewrites their urls", () => {
    const r = blocked(`<style>@import url(https://e.example/x.css); p{color:red}</style><style>p{background:url(https://e.example/b.png)} a[href^=x]{color:blue}</style><p>t</p>`);
    expect(r.html).not.toContain("@import");
    expect(r.html).not.toContain("https://e.example");
    expect(r.html).toContain("a[href^=x]{color:blue}");
  });

  it("maps cid: pictures to their parts and drops unknown ones", () => {
    const cidUrls = new Map([["pic1@x", "data:image/png;base64,AAAA"]]);
    const r = sanitizeMail(`<img src="cid:pic1@x"><img src="cid:other@x">`, { allowRemote: false, cidUrls });
    expect(r.html).toContain('src="data:image/png;base64,AAAA"');
    expect(r.html).not.toContain("cid:other");
  });
});

describe("the frame", () => {
  it("has a CSP that lets nothing load but inline pictures unless allowed", () => {
    expect(frameCsp(false)).toBe("default-src 'none'; img-src data: blob: cid:; style-src 'unsafe-inline'; font-src data:");
    expect(frameCsp(true)).toContain("img-src data: blob: cid: https: http:");
    const doc = frameDocument("<p>x</p>", false, false);
    expect(doc).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: blob: cid:;`);
    expect(doc).toContain("<p>x</p>");
  });
});

describe("sanitizePasted", () => {
  it("keeps formatting, drops styles elements, remote pictures and classes", () => {
    const out = sanitizePasted(`<style>body{display:none}</style><p class="x"><b>bold</b> <img src="https://e.example/a.png"><img src="data:image/png;base64,AA"></p><script>x()</script>`);
    expect(out).toBe('<p><b>bold</b> <img src="data:image/png;base64,AA"></p>');
  });
});
