// stats: reading statistics for a text. It counts words by calling the Wasm plugin
// `wordcount` through host:plugins (its manifest entry imports "wordcount"; a call to
// any other plugin is refused).
import { call } from "host:plugins";
import { get } from "host:config";

const wordsPerMinute = get("words_per_minute");

/** Text -> { words, minutes }. */
export async function summarize(text) {
  const words = await call("wordcount", "count", text);
  return { words, minutes: Math.max(1, Math.ceil(words / wordsPerMinute)) };
}

/** The `publish` hook: a document gets its statistics. */
export async function publish(doc) {
  return { ...doc, ...(await summarize(doc.text)) };
}
