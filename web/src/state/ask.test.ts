import { describe, expect, it } from "vitest";
import { askConfirm, askText, question } from "./ask";

describe("the app's questions", () => {
  it("a text answer is trimmed; an empty or cancelled one is null", async () => {
    const a = askText({ title: "T", text: "what happens", action: "Do" });
    expect(question.value?.kind).toBe("text");
    question.value!.answer("  Name  ");
    expect(await a).toBe("Name");
    expect(question.value).toBeNull();
    const b = askText({ title: "T", text: "x", action: "Do" });
    question.value!.answer("   ");
    expect(await b).toBeNull();
    const c = askText({ title: "T", text: "x", action: "Do" });
    question.value!.answer(null);
    expect(await c).toBeNull();
  });
  it("a confirmation is true only when confirmed; a new question cancels the one open", async () => {
    const first = askConfirm({ title: "Delete?", text: "gone for good", action: "Delete", danger: true });
    const second = askConfirm({ title: "Other", text: "x", action: "Go" });
    expect(await first).toBe(false);
    expect(question.value?.title).toBe("Other");
    question.value!.answer("yes");
    expect(await second).toBe(true);
  });
});
