// Questions the app asks the user in its own dialog (ui/Ask.tsx) instead
// of the browser's prompt()/confirm(): a title, a text that says what will
// happen, and the button that does it. One question at a time; a new one
// answers the previous with "cancel".
import { signal } from "@preact/signals";

export interface Question {
  kind: "text" | "confirm";
  title: string;
  /** What will happen if the user goes on. */
  text: string;
  /** The text field's label (kind "text"). */
  label?: string;
  value?: string;
  /** The label of the button that does it ("Delete the folder", not "OK"). */
  action: string;
  /** The action cannot be undone: the button is shown as dangerous. */
  danger?: boolean;
  /** A text answer is refused (the button disabled) unless it passes. */
  valid?: (value: string) => boolean;
  answer: (value: string | null) => void;
}

export const question = signal<Question | null>(null);

function ask(q: Omit<Question, "answer">): Promise<string | null> {
  question.value?.answer(null);
  return new Promise((resolve) => {
    question.value = {
      ...q,
      answer: (v) => {
        question.value = null;
        resolve(v);
      },
    };
  });
}

/** A text from the user (trimmed, never empty), or null when cancelled. */
export async function askText(q: Omit<Question, "answer" | "kind">): Promise<string | null> {
  const v = await ask({ ...q, kind: "text" });
  return v?.trim() ? v.trim() : null;
}

/** True when the user confirms the action. */
export async function askConfirm(q: Omit<Question, "answer" | "kind" | "label" | "value" | "valid">): Promise<boolean> {
  return (await ask({ ...q, kind: "confirm" })) !== null;
}
