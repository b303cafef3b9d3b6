// markdown: renders Markdown to HTML with `marked`, an npm library (vendored in
// node_modules/marked, MIT). Its module graph reads only this directory: that is all a
// plugin may import from unless its manifest entry grants more.
import { marked } from "marked";
import { get } from "host:config";

const options = { gfm: get("gfm") ?? true, breaks: get("breaks") ?? false };

/** Markdown text -> HTML. */
export function render(markdown) {
  if (typeof markdown !== "string") {
    throw new TypeError(`render takes a string, not ${typeof markdown}`);
  }
  return marked.parse(markdown, options);
}

/** The `publish` hook: a document (its Markdown text) gets its HTML. */
export function publish(doc) {
  const text = typeof doc === "string" ? doc : doc.text;
  return { text, html: render(text) };
}
